/*
 * fuzz_static.c - libFuzzer target for the static-file handler
 * (static_handle in common/static_files.c) and HTTP date parsing.
 *
 * What it teaches: after the parser, the next untrusted bytes a server
 * reads are header values: Range, If-Range, If-None-Match, If-Match,
 * If-Modified-Since, If-Unmodified-Since. Each input that parses as a
 * request head is answered by the real handler against a small temporary
 * docroot (a 100-byte file, an empty file, a directory with an index, one
 * without), exactly as a server would, and the answer is checked:
 *  - the status is one the handler may give, and the head it builds fits;
 *  - a file body lies inside the file (offset + length <= size), and a 206
 *    says in Content-Range the very bytes it sends;
 *  - response_reset closes the file: no descriptor leaks, whatever the
 *    headers said.
 * Besides, the input itself is given to http_date_parse: a date it
 * accepts must come back to the same second through http_date_format.
 *
 * Build and run: `make fuzz` (see tests/fuzz/README.md).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handlers.h"
#include "http_date.h"
#include "http_parser.h"
#include "response.h"
#include "server.h"

#include "fuzz_util.h"

/* What broke, on stderr, and stop the run (fuzz_util.h). */
#define static_failed(...) fuzz_failed("fuzz_static", __VA_ARGS__)

static struct server srv;
static char tree[PATH_MAX];

static void make_in_tree(const char *rel, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	if (snprintf(p, sizeof(p), "%s/%s", tree, rel) >= (int)sizeof(p))
		exit(2);
	if (text == NULL) {
		if (mkdir(p, 0755) < 0) {
			perror(p);
			exit(2);
		}
		return;
	}
	f = fopen(p, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(p);
		exit(2);
	}
}

static void static_remove_tree(void)
{
	fuzz_remove_tree(tree);
}

/* A docroot of its own under $TMPDIR, and Apache's default config. */
static void static_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char hundred[101];
	int n;

	n = snprintf(tree, sizeof(tree), "%s/kit-fuzz-static.XXXXXX",
		     tmp && tmp[0] ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(tree) || mkdtemp(tree) == NULL) {
		perror("fuzz_static: mkdtemp");
		exit(2);
	}
	atexit(static_remove_tree);
	memset(hundred, 'x', 100);
	hundred[100] = '\0';
	make_in_tree("f.txt", hundred);
	make_in_tree("empty.txt", "");
	make_in_tree("d", NULL);
	make_in_tree("d/index.html", "<p>index</p>\n");
	make_in_tree("noindex", NULL);
	config_defaults(&srv.cfg, MPM_PREFORK);
	if (realpath(tree, srv.docroot_real) == NULL) {
		perror(tree);
		exit(2);
	}
}

/* ---- Checking one answer ---- */

static bool allowed_status(int s)
{
	static const int statuses[] = { 200, 206, 301, 304, 400, 403, 404,
					405, 412, 414, 416, 500, 501, 503 };

	for (size_t i = 0; i < sizeof(statuses) / sizeof(*statuses); i++)
		if (s == statuses[i])
			return true;
	return false;
}

/* "Content-Range: bytes A-B/S" among the handler's headers, or false. */
static bool content_range(const struct response *r, long long *a,
			  long long *b, long long *size)
{
	const char *at = memmem(r->extra, r->extra_len, "Content-Range: bytes ",
				21);

	return at != NULL && sscanf(at + 21, "%lld-%lld/%lld", a, b, size) == 3;
}

static void check_file_body(const struct response *r)
{
	struct stat st;
	long long a, b, size;

	if (fstat(r->file_fd, &st) != 0)
		static_failed("file body with a closed descriptor");
	if (r->file_offset < 0 || r->file_length < 0 ||
	    r->file_offset + r->file_length > st.st_size)
		static_failed("body [%lld, +%lld) outside a file of %lld bytes",
			      (long long)r->file_offset,
			      (long long)r->file_length, (long long)st.st_size);
	if (r->status != 206)
		return;
	if (!content_range(r, &a, &b, &size))
		static_failed("206 without Content-Range");
	if (a != r->file_offset || b - a + 1 != r->file_length ||
	    size != st.st_size)
		static_failed("Content-Range %lld-%lld/%lld, body at %lld +%lld",
			      a, b, size, (long long)r->file_offset,
			      (long long)r->file_length);
}

static void answer(const struct http_request *req)
{
	static struct response resp;
	struct response_conn_info ci = { true, 5, 100, false };
	int fd;

	response_init(&resp);
	static_handle(&srv, req, &resp);
	if (!allowed_status(resp.status))
		static_failed("status %d", resp.status);
	fd = resp.file_fd;
	if (fd >= 0)
		check_file_body(&resp);
	response_finish(&resp, &ci);
	if (resp.head_len == 0 || resp.head_len > RESPONSE_HEAD_MAX)
		static_failed("head of %zu bytes", resp.head_len);
	response_reset(&resp);
	if (fd >= 0 && fcntl(fd, F_GETFD) != -1)
		static_failed("descriptor %d still open after the response",
			      fd);
}

/* 9999-12-31 23:59:59 GMT: the last second a 4-digit year can write. */
#define LAST_WRITABLE_DATE 253402300799LL

static void check_date(const uint8_t *data, size_t size)
{
	long long t = http_date_parse((const char *)data, size), again;
	char text[30];

	/* "Fri, 31 Dec 9999 23:59:60 GMT" (a leap second) parses to the
	 * year 10000, which http_date_format writes as the epoch, as it
	 * says. Harmless: such a date is in the future for every check. */
	if (t < 0 || t > LAST_WRITABLE_DATE)
		return;
	http_date_format(t, text);
	again = http_date_parse(text, strlen(text));
	if (again != t)
		static_failed("date %.*s is %lld, written %s, read back %lld",
			      (int)size, (const char *)data, t, text, again);
}

static int static_one_input(const uint8_t *data, size_t size)
{
	static struct http_request req;
	struct http_parser p;

	check_date(data, size);
	http_parser_init(&p, NULL);
	if (http_parse_head(&p, (const char *)data, size, &req) ==
	    HTTP_PARSE_DONE)
		answer(&req);
	return 0;
}

FUZZ_TARGET(static_setup, static_one_input)
