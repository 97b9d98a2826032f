/*
 * threaded.c - the child of a threaded MPM (worker, event): start the
 * listener and the pool, run the listener, stop gracefully.
 *
 * What it teaches: what the two threaded MPMs share is small and is all
 * here, so that their own files hold only what differs (threaded.h). A
 * child is a listener and ThreadsPerChild threads; a graceful stop accepts
 * no more, shows 'G', lets every connection finish and only then stops
 * the threads. The master (master.c) forks this child, installs its
 * signal handlers and wake pipe, and keeps the number of idle threads
 * between MinSpareThreads and MaxSpareThreads.
 */
#include <stdbool.h>

#include "lifecycle.h"
#include "master.h"
#include "server.h"
#include "threaded.h"
#include "workers.h"

struct child {
	struct server *srv;
	int slot;
	struct worker_pool *pool;
	struct listener *listener; /* accepts; the accepted count */
};

/* Given once, before anything runs (threaded_main). */
static worker_job_fn the_job;
static const struct listener_ops *the_listener;

/* Accept no more, let every connection finish, then return true. An idle
 * keep-alive connection stays where it waits (worker: with its thread;
 * event: parked in the listener) until its next request (answered with
 * "Connection: close") or its KeepAliveTimeout, so no request its client
 * is sending is lost. A TERM that arrives meanwhile still stops the child
 * at once (false). */
static bool stop_gracefully(struct child *ch)
{
	the_listener->stop_accepting(ch->listener);
	child_stop_accepting(ch->srv, ch->slot);
	worker_pool_show_graceful(ch->pool);
	if (!the_listener->drain(ch->listener))
		return false;
	/* No connection is left: the threads are idle. */
	worker_pool_stop(ch->pool);
	the_listener->destroy(ch->listener);
	return true;
}

static bool child_start(struct child *ch)
{
	struct server *srv = ch->srv;

	ch->listener = the_listener->create(srv, ch->slot);
	if (ch->listener == NULL)
		return false;
	ch->pool = worker_pool_start(ch->slot,
				     (int)srv->cfg.threads_per_child,
				     the_job, ch->listener);
	return ch->pool != NULL;
}

/* Scoreboard process slot `slot`, worker slots (slot, 0 ..
 * ThreadsPerChild-1). Signal handlers and the wake pipe are master.c's.
 * On STOP_NOW the process exits (master.c's _exit) with its threads in
 * the middle of their requests and the kernel closes every socket, as
 * Apache's child does; the master reaps it and resets its slots. */
static int child_main(struct server *srv, int slot)
{
	struct child ch = { .srv = srv, .slot = slot };

	if (!child_start(&ch))
		return 1;
	the_listener->loop(ch.listener, ch.pool);
	if (stop_requested() == STOP_GRACEFUL)
		stop_gracefully(&ch);
	return 0;
}

int threaded_main(int argc, char **argv, const char *name, enum mpm_kind kind,
		  worker_job_fn serve_connection,
		  const struct listener_ops *listener)
{
	the_job = serve_connection;
	the_listener = listener;
	return master_main(argc, argv, name, kind, child_main);
}
