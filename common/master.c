/*
 * master.c - the parent process of every MPM: fork, reap, regulate, restart.
 *
 * What it teaches: the master of an Apache-style server never touches a
 * client. It forks children into scoreboard slots, reaps them when they
 * exit, and once a second counts the idle workers in the scoreboard to
 * decide whether the pool is too small (spawn 1, 2, 4 ... 32 children a
 * round while the shortage lasts) or too big (retire one idle child,
 * gracefully). Signals become stops and restarts: TERM stops now, WINCH
 * stops gracefully, HUP restarts now, USR1 restarts gracefully while the
 * listening sockets stay open, so no connection is refused.
 *
 * Read it in this order: the child's side of a fork (its own signals and
 * wake pipe), spawning and reaping, the idle maintenance, then the signal
 * handling and master_run() at the bottom.
 *
 * Used by 01-prefork, 02-worker and 03-event. Labs that count processes,
 * watch /server-status while load rises and falls, crash a child or
 * restart under load all watch this file at work.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "lifecycle.h"
#include "log.h"
#include "master.h"
#include "scoreboard.h"
#include "server.h"

#define MAINTENANCE_INTERVAL_MS 1000 /* Apache sleeps one second a round */
#define MAX_SPAWN_RATE 32            /* children per round, at most */
#define BUSY_LOG_SPAWN_RATE 8        /* log "server seems busy" from here */
#define HOLD_OFF_ROUNDS 10           /* no doubling after a graceful restart */
#define STOP_TIMEOUT_MS 3000         /* SIGTERM, then SIGKILL */
#define KILL_TIMEOUT_MS 2000         /* how long to wait after SIGKILL */
#define GRACEFUL_STOP_TIMEOUT_MS 30000 /* WINCH, then SIGTERM */

struct master {
	struct server *srv;
	struct scoreboard *sb;
	child_main_fn child_main;
	int threads_per_child;  /* 1 for prefork */
	int min_spare;          /* idle workers: MinSpareServers/Threads */
	int max_spare;          /* MaxSpareServers/Threads */
	int max_children;       /* MaxRequestWorkers / ThreadsPerChild */
	int spawn_rate;         /* children to spawn next round: 1 ... 32 */
	int hold_off_rounds;    /* rounds left without doubling spawn_rate */
	bool max_workers_reported;
};

/* ---- The child's side of fork() ---------------------------------------- */

/* Everything a new child needs before child_main runs. Signals are still
 * blocked here (see spawn_child), so none can find a half-made child. */
static int child_setup(struct master *m, int slot, uint32_t generation,
		       pid_t master_pid)
{
	struct sb_process *proc = scoreboard_process(m->sb, slot);

	/* Its own wake pipe, its own meanings of the signals (lifecycle.h),
	 * and no restart or stop copied from the master. */
	if (lifecycle_child_signals() < 0)
		return -1;
	if (server_drop_privileges(m->srv) < 0)
		return -1;
	/* If the master is killed (kill -9), do not live on with the port. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != master_pid)
		return -1;
	/* The parent records the same after fork(); doing it here too leaves
	 * no moment in which this child runs unrecorded. */
	sb_proc_claim(proc, getpid(), generation);
	return 0;
}

static void run_child(struct master *m, int slot, uint32_t generation,
		      pid_t master_pid, const sigset_t *mask)
{
	int status = 1;

	if (child_setup(m, slot, generation, master_pid) == 0 &&
	    sigprocmask(SIG_SETMASK, mask, NULL) == 0)
		status = m->child_main(m->srv, slot);
	/* _exit: the master's atexit handlers and stdio are not ours. */
	_exit(status);
}

bool child_reached_max_connections(const struct server *srv, long accepted)
{
	long limit = srv->cfg.max_connections_per_child;

	if (limit <= 0 || accepted < limit)
		return false;
	stop_request(STOP_GRACEFUL);
	return true;
}

