/*
 * test_parser.c - unit tests of the HTTP request head parser
 * (common/http_parser.c); the chunked decoder's are in test_chunked.c.
 *
 * What it teaches: a parser that is fed bytes as the network delivers them
 * must give the same answer however the bytes were cut. So every case of
 * the tables in parser_cases.h is run several ways:
 *   - whole: the complete bytes in one call (and a second call, which must
 *     give the same answer again);
 *   - byte by byte: a growing prefix, one more byte each call, same parser;
 *   - every 2-way split: a prefix, then the whole buffer;
 * and each way must give the row's expected result. Each call gets a copy
 * of exactly the bytes it may read, so AddressSanitizer catches a parser
 * that reads one byte too far.
 *
 * Output: one line per failure, then "parser: N passed, M failed".
 * Run: make test, or build alone (see tests/unit/parser_cases.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parser.h"
#include "unit_bytes.h"

/* ---- The rows ---- */

struct parse_case {
	const char *name;
	const char *bytes;
	size_t len;
	enum http_parse_result result;
	int status;                    /* for HTTP_PARSE_ERROR */
	/* DONE: "key=value ..." (see check_field); ERROR: a fragment of
	 * error_reason; NEED_MORE: unused. */
	const char *expect;
	const struct http_limits *limits; /* NULL: Apache's defaults */
};

/* sizeof, not strlen: a row may hold NUL bytes. */
#define DONE(name, bytes, expect) \
	{ name, bytes, sizeof(bytes) - 1, HTTP_PARSE_DONE, 0, expect, NULL }
#define MORE(name, bytes) \
	{ name, bytes, sizeof(bytes) - 1, HTTP_PARSE_NEED_MORE, 0, "", NULL }
#define FAIL(status, name, bytes, why) \
	{ name, bytes, sizeof(bytes) - 1, HTTP_PARSE_ERROR, status, why, NULL }

/* Rows run with tiny limits: LimitRequestLine 32, LimitRequestFieldSize
 * 24, LimitRequestFields 4 (test_chunked.c uses the same). */
static const struct http_limits small_limits = { 32, 24, 4 };
#define DONE_SMALL(name, bytes, expect) \
	{ name, bytes, sizeof(bytes) - 1, HTTP_PARSE_DONE, 0, expect, \
	  &small_limits }
#define MORE_SMALL(name, bytes) \
	{ name, bytes, sizeof(bytes) - 1, HTTP_PARSE_NEED_MORE, 0, "", \
	  &small_limits }
#define FAIL_SMALL(status, name, bytes, why) \
	{ name, bytes, sizeof(bytes) - 1, HTTP_PARSE_ERROR, status, why, \
	  &small_limits }

#include "parser_cases.h"

static unsigned passed, failed;

/* ---- Checking one outcome of the parser ---- */

static bool span_is(struct http_span s, const char *text, size_t len)
{
	return s.len == len && (len == 0 || memcmp(s.ptr, text, len) == 0);
}

static const char *const method_names[] = {
	[HTTP_METHOD_GET] = "GET",         [HTTP_METHOD_HEAD] = "HEAD",
	[HTTP_METHOD_POST] = "POST",       [HTTP_METHOD_PUT] = "PUT",
	[HTTP_METHOD_DELETE] = "DELETE",   [HTTP_METHOD_OPTIONS] = "OPTIONS",
	[HTTP_METHOD_TRACE] = "TRACE",     [HTTP_METHOD_CONNECT] = "CONNECT",
	[HTTP_METHOD_PATCH] = "PATCH",
};

static enum http_method expected_method_id(const char *name, size_t len)
{
	for (size_t i = 1; i < sizeof(method_names) / sizeof(*method_names);
	     i++)
		if (strlen(method_names[i]) == len &&
		    memcmp(method_names[i], name, len) == 0)
			return (enum http_method)i;
	return HTTP_METHOD_OTHER;
}

static bool flag_is(bool actual, const char *v, size_t n)
{
	return span_is((struct http_span){ actual ? "yes" : "no",
					   actual ? 3 : 2 }, v, n);
}

