/*
 * http_parser.h - the kit's incremental, zero-copy HTTP/1.1 request parser.
 *
 * What it teaches: a server never gets a request "in one read()". The parser
 * is fed the bytes received so far (the same buffer, grown) and answers
 * "need more", "complete: N bytes are the head" or "error: status S".
 * Every span it returns points into the caller's buffer; nothing is copied
 * and nothing is allocated. Framing follows RFC 9112 strictly: every
 * leniency a real server might allow is refused with the status a client
 * will see (400, 414, 431, 501, 505).
 *
 * Used by common/conn.c (all three MPMs) and by 03-event's listener, which
 * feeds it whatever epoll delivered. Unit tests: tests/unit/test_parser.c.
 * Request bodies in chunked coding: chunked.h.
 */
#ifndef KIT_HTTP_PARSER_H
#define KIT_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>

/* Upper bound on LimitRequestFields (Apache allows up to 32767; a fixed
 * array keeps the parser allocation-free). */
#define HTTP_MAX_HEADERS 256

enum http_parse_result {
	HTTP_PARSE_NEED_MORE = 0, /* the head is not complete yet: read more */
	HTTP_PARSE_DONE = 1,      /* req->head_length bytes form the head */
	HTTP_PARSE_ERROR = -1,    /* req->error_status says which HTTP error */
};

enum http_method {
	HTTP_METHOD_OTHER = 0, /* a syntactically valid token we do not know */
	HTTP_METHOD_GET,
	HTTP_METHOD_HEAD,
	HTTP_METHOD_POST,
	HTTP_METHOD_PUT,
	HTTP_METHOD_DELETE,
	HTTP_METHOD_OPTIONS,
	HTTP_METHOD_TRACE,
	HTTP_METHOD_CONNECT,
	HTTP_METHOD_PATCH,
};

/* A piece of the caller's buffer. Not NUL-terminated. */
struct http_span {
	const char *ptr;
	size_t len;
};

struct http_header {
	struct http_span name;  /* as received; compare case-insensitively */
	struct http_span value; /* leading and trailing whitespace removed */
};

/* Apache's LimitRequest* directives. */
struct http_limits {
	size_t request_line; /* LimitRequestLine: bytes, without CRLF -> 414 */
	size_t field_size;   /* LimitRequestFieldSize: one header line -> 431 */
	size_t fields;       /* LimitRequestFields: count -> 431 */
};

struct http_request {
	/* Request line. */
	struct http_span method;
	enum http_method method_id;
	struct http_span target; /* as sent: origin-form or absolute-form */
	struct http_span path;   /* target without scheme://authority, ?query */
	struct http_span query;  /* after '?', without it; len 0 if none */
	int version_major;       /* 1 */
	int version_minor;       /* 0 or 1 */

	size_t header_count;     /* headers[0 .. header_count-1] are valid */

	/* What the headers mean for framing and the connection. */
	struct http_span host;    /* Host header, or the absolute-form authority */
	bool has_content_length;
	unsigned long long content_length;
	bool chunked;             /* Transfer-Encoding: chunked (final coding) */
	bool connection_close;    /* Connection: close */
	bool connection_keep_alive; /* Connection: keep-alive */
	bool keep_alive;          /* HTTP/1.1 unless close; 1.0 only if keep-alive */
	bool expect_continue;     /* Expect: 100-continue */

	size_t head_length;       /* bytes of the head, CRLFCRLF included */
	int error_status;         /* on HTTP_PARSE_ERROR: 400, 414, 431, 501, 505 */
	const char *error_reason; /* on error: a short phrase for the error log */

	/* Last, so http_request_clear() can leave its 8 KiB alone. */
	struct http_header headers[HTTP_MAX_HEADERS];
};

/* Parser state kept between calls for the same request. It remembers how
 * far the buffer has been scanned and what the lines already checked were,
 * so a head that arrives one byte at a time costs O(n), not O(n^2). It
 * holds offsets, never pointers: the buffer may move (realloc) between
 * calls. Re-initialise it for every new request. */
struct http_parser {
	size_t scanned;
	struct http_limits limits;
	size_t line_start;       /* offset of the line being received */
	size_t empty_lines;      /* CRLFs skipped before the request line */
	size_t fields;           /* header lines checked so far */
	bool request_line_seen;
};

/* limits may be NULL (Apache's defaults: 8190, 8190, 100) and may point
 * into p itself. fields == 0 or above HTTP_MAX_HEADERS means
 * HTTP_MAX_HEADERS. */
void http_parser_init(struct http_parser *p, const struct http_limits *limits);

/* Forget a request: every field zero, header_count 0. The header slots are
 * not cleared: only the first header_count are ever read, and clearing
 * all of them would write 8 KiB for every request. */
void http_request_clear(struct http_request *req);

/* Parse the request head in buf[0..len). buf holds the bytes received so far
 * for this request, starting at its first byte (a client may send CRLFs
 * before a request line: RFC 9112 2.2 says ignore at least one; they count
 * in head_length). Always the same result whatever the split of the bytes
 * across calls. Limits are enforced on partial input too: an over-long
 * request line is 414 before its CRLF arrives. */
enum http_parse_result http_parse_head(struct http_parser *p, const char *buf,
				       size_t len, struct http_request *req);

/* The value of the first header called name (case-insensitive), or NULL. */
const struct http_span *http_request_header(const struct http_request *req,
					    const char *name);

/* Case-insensitive comparison of a span with a C string. */
bool http_span_equals(struct http_span s, const char *text);

/* limits with Apache's defaults where l is NULL, and LimitRequestFields 0
 * (unlimited) or above HTTP_MAX_HEADERS as HTTP_MAX_HEADERS. Shared with
 * the chunked decoder (chunked.c), which bounds trailers the same way. */
struct http_limits http_limits_effective(const struct http_limits *l);

#endif
