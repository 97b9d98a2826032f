/*
 * limit.c - the "limit" reference server: the least a server can do.
 *
 * What it teaches: how fast could any HTTP server be on this machine? This
 * program does only what no server can skip: accept, read a request up to
 * the blank line, write a response. The response is canned (the same 1285
 * bytes the kit's servers send for files/1k.txt: a 261-byte head and a
 * 1024-byte body), so there is no parsing, no file, no Date, no log, no
 * scoreboard. What is left is the kernel's share: the syscalls and the
 * loopback TCP stack. `make bench LIMIT=1` (and `make perf`) measure the
 * kit's servers against it; the gap between event and limit is what the
 * HTTP core and the MPM cost (labs/bench/README.md, "Where the time goes").
 *
 * Shape: one process per core (like nginx's worker_processes), each with its
 * own epoll set over the one listening socket; EPOLLEXCLUSIVE wakes one of
 * them per new connection instead of all. Every socket is non-blocking and
 * level-triggered, so a short read simply waits for the next event.
 *
 * Usage: limit PORT [PROCESSES]   (listens on 127.0.0.1; stop with TERM)
 * Exit status 3 when PORT is taken, as the kit's servers do
 * (SERVER_EXIT_ADDRESS_IN_USE), so that one retry loop serves all.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FDS      65536 /* one slot per descriptor number */
#define HEAD_MAX     4096  /* a request head longer than this is dropped */
#define BODY_BYTES   1024
#define EVENTS_MAX   256
#define EXIT_ADDRESS_IN_USE 3 /* as common/server.h's */

/* What has been received of a connection's current request head. */
struct slot {
	size_t len;
	char buf[HEAD_MAX];
};

static struct slot *slots[MAX_FDS];
static char response[512 + BODY_BYTES];
static size_t response_len;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The head is what the kit's servers send for files/1k.txt (same fields,
 * same lengths), so both put the same bytes on the wire. */
static void build_response(void)
{
	static const char head[] =
		"HTTP/1.1 200 OK\r\n"
		"Date: Fri, 27 Nov 2026 10:50:41 GMT\r\n"
		"Server: mpm-kit/1.0\r\n"
		"Last-Modified: Fri, 27 Nov 2026 10:13:59 GMT\r\n"
		"ETag: \"400-6b0957e7\"\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Accept-Ranges: bytes\r\n"
		"Content-Length: 1024\r\n"
		"Keep-Alive: timeout=5, max=99\r\n"
		"\r\n";

	memcpy(response, head, sizeof(head) - 1);
	memset(response + sizeof(head) - 1, 'x', BODY_BYTES);
	response_len = sizeof(head) - 1 + BODY_BYTES;
}

static int listen_on(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((unsigned short)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("setsockopt(SO_REUSEADDR)");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EADDRINUSE) {
			fprintf(stderr, "limit: port %d is in use\n", port);
			exit(EXIT_ADDRESS_IN_USE);
		}
		die("bind");
	}
	if (listen(fd, 511) < 0)
		die("listen");
	return fd;
}

static void close_conn(int fd)
{
	free(slots[fd]);
	slots[fd] = NULL;
	close(fd); /* also leaves the epoll set */
}

static void accept_all(int epfd, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int one = 1;
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		if (fd >= MAX_FDS) {
			close(fd);
			continue;
		}
		slots[fd] = calloc(1, sizeof(struct slot));
		if (!slots[fd]) {
			close(fd);
			continue;
		}
		/* Each response is one write(): nothing for Nagle to hold,
		 * but the kit's servers set it too. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ev.data.fd = fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			close_conn(fd);
	}
}

/* Read what there is; answer every complete head (pipelining included). A
 * response of 1285 bytes always fits an empty loopback send buffer, so a
 * short write is treated as a broken client. */
static void serve(int fd)
{
	struct slot *s = slots[fd];
	ssize_t n = read(fd, s->buf + s->len, HEAD_MAX - s->len);
	char *end;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_conn(fd);
		return;
	}
	s->len += (size_t)n;
	while ((end = memmem(s->buf, s->len, "\r\n\r\n", 4)) != NULL) {
		size_t used = (size_t)(end + 4 - s->buf);

		if (write(fd, response, response_len) != (ssize_t)response_len) {
			close_conn(fd);
			return;
		}
		memmove(s->buf, s->buf + used, s->len - used);
		s->len -= used;
	}
	if (s->len == HEAD_MAX)
		close_conn(fd);
}

static void run_loop(int lfd)
{
	struct epoll_event evs[EVENTS_MAX];
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE,
				  .data.fd = lfd };
	int epfd = epoll_create1(0);

	if (epfd < 0)
		die("epoll_create1");
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("epoll_ctl(listen)");
	for (;;) {
		int n = epoll_wait(epfd, evs, EVENTS_MAX, -1);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == lfd)
				accept_all(epfd, lfd);
			else
				serve(evs[i].data.fd);
		}
	}
}

static long parse_number(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "limit: %s must be %ld..%ld, not '%s'\n",
			what, lo, hi, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long procs = sysconf(_SC_NPROCESSORS_ONLN);
	int lfd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: limit PORT [PROCESSES]\n");
		return 2;
	}
	if (argc == 3)
		procs = parse_number(argv[2], 1, 64, "PROCESSES");
	if (procs < 1)
		procs = 1;
	build_response();
	lfd = listen_on((int)parse_number(argv[1], 1, 65535, "PORT"));
	signal(SIGPIPE, SIG_IGN);
	for (long i = 1; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0)
			run_loop(lfd);
	}
	/* The first process serves too. TERM to the process group (the way
	 * common/kit.sh's kit_stop stops a server) ends them all. */
	run_loop(lfd);
	return 0;
}
