/*
 * unit_bytes.h - copies of test bytes for the parser tests (test_parser.c,
 * test_chunked.c): each call under test gets a heap copy of exactly the
 * bytes it may read, so AddressSanitizer catches a read one byte too far.
 * The fuzz targets use the same two (tests/fuzz/fuzz_util.h); static
 * inline, so that a file using only one of them builds without a warning.
 */
#ifndef KIT_UNIT_BYTES_H
#define KIT_UNIT_BYTES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void *alloc_or_die(size_t n)
{
	void *p = malloc(n > 0 ? n : 1);

	if (p == NULL) {
		perror("malloc");
		exit(2);
	}
	return p;
}

/* A copy of exactly the first n bytes, so any read past them is caught. */
static inline char *copy_of(const char *bytes, size_t n)
{
	char *copy = alloc_or_die(n);

	if (n > 0)
		memcpy(copy, bytes, n);
	return copy;
}

#endif
