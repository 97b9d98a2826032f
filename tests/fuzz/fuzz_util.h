/*
 * fuzz_util.h - what the fuzz targets of tests/fuzz/ share: how a broken
 * property is reported and stops the run, removing a target's temporary
 * tree at exit, heap copies of exactly the bytes under test, and
 * libFuzzer's entry points.
 *
 * What it teaches: a fuzz target is a test program like any other, and
 * its helpers are written once. The one thing that differs between a
 * fuzzing run and a replay is what "stop" means, so it is one macro:
 * fuzz_stop() is abort() under libFuzzer, which saves the input as a
 * crash; tests/unit/test_regressions.c defines FUZZ_REPLAY and its own
 * fuzz_stop() (a longjmp back to the row being replayed) and includes all
 * the targets into one program. Hence the include guard, and static
 * functions named fuzz_... that no target's own names collide with.
 *
 * The copies are tests/unit/unit_bytes.h's (the parser's unit tests use
 * them too): a buffer of exactly n bytes, so AddressSanitizer flags a read
 * one byte past what a call was given.
 */
#ifndef KIT_FUZZ_UTIL_H
#define KIT_FUZZ_UTIL_H

#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../unit/unit_bytes.h"

#ifndef FUZZ_REPLAY
#define fuzz_stop() abort()
#endif

/* "TARGET: what failed" on stderr, then stop: the inputs' one way out. */
static inline void fuzz_failed(const char *target, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
static inline void fuzz_failed(const char *target, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", target);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fuzz_stop();
}

static inline int fuzz_remove_one(const char *path, const struct stat *st,
				  int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

/* Remove dir and everything below it, links not followed; "" is none. */
static inline void fuzz_remove_tree(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, fuzz_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* copy_of for a fuzzer's bytes: a heap buffer of exactly n of them. */
static inline char *fuzz_copy(const uint8_t *data, size_t n)
{
	return copy_of((const char *)data, n);
}

/*
 * FUZZ_TARGET(setup, one_input) at the end of a target: libFuzzer's two
 * entry points, setup() once before the first input, then one_input() for
 * each. A replay (FUZZ_REPLAY) calls the target's functions itself and
 * gets none, so three targets can share one program.
 */
#ifdef FUZZ_REPLAY
#define FUZZ_TARGET(setup, one_input)
#else
#define FUZZ_TARGET(setup, one_input)					\
int LLVMFuzzerInitialize(int *argc, char ***argv);			\
int LLVMFuzzerInitialize(int *argc, char ***argv)			\
{									\
	(void)argc;							\
	(void)argv;							\
	setup();							\
	return 0;							\
}									\
									\
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);		\
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)		\
{									\
	return one_input(data, size);					\
}
#endif

/* For a target with nothing to prepare. */
static inline void fuzz_no_setup(void)
{
}

#endif