void child_stop_accepting(struct server *srv, int slot)
{
	int i;

	stop_request(STOP_GRACEFUL);
	sb_proc_set_quiescing(scoreboard_process(the_scoreboard, slot), true);
	for (i = 0; i < srv->listen_count; i++)
		close(srv->listen_fds[i]);
}

/* ---- Spawning and reaping ---------------------------------------------- */

/* Mark the new child's workers 'S' before fork(): the maintenance counts
 * them as idle at once instead of spawning more meanwhile, and the child,
 * which writes them next, cannot be overwritten by a late parent. */
static void mark_starting(struct master *m, int slot)
{
	int t;

	for (t = 0; t < m->threads_per_child; t++)
		sb_mark_starting(scoreboard_worker(m->sb, slot, t));
}

static int spawn_child(struct master *m, int slot)
{
	uint32_t generation = sb_generation(m->sb);
	pid_t master_pid = getpid();
	sigset_t all, old;
	pid_t pid;
	int err;

	mark_starting(m, slot);
	/* Block every signal across fork(): otherwise a signal could run the
	 * master's handler inside the child before the child installs its
	 * own. The child unblocks them once its handlers are in place. */
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old) < 0) {
		log_error("sigprocmask: %s", strerror(errno));
		sb_proc_exited(m->sb, slot);
		return -1;
	}
	pid = fork();
	if (pid == 0)
		run_child(m, slot, generation, master_pid, &old);
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		log_error("fork: %s", strerror(err));
		sb_proc_exited(m->sb, slot);
		return -1;
	}
	sb_proc_start(m->sb, slot, pid);
	return 0;
}

/* The slot of process pid; pid 0 finds a free slot. -1 if none. */
static int find_slot(const struct master *m, pid_t pid)
{
	int slot;

	for (slot = 0; slot < m->sb->server_limit; slot++)
		if (sb_proc_pid(&m->sb->procs[slot]) == pid)
			return slot;
	return -1;
}

/* Spawn up to n children into free slots; returns how many started. */
static int spawn_children(struct master *m, int n)
{
	int started = 0;

	while (started < n) {
		int slot = find_slot(m, 0);

		if (slot < 0 || spawn_child(m, slot) < 0)
			break;
		started++;
	}
	return started;
}

static void log_child_exit(pid_t pid, int status)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		log_error("child pid %d exit signal %s (%d)%s", (int)pid,
			  strsignal(sig), sig,
			  WCOREDUMP(status) ? ", core dumped" : "");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		log_warn("child pid %d exit status %d", (int)pid,
			 WEXITSTATUS(status));
	}
}

/* Collect every child that has exited and free its slot. A slot is freed
 * only here, by the master, never by the child itself: a child that crashes
 * cannot clean up after itself. */
static void reap_children(struct master *m)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int slot = find_slot(m, pid);

		log_child_exit(pid, status);
		if (slot >= 0)
			sb_proc_exited(m->sb, slot);
	}
}

static int live_children(const struct master *m)
{
	int slot, n = 0;

	for (slot = 0; slot < m->sb->server_limit; slot++)
		if (sb_proc_pid(&m->sb->procs[slot]) > 0)
			n++;
	return n;
}

/* Send sig to the children, or only to those of older generations. A child
 * told to finish (USR1) is marked quiescing: the maintenance ignores it. */
static void signal_children(struct master *m, int sig, bool old_only)
{
	uint32_t generation = sb_generation(m->sb);
	int slot;

	for (slot = 0; slot < m->sb->server_limit; slot++) {
		struct sb_process *proc = &m->sb->procs[slot];
		pid_t pid = sb_proc_pid(proc);

		/* pid <= 0 would signal a process group, maybe our own. */
		if (pid <= 0)
			continue;
		if (old_only && sb_proc_generation(proc) == generation)
			continue;
		if (sig == SIGUSR1)
			sb_proc_set_quiescing(proc, true);
		if (kill(pid, sig) < 0 && errno != ESRCH)
			log_warn("kill(%d, %d): %s", (int)pid, sig,
				 strerror(errno));
	}
}

