/*
 * queues.c - where a connection of the event listener waits: one list per
 * state, the timeout queues, and the hand-off to worker threads and back.
 *
 * What it teaches: timeouts without scanning every connection. Each state
 * that waits for a client has one timeout (deadline_of() below is the one
 * place that decides them), and a connection enters its state's list at
 * the tail with "now + that timeout". So every list is in expiry order,
 * and what has expired is found by looking at the head of each list: a
 * FIFO per timeout value, as Apache's event has. Moving a connection is
 * two pointer updates; a connection is in exactly one list at any time.
 *
 * The hand-off: the listener pushes a connection onto the pool's queue
 * only while a thread is free (so the push never blocks it), and a worker
 * gives a connection back through a mutex-protected list plus an eventfd
 * that wakes epoll_wait() (listener_hand_back()); fastpath.c spares most
 * of those wake-ups. Used by listener.c (the loop and the state machine)
 * and event.c (the worker's side of the hand-off).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "clock.h"
#include "lifecycle.h"
#include "listener.h"
#include "log.h"
#include "scoreboard.h"
#include "server.h"
#include "workers.h"

#define LISTENER_TICK_MS 1000  /* longest sleep, a safety net */
#define FULL_LOOK_MS 100       /* a full child looks at the backlog */

/* ---- Lists and timeout queues ------------------------------------------ */

static void list_append(struct conn_list *q, struct ev_conn *ec)
{
	ec->next = NULL;
	ec->prev = q->tail;
	if (q->tail)
		q->tail->next = ec;
	else
		q->head = ec;
	q->tail = ec;
	q->count++;
}

static void list_remove(struct conn_list *q, struct ev_conn *ec)
{
	if (ec->prev)
		ec->prev->next = ec->next;
	else
		q->head = ec->next;
	if (ec->next)
		ec->next->prev = ec->prev;
	else
		q->tail = ec->prev;
	ec->prev = ec->next = NULL;
	q->count--;
}

/* BEGIN SOLUTION event-keepalive: stubs/deadline_of.c */
/* The one place where timeouts are decided: when must a connection that
 * enters its state now leave it, if its client does nothing? Each state
 * has one timeout, so entering at the tail keeps each queue in order. */
static int64_t deadline_of(const struct listener *l, const struct ev_conn *ec)
{
	const struct config *cfg = &l->srv->cfg;
	int64_t timeout_ms = cfg->timeout_s * 1000;

	switch (ec->state) {
	case CS_READ_HEAD:
		/* Timeout counts from the first byte of the request (conn.c
		 * records it), or from accept() while nothing has come. A
		 * slowloris trickling bytes gains nothing. */
		if (ec->conn && ec->conn->len > 0)
			return ec->conn->request_start_ms + timeout_ms;
		return l->now + timeout_ms;
	case CS_KEEPALIVE:
		/* From the end of the response (the worker notes when). */
		return ec->handed_back_ms + cfg->keep_alive_timeout_ms;
	case CS_WRITE_COMPLETION:
		return l->now + timeout_ms;  /* since the last progress */
	case CS_LINGER:
		return l->now + LINGER_READ_MS;
	default:
		return INT64_MAX;            /* waits for us, not the client */
	}
}
/* END SOLUTION */

bool state_has_timeout(enum conn_state s)
{
	return s == CS_READ_HEAD || s == CS_KEEPALIVE ||
	       s == CS_WRITE_COMPLETION || s == CS_LINGER;
}

/* How long epoll_wait() may sleep: until the nearest expiry, which is at
 * the head of some queue. */
int listener_next_timeout_ms(const struct listener *l)
{
	int64_t now = now_monotonic_ms(), wake = now + LISTENER_TICK_MS;
	bool running = stop_requested() == STOP_NONE;
	int s;

	for (s = 0; s < CS_COUNT; s++)
		if (state_has_timeout(s) && l->lists[s].head &&
		    l->lists[s].head->expires_ms < wake)
			wake = l->lists[s].head->expires_ms;
	if (!l->accepting && running && l->accept_paused_until > now &&
	    l->accept_paused_until < wake)
		wake = l->accept_paused_until;
	/* Full: look for a newcomer in the backlog now and then
	 * (listener.c, make_room_for_newcomer). */
	if (!l->accepting && running && l->lists[CS_KEEPALIVE].head &&
	    now + FULL_LOOK_MS < wake)
		wake = now + FULL_LOOK_MS;
	return wake > now ? (int)(wake - now) : 0;
}

/* ---- Moving a connection between states -------------------------------- */

/* The epoll events a connection waits for in each state. EPOLLONESHOT:
 * an event disarms the socket until we arm it again, so a connection
 * that belongs to a worker thread never wakes the listener. */
static uint32_t events_of(enum conn_state s)
{
	switch (s) {
	case CS_READ_HEAD:
	case CS_KEEPALIVE:
	case CS_LINGER:
		return EPOLLIN;
	case CS_WRITE_COMPLETION:
		return EPOLLOUT;
	default:
		return 0;
	}
}

/* Put ec at the tail of its new state's list (a fresh connection has
 * state CS_NEW and is in no list yet). */
void listener_queue_in(struct listener *l, struct ev_conn *ec,
		       enum conn_state s)
{
	if (ec->state != CS_NEW)
		list_remove(&l->lists[ec->state], ec);
	ec->state = s;
	ec->expires_ms = deadline_of(l, ec);
	list_append(&l->lists[s], ec);
}

