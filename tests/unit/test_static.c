/*
 * test_static.c - unit tests of the static-file and response code.
 *
 * What it shows a student: the rules that keep a client inside DocumentRoot
 * are a table of request paths and the answer each must get, checked
 * against a real directory tree with real symlinks (one of them points to
 * a sibling directory whose name starts with the root's name, the classic
 * prefix-check mistake). Then the smaller pieces: HTTP dates, MIME types,
 * status texts, the response head, sending over a non-blocking socket, and
 * static_handle's conditional and range answers.
 *
 * Run by `make test`. Prints one line per failure and, last,
 * "static: N passed, M failed"; exits 1 if anything failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "docroot.h"
#include "handlers.h"
#include "http_date.h"
#include "http_parser.h"
#include "response.h"
#include "server.h"

static int passed, failed;
static char base[PATH_MAX];     /* the temporary tree */
static char root[PATH_MAX];     /* base/root: the docroot */

static void check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* ---- The tree ---- */

static void join(char *out, const char *dir, const char *rel)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, rel);

	if (n < 0 || n >= PATH_MAX) {
		fprintf(stderr, "%s/%s: name too long\n", dir, rel);
		exit(2);
	}
}

static void make_file(const char *rel, const char *text)
{
	char name[PATH_MAX];
	FILE *f;

	join(name, base, rel);
	f = fopen(name, "w");
	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		die(name);
}

static void make_dir(const char *rel)
{
	char name[PATH_MAX];

	join(name, base, rel);
	if (mkdir(name, 0755) != 0)
		die(name);
}

static void make_link(const char *target, const char *rel)
{
	char name[PATH_MAX];

	join(name, base, rel);
	if (symlink(target, name) != 0)
		die(name);
}

