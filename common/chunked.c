/*
 * chunked.c - the chunked body decoder (RFC 9112 7.1), one byte of framing
 * at a time.
 *
 * What it teaches: the framing of a chunked body is a small state machine
 * (enum http_chunk_state): a size line, data, CRLF, again, until a size of
 * 0, then trailer lines and an empty line. Data bytes are copied in runs;
 * every framing byte goes through framing_byte(), which either moves to the
 * next state or answers 400. Strict where RFC 9112 allows a choice: CRLF
 * only (a bare LF is 400), at most 16 hex digits of size (so the size
 * cannot overflow 64 bits), a size line and each trailer line bounded by
 * LimitRequestFieldSize, trailers counted against LimitRequestFields.
 * Trailers are checked and dropped: nothing in the kit reads them.
 */
#include "chunked.h"

#include <string.h>

#include "http_chars.h"

/* A chunk size has at most 16 hex digits: 64 bits, so it cannot overflow. */
#define MAX_CHUNK_SIZE_DIGITS 16

void http_chunked_init(struct http_chunked_decoder *d,
		       const struct http_limits *limits)
{
	struct http_limits l = http_limits_effective(limits);

	memset(d, 0, sizeof(*d));
	d->state = CHUNK_SIZE;
	d->limits = l;
}

/* A line of framing (a size line, a trailer) grows by one byte. */
static int grow_line(struct http_chunked_decoder *d)
{
	return ++d->line_length > d->limits.field_size ? 400 : 0;
}

/* chunk-size [ BWS ";" chunk-ext ], at most field_size bytes before its
 * CRLF. Extensions are skipped unread: none means anything to us. */
static int size_line_byte(struct http_chunked_decoder *d, unsigned char c)
{
	int hex = hex_value(c);

	if (c == '\r') {
		if (d->size_digits == 0 || d->state == CHUNK_SIZE_BWS)
			return 400;
		d->state = CHUNK_SIZE_LF;
		d->size_digits = 0;
		d->line_length = 0;
		return 0;
	}
	if (grow_line(d) != 0)
		return 400;
	if (d->state == CHUNK_EXT)
		return is_field_char(c) ? 0 : 400;
	if (d->state == CHUNK_SIZE && hex >= 0) {
		if (++d->size_digits > MAX_CHUNK_SIZE_DIGITS)
			return 400;
		d->chunk_left = d->chunk_left * 16 + (unsigned)hex;
		return 0;
	}
	if (d->size_digits == 0)
		return 400;
	if (c == ';')
		d->state = CHUNK_EXT;
	else if (is_ows((char)c))
		d->state = CHUNK_SIZE_BWS;  /* no more digits after this */
	else
		return 400;
	return 0;
}

/* A trailer field line: name ":" value, checked, bounded and dropped. */
static int trailer_byte(struct http_chunked_decoder *d, unsigned char c)
{
	switch (d->state) {
	case CHUNK_TRAILER_START:
		if (c == '\r') {
			d->state = CHUNK_FINAL_LF;
			return 0;
		}
		if (++d->trailer_count > d->limits.fields)
			return 400;
		d->line_length = 0;
		d->state = CHUNK_TRAILER_LINE;
		return trailer_byte(d, c);  /* the first byte of its name */
	case CHUNK_TRAILER_LINE:
		if (c == ':' && d->line_length > 0)
			d->state = CHUNK_TRAILER_VALUE;
		else if (!is_alnum_or(c, TCHAR_SYMBOLS))
			return 400;
		return grow_line(d);
	default: /* CHUNK_TRAILER_VALUE */
		if (c == '\r') {
			d->state = CHUNK_TRAILER_LF;
			return 0;
		}
		return is_field_char(c) ? grow_line(d) : 400;
	}
}

/* Where the framing allows exactly one byte. */
static int expect_byte(struct http_chunked_decoder *d, unsigned char c,
		       char wanted, enum http_chunk_state next)
{
	if (c != (unsigned char)wanted)
		return 400;
	d->state = next;
	return 0;
}

static int framing_byte(struct http_chunked_decoder *d, unsigned char c)
{
	switch (d->state) {
	case CHUNK_SIZE:
	case CHUNK_SIZE_BWS:
	case CHUNK_EXT:
		return size_line_byte(d, c);
	case CHUNK_SIZE_LF:
		return expect_byte(d, c, '\n', d->chunk_left > 0 ?
				   CHUNK_DATA : CHUNK_TRAILER_START);
	case CHUNK_DATA_CR:
		return expect_byte(d, c, '\r', CHUNK_DATA_LF);
	case CHUNK_DATA_LF:
		return expect_byte(d, c, '\n', CHUNK_SIZE);
	case CHUNK_TRAILER_LF:
		return expect_byte(d, c, '\n', CHUNK_TRAILER_START);
	case CHUNK_FINAL_LF:
		return expect_byte(d, c, '\n', CHUNK_DONE);
	default:
		return trailer_byte(d, c);
	}
}

int http_chunked_decode(struct http_chunked_decoder *d, const char *in,
			size_t in_len, size_t *in_used, char *out,
			size_t out_cap, size_t *out_len)
{
	size_t i = 0, o = 0;
	int status = 0;

	while (i < in_len && d->state != CHUNK_DONE && status == 0) {
		if (d->state == CHUNK_DATA) {
			size_t n = in_len - i;

			if (n > out_cap - o)
				n = out_cap - o;
			if (n > d->chunk_left)
				n = (size_t)d->chunk_left;
			if (n == 0)
				break;  /* out is full */
			/* memmove: out may be in, a few bytes behind. */
			memmove(out + o, in + i, n);
			i += n;
			o += n;
			d->chunk_left -= n;
			if (d->chunk_left == 0)
				d->state = CHUNK_DATA_CR;
			continue;
		}
		status = framing_byte(d, (unsigned char)in[i++]);
	}
	*in_used = i;
	*out_len = o;
	if (status != 0)
		return status;
	return d->state == CHUNK_DONE ? 1 : 0;
}