/* Sleep until a signal (SIGCHLD included) writes the wake pipe, or for
 * timeout_ms at most. */
static void wait_for_wake(int64_t timeout_ms)
{
	struct pollfd pfd = { .fd = lifecycle_wake_fd[0], .events = POLLIN };

	if (timeout_ms < 0)
		timeout_ms = 0;
	if (poll(&pfd, 1, (int)timeout_ms) > 0)
		lifecycle_drain_wake();
}

/* Reap until no child is left or timeout_ms have passed. Returns true if
 * every child is gone. With give_up_on_stop, a TERM ends the wait early. */
static bool wait_for_children(struct master *m, int timeout_ms,
			      bool give_up_on_stop)
{
	int64_t deadline = now_monotonic_ms() + timeout_ms;

	for (;;) {
		int64_t left;

		reap_children(m);
		if (live_children(m) == 0)
			return true;
		left = deadline - now_monotonic_ms();
		if (left <= 0 ||
		    (give_up_on_stop && stop_requested() == STOP_NOW))
			return false;
		/* SIGCHLD wakes us; the cap is a safety net. */
		wait_for_wake(left < 100 ? left : 100);
	}
}

/* TERM every child, then KILL those that do not exit in time. */
static void stop_children(struct master *m)
{
	signal_children(m, SIGTERM, false);
	if (wait_for_children(m, STOP_TIMEOUT_MS, false))
		return;
	log_warn("%d children still did not exit, sending a SIGKILL",
		 live_children(m));
	signal_children(m, SIGKILL, false);
	if (!wait_for_children(m, KILL_TIMEOUT_MS, false))
		log_error("%d children survived SIGKILL", live_children(m));
}

/* ---- Idle maintenance -------------------------------------------------- */

/* What the scoreboard says about the children of the current generation
 * that are not on their way out. */
struct census {
	int children;
	int idle;           /* workers in '_' or 'S' (about to be '_') of
			       children that accept new connections */
	int free_slots;     /* process slots with no process */
	int retire_slot;    /* a child to retire if there are too many idle */
};

static int idle_workers(const struct master *m, int slot)
{
	int t, idle = 0;

	for (t = 0; t < m->threads_per_child; t++) {
		enum sb_state s =
			sb_get_state(scoreboard_worker(m->sb, slot, t));

		if (s == SB_READY || s == SB_STARTING)
			idle++;
	}
	return idle;
}

static void take_census(const struct master *m, struct census *c)
{
	int slot, last = -1;

	memset(c, 0, sizeof(*c));
	c->retire_slot = -1;
	for (slot = 0; slot < m->sb->server_limit; slot++) {
		const struct sb_process *proc = &m->sb->procs[slot];
		int idle;

		if (sb_proc_pid(proc) == 0) {
			c->free_slots++;
			continue;
		}
		if (!sb_proc_in_service(m->sb, proc))
			continue;
		c->children++;
		/* A child at its connection limit (event) takes no new
		 * client, so its idle threads are no spare capacity: a
		 * server whose children are all full spawns another. */
		if (!sb_proc_accepting(proc))
			continue;
		idle = idle_workers(m, slot);
		c->idle += idle;
		last = slot;
		/* Prefer the highest slot whose workers are all idle, so the
		 * pool shrinks from the top as Apache's does. */
		if (idle == m->threads_per_child)
			c->retire_slot = slot;
	}
	if (c->retire_slot < 0)
		c->retire_slot = last;
}

