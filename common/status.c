/*
 * status.c - /server-status: the scoreboard, for people and for scripts.
 *
 * What it teaches: the scoreboard makes an MPM observable. Watch the
 * letters while a lab runs and you see the model work: prefork's row of
 * single-process slots filling with 'W', worker's threads stuck in 'K'
 * while idle keep-alive clients hold them, event's threads back at '_'
 * while its listener holds the same connections. Like Apache's
 * mod_status, the page comes in two forms: HTML (with ?refresh=N to
 * reload itself) and ?auto, one "Key: value" a line in mod_status's order,
 * which labs sample over time.
 *
 * The page is a snapshot taken slot by slot while everybody keeps working,
 * so its numbers may disagree by a request or two; Apache's do too.
 * Used by labs 1 and 6, `make run` and the Bats tests.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "handlers.h"
#include "http_parser.h"
#include "response.h"
#include "scoreboard.h"
#include "server.h"
#include "version.h"

#define STATUS_BODY_MAX ((size_t)16 << 20)  /* refuse to build more */
#define STATUS_BODY_START ((size_t)16 << 10)
#define STATUS_REFRESH_MAX 3600
#define STATUS_RECENT_MS 60000  /* worker rows: busy, or used this recently */
#define STATUS_WRAP 64          /* letters per line when one per process */

/* ---- A growing text buffer with a hard limit ---- */

struct text {
	char *p;
	size_t len, cap;
	bool failed;            /* out of memory or over STATUS_BODY_MAX */
};

static bool text_reserve(struct text *t, size_t more)
{
	size_t cap = t->cap ? t->cap : STATUS_BODY_START;
	char *p;

	if (t->failed)
		return false;
	if (more >= STATUS_BODY_MAX - t->len) {
		t->failed = true;
		return false;
	}
	while (cap - t->len <= more)
		cap *= 2;
	if (cap > STATUS_BODY_MAX)
		cap = STATUS_BODY_MAX;
	if (cap != t->cap) {
		p = realloc(t->p, cap);
		if (p == NULL) {
			t->failed = true;
			return false;
		}
		t->p = p;
		t->cap = cap;
	}
	return true;
}

static void text_printf(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !text_reserve(t, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static void text_putc(struct text *t, char ch)
{
	if (!text_reserve(t, 1))
		return;
	t->p[t->len++] = ch;
	t->p[t->len] = '\0';
}

/* Text from a slot or the configuration, made safe for HTML. */
static void text_html(struct text *t, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': text_printf(t, "&amp;"); break;
		case '<': text_printf(t, "&lt;"); break;
		case '>': text_printf(t, "&gt;"); break;
		case '"': text_printf(t, "&quot;"); break;
		default: text_putc(t, *s); break;
		}
	}
}

/* ---- What one page shows ---- */

struct status_view {
	const struct scoreboard *sb;
	const char *server_name;
	int procs;              /* ServerLimit process slots shown */
	int threads;            /* ThreadsPerChild worker slots each */
	bool event;
	uint32_t generation;
	int64_t now_ms;
	int64_t restart_ms;
	long uptime_s;
	long refresh_s;         /* 0: no refresh */
	struct sb_totals tot;
};

static int clamp_limit(long configured, int fallback, int limit)
{
	if (configured < 1 || configured > limit)
		return configured < 1 ? fallback : limit;
	return (int)configured;
}

static void view_init(struct status_view *v, const struct server *srv,
		      const struct scoreboard *sb)
{
	memset(v, 0, sizeof(*v));
	v->sb = sb;
	v->server_name = srv ? srv->cfg.server_name : "";
	v->procs = srv ? clamp_limit(srv->cfg.server_limit, sb->server_limit,
				     sb->server_limit)
		       : sb->server_limit;
	v->threads = srv ? clamp_limit(srv->cfg.threads_per_child, 1,
				       sb->thread_limit)
			 : sb->thread_limit;
	v->event = srv ? srv->cfg.mpm == MPM_EVENT
		       : strcmp(sb->mpm_name, "event") == 0;
	v->generation = sb_generation(sb);
	v->now_ms = now_realtime_ms();
	v->restart_ms = __atomic_load_n(&sb->restart_time_ms,
					__ATOMIC_RELAXED);
	v->uptime_s = v->now_ms > v->restart_ms
			      ? (long)((v->now_ms - v->restart_ms) / 1000) : 0;
	scoreboard_totals(sb, &v->tot);
}

/* The letter shown for worker (p, t): '.' when its process is gone, even
 * if a crashed child left another letter behind. */
static const struct sb_worker *slot_of(const struct scoreboard *sb, int p,
				       int t)
{
	return &sb->workers[(size_t)p * (size_t)sb->thread_limit + (size_t)t];
}