/* Wait for the events of its state again. On failure ec is closed. */
bool listener_arm(struct listener *l, struct ev_conn *ec)
{
	struct epoll_event ev = {
		.events = events_of(ec->state) | EPOLLONESHOT,
		.data.ptr = &ec->src,
	};

	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, ec->src.fd, &ev) == 0)
		return true;
	log_ratelimited("epoll-mod", 10, "epoll_ctl(MOD): %s",
			strerror(errno));
	listener_close_conn(l, ec);
	return false;
}

/* Every move between states goes through here. */
void listener_enter_state(struct listener *l, struct ev_conn *ec,
			  enum conn_state s)
{
	listener_queue_in(l, ec, s);
	if (events_of(s))
		listener_arm(l, ec);
}

void listener_close_conn(struct listener *l, struct ev_conn *ec)
{
	if (ec->state != CS_NEW)
		list_remove(&l->lists[ec->state], ec);
	listener_drop_conn(ec);
	close(ec->src.fd);      /* also takes it out of the epoll set */
	free(ec);
	l->conns--;
}

/* ---- The struct conn, only while bytes are buffered --------------------- */

/* A connection needs its struct conn once bytes arrive. */
bool listener_attach_conn(struct listener *l, struct ev_conn *ec)
{
	struct conn *c;

	if (ec->conn)
		return true;
	c = malloc(sizeof(*c));
	if (c == NULL) {
		log_ratelimited("conn-malloc", 10, "out of memory for a "
				"connection, closing it");
		return false;
	}
	conn_init_with_peer(c, ec->src.fd, l->srv, ec->peer);
	c->requests = ec->requests;
	c->owner = ec;
	ec->conn = c;
	return true;
}

void listener_drop_conn(struct ev_conn *ec)
{
	if (ec->conn == NULL)
		return;
	ec->requests = ec->conn->requests;
	ec->conn->fd = -1;  /* the record owns the socket */
	conn_close(ec->conn);
	free(ec->conn);
	ec->conn = NULL;
}

/* An idle connection gives its struct conn back: keep-alive then costs
 * only the record (and the kernel's socket). */
void listener_detach_if_idle(struct ev_conn *ec)
{
	if (ec->conn && ec->conn->len == 0)
		listener_drop_conn(ec);
}

/* ---- To the worker threads and back ------------------------------------- */

/* Push waiting connections while a thread is free. The listener counts
 * what it pushed and has not got back, so the pool's queue (as big as the
 * pool) never fills and worker_pool_push() never blocks this thread. */
void listener_dispatch(struct listener *l)
{
	struct ev_conn *ec;

	while (l->lists[CS_IN_WORKER].count < (unsigned)l->threads &&
	       (ec = l->lists[CS_WAIT_WORKER].head) != NULL) {
		listener_enter_state(l, ec, CS_IN_WORKER);
		worker_pool_push(l->pool, ec->conn);
	}
}

void listener_to_worker(struct listener *l, struct ev_conn *ec,
			enum job_kind job)
{
	ec->job = job;
	listener_enter_state(l, ec, CS_WAIT_WORKER);
	listener_dispatch(l);
}

enum job_kind listener_job_of(struct conn *c)
{
	return ((struct ev_conn *)c->owner)->job;
}

/* Called by a worker thread: ec joins the hand-back list with its
 * verdict, and the eventfd wakes the listener if it sleeps. The fast path
 * (fastpath.c) may arm a keep-alive socket here first and spare the
 * wake-up. The worker must not touch ec once it is in the list: the
 * listener may close and free it at any time. */
void listener_hand_back(struct listener *l, struct conn *c,
			enum conn_state next)
{
	struct ev_conn *ec = c->owner;
	uint64_t one = 1;
	bool armed, wake;

	ec->handed_back_ms = now_monotonic_ms();
	armed = fastpath_worker_arms(l, ec, next); /* then c is gone */
	pthread_mutex_lock(&l->handback_lock);
	ec->verdict = next;
	ec->armed_by_worker = armed;
	ec->handback_next = NULL;
	if (l->handback_head == NULL)
		l->handback_head = ec;
	else
		l->handback_tail->handback_next = ec;
	l->handback_tail = ec;
	wake = fastpath_must_wake(l, ec);
	pthread_mutex_unlock(&l->handback_lock);
	if (wake && write(l->handback_src.fd, &one, sizeof(one)) < 0)
		log_ratelimited("handback", 10, "eventfd write: %s",
				strerror(errno));
}

/* Called by the listener when the eventfd is readable. */
void listener_drain_handback(struct listener *l)
{
	uint64_t count;

	if (read(l->handback_src.fd, &count, sizeof(count)) < 0 &&
	    errno != EAGAIN)
		log_ratelimited("handback", 10, "eventfd read: %s",
				strerror(errno));
}

/* Called by the listener once a turn: the connections given back, oldest
 * first (linked by handback_next). */
struct ev_conn *listener_take_handed_back(struct listener *l)
{
	struct ev_conn *list;

	pthread_mutex_lock(&l->handback_lock);
	list = l->handback_head;
	l->handback_head = l->handback_tail = NULL;
	pthread_mutex_unlock(&l->handback_lock);
	return list;
}