/* BEGIN SOLUTION prefork-spares: stubs/maintenance.c */
static void spawn_for_shortage(struct master *m, const struct census *c)
{
	int n = m->max_children - c->children;

	if (n > m->spawn_rate)
		n = m->spawn_rate;
	if (n > c->free_slots)
		n = c->free_slots; /* old children still finishing: wait */
	if (m->max_children - c->children <= 0) {
		if (c->idle == 0 && !m->max_workers_reported) {
			log_error("server reached MaxRequestWorkers setting, "
				  "consider raising the MaxRequestWorkers "
				  "setting");
			m->max_workers_reported = true;
		}
		m->spawn_rate = 1;
		return;
	}
	if (n <= 0)
		return;
	if (m->spawn_rate >= BUSY_LOG_SPAWN_RATE)
		log_notice("server seems busy, (you may need to increase "
			   "StartServers, or %s), spawning %d children, there "
			   "are %d idle, and %d total children",
			   m->srv->cfg.mpm == MPM_PREFORK ?
			   "Min/MaxSpareServers" : "Min/MaxSpareThreads",
			   n, c->idle, c->children);
	spawn_children(m, n);
	/* Exponential: a shortage that lasts gets 1, 2, 4 ... 32 a round. */
	if (m->hold_off_rounds > 0)
		m->hold_off_rounds--;
	else if (m->spawn_rate < MAX_SPAWN_RATE)
		m->spawn_rate *= 2;
}

/* Once a round: too few idle workers -> spawn; too many -> retire one
 * child gracefully (one a round, so the pool shrinks slowly). */
static void perform_idle_maintenance(struct master *m)
{
	struct census c;

	take_census(m, &c);
	if (c.idle > m->max_spare && c.retire_slot >= 0) {
		struct sb_process *proc = &m->sb->procs[c.retire_slot];
		pid_t pid = sb_proc_pid(proc);

		sb_proc_set_quiescing(proc, true);
		if (pid > 0 && kill(pid, SIGUSR1) < 0 && errno != ESRCH)
			log_warn("kill(%d, SIGUSR1): %s", (int)pid,
				 strerror(errno));
		m->spawn_rate = 1;
	} else if (c.idle < m->min_spare) {
		spawn_for_shortage(m, &c);
	} else {
		m->spawn_rate = 1;
	}
}
/* END SOLUTION */

/* ---- Configuration, signals, the main loop ----------------------------- */

/* Workers per child: 1 for prefork, ThreadsPerChild (within ThreadLimit)
 * for worker and event. */
static long threads_per_child(const struct config *cfg,
			      const struct scoreboard *sb)
{
	long tpc = cfg->mpm == MPM_PREFORK ? 1 : cfg->threads_per_child;

	if (tpc < 1)
		tpc = 1;
	if (tpc > sb->thread_limit)
		tpc = sb->thread_limit;
	return tpc;
}

/* MaxRequestWorkers in children, within ServerLimit. */
static long max_children_of(const struct config *cfg,
			    const struct scoreboard *sb)
{
	long max_children, limit = cfg->server_limit;

	if (limit > sb->server_limit)
		limit = sb->server_limit; /* ServerLimit is fixed at start */
	max_children = cfg->max_request_workers / threads_per_child(cfg, sb);
	if (max_children > limit)
		max_children = limit;
	return max_children < 1 ? 1 : max_children;
}

bool master_could_spawn(const struct server *srv)
{
	const struct scoreboard *sb = the_scoreboard;
	int slot, children = 0, free_slots = 0;

	for (slot = 0; slot < sb->server_limit; slot++) {
		const struct sb_process *proc = &sb->procs[slot];

		if (sb_proc_pid(proc) == 0)
			free_slots++;
		else if (sb_proc_in_service(sb, proc))
			children++;
	}
	return free_slots > 0 && children < max_children_of(&srv->cfg, sb);
}

/* The limits in workers: a worker is a process for prefork and a thread
 * for worker and event, so one loop regulates all three. */
static void configure(struct master *m)
{
	const struct config *cfg = &m->srv->cfg;

	m->threads_per_child = (int)threads_per_child(cfg, m->sb);
	m->max_children = (int)max_children_of(cfg, m->sb);
	if (cfg->mpm == MPM_PREFORK) {
		m->min_spare = (int)cfg->min_spare_servers;
		m->max_spare = (int)cfg->max_spare_servers;
	} else {
		m->min_spare = (int)cfg->min_spare_threads;
		m->max_spare = (int)cfg->max_spare_threads;
	}
	m->spawn_rate = 1;
	m->max_workers_reported = false;
}

