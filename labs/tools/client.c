/*
 * client.c - one loadgen thread: an epoll loop over its connections.
 *
 * What it teaches: a client that must not be the bottleneck is built like
 * an event server. The thread waits in epoll_wait() for its sockets and
 * hands each event to the connection's state machine (connection.c). The
 * cost per request on a keep-alive connection is one write() and one
 * read(), plus a share of one epoll_wait(). Timers (response timeouts, the
 * slow clients' next byte, idle holders' next request, reconnect delays)
 * are one deadline per connection, looked at by a scan that runs only when
 * the earliest deadline is due, and at most once a millisecond.
 *
 * Open loop (--rate): requests are due at fixed times whether or not the
 * server kept up; a due request waits for a free connection, and its
 * latency counts from when it was due, not from when it could be sent. A
 * closed-loop client that waits for a slow response before sending the
 * next one quietly skips the requests it would have sent meanwhile, and its
 * percentiles hide the stall ("coordinated omission", Gil Tene; wrk2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

#define MAX_EVENTS 256
#define SCAN_MIN_GAP_NS NS_PER_MS           /* at most 1000 scans a second */
#define LOOP_MAX_WAIT_NS (50 * NS_PER_MS)   /* how soon `stop` is noticed */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void scan_timers(struct loop *l, uint64_t now)
{
	size_t i;

	l->last_scan = now;
	l->next_scan = NEVER;
	for (i = 0; i < l->nconns; i++) {
		struct conn *c = &l->conns[i];

		if (c->wake_at <= now)
			conn_on_timer(l, c, now);
		if (c->wake_at < l->next_scan)
			l->next_scan = c->wake_at;
	}
}

/* Open loop, -n spent: the connections waiting for work are done. */
static void finish_free_list(struct loop *l)
{
	while (l->nfree > 0) {
		struct conn *c = &l->conns[l->free_list[--l->nfree]];

		c->in_free_list = false;
		conn_finish_active(l, c);
	}
}

/* Open loop: hand every request that is due to a free connection. */
static void dispatch_due(struct loop *l, uint64_t now)
{
	while (l->nfree > 0 && !l->out_of_budget) {
		uint64_t due = l->first_due +
			       (uint64_t)((double)l->dispatched *
					  l->interval_ns);
		struct conn *c;

		if (due > now || due >= l->run->end_ns)
			return;
		if (!conn_claim_request(l, due)) {
			finish_free_list(l);
			return;
		}
		c = &l->conns[l->free_list[--l->nfree]];
		c->in_free_list = false;
		l->dispatched++;
		conn_start_request(l, c, due, now);
	}
}

/* The measured window is over: active connections start nothing new. */
static void end_window(struct loop *l)
{
	size_t i;

	l->end_seen = true;
	for (i = 0; i < l->nconns; i++) {
		struct conn *c = &l->conns[i];

		if (c->kind == KIND_ACTIVE &&
		    (c->state == CS_CLOSED || c->state == CS_PARKED))
			conn_finish_active(l, c);
	}
	l->nfree = 0;
}

static uint64_t next_deadline(struct loop *l, uint64_t now)
{
	uint64_t t = now + LOOP_MAX_WAIT_NS;
	uint64_t scan = l->next_scan;

	if (scan < l->last_scan + SCAN_MIN_GAP_NS)
		scan = l->last_scan + SCAN_MIN_GAP_NS;
	if (scan < t)
		t = scan;
	if (!l->end_seen && l->run->end_ns < t)
		t = l->run->end_ns;
	if (l->nfree > 0 && !l->out_of_budget) {
		uint64_t due = l->first_due +
			       (uint64_t)((double)l->dispatched *
					  l->interval_ns);
		if (due < t)
			t = due;
	}
	return t > now ? t : now;
}

static int wait_events(struct loop *l, struct epoll_event *ev, uint64_t wait)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 35)
	static atomic_bool no_pwait2;
	struct timespec ts = { (time_t)(wait / NS_PER_S),
			       (long)(wait % NS_PER_S) };
	int n;

	/* Nanosecond timeouts keep an open-loop schedule accurate. */
	if (!atomic_load(&no_pwait2)) {
		n = epoll_pwait2(l->epfd, ev, MAX_EVENTS, &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		atomic_store(&no_pwait2, true);
	}
#endif
	return epoll_wait(l->epfd, ev, MAX_EVENTS,
			  (int)((wait + NS_PER_MS - 1) / NS_PER_MS));
}

