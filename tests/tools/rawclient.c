/*
 * rawclient.c - send exact bytes to a server on 127.0.0.1 and show the reply.
 *
 * What it teaches: HTTP is bytes on a socket. curl hides the framing; the
 * conformance suite (tests/conformance.bats) needs to send a request one
 * byte at a time, three requests in one write, a bad head followed by junk,
 * or half a request line and then nothing, and to see whether the server
 * closed the connection. Every wait here is bounded, so a test never hangs.
 *
 *   rawclient [options] PORT 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
 *
 *   -s N   send in pieces of N bytes      -d MS  pause between pieces
 *   -w MS  pause after sending            -t MS  read timeout (5000)
 *   -n N   stop after N responses         -r     print only status lines
 *   -c     print CLOSED if the server closed the connection, else OPEN
 *   -e     print RESET if a read or write failed with ECONNRESET
 *   -k N   open N connections, send the bytes on each, read them all
 *   -p N   append N bytes of junk ('x') to the bytes to send
 *   -h     half-close: shut the write side after sending (the server must
 *          still answer what it received)
 *
 * Escapes in the bytes: \r \n \t \0 \\ \xNN. Exit status: 0, 1 if a
 * connection failed, 2 for a usage error.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define MAX_READ (4 * 1024 * 1024) /* bytes kept per connection */

struct client {
	int fd;
	char *in;               /* everything received */
	size_t len;
	bool closed, reset;
};

static struct {
	long split, delay_ms, wait_ms, timeout_ms, stop_after, conns, pad;
	bool status_only, show_closed, show_reset, half_close;
} opt = { 0, 0, 0, 5000, 0, 1, 0, false, false, false, false };

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool parse_number(const char *s, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return !errno && end != s && !*end && *out >= 0 && *out <= max;
}

/* Decode C-style escapes in place; returns the decoded length. */
static size_t unescape(char *s)
{
	static const char names[] = "rnt0", codes[] = "\r\n\t";
	size_t in = 0, out = 0;
	unsigned char byte;
	int used;

	while (s[in]) {
		char ch = s[in++];
		const char *known;

		if (ch == '\\' && s[in]) {
			ch = s[in++]; /* \\ and unknown escapes: the char */
			known = strchr(names, ch);
			if (known)
				ch = codes[known - names]; /* "\0" ends codes */
			else if (ch == 'x' && isxdigit((unsigned char)s[in]) &&
				 sscanf(s + in, "%2hhx%n", &byte, &used) == 1) {
				ch = (char)byte;
				in += (size_t)used;
			}
		}
		s[out++] = ch;
	}
	return out;
}

/* Linux bounds a blocking connect() by SO_SNDTIMEO: a full listen backlog
 * must not hang a test. Sends and receives use MSG_DONTWAIT and poll(). */
static int connect_to(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { opt.timeout_ms / 1000,
			      (opt.timeout_ms % 1000) * 1000 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* On failure the program exits, which closes fd. */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa))
		return -1;
	return fd;
}

/* Send all of buf; SO_SNDTIMEO bounds each wait for room. A server that
 * closed (EPIPE, ECONNRESET) ends the sending, not the program: its response
 * may still be waiting to be read. */