static bool number_is(unsigned long long actual, const char *v, size_t n)
{
	char text[32];

	snprintf(text, sizeof(text), "%llu", actual);
	return strlen(text) == n && memcmp(text, v, n) == 0;
}

/* One "key=value" of a DONE row. Keys: method path query target host
 * version keep_alive close chunked expect cl (a number or "none")
 * headers, header:NAME (its value), after (the bytes after the head: the
 * rest of the string, spaces included). */
static bool check_field(const struct http_request *r, const char *key,
			size_t klen, const char *v, size_t n)
{
#define KEY(k) (klen == strlen(k) && memcmp(key, k, klen) == 0)
	if (KEY("method"))
		return span_is(r->method, v, n) &&
		       r->method_id == expected_method_id(v, n);
	if (KEY("path"))
		return span_is(r->path, v, n);
	if (KEY("query"))
		return span_is(r->query, v, n);
	if (KEY("target"))
		return span_is(r->target, v, n);
	if (KEY("host"))
		return span_is(r->host, v, n);
	if (KEY("version"))
		return n == 3 && r->version_major == v[0] - '0' &&
		       r->version_minor == v[2] - '0';
	if (KEY("keep_alive"))
		return flag_is(r->keep_alive, v, n);
	if (KEY("close"))
		return flag_is(r->connection_close, v, n);
	if (KEY("chunked"))
		return flag_is(r->chunked, v, n);
	if (KEY("expect"))
		return flag_is(r->expect_continue, v, n);
	if (KEY("cl"))
		return r->has_content_length ?
		       number_is(r->content_length, v, n) :
		       span_is((struct http_span){ "none", 4 }, v, n);
	if (KEY("headers"))
		return number_is(r->header_count, v, n);
	if (klen > 7 && memcmp(key, "header:", 7) == 0) {
		char name[64];
		const struct http_span *value;

		snprintf(name, sizeof(name), "%.*s", (int)klen - 7, key + 7);
		value = http_request_header(r, name);
		return value != NULL && span_is(*value, v, n);
	}
#undef KEY
	return false;
}

/* Compare an outcome with the row. Returns a description of the first
 * difference, or NULL. */
static const char *compare(const struct parse_case *c,
			   enum http_parse_result r,
			   const struct http_request *req)
{
	static char why[256];
	const char *e = c->expect;

	if (r != c->result) {
		snprintf(why, sizeof(why), "result %d, expected %d (status %d:"
			 " %s)", r, c->result, r == HTTP_PARSE_ERROR ?
			 req->error_status : 0, r == HTTP_PARSE_ERROR ?
			 req->error_reason : "-");
		return why;
	}
	if (r == HTTP_PARSE_ERROR) {
		if (req->error_status != c->status ||
		    req->error_reason == NULL ||
		    strstr(req->error_reason, e) == NULL) {
			snprintf(why, sizeof(why), "error %d \"%s\", expected"
				 " %d \"%s\"", req->error_status,
				 req->error_reason, c->status, e);
			return why;
		}
		return NULL;
	}
	if (r != HTTP_PARSE_DONE)
		return NULL;
	if (req->head_length > c->len ||
	    (strstr(e, "after=") == NULL && req->head_length != c->len))
		return "head_length is not the whole input";
	while (*e != '\0') {
		const char *eq = strchr(e, '='), *end;
		size_t klen;

		if (eq == NULL)
			return "bad expectation in the table";
		klen = (size_t)(eq - e);
		if (klen == 5 && memcmp(e, "after", 5) == 0) {
			end = eq + 1 + strlen(eq + 1);
			if (!span_is((struct http_span){ c->bytes +
					req->head_length,
					c->len - req->head_length }, eq + 1,
					(size_t)(end - eq - 1)))
				return "bytes after the head differ (after=)";
		} else {
			end = strchr(eq, ' ');
			if (end == NULL)
				end = eq + strlen(eq);
			if (!check_field(req, e, klen, eq + 1,
					 (size_t)(end - eq - 1))) {
				snprintf(why, sizeof(why), "%.*s differs",
					 (int)(end - e), e);
				return why;
			}
		}
		e = *end == ' ' ? end + 1 : end;
	}
	return NULL;
}

