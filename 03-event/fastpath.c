/*
 * fastpath.c - the keep-alive fast path of the event listener: what event
 * does beyond its model, only to be fast, each with the measurement that
 * justifies it.
 *
 * What it teaches: the model (listener.c, queues.c) hands every request
 * from the listener to a worker and back; a worker gives each connection
 * back through a list and wakes the listener with an eventfd, and the
 * listener re-arms the socket. Correct, and two thread wake-ups a request.
 * A student can read the model with this file closed: with every function
 * here answering "no" (the worker arms nothing, always wakes the
 * listener, no request is ever pending) the server behaves the same,
 * only slower. What each optimisation bought, from labs/bench/README.md
 * ("Where the time goes") and README.md ("What each optimisation
 * bought"):
 *
 * 1. The worker arms a keep-alive socket itself (fastpath_worker_arms),
 *    as Apache's event workers do, and wakes the listener only if it
 *    sleeps past that connection's KeepAliveTimeout (fastpath_must_wake,
 *    fastpath_sleep_ms). Before, the listener was woken once more for
 *    every request only to call epoll_ctl(): an eventfd write and read,
 *    an epoll_wait() return and a context switch. Event's syscalls a
 *    request went from 18.6 (futex ~5, epoll_ctl 1.6, epoll_wait 0.9,
 *    eventfd 0.5 + 0.5) to those of prefork (8.0) with the next change.
 * 2. The price of 1: the socket is armed BEFORE the connection is in the
 *    hand-back list (once there, the listener may free it), so its next
 *    request can wake the listener while the connection still looks "in
 *    a worker". The listener notes it (fastpath_note_request: event_pending,
 *    events_waiting), asks to be woken by the next hand-back of all
 *    (wake_on_any), and take_back() serves it (fastpath_take_request).
 *    Forget this and that request waits for KeepAliveTimeout.
 * 3. (In event.c, run_requests.) After each response the worker looks
 *    once, non-blocking, for the next request, as httpd's event does: a
 *    quick client is served by the same thread without the listener.
 *    1 client 16,000 -> 30,000 req/s, 16 clients 40,000 -> 50,000, 64
 *    clients 46,000 -> 50,000 (A/B in one run, 4 x 32 threads, 1 KiB).
 * With all three, at 64 clients an event request costs about one syscall
 * and 0.1 context switch more than a worker request (10.1 and 1.22 against
 * 9.2 and 1.13, perf stat), not the two thread switches of the model.
 */
#include <stdint.h>
#include <sys/epoll.h>

#include "clock.h"
#include "lifecycle.h"
#include "listener.h"
#include "server.h"

/* ---- The worker's side -------------------------------------------------- */

/* A worker finishes a keep-alive connection itself: the struct conn goes
 * (nothing is buffered), and the socket waits for the next request in the
 * listener's epoll set again (epoll_ctl is thread-safe). False if it did
 * not (another verdict, a stop asked for, bytes buffered, or epoll_ctl
 * failed): then the listener does it. */
bool fastpath_worker_arms(struct listener *l, struct ev_conn *ec,
			  enum conn_state next)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT,
				  .data.ptr = &ec->src };

	if (next != CS_KEEPALIVE || stop_requested() != STOP_NONE)
		return false;
	listener_detach_if_idle(ec);
	if (ec->conn != NULL)
		return false;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, ec->src.fd, &ev) == 0;
}

/* Should the worker that gives ec back wake the listener? Called with
 * handback_lock held. An awake listener looks at the list before it
 * sleeps again (fastpath_sleep_ms), so only a sleeping one needs waking:
 * always for work it must do now (close, linger, write completion, or a
 * request that came in meanwhile: wake_on_any), and for a connection the
 * worker armed only if its KeepAliveTimeout ends before the listener
 * would wake anyway. One wake-up is enough for everybody: the first
 * marks the listener awake. */
bool fastpath_must_wake(struct listener *l, const struct ev_conn *ec)
{
	int64_t asleep_until = __atomic_load_n(&l->asleep_until,
					       __ATOMIC_RELAXED);
	bool wake;

	if (asleep_until == 0)
		return false;
	wake = !ec->armed_by_worker || l->wake_on_any ||
	       ec->handed_back_ms + l->srv->cfg.keep_alive_timeout_ms <
	       asleep_until;
	if (wake)
		__atomic_store_n(&l->asleep_until, 0, __ATOMIC_RELAXED);
	return wake;
}

/* ---- The listener's side ------------------------------------------------ */

/* How long the listener's epoll_wait() may sleep, told to the workers
 * under the same lock as the list is checked: a worker that hands back
 * after this sees the time and wakes us if needed (fastpath_must_wake);
 * one that handed back before it makes us not sleep at all. */
int fastpath_sleep_ms(struct listener *l)
{
	int ms = listener_next_timeout_ms(l);
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
void fastpath_awake(struct listener *l)
{
	__atomic_store_n(&l->asleep_until, 0, __ATOMIC_RELAXED);
}

/* An epoll event for a connection in CS_IN_WORKER: its worker armed it
 * for keep-alive and the next request came before the connection reached
 * the hand-back list. The event is used up, so remember it. (Or a stale
 * event, which take_back() forgets.) */
void fastpath_note_request(struct listener *l, struct ev_conn *ec)
{
	if (ec->event_pending)
		return;
	ec->event_pending = true;
	l->events_waiting++;
}

/* Taking ec back: did a request come while a worker had it? Forgets it. */
bool fastpath_take_request(struct listener *l, struct ev_conn *ec)
{
	if (!ec->event_pending)
		return false;
	ec->event_pending = false;
	l->events_waiting--;
	return true;
}
