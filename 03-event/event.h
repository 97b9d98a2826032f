/*
 * event.h - what the two halves of an event child tell each other.
 *
 * listener.c is the child's main thread: one epoll set holding every
 * connection that waits for its client. event.c is the rest of the child
 * and the job of its worker threads: run a request whose head the listener
 * has read, send the response, and give the connection back. This header
 * is the whole contract between them: the states a connection can be in,
 * what a worker is asked to do, and how it hands a connection back.
 */
#ifndef KIT_EVENT_H
#define KIT_EVENT_H

#include <stdbool.h>

#include "threaded.h"

struct conn;
struct server;
struct worker_pool;
struct listener;

/* The life of a connection (drawn in 03-event/README.md). Only one state
 * involves a thread, CS_IN_WORKER; in every other one the connection waits
 * in the listener: for its client (the timed states), or for a free
 * thread (CS_WAIT_WORKER). */
enum conn_state {
	CS_NEW,              /* accepted, in no list yet */
	CS_READ_HEAD,        /* a request head is (maybe) arriving: Timeout */
	CS_KEEPALIVE,        /* between requests, nothing received yet:
				KeepAliveTimeout */
	CS_WAIT_WORKER,      /* work to do, every thread busy: in line */
	CS_IN_WORKER,        /* a worker thread owns it; hands off! */
	CS_WRITE_COMPLETION, /* the response did not fit in the socket
				buffer: wait until writable, Timeout */
	CS_LINGER,           /* write side shut, reading until EOF: 2 s a
				read, 30 s in all */
	CS_CLOSED,           /* a worker's verdict only: close it now */
	CS_COUNT
};

/* What a worker thread is asked to do with a connection. */
enum job_kind {
	JOB_PROCESS,  /* a complete head is parsed: run it, send, ... */
	JOB_FINISH,   /* the listener finished sending: log, then go on */
	JOB_TIMEOUT,  /* part of a head arrived, then Timeout: answer 408 */
};

/* The listener, as common/threaded.c's child runs it (threaded.h):
 * listener.c's listener_create, listener_loop, listener_stop_accepting
 * (the listening sockets out of the epoll set), listener_drain (run on
 * until every connection has finished) and listener_destroy. */
extern const struct listener_ops event_listener;

/* For a worker thread: what to do with c, which the listener queued. */
enum job_kind listener_job_of(struct conn *c);

/* For a worker thread: give c back to the listener, which puts it in
 * state next (CS_READ_HEAD, CS_KEEPALIVE, CS_WRITE_COMPLETION, CS_LINGER
 * or CS_CLOSED). The worker must not touch c afterwards. */
void listener_hand_back(struct listener *l, struct conn *c,
			enum conn_state next);

#endif
