/*
 * scoreboard.c - Apache's scoreboard in one shared anonymous mapping.
 *
 * What it teaches: processes share nothing unless they ask. The master maps
 * one MAP_SHARED|MAP_ANONYMOUS region before its first fork(); every child
 * inherits the same physical pages, so a letter a worker writes in its slot
 * is what the master's maintenance loop and /server-status read a moment
 * later, in any process. Each slot has one writer (its owner), so there is
 * no lock: fields are stored and loaded with relaxed atomics, which costs
 * nothing on x86 but tells the compiler (and TSan) that other threads and
 * processes read them concurrently. A reader may see a slot mid-update
 * (a new state with the old request line, say): that is fine for a status
 * display and it is exactly what Apache accepts too.
 *
 * Used by every MPM, by the master (idle counts) and by common/status.c.
 * Unit tests: tests/unit/test_scoreboard.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "clock.h"
#include "scoreboard.h"

/* Upper bounds that keep the mapping's size arithmetic far from overflow;
 * Apache's own hard limits are ServerLimit 200000 and ThreadLimit 20000. */
#define SB_MAX_SERVER_LIMIT 200000
#define SB_MAX_THREAD_LIMIT 20000
#define SB_MAX_BYTES ((size_t)1 << 30)
#define SB_ALIGN 64 /* each array starts on its own cache line */

struct scoreboard *the_scoreboard;

#define LOAD(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define STORE(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define ADD(field, v) __atomic_fetch_add(&(field), (v), __ATOMIC_RELAXED)

static size_t round_up(size_t n)
{
	return (n + SB_ALIGN - 1) / SB_ALIGN * SB_ALIGN;
}

/* Bytes of the whole mapping, or 0 if the limits are out of range. */
static size_t scoreboard_bytes(int server_limit, int thread_limit,
			       size_t *procs_off, size_t *workers_off)
{
	size_t workers, procs_bytes, workers_bytes;

	if (server_limit < 1 || server_limit > SB_MAX_SERVER_LIMIT ||
	    thread_limit < 1 || thread_limit > SB_MAX_THREAD_LIMIT)
		return 0;
	if (__builtin_mul_overflow((size_t)server_limit, (size_t)thread_limit,
				   &workers) ||
	    __builtin_mul_overflow(workers, sizeof(struct sb_worker),
				   &workers_bytes))
		return 0;
	procs_bytes = (size_t)server_limit * sizeof(struct sb_process);
	*procs_off = round_up(sizeof(struct scoreboard));
	*workers_off = *procs_off + round_up(procs_bytes);
	if (workers_bytes > SB_MAX_BYTES - *workers_off)
		return 0;
	return *workers_off + workers_bytes;
}

struct scoreboard *scoreboard_create(int server_limit, int thread_limit,
				     const char *mpm_name)
{
	size_t procs_off, workers_off, i, nworkers;
	size_t bytes = scoreboard_bytes(server_limit, thread_limit,
					&procs_off, &workers_off);
	struct scoreboard *sb;
	char *base;

	if (bytes == 0) {
		errno = EINVAL;
		return NULL;
	}
	/* Anonymous and shared: zero-filled pages that fork() does not copy. */
	base = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	sb = (struct scoreboard *)base;
	sb->server_limit = server_limit;
	sb->thread_limit = thread_limit;
	sb->procs = (struct sb_process *)(base + procs_off);
	sb->workers = (struct sb_worker *)(base + workers_off);
	snprintf(sb->mpm_name, sizeof(sb->mpm_name), "%s",
		 mpm_name ? mpm_name : "");
	sb->start_time_ms = now_realtime_ms();
	sb->restart_time_ms = sb->start_time_ms;
	nworkers = (size_t)server_limit * (size_t)thread_limit;
	for (i = 0; i < nworkers; i++)
		sb->workers[i].state = SB_DEAD;
	/* The first scoreboard of the process is the server's; tests that
	 * create more keep theirs to themselves. */
	if (the_scoreboard == NULL)
		the_scoreboard = sb;
	return sb;
}

