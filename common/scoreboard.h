/*
 * scoreboard.h - Apache's scoreboard: who is doing what, in shared memory.
 *
 * What it teaches: the master and its children are separate processes, so
 * they share state the Unix way: one anonymous shared mapping created before
 * the first fork(), inherited by every child. Each process has a slot (pid,
 * generation, state), each worker (a prefork child, or a thread of a
 * worker/event child) has a slot with Apache's state letter and counters.
 * Every slot has exactly one writer (its owner), so no lock is needed;
 * readers (the master, /server-status) see a snapshot that may be a moment
 * old, as in Apache. Fields are read and written with relaxed atomics so the
 * sanitizers (TSan) and the compiler agree about that.
 *
 * Used by every MPM (state changes), by the master's maintenance loop (idle
 * counts) and by common/status.c (/server-status). Labs 1 and 6 read it.
 */
#ifndef KIT_SCOREBOARD_H
#define KIT_SCOREBOARD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Apache's letters. */
enum sb_state {
	SB_DEAD = '.',      /* open slot, no worker */
	SB_STARTING = 'S',
	SB_READY = '_',     /* idle, waiting for a connection */
	SB_READ = 'R',      /* reading a request */
	SB_WRITE = 'W',     /* sending a reply (and running the handler) */
	SB_KEEPALIVE = 'K', /* waiting for the next request on a connection */
	SB_LOGGING = 'L',
	SB_CLOSING = 'C',
	SB_GRACEFUL = 'G',  /* gracefully finishing */
	SB_IDLE_KILL = 'I',
};

struct sb_process {
	pid_t pid;              /* 0 = free slot */
	uint32_t generation;    /* restart generation the child belongs to */
	uint32_t quiescing;     /* 1 while it finishes and exits */
	/* Event MPM connection counts (Apache's event columns). */
	uint32_t conns_total;
	uint32_t conns_writing;
	uint32_t conns_keepalive;
	uint32_t conns_closing;
	uint32_t not_accepting; /* 1 while at its connection limit */
};

struct sb_worker {
	uint32_t state;         /* an enum sb_state letter */
	pid_t pid;
	uint32_t generation;
	uint64_t access_count;  /* requests served by this slot, ever */
	uint64_t bytes_served;  /* body and head bytes sent */
	uint64_t conn_count;    /* connections served */
	int64_t last_used_ms;   /* CLOCK_REALTIME ms of the last state change */
	char client[48];        /* peer address of the current connection */
	char request[64];       /* first bytes of the current request line */
};

struct scoreboard {
	int server_limit;       /* process slots */
	int thread_limit;       /* worker slots per process */
	uint32_t generation;    /* bumped by each restart */
	int64_t restart_time_ms;/* CLOCK_REALTIME of the last (re)start */
	int64_t start_time_ms;  /* of the first start */
	char mpm_name[16];
	struct sb_process *procs;   /* [server_limit] */
	struct sb_worker *workers;  /* [server_limit * thread_limit] */
};

/* Global: one per server, created once before the first fork. ServerLimit
 * and ThreadLimit cannot change on restart (as in Apache). Returns NULL with
 * errno set on failure. */
extern struct scoreboard *the_scoreboard;
struct scoreboard *scoreboard_create(int server_limit, int thread_limit,
				     const char *mpm_name);

/* A new generation (HUP: counters reset; USR1: counters kept). */
void scoreboard_restart(struct scoreboard *sb, bool reset_counters);

struct sb_worker *scoreboard_worker(struct scoreboard *sb, int proc,
				    int thread);

/* Owner-side updates. While the owner's process is quiescing (a graceful
 * stop), every state but '.' is shown as 'G'. */
void sb_set_state(struct sb_worker *w, enum sb_state state);
void sb_request_start(struct sb_worker *w, const char *request_line,
		      size_t len);
void sb_request_done(struct sb_worker *w, uint64_t bytes);
void sb_connection_start(struct sb_worker *w, const char *client);

/* Reader side. */
enum sb_state sb_get_state(const struct sb_worker *w);

struct sb_totals {
	int processes;          /* live process slots */
	int stopping;           /* of which quiescing */
	int busy;               /* workers in R W K L C G */
	int idle;               /* workers in _ */
	int graceful;           /* workers in G */
	uint64_t accesses;
	uint64_t bytes;
	uint32_t conns_total, conns_writing, conns_keepalive, conns_closing;
};
void scoreboard_totals(const struct scoreboard *sb, struct sb_totals *t);

/* Process slot `slot`, or NULL if out of range. */
struct sb_process *scoreboard_process(struct scoreboard *sb, int slot);

/* The master (after fork) or the child itself: slot now belongs to pid,
 * in the current generation. The rest was reset by sb_proc_exited (or
 * is zero from the start): the child may have written it already. */
void sb_proc_start(struct scoreboard *sb, int slot, pid_t pid);
/* The master, after reaping: the slot is free (pid 0) and every worker slot
 * of it shows '.'. Counters stay until a HUP restart resets them. */
void sb_proc_exited(struct scoreboard *sb, int slot);
/* The child itself, first thing after fork(): the same record as the
 * master's sb_proc_start, with the generation it was forked in (a restart
 * may have begun a new one since). */
void sb_proc_claim(struct sb_process *p, pid_t pid, uint32_t generation);
/* The master, before fork(): the new child's worker shows 'S' (counted as
 * idle at once); the child claims the slot when it leaves 'S'. */
void sb_mark_starting(struct sb_worker *w);
void sb_proc_set_quiescing(struct sb_process *p, bool quiescing);
void sb_proc_set_accepting(struct sb_process *p, bool accepting);
void sb_proc_set_conns(struct sb_process *p, uint32_t total,
		       uint32_t writing, uint32_t keepalive, uint32_t closing);
pid_t sb_proc_pid(const struct sb_process *p);
uint32_t sb_proc_generation(const struct sb_process *p);
/* Is p a live child of the current generation that is not on its way out
 * (quiescing)? The children the master's maintenance counts. */
bool sb_proc_in_service(const struct scoreboard *sb,
			const struct sb_process *p);
/* Does p take new connections (event: false at its connection limit)? */
bool sb_proc_accepting(const struct sb_process *p);
/* Does a child other than `self`, of the current generation and not on
 * its way out, take new connections now? (event: a full child asks before
 * it closes idle keep-alive connections to make room for a newcomer.) */
bool sb_other_child_accepting(const struct scoreboard *sb,
			      const struct sb_process *self);
/* The scoreboard's current generation (bumped by scoreboard_restart). */
uint32_t sb_generation(const struct scoreboard *sb);

/* A reader's copy of a slot, read field by field with relaxed atomics:
 * each field is whole, the set may be a moment inconsistent (as in Apache).
 * Strings in the copy are always NUL-terminated. */
void sb_worker_snapshot(const struct sb_worker *w, struct sb_worker *out);
void sb_process_snapshot(const struct sb_process *p, struct sb_process *out);

/* True for the letters Apache counts as busy (R W K L D C G). */
bool sb_state_is_busy(enum sb_state state);

#endif
