/*
 * test_scoreboard.c - unit tests of the scoreboard, /server-status, the lab
 * handlers' dispatch and the query-string helpers.
 *
 * What it checks: slots start open ('.'), state changes and counters reach
 * the totals, a restart resets counters only when asked (HUP, not USR1),
 * a forked child's writes are seen by its parent (the whole point of the
 * shared mapping), a quiescing process's workers show 'G', a full or
 * stopping child is not one that accepts, ?auto keeps mod_status's keys
 * and order, and numbers in query strings are refused unless whole and
 * in range.
 *
 * Prints one line per failure and last "scoreboard: N passed, M failed";
 * exits 1 if anything failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "handlers.h"
#include "http_parser.h"
#include "response.h"
#include "scoreboard.h"
#include "server.h"

static int passed, failed;

#define CHECK(cond, what) check((cond), (what), __LINE__)

static void check(bool ok, const char *what, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL line %d: %s\n", line, what);
}

/* ---- Scoreboard ---- */

static void test_create(void)
{
	struct scoreboard *sb = scoreboard_create(4, 3, "worker");
	struct sb_totals t;
	int p, th;
	bool all_open = true;

	CHECK(sb != NULL, "create 4x3");
	if (sb == NULL)
		return;
	CHECK(sb->server_limit == 4 && sb->thread_limit == 3, "limits kept");
	CHECK(strcmp(sb->mpm_name, "worker") == 0, "mpm name kept");
	CHECK(sb->restart_time_ms > 0 && sb->start_time_ms > 0, "times set");
	for (p = 0; p < 4; p++)
		for (th = 0; th < 3; th++)
			all_open &= sb_get_state(scoreboard_worker(sb, p, th))
				    == SB_DEAD;
	CHECK(all_open, "every slot starts '.'");
	CHECK(scoreboard_worker(sb, 4, 0) == NULL, "proc out of range");
	CHECK(scoreboard_worker(sb, 0, 3) == NULL, "thread out of range");
	CHECK(scoreboard_worker(sb, -1, 0) == NULL, "negative proc");
	CHECK(scoreboard_process(sb, 4) == NULL, "process out of range");
	scoreboard_totals(sb, &t);
	CHECK(t.processes == 0 && t.busy == 0 && t.idle == 0,
	      "empty totals");
	errno = 0;
	CHECK(scoreboard_create(0, 1, "x") == NULL && errno == EINVAL,
	      "ServerLimit 0 refused");
	CHECK(scoreboard_create(1, 0, "x") == NULL, "ThreadLimit 0 refused");
	CHECK(scoreboard_create(1000000, 1, "x") == NULL,
	      "ServerLimit too large refused");
}

