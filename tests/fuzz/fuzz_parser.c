/*
 * fuzz_parser.c - libFuzzer target for the request parser and the chunked
 * body decoder (common/http_parser.c, common/chunked.c).
 *
 * What it teaches: a fuzzer finds crashes by itself, but it only finds the
 * wrong answers we teach it to recognise. Besides "no crash, no read out of
 * bounds" (AddressSanitizer sees those), every input is checked against
 * properties any correct parser has, whatever the bytes:
 *  1. Split: the head parsed whole, and parsed in two or three pieces
 *     (each call given a fresh buffer of exactly the bytes received, so a
 *     read past them is caught), gives the same result, the same fields and
 *     the same error status. One byte at a time too, for short inputs.
 *  2. Bounds: a complete head never claims more bytes than it was given,
 *     ends in CRLF CRLF, and every span of it points inside it.
 *  3. Round trip: a complete request written out again (request line and
 *     headers) and parsed again gives the same method, target, path, query,
 *     version, headers and framing.
 *  4. Chunked: the bytes after a complete head (or the whole input, if it
 *     is not a head) decoded as a chunked body give the same answer and the
 *     same data whole, split, in place, and with one byte of output room.
 * Each property runs with Apache's default limits and with tiny ones, so
 * that 414 and 431 are reached by short inputs.
 *
 * Split points are chosen from a hash of the input: the fuzzer explores
 * them by mutating the bytes, and the seed corpus stays plain requests.
 *
 * Build and run: `make fuzz` (see tests/fuzz/README.md). A failed property
 * prints what differed and abort()s, which libFuzzer reports as a crash and
 * saves as an input to replay.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunked.h"
#include "http_parser.h"

#include "fuzz_util.h"

/* Byte at a time costs one call per byte: only for inputs this short. */
#define BYTEWISE_MAX 512

static const struct http_limits tiny_limits = { 32, 24, 4 };

/* A failed property prints what differed and stops the run (fuzz_util.h):
 * abort() under libFuzzer, which saves the input; a longjmp back to the
 * row in tests/unit/test_regressions.c, which includes this file. */
#define property_failed(...) \
	fuzz_failed("fuzz_parser", "property failed: " __VA_ARGS__)

/* FNV-1a: cheap, and every byte of the input moves the split points. */
static uint64_t hash_of(const uint8_t *data, size_t size)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	return h;
}

/* ---- One outcome of the head parser, buffer-independent ---- */

/* Spans as offsets, so that outcomes from different buffers compare. */
struct span_at {
	size_t off, len;
	int present;
};

struct outcome {
	enum http_parse_result result;
	int error_status;
	const char *error_reason;
	size_t head_length;
	struct span_at method, target, path, query, host;
	int method_id, version_major, version_minor;
	size_t header_count;
	struct span_at names[HTTP_MAX_HEADERS], values[HTTP_MAX_HEADERS];
	int has_cl, chunked, close, keep_alive_opt, keep_alive, expect;
	unsigned long long content_length;
};

/* Bytes of a span relative to base; every span must lie in the head. */
static struct span_at span_at_of(struct http_span s, const char *base,
				 size_t head_length, const char *what)
{
	struct span_at a = { 0, s.len, s.ptr != NULL };

	if (s.ptr == NULL) {
		if (s.len != 0)
			property_failed("%s: NULL span of %zu bytes", what,
					s.len);
		return a;
	}
	if (s.ptr < base || (size_t)(s.ptr - base) > head_length ||
	    s.len > head_length - (size_t)(s.ptr - base))
		property_failed("%s: span [%td, +%zu) outside the head of %zu "
				"bytes", what, s.ptr - base, s.len,
				head_length);
	a.off = (size_t)(s.ptr - base);
	return a;
}

