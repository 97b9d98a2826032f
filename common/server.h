/*
 * server.h - what every MPM binary shares: start-up, sockets, signals.
 *
 * What it teaches: the three servers differ only in how they run
 * connections concurrently. Everything before that (the command line, the
 * configuration, binding the listening sockets, creating the scoreboard,
 * opening logs) is the same code, here, and each MPM supplies one function,
 * mpm->run(), that owns the processes and threads from then on.
 */
#ifndef KIT_SERVER_H
#define KIT_SERVER_H

#include <signal.h>
#include <stdbool.h>

#include "config.h"

struct server;

struct mpm {
	const char *name;       /* "prefork" */
	enum mpm_kind kind;
	/* Run until told to stop; return the exit status. Called in the master
	 * after the configuration is loaded, the sockets are bound, the
	 * scoreboard exists and the logs are open. */
	int (*run)(struct server *srv);
};

struct server {
	struct config cfg;
	const struct mpm *mpm;
	int listen_fds[CONFIG_MAX_LISTEN]; /* non-blocking, CLOEXEC */
	int listen_count;
	char docroot_real[PATH_MAX];    /* realpath(DocumentRoot) */

	/* The command line, kept to re-read the configuration on HUP. */
	const char *config_file;
	char **directives;
	int directive_count;
};

/* Set by the signal handlers that server_install_signals() installs. The MPM
 * loops look at them; a handler does nothing but set a flag and write one
 * byte to the wake pipe (both async-signal-safe). */
extern volatile sig_atomic_t server_stop;          /* TERM, INT */
extern volatile sig_atomic_t server_restart;       /* HUP */
extern volatile sig_atomic_t server_graceful;      /* USR1 */
extern volatile sig_atomic_t server_graceful_stop; /* WINCH */
extern volatile sig_atomic_t server_child_exited;  /* CHLD */

/* A pipe whose read end becomes readable when a signal arrives; poll it
 * beside other fds to wake up at once. Created by server_main. */
extern int server_wake_fd[2];

/* The whole main() of each server: parse -f -c -t -h -v, load the config,
 * bind, create the scoreboard, open logs, write the PidFile, run the MPM,
 * clean up. */
int server_main(int argc, char **argv, const struct mpm *mpm);

void server_install_signals(void);
/* Back to default dispositions (in a new child before it installs its own). */
void server_reset_signals(void);
/* Drain the wake pipe. */
void server_drain_wake(void);

/* This child has begun to stop (a signal reached it, or its MPM began a
 * graceful stop): every response from now on says "Connection: close".
 * An atomic flag, so that conn.c can look at it once per request without
 * a system call; async-signal-safe. */
void server_mark_stopping(void);
bool server_is_stopping(void);

/* In a new child: when the server was started as root and User is set,
 * switch to User and Group (supplementary groups included) for good, as
 * Apache's children do; the master keeps root to bind and signal. Returns
 * -1 if the switch failed (the child must not serve as root then). */
int server_drop_privileges(const struct server *srv);

/* Re-read the configuration for HUP/USR1: on success the new values replace
 * srv->cfg (ServerLimit and ThreadLimit are kept, with a warning, as in
 * Apache) and listening sockets are rebound if Listen changed. On error the
 * old configuration stays and the error is logged. */
int server_reload(struct server *srv);

/* Sockets (common/net.c). */
int net_listen(const struct listen_addr *addr, int backlog, char *err,
	       size_t errlen);
int net_set_nonblocking(int fd);
/* Wait up to timeout_ms (-1: forever) for events on fd, or for wake_fd (if
 * >= 0) to become readable. Returns 1 ready, 0 timeout, -1 woken or error. */
int net_wait(int fd, short events, int timeout_ms, int wake_fd);
/* accept4() one connection, non-blocking and close-on-exec. Returns the
 * socket, or what the MPM should do about the failure:
 *   NET_ACCEPT_RETRY    nothing to take (another child won it, or the
 *                       client gave up while it waited in the backlog);
 *   NET_ACCEPT_BACKOFF  out of descriptors or memory (logged at most once
 *                       every 10 s): the connection stays in the backlog
 *                       and the socket stays readable, so pause accepting
 *                       for NET_ACCEPT_BACKOFF_MS instead of spinning;
 *   NET_ACCEPT_FATAL    the listening socket itself is broken. */
enum { NET_ACCEPT_RETRY = -1, NET_ACCEPT_BACKOFF = -2, NET_ACCEPT_FATAL = -3 };
#define NET_ACCEPT_BACKOFF_MS 100

/* A server whose Listen address is taken exits with this status (usage
 * and configuration errors exit 1), so that a script that picked a port
 * can try another without reading the message. */
#define SERVER_EXIT_ADDRESS_IN_USE 3
int net_accept(int listen_fd);
/* The descriptor reserve: may the process accept one more connection and
 * still have `files` descriptors (plus a few spare) for the files its
 * requests may have open at once? False (logged once) near ulimit -n:
 * leave new connections in the listen backlog and ask again later. */
bool net_descriptors_for(int files);
/* Waiting for connections without a thundering herd. Every idle prefork
 * child (and every worker listener) waits on the same listening sockets;
 * with poll() one new connection would wake them all, and all but one
 * would find nothing to accept. An epoll set per process, with the
 * listening sockets added EPOLLEXCLUSIVE, asks the kernel to wake one
 * waiter instead (Apache gets the same from a blocking accept() or its
 * accept mutex). The set also holds wake_fd. Returns the epoll fd, or -1. */
int net_listeners_epoll(const struct server *srv, int wake_fd);
/* Wait up to timeout_ms (-1: forever). Returns a listening socket with a
 * connection waiting, NET_WAIT_WOKEN when wake_fd became readable, or
 * NET_WAIT_NOTHING (timeout, or a signal interrupted the wait). */
enum { NET_WAIT_NOTHING = -1, NET_WAIT_WOKEN = -2 };
int net_listeners_wait(int epfd, int timeout_ms);
/* Format a peer address "127.0.0.1". */
void net_peer_name(int fd, char *out, size_t outlen);

#endif
