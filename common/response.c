/*
 * response.c - build an HTTP/1.1 response head and send it without blocking.
 *
 * What it teaches: a response is a small head built in one buffer plus a
 * body, and "sending" is a resumable loop, not one write(). The head and a
 * memory body leave together in one writev(2), so a short response is one
 * system call and one TCP segment; a file body leaves with sendfile(2), so
 * its bytes go from the page cache to the socket without entering user
 * space. Every call sends what the socket accepts now and remembers where
 * it stopped, which is what lets 03-event park a connection whose client
 * reads slowly (write completion) instead of holding a thread.
 *
 * Also here: the status texts. The Date header comes from http_date.c.
 *
 * Used by every handler (through struct response) and by common/conn.c.
 * Unit tests: tests/unit/test_static.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "http_date.h"
#include "response.h"
#include "version.h"

#define ERROR_DETAIL_MAX 512    /* bytes of a detail shown on an error page */

/* ---- Building ---- */

void response_init(struct response *r)
{
	/* Everything before head; the 2 KiB head is rebuilt by
	 * response_finish, so clearing it for every request is wasted work. */
	memset(r, 0, offsetof(struct response, head));
	r->status = 200;
	r->file_fd = -1;
	r->head[0] = '\0';
	r->head_len = 0;
	r->head_sent = 0;
	r->body_sent = 0;
	r->file_sent = 0;
	r->bytes_sent = 0;
}

/* Forget the body, releasing what the response owns. */
static void drop_body(struct response *r)
{
	free(r->body_owned);
	r->body_owned = NULL;
	r->body = NULL;
	r->body_len = 0;
	if (r->file_fd >= 0)
		close(r->file_fd);
	r->file_fd = -1;
	r->file_offset = 0;
	r->file_length = 0;
}

void response_reset(struct response *r)
{
	drop_body(r);
	response_init(r);
}

void response_set_status(struct response *r, int status)
{
	r->status = status;
}

int response_add_header(struct response *r, const char *name,
			const char *fmt, ...)
{
	size_t room = sizeof(r->extra) - r->extra_len;
	char *line = r->extra + r->extra_len;
	va_list ap;
	int n, m;

	n = snprintf(line, room, "%s: ", name);
	if (n < 0 || (size_t)n >= room)
		goto too_long;
	va_start(ap, fmt);
	m = vsnprintf(line + n, room - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)n + (size_t)m + 2 >= room)
		goto too_long;
	/* A CR or LF in a value would let whoever chose it (often the client,
	 * through a Location) start a header of their own: refuse it. */
	if (strpbrk(line, "\r\n") != NULL)
		goto too_long;
	memcpy(line + n + m, "\r\n", 3);
	r->extra_len += (size_t)n + (size_t)m + 2;
	return 0;
too_long:
	line[0] = '\0'; /* leave the headers added before intact */
	return -1;
}

void response_set_body_static(struct response *r, const char *text,
			      size_t len)
{
	drop_body(r);
	r->body = text;
	r->body_len = len;
}

void response_set_body_owned(struct response *r, char *buf, size_t len)
{
	drop_body(r);
	r->body_owned = buf;
	r->body = buf;
	r->body_len = len;
}

void response_set_body_file(struct response *r, int fd, off_t offset,
			    off_t length)
{
	drop_body(r);
	r->file_fd = fd;
	r->file_offset = offset;
	r->file_length = length;
}

/* Remove every "Name: ..." line from the handler's headers, so an error
 * page does not go out with the Content-Type of what it replaces. */
static void remove_header(struct response *r, const char *name)
{
	size_t name_len = strlen(name);
	size_t pos = 0;

	while (pos < r->extra_len) {
		char *line = r->extra + pos;
		char *end = memchr(line, '\n', r->extra_len - pos);
		size_t line_len = end ? (size_t)(end - line) + 1
				      : r->extra_len - pos;

		if (line_len > name_len && line[name_len] == ':' &&
		    strncasecmp(line, name, name_len) == 0) {
			memmove(line, line + line_len,
				r->extra_len - pos - line_len);
			r->extra_len -= line_len;
		} else {
			pos += line_len;
		}
	}
	r->extra[r->extra_len] = '\0';
}