static void record(struct outcome *o, enum http_parse_result r,
		   const struct http_request *req, const char *base,
		   size_t len)
{
	memset(o, 0, sizeof(*o));
	o->result = r;
	if (r == HTTP_PARSE_ERROR) {
		o->error_status = req->error_status;
		o->error_reason = req->error_reason;
		if (o->error_reason == NULL)
			property_failed("error %d without a reason",
					req->error_status);
		return;
	}
	if (r != HTTP_PARSE_DONE)
		return;
	/* Property 2: the head is inside what was received. */
	o->head_length = req->head_length;
	if (req->head_length < 4 || req->head_length > len)
		property_failed("head_length %zu of %zu bytes",
				req->head_length, len);
	if (memcmp(base + req->head_length - 4, "\r\n\r\n", 4) != 0)
		property_failed("head of %zu bytes does not end in CRLFCRLF",
				req->head_length);
	o->method = span_at_of(req->method, base, o->head_length, "method");
	o->target = span_at_of(req->target, base, o->head_length, "target");
	o->path = span_at_of(req->path, base, o->head_length, "path");
	o->query = span_at_of(req->query, base, o->head_length, "query");
	o->host = span_at_of(req->host, base, o->head_length, "host");
	o->method_id = req->method_id;
	o->version_major = req->version_major;
	o->version_minor = req->version_minor;
	if (req->header_count > HTTP_MAX_HEADERS)
		property_failed("header_count %zu", req->header_count);
	o->header_count = req->header_count;
	for (size_t i = 0; i < req->header_count; i++) {
		o->names[i] = span_at_of(req->headers[i].name, base,
					 o->head_length, "header name");
		o->values[i] = span_at_of(req->headers[i].value, base,
					  o->head_length, "header value");
	}
	o->has_cl = req->has_content_length;
	o->content_length = req->content_length;
	o->chunked = req->chunked;
	o->close = req->connection_close;
	o->keep_alive_opt = req->connection_keep_alive;
	o->keep_alive = req->keep_alive;
	o->expect = req->expect_continue;
}

static bool same_span(struct span_at a, struct span_at b)
{
	return a.off == b.off && a.len == b.len && a.present == b.present;
}

/* Field by field: memcmp would compare padding bytes too. */
static bool same_fields(const struct outcome *a, const struct outcome *b)
{
	if (a->head_length != b->head_length ||
	    !same_span(a->method, b->method) ||
	    !same_span(a->target, b->target) ||
	    !same_span(a->path, b->path) || !same_span(a->query, b->query) ||
	    !same_span(a->host, b->host) || a->method_id != b->method_id ||
	    a->version_major != b->version_major ||
	    a->version_minor != b->version_minor ||
	    a->header_count != b->header_count || a->has_cl != b->has_cl ||
	    a->content_length != b->content_length ||
	    a->chunked != b->chunked || a->close != b->close ||
	    a->keep_alive_opt != b->keep_alive_opt ||
	    a->keep_alive != b->keep_alive || a->expect != b->expect)
		return false;
	for (size_t i = 0; i < a->header_count; i++)
		if (!same_span(a->names[i], b->names[i]) ||
		    !same_span(a->values[i], b->values[i]))
			return false;
	return true;
}

static void same_outcome(const struct outcome *a, const struct outcome *b,
			 const char *how)
{
	if (a->result != b->result)
		property_failed("%s: result %d, whole: %d", how, b->result,
				a->result);
	if (a->result == HTTP_PARSE_ERROR &&
	    (a->error_status != b->error_status ||
	     strcmp(a->error_reason, b->error_reason) != 0))
		property_failed("%s: error %d \"%s\", whole: %d \"%s\"", how,
				b->error_status, b->error_reason,
				a->error_status, a->error_reason);
	if (a->result == HTTP_PARSE_DONE && !same_fields(a, b))
		property_failed("%s: same result, different fields (head %zu"
				" vs %zu, %zu vs %zu headers)", how,
				b->head_length, a->head_length,
				b->header_count, a->header_count);
}

/* ---- Property 1: whole and split ---- */

/* Parse data[0..size) as it would arrive in pieces ending at cuts[], each
 * call with its own exact-size buffer (a server may realloc between
 * reads). The last piece ends at size. */
static void parse_in_pieces(const uint8_t *data, size_t size,
			    const size_t *cuts, size_t ncuts,
			    const struct http_limits *limits,
			    struct outcome *o)
{
	static struct http_request req;
	struct http_parser p;
	enum http_parse_result r = HTTP_PARSE_NEED_MORE;
	char *buf = NULL;
	size_t len = 0;

	http_parser_init(&p, limits);
	for (size_t i = 0; i <= ncuts && r == HTTP_PARSE_NEED_MORE; i++) {
		len = i < ncuts ? cuts[i] : size;
		free(buf);
		buf = fuzz_copy(data, len);
		r = http_parse_head(&p, buf, len, &req);
	}
	record(o, r, &req, buf, len);
	free(buf);
}

