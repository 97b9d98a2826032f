/*
 * workers.c - a fixed pool of worker threads fed through a FIFO queue.
 *
 * What it teaches: the classic producer/consumer. One producer (the
 * listener thread of a worker or event child) pushes connections; the
 * ThreadsPerChild consumers sleep on a condition variable until there is
 * one. Everything the threads share (the ring buffer, the counts, the stop
 * flag) is touched only with the mutex held: no data race for
 * ThreadSanitizer to find, no lock-free cleverness to get wrong. `work`
 * wakes the threads, `changed` wakes the producer.
 *
 * Used by 02-worker (a job serves a whole connection) and 03-event (a job
 * serves one request). The KeepAliveTimeout lab watches these threads.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "scoreboard.h"
#include "workers.h"

struct worker_thread {
	struct worker_pool *pool;
	int index;              /* worker slot (pool->slot, index) */
	pthread_t tid;
};

struct worker_pool {
	pthread_mutex_t lock;
	pthread_cond_t work;    /* a connection was queued, or stop was set */
	pthread_cond_t changed; /* a thread became idle, took work or exited */

	/* The queue: a ring buffer of `capacity` entries. It cannot fill up
	 * when the producer waits for an idle thread before each push;
	 * worker_pool_push() waits for room if a producer does not. */
	struct conn **ring;
	int head;               /* index of the oldest queued connection */
	int queued;
	int idle;               /* threads waiting on `work` */
	int running;            /* threads that have not exited */
	bool draining;         /* worker_pool_drain(): exit once idle */
	bool graceful;          /* the child stops gracefully: show 'G' */

	/* Written before the first thread starts, read-only afterwards. */
	int capacity;           /* ThreadsPerChild: ring size and threads */
	int started;            /* threads created (used by the creator) */
	int slot;               /* scoreboard process slot */
	worker_job_fn job;
	void *ctx;
	struct worker_thread thread[]; /* [capacity] */
};

/* BEGIN SOLUTION worker-queue: stubs/threads.c */
/* The next connection, or NULL once the pool stops and the queue is empty. */
static struct conn *pool_take(struct worker_pool *p, struct sb_worker *sbw)
{
	struct conn *c = NULL;

	sb_set_state(sbw, SB_READY);
	pthread_mutex_lock(&p->lock);
	p->idle++;
	pthread_cond_broadcast(&p->changed);
	/* A while, not an if: a wake-up can be spurious, or another thread
	 * may have taken the connection first. */
	while (p->queued == 0 && !p->draining) {
		pthread_cond_wait(&p->work, &p->lock);
		/* The child began a graceful stop: sb_set_state shows the
		 * waiting thread as 'G' from now on. */
		if (p->graceful && sb_get_state(sbw) != SB_GRACEFUL)
			sb_set_state(sbw, SB_READY);
	}
	p->idle--;
	if (p->queued > 0) {
		c = p->ring[p->head];
		p->head = (p->head + 1) % p->capacity;
		p->queued--;
		pthread_cond_broadcast(&p->changed);
	}
	pthread_mutex_unlock(&p->lock);
	return c;
}

static void *worker_thread_main(void *arg)
{
	struct worker_thread *t = arg;
	struct worker_pool *p = t->pool;
	struct sb_worker *sbw = scoreboard_worker(the_scoreboard, p->slot,
						  t->index);
	struct conn *c;

	while ((c = pool_take(p, sbw)) != NULL)
		p->job(p->ctx, c, sbw);
	sb_set_state(sbw, SB_DEAD);
	pthread_mutex_lock(&p->lock);
	p->running--;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}
/* END SOLUTION */

/* Condition variables time out on CLOCK_MONOTONIC, so a change of the wall
 * clock cannot stretch or cut a wait. With these attributes none of these
 * calls can fail on Linux (they only check their arguments). */
static void pool_init_sync(struct worker_pool *p)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, &attr);
	pthread_cond_init(&p->changed, &attr);
	pthread_condattr_destroy(&attr);
}

/* Create the threads with every signal blocked: a thread inherits its
 * creator's signal mask, so a signal sent to the child is delivered to the
 * creator (the listener), the thread that polls the wake pipe, and never
 * interrupts a worker in the middle of a request. */
