/*
 * conn.h - one client connection and the life of its requests.
 *
 * What it teaches: whatever the MPM, a connection goes through the same
 * steps: read a request head (incrementally), run a handler, send the
 * response, then either wait for the next request (keep-alive) or close.
 * This file gives those steps as functions. Prefork children and worker
 * threads call conn_serve(), which runs them in a blocking loop; event's
 * listener calls conn_read_head() itself and hands a complete head to a
 * worker thread, which calls conn_process() and conn_send().
 */
#ifndef KIT_CONN_H
#define KIT_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "http_parser.h"
#include "response.h"

struct server;
struct sb_worker;

/* Apache's lingering close: read and discard for up to 2 s a read and
 * 30 s in all (conn_linger_and_close here, CS_LINGER in 03-event). */
#define LINGER_READ_MS 2000
#define LINGER_TOTAL_MS 30000

#define CONN_PEER_MAX 48        /* "127.0.0.1", or an IPv6 address */

struct conn {
	int fd;
	char peer[CONN_PEER_MAX];
	const struct server *srv;
	struct sb_worker *sb;   /* scoreboard slot of whoever serves it now */
	int wake_fd;            /* readable when the process is stopping; -1 */
	void *owner;            /* the MPM's own record of it (event: its
				   struct ev_conn); NULL */

	/* Received bytes. The current request's head starts at buf[0] and
	 * stays in place until the response is logged, so the spans in req
	 * stay valid; bytes after the head (body, pipelined requests) follow. */
	char *buf;
	size_t len;
	size_t cap;

	struct http_parser parser;
	bool head_complete;
	bool answered;          /* c->resp already holds the answer (an error) */
	size_t body_consumed;   /* body bytes (encoded) after the head, used */
	bool body_done;         /* the request body has been read or discarded */

	unsigned requests;      /* requests answered on this connection */
	bool keep_alive;        /* decided for the current response */
	bool lingering;         /* close with lingering (unread input left) */
	int64_t request_start_ms; /* monotonic: first byte of this request */
	int64_t idle_since_ms;  /* monotonic: end of the previous response */

	/* The two big members last (3 KiB and 8 KiB): conn_init() clears
	 * only what needs it (response_init, http_request_clear). */
	struct response resp;
	struct http_request req;
};

enum conn_io {
	CONN_IO_DONE,      /* head complete / response sent */
	CONN_IO_AGAIN,     /* would block: wait for the socket */
	CONN_IO_CLOSED,    /* peer closed (cleanly, between requests) */
	CONN_IO_ERROR,     /* reset, or a parse error already answered */
};

void conn_init(struct conn *c, int fd, const struct server *srv);
/* The same, with the peer's address already known (no getpeername). */
void conn_init_with_peer(struct conn *c, int fd, const struct server *srv,
			 const char *peer);
/* Close the socket (lingering if c->lingering) and free the buffer. */
void conn_close(struct conn *c);

/* Read what the socket has (non-blocking) and parse. CONN_IO_DONE: a whole
 * head is in c->req. On a parse error the error response is prepared in
 * c->resp with c->keep_alive = false, and CONN_IO_DONE is returned too, so
 * the caller sends it like any other response. */
enum conn_io conn_read_head(struct conn *c);
/* Answer with an error instead of running a handler (a bad head, a 408):
 * the connection closes after it, lingering so the client can read it. */
void conn_answer_error(struct conn *c, int status, const char *why);
/* Show the current request line on a scoreboard slot (conn_read_head does
 * it for c->sb; event's worker threads do it for their own slot). */
void conn_show_request(const struct conn *c, struct sb_worker *slot);

/* Run the handler for the parsed head (unless an error response is already
 * prepared), give it the body through a struct body_reader, read away a
 * body it did not want (blocking, each wait bounded by Timeout; a broken
 * body replaces the answer by 400, 408 or 413), and build the response
 * head. */
void conn_process(struct conn *c);

/* Send what is left of the response (non-blocking). */
enum conn_io conn_send(struct conn *c);

/* After a response is sent: log it, update the scoreboard, drop the request
 * from the buffer. Returns true if the connection stays open for another
 * request. */
bool conn_finish_request(struct conn *c);

/* Shut the write side and read what the client still sends, for at most
 * 2 s a read and 30 s in all (Apache's lingering close), then close. Used
 * by conn_close when c->lingering is set. */
void conn_linger_and_close(int fd);

/* The blocking loop of prefork children and worker threads: serve every
 * request on the connection, honouring KeepAlive, KeepAliveTimeout,
 * MaxKeepAliveRequests and Timeout, then close. */
void conn_serve(struct conn *c);

#endif
