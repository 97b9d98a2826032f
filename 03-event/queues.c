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
 * that wakes epoll_wait(). The usual case, a keep-alive connection with
 * nothing buffered, the worker finishes itself (it arms the socket, as
 * Apache's event workers do) and wakes the listener only when it must:
 * see listener_hand_back(). Used by listener.c (the loop and the state
 * machine) and event.c (the worker's side of the hand-off).
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
		if (ec->box && ec->box->conn.len > 0)
			return ec->box->conn.request_start_ms + timeout_ms;
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

bool has_timeout(enum conn_state s)
{
	return s == CS_READ_HEAD || s == CS_KEEPALIVE ||
	       s == CS_WRITE_COMPLETION || s == CS_LINGER;
}

/* How long epoll_wait() may sleep: until the nearest expiry, which is at
 * the head of some queue. */
int next_timeout_ms(const struct listener *l)
{
	int64_t now = now_monotonic_ms(), wake = now + LISTENER_TICK_MS;
	bool running = stop_requested() == STOP_NONE;
	int s;

	for (s = 0; s < CS_COUNT; s++)
		if (has_timeout(s) && l->lists[s].head &&
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
 * state CS_CLOSED and is in no list yet). */
void queue_in(struct listener *l, struct ev_conn *ec, enum conn_state s)
{
	if (ec->state != CS_CLOSED)
		list_remove(&l->lists[ec->state], ec);
	ec->state = s;
	ec->expires_ms = deadline_of(l, ec);
	list_append(&l->lists[s], ec);
}

/* Wait for the events of its state again. On failure ec is closed. */
bool arm(struct listener *l, struct ev_conn *ec)
{
	struct epoll_event ev = {
		.events = events_of(ec->state) | EPOLLONESHOT,
		.data.ptr = &ec->src,
	};

	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, ec->src.fd, &ev) == 0)
		return true;
	log_ratelimited("epoll-mod", 10, "epoll_ctl(MOD): %s",
			strerror(errno));
	close_conn(l, ec);
	return false;
}

/* Every move between states goes through here. */
void enter_state(struct listener *l, struct ev_conn *ec, enum conn_state s)
{
	queue_in(l, ec, s);
	if (events_of(s))
		arm(l, ec);
}

void close_conn(struct listener *l, struct ev_conn *ec)
{
	if (ec->state != CS_CLOSED)
		list_remove(&l->lists[ec->state], ec);
	drop_box(ec);
	close(ec->src.fd);      /* also takes it out of the epoll set */
	free(ec);
	l->conns--;
}

/* ---- The struct conn, only while bytes are buffered --------------------- */

/* A connection needs its struct conn once bytes arrive. */
bool attach(struct listener *l, struct ev_conn *ec)
{
	struct conn_box *box;

	if (ec->box)
		return true;
	box = malloc(sizeof(*box));
	if (box == NULL) {
		log_ratelimited("conn-malloc", 10, "out of memory for a "
				"connection, closing it");
		return false;
	}
	conn_init_with_peer(&box->conn, ec->src.fd, l->srv, ec->peer);
	box->conn.requests = ec->requests;
	box->ec = ec;
	ec->box = box;
	return true;
}

void drop_box(struct ev_conn *ec)
{
	if (ec->box == NULL)
		return;
	ec->requests = ec->box->conn.requests;
	ec->box->conn.fd = -1;  /* the record owns the socket */
	conn_close(&ec->box->conn);
	free(ec->box);
	ec->box = NULL;
}

/* An idle connection gives its struct conn back: keep-alive then costs
 * only the record (and the kernel's socket). */
void detach_if_idle(struct ev_conn *ec)
{
	if (ec->box && ec->box->conn.len == 0)
		drop_box(ec);
}

/* ---- To the worker threads and back ------------------------------------- */

/* Push waiting connections while a thread is free. The listener counts
 * what it pushed and has not got back, so the pool's queue (as big as the
 * pool) never fills and worker_pool_push() never blocks this thread. */
void dispatch(struct listener *l)
{
	struct ev_conn *ec;

	while (l->lists[CS_IN_WORKER].count < (unsigned)l->threads &&
	       (ec = l->lists[CS_WAIT_WORKER].head) != NULL) {
		enter_state(l, ec, CS_IN_WORKER);
		worker_pool_push(l->pool, &ec->box->conn);
	}
}

void to_worker(struct listener *l, struct ev_conn *ec, enum job_kind job)
{
	ec->box->job = job;
	enter_state(l, ec, CS_WAIT_WORKER);
	dispatch(l);
}

enum job_kind listener_job_of(struct conn *c)
{
	return ((struct conn_box *)c)->job;
}

/* Should the worker that gives ec back wake the listener? Called with
 * handback_lock held. An awake listener looks at the list before it
 * sleeps again (listener_sleep_ms), so only a sleeping one needs waking:
 * always for work it must do now (close, linger, write completion, or a
 * request that came in meanwhile: wake_on_any), and for a connection the
 * worker armed only if its KeepAliveTimeout ends before the listener
 * would wake anyway. */
static bool must_wake_listener(const struct listener *l,
			       const struct ev_conn *ec)
{
	int64_t asleep_until = __atomic_load_n(&l->asleep_until,
					       __ATOMIC_RELAXED);

	if (asleep_until == 0)
		return false;
	if (!ec->armed_by_worker || l->wake_on_any)
		return true;
	return ec->handed_back_ms + l->srv->cfg.keep_alive_timeout_ms <
	       asleep_until;
}

/* A worker finishes a keep-alive connection itself: the struct conn goes
 * (nothing is buffered), and the socket waits for the next request in the
 * listener's epoll set again (epoll_ctl is thread-safe). False if it could
 * not be armed: then the listener does it. */
static bool worker_arms_keepalive(struct listener *l, struct ev_conn *ec)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT,
				  .data.ptr = &ec->src };

	detach_if_idle(ec);
	if (ec->box != NULL)
		return false;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, ec->src.fd, &ev) == 0;
}