/* Append text to out[*len..cap), HTML-escaped; stops before overflowing. */
static void append_escaped(char *out, size_t *len, size_t cap,
			   const char *text)
{
	for (; *text != '\0'; text++) {
		const char *rep;
		char one[2] = { *text, '\0' };
		size_t n;

		switch (*text) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: rep = one; break;
		}
		n = strlen(rep);
		if (*len + n >= cap)
			break;
		memcpy(out + *len, rep, n);
		*len += n;
	}
	out[*len] = '\0';
}

void response_error(struct response *r, int status, const char *detail)
{
	static const char fallback[] =
		"<!DOCTYPE html><html><head><title>Error</title></head>"
		"<body><h1>Error</h1></body></html>\n";
	const char *text = http_status_text(status);
	char shown[ERROR_DETAIL_MAX];
	size_t cap = 256 + 2 * strlen(text) + 6 * sizeof(shown);
	char *page = malloc(cap);
	size_t len = 0;
	int n;

	r->status = status;
	remove_header(r, "Content-Type");
	/* The detail is bounded first, so escaping cannot make a page grow
	 * without limit whatever a handler passes in. */
	snprintf(shown, sizeof(shown), "%s", detail ? detail : "");
	if (page == NULL) {
		response_set_body_static(r, fallback, sizeof(fallback) - 1);
	} else {
		n = snprintf(page, cap, "<!DOCTYPE html><html><head><title>"
			     "%d %s</title></head><body><h1>%s</h1>",
			     status, text, text);
		len = (size_t)n;
		if (detail != NULL) {
			memcpy(page + len, "<p>", 4);
			len += 3;
			append_escaped(page, &len, cap - 32, shown);
			memcpy(page + len, "</p>", 5);
			len += 4;
		}
		memcpy(page + len, "</body></html>\n", 16);
		len += 15;
		response_set_body_owned(r, page, len);
	}
	response_add_header(r, "Content-Type", "text/html; charset=utf-8");
}

/* ---- The head ---- */

/* Append formatted text to the head; the head has room for every header
 * the kit writes (RESPONSE_EXTRA_MAX of them from handlers plus ours). */
static void head_printf(struct response *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void head_printf(struct response *r, const char *fmt, ...)
{
	size_t room = sizeof(r->head) - r->head_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->head + r->head_len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->head_len += (size_t)n < room ? (size_t)n : room - 1;
}

/* 1xx, 204 and 304 responses never carry a body (RFC 9110 6.4.1). */
static bool status_forbids_body(int status)
{
	return status < 200 || status == 204 || status == 304;
}

static long long body_length(const struct response *r)
{
	if (r->file_fd >= 0)
		return (long long)r->file_length;
	return (long long)r->body_len;
}

void response_finish(struct response *r, const struct response_conn_info *ci)
{
	bool keep_alive = ci != NULL && ci->keep_alive && !r->close;

	if (status_forbids_body(r->status))
		r->no_body = true;
	r->head_len = 0;
	head_printf(r, "HTTP/1.1 %d %s\r\n", r->status,
		    http_status_text(r->status));
	head_printf(r, "Date: %s\r\nServer: %s\r\n", http_date_now(),
		    KIT_SERVER_VERSION);
	head_printf(r, "%.*s", (int)r->extra_len, r->extra);
	/* HEAD announces the length GET would send; 204/304 announce none. */
	if (!r->no_body)
		head_printf(r, "Content-Length: %lld\r\n", body_length(r));
	if (!keep_alive) {
		r->close = true;
		head_printf(r, "Connection: close\r\n");
	} else {
		/* ab -k (HTTP/1.0) keeps a connection only if it sees this. */
		head_printf(r, "Keep-Alive: timeout=%ld", ci->timeout_s);
		if (ci->max_left >= 0)
			head_printf(r, ", max=%ld", ci->max_left);
		head_printf(r, "\r\n");
		if (ci->http10)
			head_printf(r, "Connection: keep-alive\r\n");
	}
	head_printf(r, "\r\n");
	r->head_sent = 0;
	r->body_sent = 0;
	r->file_sent = 0;
}

/* ---- Sending ---- */

static bool sends_body(const struct response *r)
{
	return !r->head_only && !r->no_body;
}

/* What a failed writev/sendfile (other than EINTR) means for the caller. */
static enum send_result send_failure(void)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return SEND_AGAIN; /* socket buffer full: wait for POLLOUT */
	return SEND_ERROR; /* EPIPE, ECONNRESET...: the client is gone */
}

