/*
 * conn.c - one client connection: read a head, process, send, keep alive.
 *
 * What it teaches: the steps every MPM runs for every request, and the
 * timeouts that decide how long a connection may hold whoever serves it:
 *   - Timeout: a request head must arrive within it from its first byte
 *     (so a slowloris client cannot hold a worker forever), and each wait
 *     while reading a body or sending a response is bounded by it;
 *   - KeepAliveTimeout: how long an idle connection may wait for its next
 *     request. In prefork and worker that wait holds a process or a thread:
 *     it is the trap the event MPM removes.
 * conn_serve() is the blocking loop of prefork children and worker threads.
 * The event MPM calls the steps (conn_read_head, conn_process, conn_send,
 * conn_finish_request) from its listener and worker threads instead.
 */
#include "conn.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "chunked.h"
#include "handlers.h"
#include "lifecycle.h"
#include "log.h"
#include "net.h"
#include "scoreboard.h"
#include "server.h"

#define CONN_BUF_INITIAL 4096

static const struct config *cfg_of(const struct conn *c)
{
	return &c->srv->cfg;
}

void conn_init(struct conn *c, int fd, const struct server *srv)
{
	char peer[CONN_PEER_MAX];

	net_peer_name(fd, peer, sizeof(peer));
	conn_init_with_peer(c, fd, srv, peer);
}

/* Event's listener gives a connection a struct conn again for each request
 * (queues.c, listener_attach_conn()); it looks the peer up once, at
 * accept, and saves a getpeername(2) a request by passing it here. */
void conn_init_with_peer(struct conn *c, int fd, const struct server *srv,
			 const char *peer)
{
	struct http_limits limits;

	memset(c, 0, offsetof(struct conn, resp));
	http_request_clear(&c->req);
	c->fd = fd;
	c->srv = srv;
	c->wake_fd = -1;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	limits.request_line = (size_t)srv->cfg.limit_request_line;
	limits.field_size = (size_t)srv->cfg.limit_request_field_size;
	limits.fields = (size_t)srv->cfg.limit_request_fields;
	http_parser_init(&c->parser, &limits);
	response_init(&c->resp);
	c->request_start_ms = now_monotonic_ms();
	c->idle_since_ms = c->request_start_ms;
}

void conn_linger_and_close(int fd)
{
	char sink[4096];
	int64_t deadline = now_monotonic_ms() + LINGER_TOTAL_MS;

	/* Send our FIN, then swallow what the client still sends: closing with
	 * unread input makes the kernel send a reset, which can destroy the
	 * response the client has not read yet. */
	if (shutdown(fd, SHUT_WR) == 0) {
		while (now_monotonic_ms() < deadline) {
			if (net_wait(fd, POLLIN, LINGER_READ_MS, -1) != 1)
				break;
			ssize_t n = recv(fd, sink, sizeof(sink), 0);
			if (n <= 0 && !(n < 0 && errno == EINTR))
				break;
		}
	}
	close(fd);
}

void conn_close(struct conn *c)
{
	if (c->fd >= 0) {
		if (c->lingering)
			conn_linger_and_close(c->fd);
		else
			close(c->fd);
		c->fd = -1;
	}
	response_reset(&c->resp);
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}

/* The most a head can take with the LimitRequest* directives in force. */
static size_t max_head_size(const struct conn *c)
{
	const struct http_limits *l = &c->parser.limits;

	return l->request_line + 2 + l->fields * (l->field_size + 2) + 2 + 8;
}

/* Spans in c->req point into c->buf: when the buffer moves they must move
 * with it. (A new buffer and a copy rather than realloc, so the old one is
 * still valid while the spans are rebased.) */
static void rebase_span(struct http_span *s, const char *old, char *buf)
{
	if (s->ptr != NULL)
		s->ptr = buf + (s->ptr - old);
}

static void rebase_request(struct http_request *req, const char *old,
			   char *buf)
{
	rebase_span(&req->method, old, buf);
	rebase_span(&req->target, old, buf);
	rebase_span(&req->path, old, buf);
	rebase_span(&req->query, old, buf);
	rebase_span(&req->host, old, buf);
	for (size_t i = 0; i < req->header_count; i++) {
		rebase_span(&req->headers[i].name, old, buf);
		rebase_span(&req->headers[i].value, old, buf);
	}
}