/* The same bytes one at a time, in one buffer that grows. */
static void parse_bytewise(const uint8_t *data, size_t size,
			   const struct http_limits *limits,
			   struct outcome *o)
{
	static struct http_request req;
	struct http_parser p;
	enum http_parse_result r = HTTP_PARSE_NEED_MORE;
	size_t len = 0;

	http_parser_init(&p, limits);
	while (len < size && r == HTTP_PARSE_NEED_MORE)
		r = http_parse_head(&p, (const char *)data, ++len, &req);
	if (size == 0)
		r = http_parse_head(&p, (const char *)data, 0, &req);
	record(o, r, &req, (const char *)data, len);
}

static void check_splits(const uint8_t *data, size_t size,
			 const struct http_limits *limits,
			 struct outcome *whole)
{
	static struct outcome other;
	uint64_t h = hash_of(data, size);
	size_t cuts[2];

	parse_in_pieces(data, size, NULL, 0, limits, whole);
	cuts[0] = (size_t)(h % (size + 1));
	parse_in_pieces(data, size, cuts, 1, limits, &other);
	same_outcome(whole, &other, "two pieces");
	cuts[0] = (size_t)((h >> 20) % (size + 1));
	cuts[1] = (size_t)((h >> 40) % (size + 1));
	if (cuts[0] > cuts[1]) {
		size_t t = cuts[0];

		cuts[0] = cuts[1];
		cuts[1] = t;
	}
	parse_in_pieces(data, size, cuts, 2, limits, &other);
	same_outcome(whole, &other, "three pieces");
	if (size <= BYTEWISE_MAX) {
		parse_bytewise(data, size, limits, &other);
		same_outcome(whole, &other, "byte at a time");
	}
}

/* ---- Property 3: write it out again, parse it again ---- */

static void put(char *out, size_t cap, size_t *n, const char *p, size_t len)
{
	if (len > cap - *n)
		property_failed("re-serialised head over %zu bytes", cap);
	memcpy(out + *n, p, len);
	*n += len;
}

static void put_span(char *out, size_t cap, size_t *n, const char *base,
		     struct span_at s)
{
	put(out, cap, n, base + s.off, s.len);
}

/* "name:value" without a space: the value was trimmed, so each line is
 * never longer than the one received and stays within the limits. */
static size_t reserialise(const struct outcome *o, const char *base,
			  char *out, size_t cap)
{
	char version[16];
	size_t n = 0;

	put_span(out, cap, &n, base, o->method);
	put(out, cap, &n, " ", 1);
	put_span(out, cap, &n, base, o->target);
	snprintf(version, sizeof(version), " HTTP/%d.%d\r\n",
		 o->version_major, o->version_minor);
	put(out, cap, &n, version, strlen(version));
	for (size_t i = 0; i < o->header_count; i++) {
		put_span(out, cap, &n, base, o->names[i]);
		put(out, cap, &n, ":", 1);
		put_span(out, cap, &n, base, o->values[i]);
		put(out, cap, &n, "\r\n", 2);
	}
	put(out, cap, &n, "\r\n", 2);
	return n;
}

static int span_bytes_equal(const char *a_base, struct span_at a,
			    const char *b_base, struct span_at b)
{
	return a.len == b.len &&
	       (a.len == 0 || memcmp(a_base + a.off, b_base + b.off, a.len) ==
				      0);
}

