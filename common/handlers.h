/*
 * handlers.h - the content handlers and the dispatcher that picks one.
 *
 * What it teaches: a handler is a function of the request, its body and
 * the response to fill; it never sees the connection or the socket. The
 * connection code (conn.c) parses the head, calls handle_request(), and
 * sends what the handler prepared, so the same handlers serve all three
 * MPMs and the unit tests call them without a socket.
 */
#ifndef KIT_HANDLERS_H
#define KIT_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>

struct http_request;
struct response;
struct server;

/* How a handler reads the request body. conn.c supplies one per request;
 * a unit test can supply its own. read_all reads the whole body
 * (Content-Length or chunked) into a malloc'd buffer of at most max bytes
 * (*body may be NULL when the request has none) and returns 0, or the
 * status to answer with: 413 (larger than max or LimitRequestBody), 400
 * (broken chunked framing, or the client closed), 408 (the client stalled
 * for Timeout), 500. A body nobody reads is discarded by conn.c before
 * the response goes out. */
struct body_reader {
	int (*read_all)(void *ctx, char **body, size_t *len, size_t max);
	void *ctx;
};

/* The dispatcher (handler.c): /server-status, /lab/... (LabHandlers On),
 * otherwise a static file. Fills resp (status, headers, body). */
void handle_request(const struct server *srv, const struct http_request *req,
		    struct body_reader *body, struct response *resp);

/* Static files under DocumentRoot (static_files.c): GET and HEAD,
 * conditional requests, single ranges, directory index and redirect. */
void static_handle(const struct server *srv,
		   const struct http_request *req, struct response *resp);

/* "text/html; charset=utf-8" for "x.html"; application/octet-stream if
 * unknown. */
const char *mime_type_for(const char *path);

/* /server-status and /server-status?auto (status.c). */
void status_handle(const struct server *srv,
		   const struct http_request *req, struct response *resp);

/* /lab/sleep, /lab/spin, /lab/unsafe, /lab/leak, /lab/crash, /lab/echo
 * (lab.c). Called only when LabHandlers is On; returns false if the path
 * does not start with /lab/ (a /lab/ path it does not know is 404). */
bool lab_handle(const struct http_request *req, struct body_reader *body,
		struct response *resp);

/* Query parameter name as a bounded number: returns 0 and *value, 1 if
 * absent (value untouched), -1 if present but not a number in [min, max]. */
int query_long(const char *query, size_t len, const char *name, long min,
	       long max, long *value);

/* The first parameter called name in "a=1&b&c=x" (query.c): true with
 * *value pointing into query (not NUL-terminated, possibly empty) and
 * *value_len; false if absent. A bare "b" counts as present and empty. */
bool query_find(const char *query, size_t len, const char *name,
		const char **value, size_t *value_len);

/* Query parameter name as a short token of [A-Za-z0-9_-], 1 to outlen-1
 * characters: returns 0 with the NUL-terminated token in out, 1 if absent
 * (out untouched), -1 if present but empty, too long or with other bytes. */
int query_token(const char *query, size_t len, const char *name, char *out,
		size_t outlen);

#endif
