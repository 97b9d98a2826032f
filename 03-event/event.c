/*
 * event.c - the event MPM: worker's processes and threads, plus a listener
 * that holds every connection while it waits for its client.
 *
 * What it teaches: the same children of ThreadsPerChild threads as
 * 02-worker, with one change that removes worker's trap. A thread no
 * longer serves a whole connection: it serves the requests that are ready
 * (one, or several pipelined) and gives the connection back. Waiting for
 * the next request (keep-alive), for the rest of a head (a slow or
 * malicious client), for a slow reader to take a large response (write
 * completion) and for a lingering close are the listener's business
 * (listener.c: one thread, epoll, timeout queues), so no thread ever waits
 * for a client and a few idle clients can no longer starve everybody.
 *
 * Read it beside 02-worker/worker.c (diff -u 02-worker/worker.c
 * 03-event/event.c): the same two parts in the same order and under the
 * same names, the job of a worker thread (serve_connection) and the
 * listener (listener_loop and the rest of event_listener). The rest of
 * the child, its start, its loop and its graceful stop, is
 * common/threaded.c's, the same for both. The diff is what event is
 * about: serve_connection gives the connection back instead of waiting
 * for its next request, and the listener is listener.c's epoll loop,
 * which holds every connection between requests, instead of worker's
 * accept-when-a-thread-is-idle. The master is common/master.c, the pool
 * common/workers.c, the steps of a request common/conn.c. See
 * 03-event/README.md.
 */
#include <stdbool.h>

#include "conn.h"
#include "event.h"
#include "lifecycle.h"
#include "master.h"
#include "scoreboard.h"
#include "server.h"
#include "threaded.h"
#include "workers.h"

/* ---- The job of a worker thread ---------------------------------------- */

/* Run requests while they are ready; return the state the connection
 * goes back to the listener in. Nothing here waits for the client
 * (except for a request body, within Timeout, as in Apache). */
static enum conn_state run_requests(struct conn *c, enum job_kind job,
				    struct sb_worker *slot)
{
	bool sent = job == JOB_FINISH; /* the listener sent the response */

	/* Part of a head arrived, then Timeout passed (the listener saw
	 * it): answer 408 and close, as conn_serve does in worker. */
	if (job == JOB_TIMEOUT)
		conn_answer_error(c, 408, "The request did not arrive within "
				  "Timeout.");
	for (;;) {
		if (!sent) {
			/* The listener read the head, so conn.c could not
			 * show it on this thread's slot. */
			conn_show_request(c, slot);
			sb_set_state(slot, SB_READ);
			conn_process(c);
			switch (conn_send(c)) {
			case CONN_IO_DONE:
				break;
			case CONN_IO_AGAIN: /* socket buffer full */
				return CS_WRITE_COMPLETION;
			default:            /* the client is gone */
				c->lingering = false;
				return CS_CLOSED;
			}
		}
		if (!conn_finish_request(c))
			return c->lingering ? CS_LINGER : CS_CLOSED;
		/* One non-blocking look for the next request before the
		 * connection goes back, as httpd's event does: pipelined, or
		 * sent by a quick client while we finished. If it is here,
		 * this thread serves it, without a trip through the listener
		 * (two thread wake-ups). Nothing yet: EAGAIN, one syscall. */
		switch (conn_read_head(c)) {
		case CONN_IO_DONE:
			sent = false;
			break;
		case CONN_IO_AGAIN:
			return c->len == 0 ? CS_KEEPALIVE : CS_READ_HEAD;
		default:            /* the client closed, or a reset */
			return CS_CLOSED;
		}
	}
}

/* The requests that are ready, then the connection goes back to the
 * listener: the thread never waits for a client to think. */
static void serve_connection(void *ctx, struct conn *c, struct sb_worker *slot)
{
	struct listener *l = ctx;
	enum conn_state next;

	c->sb = slot;
	sb_connection_start(slot, c->peer);
	next = run_requests(c, listener_job_of(c), slot);
	c->sb = NULL;
	listener_hand_back(l, c, next);
	/* pool_take() marks the slot '_' again. */
}

/* ---- The listener ------------------------------------------------------- */

/* listener.c: listener_loop(), the child's main thread (the only one that
 * receives signals: the pool's threads block them), until a stop is asked
 * for. It accepts, reads request heads, parks keep-alive connections and
 * expires timeouts; a thread gets a connection only when it has a whole
 * request to run. */

int main(int argc, char **argv)
{
	return threaded_main(argc, argv, "event", MPM_EVENT,
			     serve_connection, &event_listener);
}
