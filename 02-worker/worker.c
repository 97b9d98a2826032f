/*
 * worker.c - the worker MPM: children of ThreadsPerChild threads, each
 * thread serving one whole connection at a time.
 *
 * What it teaches: threads make concurrency cheap. A child's main thread
 * is the listener: it waits until one of its worker threads is idle,
 * accepts one connection and queues it; the thread that takes it serves
 * every request on it (common/conn.c's conn_serve) and only then takes
 * another. Fewer processes serve many more connections than prefork's,
 * but two things are now shared: memory (a crash or a non-thread-safe
 * library hits every connection of the child: /lab/crash, /lab/unsafe)
 * and threads (an idle keep-alive connection holds its thread until
 * KeepAliveTimeout, so a few idle clients can starve everybody else: the
 * trap 03-event removes).
 *
 * This file holds what makes worker worker, in two parts that
 * 03-event/event.c has too, in the same order and under the same names:
 * the job of a worker thread (serve_connection) and the listener (struct
 * listener and its functions, listener_loop first among them). The rest
 * of the child, its start, its loop and its graceful stop, is
 * common/threaded.c's, the same for both; so `diff 02-worker/worker.c
 * 03-event/event.c` shows what the two models are about and nothing else.
 * The master (common/master.c) forks the children, installs their signal
 * handlers and wake pipe, and keeps the number of idle threads between
 * MinSpareThreads and MaxSpareThreads. The thread pool is
 * common/workers.c. See 02-worker/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "lifecycle.h"
#include "log.h"
#include "master.h"
#include "net.h"
#include "scoreboard.h"
#include "server.h"
#include "threaded.h"
#include "workers.h"

/* ---- The job of a worker thread ---------------------------------------- */

/* The whole connection, keep-alive waits included, then the next one.
 * This is the line that holds a thread while a client thinks
 * (KeepAliveTimeout): conn_serve() returns only when the connection
 * closes. */
static void serve_connection(void *ctx, struct conn *c, struct sb_worker *slot)
{
	(void)ctx;
	c->sb = slot;
	conn_serve(c);
	conn_close(c);
	free(c);
	/* pool_take() marks the slot '_' again. */
}

/* ---- The listener ------------------------------------------------------- */

/* The child's main thread (the only one that receives signals: the pool's
 * threads block them). It accepts a connection only when a thread is idle
 * to take it, and never sees the connection again. The functions below
 * are common/threaded.h's struct listener_ops, under the names event's
 * listener.c gives them. */

/* The listener sleeps in a condition variable (waiting for an idle thread)
 * or in epoll_wait() at most this long before it looks at stop_requested(). */
#define LISTENER_TICK_MS 100

struct listener {
	struct server *srv;
	struct worker_pool *pool;
	int epfd;               /* the listening sockets and the wake pipe */
	long accepted;          /* for MaxConnectionsPerChild */
	/* Written once when the child begins to stop and never read, so its
	 * read end stays readable: every connection's wake_fd. A thread in
	 * an idle keep-alive wait in conn_serve() wakes up to show 'G'.
	 * (The signal wake pipe cannot do this: the listener drains it.) */
	int stopping_pipe[2];
};

/* Accept one connection and queue it for the idle thread that the
 * listener made sure exists. */
static void accept_one(struct listener *l, int listen_fd)
{
	struct conn *c;
	int fd = net_accept(listen_fd);

	if (fd < 0) {
		/* RETRY: another child took this connection first, or the
		 * client gave up. */
		if (fd == NET_ACCEPT_BACKOFF)
			clock_sleep_ms(NET_ACCEPT_BACKOFF_MS, true);
		return;
	}
	c = malloc(sizeof(*c));
	if (c == NULL) {
		log_ratelimited("conn-malloc", 10, "out of memory for a "
				"connection, closing it");
		close(fd);
		return;
	}
	conn_init(c, fd, l->srv);
	c->wake_fd = l->stopping_pipe[0];
	worker_pool_push(l->pool, c);
	child_reached_max_connections(l->srv, ++l->accepted);
}

static int busy_threads(const struct listener *l)
{
	return (int)l->srv->cfg.threads_per_child -
	       worker_pool_idle(l->pool);
}

/* Until a stop is asked for (stop_requested(), lifecycle.h). */
static void listener_loop(struct listener *l, struct worker_pool *pool)
{
	l->pool = pool;
	while (stop_requested() == STOP_NONE) {
		/* Apache's worker first waits until this child has an idle
		 * thread, THEN accepts. While every thread is busy (or held
		 * by an idle keep-alive client) nobody here calls accept():
		 * new connections wait in the kernel's listen backlog, where
		 * another child with idle threads can take them, instead of
		 * in our queue where nobody would serve them. */
		if (!worker_pool_wait_idle(pool, LISTENER_TICK_MS))
			continue;
		/* The descriptor reserve (net.c): the new connection, and a
		 * file for each busy thread and for it. */
		if (!net_descriptors_for(busy_threads(l) + 1)) {
			clock_sleep_ms(NET_ACCEPT_BACKOFF_MS, true);
			continue;
		}
		/* One child's listener wakes for a new connection, not all
		 * (EPOLLEXCLUSIVE: see net_listeners_epoll). */
		int listen_fd = net_listeners_wait(l->epfd, LISTENER_TICK_MS);
		if (listen_fd == NET_WAIT_WOKEN)
			lifecycle_drain_wake(); /* a signal: look again */
		else if (listen_fd >= 0)
			accept_one(l, listen_fd);
	}
}

/* A graceful stop: wake every thread in an idle keep-alive wait, so that
 * it shows 'G' and answers its connection's next request with
 * "Connection: close". */
static void listener_stop_accepting(struct listener *l)
{
	if (write(l->stopping_pipe[1], "!", 1) < 0)
		log_error("stopping pipe: %s", strerror(errno));
}

/* The connections are the threads': wait until every thread is idle.
 * False when a TERM arrives meanwhile. */
static bool listener_drain(struct listener *l)
{
	while (!worker_pool_drain(l->pool, LISTENER_TICK_MS)) {
		if (stop_requested() == STOP_NOW)
			return false;
		lifecycle_drain_wake();
	}
	return true;
}

static void listener_destroy(struct listener *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->stopping_pipe[0] >= 0) {
		close(l->stopping_pipe[0]);
		close(l->stopping_pipe[1]);
	}
	free(l);
}

static struct listener *listener_create(struct server *srv, int slot)
{
	struct listener *l = calloc(1, sizeof(*l));

	(void)slot; /* event's listener shows its counts on the scoreboard */
	if (l == NULL)
		return NULL;
	l->srv = srv;
	l->stopping_pipe[0] = l->stopping_pipe[1] = -1;
	l->epfd = net_listeners_epoll(srv->listen_fds, srv->listen_count,
				      lifecycle_wake_fd[0]);
	if (l->epfd < 0 || pipe2(l->stopping_pipe, O_CLOEXEC) < 0) {
		if (l->epfd >= 0)
			log_error("child pipe2: %s", strerror(errno));
		listener_destroy(l);
		return NULL;
	}
	return l;
}

static const struct listener_ops worker_listener = {
	listener_create, listener_loop, listener_stop_accepting,
	listener_drain, listener_destroy,
};

int main(int argc, char **argv)
{
	return threaded_main(argc, argv, "worker", MPM_WORKER,
			     serve_connection, &worker_listener);
}
