/*
 * listener.c - the event MPM's listener: one thread, one epoll set, and
 * every connection of the child that is waiting for its client.
 *
 * What it teaches: a connection spends most of its life waiting: for the
 * rest of a request head, for the next request (keep-alive), for a slow
 * reader to take the rest of a response, for a client to finish sending
 * while we close. In 02-worker each of those waits holds a thread. Here a
 * waiting connection is a ~150-byte record in this thread's epoll set, and
 * a worker thread is taken only for work that does not wait: a complete
 * request head to run (event.c).
 *
 * Read it as a state machine (drawn in README.md):
 *   - enum conn_state (event.h): where a connection is;
 *   - conn_event(): the one switch, "this connection is ready, or its
 *     time is up: what now?";
 *   - take_back(): where a connection a worker gives back goes next;
 *   - listener_turn(): one turn of the loop: epoll_wait until the nearest
 *     timeout, handle the events, take back, expire, accept or stop
 *     accepting; listener_loop() runs it until a stop is asked for and
 *     listener_drain() through a graceful stop.
 * The lists, the timeout queues (deadline_of()) and the hand-off itself
 * are in queues.c; the keep-alive fast path (the two fastpath_ calls
 * here) in fastpath.c, which a first reading can skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "lifecycle.h"
#include "listener.h"
#include "log.h"
#include "master.h"
#include "net.h"
#include "scoreboard.h"
#include "server.h"
#include "workers.h"

#define MAX_EVENTS 128         /* epoll events taken per wake-up */
#define ACCEPT_BATCH 32        /* accept() calls per socket per wake-up */
#define LINGER_READS 16        /* reads per wake-up, so nobody hogs us */

/* ---- A new connection ---------------------------------------------------- */

static void add_connection(struct listener *l, int fd)
{
	struct ev_conn *ec = calloc(1, sizeof(*ec));
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT };

	if (ec == NULL) {
		log_ratelimited("conn-malloc", 10, "out of memory for a "
				"connection, closing it");
		close(fd);
		return;
	}
	ec->src = (struct source){ .kind = SRC_CONN, .fd = fd };
	ec->state = CS_NEW;
	net_peer_name(fd, ec->peer, sizeof(ec->peer));
	ev.data.ptr = &ec->src;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_ratelimited("epoll-add", 10, "epoll_ctl(ADD): %s",
				strerror(errno));
		close(fd);
		free(ec);
		return;
	}
	l->conns++;
	l->accepted++;
	listener_queue_in(l, ec, CS_READ_HEAD);
}

/* ---- What each state does when its socket is ready ---------------------- */

/* Readable in CS_READ_HEAD or CS_KEEPALIVE: feed the parser what came. */
static void read_head(struct listener *l, struct ev_conn *ec)
{
	bool new_request = ec->conn == NULL || ec->conn->len == 0;
	struct conn *c;

	if (!listener_attach_conn(l, ec)) {
		listener_close_conn(l, ec);
		return;
	}
	c = ec->conn;
	switch (conn_read_head(c)) {
	case CONN_IO_DONE:      /* a whole head, or an error to answer */
		listener_to_worker(l, ec, JOB_PROCESS);
		break;
	case CONN_IO_AGAIN:
		if (c->len == 0) {
			/* nothing came after all */
			listener_detach_if_idle(ec);
			listener_arm(l, ec);
		} else if (new_request || ec->state != CS_READ_HEAD) {
			/* Timeout starts */
			listener_enter_state(l, ec, CS_READ_HEAD);
		} else {
			/* same request: same place in queue */
			listener_arm(l, ec);
		}
		break;
	default:                /* closed by the client, or reset */
		listener_close_conn(l, ec);
		break;
	}
}