static void send_bytes(struct client *c, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

		if (n <= 0) {
			c->reset = c->reset || errno == ECONNRESET;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * Walk the responses in buf. If print, print the status line of each head
 * found. Returns the number of complete responses. A body is
 * Content-Length bytes, none for 1xx/204/304, and none when the next bytes
 * already start a response (the answer to a HEAD request).
 */
static long walk_responses(const char *buf, size_t len, bool print)
{
	size_t pos = 0;
	long complete = 0;

	while (pos < len) {
		const char *head = buf + pos, *end, *eol, *p;
		size_t head_len, body = 0;
		long status;

		end = memmem(head, len - pos, "\r\n\r\n", 4);
		if (!end)
			break;
		head_len = (size_t)(end - head) + 4;
		eol = memchr(head, '\r', head_len);
		if (print)
			printf("%.*s\n", (int)(eol - head), head);
		status = head_len > 12 ? strtol(head + 9, NULL, 10) : 0;
		for (p = memchr(head, '\n', head_len); p && p < end;
		     p = memchr(p + 1, '\n', (size_t)(end - p)))
			if (!strncasecmp(p + 1, "Content-Length:", 15))
				body = strtoul(p + 16, NULL, 10);
		if ((status >= 100 && status < 200) || status == 204 ||
		    status == 304 || (len - pos - head_len >= 7 &&
				      !memcmp(end + 4, "HTTP/1.", 7)))
			body = 0;
		if (body > len - pos - head_len)
			break;
		pos += head_len + body;
		complete++;
	}
	return complete;
}

static void read_some(struct client *c)
{
	ssize_t n = recv(c->fd, c->in + c->len, MAX_READ - c->len,
			 MSG_DONTWAIT);

	if (n > 0)
		c->len += (size_t)n;
	else if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	c->reset |= n < 0 && errno == ECONNRESET;
	/* The end: closed, failed, or enough bytes kept. */
	c->closed |= n <= 0 || c->len == MAX_READ;
}

/* Read from every connection until each is closed or has its N responses,
 * or until the timeout. */
static void read_all(struct client *cs, long count)
{
	long long deadline = now_ms() + opt.timeout_ms, left;
	struct pollfd pfd[MAX_CONNS];
	long i, waiting;

	for (;;) {
		left = deadline - now_ms();
		waiting = 0;
		for (i = 0; i < count; i++) {
			bool done = cs[i].closed || (opt.stop_after > 0 &&
				walk_responses(cs[i].in, cs[i].len, false) >=
				opt.stop_after);

			pfd[i] = (struct pollfd){ .fd = done ? -1 : cs[i].fd,
						  .events = POLLIN };
			waiting += !done;
		}
		if (!waiting || left <= 0)
			return;
		if (poll(pfd, (nfds_t)count, (int)left) < 0 && errno != EINTR)
			return;
		for (i = 0; i < count; i++)
			if (pfd[i].fd >= 0 && pfd[i].revents)
				read_some(&cs[i]);
	}
}

/* -s -d -w -t -n -k -p: the numeric options, their fields and limits. */
static bool parse_options(int argc, char **argv)
{
	static const char numeric[] = "sdwtnkp";
	long *field[] = { &opt.split, &opt.delay_ms, &opt.wait_ms,
			  &opt.timeout_ms, &opt.stop_after, &opt.conns,
			  &opt.pad };
	const long max[] = { 1 << 30, 60000, 60000, 600000, 1000000,
			     MAX_CONNS, 1 << 26 };
	int ch;

	while ((ch = getopt(argc, argv, "s:d:w:t:n:k:p:rceh")) != -1) {
		const char *which = strchr(numeric, ch);

		if (ch == '?' || (which && !parse_number(optarg,
				max[which - numeric], field[which - numeric])))
			return false;
		opt.status_only |= ch == 'r';
		opt.show_closed |= ch == 'c';
		opt.show_reset |= ch == 'e';
		opt.half_close |= ch == 'h';
	}
	return opt.conns > 0 && argc - optind == 2;
}

int main(int argc, char **argv)
{
	static struct client cs[MAX_CONNS];
	long port, i;
	size_t len, off, piece;
	char *req;

	if (!parse_options(argc, argv) ||
	    !parse_number(argv[optind], 65535, &port)) {
		fprintf(stderr, "usage: rawclient [-s N] [-d MS] [-w MS] "
			"[-t MS] [-n N] [-r] [-c] [-e] [-h] [-k N] [-p N] PORT "
			"BYTES\n");
		return 2;
	}
	for (i = 0; i < opt.conns; i++) {
		cs[i].fd = connect_to((int)port);
		cs[i].in = malloc(MAX_READ);
		if (cs[i].fd < 0 || !cs[i].in) {
			fprintf(stderr, "rawclient: connect to 127.0.0.1:%ld "
				"failed: %s\n", port, strerror(errno));
			return 1;
		}
	}
	len = unescape(argv[optind + 1]);
	req = malloc(len + (size_t)opt.pad + 1);
	if (!req)
		return 1;
	memcpy(req, argv[optind + 1], len);
	memset(req + len, 'x', (size_t)opt.pad);
	len += (size_t)opt.pad;
	piece = opt.split > 0 ? (size_t)opt.split : len;
	for (off = 0; off < len; off += piece) {
		if (off > 0)
			poll(NULL, 0, (int)opt.delay_ms);
		for (i = 0; i < opt.conns; i++)
			send_bytes(&cs[i], req + off,
				   len - off < piece ? len - off : piece);
	}
	for (i = 0; opt.half_close && i < opt.conns; i++)
		shutdown(cs[i].fd, SHUT_WR);
	poll(NULL, 0, (int)opt.wait_ms);
	read_all(cs, opt.conns);

	for (i = 0; i < opt.conns; i++) {
		if (opt.status_only)
			walk_responses(cs[i].in, cs[i].len, true);
		else
			fwrite(cs[i].in, 1, cs[i].len, stdout);
		/* After raw bytes, the words go on a line of their own. */
		if (opt.show_reset && cs[i].reset)
			printf("%sRESET\n", opt.status_only ? "" : "\n");
		if (opt.show_closed)
			printf("%s%s\n", opt.status_only ? "" : "\n",
			       cs[i].closed ? "CLOSED" : "OPEN");
		close(cs[i].fd);
		free(cs[i].in);
	}
	free(req);
	return 0;
}
