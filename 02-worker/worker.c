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
 * This file is the child only. The master (common/master.c) forks the
 * children, installs their signal handlers and wake pipe, and keeps the
 * number of idle threads between MinSpareThreads and MaxSpareThreads.
 * The thread pool is common/workers.c. See 02-worker/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "conn.h"
#include "log.h"
#include "master.h"
#include "net.h"
#include "scoreboard.h"
#include "server.h"
#include "workers.h"

/* The listener sleeps in a condition variable (waiting for an idle thread)
 * or in epoll_wait() at most this long before it looks at its signal flags. */
#define LISTENER_TICK_MS 100

struct worker_child {
	struct server *srv;
	int slot;
	struct worker_pool *pool;
	/* Written once when the child begins to stop and never read, so its
	 * read end stays readable: every connection's wake_fd. An idle
	 * keep-alive connection waiting in conn_serve() wakes up and closes.
	 * (The signal wake pipe cannot do this: the listener drains it.) */
	int stopping_pipe[2];
	long accepted;          /* for MaxConnectionsPerChild */
};

/* TERM, HUP or INT reached this child (master.c's child handler). */
static bool must_stop_now(void)
{
	return server_stop != 0;
}

/* USR1 or WINCH (the master restarts gracefully or retires this child),
 * or MaxConnectionsPerChild: finish the connections, accept no more. */
static bool must_stop_accepting(const struct worker_child *ch)
{
	long limit = ch->srv->cfg.max_connections_per_child;

	/* As in Apache 2.4 it counts connections, not requests. */
	return child_should_stop() || (limit > 0 && ch->accepted >= limit);
}

/* The job of a worker thread: the whole connection, keep-alive waits
 * included, then the next one. This is the line that holds a thread while
 * a client thinks (KeepAliveTimeout): conn_serve() returns only when the
 * connection closes. */
static void serve_connection(void *ctx, struct conn *c, struct sb_worker *slot)
{
	(void)ctx;
	c->sb = slot;
	conn_serve(c);
	conn_close(c);
	free(c);
	/* pool_take() marks the slot '_' again. */
}

/* Accept one connection and queue it for the idle thread that the
 * listener made sure exists. */
static void accept_one(struct worker_child *ch, int listen_fd)
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
	conn_init(c, fd, ch->srv);
	c->wake_fd = ch->stopping_pipe[0];
	ch->accepted++;
	worker_pool_push(ch->pool, c);
}

static int busy_threads(const struct worker_child *ch)
{
	return (int)ch->srv->cfg.threads_per_child -
	       worker_pool_idle(ch->pool);
}

/* The listener, in the child's main thread (the only thread that receives
 * signals: the pool's threads block them). */
static void listener_loop(struct worker_child *ch, int epfd)
{
	while (!must_stop_now() && !must_stop_accepting(ch)) {
		/* Apache's worker first waits until this child has an idle
		 * thread, THEN accepts. While every thread is busy (or held
		 * by an idle keep-alive client) nobody here calls accept():
		 * new connections wait in the kernel's listen backlog, where
		 * another child with idle threads can take them, instead of
		 * in our queue where nobody would serve them. */
		if (!worker_pool_wait_idle(ch->pool, LISTENER_TICK_MS))
			continue;
		/* The descriptor reserve (net.c): the new connection, and a
		 * file for each busy thread and for it. */
		if (!net_descriptors_for(busy_threads(ch) + 1)) {
			clock_sleep_ms(NET_ACCEPT_BACKOFF_MS, true);
			continue;
		}
		/* One child's listener wakes for a new connection, not all
		 * (EPOLLEXCLUSIVE: see net_listeners_epoll). */
		int listen_fd = net_listeners_wait(epfd, LISTENER_TICK_MS);
		if (listen_fd == NET_WAIT_WOKEN)
			server_drain_wake(); /* a signal: look at the flags */
		else if (listen_fd >= 0)
			accept_one(ch, listen_fd);
	}
}

/* Stop accepting, close idle keep-alive connections, let every thread
 * finish the request it is serving, then return. A TERM that arrives
 * meanwhile still stops the child at once. */
static void stop_gracefully(struct worker_child *ch)
{
	int i;

	sb_proc_set_quiescing(scoreboard_process(the_scoreboard, ch->slot),
			      true);
	/* Our copies only: the master and the other children keep them. */
	for (i = 0; i < ch->srv->listen_count; i++)
		close(ch->srv->listen_fds[i]);
	server_mark_stopping();
	if (write(ch->stopping_pipe[1], "!", 1) < 0)
		log_error("stopping pipe: %s", strerror(errno));
	while (!worker_pool_drain(ch->pool, LISTENER_TICK_MS)) {
		if (must_stop_now())
			return;
		server_drain_wake();
	}
	worker_pool_stop(ch->pool);
}

/* The child: scoreboard process slot `slot`, worker slots (slot, 0 ..
 * ThreadsPerChild-1). Signal handlers and the wake pipe are master.c's. */
static int worker_child_main(struct server *srv, int slot)
{
	struct worker_child ch = { .srv = srv, .slot = slot };
	int epfd;

	if (pipe2(ch.stopping_pipe, O_CLOEXEC) < 0) {
		log_error("child pipe2: %s", strerror(errno));
		return 1;
	}
	ch.pool = worker_pool_start(slot, (int)srv->cfg.threads_per_child,
				    serve_connection, &ch);
	if (ch.pool == NULL)
		return 1;
	epfd = net_listeners_epoll(srv->listen_fds, srv->listen_count,
				   server_wake_fd[0]);
	if (epfd < 0)
		return 1;
	listener_loop(&ch, epfd);
	if (!must_stop_now())
		stop_gracefully(&ch);
	/* TERM means now: the process exits (master.c's _exit) with its
	 * threads in the middle of their requests and the kernel closes every
	 * socket, much as Apache's child shuts down its workers' sockets. The
	 * master reaps us and resets our slots. */
	return 0;
}

static int worker_run(struct server *srv)
{
	return master_run(srv, worker_child_main);
}

static const struct mpm worker_mpm = {
	.name = "worker",
	.kind = MPM_WORKER,
	.run = worker_run,
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, &worker_mpm);
}