/* writev(2), or, when a file body follows, sendmsg(2) with MSG_MORE: TCP
 * then holds the head until sendfile() adds the body, so a small file
 * leaves in one packet instead of two (with TCP_NODELAY every send is a
 * packet of its own, and the client wakes up for each). Not a socket (a
 * test's pipe): plain writev. */
static ssize_t send_iov(int fd, struct iovec *iov, int cnt, bool file_follows)
{
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };
	ssize_t n;

	if (!file_follows)
		return writev(fd, iov, cnt);
	n = sendmsg(fd, &msg, MSG_MORE);
	if (n < 0 && errno == ENOTSOCK)
		return writev(fd, iov, cnt);
	return n;
}

/* The head and a memory body in one writev(2), resumable at any byte. */
static enum send_result send_head_and_memory(int fd, struct response *r)
{
	size_t body_len = sends_body(r) && r->file_fd < 0 ? r->body_len : 0;
	bool file_follows = r->file_fd >= 0 && sends_body(r) &&
			    r->file_sent < r->file_length;

	while (r->head_sent < r->head_len || r->body_sent < body_len) {
		struct iovec iov[2];
		int cnt = 0;
		ssize_t n;
		size_t used;

		if (r->head_sent < r->head_len) {
			iov[cnt].iov_base = r->head + r->head_sent;
			iov[cnt++].iov_len = r->head_len - r->head_sent;
		}
		if (r->body_sent < body_len) {
			iov[cnt].iov_base = (char *)r->body + r->body_sent;
			iov[cnt++].iov_len = body_len - r->body_sent;
		}
		n = send_iov(fd, iov, cnt, file_follows);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return send_failure();
		}
		r->bytes_sent += (unsigned long long)n;
		used = (size_t)n;
		if (r->head_sent < r->head_len) {
			size_t h = r->head_len - r->head_sent;

			h = used < h ? used : h;
			r->head_sent += h;
			used -= h;
		}
		r->body_sent += used;
	}
	return SEND_DONE;
}

/* A file body with sendfile(2): the kernel copies from the page cache. */
static enum send_result send_file_body(int fd, struct response *r)
{
	while (r->file_sent < r->file_length) {
		off_t pos = r->file_offset + r->file_sent;
		off_t left = r->file_length - r->file_sent;
		size_t chunk = left > (off_t)(1 << 30) ? (size_t)1 << 30
						       : (size_t)left;
		ssize_t n = sendfile(fd, r->file_fd, &pos, chunk);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return send_failure();
		}
		/* The file shrank after we promised its length: the only
		 * honest way out is to close the connection. */
		if (n == 0)
			return SEND_ERROR;
		r->file_sent += n;
		r->bytes_sent += (unsigned long long)n;
	}
	return SEND_DONE;
}

enum send_result response_send(int fd, struct response *r)
{
	enum send_result res = send_head_and_memory(fd, r);

	if (res != SEND_DONE)
		return res;
	if (r->file_fd >= 0 && sends_body(r))
		return send_file_body(fd, r);
	return SEND_DONE;
}

/* ---- Status texts ---- */

struct status_text {
	int status;
	const char *text;
};

static const struct status_text status_texts[] = {
	{ 100, "Continue" }, { 101, "Switching Protocols" }, { 200, "OK" },
	{ 201, "Created" }, { 202, "Accepted" }, { 204, "No Content" },
	{ 206, "Partial Content" }, { 301, "Moved Permanently" },
	{ 302, "Found" }, { 303, "See Other" }, { 304, "Not Modified" },
	{ 307, "Temporary Redirect" }, { 308, "Permanent Redirect" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" }, { 408, "Request Timeout" },
	{ 409, "Conflict" }, { 410, "Gone" }, { 411, "Length Required" },
	{ 412, "Precondition Failed" }, { 413, "Content Too Large" },
	{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
	{ 416, "Range Not Satisfiable" }, { 417, "Expectation Failed" },
	{ 426, "Upgrade Required" }, { 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
};

const char *http_status_text(int status)
{
	size_t i;

	for (i = 0; i < sizeof(status_texts) / sizeof(status_texts[0]); i++)
		if (status_texts[i].status == status)
			return status_texts[i].text;
	return "Unknown";
}
