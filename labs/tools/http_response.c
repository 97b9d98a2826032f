/*
 * http_response.c - read the head of an HTTP/1.1 response, as a client must.
 *
 * What it teaches: a client on a persistent connection has to know where
 * one response ends, or it cannot send the next request (RFC 9112 section
 * 6.3). The head tells it: no body for HEAD, 1xx, 204 and 304; otherwise
 * Content-Length bytes; otherwise (HTTP/1.0 style) everything until the
 * server closes. "Connection: close", or HTTP/1.0 without "Connection:
 * keep-alive", means the server will close after this response, so the
 * client must open a new connection for the next one. Chunked bodies are
 * not decoded here (the kit's servers never send them to GET requests);
 * they are reported as such, so nobody trusts a number measured on them.
 */
#include <string.h>
#include <strings.h>

#include "loadgen.h"

/* Does the comma-separated list [v, end) contain token, any case? */
static bool list_has_token(const char *v, const char *end, const char *token)
{
	size_t tlen = strlen(token);

	while (v < end) {
		const char *item, *stop;

		while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
			v++;
		item = v;
		while (v < end && *v != ',')
			v++;
		stop = v;
		while (stop > item && (stop[-1] == ' ' || stop[-1] == '\t'))
			stop--;
		if ((size_t)(stop - item) == tlen &&
		    strncasecmp(item, token, tlen) == 0)
			return true;
	}
	return false;
}

/* Content-Length: digits only, bounded; a second, different value is an
 * error (a response we cannot frame). */
static bool parse_length(const char *v, const char *end, long long *out)
{
	long long n = 0;

	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (v == end)
		return false;
	for (; v < end; v++) {
		if (*v < '0' || *v > '9' || n > (1LL << 50))
			return false;
		n = n * 10 + (*v - '0');
	}
	if (*out >= 0 && *out != n)
		return false;
	*out = n;
	return true;
}

/* "HTTP/1.x NNN reason": sets the status and whether the version is 1.0. */
static bool parse_status_line(const char *p, const char *eol, int *status,
			      bool *http10)
{
	if (eol - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    (p[7] != '0' && p[7] != '1') || p[8] != ' ')
		return false;
	if (p[9] < '1' || p[9] > '9' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9')
		return false;
	if (eol - p > 12 && p[12] != ' ')
		return false;
	*status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	*http10 = p[7] == '0';
	return true;
}

static bool name_is(const char *p, const char *colon, const char *name)
{
	size_t n = strlen(name);

	return (size_t)(colon - p) == n && strncasecmp(p, name, n) == 0;
}

/* One "Name: value" line [p, eol) into out. */
static bool parse_field(const char *p, const char *eol,
			struct resp_head *out, bool *keep_alive_token)
{
	const char *colon = memchr(p, ':', (size_t)(eol - p));
	const char *v;

	if (colon == NULL || colon == p)
		return false;
	v = colon + 1;
	if (name_is(p, colon, "Content-Length"))
		return parse_length(v, eol, &out->content_length);
	if (name_is(p, colon, "Transfer-Encoding")) {
		if (!list_has_token(v, eol, "identity"))
			out->chunked = true;
	} else if (name_is(p, colon, "Connection")) {
		if (list_has_token(v, eol, "close"))
			out->close = true;
		if (list_has_token(v, eol, "keep-alive"))
			*keep_alive_token = true;
	}
	return true;
}

enum resp_result resp_parse_head(const char *buf, size_t len,
				 struct resp_head *out, const char **why)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	const char *p, *eol;
	bool http10 = false, keep_alive_token = false;

	if (end == NULL) {
		if (len >= RESP_HEAD_MAX) {
			*why = "response head longer than 16 KiB";
			return RESP_BAD;
		}
		return RESP_INCOMPLETE;
	}
	memset(out, 0, sizeof(*out));
	out->content_length = -1;
	out->head_len = (size_t)(end - buf) + 4;

	eol = memmem(buf, (size_t)(end + 2 - buf), "\r\n", 2);
	if (!parse_status_line(buf, eol, &out->status, &http10)) {
		*why = "no valid status line (HTTP/1.x NNN)";
		return RESP_BAD;
	}
	for (p = eol + 2; p < end + 2; p = eol + 2) {
		eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
		if (!parse_field(p, eol, out, &keep_alive_token)) {
			*why = "bad header line or Content-Length";
			return RESP_BAD;
		}
	}
	if (http10 && !keep_alive_token)
		out->close = true;
	return RESP_COMPLETE;
}