/* ---- Running one parse case in every way ---- */

static struct http_request req; /* 8 KiB: not on the stack */

static bool report(const struct parse_case *c, const char *way,
		   const char *why)
{
	if (why == NULL)
		return true;
	printf("FAIL %s [%s]: %s\n", c->name, way, why);
	return false;
}

static bool run_whole(const struct parse_case *c)
{
	struct http_parser p;
	char *buf = copy_of(c->bytes, c->len);
	enum http_parse_result r;
	bool ok;

	http_parser_init(&p, c->limits);
	r = http_parse_head(&p, buf, c->len, &req);
	ok = report(c, "whole", compare(c, r, &req));
	/* Asking again must not change the answer. */
	r = http_parse_head(&p, buf, c->len, &req);
	ok = ok && report(c, "whole, asked twice", compare(c, r, &req));
	free(buf);
	return ok;
}

static bool run_byte_by_byte(const struct parse_case *c)
{
	struct http_parser p;
	enum http_parse_result r = HTTP_PARSE_NEED_MORE;
	char *buf = NULL;
	bool ok;

	http_parser_init(&p, c->limits);
	for (size_t n = 1; n <= c->len && r == HTTP_PARSE_NEED_MORE; n++) {
		free(buf);
		buf = copy_of(c->bytes, n);
		r = http_parse_head(&p, buf, n, &req);
	}
	ok = report(c, "byte by byte", compare(c, r, &req));
	free(buf);
	return ok;
}

static bool run_split(const struct parse_case *c, size_t cut)
{
	struct http_parser p;
	char *first = copy_of(c->bytes, cut), *all = NULL;
	enum http_parse_result r;
	char way[64];
	bool ok;

	http_parser_init(&p, c->limits);
	r = http_parse_head(&p, first, cut, &req);
	if (r == HTTP_PARSE_NEED_MORE) {
		all = copy_of(c->bytes, c->len);
		r = http_parse_head(&p, all, c->len, &req);
	}
	snprintf(way, sizeof(way), "split at %zu", cut);
	ok = report(c, way, compare(c, r, &req));
	free(first);
	free(all);
	return ok;
}

static void run_parse_case(const struct parse_case *c)
{
	bool ok = run_whole(c);

	ok = run_byte_by_byte(c) && ok;
	for (size_t cut = 1; cut < c->len && ok; cut++)
		ok = run_split(c, cut);
	if (ok)
		passed++;
	else
		failed++;
}

/* ---- Cases built by code: lines at and just over the limits ---- */

/* Generated rows own their bytes; they live until the program ends. */
static struct parse_case generated[64];
static size_t generated_count;

/* "GET /aaa...a HTTP/1.1": a request line of exactly len bytes. */
static void put_request_line(char **pos, size_t len)
{
	size_t target = len - strlen("GET  HTTP/1.1");

	*pos += sprintf(*pos, "GET /");
	memset(*pos, 'a', target - 1);
	*pos += target - 1;
	*pos += sprintf(*pos, " HTTP/1.1");
}

/* "X-Long: aaa...a": a header line of exactly len bytes. */
static void put_header_line(char **pos, size_t len)
{
	*pos += sprintf(*pos, "X-Long: ");
	memset(*pos, 'a', len - 8);
	*pos += len - 8;
}

/* Build a row: a request line of line_len bytes, n_fields "X-n: v"
 * headers after "Host: a", then a header line of long_len bytes (0: none)
 * and the end of the head unless partial is set. */