static void test_states_and_totals(void)
{
	struct scoreboard *sb = scoreboard_create(4, 3, "worker");
	struct sb_worker *w00, *w01, *w02, *w10;
	struct sb_worker snap;
	struct sb_totals t;

	if (sb == NULL)
		return;
	w00 = scoreboard_worker(sb, 0, 0);
	w01 = scoreboard_worker(sb, 0, 1);
	w02 = scoreboard_worker(sb, 0, 2);
	w10 = scoreboard_worker(sb, 1, 0);
	sb_proc_start(sb, 0, 1000);
	sb_set_state(w00, SB_READY);
	sb_set_state(w01, SB_WRITE);
	sb_set_state(w02, SB_KEEPALIVE);
	CHECK(sb_get_state(w01) == SB_WRITE, "state W stored");
	CHECK(w00->pid == getpid(), "leaving '.' records the pid");
	CHECK(w00->last_used_ms > 0, "last_used set");
	/* Process 1 is not live: its worker's letter does not count. */
	sb_set_state(w10, SB_READ);
	scoreboard_totals(sb, &t);
	CHECK(t.processes == 1, "one live process");
	CHECK(t.busy == 2, "busy counts W and K of live processes");
	CHECK(t.idle == 1, "idle counts _");

	sb_proc_start(sb, 1, 1001);
	scoreboard_totals(sb, &t);
	CHECK(t.processes == 2 && t.busy == 3, "R counts once live");
	sb_set_state(w10, SB_GRACEFUL);
	sb_set_state(w02, SB_IDLE_KILL);
	scoreboard_totals(sb, &t);
	CHECK(t.graceful == 1 && t.busy == 2, "G busy and graceful, I not");

	sb_proc_set_quiescing(scoreboard_process(sb, 0), true);
	scoreboard_totals(sb, &t);
	CHECK(t.stopping == 1 && t.idle == 0,
	      "a stopping process's _ is not idle");
	sb_proc_set_quiescing(scoreboard_process(sb, 0), false);

	sb_connection_start(w01, "127.0.0.1");
	sb_request_start(w01, "GET /a\tb HTTP/1.1", 17);
	sb_request_done(w01, 1000);
	sb_request_done(w01, 24);
	sb_request_done(w10, 2048);
	sb_worker_snapshot(w01, &snap);
	CHECK(strcmp(snap.client, "127.0.0.1") == 0, "client copied");
	CHECK(strcmp(snap.request, "GET /a?b HTTP/1.1") == 0,
	      "request copied, control byte replaced");
	CHECK(snap.access_count == 2 && snap.bytes_served == 1024 &&
	      snap.conn_count == 1, "counters in the snapshot");
	scoreboard_totals(sb, &t);
	CHECK(t.accesses == 3 && t.bytes == 3072, "counters summed");

	sb_proc_set_conns(scoreboard_process(sb, 1), 7, 1, 4, 2);
	scoreboard_totals(sb, &t);
	CHECK(t.conns_total == 7 && t.conns_writing == 1 &&
	      t.conns_keepalive == 4 && t.conns_closing == 2, "conns summed");

	/* A long request line is cut, not overflowed. */
	{
		char line[200];

		memset(line, 'x', sizeof(line));
		sb_request_start(w01, line, sizeof(line));
		sb_worker_snapshot(w01, &snap);
		CHECK(strlen(snap.request) == sizeof(snap.request) - 1,
		      "request line truncated to the slot");
	}

	/* The process dies: slot free, letters '.', counters kept. */
	sb_proc_exited(sb, 1);
	scoreboard_totals(sb, &t);
	CHECK(sb_get_state(w10) == SB_DEAD, "exited: workers '.'");
	CHECK(t.processes == 1 && t.accesses == 3,
	      "exited: counters outlive the process");
	CHECK(t.conns_total == 0, "exited: its conns gone");

	sb_set_state(NULL, SB_READY);
	sb_request_done(NULL, 1);
	CHECK(sb_get_state(NULL) == SB_DEAD, "NULL slot is harmless");
}

static void test_restart(void)
{
	struct scoreboard *sb = scoreboard_create(2, 2, "event");
	struct sb_worker *w;
	struct sb_totals t;
	int64_t first;

	if (sb == NULL)
		return;
	w = scoreboard_worker(sb, 1, 1);
	sb_proc_start(sb, 1, 4242);
	sb_set_state(w, SB_READY);
	sb_request_done(w, 500);
	first = sb->restart_time_ms;
	usleep(2000);
	scoreboard_restart(sb, false);
	scoreboard_totals(sb, &t);
	CHECK(sb_generation(sb) == 1, "graceful restart bumps generation");
	CHECK(sb->restart_time_ms > first, "restart time moves");
	CHECK(t.accesses == 1 && t.bytes == 500,
	      "graceful restart keeps counters");
	scoreboard_restart(sb, true);
	scoreboard_totals(sb, &t);
	CHECK(sb_generation(sb) == 2, "restart bumps generation");
	CHECK(t.accesses == 0 && t.bytes == 0, "HUP restart resets counters");
	sb_proc_start(sb, 0, 4343);
	CHECK(scoreboard_process(sb, 0)->generation == 2,
	      "new process gets the current generation");
}

/* A worker of a quiescing process (a graceful stop) shows 'G' whatever
 * it does; '.' stays '.'. Only the server's scoreboard knows its
 * processes: the first one created (test_create's, 4 x 3). */