/* Make room for at least `more` bytes after c->len. */
static int grow_buffer(struct conn *c, size_t more)
{
	size_t want = c->len + more;
	size_t cap = c->cap ? c->cap : CONN_BUF_INITIAL;
	char *buf;

	if (want <= c->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	buf = malloc(cap);
	if (buf == NULL)
		return -1;
	if (c->len > 0)
		memcpy(buf, c->buf, c->len);
	/* Even before the head is complete: an error answer logs the
	 * request line parsed so far. */
	if (c->buf != NULL)
		rebase_request(&c->req, c->buf, buf);
	free(c->buf);
	c->buf = buf;
	c->cap = cap;
	return 0;
}

void conn_answer_error(struct conn *c, int status, const char *why)
{
	response_reset(&c->resp);
	response_error(&c->resp, status, why);
	c->resp.close = true;
	c->answered = true;
	c->head_complete = true;
	c->keep_alive = false;
	c->lingering = true;
	c->body_done = true;
}

void conn_show_request(const struct conn *c, struct sb_worker *slot)
{
	const struct http_request *req = &c->req;
	const char *line = req->method.ptr;

	/* The request line, after any empty lines the client sent first. */
	if (slot == NULL || !c->head_complete || c->answered || line == NULL)
		return;
	size_t room = req->head_length - (size_t)(line - c->buf);
	const char *cr = memchr(line, '\r', room);
	sb_request_start(slot, line, cr ? (size_t)(cr - line) : room);
}

static void head_parsed(struct conn *c)
{
	const struct http_request *req = &c->req;
	long long limit = cfg_of(c)->limit_request_body;

	c->head_complete = true;
	conn_show_request(c, c->sb);
	c->body_done = !req->chunked && !req->has_content_length;
	if (req->has_content_length && limit > 0 &&
	    req->content_length > (unsigned long long)limit)
		conn_answer_error(c, 413, "The request body is larger than "
				  "LimitRequestBody allows.");
}

enum conn_io conn_read_head(struct conn *c)
{
	for (;;) {
		if (c->len > 0) {
			enum http_parse_result r = http_parse_head(
				&c->parser, c->buf, c->len, &c->req);
			if (r == HTTP_PARSE_DONE) {
				head_parsed(c);
				return CONN_IO_DONE;
			}
			if (r == HTTP_PARSE_ERROR) {
				conn_answer_error(c, c->req.error_status,
						  c->req.error_reason);
				return CONN_IO_DONE;
			}
		}
		if (c->len == c->cap) {
			if (c->len >= max_head_size(c)) {
				conn_answer_error(c, 431, "The request head "
						  "is too large.");
				return CONN_IO_DONE;
			}
			if (grow_buffer(c, 1) < 0)
				return CONN_IO_ERROR;
		}
		ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n > 0) {
			if (c->len == 0)
				c->request_start_ms = now_monotonic_ms();
			c->len += (size_t)n;
			continue;
		}
		if (n == 0)
			return CONN_IO_CLOSED;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return CONN_IO_AGAIN;
		return CONN_IO_ERROR;
	}
}

/* ---- Request bodies ---- */

/* Bytes of the body that are in c->buf already, after the head. */
static size_t buffered_body(const struct conn *c)
{
	return c->len - c->req.head_length - c->body_consumed;
}

static char *body_cursor(struct conn *c)
{
	return c->buf + c->req.head_length + c->body_consumed;
}

static int ms_left(int64_t deadline)
{
	int64_t left = deadline - now_monotonic_ms();

	return left < 0 ? 0 : (int)left;
}

/* Wait for the client to send more, within Timeout. A graceful restart's
 * signal does not cut the wait short (the body is still coming); a stop
 * (TERM, HUP) does. */
static int wait_readable(struct conn *c)
{
	int64_t deadline = now_monotonic_ms() + cfg_of(c)->timeout_s * 1000;

	for (;;) {
		int r = net_wait(c->fd, POLLIN, ms_left(deadline), -1);
		if (r == 1)
			return 0;
		if (r == 0 || errno != EINTR || stop_requested() == STOP_NOW)
			return 408;
	}
}

