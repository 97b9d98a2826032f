/*
 * http_parser.c - the kit's incremental, zero-copy HTTP/1.1 request parser
 * (RFC 9112). Request bodies in chunked coding are chunked.c's.
 *
 * What it teaches: a head arrives in pieces, and the parser must give the
 * same answer however it was cut. It works in two passes:
 *  1. Lines, as they arrive: each call looks only at bytes not seen yet
 *     (p->scanned). A line is judged when its LF arrives, length first,
 *     then syntax; the line still arriving only by its length, so an
 *     endless line is refused before its end. Lines are judged in order,
 *     each on its own bytes: the first error is the same for every split.
 *  2. Meaning, once: when the empty line ending the head arrives, the head
 *     is walked again to fill struct http_request with spans into the
 *     buffer, and the rules needing every header are applied (Host,
 *     Content-Length, Transfer-Encoding, Connection, Expect).
 *
 * Where RFC 9112 leaves a choice, the strict one:
 *  - lines end in CRLF: a bare LF is 400 (Apache's "HttpProtocolOptions
 *    Strict"); up to MAX_EMPTY_LINES_BEFORE_REQUEST CRLFs before the
 *    request line are skipped (counted in head_length), one more is 400;
 *  - "HTTP/1.x" with x > 1 is served as HTTP/1.1; HTTP/0.x and malformed
 *    versions are 400, HTTP/2 and above 505;
 *  - a header line over LimitRequestFieldSize is 431, the status RFC 6585
 *    made for it (Apache answers 400); too many headers is 431 too;
 *  - a target is printable ASCII without '#', in origin-form ("/p?q"),
 *    absolute-form ("http://host/p?q"), or "*" for OPTIONS only.
 * Tests: tests/unit/test_parser.c feeds every case whole, one byte at a
 * time and cut at every position.
 */
#include "http_parser.h"
#include "http_chars.h"

#include <limits.h>
#include <string.h>

/* Apache's defaults for LimitRequestLine, -FieldSize and -Fields. */
#define DEFAULT_LIMIT_REQUEST_LINE 8190
#define DEFAULT_LIMIT_FIELD_SIZE 8190
#define DEFAULT_LIMIT_FIELDS 100

/* RFC 9112 2.2: a server SHOULD ignore at least one empty line before the
 * request line (old clients sent a CRLF after a POST body). A few, not an
 * endless stream. */
#define MAX_EMPTY_LINES_BEFORE_REQUEST 4

/* ---- Small tools: character classes (http_chars.h) and spans ---- */

/* A host, IP literal and port (RFC 3986 3.2.2). Not '@', '/' or '\\':
 * they have fooled servers about which host was meant. */
#define HOST_SYMBOLS "-._~!$&'()*+,;=%:[]"

static bool made_of(struct http_span s, const char *symbols)
{
	for (size_t i = 0; i < s.len; i++)
		if (!is_alnum_or((unsigned char)s.ptr[i], symbols))
			return false;
	return true;
}

static bool is_token(struct http_span s)
{
	return s.len > 0 && made_of(s, TCHAR_SYMBOLS);
}

static struct http_span span_of(const char *ptr, size_t len)
{
	struct http_span s = { ptr, len };

	return s;
}

static struct http_span trim_ows(struct http_span s)
{
	while (s.len > 0 && is_ows(s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len > 0 && is_ows(s.ptr[s.len - 1]))
		s.len--;
	return s;
}

bool http_span_equals(struct http_span s, const char *text)
{
	if (s.len != strlen(text))
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (ascii_lower(s.ptr[i]) != ascii_lower(text[i]))
			return false;
	return true;
}

/* Cut the next element off a comma-separated list (RFC 9110 5.6.1), OWS
 * trimmed. Empty elements are returned too: each header decides. When the
 * last element has been taken, list->ptr becomes NULL. */
static bool next_list_element(struct http_span *list, struct http_span *elem)
{
	const char *comma;

	if (list->ptr == NULL)
		return false;
	comma = memchr(list->ptr, ',', list->len);
	if (comma == NULL) {
		*elem = trim_ows(*list);
		*list = span_of(NULL, 0);
		return true;
	}
	*elem = trim_ows(span_of(list->ptr, (size_t)(comma - list->ptr)));
	list->len -= (size_t)(comma + 1 - list->ptr);
	list->ptr = comma + 1;
	return true;
}

/* Every error leaves through here, so every error has a reason. */
static int reject(struct http_request *req, int status, const char *reason)
{
	req->error_status = status;
	req->error_reason = reason;
	return status;
}

struct http_limits http_limits_effective(const struct http_limits *l)
{
	struct http_limits out = {
		DEFAULT_LIMIT_REQUEST_LINE, DEFAULT_LIMIT_FIELD_SIZE,
		DEFAULT_LIMIT_FIELDS,
	};