static void test_graceful_letters(void)
{
	struct scoreboard *sb = the_scoreboard;
	struct sb_worker *w;

	CHECK(sb != NULL && sb->server_limit >= 2, "the server's scoreboard");
	if (sb == NULL || sb->server_limit < 2)
		return;
	w = scoreboard_worker(sb, 1, 0);
	sb_proc_start(sb, 1, 2000);
	sb_set_state(w, SB_WRITE);
	CHECK(sb_get_state(w) == SB_WRITE, "W while the process serves");
	sb_proc_set_quiescing(scoreboard_process(sb, 1), true);
	sb_set_state(w, SB_KEEPALIVE);
	CHECK(sb_get_state(w) == SB_GRACEFUL, "K of a quiescing process: G");
	sb_set_state(w, SB_READY);
	CHECK(sb_get_state(w) == SB_GRACEFUL, "_ of a quiescing process: G");
	sb_set_state(w, SB_DEAD);
	CHECK(sb_get_state(w) == SB_DEAD, "'.' stays '.'");
	sb_proc_exited(sb, 1);
}

/* Which other children take new connections (event: a full child asks
 * before it closes idle keep-alive connections for a newcomer). */
static void test_other_child_accepting(void)
{
	struct scoreboard *sb = scoreboard_create(3, 1, "event");
	struct sb_process *p0, *p1;

	if (sb == NULL)
		return;
	p0 = scoreboard_process(sb, 0);
	p1 = scoreboard_process(sb, 1);
	sb_proc_start(sb, 0, 10);
	CHECK(!sb_other_child_accepting(sb, p0), "alone: nobody else");
	sb_proc_start(sb, 1, 11);
	CHECK(sb_other_child_accepting(sb, p0), "another child accepts");
	sb_proc_set_accepting(p1, false);
	CHECK(!sb_other_child_accepting(sb, p0), "the other child is full");
	sb_proc_set_accepting(p1, true);
	sb_proc_set_quiescing(p1, true);
	CHECK(!sb_other_child_accepting(sb, p0), "a quiescing child: no");
	sb_proc_set_quiescing(p1, false);
	sb_proc_set_accepting(p1, false);
	sb_proc_exited(sb, 1);
	sb_proc_start(sb, 1, 12);
	CHECK(sb_other_child_accepting(sb, p0),
	      "a new child in a freed slot accepts (exit reset the flag)");
	scoreboard_restart(sb, false);
	CHECK(!sb_other_child_accepting(sb, p0),
	      "a child of an older generation: no");
}

/* The reason for MAP_SHARED: a child's writes reach the parent. */
static void test_fork(void)
{
	struct scoreboard *sb = scoreboard_create(2, 1, "prefork");
	struct sb_worker snap;
	int status = 0;
	pid_t pid;

	if (sb == NULL)
		return;
	pid = fork();
	if (pid < 0) {
		CHECK(false, "fork");
		return;
	}
	if (pid == 0) {
		struct sb_worker *w = scoreboard_worker(sb, 1, 0);

		sb_proc_start(sb, 1, getpid());
		sb_set_state(w, SB_WRITE);
		sb_connection_start(w, "10.0.0.9");
		sb_request_done(w, 77);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "child exits cleanly");
	sb_worker_snapshot(scoreboard_worker(sb, 1, 0), &snap);
	CHECK(snap.state == SB_WRITE, "parent sees the child's W");
	CHECK(snap.pid == pid, "parent sees the child's pid in its slot");
	CHECK(sb_proc_pid(scoreboard_process(sb, 1)) == pid,
	      "parent sees the process slot");
	CHECK(snap.bytes_served == 77 && strcmp(snap.client, "10.0.0.9") == 0,
	      "parent sees counters and client");
}

/* ---- query.c ---- */