/* Body bytes already used are not needed again: move what follows them
 * down to the end of the head (which stays put), so a long body does not
 * grow the buffer. */
static void compact_body(struct conn *c)
{
	char *end_of_head = c->buf + c->req.head_length;

	memmove(end_of_head, end_of_head + c->body_consumed, buffered_body(c));
	c->len -= c->body_consumed;
	c->body_consumed = 0;
}

/* Receive into c->buf after everything buffered. 0, or an HTTP status. */
static int receive_more(struct conn *c)
{
	compact_body(c);
	if (grow_buffer(c, 16384) < 0)
		return 500;
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n > 0) {
			c->len += (size_t)n;
			return 0;
		}
		if (n == 0)
			return 400; /* the client closed in the middle */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return 400;
		int status = wait_readable(c);
		if (status != 0)
			return status;
	}
}

static void send_continue(struct conn *c)
{
	static const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";

	/* The client waits for this before it sends the body (Expect:
	 * 100-continue). A short write is harmless: the client sends the
	 * body after a short delay anyway. */
	if (c->req.expect_continue && buffered_body(c) == 0)
		(void)send(c->fd, interim, sizeof(interim) - 1, MSG_NOSIGNAL);
}

/* Consume a Content-Length body; copy into out (may be NULL to discard). */
static int read_length_body(struct conn *c, char *out)
{
	unsigned long long left = c->req.content_length;

	while (left > 0) {
		if (buffered_body(c) == 0) {
			int status = receive_more(c);
			if (status != 0)
				return status;
		}
		size_t take = buffered_body(c);
		if (take > left)
			take = (size_t)left;
		if (out != NULL) {
			memcpy(out, body_cursor(c), take);
			out += take;
		}
		c->body_consumed += take;
		left -= take;
	}
	return 0;
}

/* Decode a chunked body into out, which has room for limit + 1 bytes, or
 * discard it when out is NULL. Either way *total counts the decoded bytes,
 * and more than limit of them is 413: the one byte over tells a body of
 * exactly limit bytes from a larger one. */
static int read_chunked_body(struct conn *c, char *out, size_t limit,
			     size_t *total)
{
	struct http_chunked_decoder d;
	char scratch[4096];

	http_chunked_init(&d, &c->parser.limits);
	*total = 0;
	for (;;) {
		size_t used = 0, produced = 0;
		char *dest = out != NULL ? out + *total : scratch;
		size_t room = out != NULL ? limit + 1 - *total
					  : sizeof(scratch);
		int r = http_chunked_decode(&d, body_cursor(c),
					    buffered_body(c), &used, dest,
					    room, &produced);
		c->body_consumed += used;
		*total += produced;
		if (*total > limit)
			return 413;
		if (r != 0)
			return r == 1 ? 0 : r;
		if (used == 0 || buffered_body(c) == 0) {
			int status = receive_more(c);
			if (status != 0)
				return status;
		}
	}
}

/* LimitRequestBody in bytes; 0 means unlimited (SIZE_MAX - 1, so that
 * one byte over the limit can still be counted). */
static size_t body_limit(const struct conn *c)
{
	long long limit = cfg_of(c)->limit_request_body;

	if (limit <= 0 || (unsigned long long)limit > SIZE_MAX - 1)
		return SIZE_MAX - 1;
	return (size_t)limit;
}

/* After a body that could not be read to its end, the bytes that follow
 * are not a request: close, lingering so the client reads the answer. */
static void body_failed(struct conn *c)
{
	c->resp.close = true;
	c->lingering = true;
}

/* The body_reader conn.c gives handlers (handlers.h): the whole body, at
 * most max bytes and LimitRequestBody, into a malloc'd buffer. */
