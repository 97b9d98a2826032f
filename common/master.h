/*
 * master.h - the parent process that all three MPMs share.
 *
 * What it teaches: Apache's master never serves a request. It forks
 * children into scoreboard slots, reaps and replaces them, and once a second
 * counts idle workers to decide whether to spawn more children (1, 2, 4 ...
 * 32 a second while the shortage lasts) or to retire one. For prefork a
 * worker is a child process; for worker and event it is a thread, so the
 * same loop regulates MinSpareServers/MaxSpareServers (prefork) and
 * MinSpareThreads/MaxSpareThreads (worker, event). It also turns signals
 * into restarts: TERM stops, HUP restarts now, USR1 restarts gracefully,
 * WINCH stops gracefully.
 */
#ifndef KIT_MASTER_H
#define KIT_MASTER_H

#include <stdbool.h>

struct server;

/* The body of a child process, run in a freshly forked child that owns
 * scoreboard process slot `slot` (its worker slots are slot*ThreadLimit
 * onwards). Signals in the child: TERM/HUP/INT set server_stop, USR1/WINCH
 * set server_graceful (finish current work, exit); both write the wake pipe.
 * master.c sets all this up before child_main runs (with signals blocked
 * across fork(), so there is no moment with the master's handlers): the
 * child has its own wake pipe in server_wake_fd (non-blocking, CLOEXEC; not
 * the master's), the server_* flags cleared, its process slot's pid and
 * generation recorded, its workers' slots at 'S', and PR_SET_PDEATHSIG so
 * it gets SIGTERM if the master dies. A child_main needs no signal code of
 * its own; it marks its worker slots '_' and, on leaving, '.'.
 * Returns the child's exit status (passed to _exit). */
typedef int (*child_main_fn)(struct server *srv, int slot);

/* Run the master until TERM/INT or a graceful stop; returns the exit
 * status for main(). */
int master_run(struct server *srv, child_main_fn child_main);

/* In a child: true once this child should stop taking new connections:
 * server_stop (TERM/HUP: stop now) or server_graceful (USR1/WINCH: graceful
 * restart or stop, or the master retiring a surplus idle child). A child
 * that reaches MaxConnectionsPerChild leaves its own loop. */
int child_should_stop(void);

/* In a child, from any thread: TERM, HUP or INT came (stop now, not
 * gracefully). An idle keep-alive connection closes then; in a graceful
 * stop it waits for its next request or KeepAliveTimeout. */
bool child_must_stop_now(void);

/* In a child (event): could the master still start a child of the current
 * generation for new clients? True while the children that are not on
 * their way out are fewer than MaxRequestWorkers / ThreadsPerChild and a
 * scoreboard slot is free (a full server spawns: master.c's census does
 * not count the idle threads of a child that stopped accepting). */
bool master_could_spawn(const struct server *srv);

#endif
