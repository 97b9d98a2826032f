/*
 * handler.c - which code answers a request.
 *
 * What it teaches: the dispatcher is the same in every MPM (the Flash
 * paper's lesson: compare architectures on one code base). /server-status
 * is the scoreboard, /lab/... are the lab handlers (only with LabHandlers
 * On), everything else is a static file under DocumentRoot.
 */
#include "handlers.h"

#include <string.h>

#include "http_parser.h"
#include "response.h"
#include "server.h"

static bool path_is(struct http_span path, const char *name)
{
	return path.len == strlen(name) && memcmp(path.ptr, name, path.len) == 0;
}

void handle_request(const struct server *srv, const struct http_request *req,
		    struct body_reader *body, struct response *resp)
{
	if (req->method_id == HTTP_METHOD_OTHER) {
		response_error(resp, 501, "This method is not implemented "
			       "by the server.");
		return;
	}
	if (req->target.len == 1 && req->target.ptr[0] == '*') {
		/* OPTIONS * asks about the server itself (RFC 9110 9.3.7). */
		response_set_status(resp, 200);
		response_add_header(resp, "Allow", "GET, HEAD, POST, OPTIONS");
		return;
	}
	if (path_is(req->path, "/server-status")) {
		status_handle(srv, req, resp);
		return;
	}
	if (srv->cfg.lab_handlers && lab_handle(req, body, resp))
		return;
	static_handle(srv, req, resp);
}
