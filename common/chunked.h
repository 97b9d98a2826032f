/*
 * chunked.h - the decoder of chunked request bodies (RFC 9112 7.1).
 *
 * What it teaches: a body whose length is not known in advance comes in
 * chunks, each preceded by its size in hex; the size line, the CRLFs and
 * the trailers are framing that a server must check byte by byte, because
 * a framing both sides read differently is how requests are smuggled.
 * Like the head parser it is incremental and allocation-free: fed what
 * has arrived, it says how much it used and whether the body is complete.
 *
 * Used by common/conn.c to read or discard a body. Unit tests:
 * tests/unit/test_chunked.c.
 */
#ifndef KIT_CHUNKED_H
#define KIT_CHUNKED_H

#include <stddef.h>

#include "http_parser.h"

enum http_chunk_state {
	CHUNK_SIZE, CHUNK_EXT, CHUNK_SIZE_LF, CHUNK_DATA, CHUNK_DATA_CR,
	CHUNK_DATA_LF, CHUNK_TRAILER_START, CHUNK_TRAILER_LINE,
	CHUNK_TRAILER_LF, CHUNK_FINAL_LF, CHUNK_DONE,
	CHUNK_SIZE_BWS,      /* whitespace after the size, before ';' */
	CHUNK_TRAILER_VALUE, /* after the ':' of a trailer field */
};

struct http_chunked_decoder {
	enum http_chunk_state state;
	unsigned long long chunk_left; /* bytes of data left in this chunk */
	unsigned size_digits;
	size_t line_length;            /* of the current ext or trailer line */
	size_t trailer_count;
	struct http_limits limits;
};

/* limits may be NULL (Apache's defaults). A size line with its extensions
 * and each trailer line are bounded by field_size, trailers by fields. */
void http_chunked_init(struct http_chunked_decoder *d,
		       const struct http_limits *limits);

/* Decode from in[0..in_len) into out[0..out_cap). out may be the same
 * memory as in (decoded data is never longer than its encoding). On return
 * *in_used encoded bytes were used and *out_len decoded bytes written; when
 * the body is complete, the bytes after *in_used belong to the next request.
 * Returns 1 when the last chunk and its trailers are complete, 0 when more
 * input (or more room in out) is needed, or 400 for a malformed chunk
 * (bad or overflowing size, missing CRLF, bad trailer). */
int http_chunked_decode(struct http_chunked_decoder *d, const char *in,
			size_t in_len, size_t *in_used, char *out,
			size_t out_cap, size_t *out_len);

#endif
