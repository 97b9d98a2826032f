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
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "config.h"
#include "conn.h"
#include "log.h"
#include "master.h"
#include "scoreboard.h"
#include "server.h"

enum { ACCEPT_NONE = -1, ACCEPT_FATAL = -2 };

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR &&
	       !child_should_stop())
		;
}

/* Accept one connection from a listener that poll() said was readable.
 * Returns the socket, ACCEPT_NONE to go back to waiting, or ACCEPT_FATAL.
 *
 * The thundering herd: every idle child sleeps in poll() on the same
 * socket, and one new connection wakes them all; one wins accept(), the
 * others get EAGAIN (NET_ACCEPT_RETRY) and go back to sleep. Watch it with
 *   strace -f -e trace=poll,accept4 -p <child pid> ...
 * (Apache's children block in accept() itself when there is one listener,
 * which Linux wakes one at a time; we poll() because we also wait for the
 * wake pipe and for several Listen sockets.) */
static int accept_one(int listen_fd)
{
	int fd = net_accept(listen_fd);

	if (fd == NET_ACCEPT_BACKOFF)
		sleep_ms(NET_ACCEPT_BACKOFF_MS);
	if (fd == NET_ACCEPT_FATAL)
		return ACCEPT_FATAL; /* a broken listener: let the master see */
	return fd >= 0 ? fd : ACCEPT_NONE;
}

/* Wait until a listening socket has a connection or a signal wakes us, and
 * accept it. */
static int accept_next(const struct server *srv)
{
	struct pollfd pfd[CONFIG_MAX_LISTEN + 1];
	int i, n = srv->listen_count;

	for (i = 0; i < n; i++) {
		pfd[i].fd = srv->listen_fds[i];
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	pfd[n].fd = server_wake_fd[0];
	pfd[n].events = POLLIN;
	pfd[n].revents = 0;
	if (poll(pfd, (nfds_t)n + 1, -1) < 0) {
		if (errno != EINTR) {
			log_ratelimited("child-poll", 10, "poll: %s",
					strerror(errno));
			sleep_ms(NET_ACCEPT_BACKOFF_MS);
		}
		return ACCEPT_NONE;
	}
	if (pfd[n].revents)
		return ACCEPT_NONE; /* a signal: the caller checks the flags */
	for (i = 0; i < n; i++) {
		if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) {
			int fd = accept_one(pfd[i].fd);

			if (fd != ACCEPT_NONE)
				return fd;
		}
	}
	return ACCEPT_NONE;
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
	c.wake_fd = server_wake_fd[0];
	conn_serve(&c);
	conn_close(&c);
}

/* The child: runs in scoreboard process slot `slot`, worker slot (slot, 0).
 * master.c has already installed its signal handlers and wake pipe. */
static int prefork_child_main(struct server *srv, int slot)
{
	struct sb_worker *w = scoreboard_worker(the_scoreboard, slot, 0);
	long limit = srv->cfg.max_connections_per_child;
	long served = 0;
	int status = 0;

	sb_set_state(w, SB_READY);
	while (!child_should_stop()) {
		int fd = accept_next(srv);

		if (fd == ACCEPT_FATAL) {
			status = 1;
			break;
		}
		if (fd == ACCEPT_NONE)
			continue;
		serve_connection(srv, w, fd);
		/* MaxConnectionsPerChild counts connections, not requests,
		 * as in Apache 2.4: a keep-alive connection counts once. */
		if (limit > 0 && ++served >= limit)
			break;
		sb_set_state(w, SB_READY);
	}
	/* Leaving: 'G' while this child winds down, '.' once it is gone (the
	 * master frees the slot for good when it reaps us). */
	sb_set_state(w, SB_GRACEFUL);
	sb_set_state(w, SB_DEAD);
	return status;
}

static int prefork_run(struct server *srv)
{
	return master_run(srv, prefork_child_main);
}

static const struct mpm prefork_mpm = {
	.name = "prefork",
	.kind = MPM_PREFORK,
	.run = prefork_run,
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, &prefork_mpm);
}
