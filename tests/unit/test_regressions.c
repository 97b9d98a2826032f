/*
 * test_regressions.c - every input the fuzzers ever found, replayed through
 * the same property checks, in every `make test`.
 *
 * What it shows a student: a fuzzer's finding is worth keeping. When a
 * target in tests/fuzz/ finds an input that crashes or breaks a property,
 * the bug is fixed and the input becomes a row below; from then on every
 * build checks it, without clang and in a second. This file includes the
 * fuzz targets themselves (with FUZZ_REPLAY defined, so that a broken
 * property longjmp()s back here instead of aborting) so that a row is
 * checked against exactly what the fuzzer checks: the parser gives the same
 * answer however the bytes are split, never claims bytes it was not given,
 * and reads back what it wrote; no path leaves the docroot; the static
 * handler's answers stay inside the file and close it.
 *
 * Then the seed corpus (tests/fuzz/corpus/, when run from the repository
 * root as `make test` does) goes through the same checks: it is where a
 * fuzz run starts, so it must pass.
 *
 * To add a finding: PARSER_ROW, PATH_ROW or STATIC_ROW with a name saying
 * what it found, the bytes (escaped; sizeof keeps NUL bytes), and in a
 * comment the bug it was and the commit that fixed it.
 *
 * Run by `make test`. Prints one line per failure and, last,
 * "regressions: N passed, M failed"; exits 1 if anything failed.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

/* Both targets' property checks, with a failure that comes back here. */
#define FUZZ_REPLAY 1
static jmp_buf row_failed;
#define fuzz_stop() longjmp(row_failed, 1)

#include "../fuzz/fuzz_parser.c"
#include "../fuzz/fuzz_path.c"
#include "../fuzz/fuzz_static.c"

enum target { PARSER, PATH, STATIC };

struct regression {
	enum target target;
	const char *name;
	const char *bytes;
	size_t len;
};

#define PARSER_ROW(name, bytes) { PARSER, name, bytes, sizeof(bytes) - 1 }
#define PATH_ROW(name, bytes) { PATH, name, bytes, sizeof(bytes) - 1 }
#define STATIC_ROW(name, bytes) { STATIC, name, bytes, sizeof(bytes) - 1 }