static int read_whole_body(void *ctx, char **body, size_t *len, size_t max)
{
	struct conn *c = ctx;
	const struct http_request *req = &c->req;
	size_t cap = body_limit(c) < max ? body_limit(c) : max;
	int status;

	*body = NULL;
	*len = 0;
	if (c->body_done)
		return 0;
	c->body_done = true;
	if (req->has_content_length && req->content_length > cap)
		return 413;
	*body = malloc(req->chunked ? cap + 1 : req->content_length + 1);
	if (*body == NULL)
		return 500;
	send_continue(c);
	if (req->chunked) {
		status = read_chunked_body(c, *body, cap, len);
	} else {
		status = read_length_body(c, *body);
		*len = (size_t)req->content_length;
	}
	if (status != 0) {
		free(*body);
		*body = NULL;
		*len = 0;
		body_failed(c);
	}
	return status;
}

/* A body the handler did not read is read and thrown away before the
 * answer goes out, as httpd's default handler does: so the next request
 * on the connection can be parsed, and so a client whose framing is
 * broken gets 400 (or 413, 408) instead of a 200 that is then cut.
 * Returns 0 or that status. */
static int discard_body(struct conn *c)
{
	const struct http_request *req = &c->req;
	size_t ignored;
	int status;

	c->body_done = true;
	if (req->expect_continue && buffered_body(c) == 0) {
		/* The client waits for a 100 Continue before it sends: no
		 * body will come, and none may follow on this connection. */
		c->resp.close = true;
		return 0;
	}
	status = req->chunked
		 ? read_chunked_body(c, NULL, body_limit(c), &ignored)
		 : read_length_body(c, NULL);
	if (status != 0)
		body_failed(c);
	return status;
}

static const char *body_error_reason(int status)
{
	switch (status) {
	case 413:
		return "The request body is larger than LimitRequestBody "
		       "allows.";
	case 408:
		return "The request body did not arrive within Timeout.";
	case 400:
		return "The request body ended early or its chunked framing "
		       "is broken.";
	default:
		return NULL;
	}
}

/* ---- Processing and sending ---- */

static bool decide_keep_alive(struct conn *c, long *max_left)
{
	const struct config *cfg = cfg_of(c);
	long served = (long)c->requests + 1;

	*max_left = -1;
	if (!cfg->keep_alive || !c->req.keep_alive || c->resp.close)
		return false;
	if (cfg->keep_alive_timeout_ms == 0 && c->len <= c->req.head_length +
	    c->body_consumed)
		return false;
	/* MaxKeepAliveRequests N: at most N requests on one connection (the
	 * Nth response says "Connection: close"), as the manual words it;
	 * httpd's own code lets one more through. */
	if (cfg->max_keep_alive_requests > 0) {
		*max_left = cfg->max_keep_alive_requests - served;
		if (*max_left <= 0)
			return false;
	}
	/* A stopping process offers no more keep-alive. An atomic, read once
	 * a request (lifecycle.c); c->wake_fd is for waking a sleeping wait. */
	return stop_requested() == STOP_NONE;
}

/* Run the handler, then make sure the body is gone before answering. */
static void run_handler(struct conn *c)
{
	struct body_reader body = { read_whole_body, c };
	int status;

	c->resp.head_only = c->req.method_id == HTTP_METHOD_HEAD;
	/* 'W' from here on, as in Apache: the handler's time (a /lab/sleep,
	 * a /lab/spin, rendering /server-status) is part of writing. */
	if (c->sb != NULL)
		sb_set_state(c->sb, SB_WRITE);
	handle_request(c->srv, &c->req, &body, &c->resp);
	if (c->body_done)
		return;
	status = discard_body(c);
	if (status != 0)
		conn_answer_error(c, status, body_error_reason(status));
}

void conn_process(struct conn *c)
{
	struct response_conn_info ci = { .max_left = -1 };

	if (!c->answered)
		run_handler(c);
	if (!c->answered)
		c->keep_alive = decide_keep_alive(c, &ci.max_left);
	ci.keep_alive = c->keep_alive;
	ci.timeout_s = (cfg_of(c)->keep_alive_timeout_ms + 999) / 1000;
	ci.http10 = c->req.version_minor == 0;
	if (!c->keep_alive)
		c->resp.close = true;
	response_finish(&c->resp, &ci);
	if (c->sb != NULL)
		sb_set_state(c->sb, SB_WRITE);
}

