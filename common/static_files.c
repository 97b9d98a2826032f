/*
 * static_files.c - serve the files under DocumentRoot, and nothing else.
 *
 * What it teaches: once docroot.c has turned the request path into a file
 * inside the root (or said why not), HTTP's caching and partial-content
 * rules decide what to send: 304 when the client's copy is current (ETag /
 * If-None-Match, Last-Modified / If-Modified-Since), 206 for one byte
 * range, 416 for a range the file does not have. The bytes themselves
 * leave with sendfile(2) (response.c), the same way in all three MPMs, so
 * a benchmark compares the MPMs and not their file code (the lesson of
 * the Flash paper).
 *
 * Deliberate choices, for a student comparing with Apache:
 * - Only one byte range: a Range header with several ranges, or one we
 *   cannot parse, is ignored and the whole file is sent with 200 (RFC 9110
 *   allows a server to ignore Range; multipart/byteranges is not worth its
 *   code in a teaching kit). HEAD honours Range like GET, so that HEAD
 *   answers with the headers GET would send.
 * - The Content-Type comes from the name of the resolved file (for a
 *   symlink inside the root: its target's name).
 * - No directory listings: a directory without an index is 403.
 * - The ETag is "size-mtime" in hex, sent as a strong validator. A file
 *   rewritten with the same size within the same second keeps its tag;
 *   Apache's default tag has the same blind spot.
 * - If-Match and If-Unmodified-Since are honoured too (412), so that the
 *   whole precedence of RFC 9110 13.2.2 is here to read.
 *
 * Called by handle_request (handler.c) in every MPM. Unit tests:
 * tests/unit/test_static.c; fuzzed by tests/fuzz/fuzz_static.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "docroot.h"
#include "handlers.h"
#include "http_chars.h"
#include "http_date.h"
#include "http_parser.h"
#include "response.h"
#include "server.h"

#define DEFAULT_INDEX "index.html"

/* ---- MIME types ---- */

struct mime_type {
	const char *ext;
	const char *type;
};

static const struct mime_type mime_types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "c", "text/x-c; charset=utf-8" },
	{ "h", "text/x-c; charset=utf-8" },
	{ "sh", "text/x-shellscript; charset=utf-8" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "ico", "image/x-icon" },
	{ "pdf", "application/pdf" },
	{ "xml", "application/xml" },
	{ "wasm", "application/wasm" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "mp4", "video/mp4" },
	{ "webm", "video/webm" },
	{ "mp3", "audio/mpeg" },
	{ "tar", "application/x-tar" },
	{ "gz", "application/gzip" },
	{ "zip", "application/zip" },
};

const char *mime_type_for(const char *path)
{
	const char *base, *dot;

	if (path == NULL)
		return "application/octet-stream";
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base) /* ".profile" has no extension */
		return "application/octet-stream";
	for (size_t i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
		if (strcasecmp(dot + 1, mime_types[i].ext) == 0)
			return mime_types[i].type;
	return "application/octet-stream";
}

/* ---- Validators and conditional requests (RFC 9110 8.8, 13) ---- */

struct file {
	char path[PATH_MAX];
	int fd;
	struct stat st;
	char etag[48];          /* "size-mtime" in hex, quoted: strong */
	char last_modified[30];
};

/* Does any entity-tag of the list ("a", W/"b", ...) or "*" match etag?
 * Weak comparison ignores W/; strong comparison needs both tags strong.
 * A malformed list matches nothing. */
static bool etag_list_matches(const struct http_span *list, const char *etag,
			      bool weak)
{
	const char *p = list->ptr, *end = list->ptr + list->len;
	size_t etag_len = strlen(etag);

	while (p < end) {
		const char *close;
		bool is_weak = false;
		size_t n;

		while (p < end && (is_ows(*p) || *p == ','))
			p++;
		if (p == end)
			break;
		if (*p == '*')
			return true; /* any current representation */
		if (end - p >= 2 && p[0] == 'W' && p[1] == '/') {
			is_weak = true;
			p += 2;
		}
		if (p == end || *p != '"')
			return false;
		close = memchr(p + 1, '"', (size_t)(end - p - 1));
		if (close == NULL)
			return false;
		n = (size_t)(close - p) + 1;
		if ((weak || !is_weak) && n == etag_len &&
		    memcmp(p, etag, n) == 0)
			return true;
		p = close + 1;
	}
	return false;
}

static long long header_date(const struct http_request *req,
			     const char *name)
{
	const struct http_span *v = http_request_header(req, name);

	return v ? http_date_parse(v->ptr, v->len) : -1;
}

/* If-Match / If-Unmodified-Since: 412 when they fail. */
static bool precondition_failed(const struct http_request *req,
				const struct file *f)
{
	const struct http_span *im = http_request_header(req, "If-Match");
	long long since;

	if (im != NULL)
		return !etag_list_matches(im, f->etag, false);
	since = header_date(req, "If-Unmodified-Since");
	return since != -1 && (long long)f->st.st_mtime > since;
}

