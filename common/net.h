/*
 * net.h - sockets: listening, accepting, waiting, naming a peer.
 *
 * What it teaches: everything the servers do with the socket API apart
 * from reading and writing requests. Binding is done once by the master
 * (server.c); accepting and waiting are done by the MPMs and conn.c.
 */
#ifndef KIT_NET_H
#define KIT_NET_H

#include <stdbool.h>
#include <stddef.h>

struct listen_addr;

int net_listen(const struct listen_addr *addr, int backlog, char *err,
	       size_t errlen);
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
int net_listeners_epoll(const int *listen_fds, int listen_count,
			int wake_fd);
/* Wait up to timeout_ms (-1: forever). Returns a listening socket with a
 * connection waiting, NET_WAIT_WOKEN when wake_fd became readable, or
 * NET_WAIT_NOTHING (timeout, or a signal interrupted the wait). */
enum { NET_WAIT_NOTHING = -1, NET_WAIT_WOKEN = -2 };
int net_listeners_wait(int epfd, int timeout_ms);
/* Format a peer address "127.0.0.1". */
void net_peer_name(int fd, char *out, size_t outlen);

#endif