static void generate(const char *name, const struct http_limits *limits,
		     size_t line_len, size_t n_fields, size_t long_len,
		     const char *end, enum http_parse_result result,
		     int status, const char *expect)
{
	char *buf = alloc_or_die(line_len + long_len + 16 * n_fields + 64);
	char *pos = buf;
	struct parse_case *c = &generated[generated_count++];

	put_request_line(&pos, line_len);
	pos += sprintf(pos, "\r\nHost: a\r\n");
	for (size_t i = 1; i < n_fields; i++)
		pos += sprintf(pos, "X-%zu: v\r\n", i);
	if (long_len > 0)
		put_header_line(&pos, long_len);
	pos += sprintf(pos, "%s", end);
	*c = (struct parse_case){ name, buf, (size_t)(pos - buf), result,
				  status, expect, limits };
}

/* A request line alone, unfinished: only its length can be judged. */
static void generate_partial_line(const char *name,
				  const struct http_limits *limits,
				  size_t line_len, const char *tail,
				  enum http_parse_result result, int status)
{
	char *buf = alloc_or_die(line_len + 8), *pos = buf;

	put_request_line(&pos, line_len);
	pos += sprintf(pos, "%s", tail);
	generated[generated_count++] = (struct parse_case){
		name, buf, (size_t)(pos - buf), result, status,
		status == 414 ? "LimitRequestLine" : "", limits };
}

static const struct http_limits no_fields_limit = { 8190, 8190, 0 };

static void generate_limit_cases(void)
{
	const struct http_limits *small = &small_limits;
	enum http_parse_result done = HTTP_PARSE_DONE;
	enum http_parse_result more = HTTP_PARSE_NEED_MORE;
	enum http_parse_result error = HTTP_PARSE_ERROR;

	/* LimitRequestLine: 32 bytes, CRLF not counted. */
	generate("request line at LimitRequestLine", small, 32, 1, 0, "\r\n",
		 done, 0, "headers=1");
	generate("request line 1 over LimitRequestLine", small, 33, 1, 0,
		 "\r\n", error, 414, "LimitRequestLine");
	generate_partial_line("unfinished request line 1 over the limit",
			      small, 33, "", error, 414);
	generate_partial_line("unfinished request line at the limit", small,
			      32, "", more, 0);
	generate_partial_line("request line at the limit, its CR arrived",
			      small, 32, "\r", more, 0);
	generate_partial_line("request line at the limit, CR then a byte",
			      small, 32, "\rx", error, 414);
	generate_partial_line("request line at the limit and its CRLF",
			      small, 32, "\r\n", more, 0);
	/* LimitRequestFieldSize: 24 bytes for a whole header line. */
	generate("header line at LimitRequestFieldSize", small, 16, 1, 24,
		 "\r\n\r\n", done, 0, "headers=2");
	generate("header line 1 over LimitRequestFieldSize", small, 16, 1, 25,
		 "\r\n\r\n", error, 431, "LimitRequestFieldSize");
	generate("unfinished header line 1 over the limit", small, 16, 1, 25,
		 "", error, 431, "LimitRequestFieldSize");
	generate("unfinished header line at the limit", small, 16, 1, 24, "",
		 more, 0, "");
	generate("header line at the limit, its CR arrived", small, 16, 1, 24,
		 "\r", more, 0, "");
	/* LimitRequestFields: 4 header lines, Host included. */
	generate("headers at LimitRequestFields", small, 16, 4, 0, "\r\n",
		 done, 0, "headers=4");
	generate("headers 1 over LimitRequestFields", small, 16, 5, 0, "\r\n",
		 error, 431, "LimitRequestFields");
	generate("one header too many, still arriving", small, 16, 4, 10, "",
		 more, 0, "");
	generate("one header too many, complete", small, 16, 4, 10, "\r\n",
		 error, 431, "LimitRequestFields");
	generate("one header too many and too long, arriving", small, 16, 4,
		 25, "", error, 431, "LimitRequestFieldSize");
	/* Apache's defaults: 8190, 8190, 100. */
	generate("request line of 8190 bytes", NULL, 8190, 1, 0, "\r\n", done,
		 0, "headers=1");
	generate("request line of 8191 bytes", NULL, 8191, 1, 0, "\r\n", error,
		 414, "LimitRequestLine");
	generate_partial_line("unfinished request line of 8191 bytes", NULL,
			      8191, "", error, 414);
	generate("header line of 8190 bytes", NULL, 16, 1, 8190, "\r\n\r\n",
		 done, 0, "headers=2");
	generate("header line of 8191 bytes", NULL, 16, 1, 8191, "\r\n\r\n",
		 error, 431, "LimitRequestFieldSize");
	generate("100 headers", NULL, 16, 100, 0, "\r\n", done, 0,
		 "headers=100");
	generate("101 headers", NULL, 16, 101, 0, "\r\n", error, 431,
		 "LimitRequestFields");
	/* LimitRequestFields 0 means "no limit": our array's size. */
	generate("256 headers with LimitRequestFields 0", &no_fields_limit, 16,
		 256, 0, "\r\n", done, 0, "headers=256");
	generate("257 headers with LimitRequestFields 0", &no_fields_limit, 16,
		 257, 0, "\r\n", error, 431, "LimitRequestFields");
}