static void handle_event(struct loop *l, const struct epoll_event *ev,
			 uint64_t now)
{
	size_t i = (size_t)(ev->data.u64 & 0xffffffffu);
	struct conn *c;

	if (i >= l->nconns)
		return;
	c = &l->conns[i];
	if (c->fd < 0 || (uint32_t)(ev->data.u64 >> 32) != c->gen)
		return; /* an event for a socket closed since */
	if (ev->events & EPOLLOUT)
		conn_on_writable(l, c, now);
	if (c->fd >= 0 && (uint32_t)(ev->data.u64 >> 32) == c->gen &&
	    (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		conn_on_readable(l, c, now);
}

static void run_loop(struct loop *l)
{
	struct epoll_event events[MAX_EVENTS];

	while (!atomic_load_explicit(&l->run->stop, memory_order_relaxed)) {
		uint64_t now = now_ns();
		int i, n;

		if (!l->end_seen && now >= l->run->end_ns)
			end_window(l);
		if (l->nfree > 0)
			dispatch_due(l, now);
		if (now >= l->next_scan &&
		    now >= l->last_scan + SCAN_MIN_GAP_NS)
			scan_timers(l, now);
		n = wait_events(l, events, next_deadline(l, now) - now);
		if (n < 0 && errno != EINTR) {
			snprintf(l->w->failure, sizeof(l->w->failure),
				 "epoll_wait: %s", strerror(errno));
			return;
		}
		now = now_ns();
		for (i = 0; i < n; i++)
			handle_event(l, &events[i], now);
	}
}

/* Lay out this thread's connections: idle holders first, so they are
 * connecting before the first active request, then slow, then active. */
static int setup(struct loop *l)
{
	struct worker *w = l->w;
	const struct options *opt = l->opt;
	size_t i;

	l->nconns = (size_t)(w->active + w->idle + w->slow);
	l->conns = calloc(l->nconns ? l->nconns : 1, sizeof(*l->conns));
	l->free_list = calloc(w->active ? (size_t)w->active : 1,
			      sizeof(*l->free_list));
	l->rbuf = malloc(READ_BUF_SIZE);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!l->conns || !l->free_list || !l->rbuf || l->epfd < 0) {
		snprintf(w->failure, sizeof(w->failure), "%s",
			 l->epfd < 0 ? "epoll_create1 failed"
				     : "out of memory");
		return -1;
	}
	for (i = 0; i < l->nconns; i++) {
		struct conn *c = &l->conns[i];

		c->fd = -1;
		c->kind = i < (size_t)w->idle ? KIND_IDLE
			  : i < (size_t)(w->idle + w->slow) ? KIND_SLOW
							     : KIND_ACTIVE;
		c->state = CS_CLOSED;
		c->wake_at = l->run->start_ns;
	}
	l->next_scan = l->run->start_ns;
	l->active_live = w->active;
	if (w->active == 0)
		atomic_store(&w->active_finished, true);
	if (opt->rate > 0 && w->active > 0) {
		/* This thread's share of the rate, its first request offset
		 * so that the threads' schedules interleave. */
		double share = opt->rate * (double)w->active /
			       (double)opt->connections;

		l->interval_ns = (double)NS_PER_S / share;
		l->first_due = l->run->start_ns +
			       (uint64_t)((double)NS_PER_S / opt->rate *
					  w->index);
	}
	return 0;
}

/* At the end: how many idle holders were held, how many still waited. */
static void count_holders(struct loop *l)
{
	size_t i;

	for (i = 0; i < l->nconns; i++) {
		const struct conn *c = &l->conns[i];

		if (c->kind != KIND_IDLE)
			continue;
		if (c->state == CS_PARKED)
			l->w->stats.idle_held++;
		else if (c->state == CS_SENDING || c->state == CS_READING)
			l->w->stats.idle_waiting++;
	}
}

static void teardown(struct loop *l)
{
	size_t i;

	for (i = 0; l->conns && i < l->nconns; i++) {
		conn_close_socket(&l->conns[i]);
		free(l->conns[i].carry);
	}
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->conns);
	free(l->free_list);
	free(l->rbuf);
}

void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct loop l = { .w = w, .run = w->run, .opt = w->run->opt,
			  .epfd = -1 };

	if (setup(&l) == 0) {
		run_loop(&l);
		count_holders(&l);
	}
	if (w->failure[0])
		atomic_store(&w->active_finished, true);
	teardown(&l);
	return NULL;
}