void scoreboard_restart(struct scoreboard *sb, bool reset_counters)
{
	size_t i, nworkers;

	STORE(sb->generation, LOAD(sb->generation) + 1);
	STORE(sb->restart_time_ms, now_realtime_ms());
	if (!reset_counters)
		return;
	/* HUP: Apache starts counting from zero again. The master is the
	 * second writer of these fields here, but only while no child of the
	 * old generation is still serving (HUP kills them first). */
	nworkers = (size_t)sb->server_limit * (size_t)sb->thread_limit;
	for (i = 0; i < nworkers; i++) {
		struct sb_worker *w = &sb->workers[i];

		STORE(w->access_count, 0);
		STORE(w->bytes_served, 0);
		STORE(w->conn_count, 0);
	}
}

uint32_t sb_generation(const struct scoreboard *sb)
{
	return LOAD(sb->generation);
}

struct sb_worker *scoreboard_worker(struct scoreboard *sb, int proc,
				    int thread)
{
	if (sb == NULL || proc < 0 || proc >= sb->server_limit ||
	    thread < 0 || thread >= sb->thread_limit)
		return NULL;
	return &sb->workers[(size_t)proc * (size_t)sb->thread_limit +
			    (size_t)thread];
}

struct sb_process *scoreboard_process(struct scoreboard *sb, int slot)
{
	if (sb == NULL || slot < 0 || slot >= sb->server_limit)
		return NULL;
	return &sb->procs[slot];
}

/* ---- Strings: one byte at a time, each an atomic store ---- */

/* Copy at most len bytes of src (stopping at a NUL) into a slot's array,
 * printable ASCII only, so a status page never shows control bytes. A
 * reader may see half of an old and half of a new string: harmless. */
static void store_text(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i, n = len < cap - 1 ? len : cap - 1;

	for (i = 0; i < n && src[i] != '\0'; i++) {
		char ch = src[i];

		if ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f)
			ch = '?';
		STORE(dst[i], ch);
	}
	STORE(dst[i], '\0');
}

static void load_text(char *out, const char *src, size_t cap)
{
	size_t i;

	for (i = 0; i + 1 < cap; i++) {
		out[i] = LOAD(src[i]);
		if (out[i] == '\0')
			return;
	}
	out[i] = '\0';
}

/* ---- Owner side ---- */

/* A worker that leaves '.' or 'S' takes its slot: it records who it is,
 * once per life of the slot rather than on every state change (getpid()
 * is a real system call in today's glibc). */
static void claim_slot(struct sb_worker *w)
{
	STORE(w->pid, getpid());
	STORE(w->generation,
	      the_scoreboard ? LOAD(the_scoreboard->generation) : 0);
}

/* Is the process that owns w's slot on its way out (graceful stop)? */
static bool owner_is_quiescing(const struct sb_worker *w)
{
	const struct scoreboard *sb = the_scoreboard;
	size_t index, nworkers;

	if (sb == NULL || w < sb->workers)
		return false;
	index = (size_t)(w - sb->workers);
	nworkers = (size_t)sb->server_limit * (size_t)sb->thread_limit;
	if (index >= nworkers)
		return false;   /* a scoreboard of a unit test's own */
	return LOAD(sb->procs[index / (size_t)sb->thread_limit].quiescing);
}

/* A worker of a process in a graceful stop shows 'G' whatever it does,
 * as it finishes (Apache's "gracefully finishing"), until its slot is
 * '.' again. */
void sb_set_state(struct sb_worker *w, enum sb_state state)
{
	uint32_t old;

	if (w == NULL)
		return;
	if (state != SB_DEAD && owner_is_quiescing(w))
		state = SB_GRACEFUL;
	old = LOAD(w->state);
	if ((old == SB_DEAD || old == SB_STARTING) && state != SB_DEAD)
		claim_slot(w);
	STORE(w->state, (uint32_t)state);
	STORE(w->last_used_ms, now_realtime_ms());
}