static void free_generated(void)
{
	for (size_t i = 0; i < generated_count; i++)
		free((char *)generated[i].bytes);
}

/* ---- A few direct checks of the small helpers ---- */

static void check(bool ok, const char *name)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		printf("FAIL api: %s\n", name);
	}
}

/* One struct http_request for two requests, as conn.c uses it: the second
 * must not see the first's headers, although http_request_clear() leaves
 * the header slots as they were. */
static void check_request_reuse(void)
{
	static const char first[] = "GET /a HTTP/1.1\r\nHost: a\r\n"
				    "X-Only-First: 1\r\nContent-Length: 0\r\n\r\n";
	static const char second[] = "GET /b HTTP/1.0\r\nHost: b\r\n\r\n";
	struct http_parser p;
	struct http_request reused;

	http_parser_init(&p, NULL);
	check(http_parse_head(&p, first, sizeof(first) - 1, &reused) ==
	      HTTP_PARSE_DONE && reused.header_count == 3 &&
	      reused.has_content_length, "reuse: first request");
	http_request_clear(&reused);
	check(reused.header_count == 0 && reused.head_length == 0 &&
	      !reused.has_content_length && reused.path.ptr == NULL,
	      "reuse: clear zeroes every field but the slots");
	http_parser_init(&p, NULL);
	check(http_parse_head(&p, second, sizeof(second) - 1, &reused) ==
	      HTTP_PARSE_DONE && reused.header_count == 1 &&
	      !reused.has_content_length && reused.version_minor == 0 &&
	      http_request_header(&reused, "X-Only-First") == NULL,
	      "reuse: second request sees none of the first's headers");
}

static void run_api_checks(void)
{
	struct http_parser p;
	struct http_span s = { "Content-Length", 14 };

	check(http_span_equals(s, "content-length"), "span_equals: case");
	check(!http_span_equals(s, "Content-Lengt"), "span_equals: length");
	check(!http_span_equals(s, "Content-Lengthx"), "span_equals: longer");
	http_parser_init(&p, NULL);
	check(p.limits.request_line == 8190 && p.limits.field_size == 8190 &&
	      p.limits.fields == 100, "NULL limits are Apache's defaults");
	p.limits.fields = 7;
	p.scanned = 99;
	http_parser_init(&p, &p.limits);  /* as conn.c does */
	check(p.limits.fields == 7 && p.scanned == 0, "init from own limits");
	p.limits.fields = 0;
	http_parser_init(&p, &p.limits);
	check(p.limits.fields == HTTP_MAX_HEADERS, "fields 0 is the maximum");
	check_request_reuse();
}

int main(void)
{
	generate_limit_cases();
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(*parse_cases); i++)
		run_parse_case(&parse_cases[i]);
	for (size_t i = 0; i < generated_count; i++)
		run_parse_case(&generated[i]);
	run_api_checks();
	free_generated();
	printf("parser: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
