/*
 * listener.h - the event listener's own records (private to 03-event).
 *
 * What it teaches: what an event server remembers about a connection that
 * no thread is serving. queues.c keeps these records in one list per
 * state (the timeout queues among them) and moves them between states;
 * listener.c runs the epoll loop and the state machine that decides the
 * moves. event.h is the part worker threads see.
 */
#ifndef KIT_LISTENER_H
#define KIT_LISTENER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "conn.h"
#include "event.h"

/* What an epoll event points to. The first member of every such object,
 * so the listener can tell a connection from a listening socket. */
enum source_kind { SRC_CONN, SRC_LISTEN, SRC_WAKE, SRC_HANDBACK };

struct source {
	enum source_kind kind;
	int fd;
};

/* A struct conn is big (its http_request has room for 256 header spans,
 * its response a 2 KiB head buffer: 11.7 KiB). A connection with nothing
 * buffered needs none of it, so the listener keeps only a small ev_conn
 * and allocates the box when bytes arrive (README.md has the numbers). */
struct conn_box {
	struct conn conn;       /* first: a struct conn * is a box's address */
	struct ev_conn *ec;
	enum job_kind job;      /* what the worker thread is to do */
};

struct ev_conn {
	struct source src;      /* first member; src.fd is the socket */
	enum conn_state state;
	struct ev_conn *prev, *next;    /* in l->lists[state] */
	int64_t expires_ms;     /* monotonic; meaningful in timed states */
	int64_t linger_end_ms;  /* CS_LINGER: the 30 s bound */
	struct conn_box *box;   /* NULL while nothing is buffered */
	unsigned requests;      /* answered so far, kept while box is NULL */
	char peer[CONN_PEER_MAX]; /* the client's address, looked up once */
	/* Written by the worker that hands it back (listener_hand_back). */
	enum conn_state verdict;
	bool armed_by_worker;   /* keep-alive, socket armed: nothing to do */
	int64_t handed_back_ms; /* end of the response: KeepAliveTimeout */
	struct ev_conn *handback_next;
	/* The listener's: a request came while a worker had it. */
	bool event_pending;
};

/* A FIFO list; for a state with a timeout it is that timeout's queue. */
struct conn_list {
	struct ev_conn *head, *tail;
	unsigned count;
};

struct listener {
	struct server *srv;
	struct sb_process *proc;
	struct worker_pool *pool;
	int threads;
	int epfd;
	int64_t now;                    /* monotonic ms, read once a turn */
	struct conn_list lists[CS_COUNT];
	unsigned conns;                 /* every connection of the child */

	struct source listen_src[CONFIG_MAX_LISTEN];
	int listen_count;
	bool accepting;                 /* listening sockets are in epfd */
	int64_t accept_paused_until;
	long accepted;                  /* for MaxConnectionsPerChild */

	struct source wake_src;         /* server_wake_fd[0]: a signal */
	struct source handback_src;     /* an eventfd: a worker gave one back */
	pthread_mutex_t handback_lock;
	struct ev_conn *handback_head, *handback_tail;
	/* When epoll_wait() will return by itself (0: awake or being woken);
	 * atomic, set under handback_lock before sleeping. */
	int64_t asleep_until;
	bool wake_on_any;               /* under handback_lock */
	unsigned events_waiting;        /* in a worker, with event_pending */

	uint32_t shown[4];              /* counts last put on the scoreboard */
};

/* queues.c: moving a connection between states. */
void queue_in(struct listener *l, struct ev_conn *ec, enum conn_state s);
void enter_state(struct listener *l, struct ev_conn *ec, enum conn_state s);
bool arm(struct listener *l, struct ev_conn *ec);
void close_conn(struct listener *l, struct ev_conn *ec);
bool has_timeout(enum conn_state s);
int next_timeout_ms(const struct listener *l);

/* queues.c: the struct conn of a connection that has bytes buffered. */
bool attach(struct listener *l, struct ev_conn *ec);
void detach_if_idle(struct ev_conn *ec);
void drop_box(struct ev_conn *ec);

/* queues.c: to the worker threads and back. */
void to_worker(struct listener *l, struct ev_conn *ec, enum job_kind job);
void dispatch(struct listener *l);
struct ev_conn *take_handed_back(struct listener *l);
void drain_handback_eventfd(struct listener *l);
int listener_sleep_ms(struct listener *l);
void listener_awake(struct listener *l);

#endif
