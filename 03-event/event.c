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
 * Diff this file with 02-worker/worker.c: the child, its signals and its
 * pool are the same; the job of a thread (serve_requests) and the
 * listener (listener_run, in listener.c) are what differ.
 * The master is common/master.c, the pool common/workers.c, the steps of
 * a request common/conn.c. See 03-event/README.md.
 */
#include <string.h>

#include "config.h"
#include "conn.h"
#include "event.h"
#include "master.h"
#include "response.h"
#include "scoreboard.h"
#include "server.h"
#include "workers.h"

struct event_child {
	struct server *srv;
	int slot;
	struct worker_pool *pool;
	struct listener *listener;
};

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

/* The job of a worker thread: the requests that are ready, then the
 * connection goes back to the listener. Compare worker.c's
 * serve_connection, which keeps the thread until the connection closes. */
static void serve_requests(void *ctx, struct conn *c, struct sb_worker *slot)
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

/* The child: scoreboard process slot `slot`, worker slots (slot, 0 ..
 * ThreadsPerChild-1). Signal handlers and the wake pipe are master.c's;
 * the pool's threads block every signal, so they reach the listener. */
static int event_child_main(struct server *srv, int slot)
{
	struct event_child ch = { .srv = srv, .slot = slot };
	bool graceful;

	ch.listener = listener_create(srv, slot);
	if (ch.listener == NULL)
		return 1;
	ch.pool = worker_pool_start(slot, (int)srv->cfg.threads_per_child,
				    serve_requests, ch.listener);
	if (ch.pool == NULL)
		return 1;
	graceful = listener_run(ch.listener, ch.pool);
	if (graceful) {
		/* No connection is left: the threads are idle. */
		worker_pool_stop(ch.pool);
		listener_destroy(ch.listener);
	}
	/* TERM means now, as for Apache's child: the process exits with its
	 * threads in the middle of their requests, and the kernel closes
	 * every socket. The master reaps us and resets our slots. */
	return 0;
}

static int event_run(struct server *srv)
{
	return master_run(srv, event_child_main);
}

static const struct mpm event_mpm = {
	.name = "event",
	.kind = MPM_EVENT,
	.run = event_run,
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, &event_mpm);
}
