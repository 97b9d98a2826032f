/*
 * net.c - listening sockets, waiting on a socket, naming a peer.
 *
 * What it teaches: a listening socket is four calls (socket, setsockopt,
 * bind, listen), and the backlog given to listen() (ListenBacklog) is
 * where connections wait while every worker is busy, connected but not
 * yet accepted. The sockets are non-blocking and close-on-exec: prefork children may race to
 * accept() the same connection, and the losers must get EAGAIN instead of
 * sleeping inside accept().
 *
 * Used by common/server.c (binding), and by the MPMs and common/conn.c
 * (net_wait with the wake pipe, so a signal interrupts any wait). Each
 * MPM asks net_descriptors_for() before it accepts: the descriptor
 * reserve that keeps a server at its ulimit -n answering (tests/faults).
 */
#include "net.h"
#include "config.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* One more sentence for the errors a student meets most often. */
static const char *bind_hint(int err)
{
	switch (err) {
	case EADDRINUSE:
		return " (is another server running on that port?)";
	case EACCES:
		return " (ports below 1024 need root)";
	case EADDRNOTAVAIL:
		return " (that address is not one of this machine's)";
	default:
		return "";
	}
}

static int listen_on(const struct addrinfo *ai, int backlog)
{
	int one = 1;
	int fd = socket(ai->ai_family,
			ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);

	if (fd < 0)
		return -1;
	/* Without SO_REUSEADDR a restarted server could not bind while
	 * connections of the old one linger in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, backlog) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int net_listen(const struct listen_addr *addr, int backlog, char *err,
	       size_t errlen)
{
	struct addrinfo hints, *list, *ai;
	char name[96];
	int fd = -1, rc, saved = 0;

	config_listen_format(addr, name, sizeof(name));
	memset(&hints, 0, sizeof(hints));
	/* "Listen 8080" means every IPv4 address, as the header promises;
	 * an explicit address may be IPv4 or IPv6. */
	hints.ai_family = addr->host[0] ? AF_UNSPEC : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(addr->host[0] ? addr->host : NULL, addr->port, &hints,
			 &list);
	if (rc != 0) {
		snprintf(err, errlen, "Listen %s: %s", name, gai_strerror(rc));
		return -1;
	}
	for (ai = list; ai && fd < 0; ai = ai->ai_next) {
		fd = listen_on(ai, backlog);
		if (fd < 0 && !saved)
			saved = errno;
	}
	freeaddrinfo(list);
	if (fd < 0) {
		snprintf(err, errlen, "Listen %s: %s%s", name, strerror(saved),
			 bind_hint(saved));
		errno = saved;	/* the caller tells "in use" apart */
	}
	return fd;
}

int net_wait(int fd, short events, int timeout_ms, int wake_fd)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = events },
		{ .fd = wake_fd, .events = POLLIN },
	};
	int n = poll(p, wake_fd >= 0 ? 2 : 1, timeout_ms);

	if (n < 0)
		return -1; /* EINTR: the caller looks at the signal flags */
	if (n == 0)
		return 0;
	/* The socket wins over the wake pipe: work in progress must not be
	 * starved by a wake-up byte that nobody has drained yet. */
	if (p[0].revents)
		return 1;
	errno = EINTR;
	return -1;
}

void net_peer_name(int fd, char *out, size_t outlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *where = NULL;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET)
			where = &((struct sockaddr_in *)&ss)->sin_addr;
		else if (ss.ss_family == AF_INET6)
			where = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	}
	if (!where || !inet_ntop(ss.ss_family, where, out, (socklen_t)outlen))
		snprintf(out, outlen, "-");
}

/* ---- The descriptor reserve ---------------------------------------------
 * A connection costs a descriptor, and so does the file that answers it.
 * A server that accepts while descriptors last has none left to open a
 * file: every client gets 503. So a process accepts only while, after
 * the new connection, enough stay free for the files its requests may
 * have open at once; the rest wait in the kernel's listen backlog. These
 * functions are called by the one thread of a process that accepts. */