/* Writable in CS_WRITE_COMPLETION: send what the socket takes now. */
static void write_more(struct listener *l, struct ev_conn *ec)
{
	switch (conn_send(ec->conn)) {
	case CONN_IO_DONE:      /* a worker logs it and goes on */
		listener_to_worker(l, ec, JOB_FINISH);
		break;
	case CONN_IO_AGAIN:     /* progress: back to the tail, new Timeout */
		listener_enter_state(l, ec, CS_WRITE_COMPLETION);
		break;
	default:
		listener_close_conn(l, ec);
		break;
	}
}

/* Readable in CS_LINGER: drop what the client still sends. */
static void linger_read(struct listener *l, struct ev_conn *ec)
{
	char sink[4096];
	int i;

	for (i = 0; i < LINGER_READS; i++) {
		ssize_t n = recv(ec->src.fd, sink, sizeof(sink), 0);

		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		listener_close_conn(l, ec);  /* EOF (or an error): done */
		return;
	}
	if (l->now >= ec->linger_end_ms)
		listener_close_conn(l, ec);
	else
		listener_enter_state(l, ec, CS_LINGER);
}

/* Timeout in CS_READ_HEAD. Part of a head came: a worker answers 408 and
 * closes (as conn_serve does in prefork and worker). Nothing came: close
 * without a word. */
static void read_timed_out(struct listener *l, struct ev_conn *ec)
{
	if (ec->conn && ec->conn->len > 0)
		listener_to_worker(l, ec, JOB_TIMEOUT);
	else
		listener_close_conn(l, ec);
}

/* The state machine: a connection is ready (or its time is up). */
static void conn_event(struct listener *l, struct ev_conn *ec,
		       bool timed_out)
{
	switch (ec->state) {
	case CS_READ_HEAD:
		if (timed_out)
			read_timed_out(l, ec);
		else
			read_head(l, ec);
		break;
	case CS_KEEPALIVE:
		if (timed_out)
			listener_close_conn(l, ec);
		else
			read_head(l, ec);
		break;
	case CS_WRITE_COMPLETION:   /* timed out: a reader too slow */
		if (timed_out)
			listener_close_conn(l, ec);
		else
			write_more(l, ec);
		break;
	case CS_LINGER:
		if (timed_out)
			listener_close_conn(l, ec);
		else
			linger_read(l, ec);
		break;
	case CS_IN_WORKER:
		/* Armed by its worker (the fast path): a request came. */
		if (!timed_out)
			fastpath_note_request(l, ec);
		break;
	case CS_NEW:            /* never: it enters CS_READ_HEAD at once */
	case CS_WAIT_WORKER:
	case CS_CLOSED:
	case CS_COUNT:
		/* A stale event (it was armed when a timeout sent it to a
		 * worker): EPOLLONESHOT has disarmed it; ignore. */
		break;
	}
}

/* BEGIN SOLUTION event-keepalive: stubs/expire_timeouts.c */
/* Everything at the head of a timeout queue whose time has come. */
static void expire_timeouts(struct listener *l)
{
	struct ev_conn *ec;
	int s;

	for (s = 0; s < CS_COUNT; s++) {
		if (!state_has_timeout(s))
			continue;
		while ((ec = l->lists[s].head) != NULL &&
		       ec->expires_ms <= l->now)
			conn_event(l, ec, true);
	}
}
/* END SOLUTION */

/* ---- Connections coming back from worker threads ---------------------- */

static void start_linger(struct listener *l, struct ev_conn *ec)
{
	listener_drop_conn(ec);
	/* Our FIN first; then what the client still sends is read and
	 * dropped, so the kernel has no unread data to answer with a reset
	 * that could destroy the response before the client reads it. */
	if (shutdown(ec->src.fd, SHUT_WR) < 0) {
		listener_close_conn(l, ec);
		return;
	}
	ec->linger_end_ms = l->now + LINGER_TOTAL_MS;
	listener_enter_state(l, ec, CS_LINGER);
}

/* Closing an idle keep-alive connection to make room: unless the
 * client's next request has just arrived (then it is served). Looking
 * first makes the race that every keep-alive close has with a client's
 * next request much shorter. */