static const struct query_case {
	const char *query;
	const char *name;
	long min, max;
	int rc;
	long value;
} query_cases[] = {
	{ "ms=100", "ms", 0, 60000, 0, 100 },
	{ "ms=0", "ms", 0, 60000, 0, 0 },
	{ "ms=60000", "ms", 0, 60000, 0, 60000 },
	{ "ms=60001", "ms", 0, 60000, -1, 0 },
	{ "ms=-1", "ms", 0, 60000, -1, 0 },
	{ "ms=+7", "ms", 0, 60000, 0, 7 },
	{ "ms=007", "ms", 0, 60000, 0, 7 },
	{ "ms=", "ms", 0, 60000, -1, 0 },
	{ "ms", "ms", 0, 60000, -1, 0 },
	{ "ms=12abc", "ms", 0, 60000, -1, 0 },
	{ "ms= 5", "ms", 0, 60000, -1, 0 },
	{ "ms=5 ", "ms", 0, 60000, -1, 0 },
	{ "ms=1.5", "ms", 0, 60000, -1, 0 },
	{ "ms=0x10", "ms", 0, 60000, -1, 0 },
	{ "ms=%31", "ms", 0, 60000, -1, 0 },
	{ "ms=99999999999999999999999", "ms", 0, 60000, -1, 0 },
	{ "ms=9223372036854775807", "ms", 0, 9223372036854775807L, 0,
	  9223372036854775807L },
	{ "ms=9223372036854775808", "ms", 0, 9223372036854775807L, -1, 0 },
	{ "n=-9223372036854775808", "n", -9223372036854775807L - 1, 0, 0,
	  -9223372036854775807L - 1 },
	{ "n=-9223372036854775809", "n", -9223372036854775807L - 1, 0, -1,
	  0 },
	{ "n=-", "n", -10, 10, -1, 0 },
	{ "n=-5", "n", -10, 10, 0, -5 },
	{ "", "ms", 0, 60000, 1, 0 },
	{ "kb=5", "ms", 0, 60000, 1, 0 },
	{ "msx=5", "ms", 0, 60000, 1, 0 },
	{ "xms=5", "ms", 0, 60000, 1, 0 },
	{ "a=1&ms=250&b=2", "ms", 0, 60000, 0, 250 },
	{ "a=1&ms=250", "ms", 0, 60000, 0, 250 },
	{ "ms=1&ms=2", "ms", 0, 60000, 0, 1 },
	{ "&&ms=3&", "ms", 0, 60000, 0, 3 },
	{ "auto&refresh=5", "refresh", 1, 3600, 0, 5 },
	{ "refresh=0", "refresh", 1, 3600, -1, 0 },
	{ "MS=5", "ms", 0, 60000, 1, 0 },
};

static void test_query_long(void)
{
	size_t i;

	for (i = 0; i < sizeof(query_cases) / sizeof(query_cases[0]); i++) {
		const struct query_case *qc = &query_cases[i];
		long value = -4242;
		int rc = query_long(qc->query, strlen(qc->query), qc->name,
				    qc->min, qc->max, &value);
		char what[160];

		snprintf(what, sizeof(what), "query_long(\"%s\", %s) = %d",
			 qc->query, qc->name, rc);
		CHECK(rc == qc->rc, what);
		if (qc->rc == 0)
			CHECK(value == qc->value, what);
		else
			CHECK(value == -4242, "value untouched unless 0");
	}
	/* The span is not NUL-terminated: only len bytes count. */
	CHECK(query_long("ms=12345", 5, "ms", 0, 100, &(long){ 0 }) == 0,
	      "query_long honours len");
	CHECK(query_long(NULL, 0, "ms", 0, 1, &(long){ 0 }) == 1,
	      "NULL query is absent");
}

static void test_query_token(void)
{
	char out[33] = "untouched";
	char big[64];
	const char *v;
	size_t vlen;

	CHECK(query_token("id=abc-_9Z", 10, "id", out, sizeof(out)) == 0 &&
	      strcmp(out, "abc-_9Z") == 0, "token accepted");
	CHECK(query_token("x=1", 3, "id", out, sizeof(out)) == 1,
	      "token absent");
	CHECK(query_token("id=", 3, "id", out, sizeof(out)) == -1,
	      "empty token refused");
	CHECK(query_token("id=a%20b", 8, "id", out, sizeof(out)) == -1,
	      "token with % refused");
	CHECK(query_token("id=a.b", 6, "id", out, sizeof(out)) == -1,
	      "token with . refused");
	snprintf(big, sizeof(big), "id=%s",
		 "0123456789012345678901234567890123");
	CHECK(query_token(big, strlen(big), "id", out, sizeof(out)) == -1,
	      "33-char token refused");
	big[3 + 32] = '\0';
	CHECK(query_token(big, strlen(big), "id", out, sizeof(out)) == 0 &&
	      strlen(out) == 32, "32-char token accepted");
	CHECK(query_find("auto", 4, "auto", &v, &vlen) && vlen == 0,
	      "bare name found");
	CHECK(!query_find("autox", 5, "auto", &v, &vlen), "prefix not found");
}