void sb_request_start(struct sb_worker *w, const char *request_line,
		      size_t len)
{
	if (w == NULL || request_line == NULL)
		return;
	store_text(w->request, sizeof(w->request), request_line, len);
	STORE(w->last_used_ms, now_realtime_ms());
}

void sb_request_done(struct sb_worker *w, uint64_t bytes)
{
	if (w == NULL)
		return;
	ADD(w->access_count, 1);
	ADD(w->bytes_served, bytes);
	STORE(w->last_used_ms, now_realtime_ms());
}

void sb_connection_start(struct sb_worker *w, const char *client)
{
	if (w == NULL)
		return;
	store_text(w->client, sizeof(w->client), client ? client : "",
		   sizeof(w->client));
	STORE(w->request[0], '\0');
	ADD(w->conn_count, 1);
}

void sb_proc_start(struct scoreboard *sb, int slot, pid_t pid)
{
	struct sb_process *p = scoreboard_process(sb, slot);

	if (p == NULL)
		return;
	/* Only what the master knows. The child may be running already and
	 * may have published its own fields (accepting, connections): a
	 * reset here could overwrite them, and the child would not publish
	 * them again until they change. sb_proc_exited reset them. */
	STORE(p->generation, LOAD(sb->generation));
	STORE(p->pid, pid);
}

void sb_proc_exited(struct scoreboard *sb, int slot)
{
	struct sb_process *p = scoreboard_process(sb, slot);
	int t;

	if (p == NULL)
		return;
	STORE(p->pid, 0);
	STORE(p->quiescing, 0);
	STORE(p->not_accepting, 0);
	sb_proc_set_conns(p, 0, 0, 0, 0);
	/* A crashed child could not tidy its workers' slots: do it for it. */
	for (t = 0; t < sb->thread_limit; t++)
		STORE(scoreboard_worker(sb, slot, t)->state, SB_DEAD);
}

void sb_proc_claim(struct sb_process *p, pid_t pid, uint32_t generation)
{
	if (p == NULL)
		return;
	STORE(p->generation, generation);
	STORE(p->pid, pid);
}

void sb_mark_starting(struct sb_worker *w)
{
	if (w != NULL)
		STORE(w->state, (uint32_t)SB_STARTING);
}

void sb_proc_set_quiescing(struct sb_process *p, bool quiescing)
{
	if (p != NULL)
		STORE(p->quiescing, quiescing ? 1u : 0u);
}

void sb_proc_set_accepting(struct sb_process *p, bool accepting)
{
	if (p != NULL)
		STORE(p->not_accepting, accepting ? 0u : 1u);
}

void sb_proc_set_conns(struct sb_process *p, uint32_t total,
		       uint32_t writing, uint32_t keepalive, uint32_t closing)
{
	if (p == NULL)
		return;
	STORE(p->conns_total, total);
	STORE(p->conns_writing, writing);
	STORE(p->conns_keepalive, keepalive);
	STORE(p->conns_closing, closing);
}

/* ---- Reader side ---- */

enum sb_state sb_get_state(const struct sb_worker *w)
{
	return w ? (enum sb_state)LOAD(w->state) : SB_DEAD;
}

pid_t sb_proc_pid(const struct sb_process *p)
{
	return p ? LOAD(p->pid) : 0;
}

uint32_t sb_proc_generation(const struct sb_process *p)
{
	return p ? LOAD(p->generation) : 0;
}

bool sb_proc_in_service(const struct scoreboard *sb,
			const struct sb_process *p)
{
	return p != NULL && LOAD(p->pid) != 0 && !LOAD(p->quiescing) &&
	       LOAD(p->generation) == LOAD(sb->generation);
}