	if (l != NULL)
		out = *l;
	/* Apache's "0 = unlimited" ends at our fixed header array. */
	if (out.fields == 0 || out.fields > HTTP_MAX_HEADERS)
		out.fields = HTTP_MAX_HEADERS;
	return out;
}

/* ---- The request line: method SP request-target SP HTTP-version ---- */

static const struct {
	const char *name;
	enum http_method id;
} known_methods[] = {
	{ "GET", HTTP_METHOD_GET },         { "HEAD", HTTP_METHOD_HEAD },
	{ "POST", HTTP_METHOD_POST },       { "PUT", HTTP_METHOD_PUT },
	{ "DELETE", HTTP_METHOD_DELETE },   { "OPTIONS", HTTP_METHOD_OPTIONS },
	{ "TRACE", HTTP_METHOD_TRACE },     { "CONNECT", HTTP_METHOD_CONNECT },
	{ "PATCH", HTTP_METHOD_PATCH },
};

/* Methods are case-sensitive (RFC 9110 9.1): "get" is a method we do not
 * know, answered 501 by the handler, not a GET. */
static enum http_method method_id_of(struct http_span m)
{
	for (size_t i = 0; i < sizeof(known_methods) / sizeof(known_methods[0]);
	     i++) {
		const char *name = known_methods[i].name;

		if (m.len == strlen(name) && memcmp(m.ptr, name, m.len) == 0)
			return known_methods[i].id;
	}
	return HTTP_METHOD_OTHER;
}

static void split_path_query(struct http_span t, struct http_request *req)
{
	const char *q = memchr(t.ptr, '?', t.len);

	if (q == NULL) {
		req->path = t;
		req->query = span_of(t.ptr + t.len, 0);
		return;
	}
	req->path = span_of(t.ptr, (size_t)(q - t.ptr));
	req->query = span_of(q + 1, t.len - req->path.len - 1);
}

/* absolute-form (RFC 9112 3.2.2), "http://host:port/path?query": what
 * clients send to proxies, and what a server must accept too. Its
 * authority is the host, whatever the Host header says. */
static int parse_absolute_form(struct http_span t, struct http_request *req)
{
	const char *end = t.ptr + t.len;
	const char *authority, *after;
	size_t scheme_len;

	if (t.len > 7 && http_span_equals(span_of(t.ptr, 7), "http://"))
		scheme_len = 7;
	else if (t.len > 8 && http_span_equals(span_of(t.ptr, 8), "https://"))
		scheme_len = 8;
	else
		return reject(req, 400, "request target is not origin-form, "
			      "absolute-form or *");
	authority = t.ptr + scheme_len;
	after = authority;
	while (after < end && *after != '/' && *after != '?')
		after++;
	req->host = span_of(authority, (size_t)(after - authority));
	if (req->host.len == 0 || !made_of(req->host, HOST_SYMBOLS))
		return reject(req, 400, "bad authority in absolute-form "
			      "target");
	if (after < end && *after == '/') {
		split_path_query(span_of(after, (size_t)(end - after)), req);
		return 0;
	}
	/* "http://host" or "http://host?q": the path is "/". To stay a span
	 * of the buffer, it is the '/' just before the authority. */
	req->path = span_of(authority - 1, 1);
	req->query = after < end ? span_of(after + 1, (size_t)(end - after - 1))
				 : span_of(end, 0);
	return 0;
}

static int parse_target(struct http_span t, struct http_request *req)
{
	for (size_t i = 0; i < t.len; i++) {
		unsigned char c = (unsigned char)t.ptr[i];

		if (c <= ' ' || c >= 0x7f || c == '#')
			return reject(req, 400, "control character, space, '#' "
				      "or non-ASCII byte in request target");
	}
	req->target = t;
	if (t.ptr[0] == '/') {
		split_path_query(t, req);
		return 0;
	}
	if (t.len == 1 && t.ptr[0] == '*') {
		if (req->method_id != HTTP_METHOD_OPTIONS)
			return reject(req, 400, "request target * is only for "
				      "OPTIONS");
		req->path = t;
		req->query = span_of(t.ptr + 1, 0);
		return 0;
	}
	return parse_absolute_form(t, req);
}

/* Exactly "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3), case-sensitive. */
static int parse_version(struct http_span v, struct http_request *req)
{
	int major, minor;

	if (v.len != 8 || memcmp(v.ptr, "HTTP/", 5) != 0 ||
	    !is_digit((unsigned char)v.ptr[5]) || v.ptr[6] != '.' ||
	    !is_digit((unsigned char)v.ptr[7]))
		return reject(req, 400, "malformed HTTP version");
	major = v.ptr[5] - '0';
	minor = v.ptr[7] - '0';
	if (major == 0)
		return reject(req, 400, "HTTP/0.x is not supported");
	if (major >= 2)
		return reject(req, 505, "HTTP version not supported");
	req->version_major = 1;
	req->version_minor = minor > 1 ? 1 : minor; /* 1.2+ is served as 1.1 */
	return 0;
}

/* Exactly one SP between the three parts: "GET  / HTTP/1.1" and a
 * trailing space are errors, not something to guess around. */
static int parse_request_line(struct http_span line, struct http_request *req)
{
	const char *end = line.ptr + line.len;
	const char *sp1, *sp2;
	int status;

	sp1 = memchr(line.ptr, ' ', line.len);
	if (sp1 == NULL)
		return reject(req, 400, "request line without spaces");
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (sp2 == NULL)
		return reject(req, 400, "request line without an HTTP version");
	req->method = span_of(line.ptr, (size_t)(sp1 - line.ptr));
	if (!is_token(req->method))
		return reject(req, 400, "invalid method");
	req->method_id = method_id_of(req->method);
	if (sp2 == sp1 + 1)
		return reject(req, 400, "empty request target (two spaces?)");
	status = parse_target(span_of(sp1 + 1, (size_t)(sp2 - sp1 - 1)), req);
	if (status != 0)
		return status;
	return parse_version(span_of(sp2 + 1, (size_t)(end - sp2 - 1)), req);
}

/* ---- A header line: field-name ":" OWS field-value OWS ---- */

static int parse_header_line(struct http_span line, struct http_header *h,
			     struct http_request *req)
{
	const char *colon;