/* ---- status.c and lab.c without a connection: a handler is a function
 * of the request, a body reader and the response it fills ---- */

static struct server test_server;

struct fake {
	struct http_request req;
	struct response resp;
	struct body_reader body;
	const char *body_text;  /* what the fake body reader returns */
	int body_status;        /* or this status, when not 0 */
	int body_reads;
};

static int fake_read_all(void *ctx, char **body, size_t *len, size_t max)
{
	struct fake *f = ctx;
	size_t n = strlen(f->body_text);

	f->body_reads++;
	*body = NULL;
	*len = 0;
	if (f->body_status != 0)
		return f->body_status;
	if (n > max)
		return 413;
	*body = malloc(n + 1);
	if (*body == NULL)
		return 500;
	memcpy(*body, f->body_text, n + 1);
	*len = n;
	return 0;
}

static void fake_request(struct fake *c, enum http_method method,
			 const char *path, const char *query)
{
	memset(c, 0, sizeof(*c));
	response_init(&c->resp);
	c->body.read_all = fake_read_all;
	c->body.ctx = c;
	c->body_text = "";
	c->req.method_id = method;
	c->req.path.ptr = path;
	c->req.path.len = strlen(path);
	c->req.query.ptr = query;
	c->req.query.len = strlen(query);
	c->req.version_major = 1;
	c->req.version_minor = 1;
}

static bool body_has(const struct fake *c, const char *text)
{
	return c->resp.body != NULL &&
	       memmem(c->resp.body, c->resp.body_len, text, strlen(text));
}

static bool keys_in_order(const char *body, size_t len,
			  const char *const *keys, size_t nkeys)
{
	const char *p = body, *end = body + len;
	size_t k = 0;

	while (p < end && k < nkeys) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t klen = strlen(keys[k]);

		if (nl == NULL)
			return false;
		if ((size_t)(nl - p) < klen + 2 ||
		    memcmp(p, keys[k], klen) != 0 || p[klen] != ':' ||
		    p[klen + 1] != ' ')
			return false;
		k++;
		p = nl + 1;
	}
	return k == nkeys && p == end;
}