static int pool_create_threads(struct worker_pool *p)
{
	sigset_t all, old;
	int err = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	p->running = p->capacity; /* no thread exists yet: no lock needed */
	for (p->started = 0; p->started < p->capacity; p->started++) {
		struct worker_thread *t = &p->thread[p->started];

		t->pool = p;
		t->index = p->started;
		err = pthread_create(&t->tid, NULL, worker_thread_main, t);
		if (err)
			break; /* the caller stops the pool: `running` is moot */
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

struct worker_pool *worker_pool_start(int slot, int threads,
				      worker_job_fn job, void *ctx)
{
	struct worker_pool *p;
	struct conn **ring;
	int err;

	p = calloc(1, sizeof(*p) + (size_t)threads * sizeof(p->thread[0]));
	ring = calloc((size_t)threads, sizeof(*ring));
	if (threads < 1 || !p || !ring) {
		log_error("worker pool: cannot allocate %d threads", threads);
		free(ring);
		free(p);
		return NULL;
	}
	p->capacity = threads;
	p->ring = ring;
	pool_init_sync(p);
	p->slot = slot;
	p->job = job;
	p->ctx = ctx;
	err = pool_create_threads(p);
	if (err) {
		log_error("worker pool: pthread_create (thread %d of %d): %s",
			  p->started + 1, p->capacity, strerror(err));
		worker_pool_stop(p);
		return NULL;
	}
	return p;
}

/* BEGIN SOLUTION worker-queue: stubs/queue.c */
/* The signal is sent after the unlock: a thread woken while we still held
 * the mutex would only wake up to block on it again (two more futex calls
 * and a context switch per job; seen with strace -f: labs/bench/README.md, "Where the time goes"). */
void worker_pool_push(struct worker_pool *p, struct conn *c)
{
	bool someone_waits;

	pthread_mutex_lock(&p->lock);
	while (p->queued == p->capacity)
		pthread_cond_wait(&p->changed, &p->lock);
	p->ring[(p->head + p->queued) % p->capacity] = c;
	p->queued++;
	someone_waits = p->idle > 0;
	pthread_mutex_unlock(&p->lock);
	if (someone_waits)
		pthread_cond_signal(&p->work);
}

int worker_pool_idle(struct worker_pool *p)
{
	int n;

	pthread_mutex_lock(&p->lock);
	n = p->idle - p->queued;
	pthread_mutex_unlock(&p->lock);
	return n;
}

static struct timespec deadline_after_ms(int ms)
{
	struct timespec ts;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = ts.tv_nsec + ms * 1000000LL;
	ts.tv_sec += ns / 1000000000;
	ts.tv_nsec = ns % 1000000000;
	return ts;
}

bool worker_pool_wait_idle(struct worker_pool *p, int timeout_ms)
{
	struct timespec until = deadline_after_ms(timeout_ms);
	bool idle;

	pthread_mutex_lock(&p->lock);
	/* A thread counts as idle only if no queued connection is already
	 * promised to it. */
	while (p->idle <= p->queued &&
	       pthread_cond_timedwait(&p->changed, &p->lock, &until) == 0)
		;
	idle = p->idle > p->queued;
	pthread_mutex_unlock(&p->lock);
	return idle;
}

bool worker_pool_drain(struct worker_pool *p, int timeout_ms)
{
	struct timespec until = deadline_after_ms(timeout_ms);
	bool done;

	pthread_mutex_lock(&p->lock);
	p->draining = true;
	pthread_cond_broadcast(&p->work); /* idle threads exit at once */
	while (p->running > 0 &&
	       pthread_cond_timedwait(&p->changed, &p->lock, &until) == 0)
		;
	done = p->running == 0;
	pthread_mutex_unlock(&p->lock);
	return done;
}
/* END SOLUTION */

void worker_pool_show_graceful(struct worker_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->graceful = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
}

void worker_pool_stop(struct worker_pool *p)
{
	int i;

	/* Each thread empties the queue with the others, then returns; the
	 * joins wait for that (only threads that were created are joined). */
	worker_pool_drain(p, 0);
	for (i = 0; i < p->started; i++)
		pthread_join(p->thread[i].tid, NULL);
	pthread_cond_destroy(&p->changed);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p->ring);
	free(p);
}