	/* obs-fold (RFC 9112 5.2): a continuation line. Servers disagree on
	 * what it means, which is how requests get smuggled: refuse it. */
	if (is_ows(line.ptr[0]))
		return reject(req, 400, "obs-fold: header line starts with "
			      "whitespace");
	colon = memchr(line.ptr, ':', line.len);
	if (colon == NULL)
		return reject(req, 400, "header line without a colon");
	h->name = span_of(line.ptr, (size_t)(colon - line.ptr));
	if (h->name.len == 0)
		return reject(req, 400, "empty header field name");
	/* RFC 9112 5.1: "Transfer-Encoding : chunked" MUST be a 400, since
	 * a proxy that strips the space would frame the body differently. */
	if (is_ows(colon[-1]))
		return reject(req, 400, "whitespace before colon in header "
			      "field");
	if (!is_token(h->name))
		return reject(req, 400, "invalid character in header field "
			      "name");
	h->value = span_of(colon + 1,
			   (size_t)(line.ptr + line.len - colon - 1));
	for (size_t i = 0; i < h->value.len; i++)
		if (!is_field_char((unsigned char)h->value.ptr[i]))
			return reject(req, 400, "control character in header "
				      "field value");
	h->value = trim_ows(h->value);
	return 0;
}

/* BEGIN SOLUTION http-parser: stubs/pass1.c */
/* ---- Pass 1: judge each line as it arrives ---- */

static int check_line_length(const struct http_parser *p, size_t len,
			     struct http_request *req)
{
	if (!p->request_line_seen) {
		if (len > p->limits.request_line)
			return reject(req, 414, "request line longer than "
				      "LimitRequestLine");
	} else if (len > p->limits.field_size) {
		/* Apache says 400 here; RFC 6585 made 431 for this case. */
		return reject(req, 431, "header field longer than "
			      "LimitRequestFieldSize");
	}
	return 0;
}

/* One complete line, without its LF: 0 if accepted, else the status.
 * Length first: it is all a partial line can be judged by, and the answer
 * must not depend on whether the LF had arrived yet. */
static int judge_line(struct http_parser *p, struct http_span line,
		      struct http_request *req, bool *end_of_head)
{
	struct http_header scratch;
	bool crlf = line.len > 0 && line.ptr[line.len - 1] == '\r';
	int status;