static void test_status(void)
{
	static const char *const keys[] = {
		"ServerVersion", "ServerMPM", "CurrentTime", "RestartTime",
		"ServerUptimeSeconds", "ServerUptime", "Total Accesses",
		"Total kBytes", "Uptime", "ReqPerSec", "BytesPerSec",
		"BytesPerReq", "BusyWorkers", "GracefulWorkers", "IdleWorkers",
		"Processes", "Stopping", "ConnsTotal", "ConnsAsyncWriting",
		"ConnsAsyncKeepAlive", "ConnsAsyncClosing", "Scoreboard",
	};
	struct scoreboard *sb = scoreboard_create(4, 3, "event");
	struct fake c;

	if (sb == NULL)
		return;
	the_scoreboard = sb;
	test_server.cfg.mpm = MPM_EVENT;
	test_server.cfg.server_limit = 3;
	test_server.cfg.threads_per_child = 2;
	snprintf(test_server.cfg.server_name,
		 sizeof(test_server.cfg.server_name), "test<host>");
	sb_proc_start(sb, 0, 1);
	sb_proc_start(sb, 2, 3);
	sb_set_state(scoreboard_worker(sb, 0, 0), SB_READY);
	sb_set_state(scoreboard_worker(sb, 2, 1), SB_KEEPALIVE);
	sb_request_start(scoreboard_worker(sb, 2, 1), "GET /<x> HTTP/1.1",
			 17);
	/* A stale letter of a dead process shows as '.'. */
	sb_set_state(scoreboard_worker(sb, 1, 0), SB_WRITE);

	fake_request(&c, HTTP_METHOD_GET, "/server-status", "auto");
	/* conn.c marks the serving slot W before it runs a handler. */
	sb_set_state(scoreboard_worker(sb, 0, 1), SB_WRITE);
	status_handle(&test_server, &c.req, &c.resp);
	CHECK(c.resp.status == 200, "?auto is 200");
	CHECK(strstr(c.resp.extra, "text/plain") != NULL, "?auto text/plain");
	CHECK(keys_in_order(c.resp.body, c.resp.body_len, keys,
			    sizeof(keys) / sizeof(keys[0])),
	      "?auto keys in mod_status order");
	CHECK(body_has(&c, "\nScoreboard: _W...K\n"),
	      "letters: own slot W, dead process '.'");
	CHECK(body_has(&c, "\nBusyWorkers: 2\n") &&
	      body_has(&c, "\nIdleWorkers: 1\n") &&
	      body_has(&c, "\nProcesses: 2\n"), "?auto counts");
	response_reset(&c.resp);

	fake_request(&c, HTTP_METHOD_GET, "/server-status", "refresh=5");
	status_handle(&test_server, &c.req, &c.resp);
	CHECK(c.resp.status == 200 && strstr(c.resp.extra, "Refresh: 5"),
	      "HTML with Refresh header");
	CHECK(body_has(&c, "content=\"5\"") &&
	      body_has(&c, "test&lt;host&gt;") &&
	      body_has(&c, "GET /&lt;x&gt; HTTP/1.1"),
	      "HTML refresh meta, escaped name and request");
	response_reset(&c.resp);

	fake_request(&c, HTTP_METHOD_GET, "/server-status", "refresh=0");
	status_handle(&test_server, &c.req, &c.resp);
	CHECK(c.resp.status == 400, "refresh=0 is 400");
	response_reset(&c.resp);

	fake_request(&c, HTTP_METHOD_POST, "/server-status", "");
	status_handle(&test_server, &c.req, &c.resp);
	CHECK(c.resp.status == 405 && strstr(c.resp.extra, "Allow: GET, HEAD"),
	      "POST is 405 with Allow");
	response_reset(&c.resp);
}

/* Apache's largest defaults, every slot busy with a request line that
 * escaping makes four times longer: the page must still be whole. */
static void test_status_big(int procs, int threads)
{
	struct scoreboard *sb = scoreboard_create(procs, threads, "worker");
	char line[64], what[80];
	struct fake c;
	int p, th;

	if (sb == NULL)
		return;
	the_scoreboard = sb;
	test_server.cfg.mpm = MPM_WORKER;
	test_server.cfg.server_limit = procs;
	test_server.cfg.threads_per_child = threads;
	memset(line, '<', sizeof(line));
	for (p = 0; p < procs; p++) {
		sb_proc_start(sb, p, 100 + p);
		for (th = 0; th < threads; th++) {
			struct sb_worker *w = scoreboard_worker(sb, p, th);

			sb_set_state(w, SB_WRITE);
			sb_connection_start(w, "127.0.0.1");
			sb_request_start(w, line, sizeof(line));
		}
	}
	fake_request(&c, HTTP_METHOD_GET, "/server-status", "");
	status_handle(&test_server, &c.req, &c.resp);
	snprintf(what, sizeof(what), "%dx%d HTML page complete", procs,
		 threads);
	CHECK(c.resp.status == 200 && c.resp.body_len > 20 &&
	      memcmp(c.resp.body + c.resp.body_len - 15, "</body></html>\n",
		     15) == 0, what);
	response_reset(&c.resp);
	fake_request(&c, HTTP_METHOD_HEAD, "/server-status", "auto");
	status_handle(&test_server, &c.req, &c.resp);
	snprintf(what, sizeof(what), "%dx%d ?auto, HEAD", procs, threads);
	CHECK(c.resp.status == 200 && c.resp.head_only &&
	      body_has(&c, "BusyWorkers: ") && c.resp.body_len >
	      (size_t)(procs * threads), what);
	response_reset(&c.resp);
}