/* Called by a worker thread. What the fast path for keep-alive buys (one
 * wake-up of the listener, its eventfd read and an epoll_wait() per
 * request): labs/perf/README.md. The socket is armed BEFORE ec is in the
 * list: once it is there, the listener may close and free it at any time.
 * A request that arrives in between finds ec still "in a worker"; the
 * listener notes it (event_pending) and asks to be woken (wake_on_any). */
void listener_hand_back(struct listener *l, struct conn *c,
			enum conn_state next)
{
	struct ev_conn *ec = ((struct conn_box *)c)->ec;
	uint64_t one = 1;
	bool armed = false, wake;

	ec->handed_back_ms = now_monotonic_ms();
	if (next == CS_KEEPALIVE && stop_requested() == STOP_NONE)
		armed = worker_arms_keepalive(l, ec); /* c is gone after */
	pthread_mutex_lock(&l->handback_lock);
	ec->verdict = next;
	ec->armed_by_worker = armed;
	ec->handback_next = NULL;
	if (l->handback_head == NULL)
		l->handback_head = ec;
	else
		l->handback_tail->handback_next = ec;
	l->handback_tail = ec;
	wake = must_wake_listener(l, ec);
	if (wake)       /* one wake-up is enough for everybody */
		__atomic_store_n(&l->asleep_until, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&l->handback_lock);
	if (wake && write(l->handback_src.fd, &one, sizeof(one)) < 0)
		log_ratelimited("handback", 10, "eventfd write: %s",
				strerror(errno));
}

/* Called by the listener when the eventfd is readable. */
void drain_handback_eventfd(struct listener *l)
{
	uint64_t count;

	if (read(l->handback_src.fd, &count, sizeof(count)) < 0 &&
	    errno != EAGAIN)
		log_ratelimited("handback", 10, "eventfd read: %s",
				strerror(errno));
}

/* Called by the listener once a turn: the connections given back, oldest
 * first (linked by handback_next). */
struct ev_conn *take_handed_back(struct listener *l)
{
	struct ev_conn *list;

	pthread_mutex_lock(&l->handback_lock);
	list = l->handback_head;
	l->handback_head = l->handback_tail = NULL;
	pthread_mutex_unlock(&l->handback_lock);
	return list;
}

/* How long the listener's epoll_wait() may sleep, told to the workers
 * under the same lock as the list is checked: a worker that hands back
 * after this sees the time and wakes us if needed (must_wake_listener);
 * one that handed back before it makes us not sleep at all. */
int listener_sleep_ms(struct listener *l)
{
	int ms = next_timeout_ms(l);
	bool nothing_back;

	pthread_mutex_lock(&l->handback_lock);
	nothing_back = l->handback_head == NULL;
	if (nothing_back && ms > 0) {
		l->wake_on_any = l->events_waiting > 0;
		__atomic_store_n(&l->asleep_until, now_monotonic_ms() + ms,
				 __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&l->handback_lock);
	return nothing_back ? ms : 0;
}

/* Just woken: workers need not wake us until we sleep again. */
void listener_awake(struct listener *l)
{
	__atomic_store_n(&l->asleep_until, 0, __ATOMIC_RELAXED);
}