	if (crlf)
		line.len--;
	status = check_line_length(p, line.len, req);
	if (status != 0)
		return status;
	if (!crlf)
		return reject(req, 400, "line ends in a bare LF, not CRLF");
	if (!p->request_line_seen && line.len == 0) {
		if (p->empty_lines == MAX_EMPTY_LINES_BEFORE_REQUEST)
			return reject(req, 400, "too many empty lines before "
				      "the request line");
		p->empty_lines++;
		return 0;
	}
	if (!p->request_line_seen) {
		status = parse_request_line(line, req);
		p->request_line_seen = status == 0;
		return status;
	}
	*end_of_head = line.len == 0;
	if (*end_of_head)
		return 0;
	if (p->fields == p->limits.fields)
		return reject(req, 431, "more header fields than "
			      "LimitRequestFields");
	status = parse_header_line(line, &scratch, req);
	if (status == 0)
		p->fields++;
	return status;
}

/* The line still arriving can only be too long. A CR at the very end may
 * be the first half of its CRLF, so it does not count. */
static enum http_parse_result judge_partial_line(const struct http_parser *p,
						 const char *buf, size_t len,
						 struct http_request *req)
{
	size_t line_len = len - p->line_start;

	if (line_len > 0 && buf[len - 1] == '\r')
		line_len--;
	if (check_line_length(p, line_len, req) != 0)
		return HTTP_PARSE_ERROR;
	return HTTP_PARSE_NEED_MORE;
}
/* END SOLUTION */

/* ---- Pass 2: what the complete head means ---- */

/* What the walk over the headers found, for the checks at the end. */
struct framing {
	size_t hosts;
	bool te_seen;
	bool te_last_is_chunked;
	size_t te_chunked;          /* times "chunked" is listed */
	size_t te_other;            /* codings other than chunked */
};

static int add_host(struct http_request *req, struct http_span value,
		    struct framing *f)
{
	if (!made_of(value, HOST_SYMBOLS))
		return reject(req, 400, "invalid Host header");
	if (++f->hosts > 1)
		return reject(req, 400, "more than one Host header");
	if (req->host.ptr == NULL)  /* absolute-form takes precedence */
		req->host = value;
	return 0;
}

/* Digits only, as a list of identical values at most (RFC 9110 8.6):
 * "5, 5" is 5, while "5, 6" or two headers that differ are a 400, since
 * servers that pick different ones frame the body differently. */
static int add_content_length(struct http_request *req,
			      struct http_span value)
{
	struct http_span list = value, elem;

	while (next_list_element(&list, &elem)) {
		unsigned long long n = 0;

		if (elem.len == 0)
			return reject(req, 400, "empty Content-Length");
		for (size_t i = 0; i < elem.len; i++) {
			unsigned digit = (unsigned)(elem.ptr[i] - '0');

			if (!is_digit((unsigned char)elem.ptr[i]))
				return reject(req, 400, "Content-Length is "
					      "not a number");
			if (n > (ULLONG_MAX - digit) / 10)
				return reject(req, 400, "Content-Length "
					      "overflows");
			n = n * 10 + digit;
		}
		if (req->has_content_length && req->content_length != n)
			return reject(req, 400, "differing Content-Length "
				      "values");
		req->has_content_length = true;
		req->content_length = n;
	}
	return 0;
}

/* Record the codings; whether they are acceptable is decided at the end,
 * once every Transfer-Encoding header has been seen. */
static int add_transfer_codings(struct http_request *req,
				struct http_span value, struct framing *f)
{
	struct http_span list = value, elem;

	f->te_seen = true;
	while (next_list_element(&list, &elem)) {
		if (elem.len == 0)
			continue;  /* RFC 9110 5.6.1: ignore empty elements */
		if (!is_token(elem))
			return reject(req, 400, "invalid transfer coding");
		f->te_last_is_chunked = http_span_equals(elem, "chunked");
		if (f->te_last_is_chunked)
			f->te_chunked++;
		else
			f->te_other++;
	}
	return 0;
}

static void add_connection_options(struct http_request *req,
				   struct http_span value)
{
	struct http_span list = value, elem;