static void make_tree(void)
{
	char tmpl[] = "/tmp/kit-static-XXXXXX";
	char name[PATH_MAX];
	struct timeval old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	/* realpath: /tmp itself may be a symlink, and the docroot the
	 * servers use is always a real path. */
	if (mkdtemp(tmpl) == NULL || realpath(tmpl, base) == NULL)
		die("mkdtemp");
	join(root, base, "root");
	make_dir("root");
	make_dir("root-evil");          /* shares the prefix "root" */
	make_file("root-evil/secret.txt", "secret\n");
	make_file("root/index.html", "<h1>home</h1>\n");
	make_file("root/a.txt", "hello, world\n");
	make_file("root/space file.txt", "s\n");
	make_file("root/\xc3\xbctf.txt", "u\n");
	make_dir("root/sub");
	make_file("root/sub/c.css", "p{}\n");
	make_file("root/sub/index.html", "<h1>sub</h1>\n");
	make_dir("root/noindex");
	make_file("root/noindex/readme.txt", "r\n");
	make_dir("root/dbl");
	make_file("root/dbl/%2e%2e", "double\n");
	make_link("a.txt", "root/link.txt");
	make_link("sub", "root/sublink");
	make_link("../root-evil/secret.txt", "root/out.txt");
	make_link("../root-evil", "root/outdir");
	make_link("/etc", "root/abs");
	make_link("..", "root/up");
	make_link("loop", "root/loop");
	make_link("nothing-here", "root/dangling");
	join(name, root, "fifo");
	if (mkfifo(name, 0644) != 0)
		die(name);
	join(name, root, "a.txt");
	if (utimes(name, old) != 0)
		die(name);
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void remove_tree(void)
{
	if (nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		perror("removing the test tree");
}

/* ---- static_map_path ---- */

struct map_case {
	const char *path;
	bool allow_outside;     /* SymlinksOutsideRoot */
	int status;
	const char *file;       /* on 0: expected name, relative to base */
};

static const struct map_case map_cases[] = {
	/* Plain names. */
	{ "/", false, 0, "root" },
	{ "/index.html", false, 0, "root/index.html" },
	{ "/a.txt", false, 0, "root/a.txt" },
	{ "/sub/c.css", false, 0, "root/sub/c.css" },
	{ "/sub/", false, 0, "root/sub" },
	{ "/sub", false, 0, "root/sub" },
	{ "//sub//c.css", false, 0, "root/sub/c.css" },
	{ "/./sub/./c.css", false, 0, "root/sub/c.css" },
	{ "/sub/../a.txt", false, 0, "root/a.txt" },
	{ "/sub/..", false, 0, "root" },
	{ "/sub/%2e%2e/a.txt", false, 0, "root/a.txt" },
	{ "/%61.txt", false, 0, "root/a.txt" },
	{ "/space%20file.txt", false, 0, "root/space file.txt" },
	{ "/%C3%BCtf.txt", false, 0, "root/\xc3\xbctf.txt" },
	{ "/...", false, 404, NULL },
	{ "/missing.txt", false, 404, NULL },
	{ "/a.txt?x", false, 404, NULL },       /* '?' here is a name byte */
	{ "/a.txt/", false, 404, NULL },        /* a file is not a directory */
	{ "/a.txt/.", false, 404, NULL },
	/* Climbing out with dot-segments, plain or encoded. */
	{ "/..", false, 403, NULL },
	{ "/../etc/passwd", false, 403, NULL },
	{ "/%2e%2e/%2e%2e/etc/passwd", false, 403, NULL },
	{ "/%2E%2E/x", false, 403, NULL },
	{ "/.%2e/x", false, 403, NULL },
	{ "/a/../../x", false, 403, NULL },
	{ "/sub/../../a.txt", false, 403, NULL },
	{ "/sub/../..", false, 403, NULL },
	/* Encoded slashes (AllowEncodedSlashes Off). */
	{ "/..%2fetc", false, 404, NULL },
	{ "/%2f", false, 404, NULL },
	{ "/%2F", false, 404, NULL },
	{ "/sub%2fc.css", false, 404, NULL },
	/* Bad escapes, NUL, not a path. */
	{ "%2f", false, 400, NULL },
	{ "", false, 400, NULL },
	{ "*", false, 400, NULL },
	{ "/%00", false, 400, NULL },
	{ "/a.txt%00.html", false, 400, NULL },
	{ "/x%", false, 400, NULL },
	{ "/x%2", false, 400, NULL },
	{ "/x%zz", false, 400, NULL },
	{ "/x%g0", false, 400, NULL },
	/* Decoded once only. */
	{ "/%252e%252e", false, 404, NULL },
	{ "/%252e%252e/etc/passwd", false, 404, NULL },
	{ "/dbl/%252e%252e", false, 0, "root/dbl/%2e%2e" },
	/* Symlinks. */
	{ "/link.txt", false, 0, "root/a.txt" },
	{ "/sublink/c.css", false, 0, "root/sub/c.css" },
	{ "/out.txt", false, 403, NULL },       /* root-evil: prefix trap */
	{ "/out.txt", true, 0, "root-evil/secret.txt" },
	{ "/outdir/secret.txt", false, 403, NULL },
	{ "/outdir/secret.txt", true, 0, "root-evil/secret.txt" },
	{ "/abs", false, 403, NULL },
	{ "/up", false, 403, NULL },
	{ "/up/root-evil/secret.txt", false, 403, NULL },
	{ "/loop", false, 403, NULL },
	{ "/dangling", false, 404, NULL },
};

static void test_map_cases(void)
{
	for (size_t i = 0; i < sizeof(map_cases) / sizeof(map_cases[0]); i++) {
		const struct map_case *t = &map_cases[i];
		char out[PATH_MAX], want[PATH_MAX] = "";
		int status;

		status = static_map_path(root, t->path, strlen(t->path),
					 t->allow_outside, out, sizeof(out));
		if (t->file != NULL)
			join(want, base, t->file);
		check(status == t->status &&
		      (status != 0 || strcmp(out, want) == 0),
		      "map \"%s\"%s: got %d \"%s\", want %d \"%s\"", t->path,
		      t->allow_outside ? " (outside allowed)" : "", status,
		      status == 0 ? out : "", t->status, want);
	}
}

static void test_map_edges(void)
{
	char out[PATH_MAX], small[4];
	char *long_path = malloc(6000);
	int status;

	if (long_path == NULL)
		die("malloc");
	/* A raw NUL byte inside the span, not only an encoded one. */
	status = static_map_path(root, "/a.txt\0.html", 12, false, out,
				 sizeof(out));
	check(status == 400, "map with a raw NUL: got %d, want 400", status);
	status = static_map_path(root, "/a.txt", 6, false, small,
				 sizeof(small));
	check(status != 0, "map into a too small buffer must fail");
	memset(long_path, 'a', 5999);
	long_path[0] = '/';
	long_path[5999] = '\0';
	status = static_map_path(root, long_path, 5999, false, out,
				 sizeof(out));
	check(status == 404, "map of a 6000-byte path: got %d, want 404",
	      status);
	for (int i = 0; i < 3000; i += 3)
		memcpy(long_path + i, "/..", 3);
	status = static_map_path(root, long_path, 3000, false, out,
				 sizeof(out));
	check(status == 403, "map of \"/../../..\" x1000: got %d, want 403",
	      status);
	free(long_path);
}

/* Random paths from an alphabet rich in separators, dots and escapes:
 * whatever comes back as 0 must name something inside the root. */
static void test_map_random(void)
{
	static const char alphabet[] = "/./%2e%2f%2E%00%252sublink.txtoutupabs"
				       "dbl%zz%%";
	unsigned int seed = 12345;
	char path[48], out[PATH_MAX];
	int escaped = 0, ok = 0;
	size_t rootlen = strlen(root);

	for (int i = 0; i < 20000; i++) {
		size_t len = 1 + (seed = seed * 1103515245 + 12345) % 40;

		path[0] = '/';
		for (size_t j = 1; j < len; j++) {
			seed = seed * 1103515245 + 12345;
			path[j] = alphabet[(seed >> 8) %
					    (sizeof(alphabet) - 1)];
		}
		if (static_map_path(root, path, len, false, out,
				    sizeof(out)) != 0)
			continue;
		ok++;
		if (strncmp(out, root, rootlen) != 0 ||
		    (out[rootlen] != '\0' && out[rootlen] != '/'))
			escaped++;
	}
	check(escaped == 0 && ok > 0,
	      "random paths: %d of %d mapped paths left the root", escaped, ok);
}

/* ---- Dates, MIME types, status texts ---- */

static void test_dates(void)
{
	static const char *const forms[] = {
		"Sun, 06 Nov 1994 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994",
	};
	static const char *const invalid[] = {
		"", "Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 31 Feb 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMTx",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Foo, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GM",
		"Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Nvb 1994 08:49:37 GMT",
		"Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 6 08:49:37 1994",
		"1994-11-06T08:49:37Z",
	};
	static const long long times[] = {
		0, 784111777, 951782400, 1700000000, 2147483648LL,
		253402300799LL,
	};
	char out[30];
	const char *now;
	long long t;

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		t = http_date_parse(forms[i], strlen(forms[i]));
		check(t == 784111777, "date \"%s\": got %lld", forms[i], t);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		t = http_date_parse(invalid[i], strlen(invalid[i]));
		check(t == -1, "invalid date \"%s\": got %lld", invalid[i], t);
	}
	http_date_format(784111777, out);
	check(strcmp(out, forms[0]) == 0, "format 784111777: \"%s\"", out);
	http_date_format(0, out);
	check(strcmp(out, "Thu, 01 Jan 1970 00:00:00 GMT") == 0,
	      "format 0: \"%s\"", out);
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		http_date_format(times[i], out);
		t = http_date_parse(out, strlen(out));
		check(t == times[i], "round trip %lld: \"%s\" -> %lld",
		      times[i], out, t);
	}
	now = http_date_now();
	t = http_date_parse(now, strlen(now));
	check(strlen(now) == 29 && t != -1 && llabs(t - time(NULL)) <= 2,
	      "http_date_now: \"%s\"", now);
}