static void close_unless_request_came(struct listener *l, struct ev_conn *ec)
{
	char byte;

	if (recv(ec->src.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 1)
		read_head(l, ec);       /* leaves CS_KEEPALIVE: bytes came */
	else
		listener_close_conn(l, ec);
}

/* BEGIN SOLUTION event-keepalive: stubs/take_back.c */
/* A keep-alive connection that its worker armed already (fastpath.c,
 * fastpath_worker_arms): into the KeepAliveTimeout queue, without arming. */
static void take_back_armed(struct listener *l, struct ev_conn *ec,
			    bool request_came)
{
	listener_queue_in(l, ec, CS_KEEPALIVE);
	if (request_came)
		read_head(l, ec);       /* its epoll event came and went */
}

static void take_back(struct listener *l, struct ev_conn *ec)
{
	bool request_came = fastpath_take_request(l, ec);

	switch (ec->verdict) {
	case CS_KEEPALIVE:
		if (ec->armed_by_worker) {
			take_back_armed(l, ec, request_came);
			break;
		}
		/* Stopping gracefully too: see listener_drain. */
		listener_detach_if_idle(ec);
		listener_enter_state(l, ec, CS_KEEPALIVE);
		break;
	case CS_READ_HEAD:
	case CS_WRITE_COMPLETION:
		listener_enter_state(l, ec, ec->verdict);
		break;
	case CS_LINGER:
		start_linger(l, ec);
		break;
	default:
		listener_close_conn(l, ec);
		break;
	}
}
/* END SOLUTION */

static void take_back_all(struct listener *l)
{
	struct ev_conn *ec = listener_take_handed_back(l), *next;

	for (; ec != NULL; ec = next) {
		next = ec->handback_next;
		take_back(l, ec);
	}
}

/* ---- Accepting ---------------------------------------------------------- */

/* Apache's AsyncRequestWorkerFactor: a child takes new connections while
 * those it has (lingering ones aside) stay below ThreadsPerChild +
 * factor * idle threads. Beyond that, new clients wait in the kernel's
 * backlog, where a child with more idle threads can take them. */
static long connection_limit(const struct listener *l, long idle)
{
	double factor = l->srv->cfg.async_request_worker_factor;

	return l->threads + (long)(factor * (double)idle);
}

/* Connections that count against the limit: lingering ones do not. */
static long counted_connections(const struct listener *l)
{
	return (long)l->conns - (long)l->lists[CS_LINGER].count;
}

static bool below_connection_limit(const struct listener *l)
{
	long idle = l->threads - (long)l->lists[CS_IN_WORKER].count;

	return counted_connections(l) < connection_limit(l, idle);
}

/* The descriptor reserve (net.c): a new connection needs a descriptor,
 * and each request a worker thread runs may open a file. Short of them,
 * pause accepting for a moment (the wake-up is in next_timeout_ms). */
static bool descriptors_left(struct listener *l)
{
	long files = (long)l->conns + 1;

	if (files > l->threads)
		files = l->threads;
	if (net_descriptors_for((int)files))
		return true;
	l->accept_paused_until = l->now + NET_ACCEPT_BACKOFF_MS;
	return false;
}

/* Put the listening sockets in the epoll set, or take them out. With
 * EPOLLEXCLUSIVE the kernel wakes one of the children waiting on a socket
 * for a new connection, not every child (README.md says why not
 * SO_REUSEPORT). */
static void update_accepting(struct listener *l)
{
	bool want = stop_requested() == STOP_NONE &&
		    l->now >= l->accept_paused_until &&
		    below_connection_limit(l) && descriptors_left(l);
	int i;

	if (want == l->accepting)
		return;
	for (i = 0; i < l->listen_count; i++) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE,
					  .data.ptr = &l->listen_src[i] };
		int op = want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL;

		if (epoll_ctl(l->epfd, op, l->listen_src[i].fd, &ev) < 0)
			log_error("epoll_ctl(%s listening socket): %s",
				  want ? "ADD" : "DEL", strerror(errno));
	}
	l->accepting = want;
	sb_proc_set_accepting(l->proc, want);
}

