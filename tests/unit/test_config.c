/*
 * test_config.c - unit tests of the directive table (common/config.c).
 *
 * What it shows a student: each directive is a row with a default per MPM,
 * a range and an error message, and each row can be checked by feeding one
 * line to config_apply_line(). The tests cover Apache's defaults for the
 * three MPMs, every shape of error message (unknown directive, wrong MPM,
 * wrong argument count, not a number, out of range), the KeepAliveTimeout
 * "ms" suffix, the forms of Listen, the limits that config_check() repairs
 * with a warning or refuses, and a round trip: what `-t` prints, read back
 * as a config file, gives exactly the same configuration.
 *
 * Run by `make test`. Prints one line per failure and, last,
 * "config: N passed, M failed"; exits 1 if anything failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "http_parser.h"

static int passed, failed;
static char err[CONFIG_ERROR_MAX];

static void check(bool ok, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void check(bool ok, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL (line %d): ", line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define CHECK(cond) check((cond), __LINE__, "%s", #cond)

/* The line is accepted. */
#define OK(cfg, line) \
	check(config_apply_line((cfg), (line), "-c", err, sizeof(err)) == 0, \
	      __LINE__, "%s: refused: %s", (line), err)

/* The line is refused with exactly this message. */
#define REFUSED(cfg, line, message) refused((cfg), (line), (message), __LINE__)
static void refused(struct config *cfg, const char *line, const char *message,
		    int at)
{
	err[0] = '\0';
	if (config_apply_line(cfg, line, "-c", err, sizeof(err)) == 0) {
		check(false, at, "%s: accepted, expected: %s", line, message);
		return;
	}
	check(strcmp(err, message) == 0, at,
	      "%s:\n  got:      %s\n  expected: %s", line, err, message);
}