static void test_mime(void)
{
	static const char *const cases[][2] = {
		{ "x.html", "text/html; charset=utf-8" },
		{ "/d/X.HTM", "text/html; charset=utf-8" },
		{ "style.css", "text/css; charset=utf-8" },
		{ "app.js", "text/javascript; charset=utf-8" },
		{ "a.txt", "text/plain; charset=utf-8" },
		{ "data.json", "application/json" },
		{ "image.svg", "image/svg+xml" },
		{ "p.PNG", "image/png" },
		{ "a.woff2", "font/woff2" },
		{ "/x/kit.tar.gz", "application/gzip" },
		{ "noext", "application/octet-stream" },
		{ "/home/.profile", "application/octet-stream" },
		{ "/dir.d/file", "application/octet-stream" },
		{ "a.unknown", "application/octet-stream" },
		{ "trailing.", "application/octet-stream" },
		{ "", "application/octet-stream" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *type = mime_type_for(cases[i][0]);

		check(strcmp(type, cases[i][1]) == 0, "mime \"%s\": \"%s\"",
		      cases[i][0], type);
	}
}

static void test_status_texts(void)
{
	static const int used[] = { 200, 204, 206, 301, 304, 400, 403, 404,
				    405, 408, 412, 413, 414, 416, 431, 500,
				    501, 503, 505 };

	for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++)
		check(strcmp(http_status_text(used[i]), "Unknown") != 0,
		      "status %d has no text", used[i]);
	check(strcmp(http_status_text(404), "Not Found") == 0, "404 text");
	check(strcmp(http_status_text(416), "Range Not Satisfiable") == 0,
	      "416 text");
	check(strcmp(http_status_text(999), "Unknown") == 0, "999 text");
}