/* Is a client waiting in the kernel's backlog of a listening socket? */
static bool newcomer_waiting(const struct listener *l)
{
	struct pollfd pfd[CONFIG_MAX_LISTEN];
	int i;

	for (i = 0; i < l->listen_count; i++)
		pfd[i] = (struct pollfd){ .fd = l->listen_src[i].fd,
					  .events = POLLIN };
	return poll(pfd, (nfds_t)l->listen_count, 0) > 0;
}

/* A child full even if all its threads were idle, while a client waits
 * in the backlog that no other child takes: while the master can, it
 * spawns a child for it (a starting child counts as accepting). When it
 * cannot (ServerLimit, MaxRequestWorkers), close the oldest idle
 * keep-alive connections, those nearest their KeepAliveTimeout anyway,
 * until one more fits. An idle client loses nothing (it reconnects for
 * its next request, as HTTP allows); a newcomer never waits behind idle
 * ones. A child full only because its threads are busy for a moment
 * closes nothing: the threads finish, and it accepts again. */
static void make_room_for_newcomer(struct listener *l)
{
	long full = connection_limit(l, l->threads);

	if (l->accepting || stop_requested() != STOP_NONE ||
	    l->now < l->accept_paused_until ||
	    counted_connections(l) < full ||
	    l->lists[CS_KEEPALIVE].head == NULL ||
	    sb_other_child_accepting(the_scoreboard, l->proc) ||
	    master_could_spawn(l->srv) || !newcomer_waiting(l))
		return;
	while (l->lists[CS_KEEPALIVE].head && counted_connections(l) >= full)
		close_unless_request_came(l, l->lists[CS_KEEPALIVE].head);
}

/* accept() failed: out of descriptors or memory means the connection
 * stays in the backlog and would wake us again at once; pause instead of
 * spinning. */
static void accept_failed(struct listener *l, int why)
{
	if (why != NET_ACCEPT_BACKOFF)
		return;
	l->accept_paused_until = l->now + NET_ACCEPT_BACKOFF_MS;
	update_accepting(l);
}

static void accept_connections(struct listener *l, int listen_fd)
{
	int i;

	/* A stop asked for: the loop ends, stop_gracefully() (event.c)
	 * follows. */
	for (i = 0; i < ACCEPT_BATCH && l->accepting &&
		    stop_requested() == STOP_NONE; i++) {
		int fd = net_accept(listen_fd);

		if (fd < 0) {
			accept_failed(l, fd);
			return;
		}
		add_connection(l, fd);
		child_reached_max_connections(l->srv, l->accepted);
		update_accepting(l);    /* at the limit: stop here */
	}
}

/* ---- The loop ----------------------------------------------------------- */

/* Apache's event columns of /server-status, for this process. */
static void publish_counts(struct listener *l)
{
	uint32_t now[4] = { l->conns, l->lists[CS_WRITE_COMPLETION].count,
			    l->lists[CS_KEEPALIVE].count,
			    l->lists[CS_LINGER].count };

	if (memcmp(now, l->shown, sizeof(now)) == 0)
		return;
	memcpy(l->shown, now, sizeof(now));
	sb_proc_set_conns(l->proc, now[0], now[1], now[2], now[3]);
}

/* One turn: sleep until an event or the nearest timeout, handle the
 * events, take back what workers gave back, expire, hand out work, and
 * accept or stop accepting. */
