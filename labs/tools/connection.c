/*
 * connection.c - one connection of loadgen, as a state machine.
 *
 * What it teaches: a client connection is a small state machine, the same
 * shape as a connection in an event server (03-event's listener):
 *
 *   CLOSED --start--> SENDING --request written--> READING --response-->
 *      ^                 |  (slow clients: DRIPPING, one byte per tick)
 *      |                 v
 *      +---- error, or the server closes ----+    PARKED (silent, kept open)
 *
 * Three kinds share it: active connections (measured), idle holders and
 * slow clients; they differ only in what happens after a response. Every
 * error is counted by kind, and nothing restarts synchronously after an
 * error, so a server that refuses everything cannot make us recurse or
 * spin. Responses are framed from their head (http_response.c): no body,
 * Content-Length bytes, or until the server closes.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "client.h"

#define CONNECT_RETRY_NS (10 * NS_PER_MS)   /* closed loop, after refusal */
#define HOLDER_RETRY_NS (100 * NS_PER_MS)   /* idle and slow, after errors */

static void set_timer(struct loop *l, struct conn *c, uint64_t at)
{
	c->wake_at = at;
	if (at < l->next_scan)
		l->next_scan = at;
}

void conn_close_socket(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd); /* also leaves the epoll set */
	c->fd = -1;
	c->want_out = false;
	c->connected = false;
	c->carry_len = 0;
}

static void want_output(struct loop *l, struct conn *c, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0) };

	if (c->want_out == on)
		return;
	ev.data.u64 = ((uint64_t)c->gen << 32) | (uint64_t)(c - l->conns);
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = on;
}

void conn_finish_active(struct loop *l, struct conn *c)
{
	conn_close_socket(c);
	c->state = CS_DONE;
	c->wake_at = NEVER;
	if (--l->active_live == 0)
		atomic_store(&l->w->active_finished, true);
}

/* May an active connection start a request at `started`? Warm-up requests
 * are free; counted ones take one from the -n budget. */
bool conn_claim_request(struct loop *l, uint64_t started)
{
	if (started >= l->run->end_ns || l->out_of_budget)
		return false;
	if (l->opt->requests == 0 || started < l->run->measure_ns)
		return true;
	if (atomic_fetch_sub(&l->run->budget, 1) > 0)
		return true;
	l->out_of_budget = true;
	return false;
}

/* An active connection is free: in closed loop it sends its next request
 * now; in open loop it waits in the free list for the next due one. */
static void active_next(struct loop *l, struct conn *c, uint64_t now)
{
	if (now >= l->run->end_ns || l->out_of_budget) {
		conn_finish_active(l, c);
		return;
	}
	if (l->opt->rate > 0) {
		c->state = c->fd >= 0 ? CS_PARKED : CS_CLOSED;
		c->wake_at = NEVER;
		if (!c->in_free_list) {
			c->in_free_list = true;
			l->free_list[l->nfree++] = (size_t)(c - l->conns);
		}
		return;
	}
	if (!conn_claim_request(l, now)) {
		conn_finish_active(l, c);
		return;
	}
	conn_start_request(l, c, now, now);
}

/* Is this outcome part of the results? Those that come after the warm-up,
 * of requests started before the end of the window: a request stuck since
 * the warm-up counts when it finally fails, and one started just before
 * the end counts when it completes. */
static bool counts(const struct loop *l, const struct conn *c, uint64_t now)
{
	return now >= l->run->measure_ns && c->started < l->run->end_ns;
}

static void count_error(struct loop *l, struct conn *c, enum err_kind kind,
			uint64_t now)
{
	struct stats *s = &l->w->stats;

	if (c->kind == KIND_IDLE) {
		s->idle_errors++;
	} else if (c->kind == KIND_SLOW) {
		s->slow_errors++;
	} else if (counts(l, c, now)) {
		s->errors[kind]++;
		atomic_fetch_add_explicit(&l->w->progress_errors, 1,
					  memory_order_relaxed);
	}
}

/* The current request failed: count it, drop the socket, and decide when
 * this connection tries again. Never restarts synchronously, so a server
 * that fails every attempt at once cannot recurse us into the ground. */
static void conn_fail(struct loop *l, struct conn *c, enum err_kind kind,
		      uint64_t now)
{
	count_error(l, c, kind, now);
	conn_close_socket(c);
	c->state = CS_CLOSED;
	if (c->kind != KIND_ACTIVE)
		set_timer(l, c, now + HOLDER_RETRY_NS);
	else if (l->opt->rate > 0)
		active_next(l, c, now); /* the schedule paces retries */
	else
		set_timer(l, c, now + (kind == ERR_CONNECT ? CONNECT_RETRY_NS
							   : 0));
}

static enum err_kind classify(int err, bool connected)
{
	if (err == ECONNRESET)
		return ERR_RESET;
	if (!connected)
		return ERR_CONNECT;
	return ERR_READ;
}