static const struct regression regressions[] = {
	/*
	 * No fuzz run has found a crash or a broken property of the code
	 * yet. fuzz_static's first minute found a hole in its own date
	 * property (the first STATIC_ROW). The other rows are inputs at the
	 * edges the properties are about, kept so that a change to the
	 * parser, the path code or the handler is checked against them
	 * even without clang.
	 */
	PARSER_ROW("empty input", ""),
	PARSER_ROW("a lone CR: half a CRLF", "\r"),
	PARSER_ROW("empty lines before the request line",
		   "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
	PARSER_ROW("head ends exactly at the end of the input",
		   "GET / HTTP/1.0\r\n\r\n"),
	PARSER_ROW("bytes after the head are not part of it",
		   "GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\n\x00garbage"),
	PARSER_ROW("header value of only whitespace, trimmed to nothing",
		   "GET / HTTP/1.1\r\nHost: a\r\nX: \t \r\n\r\n"),
	PARSER_ROW("absolute-form without a path: path is a borrowed '/'",
		   "GET http://h?q HTTP/1.1\r\n\r\n"),
	PARSER_ROW("HTTP/1.9 written back as HTTP/1.1",
		   "GET / HTTP/1.9\r\nHost: a\r\n\r\n"),
	PARSER_ROW("line exactly at the tiny LimitRequestLine (32)",
		   "GET /aaaaaaaaaaaaaaaaaa HTTP/1.1\r\nHost: a\r\n\r\n"),
	PARSER_ROW("obs-text in a value", "GET / HTTP/1.1\r\nHost: a\r\n"
		   "X: \xff\x80\r\n\r\n"),
	PARSER_ROW("chunked body after a head, then the next request",
		   "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked"
		   "\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /"),
	PARSER_ROW("chunk size of 16 hex digits: the most that fits",
		   "ffffffffffffffff\r\n"),
	PARSER_ROW("chunk size of 17 hex digits", "10000000000000000\r\n"),
	PARSER_ROW("Content-Length at 2^64-1 and 2^64",
		   "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
		   "18446744073709551615\r\nContent-Length: "
		   "18446744073709551616\r\n\r\n"),
	PATH_ROW("empty path", ""),
	PATH_ROW("a NUL byte in the raw path", "/index.html\0.txt"),
	PATH_ROW("encoded dot-dot", "/%2e%2e/outside/secret.txt"),
	PATH_ROW("dot-dot through a symlink that stays inside",
		   "/in/../../outside/secret.txt"),
	PATH_ROW("symlink to a sibling whose name starts like the root's",
		   "/twin/secret.txt"),
	PATH_ROW("symlink to /", "/abs/etc/passwd"),
	PATH_ROW("escape at the very end", "/index.html%2"),
	PATH_ROW("escapes decoded once: %2561 stays %61",
		   "/%2561%2e%2E/secret.txt"),
	/* http_date_parse accepts a leap second, and 23:59:60 on the last
	 * day of 9999 is the year 10000, which http_date_format writes as
	 * the epoch (documented). Harmless; the property now covers only
	 * the dates the format can write. */
	STATIC_ROW("leap second at the end of 9999",
		   "Fri, 31 Dec 9999 23:59:60 GMT"),
	STATIC_ROW("a range starting far past the end",
		   "GET /f.txt HTTP/1.1\r\nHost: a\r\nRange: "
		   "bytes=99999999999999999999-\r\n\r\n"),
	STATIC_ROW("suffix range longer than the file",
		   "GET /f.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=-1000"
		   "\r\n\r\n"),
	STATIC_ROW("range on an empty file",
		   "GET /empty.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=0-"
		   "\r\n\r\n"),
};

static const char *const target_names[] = { "parser", "path", "static" };
static int passed, failed;

/* Run one input through a target's checks; false if a property broke. */
static bool replay(enum target t, const uint8_t *bytes, size_t len)
{
	/* volatile: a local changed after setjmp must survive longjmp. */
	volatile bool ok = true;

	if (setjmp(row_failed) == 0) {
		if (t == PARSER)
			parser_one_input(bytes, len);
		else if (t == PATH)
			path_one_input(bytes, len);
		else
			static_one_input(bytes, len);
	} else {
		ok = false;
	}
	return ok;
}

static void check_row(const struct regression *r)
{
	/* A copy of exactly len bytes: an over-read shows under ASan. */
	uint8_t *copy = (uint8_t *)fuzz_copy((const uint8_t *)r->bytes,
					     r->len);

	if (replay(r->target, copy, r->len)) {
		passed++;
	} else {
		failed++;
		printf("FAIL %s row: %s\n", target_names[r->target], r->name);
	}
	free(copy);
}

/* Whole file into a buffer of exactly its size; NULL if unreadable. */
static uint8_t *read_file(const char *name, size_t *len)
{
	FILE *f = fopen(name, "rb");
	uint8_t *buf = NULL;
	long size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = alloc_or_die((size_t)size);
		if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)size;
	}
	fclose(f);
	return buf;
}

/* Every file of tests/fuzz/corpus/DIR, if the folder is there. */
static void check_corpus(enum target t, const char *dir)
{
	char name[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		uint8_t *bytes;
		size_t len = 0;

		if (e->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "%s/%s", dir, e->d_name);
		bytes = read_file(name, &len);
		if (bytes == NULL) {
			failed++;
			printf("FAIL cannot read %s\n", name);
			continue;
		}
		if (replay(t, bytes, len)) {
			passed++;
		} else {
			failed++;
			printf("FAIL seed %s\n", name);
		}
		free(bytes);
	}
	closedir(d);
}

int main(void)
{
	path_setup();
	static_setup();
	for (size_t i = 0; i < sizeof(regressions) / sizeof(*regressions); i++)
		check_row(&regressions[i]);
	check_corpus(PARSER, "tests/fuzz/corpus/parser");
	check_corpus(PATH, "tests/fuzz/corpus/path");
	check_corpus(STATIC, "tests/fuzz/corpus/static");
	printf("regressions: %d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