/* ---- Response heads and sending ---- */

static bool has(const char *text, const char *piece)
{
	return strstr(text, piece) != NULL;
}

static void finish(struct response *r, bool keep_alive, long max_left,
		   bool http10)
{
	struct response_conn_info ci = { keep_alive, 5, max_left, http10 };

	response_finish(r, &ci);
}

static void test_response_head(void)
{
	struct response r;
	char long_value[RESPONSE_EXTRA_MAX];

	response_init(&r);
	response_add_header(&r, "Content-Type", "text/plain");
	response_set_body_static(&r, "hello", 5);
	finish(&r, true, 99, false);
	check(strncmp(r.head, "HTTP/1.1 200 OK\r\nDate: ", 23) == 0 &&
	      has(r.head, "\r\nServer: mpm-kit/1.0\r\n") &&
	      has(r.head, "\r\nContent-Type: text/plain\r\n") &&
	      has(r.head, "\r\nContent-Length: 5\r\n") &&
	      has(r.head, "\r\nKeep-Alive: timeout=5, max=99\r\n") &&
	      !has(r.head, "Connection:") && r.head_len == strlen(r.head) &&
	      has(r.head + r.head_len - 4, "\r\n\r\n"),
	      "200 keep-alive head:\n%s", r.head);
	finish(&r, true, -1, true);
	check(has(r.head, "\r\nKeep-Alive: timeout=5\r\n") &&
	      has(r.head, "\r\nConnection: keep-alive\r\n"),
	      "HTTP/1.0 keep-alive head:\n%s", r.head);
	finish(&r, false, 3, false);
	check(has(r.head, "\r\nConnection: close\r\n") &&
	      !has(r.head, "Keep-Alive") && r.close,
	      "close head:\n%s", r.head);
	r.close = true;
	finish(&r, true, 3, false);
	check(has(r.head, "\r\nConnection: close\r\n"),
	      "r->close wins:\n%s", r.head);
	response_reset(&r);
	response_set_status(&r, 304);
	finish(&r, true, 3, false);
	check(has(r.head, "HTTP/1.1 304 Not Modified\r\n") && r.no_body &&
	      !has(r.head, "Content-Length"), "304 head:\n%s", r.head);
	response_reset(&r);
	response_set_status(&r, 204);
	finish(&r, true, 3, false);
	check(!has(r.head, "Content-Length"), "204 head:\n%s", r.head);

	response_reset(&r);
	response_add_header(&r, "Content-Type", "text/plain");
	response_error(&r, 404, "<script>&");
	finish(&r, false, -1, false);
	check(r.status == 404 && r.body != NULL &&
	      has(r.body, "<title>404 Not Found</title>") &&
	      has(r.body, "<h1>Not Found</h1>") &&
	      has(r.body, "<p>&lt;script&gt;&amp;</p>") &&
	      strlen(r.body) == r.body_len &&
	      has(r.head, "Content-Type: text/html; charset=utf-8\r\n") &&
	      !has(r.head, "text/plain"), "error page:\n%s%s", r.head, r.body);

	response_reset(&r);
	check(response_add_header(&r, "Location", "/a\r\nX-Evil: 1") == -1 &&
	      r.extra_len == 0, "a header value with CRLF is refused");
	memset(long_value, 'x', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	check(response_add_header(&r, "X-Ok", "1") == 0 &&
	      response_add_header(&r, "X-Long", "%s", long_value) == -1 &&
	      strcmp(r.extra, "X-Ok: 1\r\n") == 0,
	      "an over-long header is refused, earlier ones kept: \"%s\"",
	      r.extra);
	response_reset(&r);
}

/* Send r through a non-blocking socket pair, reading as we go, and
 * compare what arrives with want (the head is skipped). */
static void send_and_compare(struct response *r, const char *what,
			     const char *want, size_t want_len)
{
	int sv[2];
	char *got = malloc(want_len + 4096);
	size_t got_len = 0, cap = want_len + 4096;
	enum send_result res = SEND_AGAIN;
	int rounds = 0;

	if (got == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK,
				      0, sv) != 0)
		die("socketpair");
	while (res == SEND_AGAIN && rounds++ < 100000) {
		ssize_t n;

		res = response_send(sv[0], r);
		while ((n = read(sv[1], got + got_len, cap - got_len)) > 0)
			got_len += (size_t)n;
	}
	check(res == SEND_DONE && got_len == r->head_len + want_len &&
	      r->bytes_sent == got_len &&
	      memcmp(got, r->head, r->head_len) == 0 &&
	      memcmp(got + r->head_len, want, want_len) == 0,
	      "send %s: result %d, %zu bytes, want %zu", what, (int)res,
	      got_len, r->head_len + want_len);
	close(sv[0]);
	close(sv[1]);
	free(got);
}

