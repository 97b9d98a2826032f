/*
 * clock.h - the two clocks the servers read, and a sleep.
 *
 * What it teaches: a timeout is measured on CLOCK_MONOTONIC, which never
 * jumps when someone sets the date; only what a person reads (the status
 * page, the logs) uses CLOCK_REALTIME. And a sleep in a process that gets
 * signals must decide what a signal means: go on sleeping, or wake up and
 * look at the stop flags.
 */
#ifndef KIT_CLOCK_H
#define KIT_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds of CLOCK_REALTIME (wall time) and of CLOCK_MONOTONIC. */
int64_t now_realtime_ms(void);
int64_t now_monotonic_ms(void);

/* Sleep ms milliseconds. A signal ends the sleep early only if
 * wake_on_signal: the caller then looks at its own stop flags. Otherwise
 * the sleep goes on for what is left after each interruption. */
void clock_sleep_ms(long ms, bool wake_on_signal);

#endif
