/*
 * test_chunked.c - unit tests of the chunked body decoder (common/chunked.c).
 *
 * What it teaches: like the head parser, the decoder is fed whatever the
 * network delivered, so every row of chunked_cases.h is decoded several
 * ways and must give the same answer each time: whole, one byte at a time,
 * cut in two at every position, in place (out == in, as a server decoding
 * into its own receive buffer does) and with one byte of output room at a
 * time. Each call reads a heap copy of exactly the bytes it may read.
 *
 * Output: one line per failure, then "chunked: N passed, M failed".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunked.h"
#include "unit_bytes.h"

/* LimitRequestFieldSize 24 and LimitRequestFields 4: the size lines and
 * trailers of the rows are checked against these. */
static const struct http_limits small_limits = { 32, 24, 4 };

static unsigned passed, failed;

struct chunk_case {
	const char *name;
	const char *bytes;
	size_t len;
	int result;         /* 1 complete, 0 needs more, 400 malformed */
	const char *data;   /* decoded bytes (result 0 or 1) */
	size_t data_len;
	const char *rest;   /* bytes after the body, left unused (result 1) */
	size_t rest_len;
};

#define DECODES(name, bytes, data) \
	{ name, bytes, sizeof(bytes) - 1, 1, data, sizeof(data) - 1, "", 0 }
#define DECODES_THEN(name, bytes, data, rest) \
	{ name, bytes rest, sizeof(bytes rest) - 1, 1, data, \
	  sizeof(data) - 1, rest, sizeof(rest) - 1 }
#define DECODE_MORE(name, bytes, data) \
	{ name, bytes, sizeof(bytes) - 1, 0, data, sizeof(data) - 1, "", 0 }
#define DECODE_BAD(name, bytes) \
	{ name, bytes, sizeof(bytes) - 1, 400, "", 0, "", 0 }

#include "chunked_cases.h"

/* ---- Running one chunked case in every way ---- */

struct decode_way {
	const char *name;
	size_t first;   /* bytes available at first (0: one at a time) */
	bool in_place;  /* out == in */
	size_t room;    /* bytes of output room per call, 0: plenty */
};

/* Decode as a connection would: call, keep what was not used, and wait
 * for more bytes only when a call made no progress. */
static const char *decode(const struct chunk_case *c,
			  const struct decode_way *w)
{
	static char why[128];
	struct http_chunked_decoder d;
	char *in = copy_of(c->bytes, c->len);
	char *out = w->in_place ? in : alloc_or_die(c->len);
	size_t avail = w->first ? w->first : 1, in_pos = 0, out_pos = 0;
	int r;

	if (avail > c->len)
		avail = c->len;
	http_chunked_init(&d, &small_limits);
	for (;;) {
		size_t used, made, room = c->len - out_pos;

		if (w->room != 0 && room > w->room)
			room = w->room;
		r = http_chunked_decode(&d, in + in_pos, avail - in_pos, &used,
					out + out_pos, room, &made);
		in_pos += used;
		out_pos += made;
		if (r != 0 || (used == 0 && made == 0 && avail == c->len))
			break;
		if (used == 0 && made == 0)
			avail = w->first ? c->len : avail + 1;
	}
	if (r != c->result)
		snprintf(why, sizeof(why), "returned %d, expected %d", r,
			 c->result);
	else if (r != 400 && in_pos != c->len - c->rest_len)
		snprintf(why, sizeof(why), "used %zu bytes, expected %zu",
			 in_pos, c->len - c->rest_len);
	else if (r != 400 && (out_pos != c->data_len ||
			      memcmp(out, c->data, out_pos) != 0))
		snprintf(why, sizeof(why), "decoded %zu bytes \"%.*s\"",
			 out_pos, (int)out_pos, out);
	else
		why[0] = '\0';
	if (!w->in_place)
		free(out);
	free(in);
	return why[0] ? why : NULL;
}

static bool decode_way(const struct chunk_case *c, const struct decode_way *w)
{
	const char *why = decode(c, w);

	if (why == NULL)
		return true;
	printf("FAIL chunked: %s [%s, first %zu]: %s\n", c->name, w->name,
	       w->first, why);
	return false;
}

static void run_chunk_case(const struct chunk_case *c)
{
	static const struct decode_way fixed[] = {
		{ "whole", SIZE_MAX, false, 0 },
		{ "whole, in place", SIZE_MAX, true, 0 },
		{ "byte by byte", 0, false, 0 },
		{ "byte by byte, in place", 0, true, 0 },
		{ "one byte of output room", SIZE_MAX, false, 1 },
	};
	bool ok = true;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
		ok = decode_way(c, &fixed[i]) && ok;
	for (size_t cut = 1; cut < c->len && ok; cut++) {
		struct decode_way split = { "split", cut, false, 0 };
		struct decode_way split_in_place = { "split, in place", cut,
						     true, 0 };

		ok = decode_way(c, &split) && decode_way(c, &split_in_place);
	}
	if (ok)
		passed++;
	else
		failed++;
}

/* ---- Limits given as NULL: Apache's defaults ---- */

/* A size line of LimitRequestFieldSize (8190) bytes is fine, one more is
 * 400: NULL limits must mean Apache's defaults, not zero. */
static void check_default_limits(void)
{
	static char line[8200];
	struct http_chunked_decoder d;
	size_t used, made;
	char out[8];
	int r;

	for (size_t extra = 0; extra <= 1; extra++) {
		size_t len = 8190 + extra;

		memset(line, 'a', sizeof(line));
		memcpy(line, "0;", 2);
		memcpy(line + len, "\r\n\r\n", 4);
		http_chunked_init(&d, NULL);
		r = http_chunked_decode(&d, line, len + 4, &used, out,
					sizeof(out), &made);
		if (r == (extra ? 400 : 1)) {
			passed++;
		} else {
			failed++;
			printf("FAIL chunked: a size line of %zu bytes with "
			       "default limits: returned %d\n", len, r);
		}
	}
}

int main(void)
{
	for (size_t i = 0; i < sizeof(chunk_cases) / sizeof(*chunk_cases); i++)
		run_chunk_case(&chunk_cases[i]);
	check_default_limits();
	printf("chunked: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