bool sb_proc_accepting(const struct sb_process *p)
{
	return p != NULL && !LOAD(p->not_accepting);
}

bool sb_other_child_accepting(const struct scoreboard *sb,
			      const struct sb_process *self)
{
	int slot;

	for (slot = 0; slot < sb->server_limit; slot++) {
		const struct sb_process *p = &sb->procs[slot];

		if (p != self && sb_proc_in_service(sb, p) &&
		    sb_proc_accepting(p))
			return true;
	}
	return false;
}

bool sb_state_is_busy(enum sb_state state)
{
	switch ((int)state) {
	case SB_READ: case SB_WRITE: case SB_KEEPALIVE: case SB_LOGGING:
	case 'D': case SB_CLOSING: case SB_GRACEFUL:
		return true;
	default: /* '_' waiting, '.' open, 'S' starting, 'I' idle cleanup */
		return false;
	}
}

void sb_worker_snapshot(const struct sb_worker *w, struct sb_worker *out)
{
	memset(out, 0, sizeof(*out));
	out->state = LOAD(w->state);
	out->pid = LOAD(w->pid);
	out->generation = LOAD(w->generation);
	out->access_count = LOAD(w->access_count);
	out->bytes_served = LOAD(w->bytes_served);
	out->conn_count = LOAD(w->conn_count);
	out->last_used_ms = LOAD(w->last_used_ms);
	load_text(out->client, w->client, sizeof(out->client));
	load_text(out->request, w->request, sizeof(out->request));
}

void sb_process_snapshot(const struct sb_process *p, struct sb_process *out)
{
	out->pid = LOAD(p->pid);
	out->generation = LOAD(p->generation);
	out->quiescing = LOAD(p->quiescing);
	out->conns_total = LOAD(p->conns_total);
	out->conns_writing = LOAD(p->conns_writing);
	out->conns_keepalive = LOAD(p->conns_keepalive);
	out->conns_closing = LOAD(p->conns_closing);
	out->not_accepting = LOAD(p->not_accepting);
}

/* Add one live process's workers and connections to t. Idle workers of a
 * process that is stopping cannot take new work, so, as Apache's
 * maintenance does, they do not count as idle. */
static void add_process(const struct scoreboard *sb, int slot,
			struct sb_totals *t)
{
	const struct sb_process *p = &sb->procs[slot];
	bool stopping = LOAD(p->quiescing) != 0;
	int i;

	t->processes++;
	if (stopping)
		t->stopping++;
	t->conns_total += LOAD(p->conns_total);
	t->conns_writing += LOAD(p->conns_writing);
	t->conns_keepalive += LOAD(p->conns_keepalive);
	t->conns_closing += LOAD(p->conns_closing);
	for (i = 0; i < sb->thread_limit; i++) {
		const struct sb_worker *w =
			&sb->workers[(size_t)slot * (size_t)sb->thread_limit +
				     (size_t)i];
		enum sb_state s = sb_get_state(w);

		if (s == SB_READY && !stopping)
			t->idle++;
		else if (sb_state_is_busy(s))
			t->busy++;
		if (s == SB_GRACEFUL)
			t->graceful++;
	}
}

void scoreboard_totals(const struct scoreboard *sb, struct sb_totals *t)
{
	size_t i, nworkers;
	int slot;

	memset(t, 0, sizeof(*t));
	for (slot = 0; slot < sb->server_limit; slot++)
		if (LOAD(sb->procs[slot].pid) != 0)
			add_process(sb, slot, t);
	/* Counters of every slot, dead or alive: they outlive their process
	 * until a HUP restart resets them, as Apache's do. */
	nworkers = (size_t)sb->server_limit * (size_t)sb->thread_limit;
	for (i = 0; i < nworkers; i++) {
		t->accesses += LOAD(sb->workers[i].access_count);
		t->bytes += LOAD(sb->workers[i].bytes_served);
	}
}
