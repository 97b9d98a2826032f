/*
 * prefork.c - the prefork MPM: a pool of single-threaded children, each
 * accepting and serving one connection at a time.
 *
 * What it teaches: the simplest way to serve many clients at once is many
 * processes. The master (common/master.c) forks children ahead of demand;
 * every idle child waits on the same listening sockets, one of them wins
 * each connection, and that child serves it to the end, keep-alive
 * included, before it accepts again. Nothing is shared between two
 * connections but the scoreboard, so a crash or a leak in one child harms
 * one connection; the price is one whole process per concurrent
 * connection, idle keep-alive ones included.
 *
 * This file is only the child's loop; see 01-prefork/README.md for the
 * model, a diagram and where each directive is enforced. Tested by
 * tests/prefork.bats; the labs use it as the baseline the threaded MPMs
 * are measured against.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "conn.h"
#include "lifecycle.h"
#include "log.h"
#include "master.h"
#include "net.h"
#include "scoreboard.h"
#include "server.h"

enum { ACCEPT_NONE = -1, ACCEPT_FATAL = -2 };

/* Wait until a listening socket has a connection or a signal wakes us, and
 * accept it. Returns the socket, ACCEPT_NONE to go back to waiting, or
 * ACCEPT_FATAL.
 *
 * Only one idle child wakes for a new connection (net_listeners_wait: an
 * epoll set per child, EPOLLEXCLUSIVE). With a plain poll() on the shared
 * socket every idle child would wake and all but one would get EAGAIN
 * from accept(): the thundering herd, which cost this server two thirds
 * of its connection rate (labs/bench/README.md, "Where the time goes"). */
static int accept_next(int epfd)
{
	int listen_fd, fd;

	/* The descriptor reserve (net.c): the connection and its file. */
	if (!net_descriptors_for(1)) {
		clock_sleep_ms(NET_ACCEPT_BACKOFF_MS, true);
		return ACCEPT_NONE;
	}
	listen_fd = net_listeners_wait(epfd, -1);

	if (listen_fd < 0)
		return ACCEPT_NONE; /* a signal: the caller checks the flags */
	fd = net_accept(listen_fd);
	if (fd == NET_ACCEPT_BACKOFF)
		clock_sleep_ms(NET_ACCEPT_BACKOFF_MS, true);
	if (fd == NET_ACCEPT_FATAL)
		return ACCEPT_FATAL; /* a broken listener: let the master see */
	return fd >= 0 ? fd : ACCEPT_NONE;
}

/* The whole connection, every keep-alive request of it, in this process. */
static void serve_connection(const struct server *srv, struct sb_worker *w,
			     int fd)
{
	struct conn c;

	/* Busy from the moment of accept(), as in Apache: the maintenance
	 * must not count this child as idle while the request arrives. */
	sb_set_state(w, SB_READ);
	conn_init(&c, fd, srv);
	c.sb = w;
	/* Readable once a signal tells this child to stop, so a wait for a
	 * slow client or an idle keep-alive connection ends at once. */
	c.wake_fd = lifecycle_wake_fd[0];
	conn_serve(&c);
	conn_close(&c);
}

/* The child: runs in scoreboard process slot `slot`, worker slot (slot, 0).
 * master.c has already installed its signal handlers and wake pipe. */
static int child_main(struct server *srv, int slot)
{
	struct sb_worker *w = scoreboard_worker(the_scoreboard, slot, 0);
	long served = 0;
	int status = 0;
	int epfd = net_listeners_epoll(srv->listen_fds, srv->listen_count,
				       lifecycle_wake_fd[0]);

	if (epfd < 0)
		return 1;
	sb_set_state(w, SB_READY);
	while (stop_requested() == STOP_NONE) {
		int fd = accept_next(epfd);

		if (fd == ACCEPT_FATAL) {
			status = 1;
			break;
		}
		if (fd == ACCEPT_NONE)
			continue;
		serve_connection(srv, w, fd);
		/* A keep-alive connection counts once (master.c). */
		if (child_reached_max_connections(srv, ++served))
			break;
		sb_set_state(w, SB_READY);
	}
	/* After a USR1 the slot showed 'G' while this child finished its
	 * connection (sb_set_state does that for a quiescing process); now
	 * it is '.' (the master frees the slot for good when it reaps us). */
	sb_set_state(w, SB_DEAD);
	return status;
}

int main(int argc, char **argv)
{
	return master_main(argc, argv, "prefork", MPM_PREFORK, child_main);
}
