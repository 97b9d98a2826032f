/*
 * lifecycle.h - where a process is in its life, in one vocabulary for the
 * master and every MPM's child: running, stopping gracefully, stopping now;
 * and, for the master, a restart asked for.
 *
 * What it teaches: a signal handler may do almost nothing safely, so a
 * signal becomes a value here and a byte on the wake pipe, and the loops
 * of the processes look at the value. One file owns that state; everybody
 * else asks stop_requested(). The same signal means something else to the
 * master and to a child, so each installs its own table of meanings:
 *
 *   signal        master                          child
 *   TERM, INT     stop now                        stop now
 *   HUP           restart now (children: TERM)    stop now
 *   USR1          restart gracefully (children:   stop gracefully
 *                 USR1)
 *   WINCH         stop gracefully (children:      stop gracefully
 *                 USR1)
 *   CHLD          wake up (reap)                  -
 *
 * A child also stops gracefully of its own accord when it reaches
 * MaxConnectionsPerChild (stop_request(STOP_GRACEFUL)). Used by server.c
 * and master.c (installing the handlers), conn.c (no keep-alive once a
 * stop is asked for; an idle connection ends at once on STOP_NOW) and the
 * three MPMs' loops.
 */
#ifndef KIT_LIFECYCLE_H
#define KIT_LIFECYCLE_H

#include <stdbool.h>

/* Ordered: a stop can only become more urgent, never less. */
enum stop_kind {
	STOP_NONE,      /* running */
	STOP_GRACEFUL,  /* accept nothing new, finish what was accepted,
			   answer "Connection: close" from now on */
	STOP_NOW,       /* leave at once; the kernel closes the sockets */
};

/* The master only: a restart asked for and not yet begun. */
enum restart_kind {
	RESTART_NONE,
	RESTART_GRACEFUL, /* USR1: a new generation, the old one finishes */
	RESTART_NOW,      /* HUP: stop every child, start again */
};

/* Ask for a stop (raises the level; a lower one is ignored). From a
 * signal handler or any thread: a lock-free atomic. */
void stop_request(enum stop_kind kind);
/* The stop asked for so far, from any thread. */
enum stop_kind stop_requested(void);

/* The master: the restart asked for since the last call, and forget it
 * (a signal that arrives after this call is seen by the next one). */
enum restart_kind restart_take(void);

/* A pipe whose read end becomes readable when a signal arrives: poll it
 * beside other descriptors to wake up at once. Non-blocking, CLOEXEC. */
extern int lifecycle_wake_fd[2];
/* Read the wake pipe empty. */
void lifecycle_drain_wake(void);

/* The master's table above, and a wake pipe if it has none yet: -1 (errno
 * set) if the pipe cannot be made. */
int lifecycle_master_signals(void);
/* In a new child (signals blocked): its own wake pipe (a signal sent to
 * it must not wake the master), every request forgotten (they are copies
 * of the master's), then the child's table; SIGCHLD back to its default
 * and SIGPIPE still ignored (a client that goes away must make write()
 * fail with EPIPE, not kill the child). -1 (logged) on failure. */
int lifecycle_child_signals(void);

#endif
