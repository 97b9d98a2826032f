/*
 * threaded.h - the child of a threaded MPM (worker, event): one listener
 * thread and a pool of ThreadsPerChild worker threads.
 *
 * What it teaches: worker and event differ in two things only, the job of
 * a worker thread and the listener. Everything else about their child,
 * how it starts, runs and stops gracefully, is written once here against
 * those two, and each MPM gives its own: 02-worker/worker.c,
 * 03-event/event.c and listener.c. So `diff 02-worker/worker.c
 * 03-event/event.c` shows what the models are about and nothing else.
 */
#ifndef KIT_THREADED_H
#define KIT_THREADED_H

#include <stdbool.h>

#include "config.h"
#include "workers.h"

struct server;
struct listener; /* each threaded MPM's own */

/* A listener, as the child uses it. */
struct listener_ops {
	/* In a new child, before its threads start; NULL (logged) on
	 * failure. `slot` is its scoreboard process slot. */
	struct listener *(*create)(struct server *srv, int slot);
	/* The child's main thread (the only one that receives signals: the
	 * pool's threads block them), until stop_requested() (lifecycle.h)
	 * is not STOP_NONE. */
	void (*loop)(struct listener *l, struct worker_pool *pool);
	/* A graceful stop begins: accept no more (before the listening
	 * sockets close), and let connections learn of it. */
	void (*stop_accepting)(struct listener *l);
	/* Run until every connection has finished, keeping idle keep-alive
	 * ones until their next request or KeepAliveTimeout; false if a
	 * TERM (STOP_NOW) arrives meanwhile. */
	bool (*drain)(struct listener *l);
	void (*destroy)(struct listener *l);
};

/* The whole main() of a threaded MPM: master_main() (master.h) with a
 * child that starts the pool (each thread running serve_connection, with
 * the listener as its ctx) and the listener, runs the listener's loop and
 * stops gracefully unless STOP_NOW was asked for. */
int threaded_main(int argc, char **argv, const char *name, enum mpm_kind kind,
		  worker_job_fn serve_connection,
		  const struct listener_ops *listener);

#endif
