/*
 * listener.h - the event listener's own records (private to 03-event).
 *
 * What it teaches: what an event server remembers about a connection that
 * no thread is serving. queues.c keeps these records in one list per
 * state (the timeout queues among them) and moves them between states;
 * listener.c runs the epoll loop and the state machine that decides the
 * moves; fastpath.c holds what only makes keep-alive faster. event.h is
 * the part worker threads see.
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

/* The listener's record of a connection: the one struct event keeps per
 * connection for its whole life. A struct conn (common/conn.h: the HTTP
 * state, 11.7 KiB with its header slots and response head buffer) is
 * attached only while bytes are buffered: an idle keep-alive connection
 * costs this record alone (README.md has the numbers). */
struct ev_conn {
	struct source src;      /* first member; src.fd is the socket */
	enum conn_state state;
	struct ev_conn *prev, *next;    /* in l->lists[state] */
	int64_t expires_ms;     /* monotonic; meaningful in timed states */
	int64_t linger_end_ms;  /* CS_LINGER: the 30 s bound */
	struct conn *conn;      /* NULL while nothing is buffered; its
				   owner points back here */
	enum job_kind job;      /* CS_WAIT_WORKER, CS_IN_WORKER: the task */
	unsigned requests;      /* answered so far, kept while conn is NULL */
	char peer[CONN_PEER_MAX]; /* the client's address, looked up once */
	/* Written by the worker that hands it back (listener_hand_back). */
	enum conn_state verdict;
	struct ev_conn *handback_next;
	int64_t handed_back_ms; /* end of the response: KeepAliveTimeout */
	/* The keep-alive fast path (fastpath.c). */
	bool armed_by_worker;   /* keep-alive, socket armed: nothing to do */
	bool event_pending;     /* the listener's: a request came while a
				   worker had it */
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

	struct source wake_src;         /* lifecycle_wake_fd[0]: a signal */
	struct source handback_src;     /* an eventfd: a worker gave one back */
	pthread_mutex_t handback_lock;
	struct ev_conn *handback_head, *handback_tail;

	/* The keep-alive fast path (fastpath.c). When epoll_wait() will
	 * return by itself (0: awake or being woken); atomic, set under
	 * handback_lock before sleeping. */
	int64_t asleep_until;
	bool wake_on_any;               /* under handback_lock */
	unsigned events_waiting;        /* in a worker, with event_pending */

	uint32_t shown[4];              /* counts last put on the scoreboard */
};

/* queues.c: moving a connection between states. */
void listener_queue_in(struct listener *l, struct ev_conn *ec,
		       enum conn_state s);
void listener_enter_state(struct listener *l, struct ev_conn *ec,
			  enum conn_state s);
bool listener_arm(struct listener *l, struct ev_conn *ec);
void listener_close_conn(struct listener *l, struct ev_conn *ec);
bool state_has_timeout(enum conn_state s);
int listener_next_timeout_ms(const struct listener *l);

/* queues.c: the struct conn of a connection that has bytes buffered. */
bool listener_attach_conn(struct listener *l, struct ev_conn *ec);
void listener_detach_if_idle(struct ev_conn *ec);
void listener_drop_conn(struct ev_conn *ec);

/* queues.c: to the worker threads and back. */
void listener_to_worker(struct listener *l, struct ev_conn *ec,
			enum job_kind job);
void listener_dispatch(struct listener *l);
struct ev_conn *listener_take_handed_back(struct listener *l);
void listener_drain_handback(struct listener *l);

/* fastpath.c: the keep-alive fast path, each step with its measurement. */
bool fastpath_worker_arms(struct listener *l, struct ev_conn *ec,
			  enum conn_state next);
bool fastpath_must_wake(struct listener *l, const struct ev_conn *ec);
int fastpath_sleep_ms(struct listener *l);
void fastpath_awake(struct listener *l);
void fastpath_note_request(struct listener *l, struct ev_conn *ec);
bool fastpath_take_request(struct listener *l, struct ev_conn *ec);

#endif
