/*
 * workers.h - the worker threads of a worker or event child.
 *
 * What it teaches: a threaded child is a pool of ThreadsPerChild threads
 * that sleep on a condition variable until the listener thread pushes a
 * connection onto a mutex-protected queue. The listener can ask "is any
 * thread idle?" before it accepts, which is how Apache's worker keeps
 * excess connections in the kernel's listen backlog instead of in a queue
 * nobody serves.
 *
 * Used by 02-worker (a thread serves a whole connection: conn_serve) and
 * 03-event (a thread serves one request, then gives the connection back to
 * the listener).
 */
#ifndef KIT_WORKERS_H
#define KIT_WORKERS_H

#include <pthread.h>
#include <stdbool.h>

struct conn;
struct sb_worker;

struct worker_pool;

/* What a worker thread does with a connection taken from the queue; the
 * function owns c from then on (closes or hands it back). */
typedef void (*worker_job_fn)(void *ctx, struct conn *c,
			      struct sb_worker *slot);

/* Start `threads` threads for scoreboard process slot `slot`; each thread i
 * uses worker slot (slot, i) and marks it '_' while it waits. The threads
 * block every signal, so signals go to the calling (listener) thread.
 * Returns NULL (logged) on failure. */
struct worker_pool *worker_pool_start(int slot, int threads,
				      worker_job_fn job, void *ctx);

/* Queue a connection for the next idle thread (FIFO). Waits for room if
 * ThreadsPerChild connections are already queued. */
void worker_pool_push(struct worker_pool *p, struct conn *c);

/* Number of threads waiting for work minus queued connections (can be <= 0). */
int worker_pool_idle(struct worker_pool *p);

/* Block until a thread is idle (idle threads > queued connections) or
 * timeout_ms (>= 0) passes. Returns true if a thread is idle. A condition
 * variable cannot also wait for a file descriptor or a signal, so callers
 * pass a short timeout and look at their stop flags between calls. */
bool worker_pool_wait_idle(struct worker_pool *p, int timeout_ms);

/* The child stops gracefully (its process slot is quiescing): idle
 * threads wake up once to show 'G', then wait for work as before. */
void worker_pool_show_graceful(struct worker_pool *p);

/* Stop the pool without blocking for long: idle threads exit at once, busy
 * ones after their job, queued connections are still served. Waits up to
 * timeout_ms and returns true once every thread has exited. Call it again
 * to wait more (a graceful stop that must still notice a TERM). */
bool worker_pool_drain(struct worker_pool *p, int timeout_ms);

/* Let the threads finish what is queued and what they are doing, then join
 * them and free the pool. Each thread's slot ends as '.'. */
void worker_pool_stop(struct worker_pool *p);

#endif