static void check_round_trip(const uint8_t *data, const struct outcome *o,
			     const struct http_limits *limits)
{
	static struct outcome again;
	const char *base = (const char *)data;
	char *text;
	size_t cap = o->head_length + 16, n;

	text = alloc_or_die(cap);
	n = reserialise(o, base, text, cap);
	parse_in_pieces((const uint8_t *)text, n, NULL, 0, limits, &again);
	if (again.result != HTTP_PARSE_DONE)
		property_failed("re-serialised head: result %d (%d %s)",
				again.result, again.error_status,
				again.error_reason ? again.error_reason : "");
#define SAME_SPAN(f) \
	if (!span_bytes_equal(base, o->f, text, again.f)) \
		property_failed("round trip changed " #f)
	SAME_SPAN(method);
	SAME_SPAN(target);
	SAME_SPAN(path);
	SAME_SPAN(query);
	SAME_SPAN(host);
	if (again.header_count != o->header_count)
		property_failed("round trip: %zu headers, first %zu",
				again.header_count, o->header_count);
	for (size_t i = 0; i < o->header_count; i++) {
		SAME_SPAN(names[i]);
		SAME_SPAN(values[i]);
	}
#undef SAME_SPAN
	if (again.method_id != o->method_id ||
	    again.version_major != o->version_major ||
	    again.version_minor != o->version_minor ||
	    again.has_cl != o->has_cl ||
	    again.content_length != o->content_length ||
	    again.chunked != o->chunked || again.close != o->close ||
	    again.keep_alive_opt != o->keep_alive_opt ||
	    again.keep_alive != o->keep_alive || again.expect != o->expect)
		property_failed("round trip changed the version or framing");
	free(text);
}

/* ---- Property 4: chunked bodies ---- */

struct decoded {
	int result;       /* 1 done, 0 needs more, 400 malformed */
	size_t used;      /* encoded bytes used */
	size_t len;       /* decoded bytes */
	char *data;
};

/* Decode as a connection would: bytes arrive up to each cut, a call may
 * have only `room` bytes of output (0: plenty), and we wait for more input
 * only when a call made no progress. */
static void decode_way(const uint8_t *body, size_t size, size_t cut,
		       size_t room, int in_place, struct decoded *out)
{
	struct http_chunked_decoder d;
	char *in = fuzz_copy(body, size);
	char *dst = in_place ? in : alloc_or_die(size);
	size_t avail = cut, in_pos = 0, out_pos = 0, steps = 0;
	int r;

	http_chunked_init(&d, &tiny_limits);
	for (;;) {
		size_t used, made, space = size - out_pos;

		if (room != 0 && space > room)
			space = room;
		r = http_chunked_decode(&d, in + in_pos, avail - in_pos, &used,
					dst + out_pos, space, &made);
		if (used > avail - in_pos || made > space)
			property_failed("chunked: used %zu of %zu, made %zu "
					"of %zu", used, avail - in_pos, made,
					space);
		if (r != 0 && r != 1 && r != 400)
			property_failed("chunked: returned %d", r);
		in_pos += used;
		out_pos += made;
		if (out_pos > in_pos)
			property_failed("chunked: %zu decoded from %zu",
					out_pos, in_pos);
		if (r != 0 || (used == 0 && made == 0 && avail == size))
			break;
		if (used == 0 && made == 0)
			avail = size;
		if (++steps > 4 * size + 8)
			property_failed("chunked: no end after %zu calls",
					steps);
	}
	out->result = r;
	out->used = in_pos;
	out->len = out_pos;
	out->data = alloc_or_die(out_pos);
	memcpy(out->data, dst, out_pos);
	if (!in_place)
		free(dst);
	free(in);
}

static void same_decoding(const struct decoded *a, const struct decoded *b,
			  const char *how)
{
	if (a->result != b->result)
		property_failed("chunked %s: returned %d, whole: %d", how,
				b->result, a->result);
	/* After a 400 the connection is closed: what was decoded before
	 * the error may depend on where the input was cut. */
	if (a->result == 400)
		return;
	if (a->used != b->used || a->len != b->len ||
	    memcmp(a->data, b->data, a->len) != 0)
		property_failed("chunked %s: used %zu made %zu, whole: used "
				"%zu made %zu", how, b->used, b->len, a->used,
				a->len);
}

static void check_chunked(const uint8_t *body, size_t size)
{
	struct decoded whole, other;
	size_t cut = size ? (size_t)(hash_of(body, size) % size) + 1 : 0;

	decode_way(body, size, size, 0, 0, &whole);
	decode_way(body, size, size, 0, 1, &other);
	same_decoding(&whole, &other, "in place");
	free(other.data);
	decode_way(body, size, cut, 0, 0, &other);
	same_decoding(&whole, &other, "split");
	free(other.data);
	decode_way(body, size, size, 1, 0, &other);
	same_decoding(&whole, &other, "one byte of room");
	free(other.data);
	free(whole.data);
}

/* ---- The entry point ---- */

static int parser_one_input(const uint8_t *data, size_t size)
{
	static struct outcome whole;
	const struct http_limits *limit_sets[] = { NULL, &tiny_limits };
	size_t body_at = 0;

	for (size_t i = 0; i < 2; i++) {
		check_splits(data, size, limit_sets[i], &whole);
		if (whole.result != HTTP_PARSE_DONE)
			continue;
		check_round_trip(data, &whole, limit_sets[i]);
		if (limit_sets[i] == NULL)
			body_at = whole.head_length;
	}
	check_chunked(data + body_at, size - body_at);
	return 0;
}

FUZZ_TARGET(fuzz_no_setup, parser_one_input)