/* Run config_check and return its warnings (static buffer) or NULL. */
static const char *check_warnings(struct config *cfg, int *rc)
{
	static char text[4096];
	FILE *w = fmemopen(text, sizeof(text), "w");

	if (!w) {
		perror("fmemopen");
		exit(2);
	}
	memset(text, 0, sizeof(text));
	*rc = config_check(cfg, w, err, sizeof(err));
	fclose(w);
	return text;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

static void test_defaults(void)
{
	struct config c;

	config_defaults(&c, MPM_PREFORK);
	CHECK(c.start_servers == 5 && c.min_spare_servers == 5 &&
	      c.max_spare_servers == 10);
	CHECK(c.server_limit == 256 && c.max_request_workers == 256);
	CHECK(c.threads_per_child == 1 && c.thread_limit == 1);
	CHECK(c.max_connections_per_child == 0);
	CHECK(c.listen_count == 1 && strcmp(c.listen[0].port, "8080") == 0 &&
	      c.listen[0].host[0] == '\0' && c.listen_is_default);
	CHECK(c.listen_backlog == 511);
	CHECK(c.keep_alive && c.keep_alive_timeout_ms == 5000);
	CHECK(c.max_keep_alive_requests == 100 && c.timeout_s == 60);
	CHECK(c.limit_request_line == 8190 && c.limit_request_field_size == 8190
	      && c.limit_request_fields == 100);
	CHECK(c.limit_request_body == 1073741824LL);
	CHECK(!c.lab_handlers && !c.allow_symlinks_outside_root);
	CHECK(strcmp(c.document_root, "/kit/common/htdocs") == 0);
	CHECK(strcmp(c.directory_index, "index.html") == 0);
	CHECK(!c.error_log[0] && !c.custom_log[0] && !c.pid_file[0]);
	CHECK(c.server_name[0] != '\0');

	config_defaults(&c, MPM_WORKER);
	CHECK(c.start_servers == 3 && c.min_spare_threads == 75 &&
	      c.max_spare_threads == 250);
	CHECK(c.threads_per_child == 25 && c.thread_limit == 64);
	CHECK(c.server_limit == 16 && c.max_request_workers == 400);

	config_defaults(&c, MPM_EVENT);
	CHECK(c.async_request_worker_factor == 2.0 &&
	      c.threads_per_child == 25);

	/* Apache's defaults are consistent: no error, no warning. */
	for (int m = MPM_PREFORK; m <= MPM_EVENT; m++) {
		int rc;
		const char *w;

		config_defaults(&c, (enum mpm_kind)m);
		w = check_warnings(&c, &rc);
		check(rc == 0 && !w[0], __LINE__, "%s defaults: %s%s",
		      config_mpm_name((enum mpm_kind)m), err, w);
	}
}

static void test_values(void)
{
	struct config c;

	config_defaults(&c, MPM_WORKER);
	OK(&c, "KeepAliveTimeout 300ms");
	CHECK(c.keep_alive_timeout_ms == 300);
	OK(&c, "KeepAliveTimeout 0");
	CHECK(c.keep_alive_timeout_ms == 0);
	OK(&c, "KeepAliveTimeout 2s");
	CHECK(c.keep_alive_timeout_ms == 2000);
	OK(&c, "keepalivetimeout 7");      /* names are case-insensitive */
	CHECK(c.keep_alive_timeout_ms == 7000);
	OK(&c, "KeepAlive off");
	CHECK(!c.keep_alive);
	OK(&c, "KEEPALIVE On\r");          /* a CRLF file is fine */
	CHECK(c.keep_alive);
	OK(&c, "   # a comment, \"even with an open quote");
	OK(&c, "");
	OK(&c, "  \t ");
	OK(&c, "MaxClients 300");          /* the Apache 2.2 names */
	CHECK(c.max_request_workers == 300);
	OK(&c, "MaxRequestsPerChild 1000");
	CHECK(c.max_connections_per_child == 1000);
	OK(&c, "LimitRequestBody 0");
	CHECK(c.limit_request_body == 0);
	OK(&c, "LimitRequestBody 9223372036854775807");
	CHECK(c.limit_request_body == 9223372036854775807LL);
	OK(&c, "LimitRequestFields 256");
	CHECK(c.limit_request_fields == HTTP_MAX_HEADERS);
	OK(&c, "ListenBacklog 4096");
	CHECK(c.listen_backlog == 4096);
	OK(&c, "DocumentRoot \"/tmp/a dir/with \\\"quotes\\\"\"");
	CHECK(strcmp(c.document_root, "/tmp/a dir/with \"quotes\"") == 0);
	OK(&c, "ErrorLog \"\"");
	CHECK(c.error_log[0] == '\0');
	OK(&c, "CustomLog /tmp/access.log common");
	CHECK(strcmp(c.custom_log, "/tmp/access.log") == 0);
	OK(&c, "CustomLog off");
	CHECK(c.custom_log[0] == '\0');
	OK(&c, "CustomLog /tmp/a.log");
	CHECK(strcmp(c.custom_log, "/tmp/a.log") == 0);
	OK(&c, "LabHandlers On");
	CHECK(c.lab_handlers);

	config_defaults(&c, MPM_EVENT);
	OK(&c, "AsyncRequestWorkerFactor 1.5");
	CHECK(c.async_request_worker_factor == 1.5);
	OK(&c, "AsyncRequestWorkerFactor 0");
	CHECK(c.async_request_worker_factor == 0.0);
}

static void test_errors(void)
{
	struct config c;

	config_defaults(&c, MPM_PREFORK);
	REFUSED(&c, "KeepAliveTimeout abc", "-c: KeepAliveTimeout: \"abc\" is "
		"not a valid time (expected seconds, e.g. 5, or milliseconds, "
		"e.g. 300ms)");
	REFUSED(&c, "KeepAliveTimeout 5m", "-c: KeepAliveTimeout: \"5m\" is "
		"not a valid time (expected seconds, e.g. 5, or milliseconds, "
		"e.g. 300ms)");
	REFUSED(&c, "KeepAliveTimeout 3601", "-c: KeepAliveTimeout 3601 is "
		"out of range (0 to 3600 seconds)");
	REFUSED(&c, "Foo 1", "-c: Unknown directive \"Foo\" (is it "
		"misspelled?)");
	REFUSED(&c, "ThreadsPerChild 10", "-c: ThreadsPerChild is not a "
		"prefork directive (it belongs to the worker and event MPMs)");
	REFUSED(&c, "AsyncRequestWorkerFactor 2", "-c: "
		"AsyncRequestWorkerFactor is not a prefork directive (it "
		"belongs to the event MPM)");
	REFUSED(&c, "KeepAlive", "-c: KeepAlive takes one argument, On or Off");
	REFUSED(&c, "KeepAlive On Off", "-c: KeepAlive takes one argument, On "
		"or Off");
	REFUSED(&c, "KeepAlive maybe", "-c: KeepAlive: \"maybe\" is not On or "
		"Off");
	REFUSED(&c, "MaxRequestWorkers 0", "-c: MaxRequestWorkers 0 is out of "
		"range (1 to 20000)");
	REFUSED(&c, "MaxRequestWorkers -5", "-c: MaxRequestWorkers -5 is out "
		"of range (1 to 20000)");
	REFUSED(&c, "MaxRequestWorkers 99999999999999999999999", "-c: "
		"MaxRequestWorkers 99999999999999999999999 is out of range (1 "
		"to 20000)");
	REFUSED(&c, "MaxRequestWorkers 12x", "-c: MaxRequestWorkers: \"12x\" "
		"is not a number (expected a whole number from 1 to 20000)");
	REFUSED(&c, "MaxRequestWorkers +12", "-c: MaxRequestWorkers: \"+12\" "
		"is not a number (expected a whole number from 1 to 20000)");
	REFUSED(&c, "MaxRequestWorkers", "-c: MaxRequestWorkers takes one "
		"argument, a number from 1 to 20000");
	REFUSED(&c, "LimitRequestFields 257", "-c: LimitRequestFields 257 is "
		"out of range (1 to 256; the parser keeps headers in a fixed "
		"array of HTTP_MAX_HEADERS entries, and Apache's 0 = unlimited "
		"is not offered)");
	REFUSED(&c, "DirectoryIndex a/b.html", "-c: DirectoryIndex: "
		"\"a/b.html\" must be a file name, not a path");
	REFUSED(&c, "ServerName \"\"", "-c: ServerName: the value is empty "
		"(expected a host name)");
	REFUSED(&c, "DocumentRoot /a /b", "-c: DocumentRoot takes one "
		"argument, a directory (in double quotes if it contains "
		"blanks)");
	REFUSED(&c, "DocumentRoot \"/a", "-c: a double quote is not closed");
	REFUSED(&c, "CustomLog /tmp/x combined", "-c: CustomLog: format "
		"\"combined\" is not supported (the kit writes the Common Log "
		"Format: use common)");
	REFUSED(&c, "CustomLog a b c", "-c: CustomLog takes a file name and "
		"optionally the format common, or off");
	REFUSED(&c, "<Directory /var/www>", "-c: sections such as <Directory> "
		"are not supported (the kit reads plain directives only)");

	config_defaults(&c, MPM_WORKER);
	REFUSED(&c, "MinSpareServers 5", "-c: MinSpareServers is not a worker "
		"directive (it belongs to the prefork MPM)");
	REFUSED(&c, "AsyncRequestWorkerFactor 2", "-c: "
		"AsyncRequestWorkerFactor is not a worker directive (it "
		"belongs to the event MPM)");
	config_defaults(&c, MPM_EVENT);
	REFUSED(&c, "AsyncRequestWorkerFactor x", "-c: "
		"AsyncRequestWorkerFactor: \"x\" is not a number (expected "
		"e.g. 2 or 1.5)");
	REFUSED(&c, "AsyncRequestWorkerFactor 101", "-c: "
		"AsyncRequestWorkerFactor 101 is out of range (0 to 100)");
	REFUSED(&c, "AsyncRequestWorkerFactor nan", "-c: "
		"AsyncRequestWorkerFactor: \"nan\" is not a number (expected "
		"e.g. 2 or 1.5)");
}

static void test_listen(void)
{
	struct config c;
	char text[96];

	config_defaults(&c, MPM_PREFORK);
	OK(&c, "Listen 127.0.0.1:9090");   /* the first replaces the default */
	CHECK(c.listen_count == 1 && strcmp(c.listen[0].host, "127.0.0.1") == 0
	      && strcmp(c.listen[0].port, "9090") == 0);
	OK(&c, "Listen [::1]:9091");       /* later ones add */
	CHECK(c.listen_count == 2 && strcmp(c.listen[1].host, "::1") == 0);
	OK(&c, "Listen *:9092");
	CHECK(c.listen_count == 3 && c.listen[2].host[0] == '\0');
	OK(&c, "Listen 9093");
	config_listen_format(&c.listen[0], text, sizeof(text));
	CHECK(strcmp(text, "127.0.0.1:9090") == 0);
	config_listen_format(&c.listen[1], text, sizeof(text));
	CHECK(strcmp(text, "[::1]:9091") == 0);
	config_listen_format(&c.listen[3], text, sizeof(text));
	CHECK(strcmp(text, "9093") == 0);
	REFUSED(&c, "Listen 9093", "-c: Listen 9093 is given twice");
	REFUSED(&c, "Listen 0", "-c: Listen: port \"0\" is not a number from "
		"1 to 65535");
	REFUSED(&c, "Listen 127.0.0.1:65536", "-c: Listen: port \"65536\" is "
		"not a number from 1 to 65535");
	REFUSED(&c, "Listen ::1:80", "-c: Listen: \"::1:80\": an IPv6 address "
		"needs brackets, e.g. [::1]:8080");
	REFUSED(&c, "Listen :80", "-c: Listen: \":80\" has an empty or too "
		"long address");
	REFUSED(&c, "Listen [::1]80", "-c: Listen: \"[::1]80\" is not "
		"[address]:port");
	REFUSED(&c, "Listen", "-c: Listen takes one argument, [address:]port "
		"(e.g. 8080 or 127.0.0.1:8080)");
	for (int port = 9094; c.listen_count < CONFIG_MAX_LISTEN; port++) {
		snprintf(text, sizeof(text), "Listen %d", port);
		OK(&c, text);
	}
	REFUSED(&c, "Listen 9999", "-c: Listen: too many addresses (at most "
		"8)");
}

static void test_check_prefork(void)
{
	struct config c;
	const char *w;
	int rc;

	config_defaults(&c, MPM_PREFORK);
	OK(&c, "MinSpareServers 20");
	w = check_warnings(&c, &rc);
	CHECK(rc == -1);
	CHECK(strcmp(err, "MinSpareServers 20 is greater than MaxSpareServers "
		     "10 (the master would retire what it has just started; "
		     "make MaxSpareServers at least 21)") == 0);

	config_defaults(&c, MPM_PREFORK);
	OK(&c, "MaxSpareServers 5");
	w = check_warnings(&c, &rc);
	CHECK(rc == 0 && c.max_spare_servers == 6);
	CHECK(strstr(w, "warning: MaxSpareServers 5 must be above "
		     "MinSpareServers 5") != NULL);

	config_defaults(&c, MPM_PREFORK);
	OK(&c, "ServerLimit 10");
	OK(&c, "StartServers 20");
	w = check_warnings(&c, &rc);
	CHECK(rc == 0 && c.max_request_workers == 10 && c.start_servers == 10);
	CHECK(strcmp(w, "warning: MaxRequestWorkers 256 is greater than "
		     "ServerLimit 10 (the scoreboard has ServerLimit slots); "
		     "using 10\nwarning: StartServers 20 is greater than "
		     "MaxRequestWorkers 10; using 10\n") == 0);
	/* NULL warnings: repairs happen silently. */
	config_defaults(&c, MPM_PREFORK);
	OK(&c, "ServerLimit 3");
	CHECK(config_check(&c, NULL, err, sizeof(err)) == 0 &&
	      c.max_request_workers == 3);
}

static void test_check_threaded(void)
{
	struct config c;
	const char *w;
	int rc;

	config_defaults(&c, MPM_WORKER);
	OK(&c, "MaxRequestWorkers 60");
	OK(&c, "StartServers 2");
	w = check_warnings(&c, &rc);
	CHECK(rc == 0 && c.max_request_workers == 50);
	CHECK(strcmp(w, "warning: MaxRequestWorkers 60 is not a multiple of "
		     "ThreadsPerChild 25; using 50\n") == 0);

	config_defaults(&c, MPM_EVENT);
	OK(&c, "MaxRequestWorkers 1000");  /* > 16 x 25 */
	w = check_warnings(&c, &rc);
	CHECK(rc == 0 && c.max_request_workers == 400);
	CHECK(strstr(w, "MaxRequestWorkers 1000 is greater than ServerLimit 16 "
		     "x ThreadsPerChild 25; using 400") != NULL);

	config_defaults(&c, MPM_WORKER);
	OK(&c, "ThreadsPerChild 100");     /* > ThreadLimit 64 */
	w = check_warnings(&c, &rc);
	CHECK(rc == 0 && c.threads_per_child == 64);
	CHECK(c.max_request_workers == 384); /* 400 rounded down to 64s */
	CHECK(strstr(w, "ThreadsPerChild 100 is greater than ThreadLimit 64")
	      != NULL);

	config_defaults(&c, MPM_WORKER);
	OK(&c, "MaxRequestWorkers 10");    /* < ThreadsPerChild */
	w = check_warnings(&c, &rc);
	CHECK(rc == 0 && c.max_request_workers == 25 && c.start_servers == 1);
	CHECK(strstr(w, "StartServers 3 would need more than MaxRequestWorkers"
		     " 25 / ThreadsPerChild 25 children; using 1") != NULL);

	config_defaults(&c, MPM_WORKER);
	OK(&c, "MaxSpareThreads 80");      /* < 75 + 25 */
	w = check_warnings(&c, &rc);
	CHECK(rc == 0 && c.max_spare_threads == 100);
	CHECK(strcmp(w, "warning: MaxSpareThreads 80 must be at least "
		     "MinSpareThreads 75 + ThreadsPerChild 25; using 100\n")
	      == 0);

	config_defaults(&c, MPM_EVENT);
	OK(&c, "MinSpareThreads 300");
	w = check_warnings(&c, &rc);
	CHECK(rc == -1 && strcmp(err, "MinSpareThreads 300 is greater than "
				 "MaxSpareThreads 250 (the master would retire "
				 "what it has just started; make "
				 "MaxSpareThreads at least 325)") == 0);
	(void)w;
}

static void test_files(const char *dir)
{
	char path[256], missing[512];
	struct config c;
	char *dirs[] = { "KeepAliveTimeout 250ms", "Listen 127.0.0.1:9191" };

	snprintf(path, sizeof(path), "%s/kit.conf", dir);
	write_file(path,
		   "# a comment\n"
		   "\n"
		   "KeepAliveTimeout 2\r\n"
		   "  ServerName   \"my host\"  \n"
		   "Listen \\\n"
		   "    127.0.0.1:9090\n"
		   "StartServers 7");           /* no final newline */
	config_defaults(&c, MPM_PREFORK);
	CHECK(config_read_file(&c, path, err, sizeof(err)) == 0);
	CHECK(c.keep_alive_timeout_ms == 2000 && c.start_servers == 7);
	CHECK(strcmp(c.server_name, "my host") == 0);
	CHECK(c.listen_count == 1 && strcmp(c.listen[0].port, "9090") == 0);

	/* -c comes after the file and wins; Listen adds to the file's. */
	CHECK(config_load(&c, MPM_PREFORK, path, dirs, 2, NULL, err,
			  sizeof(err)) == 0);
	CHECK(c.keep_alive_timeout_ms == 250 && c.listen_count == 2);

	write_file(path, "KeepAlive On\n# two\n\nTimeout 5\n"
		   "KeepAliveTimeout abc\n");
	CHECK(config_read_file(&c, path, err, sizeof(err)) == -1);
	snprintf(missing, sizeof(missing), "%s:5: KeepAliveTimeout: \"abc\" is "
		 "not a valid time (expected seconds, e.g. 5, or milliseconds, "
		 "e.g. 300ms)", path);
	check(strcmp(err, missing) == 0, __LINE__, "got %s", err);

	/* The line of a continued line is the line where it starts. */
	write_file(path, "Timeout 5\nFoo \\\n bar\n");
	CHECK(config_read_file(&c, path, err, sizeof(err)) == -1);
	snprintf(missing, sizeof(missing), "%s:2: Unknown directive \"Foo\" "
		 "(is it misspelled?)", path);
	check(strcmp(err, missing) == 0, __LINE__, "got %s", err);

	snprintf(missing, sizeof(missing), "%s/nope.conf", dir);
	CHECK(config_read_file(&c, missing, err, sizeof(err)) == -1);
	CHECK(strstr(err, "nope.conf: cannot read the configuration file: No "
		      "such file or directory") != NULL);

	/* A line longer than 8 KiB is refused, not cut. */
	{
		char *big = malloc(10000);

		if (!big)
			exit(2);
		memset(big, 'x', 9998);
		big[9998] = '\n';
		big[9999] = '\0';
		write_file(path, big);
		CHECK(config_read_file(&c, path, err, sizeof(err)) == -1);
		CHECK(strstr(err, ":1: the line is longer than 8192 bytes")
		      != NULL);
		free(big);
	}
	unlink(path);
}

/* Field by field: the strings' bytes after their NUL don't count. */
static bool same_config(const struct config *a, const struct config *b)
{
	bool same = a->mpm == b->mpm && a->listen_count == b->listen_count;

	for (int i = 0; same && i < a->listen_count; i++)
		same = strcmp(a->listen[i].host, b->listen[i].host) == 0 &&
		       strcmp(a->listen[i].port, b->listen[i].port) == 0;
#define SAME_STR(f) (same = same && strcmp(a->f, b->f) == 0)
#define SAME_NUM(f) (same = same && a->f == b->f)
	SAME_STR(server_name); SAME_STR(document_root);
	SAME_STR(directory_index); SAME_STR(error_log);
	SAME_STR(custom_log); SAME_STR(pid_file);
	SAME_NUM(listen_backlog); SAME_NUM(keep_alive);
	SAME_NUM(keep_alive_timeout_ms); SAME_NUM(max_keep_alive_requests);
	SAME_NUM(timeout_s); SAME_NUM(limit_request_line);
	SAME_NUM(limit_request_field_size); SAME_NUM(limit_request_fields);
	SAME_NUM(limit_request_body); SAME_NUM(lab_handlers);
	SAME_NUM(allow_symlinks_outside_root); SAME_NUM(start_servers);
	SAME_NUM(min_spare_servers); SAME_NUM(max_spare_servers);
	SAME_NUM(min_spare_threads); SAME_NUM(max_spare_threads);
	SAME_NUM(threads_per_child); SAME_NUM(thread_limit);
	SAME_NUM(server_limit); SAME_NUM(max_request_workers);
	SAME_NUM(max_connections_per_child);
	SAME_NUM(async_request_worker_factor);
#undef SAME_STR
#undef SAME_NUM
	return same;
}

static void round_trip(enum mpm_kind mpm, char **dirs, int count,
		       const char *dir)
{
	struct config a, b;
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/dump.conf", dir);
	if (config_load(&a, mpm, NULL, dirs, count, NULL, err, sizeof(err))) {
		check(false, __LINE__, "%s: %s", config_mpm_name(mpm), err);
		return;
	}
	f = fopen(path, "w");
	if (!f)
		exit(2);
	config_dump(&a, f);
	fclose(f);
	check(config_load(&b, mpm, path, NULL, 0, NULL, err, sizeof(err)) == 0,
	      __LINE__, "%s: dump read back: %s", config_mpm_name(mpm), err);
	check(same_config(&a, &b), __LINE__, "%s: dump and re-read differ",
	      config_mpm_name(mpm));
	unlink(path);
}

static void test_dump(const char *dir)
{
	char *prefork[] = { "KeepAliveTimeout 300ms", "Listen 127.0.0.1:9000",
			    "Listen [::1]:9001", "CustomLog \"/tmp/a b.log\"",
			    "ServerName \"odd \\\"name\\\"\"",
			    "MaxSpareServers 30",
			    "LimitRequestBody 0", "PidFile /tmp/k.pid" };
	char *event[] = { "AsyncRequestWorkerFactor 0.1", "ThreadsPerChild 10",
			  "MaxRequestWorkers 95", "KeepAliveTimeout 1500ms",
			  "DocumentRoot /tmp" };
	struct config c;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	round_trip(MPM_PREFORK, NULL, 0, dir);
	round_trip(MPM_WORKER, NULL, 0, dir);
	round_trip(MPM_EVENT, NULL, 0, dir);
	round_trip(MPM_PREFORK, prefork, 8, dir);
	round_trip(MPM_EVENT, event, 5, dir);

	config_defaults(&c, MPM_PREFORK);
	if (!out)
		exit(2);
	config_dump(&c, out);
	fclose(out);
	CHECK(strstr(text, "\nStartServers 5\n") != NULL);
	CHECK(strstr(text, "\nKeepAliveTimeout 5\n") != NULL);
	CHECK(strstr(text, "\nErrorLog \"\"\n") != NULL);
	CHECK(strstr(text, "ThreadsPerChild") == NULL);
	free(text);
}

int main(void)
{
	char dir[] = "/tmp/test_config.XXXXXX";

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(config_kit_root, sizeof(config_kit_root), "/kit");
	test_defaults();
	test_values();
	test_errors();
	test_listen();
	test_check_prefork();
	test_check_threaded();
	test_files(dir);
	test_dump(dir);
	rmdir(dir);
	printf("config: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