/* If-None-Match, or else If-Modified-Since: the client's copy is current.
 * A date in the future is ignored: it cannot be a Last-Modified we sent. */
static bool not_modified(const struct http_request *req, const struct file *f)
{
	const struct http_span *inm = http_request_header(req, "If-None-Match");
	long long since;

	if (inm != NULL)
		return etag_list_matches(inm, f->etag, true);
	since = header_date(req, "If-Modified-Since");
	return since != -1 && since <= (long long)time(NULL) &&
	       (long long)f->st.st_mtime <= since;
}

/* ---- Byte ranges (RFC 9110 14) ---- */

enum range_result { RANGE_IGNORE, RANGE_OK, RANGE_UNSATISFIABLE };

/* Digits at *p as an offset, saturating instead of overflowing (a huge
 * first-pos is simply past the end of the file). Returns false if none. */
static bool parse_offset(const char **p, const char *end, long long *value)
{
	const char *start = *p;
	long long v = 0;

	while (*p < end && **p >= '0' && **p <= '9') {
		int digit = **p - '0';

		v = v > (LLONG_MAX - digit) / 10 ? LLONG_MAX : v * 10 + digit;
		(*p)++;
	}
	*value = v;
	return *p > start;
}

/* One "bytes=first-last", "bytes=first-" or "bytes=-suffix". */
static enum range_result parse_range(const struct http_span *v,
				     long long size, long long *first,
				     long long *last)
{
	const char *p = v->ptr, *end = v->ptr + v->len;
	long long a = 0, b = 0;
	bool has_a, has_b;

	if (v->len < 6 || strncasecmp(p, "bytes=", 6) != 0)
		return RANGE_IGNORE;
	p += 6;
	if (memchr(p, ',', (size_t)(end - p)) != NULL)
		return RANGE_IGNORE; /* several ranges: see the top comment */
	while (p < end && is_ows(*p))
		p++;
	has_a = parse_offset(&p, end, &a);
	if (p == end || *p++ != '-')
		return RANGE_IGNORE;
	has_b = parse_offset(&p, end, &b);
	while (p < end && is_ows(*p))
		p++;
	if (p != end || (!has_a && !has_b) || (has_a && has_b && b < a))
		return RANGE_IGNORE;
	if (!has_a) {                   /* the last b bytes */
		if (b == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return RANGE_OK;
	}
	if (a >= size)
		return RANGE_UNSATISFIABLE;
	*first = a;
	*last = !has_b || b >= size ? size - 1 : b;
	return RANGE_OK;
}

/* If-Range: honour Range only if the client's validator is still ours
 * (strong comparison for a tag, an exact Last-Modified for a date). */
static bool if_range_allows(const struct http_request *req,
			    const struct file *f)
{
	const struct http_span *v = http_request_header(req, "If-Range");

	if (v == NULL)
		return true;
	if ((v->len > 0 && v->ptr[0] == '"') ||
	    (v->len > 1 && v->ptr[0] == 'W' && v->ptr[1] == '/'))
		return v->len == strlen(f->etag) &&
		       memcmp(v->ptr, f->etag, v->len) == 0;
	return http_date_parse(v->ptr, v->len) == (long long)f->st.st_mtime;
}

/* ---- Answering ---- */

static void close_file(struct file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

/* 200, 206, 304, 412 or 416 for an open regular file. */
static void serve_file(const struct http_request *req, struct response *r,
		       struct file *f)
{
	const struct http_span *range = http_request_header(req, "Range");
	long long size = (long long)f->st.st_size, first = 0, last = size - 1;
	enum range_result rr = RANGE_IGNORE;

	snprintf(f->etag, sizeof(f->etag), "\"%llx-%llx\"",
		 (unsigned long long)size,
		 (unsigned long long)f->st.st_mtime);
	http_date_format((long long)f->st.st_mtime, f->last_modified);
	if (precondition_failed(req, f)) {
		close_file(f);
		response_error(r, 412, "The file has changed.");
		return;
	}
	response_add_header(r, "Last-Modified", "%s", f->last_modified);
	response_add_header(r, "ETag", "%s", f->etag);
	if (not_modified(req, f)) {
		close_file(f);
		response_set_status(r, 304);
		r->no_body = true;
		return;
	}
	response_add_header(r, "Content-Type", "%s", mime_type_for(f->path));
	response_add_header(r, "Accept-Ranges", "bytes");
	if (range != NULL && if_range_allows(req, f))
		rr = parse_range(range, size, &first, &last);
	if (rr == RANGE_UNSATISFIABLE) {
		close_file(f);
		response_error(r, 416, "The range is outside the file.");
		response_add_header(r, "Content-Range", "bytes */%lld", size);
		return;
	}
	if (rr == RANGE_OK) {
		response_set_status(r, 206);
		response_add_header(r, "Content-Range", "bytes %lld-%lld/%lld",
				    first, last, size);
	} else {
		response_set_status(r, 200);
		first = 0;
		last = size - 1;
	}
	response_set_body_file(r, f->fd, (off_t)first,
			       (off_t)(last - first + 1));
	f->fd = -1; /* the response owns it now */
}

/* A directory asked for without its trailing slash: send the client to the
 * name with one, so relative links in its index resolve correctly. */
static void redirect_to_directory(const struct http_request *req,
				  struct response *r)
{
	int err;

	if (req->query.len > 0)
		err = response_add_header(r, "Location", "%.*s/?%.*s",
					  (int)req->path.len, req->path.ptr,
					  (int)req->query.len, req->query.ptr);
	else
		err = response_add_header(r, "Location", "%.*s/",
					  (int)req->path.len, req->path.ptr);
	if (err != 0) {
		response_error(r, 414, "The path is too long to redirect.");
		return;
	}
	response_error(r, 301, "This is a directory: add a slash.");
}

/* Replace a directory's name in f->path by its DirectoryIndex file, which
 * must be inside the root like any other. Returns 0 or a status. */
static int find_index(const struct server *srv, struct file *f)
{
	const struct config *cfg = &srv->cfg;
	const char *index = cfg->directory_index[0] ? cfg->directory_index
						    : DEFAULT_INDEX;
	char name[PATH_MAX];
	int n, status;
	bool known;

	n = snprintf(name, sizeof(name), "%s/%s", f->path, index);
	if (n < 0 || (size_t)n >= sizeof(name))
		return 404;
	status = docroot_resolve(srv->docroot_real, name,
				cfg->allow_symlinks_outside_root, f->path,
				sizeof(f->path), &f->st, &known);
	if (status == 0 && !known && stat(f->path, &f->st) != 0)
		status = errno == EACCES ? 403 : 404;
	return status;
}

/* Out of descriptors or memory is the server's trouble, not the
 * client's: 503, so a student sees it is temporary. */
static int open_error_status(int err)
{
	if (err == ENOENT)
		return 404;
	if (err == EMFILE || err == ENFILE || err == ENOMEM)
		return 503;
	return 403;
}

static bool method_allowed(const struct http_request *req,
			   struct response *r)
{
	switch (req->method_id) {
	case HTTP_METHOD_GET:
	case HTTP_METHOD_HEAD:
		return true;
	case HTTP_METHOD_OTHER:
		response_error(r, 501, "Unknown method.");
		return false;
	default:
		response_error(r, 405, "Files answer GET and HEAD only.");
		response_add_header(r, "Allow", "GET, HEAD");
		return false;
	}
}

void static_handle(const struct server *srv,
		   const struct http_request *req, struct response *r)
{
	struct file f;
	int status;
	bool known;

	f.fd = -1;
	r->head_only = req->method_id == HTTP_METHOD_HEAD;
	if (!method_allowed(req, r))
		return;
	status = docroot_map(srv->docroot_real, req->path.ptr, req->path.len,
			  srv->cfg.allow_symlinks_outside_root, f.path,
			  sizeof(f.path), &f.st, &known);
	if (status != 0) {
		response_error(r, status, status == 403 ?
			       "You may not see this file." : NULL);
		return;
	}
	/* Usually the path walk's last lstat() said it already. */
	if (!known && stat(f.path, &f.st) != 0) {
		response_error(r, errno == EACCES ? 403 : 404, NULL);
		return;
	}
	if (S_ISDIR(f.st.st_mode)) {
		/* path.len > 0: static_map_path accepted it. */
		if (req->path.ptr[req->path.len - 1] != '/') {
			redirect_to_directory(req, r);
			return;
		}
		status = find_index(srv, &f);
		if (status == 404)
			response_error(r, 403, "Directory listing is off.");
		else if (status != 0)
			response_error(r, status, NULL);
		if (status != 0)
			return;
	}
	if (!S_ISREG(f.st.st_mode)) {
		response_error(r, 403, "Only regular files are served.");
		return;
	}
	/* The name was checked a moment ago; if someone swapped a symlink in
	 * since, O_NOFOLLOW refuses it, and fstat describes what we really
	 * opened, not what stat saw. */
	f.fd = open(f.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f.fd < 0) {
		response_error(r, open_error_status(errno), NULL);
		return;
	}
	if (fstat(f.fd, &f.st) != 0 || !S_ISREG(f.st.st_mode)) {
		close_file(&f);
		response_error(r, 403, "Only regular files are served.");
		return;
	}
	serve_file(req, r, &f);
}