static void test_response_send(void)
{
	static const size_t big = 300000; /* more than a socket buffer */
	struct response r;
	char name[PATH_MAX];
	char *data = malloc(big);
	int fd;

	if (data == NULL)
		die("malloc");
	for (size_t i = 0; i < big; i++)
		data[i] = (char)('a' + i % 26);
	join(name, base, "big.bin");
	fd = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, big) != (ssize_t)big)
		die(name);

	response_init(&r);
	response_set_body_static(&r, data, big);
	finish(&r, true, -1, false);
	send_and_compare(&r, "memory body", data, big);

	response_reset(&r);
	response_set_body_file(&r, fd, 1000, (off_t)(big - 2000));
	finish(&r, true, -1, false);
	check(has(r.head, "Content-Length: 298000\r\n"), "file length head");
	send_and_compare(&r, "file range", data + 1000, big - 2000);

	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(name);
	response_reset(&r);
	response_set_body_file(&r, fd, 0, (off_t)big);
	r.head_only = true;
	finish(&r, true, -1, false);
	check(has(r.head, "Content-Length: 300000\r\n"), "HEAD length");
	send_and_compare(&r, "HEAD", "", 0);
	response_reset(&r); /* closes fd */
	check(fcntl(fd, F_GETFD) == -1, "response_reset closes the file");
	free(data);
}

/* ---- static_handle ---- */

#define ETAG "\"d-3b9aca00\""                   /* a.txt: 13 bytes, mtime 1e9 */
#define LAST_MOD "Sun, 09 Sep 2001 01:46:40 GMT"
#define ANY -1

struct handle_case {
	enum http_method method;
	const char *path, *query;
	const char *headers[4];         /* name, value, name, value */
	int status;
	long long offset, length;       /* of the file body, or ANY */
	const char *header;             /* a line the response must carry */
};

