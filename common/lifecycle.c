/*
 * lifecycle.c - the one owner of a process's stop and restart state, and
 * the signal handlers that set it (see lifecycle.h for the table of what
 * each signal means to the master and to a child).
 *
 * What it teaches: what a handler may safely do. Each one here stores a
 * value in a lock-free atomic int and writes one byte to the wake pipe,
 * both async-signal-safe; the process's loops do the rest. A stop level
 * only ever rises (a compare-and-swap loop), so a USR1 that arrives after
 * a TERM cannot turn "now" back into "gracefully".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lifecycle.h"
#include "log.h"

static int stop_level;          /* an enum stop_kind */
static int restart_level;       /* an enum restart_kind, the master's */
int lifecycle_wake_fd[2] = { -1, -1 };

/* SIGCHLD last: a child handles all the others, the master all. */
static const int handled_signals[] = {
	SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGWINCH, SIGCHLD,
};
#define HANDLED_COUNT (sizeof(handled_signals) / sizeof(handled_signals[0]))

/* Raise *level to value, never lower it. */
static void raise_level(int *level, int value)
{
	int old = __atomic_load_n(level, __ATOMIC_RELAXED);

	while (old < value &&
	       !__atomic_compare_exchange_n(level, &old, value, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		continue;
}

void stop_request(enum stop_kind kind)
{
	raise_level(&stop_level, (int)kind);
}

enum stop_kind stop_requested(void)
{
	return (enum stop_kind)__atomic_load_n(&stop_level, __ATOMIC_RELAXED);
}

enum restart_kind restart_take(void)
{
	return (enum restart_kind)__atomic_exchange_n(&restart_level,
						      RESTART_NONE,
						      __ATOMIC_RELAXED);
}

static void wake_up(void)
{
	if (lifecycle_wake_fd[1] >= 0 &&
	    write(lifecycle_wake_fd[1], "!", 1) < 0) {
		/* Pipe full: a wake-up is pending already; nothing to do. */
	}
}

void lifecycle_drain_wake(void)
{
	char buf[64];

	if (lifecycle_wake_fd[0] < 0)
		return;
	while (read(lifecycle_wake_fd[0], buf, sizeof(buf)) > 0)
		continue;
}

static void master_on_signal(int sig)
{
	int saved = errno; /* the interrupted code may be about to read it */

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		stop_request(STOP_NOW);
		break;
	case SIGWINCH:
		stop_request(STOP_GRACEFUL);
		break;
	case SIGHUP:
		raise_level(&restart_level, RESTART_NOW);
		break;
	case SIGUSR1:
		raise_level(&restart_level, RESTART_GRACEFUL);
		break;
	default:        /* SIGCHLD: the wake-up is all; the master reaps */
		break;
	}
	wake_up();
	errno = saved;
}

static void child_on_signal(int sig)
{
	int saved = errno;

	stop_request(sig == SIGUSR1 || sig == SIGWINCH ? STOP_GRACEFUL
						       : STOP_NOW);
	wake_up();
	errno = saved;
}

/* The master's handlers are not a child's (SIGPIPE stays ignored). */
static void default_signals(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < HANDLED_COUNT; i++)
		sigaction(handled_signals[i], &sa, NULL);
}

/* flags: SA_RESTART or 0. */
static int install(void (*handler)(int), int flags, size_t count)
{
	struct sigaction sa;
	size_t i;
	int failed = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = flags;
	for (i = 0; i < count; i++)
		if (sigaction(handled_signals[i], &sa, NULL) < 0) {
			log_error("sigaction(%d): %s", handled_signals[i],
				  strerror(errno));
			failed = -1;
		}
	return failed;
}

int lifecycle_master_signals(void)
{
	if (lifecycle_wake_fd[0] < 0 &&
	    pipe2(lifecycle_wake_fd, O_NONBLOCK | O_CLOEXEC) < 0) {
		lifecycle_wake_fd[0] = lifecycle_wake_fd[1] = -1;
		return -1;
	}
	/* No SA_RESTART: a blocking poll() must return EINTR so the loop
	 * around it sees the request at once. */
	install(master_on_signal, 0, HANDLED_COUNT);
	return 0;
}

int lifecycle_child_signals(void)
{
	close(lifecycle_wake_fd[0]);
	close(lifecycle_wake_fd[1]);
	if (pipe2(lifecycle_wake_fd, O_NONBLOCK | O_CLOEXEC) < 0) {
		log_error("child: pipe2: %s", strerror(errno));
		return -1;
	}
	__atomic_store_n(&stop_level, STOP_NONE, __ATOMIC_RELAXED);
	__atomic_store_n(&restart_level, RESTART_NONE, __ATOMIC_RELAXED);
	default_signals();
	/* Every signal of the table but SIGCHLD (the last). poll() and
	 * nanosleep() still return EINTR; the rest of the HTTP code (file
	 * reads, locks) is spared retrying. */
	return install(child_on_signal, SA_RESTART, HANDLED_COUNT - 1);
}