static void listener_turn(struct listener *l)
{
	struct epoll_event events[MAX_EVENTS];
	bool woken = false;
	int i, n;

	publish_counts(l);
	n = epoll_wait(l->epfd, events, MAX_EVENTS, fastpath_sleep_ms(l));
	fastpath_awake(l);
	if (n < 0 && errno != EINTR) {
		log_error("epoll_wait: %s", strerror(errno));
		stop_request(STOP_NOW);
		return;
	}
	l->now = now_monotonic_ms();
	/* Each event touches only its own connection, so none of the later
	 * events in this batch can point to a freed one. */
	for (i = 0; i < n; i++) {
		struct source *src = events[i].data.ptr;

		switch (src->kind) {
		case SRC_CONN:
			conn_event(l, (struct ev_conn *)src, false);
			break;
		case SRC_LISTEN:
			accept_connections(l, src->fd);
			break;
		case SRC_WAKE:
			woken = true;
			break;
		case SRC_HANDBACK:
			listener_drain_handback(l);
			break;
		}
	}
	if (woken)
		lifecycle_drain_wake();
	if (stop_requested() == STOP_NOW)
		return;
	take_back_all(l);       /* woken for it or not */
	expire_timeouts(l);
	listener_dispatch(l);
	make_room_for_newcomer(l);
	update_accepting(l);
}

static void listener_loop(struct listener *l, struct worker_pool *pool)
{
	l->pool = pool;
	l->now = now_monotonic_ms();
	update_accepting(l);
	while (stop_requested() == STOP_NONE)
		listener_turn(l);
}

/* ---- Graceful stop ------------------------------------------------------ */

static void listener_stop_accepting(struct listener *l)
{
	update_accepting(l);    /* a stop is asked for: out of the epoll set */
}

/* Every connection finishes. An idle keep-alive connection is kept too,
 * until its next request (answered with "Connection: close") or its
 * KeepAliveTimeout: closing it could cross a request its client is
 * sending right now, which would be lost. */
static bool listener_drain(struct listener *l)
{
	while (l->conns > 0) {
		if (stop_requested() == STOP_NOW)
			return false;
		listener_turn(l);
	}
	return stop_requested() != STOP_NOW;
}

/* ---- Setting up and tearing down ---------------------------------------- */

static void listener_destroy(struct listener *l);

static bool watch(struct listener *l, struct source *src)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = src };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, src->fd, &ev) == 0;
}

static struct listener *listener_create(struct server *srv, int slot)
{
	struct listener *l = calloc(1, sizeof(*l));
	int i;

	if (l == NULL) {
		log_error("listener: out of memory");
		return NULL;
	}
	l->srv = srv;
	l->proc = scoreboard_process(the_scoreboard, slot);
	l->threads = (int)srv->cfg.threads_per_child;
	l->wake_src = (struct source){ SRC_WAKE, lifecycle_wake_fd[0] };
	l->handback_src = (struct source){ SRC_HANDBACK, -1 };
	l->listen_count = srv->listen_count;
	for (i = 0; i < srv->listen_count; i++)
		l->listen_src[i] = (struct source){ SRC_LISTEN,
						     srv->listen_fds[i] };
	pthread_mutex_init(&l->handback_lock, NULL);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->handback_src.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->epfd < 0 || l->handback_src.fd < 0 ||
	    !watch(l, &l->wake_src) || !watch(l, &l->handback_src)) {
		log_error("listener: epoll/eventfd: %s", strerror(errno));
		listener_destroy(l);
		return NULL;
	}
	return l;
}

/* After a graceful stop (no connection is left, the pool has stopped). */
static void listener_destroy(struct listener *l)
{
	int s;

	for (s = 0; s < CS_COUNT; s++)
		while (l->lists[s].head)
			listener_close_conn(l, l->lists[s].head);
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->handback_src.fd >= 0)
		close(l->handback_src.fd);
	pthread_mutex_destroy(&l->handback_lock);
	free(l);
}

const struct listener_ops event_listener = {
	listener_create, listener_loop, listener_stop_accepting,
	listener_drain, listener_destroy,
};
