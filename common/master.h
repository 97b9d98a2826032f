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

#include "config.h"

struct server;

/* The body of a child process, run in a freshly forked child that owns
 * scoreboard process slot `slot` (its worker slots are slot*ThreadLimit
 * onwards). Signals in the child: TERM/HUP/INT ask for STOP_NOW,
 * USR1/WINCH for STOP_GRACEFUL (lifecycle.h); both write the wake pipe.
 * master.c sets all this up before child_main runs (with signals blocked
 * across fork(), so there is no moment with the master's handlers): the
 * child has its own wake pipe in lifecycle_wake_fd (not the master's), no
 * stop or restart asked for, its process slot's pid and generation
 * recorded, its workers' slots at 'S', and PR_SET_PDEATHSIG so it gets
 * SIGTERM if the master dies. A child_main needs no signal code of its
 * own; it runs while stop_requested() is STOP_NONE, marks its worker
 * slots '_' and, on leaving, '.'. Returns the child's exit status
 * (passed to _exit). */
typedef int (*child_main_fn)(struct server *srv, int slot);

/* Run the master until TERM/INT or a graceful stop; returns the exit
 * status for main(). */
int master_run(struct server *srv, child_main_fn child_main);

/* The whole main() of an MPM whose master is this one (all three):
 * server_main() with a run() that is master_run(srv, child_main). */
int master_main(int argc, char **argv, const char *name, enum mpm_kind kind,
		child_main_fn child_main);

/* In a child: has it taken its MaxConnectionsPerChild connections (0:
 * no limit)? As in Apache 2.4 it counts connections, not requests. Then
 * the child asks itself for a graceful stop. */
bool child_reached_max_connections(const struct server *srv, long accepted);

/* In a child that begins its graceful stop: STOP_GRACEFUL asked for (if
 * MaxConnectionsPerChild began it, no signal did), its scoreboard slot
 * quiescing (every worker shows 'G' as it finishes), and its copies of the
 * listening sockets closed (the master and the other children keep
 * theirs). An epoll set that watches them must let go of them first. */
void child_stop_accepting(struct server *srv, int slot);

/* In a child (event): could the master still start a child of the current
 * generation for new clients? True while the children that are not on
 * their way out are fewer than MaxRequestWorkers / ThreadsPerChild and a
 * scoreboard slot is free (a full server spawns: master.c's census does
 * not count the idle threads of a child that stopped accepting). */
bool master_could_spawn(const struct server *srv);

#endif
