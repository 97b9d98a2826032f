/*
 * client.h - what the two halves of a loadgen thread share: the
 * connection state machine (connection.c) and the event loop that drives
 * it (client.c).
 */
#ifndef LOADGEN_CLIENT_H
#define LOADGEN_CLIENT_H

#include "loadgen.h"

#define READ_BUF_SIZE (128 * 1024) /* one per thread */

enum conn_kind { KIND_ACTIVE, KIND_IDLE, KIND_SLOW };

enum conn_state {
	CS_CLOSED,   /* no socket: (re)start when wake_at comes */
	CS_SENDING,  /* connecting, or writing the request */
	CS_DRIPPING, /* slow client: one byte of the request per tick */
	CS_READING,  /* request sent, response not complete yet */
	CS_PARKED,   /* connected and silent */
	CS_DONE,     /* finished for this run */
};

enum body_mode { BODY_NONE, BODY_LENGTH, BODY_UNTIL_CLOSE };

struct conn {
	int fd;
	uint32_t gen;         /* bumped per socket: stale events are skipped */
	enum conn_kind kind;
	enum conn_state state;
	bool connected;       /* the handshake is known to be complete */
	bool want_out;        /* EPOLLOUT is in the interest set */
	bool in_head;
	bool in_free_list;    /* open loop: waiting for a due request */
	enum body_mode body;
	bool close_after;
	int status;
	uint64_t started;     /* when the request began, or was due */
	uint64_t wake_at;     /* the one timer of this connection */
	size_t sent;
	long long body_left;
	uint64_t received;
	char *carry;          /* a response head split across reads */
	size_t carry_len;
};

struct loop {
	struct worker *w;
	struct run *run;
	const struct options *opt;
	int epfd;
	struct conn *conns;
	size_t nconns;
	long active_live;     /* active connections not yet DONE */
	char *rbuf;
	uint64_t next_scan, last_scan;
	bool end_seen;        /* the measured window is over */
	/* open loop */
	double interval_ns;   /* between two of this thread's requests */
	uint64_t first_due;
	uint64_t dispatched;
	size_t *free_list;
	size_t nfree;
	bool out_of_budget;
};

/* connection.c: what the loop asks of a connection. */
void conn_start_request(struct loop *l, struct conn *c, uint64_t started,
			uint64_t now);
bool conn_claim_request(struct loop *l, uint64_t started);
void conn_finish_active(struct loop *l, struct conn *c);
void conn_on_readable(struct loop *l, struct conn *c, uint64_t now);
void conn_on_writable(struct loop *l, struct conn *c, uint64_t now);
void conn_on_timer(struct loop *l, struct conn *c, uint64_t now);
/* Close the socket, if any (it leaves the epoll set by itself). */
void conn_close_socket(struct conn *c);

#endif