static void start_children(struct master *m)
{
	long n = m->srv->cfg.start_servers;

	if (n > m->max_children)
		n = m->max_children;
	spawn_children(m, (int)n);
}

/* HUP: everything stops, the configuration is re-read, counters reset. */
static void restart_now(struct master *m)
{
	log_notice("SIGHUP received.  Attempting to restart");
	server_reload(m->srv);
	stop_children(m);
	scoreboard_restart(m->sb, true);
	configure(m);
	log_notice("mpm-kit (%s) configured -- resuming normal operations",
		   m->srv->mpm->name);
	start_children(m);
}

/* USR1: a new generation starts at once while the old one finishes its
 * connections. The listening sockets never close, so a client that
 * connects meanwhile waits in the backlog until some child accepts. */
static void restart_gracefully(struct master *m)
{
	log_notice("SIGUSR1 received.  Doing graceful restart");
	server_reload(m->srv);
	scoreboard_restart(m->sb, false);
	signal_children(m, SIGUSR1, true);
	configure(m);
	m->hold_off_rounds = HOLD_OFF_ROUNDS;
	log_notice("mpm-kit (%s) configured -- resuming normal operations",
		   m->srv->mpm->name);
	start_children(m);
}

static int shutdown_now(struct master *m)
{
	log_notice("caught SIGTERM, shutting down");
	stop_children(m);
	return 0;
}

/* WINCH: children finish what they are doing; no new ones are started. */
static int shutdown_gracefully(struct master *m)
{
	log_notice("caught SIGWINCH, shutting down gracefully");
	signal_children(m, SIGUSR1, false);
	if (!wait_for_children(m, GRACEFUL_STOP_TIMEOUT_MS, true)) {
		log_warn("%d children still busy, stopping them now",
			 live_children(m));
		stop_children(m);
	}
	return 0;
}

int master_run(struct server *srv, child_main_fn child_main)
{
	struct master m = {
		.srv = srv,
		.sb = the_scoreboard,
		.child_main = child_main,
	};
	int64_t next_round;

	lifecycle_master_signals(); /* server_main made the wake pipe */
	configure(&m);
	start_children(&m);
	next_round = now_monotonic_ms() + MAINTENANCE_INTERVAL_MS;
	for (;;) {
		int64_t now = now_monotonic_ms();

		if (now < next_round)
			wait_for_wake(next_round - now);
		reap_children(&m);
		switch (stop_requested()) {
		case STOP_NOW:
			return shutdown_now(&m);
		case STOP_GRACEFUL:
			return shutdown_gracefully(&m);
		case STOP_NONE:
			break;
		}
		/* Taking the request clears it: a second signal that
		 * arrives meanwhile is seen on the next turn. */
		switch (restart_take()) {
		case RESTART_NOW:
			restart_now(&m);
			break;
		case RESTART_GRACEFUL:
			restart_gracefully(&m);
			break;
		case RESTART_NONE:
			break;
		}
		now = now_monotonic_ms();
		if (now >= next_round) {
			perform_idle_maintenance(&m);
			next_round = now + MAINTENANCE_INTERVAL_MS;
		}
	}
}

/* server_main() calls mpm->run(srv), which knows no child_main: the one
 * this process was given, set once before anything runs. */
static child_main_fn mpm_child_main;

static int run_master(struct server *srv)
{
	return master_run(srv, mpm_child_main);
}

int master_main(int argc, char **argv, const char *name, enum mpm_kind kind,
		child_main_fn child_main)
{
	struct mpm mpm = { .name = name, .kind = kind, .run = run_master };

	mpm_child_main = child_main;
	return server_main(argc, argv, &mpm);
}