static const struct handle_case handle_cases[] = {
	{ HTTP_METHOD_GET, "/a.txt", "", { NULL }, 200, 0, 13,
	  "ETag: " ETAG "\r\n" },
	{ HTTP_METHOD_GET, "/a.txt", "", { NULL }, 200, 0, 13,
	  "Last-Modified: " LAST_MOD "\r\n" },
	{ HTTP_METHOD_GET, "/a.txt", "", { NULL }, 200, 0, 13,
	  "Content-Type: text/plain; charset=utf-8\r\n" },
	{ HTTP_METHOD_GET, "/a.txt", "", { NULL }, 200, 0, 13,
	  "Accept-Ranges: bytes\r\n" },
	{ HTTP_METHOD_HEAD, "/a.txt", "", { NULL }, 200, 0, 13, NULL },
	/* Conditional requests. */
	{ HTTP_METHOD_GET, "/a.txt", "", { "If-None-Match", ETAG }, 304,
	  ANY, ANY, "ETag: " ETAG "\r\n" },
	{ HTTP_METHOD_GET, "/a.txt", "", { "If-None-Match",
	  "\"x\", W/" ETAG }, 304, ANY, ANY, NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "If-None-Match", "*" }, 304, ANY,
	  ANY, NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "If-None-Match", "\"other\"",
	  "If-Modified-Since", LAST_MOD }, 200, 0, 13, NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "If-Modified-Since", LAST_MOD },
	  304, ANY, ANY, "Last-Modified: " LAST_MOD "\r\n" },
	{ HTTP_METHOD_GET, "/a.txt", "", { "If-Modified-Since",
	  "Sun, 09 Sep 2001 01:46:39 GMT" }, 200, 0, 13, NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "If-Modified-Since", "garbage" },
	  200, 0, 13, NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "If-Match", "\"nope\"" }, 412,
	  ANY, ANY, NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "If-Match", ETAG }, 200, 0, 13,
	  NULL },
	/* Ranges. */
	{ HTTP_METHOD_GET, "/a.txt", "", { "Range", "bytes=0-3" }, 206, 0, 4,
	  "Content-Range: bytes 0-3/13\r\n" },
	{ HTTP_METHOD_GET, "/a.txt", "", { "Range", "bytes=2-" }, 206, 2, 11,
	  "Content-Range: bytes 2-12/13\r\n" },
	{ HTTP_METHOD_GET, "/a.txt", "", { "Range", "bytes=-3" }, 206, 10, 3,
	  "Content-Range: bytes 10-12/13\r\n" },
	{ HTTP_METHOD_GET, "/a.txt", "", { "Range", "bytes=-100" }, 206, 0,
	  13, NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "Range",
	  "bytes=5-99999999999999999999" }, 206, 5, 8, NULL },
	{ HTTP_METHOD_HEAD, "/a.txt", "", { "Range", "bytes=0-3" }, 206, 0, 4,
	  NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "Range", "bytes=13-" }, 416, ANY,
	  ANY, "Content-Range: bytes */13\r\n" },
	{ HTTP_METHOD_GET, "/a.txt", "", { "Range", "bytes=-0" }, 416, ANY,
	  ANY, NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "Range", "bytes=0-1,3-4" }, 200, 0,
	  13, NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "Range", "bytes=5-2" }, 200, 0, 13,
	  NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "Range", "items=0-1" }, 200, 0, 13,
	  NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "Range", "bytes=0-3", "If-Range",
	  ETAG }, 206, 0, 4, NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "Range", "bytes=0-3", "If-Range",
	  "\"old\"" }, 200, 0, 13, NULL },
	{ HTTP_METHOD_GET, "/a.txt", "", { "Range", "bytes=0-3", "If-Range",
	  LAST_MOD }, 206, 0, 4, NULL },
	/* Directories, other files, methods. */
	{ HTTP_METHOD_GET, "/sub", "", { NULL }, 301, ANY, ANY,
	  "Location: /sub/\r\n" },
	{ HTTP_METHOD_GET, "/sub", "q=1", { NULL }, 301, ANY, ANY,
	  "Location: /sub/?q=1\r\n" },
	{ HTTP_METHOD_GET, "/sub/", "", { NULL }, 200, 0, 13,
	  "Content-Type: text/html; charset=utf-8\r\n" },
	{ HTTP_METHOD_GET, "/", "", { NULL }, 200, 0, 14, NULL },
	{ HTTP_METHOD_GET, "/noindex/", "", { NULL }, 403, ANY, ANY, NULL },
	{ HTTP_METHOD_GET, "/fifo", "", { NULL }, 403, ANY, ANY, NULL },
	{ HTTP_METHOD_GET, "/missing", "", { NULL }, 404, ANY, ANY, NULL },
	{ HTTP_METHOD_GET, "/../a.txt", "", { NULL }, 403, ANY, ANY, NULL },
	{ HTTP_METHOD_POST, "/a.txt", "", { NULL }, 405, ANY, ANY,
	  "Allow: GET, HEAD\r\n" },
	{ HTTP_METHOD_DELETE, "/a.txt", "", { NULL }, 405, ANY, ANY, NULL },
	{ HTTP_METHOD_OTHER, "/a.txt", "", { NULL }, 501, ANY, ANY, NULL },
};