static int open_socket(struct loop *l, struct conn *c)
{
	const struct options *opt = l->opt;
	struct epoll_event ev = { .events = EPOLLIN };
	int one = 1;

	c->fd = socket(opt->addr.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	c->gen++;
	/* The request goes out in one write; slow clients' single bytes
	 * must not wait for an ACK either. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->connected = false;
	if (connect(c->fd, (const struct sockaddr *)&opt->addr,
		    opt->addrlen) == 0)
		c->connected = true;
	else if (errno != EINPROGRESS)
		goto fail;
	ev.data.u64 = ((uint64_t)c->gen << 32) | (uint64_t)(c - l->conns);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		goto fail;
	c->want_out = false;
	return 0;
fail:
	conn_close_socket(c);
	return -1;
}

/* Write what is left of the request. On loopback the handshake is usually
 * done by the time connect() returns, so we try at once and wait for
 * EPOLLOUT only when the kernel says EAGAIN. */
static void send_request(struct loop *l, struct conn *c, uint64_t now)
{
	const struct options *opt = l->opt;

	while (c->sent < opt->request_len) {
		ssize_t n = send(c->fd, opt->request + c->sent,
				 opt->request_len - c->sent, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			want_output(l, c, true);
			return;
		}
		if (n < 0) {
			enum err_kind k = classify(errno, c->connected);

			conn_fail(l, c, k == ERR_READ ? ERR_WRITE : k, now);
			return;
		}
		c->connected = true;
		c->sent += (size_t)n;
	}
	want_output(l, c, false);
	c->state = CS_READING;
}

/* A slow client's next byte, at each tick; the response timeout starts
 * once the last byte is out. */
static void drip_byte(struct loop *l, struct conn *c, uint64_t now)
{
	const struct options *opt = l->opt;
	ssize_t n = send(c->fd, opt->request + c->sent, 1, MSG_NOSIGNAL);

	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		conn_fail(l, c, classify(errno, c->connected), now);
		return;
	}
	if (n == 1) {
		c->connected = true;
		c->sent++;
	}
	if (c->sent < opt->request_len) {
		set_timer(l, c, now + opt->slow_every_ns);
		return;
	}
	c->state = CS_READING;
	set_timer(l, c, now + opt->timeout_ns);
}

void conn_start_request(struct loop *l, struct conn *c, uint64_t started,
			  uint64_t now)
{
	const struct options *opt = l->opt;

	c->started = started;
	c->sent = 0;
	c->in_head = true;
	c->received = 0;
	c->carry_len = 0;
	if (c->fd < 0 && open_socket(l, c) < 0) {
		conn_fail(l, c, ERR_CONNECT, now);
		return;
	}
	if (c->kind == KIND_SLOW) {
		c->state = CS_DRIPPING;
		drip_byte(l, c, now);
		return;
	}
	/* Idle holders wait as long as it takes: that wait is the lesson. */
	set_timer(l, c, c->kind == KIND_IDLE ? NEVER
					      : started + opt->timeout_ns);
	c->state = CS_SENDING;
	send_request(l, c, now);
}

/* A complete response: count it and decide what the connection does next. */
static void response_done(struct loop *l, struct conn *c, uint64_t now)
{
	struct stats *s = &l->w->stats;
	bool ok = c->status >= 200 && c->status < 300;

	if (c->close_after || !l->opt->keepalive)
		conn_close_socket(c);
	if (c->kind == KIND_IDLE) {
		s->idle_requests++;
		s->idle_errors += !ok;
		c->state = c->fd >= 0 ? CS_PARKED : CS_CLOSED;
		if (c->fd < 0)
			s->idle_reconnects++;
		if (c->fd < 0 || l->opt->idle_every_ns == 0)
			set_timer(l, c, c->fd < 0 ? now : NEVER);
		else
			set_timer(l, c, now + l->opt->idle_every_ns);
		return;
	}
	if (c->kind == KIND_SLOW) {
		s->slow_requests += ok;
		s->slow_errors += !ok;
		conn_start_request(l, c, now, now);
		return;
	}
	if (counts(l, c, now)) {
		s->requests++;
		s->bytes += c->received;
		s->last_done_ns = now;
		hist_record(&s->latency, now - c->started);
		if (!ok)
			s->errors[ERR_STATUS]++;
		atomic_fetch_add_explicit(&l->w->progress_requests, 1,
					  memory_order_relaxed);
		if (!ok)
			atomic_fetch_add_explicit(&l->w->progress_errors, 1,
						  memory_order_relaxed);
	}
	active_next(l, c, now);
}

static void protocol_error(struct loop *l, struct conn *c, const char *why,
			   uint64_t now)
{
	if (!atomic_flag_test_and_set(&l->run->protocol_said))
		fprintf(stderr, "loadgen: %s: counted as protocol errors\n",
			why);
	conn_fail(l, c, ERR_PROTOCOL, now);
}

/* The head is complete: how long is the body? */
static bool frame_body(struct loop *l, struct conn *c,
		       const struct resp_head *h, uint64_t now)
{
	c->status = h->status;
	c->close_after = h->close;
	c->in_head = false;
	if (l->opt->head_request || h->status == 204 || h->status == 304) {
		c->body = BODY_NONE;
	} else if (h->chunked) {
		protocol_error(l, c, "the server sent a chunked body, which "
			       "loadgen does not decode", now);
		return false;
	} else if (h->content_length >= 0) {
		c->body = BODY_LENGTH;
		c->body_left = h->content_length;
	} else {
		c->body = BODY_UNTIL_CLOSE;
		c->close_after = true;
	}
	return true;
}

/* Parse a head from data, or from the carry buffer when an earlier read
 * left part of it. Returns the bytes of data it used, or -1 if the head
 * is incomplete (data kept) or bad (connection failed). */
static long take_head(struct loop *l, struct conn *c, const char *data,
		      size_t n, uint64_t now)
{
	size_t old = c->carry_len;
	const char *buf = data, *why = NULL;
	struct resp_head h;
	enum resp_result r;

	if (old > 0) {
		size_t add = n < RESP_HEAD_MAX - old ? n : RESP_HEAD_MAX - old;

		memcpy(c->carry + old, data, add);
		c->carry_len += add;
		buf = c->carry;
		n = c->carry_len;
	}
	r = resp_parse_head(buf, n, &h, &why);
	if (r == RESP_BAD) {
		protocol_error(l, c, why, now);
		return -1;
	}
	if (r == RESP_INCOMPLETE) {
		/* Rare: keep the part (shorter than RESP_HEAD_MAX, or the
		 * parser would have said RESP_BAD) for the next read. */
		if (old == 0) {
			if (c->carry == NULL &&
			    (c->carry = malloc(RESP_HEAD_MAX)) == NULL) {
				protocol_error(l, c, "out of memory", now);
				return -1;
			}
			memcpy(c->carry, data, n);
			c->carry_len = n;
		}
		return -1;
	}
	c->carry_len = 0;
	if (h.status >= 100 && h.status < 200 && h.status != 101)
		return (long)(h.head_len - old); /* interim: next head */
	if (!frame_body(l, c, &h, now))
		return -1;
	return (long)(h.head_len - old);
}

/* Bytes of the response arrived. */
static void consume(struct loop *l, struct conn *c, const char *data,
		    size_t n, uint64_t now)
{
	c->received += n;
	while (n > 0 && c->in_head) {
		long used = take_head(l, c, data, n, now);

		if (used < 0)
			return;
		data += used;
		n -= (size_t)used;
	}
	if (c->in_head)
		return;
	if (c->body == BODY_UNTIL_CLOSE)
		return;
	if (c->body == BODY_LENGTH) {
		size_t take = (unsigned long long)c->body_left < n ?
			      (size_t)c->body_left : n;

		c->body_left -= (long long)take;
		n -= take;
		if (c->body_left > 0)
			return;
	}
	if (n > 0) {
		protocol_error(l, c, "bytes after the end of a response", now);
		return;
	}
	response_done(l, c, now);
}

/* The server closed a connection. */
static void on_eof(struct loop *l, struct conn *c, uint64_t now)
{
	if (c->state == CS_READING && !c->in_head &&
	    c->body == BODY_UNTIL_CLOSE) {
		response_done(l, c, now);
		return;
	}
	if (c->state != CS_PARKED) {
		conn_fail(l, c, ERR_READ, now);
		return;
	}
	/* A silent connection timed out on the server (KeepAliveTimeout):
	 * not an error. A holder comes back at once, so M stay held. */
	conn_close_socket(c);
	c->state = CS_CLOSED;
	if (c->kind == KIND_IDLE) {
		l->w->stats.idle_reconnects++;
		set_timer(l, c, now);
	}
}

void conn_on_readable(struct loop *l, struct conn *c, uint64_t now)
{
	ssize_t n = recv(c->fd, l->rbuf, READ_BUF_SIZE, 0);

	if (n > 0) {
		c->connected = true;
		if (c->state == CS_PARKED) {
			protocol_error(l, c, "bytes nobody asked for", now);
			return;
		}
		consume(l, c, l->rbuf, (size_t)n, now);
	} else if (n == 0) {
		on_eof(l, c, now);
	} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
		   errno != EINTR) {
		conn_fail(l, c, classify(errno, c->connected), now);
	}
}

void conn_on_writable(struct loop *l, struct conn *c, uint64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (!c->connected) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0) {
			conn_fail(l, c, ERR_CONNECT, now);
			return;
		}
		c->connected = true;
	}
	if (c->state == CS_SENDING)
		send_request(l, c, now);
	else
		want_output(l, c, false);
}

/* A connection's timer is due. */
void conn_on_timer(struct loop *l, struct conn *c, uint64_t now)
{
	c->wake_at = NEVER;
	switch (c->state) {
	case CS_CLOSED:
	case CS_PARKED:
		if (c->kind == KIND_ACTIVE)
			active_next(l, c, now);
		else
			conn_start_request(l, c, now, now);
		break;
	case CS_SENDING:
	case CS_READING:
		conn_fail(l, c, c->connected ? ERR_TIMEOUT : ERR_CONNECT, now);
		break;
	case CS_DRIPPING:
		drip_byte(l, c, now);
		break;
	case CS_DONE:
		break;
	}
}
