/*
 * handlers.h - the content handlers the dispatcher (handler.c) calls.
 *
 * Each fills c->resp for the parsed request c->req. They never write to the
 * socket themselves: the connection code sends what they prepared.
 */
#ifndef KIT_HANDLERS_H
#define KIT_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>

struct conn;

/* Static files under DocumentRoot (static_files.c): GET and HEAD,
 * conditional requests, single ranges, directory index and redirect. */
void static_handle(struct conn *c);

/* Map a request path (still percent-encoded, without query) to a file name
 * under docroot_real. Returns 0 and the absolute path in out, or the HTTP
 * status to answer (400 for a NUL byte or bad escape, 403 for an attempt to
 * leave the docroot, 404). The fuzz target calls this directly. */
int static_map_path(const char *docroot_real, const char *path, size_t len,
		    bool allow_symlinks_outside, char *out, size_t outlen);

/* "text/html; charset=utf-8" for "x.html"; application/octet-stream if
 * unknown. */
const char *mime_type_for(const char *path);

/* /server-status and /server-status?auto (status.c). */
void status_handle(struct conn *c);

/* /lab/sleep, /lab/spin, /lab/unsafe, /lab/leak, /lab/crash, /lab/echo
 * (lab.c). Called only when LabHandlers is On; returns false if the path is
 * not a lab handler. */
bool lab_handle(struct conn *c);

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