static struct server srv;
static struct http_request request;
static struct response response;

static struct response *serve(const struct handle_case *t)
{
	struct http_request *req = &request;

	response_reset(&response);
	memset(req, 0, sizeof(*req));
	req->method_id = t->method;
	req->path = (struct http_span){ t->path, strlen(t->path) };
	req->query = (struct http_span){ t->query, strlen(t->query) };
	req->version_major = 1;
	req->version_minor = 1;
	for (int i = 0; i < 4 && t->headers[i] != NULL; i += 2) {
		struct http_header *h = &req->headers[req->header_count++];

		h->name = (struct http_span){ t->headers[i],
					      strlen(t->headers[i]) };
		h->value = (struct http_span){ t->headers[i + 1],
					       strlen(t->headers[i + 1]) };
	}
	static_handle(&srv, req, &response);
	return &response;
}

static bool body_as_expected(const struct response *r,
			     const struct handle_case *t)
{
	if (t->offset == ANY)   /* an answer without a file body */
		return r->file_fd < 0 && (r->status != 304 || r->no_body);
	return r->file_fd >= 0 && r->file_offset == t->offset &&
	       r->file_length == t->length &&
	       r->head_only == (t->method == HTTP_METHOD_HEAD);
}

static void test_static_handle(void)
{
	struct response *r;

	snprintf(srv.docroot_real, sizeof(srv.docroot_real), "%s", root);
	snprintf(srv.cfg.directory_index, sizeof(srv.cfg.directory_index),
		 "index.html");
	response_init(&response);
	for (size_t i = 0; i < sizeof(handle_cases) / sizeof(handle_cases[0]);
	     i++) {
		const struct handle_case *t = &handle_cases[i];

		r = serve(t);
		check(r->status == t->status && body_as_expected(r, t) &&
		      (t->header == NULL || has(r->extra, t->header)),
		      "static_handle %s%s%s [%s: %s]: got %d, want %d\n%s",
		      t->path, t->query[0] ? "?" : "", t->query,
		      t->headers[0] ? t->headers[0] : "",
		      t->headers[1] ? t->headers[1] : "", r->status,
		      t->status, r->extra);
	}
	r = serve(&(struct handle_case){ HTTP_METHOD_GET, "/noindex/", "",
					  { NULL }, 0, 0, 0, NULL });
	check(r->body != NULL && has(r->body, "Directory listing is off"),
	      "/noindex/ says why");
	response_reset(&response);
}

int main(void)
{
	make_tree();
	test_map_cases();
	test_map_edges();
	test_map_random();
	test_dates();
	test_mime();
	test_status_texts();
	test_response_head();
	test_response_send();
	test_static_handle();
	remove_tree();
	printf("static: %d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
