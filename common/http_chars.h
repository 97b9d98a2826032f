/*
 * http_chars.h - the character classes of HTTP (RFC 9110 5.6), shared by
 * the head parser (http_parser.c), the chunked decoder (chunked.c) and the
 * path and header checks of static_files.c and docroot.c.
 *
 * Written out rather than taken from <ctype.h>, whose answers depend on
 * the locale: HTTP's classes are fixed sets of bytes.
 */
#ifndef KIT_HTTP_CHARS_H
#define KIT_HTTP_CHARS_H

#include <stdbool.h>
#include <string.h>

/* tchar (RFC 9110 5.6.2): methods, field names and codings are made of
 * letters, digits and these. */
#define TCHAR_SYMBOLS "!#$%&'*+-.^_`|~"

static inline bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* A letter, a digit or one of symbols (strchr would "find" a NUL). */
static inline bool is_alnum_or(unsigned char c, const char *symbols)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c != 0 && strchr(symbols, c));
}

/* Field values: VCHAR, obs-text (0x80-0xff), SP and HTAB; no other
 * control character, above all no CR, LF or NUL. */
static inline bool is_field_char(unsigned char c)
{
	return c == '\t' || (c >= ' ' && c != 0x7f);
}

static inline bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static inline char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* 0 to 15, or -1 if c is not a hex digit. */
static inline int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
