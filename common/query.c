/*
 * query.c - reading parameters from a request's query string, safely.
 *
 * What it teaches: a query string is client input, so a number in it is
 * converted with explicit bounds and every failure has one answer (-1),
 * never atoi's silent 0 or strtol's unchecked overflow. "?ms=99999999999"
 * and "?ms=12abc" are refused, not turned into some other sleep.
 *
 * Used by common/lab.c (/lab/sleep?ms=...) and common/status.c
 * (/server-status?auto&refresh=N). Unit tests: tests/unit/test_scoreboard.c.
 */
#include <limits.h>
#include <string.h>

#include "handlers.h"

bool query_find(const char *query, size_t len, const char *name,
		const char **value, size_t *value_len)
{
	size_t name_len = name ? strlen(name) : 0;
	size_t pos = 0;

	if (query == NULL || name_len == 0)
		return false;
	while (pos < len) {
		const char *param = query + pos;
		const char *amp = memchr(param, '&', len - pos);
		size_t param_len = amp ? (size_t)(amp - param) : len - pos;

		if (param_len >= name_len &&
		    memcmp(param, name, name_len) == 0 &&
		    (param_len == name_len || param[name_len] == '=')) {
			bool has_eq = param_len > name_len;

			*value = param + name_len + (has_eq ? 1 : 0);
			*value_len = param_len - name_len - (has_eq ? 1 : 0);
			return true;
		}
		pos += param_len + 1; /* past the '&' */
	}
	return false;
}

/* Digits of s[0..len) as a magnitude no larger than limit; false if empty,
 * not all digits, or over the limit. Checked before each step, so it
 * cannot overflow whatever the length. */
static bool parse_magnitude(const char *s, size_t len, unsigned long limit,
			    unsigned long *out)
{
	unsigned long acc = 0;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned digit;

		if (s[i] < '0' || s[i] > '9')
			return false;
		digit = (unsigned)(s[i] - '0');
		if (acc > (limit - digit) / 10)
			return false;
		acc = acc * 10 + digit;
	}
	*out = acc;
	return true;
}

/* A whole decimal number with an optional sign, in the range of long. */
static bool parse_long(const char *s, size_t len, long *out)
{
	bool negative = false;
	unsigned long magnitude;

	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		negative = s[0] == '-';
		s++;
		len--;
	}
	if (!parse_magnitude(s, len, negative ? (unsigned long)LONG_MAX + 1
					      : (unsigned long)LONG_MAX,
			     &magnitude))
		return false;
	if (!negative)
		*out = (long)magnitude;
	else if (magnitude == (unsigned long)LONG_MAX + 1)
		*out = LONG_MIN;
	else
		*out = -(long)magnitude;
	return true;
}

int query_long(const char *query, size_t len, const char *name, long min,
	       long max, long *value)
{
	const char *text;
	size_t text_len;
	long number;

	if (!query_find(query, len, name, &text, &text_len))
		return 1;
	if (!parse_long(text, text_len, &number) || number < min ||
	    number > max)
		return -1;
	*value = number;
	return 0;
}

static bool is_token_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

int query_token(const char *query, size_t len, const char *name, char *out,
		size_t outlen)
{
	const char *text;
	size_t text_len, i;

	if (!query_find(query, len, name, &text, &text_len))
		return 1;
	if (text_len == 0 || outlen == 0 || text_len > outlen - 1)
		return -1;
	for (i = 0; i < text_len; i++)
		if (!is_token_char(text[i]))
			return -1;
	memcpy(out, text, text_len);
	out[text_len] = '\0';
	return 0;
}