static char worker_letter(const struct scoreboard *sb, int p, int t)
{
	if (sb_proc_pid(&sb->procs[p]) == 0)
		return SB_DEAD;
	return (char)sb_get_state(slot_of(sb, p, t));
}

/* Apache's date format for status pages, in local time. */
static void format_time(int64_t ms, char *out, size_t outlen)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&secs, &tm) == NULL ||
	    strftime(out, outlen, "%A, %d-%b-%Y %H:%M:%S %Z", &tm) == 0)
		snprintf(out, outlen, "%lld", (long long)secs);
}

/* "1 day 2 hours 3 minutes 4 seconds", leaving out the zero parts. */
static void text_uptime(struct text *t, long secs)
{
	long days = secs / 86400, hours = secs / 3600 % 24;
	long minutes = secs / 60 % 60, seconds = secs % 60;

	if (days > 0)
		text_printf(t, " %ld day%s", days, days == 1 ? "" : "s");
	if (hours > 0)
		text_printf(t, " %ld hour%s", hours, hours == 1 ? "" : "s");
	if (minutes > 0)
		text_printf(t, " %ld minute%s", minutes,
			    minutes == 1 ? "" : "s");
	if (seconds > 0 || secs == 0)
		text_printf(t, " %ld second%s", seconds,
			    seconds == 1 ? "" : "s");
}

