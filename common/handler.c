/*
 * handler.c - which code answers a request.
 *
 * What it teaches: the dispatcher is the same in every MPM (the Flash
 * paper's lesson: compare architectures on one code base). /server-status
 * is the scoreboard, /lab/... are the lab handlers (only with LabHandlers
 * On), everything else is a static file under DocumentRoot.
 */
#include "conn.h"
#include "handlers.h"
#include "server.h"

#include <string.h>

static bool path_is(struct http_span path, const char *name)
{
	return path.len == strlen(name) && memcmp(path.ptr, name, path.len) == 0;
}

static bool path_starts(struct http_span path, const char *prefix)
{
	size_t n = strlen(prefix);

	return path.len >= n && memcmp(path.ptr, prefix, n) == 0;
}

void handle_request(struct conn *c)
{
	const struct http_request *req = &c->req;

	if (req->method_id == HTTP_METHOD_OTHER) {
		response_error(&c->resp, 501, "This method is not implemented "
			       "by the server.");
		return;
	}
	if (req->target.len == 1 && req->target.ptr[0] == '*') {
		/* OPTIONS * asks about the server itself (RFC 9110 9.3.7). */
		response_set_status(&c->resp, 200);
		response_add_header(&c->resp, "Allow", "GET, HEAD, POST, OPTIONS");
		return;
	}
	if (path_is(req->path, "/server-status")) {
		status_handle(c);
		return;
	}
	if (c->srv->cfg.lab_handlers && path_starts(req->path, "/lab/") &&
	    lab_handle(c))
		return;
	static_handle(c);
}