enum conn_io conn_send(struct conn *c)
{
	switch (response_send(c->fd, &c->resp)) {
	case SEND_DONE:
		return CONN_IO_DONE;
	case SEND_AGAIN:
		return CONN_IO_AGAIN;
	default:
		return CONN_IO_ERROR;
	}
}

bool conn_finish_request(struct conn *c)
{
	size_t used = c->req.head_length + c->body_consumed;
	bool keep = c->keep_alive;

	log_access(&c->req, &c->resp, c->peer);
	if (c->sb != NULL)
		sb_request_done(c->sb, c->resp.bytes_sent);
	c->requests++;
	if (used > c->len)
		used = c->len;
	memmove(c->buf, c->buf + used, c->len - used);
	c->len -= used;
	/* Unread pipelined bytes when we close: linger, or they cause a
	 * reset that may destroy the response. */
	if (!keep && c->len > 0)
		c->lingering = true;
	response_reset(&c->resp);
	http_parser_init(&c->parser, &c->parser.limits);
	http_request_clear(&c->req);
	c->head_complete = c->answered = false;
	c->body_consumed = 0;
	c->body_done = false;
	c->keep_alive = false;
	c->request_start_ms = c->idle_since_ms = now_monotonic_ms();
	return keep;
}

/* ---- The blocking loop (prefork, worker) ---- */

/* Wait for a whole head. Between requests (nothing buffered) the wait is
 * KeepAliveTimeout and the slot shows 'K'; once bytes arrive, the whole
 * head must come within Timeout. A new connection is always given its
 * first request, even when the process is stopping: its client has been
 * accepted and is waiting for an answer. */
static enum conn_io read_head_blocking(struct conn *c)
{
	const struct config *cfg = cfg_of(c);

	for (;;) {
		enum conn_io io = conn_read_head(c);
		if (io != CONN_IO_AGAIN)
			return io;
		bool between = c->len == 0 && c->requests > 0;
		int64_t deadline = between
			? c->idle_since_ms + cfg->keep_alive_timeout_ms
			: c->request_start_ms + cfg->timeout_s * 1000;
		if (c->sb != NULL)
			sb_set_state(c->sb, between ? SB_KEEPALIVE : SB_READ);
		/* An idle keep-alive connection closes at once on TERM. In a
		 * graceful stop it waits on for its next request (answered
		 * with "Connection: close") or KeepAliveTimeout: its client
		 * may be sending that request now, and a close would lose
		 * it. So the wake-up is watched only until the stop begins. */
		int r = net_wait(c->fd, POLLIN, ms_left(deadline),
				 between && stop_requested() == STOP_NONE ?
				 c->wake_fd : -1);
		if (r == 1)
			continue;
		if (r < 0 && errno == EINTR &&
		    !(between && stop_requested() == STOP_NOW))
			continue;
		if (r == 0 && c->len > 0) {
			conn_answer_error(c, 408, "The request did not arrive "
					  "within Timeout.");
			return CONN_IO_DONE;
		}
		return CONN_IO_CLOSED;
	}
}

static enum conn_io send_blocking(struct conn *c)
{
	int64_t deadline = now_monotonic_ms() + cfg_of(c)->timeout_s * 1000;

	for (;;) {
		enum conn_io io = conn_send(c);
		if (io != CONN_IO_AGAIN)
			return io;
		int r = net_wait(c->fd, POLLOUT, ms_left(deadline), -1);
		if (r == 0)
			return CONN_IO_ERROR; /* a reader too slow for Timeout */
		if (r < 0 && errno != EINTR)
			return CONN_IO_ERROR;
	}
}

void conn_serve(struct conn *c)
{
	if (c->sb != NULL) {
		sb_connection_start(c->sb, c->peer);
		sb_set_state(c->sb, SB_READ);
	}
	for (;;) {
		if (read_head_blocking(c) != CONN_IO_DONE)
			break;
		conn_process(c);
		if (send_blocking(c) != CONN_IO_DONE) {
			c->lingering = false;
			break;
		}
		if (!conn_finish_request(c))
			break;
	}
	if (c->sb != NULL)
		sb_set_state(c->sb, SB_CLOSING);
}
