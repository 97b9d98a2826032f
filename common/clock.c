/*
 * clock.c - reading the clocks and sleeping through (or until) a signal.
 *
 * Used by the connection timeouts (conn.c, 03-event), the scoreboard's
 * times, the lab handlers' sleeps and the MPMs' accept back-off.
 */
#include "clock.h"

#include <errno.h>
#include <time.h>

static int64_t now_ms(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_realtime_ms(void)
{
	return now_ms(CLOCK_REALTIME);
}

int64_t now_monotonic_ms(void)
{
	return now_ms(CLOCK_MONOTONIC);
}

void clock_sleep_ms(long ms, bool wake_on_signal)
{
	struct timespec left = { ms / 1000, (ms % 1000) * 1000000L };

	/* nanosleep() writes what is left into `left` when interrupted. */
	while (nanosleep(&left, &left) != 0 && errno == EINTR &&
	       !wake_on_signal)
		;
}