static double per(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

/* "512 B", "1.3 kB", "4.2 MB": rates for people, as Apache prints them. */
static void text_bytes(struct text *t, double bytes)
{
	if (bytes < 1024)
		text_printf(t, "%.0f B", bytes);
	else if (bytes < 1024 * 1024)
		text_printf(t, "%.1f kB", bytes / 1024);
	else
		text_printf(t, "%.1f MB", bytes / (1024 * 1024));
}

/* ---- ?auto: mod_status's machine-readable form ---- */

static void render_auto(struct text *t, const struct status_view *v)
{
	const struct sb_totals *s = &v->tot;
	char now[64], restart[64];
	int p, th;

	format_time(v->now_ms, now, sizeof(now));
	format_time(v->restart_ms, restart, sizeof(restart));
	text_printf(t, "ServerVersion: %s\nServerMPM: %s\n",
		    KIT_SERVER_VERSION, v->sb->mpm_name);
	text_printf(t, "CurrentTime: %s\nRestartTime: %s\n", now, restart);
	text_printf(t, "ServerUptimeSeconds: %ld\nServerUptime:", v->uptime_s);
	text_uptime(t, v->uptime_s);
	text_printf(t, "\nTotal Accesses: %llu\nTotal kBytes: %llu\n",
		    (unsigned long long)s->accesses,
		    (unsigned long long)(s->bytes / 1024));
	text_printf(t, "Uptime: %ld\nReqPerSec: %g\nBytesPerSec: %g\n"
		    "BytesPerReq: %g\n", v->uptime_s,
		    per((double)s->accesses, (double)v->uptime_s),
		    per((double)s->bytes, (double)v->uptime_s),
		    per((double)s->bytes, (double)s->accesses));
	text_printf(t, "BusyWorkers: %d\nGracefulWorkers: %d\n"
		    "IdleWorkers: %d\nProcesses: %d\nStopping: %d\n",
		    s->busy, s->graceful, s->idle, s->processes, s->stopping);
	if (v->event)
		text_printf(t, "ConnsTotal: %u\nConnsAsyncWriting: %u\n"
			    "ConnsAsyncKeepAlive: %u\nConnsAsyncClosing: %u\n",
			    s->conns_total, s->conns_writing,
			    s->conns_keepalive, s->conns_closing);
	text_printf(t, "Scoreboard: ");
	for (p = 0; p < v->procs; p++)
		for (th = 0; th < v->threads; th++)
			text_putc(t, worker_letter(v->sb, p, th));
	text_putc(t, '\n');
}

/* ---- HTML ---- */

static void html_head(struct text *t, const struct status_view *v)
{
	text_printf(t, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		    "<title>Server Status</title>\n");
	if (v->refresh_s > 0)
		text_printf(t, "<meta http-equiv=\"refresh\" "
			    "content=\"%ld\">\n", v->refresh_s);
	text_printf(t, "<style>body{font-family:sans-serif}"
		    "table{border-collapse:collapse}"
		    "td,th{border:1px solid #bbb;padding:1px 6px}"
		    "pre{font-size:120%%}</style></head>\n<body>\n"
		    "<h1>Server Status for ");
	text_html(t, v->server_name);
	text_printf(t, "</h1>\n");
}

static void html_summary(struct text *t, const struct status_view *v)
{
	const struct sb_totals *s = &v->tot;
	char now[64], restart[64];

	format_time(v->now_ms, now, sizeof(now));
	format_time(v->restart_ms, restart, sizeof(restart));
	text_printf(t, "<dl>\n<dt>Server Version: %s</dt>\n"
		    "<dt>Server MPM: %s</dt>\n<dt>Current Time: %s</dt>\n"
		    "<dt>Restart Time: %s</dt>\n"
		    "<dt>Restart generation: %u</dt>\n<dt>Server uptime:",
		    KIT_SERVER_VERSION, v->sb->mpm_name, now, restart,
		    v->generation);
	text_uptime(t, v->uptime_s);
	text_printf(t, "</dt>\n<dt>Total accesses: %llu - Total Traffic: "
		    "%llu kB</dt>\n", (unsigned long long)s->accesses,
		    (unsigned long long)(s->bytes / 1024));
	text_printf(t, "<dt>%.2f requests/sec - ",
		    per((double)s->accesses, (double)v->uptime_s));
	text_bytes(t, per((double)s->bytes, (double)v->uptime_s));
	text_printf(t, "/second - ");
	text_bytes(t, per((double)s->bytes, (double)s->accesses));
	text_printf(t, "/request</dt>\n");
	text_printf(t, "<dt>%d requests currently being processed, %d idle "
		    "workers, %d gracefully finishing</dt>\n",
		    s->busy, s->idle, s->graceful);
	text_printf(t, "<dt>%d processes, %d stopping</dt>\n",
		    s->processes, s->stopping);
	if (v->event)
		text_printf(t, "<dt>Connections: %u in all, %u writing, %u "
			    "keep-alive, %u closing</dt>\n", s->conns_total,
			    s->conns_writing, s->conns_keepalive,
			    s->conns_closing);
	text_printf(t, "</dl>\n");
}

/* The letters, one line per process when processes have threads, else
 * STATUS_WRAP to a line (prefork's 256 one-letter processes). */
static void html_letters(struct text *t, const struct status_view *v)
{
	int p, th, n = 0;

	text_printf(t, "<h2>Scoreboard</h2>\n<pre>");
	for (p = 0; p < v->procs; p++) {
		if (v->threads > 1)
			text_printf(t, "%4d ", p);
		for (th = 0; th < v->threads; th++) {
			text_putc(t, worker_letter(v->sb, p, th));
			if (v->threads == 1 && ++n % STATUS_WRAP == 0)
				text_putc(t, '\n');
		}
		if (v->threads > 1)
			text_putc(t, '\n');
	}
	text_printf(t, "</pre>\n<p>Key:<br>\n"
		    "\"<b><code>_</code></b>\" Waiting for Connection, "
		    "\"<b><code>S</code></b>\" Starting up, "
		    "\"<b><code>R</code></b>\" Reading Request,<br>\n"
		    "\"<b><code>W</code></b>\" Sending Reply, "
		    "\"<b><code>K</code></b>\" Keepalive (read), "
		    "\"<b><code>D</code></b>\" DNS Lookup,<br>\n"
		    "\"<b><code>C</code></b>\" Closing connection, "
		    "\"<b><code>L</code></b>\" Logging, "
		    "\"<b><code>G</code></b>\" Gracefully finishing,<br>\n"
		    "\"<b><code>I</code></b>\" Idle cleanup of worker, "
		    "\"<b><code>.</code></b>\" Open slot with no current "
		    "process</p>\n");
}

static void html_process_row(struct text *t, const struct status_view *v,
			     int p, const struct sb_process *ps)
{
	int th, busy = 0, idle = 0;

	for (th = 0; th < v->threads; th++) {
		char letter = worker_letter(v->sb, p, th);

		busy += sb_state_is_busy((enum sb_state)letter);
		idle += letter == SB_READY;
	}
	text_printf(t, "<tr><td>%d</td><td>%ld</td><td>%u%s</td><td>%s</td>"
		    "<td>%s</td><td>%d</td><td>%d</td>", p, (long)ps->pid,
		    ps->generation,
		    ps->generation == v->generation ? "" : " (old)",
		    ps->quiescing ? "yes" : "no",
		    ps->not_accepting ? "no" : "yes", busy, idle);
	if (v->event)
		text_printf(t, "<td>%u</td><td>%u</td><td>%u</td><td>%u</td>",
			    ps->conns_total, ps->conns_writing,
			    ps->conns_keepalive, ps->conns_closing);
	text_printf(t, "<td><code>");
	for (th = 0; th < v->threads; th++)
		text_putc(t, worker_letter(v->sb, p, th));
	text_printf(t, "</code></td></tr>\n");
}

static void html_processes(struct text *t, const struct status_view *v)
{
	struct sb_process ps;
	int p;

	text_printf(t, "<h2>Processes</h2>\n<table>\n<tr><th>Slot</th>"
		    "<th>PID</th><th>Generation</th><th>Stopping</th>"
		    "<th>Accepting</th><th>Busy</th><th>Idle</th>");
	if (v->event)
		text_printf(t, "<th>Conns</th><th>Writing</th>"
			    "<th>Keep-alive</th><th>Closing</th>");
	text_printf(t, "<th>Workers</th></tr>\n");
	for (p = 0; p < v->procs; p++) {
		sb_process_snapshot(&v->sb->procs[p], &ps);
		if (ps.pid != 0)
			html_process_row(t, v, p, &ps);
	}
	text_printf(t, "</table>\n");
}

/* Busy slots, and slots that served something in the last minute. */
static bool worker_worth_a_row(const struct status_view *v, char letter,
			       const struct sb_worker *w)
{
	if (letter != SB_DEAD && letter != SB_READY)
		return true;
	return w->access_count > 0 &&
	       v->now_ms - w->last_used_ms < STATUS_RECENT_MS;
}

static void html_worker_row(struct text *t, const struct status_view *v,
			    int p, int th, char letter,
			    const struct sb_worker *w)
{
	long long idle_s = (v->now_ms - w->last_used_ms) / 1000;

	text_printf(t, "<tr><td>%d-%d</td><td>%ld</td><td>%u</td>"
		    "<td><b>%c</b></td><td>%llu</td><td>%llu</td>"
		    "<td>%.1f</td><td>%lld</td><td>", p, th, (long)w->pid,
		    w->generation, letter,
		    (unsigned long long)w->access_count,
		    (unsigned long long)w->conn_count,
		    (double)w->bytes_served / 1024.0,
		    idle_s > 0 ? idle_s : 0);
	text_html(t, w->client);
	text_printf(t, "</td><td>");
	text_html(t, w->request);
	text_printf(t, "</td></tr>\n");
}

static void html_workers(struct text *t, const struct status_view *v)
{
	struct sb_worker w;
	int p, th;

	text_printf(t, "<h2>Workers (busy, or used in the last %d s)</h2>\n"
		    "<table>\n<tr><th>Slot</th><th>PID</th><th>Gen</th>"
		    "<th>M</th><th>Acc</th><th>Conns</th><th>kB</th>"
		    "<th>SS</th><th>Client</th><th>Request</th></tr>\n",
		    STATUS_RECENT_MS / 1000);
	for (p = 0; p < v->procs; p++) {
		for (th = 0; th < v->threads; th++) {
			char letter = worker_letter(v->sb, p, th);

			sb_worker_snapshot(slot_of(v->sb, p, th), &w);
			if (worker_worth_a_row(v, letter, &w))
				html_worker_row(t, v, p, th, letter, &w);
		}
	}
	text_printf(t, "</table>\n<p>M: state, Acc: requests, kB: sent, "
		    "SS: seconds since the last change.</p>\n");
}

static void render_html(struct text *t, const struct status_view *v)
{
	html_head(t, v);
	html_summary(t, v);
	html_letters(t, v);
	html_processes(t, v);
	html_workers(t, v);
	text_printf(t, "<p>Also: <a href=\"?refresh=1\">?refresh=1</a>, "
		    "<a href=\"?auto\">?auto</a></p>\n</body></html>\n");
}

/* ---- The handler ---- */

void status_handle(const struct server *srv,
		   const struct http_request *req, struct response *resp)
{
	const char *q = req->query.ptr, *value;
	size_t qlen = req->query.len, value_len;
	struct status_view v;
	struct text t = { 0 };
	bool machine;

	if (req->method_id != HTTP_METHOD_GET &&
	    req->method_id != HTTP_METHOD_HEAD) {
		response_error(resp, 405, "use GET or HEAD");
		response_add_header(resp, "Allow", "GET, HEAD");
		return;
	}
	if (the_scoreboard == NULL) {
		response_error(resp, 500, "no scoreboard");
		return;
	}
	view_init(&v, srv, the_scoreboard);
	if (query_long(q, qlen, "refresh", 1, STATUS_REFRESH_MAX,
		       &v.refresh_s) < 0) {
		response_error(resp, 400, "refresh must be a whole number "
			       "from 1 to 3600");
		return;
	}
	machine = query_find(q, qlen, "auto", &value, &value_len);
	if (machine)
		render_auto(&t, &v);
	else
		render_html(&t, &v);
	if (t.failed || t.p == NULL) {
		free(t.p);
		response_error(resp, 500, "status page too large");
		return;
	}
	response_set_status(resp, 200);
	response_add_header(resp, "Content-Type", machine
			    ? "text/plain; charset=utf-8"
			    : "text/html; charset=utf-8");
	if (v.refresh_s > 0)
		response_add_header(resp, "Refresh", "%ld", v.refresh_s);
	resp->head_only = req->method_id == HTTP_METHOD_HEAD;
	response_set_body_owned(resp, t.p, t.len);
}