#define NET_FD_SPARE 4          /* slack: a log reopened, a stray pipe */
#define NET_FD_FAR 64           /* further from the limit: no need to look */

static long fd_soft_limit;      /* ulimit -n, read once */
static int fd_high_water = -1;  /* highest descriptor accept() gave lately */
static bool fd_limit_reported;

static long descriptor_limit(void)
{
	struct rlimit rl;

	if (fd_soft_limit == 0)
		fd_soft_limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
				rl.rlim_cur != RLIM_INFINITY &&
				rl.rlim_cur < (rlim_t)INT_MAX ?
				(long)rl.rlim_cur : INT_MAX;
	return fd_soft_limit;
}

/* The lowest free descriptor, which is about how many are open (the
 * kernel always hands out the lowest). The limit itself if none is. */
static int lowest_free_descriptor(void)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	if (fd < 0)
		return (int)descriptor_limit();
	close(fd);
	return fd;
}

bool net_descriptors_for(int files)
{
	long limit = descriptor_limit(), need = 1 + files + NET_FD_SPARE;
	int lowest;

	/* Far from the limit (the usual case): no system call at all. */
	if (fd_high_water + 1 + need + NET_FD_FAR < limit)
		return true;
	lowest = lowest_free_descriptor();
	fd_high_water = lowest - 1;
	if (lowest + need <= limit)
		return true;
	if (!fd_limit_reported) {
		fd_limit_reported = true;
		log_error("server reached its limit of open files (ulimit -n "
			  "%ld, %d open): new connections wait in the listen "
			  "backlog while fewer than %ld descriptors are free; "
			  "consider raising ulimit -n (LimitNOFILE under "
			  "systemd) or lowering ThreadsPerChild", limit,
			  lowest, need);
	}
	return false;
}

int net_accept(int listen_fd)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd > fd_high_water)
		fd_high_water = fd;
	if (fd >= 0) {
		/* Without TCP_NODELAY, Nagle's algorithm holds a small file
		 * body sent after the head until the client's delayed ACK:
		 * 40 ms a keep-alive request, whatever the MPM. Set here,
		 * once per connection (conn_init runs once per request in
		 * the event MPM). */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1},
				 sizeof(int));
		return fd;
	}
	switch (errno) {
	case EMFILE: case ENFILE: case ENOBUFS: case ENOMEM:
		log_ratelimited("accept-EMFILE", 10, "accept: %s (check ulimit "
				"-n); pausing %d ms", strerror(errno),
				NET_ACCEPT_BACKOFF_MS);
		return NET_ACCEPT_BACKOFF;
	case EBADF: case ENOTSOCK: case EINVAL: case EFAULT:
		log_error("accept: %s", strerror(errno));
		return NET_ACCEPT_FATAL;
	default:
		/* EAGAIN, EINTR, ECONNABORTED and the network errors Linux
		 * passes on (see accept(2)): nothing to take now. */
		return NET_ACCEPT_RETRY;
	}
}

int net_listeners_epoll(const int *listen_fds, int listen_count, int wake_fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = -1 };
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, wake_fd, &ev) < 0)
		goto fail;
	for (int i = 0; i < listen_count; i++) {
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.fd = listen_fds[i];
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0)
			goto fail;
	}
	return epfd;
fail:
	log_error("epoll for the listening sockets: %s", strerror(errno));
	if (epfd >= 0)
		close(epfd);
	return -1;
}

int net_listeners_wait(int epfd, int timeout_ms)
{
	struct epoll_event events[CONFIG_MAX_LISTEN + 1];
	int n = epoll_wait(epfd, events, CONFIG_MAX_LISTEN + 1, timeout_ms);
	int found = NET_WAIT_NOTHING;

	for (int i = 0; i < n; i++) {
		if (events[i].data.fd < 0)
			return NET_WAIT_WOKEN;
		found = events[i].data.fd;
	}
	return found;
}