/* One lab request; returns the status and checks the body's start. */
static int lab(enum http_method m, const char *path, const char *query,
	       const char *want)
{
	struct fake c;
	int status;

	fake_request(&c, m, path, query);
	if (!lab_handle(&c.req, &c.body, &c.resp)) {
		response_reset(&c.resp);
		return 0;
	}
	status = c.resp.status;
	if (want != NULL)
		CHECK(body_has(&c, want), want);
	response_reset(&c.resp);
	return status;
}

static void test_lab(void)
{
	CHECK(lab(HTTP_METHOD_GET, "/index.html", "", NULL) == 0,
	      "non-lab path not handled");
	CHECK(lab(HTTP_METHOD_GET, "/lab", "", NULL) == 0,
	      "/lab itself not handled");
	CHECK(lab(HTTP_METHOD_GET, "/lab/sleep", "ms=1", "slept 1 ms\n")
	      == 200, "sleep");
	CHECK(lab(HTTP_METHOD_GET, "/lab/spin", "ms=2", "spun 2 ms\n")
	      == 200, "spin");
	CHECK(lab(HTTP_METHOD_GET, "/lab/sleep", "ms=60001",
		  "ms must be a whole number from 0 to 60000") == 400,
	      "sleep ms out of range");
	CHECK(lab(HTTP_METHOD_GET, "/lab/unsafe", "id=abc&ms=0",
		  "id=abc expected=abc ok\n") == 200, "unsafe, one thread");
	CHECK(lab(HTTP_METHOD_GET, "/lab/unsafe", "id=a/b", NULL) == 400,
	      "unsafe bad id");
	CHECK(lab(HTTP_METHOD_GET, "/lab/leak", "kb=4", "leaked 4 KiB") == 200,
	      "leak");
	CHECK(lab(HTTP_METHOD_GET, "/lab/leak", "kb=0", NULL) == 400,
	      "leak kb=0");
	CHECK(lab(HTTP_METHOD_GET, "/lab/nope", "", "/lab/sleep") == 404,
	      "unknown lab handler");
	CHECK(lab(HTTP_METHOD_GET, "/lab/echo", "", NULL) == 405,
	      "echo wants POST or PUT");
	CHECK(lab(HTTP_METHOD_DELETE, "/lab/sleep", "", NULL) == 405,
	      "sleep wants GET or HEAD");
}

/* /lab/echo reads the body through the reader it is given, and answers
 * the reader's status when reading fails. */
static void test_lab_echo(void)
{
	static const int failures[] = { 400, 408, 413 };
	struct fake c;
	const struct http_header type = {
		{ "Content-Type", 12 }, { "text/x-test", 11 },
	};

	fake_request(&c, HTTP_METHOD_POST, "/lab/echo", "");
	c.req.headers[0] = type;
	c.req.header_count = 1;
	c.body_text = "hello body";
	CHECK(lab_handle(&c.req, &c.body, &c.resp), "echo handled");
	CHECK(c.resp.status == 200 && c.body_reads == 1 &&
	      c.resp.body_len == 10 && body_has(&c, "hello body") &&
	      strstr(c.resp.extra, "Content-Type: text/x-test") != NULL,
	      "echo: the body and its type back");
	response_reset(&c.resp);
	for (size_t i = 0; i < sizeof(failures) / sizeof(failures[0]); i++) {
		fake_request(&c, HTTP_METHOD_PUT, "/lab/echo", "");
		c.body_status = failures[i];
		lab_handle(&c.req, &c.body, &c.resp);
		CHECK(c.resp.status == failures[i],
		      "echo answers the body reader's status");
		response_reset(&c.resp);
	}
	fake_request(&c, HTTP_METHOD_GET, "/lab/echo", "");
	lab_handle(&c.req, &c.body, &c.resp);
	CHECK(c.resp.status == 405 && c.body_reads == 0,
	      "echo with GET: 405, body left to the connection");
	response_reset(&c.resp);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_create();
	test_states_and_totals();
	test_restart();
	test_graceful_letters();
	test_other_child_accepting();
	test_fork();
	test_query_long();
	test_query_token();
	test_status();
	test_status_big(256, 1);
	test_status_big(16, 64);
	test_lab();
	test_lab_echo();
	printf("scoreboard: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