	while (next_list_element(&list, &elem)) {
		if (http_span_equals(elem, "close"))
			req->connection_close = true;
		else if (http_span_equals(elem, "keep-alive"))
			req->connection_keep_alive = true;
	}
}

/* RFC 9112 6.1 and 6.3: the framing rules request smuggling lives on. */
static int check_transfer_encoding(struct http_request *req,
				   const struct framing *f)
{
	if (!f->te_seen)
		return 0;
	if (req->version_minor == 0)
		return reject(req, 400, "Transfer-Encoding in an HTTP/1.0 "
			      "request");
	if (req->has_content_length)
		return reject(req, 400, "both Transfer-Encoding and "
			      "Content-Length");
	if (!f->te_last_is_chunked)
		return reject(req, 400, "final transfer coding is not "
			      "chunked");
	if (f->te_chunked > 1)
		return reject(req, 400, "chunked applied more than once");
	if (f->te_other > 0)
		return reject(req, 501, "transfer coding other than chunked");
	req->chunked = true;
	return 0;
}

static int apply_header(struct http_request *req, const struct http_header *h,
			struct framing *f)
{
	if (http_span_equals(h->name, "Host"))
		return add_host(req, h->value, f);
	if (http_span_equals(h->name, "Content-Length"))
		return add_content_length(req, h->value);
	if (http_span_equals(h->name, "Transfer-Encoding"))
		return add_transfer_codings(req, h->value, f);
	if (http_span_equals(h->name, "Connection"))
		add_connection_options(req, h->value);
	/* RFC 9110 10.1.1: a 1.0 client cannot know 100 Continue. */
	if (http_span_equals(h->name, "Expect") && req->version_minor == 1 &&
	    http_span_equals(h->value, "100-continue"))
		req->expect_continue = true;
	return 0;
}

static int apply_headers(struct http_request *req)
{
	struct framing f = { 0 };
	int status;

	for (size_t i = 0; i < req->header_count; i++) {
		status = apply_header(req, &req->headers[i], &f);
		if (status != 0)
			return status;
	}
	if (f.hosts == 0 && req->version_minor == 1)
		return reject(req, 400, "HTTP/1.1 request without Host");
	status = check_transfer_encoding(req, &f);
	if (status != 0)
		return status;
	req->keep_alive = !req->connection_close &&
			  (req->version_minor == 1 ||
			   req->connection_keep_alive);
	return 0;
}

/* The next line of a head already known to be well formed, without CRLF. */
static struct http_span next_line(const char **pos, const char *end)
{
	const char *lf = memchr(*pos, '\n', (size_t)(end - *pos));
	struct http_span line = span_of(*pos, (size_t)(lf - 1 - *pos));

	*pos = lf + 1;
	return line;
}

static enum http_parse_result finish_head(const struct http_parser *p,
					  const char *buf, size_t head_length,
					  struct http_request *req)
{
	const char *end = buf + head_length;
	const char *pos = buf + 2 * p->empty_lines;  /* each was a CRLF */
	struct http_span line;

	http_request_clear(req);
	req->head_length = head_length;
	/* Pass 1 accepted every line, so these do not fail; if one did,
	 * the answer is its 400, never a request with half its fields. */
	if (parse_request_line(next_line(&pos, end), req) != 0)
		return HTTP_PARSE_ERROR;
	while ((line = next_line(&pos, end)).len > 0) {
		struct http_header *h = &req->headers[req->header_count++];

		if (parse_header_line(line, h, req) != 0)
			return HTTP_PARSE_ERROR;
	}
	if (apply_headers(req) != 0)
		return HTTP_PARSE_ERROR;
	return HTTP_PARSE_DONE;
}

/* ---- The API ---- */

void http_request_clear(struct http_request *req)
{
	memset(req, 0, offsetof(struct http_request, headers));
}

void http_parser_init(struct http_parser *p, const struct http_limits *limits)
{
	/* limits may point into p */
	struct http_limits l = http_limits_effective(limits);

	memset(p, 0, sizeof(*p));
	p->limits = l;
}

/* BEGIN SOLUTION http-parser: stubs/parse_head.c */
enum http_parse_result http_parse_head(struct http_parser *p, const char *buf,
				       size_t len, struct http_request *req)
{
	for (;;) {
		const char *lf = NULL;
		bool end_of_head = false;
		size_t lf_at;

		if (p->scanned < len)
			lf = memchr(buf + p->scanned, '\n', len - p->scanned);
		if (lf == NULL) {
			p->scanned = len;
			return judge_partial_line(p, buf, len, req);
		}
		lf_at = (size_t)(lf - buf);
		if (judge_line(p, span_of(buf + p->line_start,
					  lf_at - p->line_start),
			       req, &end_of_head) != 0)
			return HTTP_PARSE_ERROR;
		if (end_of_head)
			return finish_head(p, buf, lf_at + 1, req);
		/* Step past a line only once it is accepted: a call
		 * repeated with the same bytes gives the same answer. */
		p->scanned = p->line_start = lf_at + 1;
	}
}
/* END SOLUTION */

const struct http_span *http_request_header(const struct http_request *req,
					    const char *name)
{
	for (size_t i = 0; i < req->header_count; i++)
		if (http_span_equals(req->headers[i].name, name))
			return &req->headers[i].value;
	return NULL;
}
