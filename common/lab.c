/*
 * lab.c - the lab handlers: requests that make an MPM's trade-offs visible.
 *
 * What it teaches: each handler stands for a kind of real application and
 * makes one claim about the MPMs measurable from the command line:
 *   /lab/sleep   waits like an application blocked on a database: costs a
 *                worker (process or thread) but no CPU.
 *   /lab/spin    burns CPU: more workers than cores does not help.
 *   /lab/unsafe  a "legacy library" with global state: correct in prefork,
 *                corrupted answers under worker/event (why mod_php meant
 *                prefork for years).
 *   /lab/leak    leaks memory: why MaxConnectionsPerChild exists.
 *   /lab/crash   kills the process serving it: one request lost in
 *                prefork, every connection of the child in worker/event.
 *   /lab/echo    sends the request body back (POST/PUT).
 * Every answer is one short text/plain line a script can parse. The
 * dispatcher calls lab_handle() only when LabHandlers is On.
 *
 * Used by the labs in labs/ and by the Bats tests.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "handlers.h"
#include "http_parser.h"
#include "response.h"

#define LAB_PREFIX "/lab/"
#define LAB_MS_MAX 60000                 /* sleep, spin, unsafe: one minute */
#define LAB_LEAK_KB_MAX 102400           /* 100 MiB per request */
#define LAB_ECHO_MAX ((size_t)1 << 20)   /* 1 MiB of body */
#define LAB_ID_MAX 32                    /* /lab/unsafe?id= length */
#define LAB_LINE_MAX 160                 /* one answer line */
#define LAB_CONTENT_TYPE_MAX 200

/* One lab request: what the handlers below read and fill. */
struct lab_request {
	const struct http_request *req;
	struct body_reader *body;
	struct response *resp;
};

/* ---- Answers ---- */

/* 200 with one formatted text/plain line. */
static void reply_line(struct lab_request *lr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reply_line(struct lab_request *lr, const char *fmt, ...)
{
	char *text = malloc(LAB_LINE_MAX);
	va_list ap;
	int n;

	if (text == NULL) {
		response_error(lr->resp, 500, "out of memory");
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(text, LAB_LINE_MAX, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	response_set_status(lr->resp, 200);
	response_add_header(lr->resp, "Content-Type",
			    "text/plain; charset=utf-8");
	response_set_body_owned(lr->resp, text,
				(size_t)n < LAB_LINE_MAX ? (size_t)n
							 : LAB_LINE_MAX - 1);
}

/* The value of ?name= in [min, max], def if absent; false (with a 400
 * prepared that names the parameter and its range) if invalid. */
static bool query_param(struct lab_request *lr, const char *name, long min,
			long max, long def, long *value)
{
	char detail[128];
	int rc = query_long(lr->req->query.ptr, lr->req->query.len, name, min, max,
			    value);

	if (rc == 1)
		*value = def;
	if (rc >= 0)
		return true;
	snprintf(detail, sizeof(detail),
		 "%s must be a whole number from %ld to %ld", name, min, max);
	response_error(lr->resp, 400, detail);
	return false;
}

static bool method_is(const struct lab_request *lr, enum http_method a,
		      enum http_method b)
{
	return lr->req->method_id == a || lr->req->method_id == b;
}

/* GET and HEAD only; false with a 405 prepared otherwise. */
static bool allow_get(struct lab_request *lr)
{
	if (method_is(lr, HTTP_METHOD_GET, HTTP_METHOD_HEAD)) {
		lr->resp->head_only = lr->req->method_id == HTTP_METHOD_HEAD;
		return true;
	}
	response_error(lr->resp, 405, "use GET or HEAD");
	response_add_header(lr->resp, "Allow", "GET, HEAD");
	return false;
}

/* ---- /lab/sleep: a worker blocked, the CPU idle ---- */

static void lab_sleep(struct lab_request *lr)
{
	long ms;

	if (!allow_get(lr) || !query_param(lr, "ms", 0, LAB_MS_MAX, 100, &ms))
		return;
	/* A signal (the master's USR1, say) must not cut the sleep short. */
	clock_sleep_ms(ms, false);
	reply_line(lr, "slept %ld ms\n", ms);
}

/* ---- /lab/spin: CPU work, measured in this thread's CPU time ---- */

/* Written once per spin, so the compiler must compute the work. */
static _Thread_local volatile uint64_t spin_sink;

static int64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void lab_spin(struct lab_request *lr)
{
	uint64_t x = (uint64_t)(uintptr_t)lr;
	int64_t start, now;
	long ms;
	int i;

	if (!allow_get(lr) || !query_param(lr, "ms", 0, LAB_MS_MAX, 50, &ms))
		return;
	/* CPU time, not wall time: on a busy machine a thread that is not
	 * scheduled is not spinning, and the lab is about CPU demand. */
	start = thread_cpu_ns();
	if (start < 0) {
		response_error(lr->resp, 500, "no thread CPU clock");
		return;
	}
	do {
		for (i = 0; i < 20000; i++) /* ~50 us of work between checks */
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		now = thread_cpu_ns();
	} while (now >= 0 && now - start < (int64_t)ms * 1000000);
	spin_sink = x;
	reply_line(lr, "spun %ld ms\n", ms);
}

/* ---- /lab/unsafe: the mod_php lesson ----
 *
 * This "legacy library" was written for a world of one request per process,
 * like many PHP extensions and the C libraries under them: it keeps the
 * current request in a global variable. Under prefork each child has its
 * own copy of the global (fork copies memory), and a child serves one
 * request at a time, so the answer is always right. Under worker and event
 * every thread of a child shares the one global: while request A sleeps in
 * legacy_work(), request B overwrites the id, and A answers with B's id.
 * That is why PHP sites ran prefork for years, and why "is it thread-safe?"
 * is the first question before choosing a threaded MPM.
 *
 * The race is deliberate. TSan is told not to instrument these functions,
 * the accesses are plain (volatile only so the compiler keeps each byte
 * access where it is written instead of turning the loops into memcpy
 * calls, which TSan would intercept; volatile does not make it thread-safe),
 * and the kit's TSan runs do not request /lab/unsafe anyway. */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
#define LAB_DELIBERATE_RACE __attribute__((no_sanitize("thread")))
#else
#define LAB_DELIBERATE_RACE
#endif

static volatile char legacy_request_id[LAB_ID_MAX + 1];

LAB_DELIBERATE_RACE
static void legacy_begin_request(const char *id)
{
	size_t i;

	for (i = 0; i < LAB_ID_MAX && id[i] != '\0'; i++)
		legacy_request_id[i] = id[i];
	legacy_request_id[i] = '\0';
}

static void legacy_work(long ms)
{
	clock_sleep_ms(ms, false);
}

LAB_DELIBERATE_RACE
static void legacy_current_id(char out[LAB_ID_MAX + 1])
{
	size_t i;

	for (i = 0; i < LAB_ID_MAX; i++) {
		out[i] = legacy_request_id[i];
		if (out[i] == '\0')
			return;
	}
	out[i] = '\0';
}

static void lab_unsafe(struct lab_request *lr)
{
	static unsigned long counter; /* atomic: ids must differ */
	char expected[LAB_ID_MAX + 1], seen[LAB_ID_MAX + 1];
	long ms;
	int rc;

	if (!allow_get(lr) || !query_param(lr, "ms", 0, LAB_MS_MAX, 2, &ms))
		return;
	rc = query_token(lr->req->query.ptr, lr->req->query.len, "id", expected,
			 sizeof(expected));
	if (rc < 0) {
		response_error(lr->resp, 400, "id must be 1 to 32 characters "
			       "of A-Z, a-z, 0-9, _ and -");
		return;
	}
	if (rc == 1)
		snprintf(expected, sizeof(expected), "%ld-%lu", (long)getpid(),
			 __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	legacy_begin_request(expected);
	legacy_work(ms);
	legacy_current_id(seen);
	reply_line(lr, "id=%s expected=%s %s\n", seen, expected,
		   strcmp(seen, expected) == 0 ? "ok" : "CORRUPTED");
}

/* ---- /lab/leak: memory that never comes back ----
 *
 * Each block is chained to the previous one, so the memory stays
 * reachable: the process grows exactly as with a real leak, but
 * LeakSanitizer (make sanitize) does not report a bug we mean to have. */
struct leak_block {
	struct leak_block *next;
};

static struct leak_block *leak_list;
static unsigned long leak_total_kb;

static void lab_leak(struct lab_request *lr)
{
	struct leak_block *block, *old;
	unsigned long total;
	size_t bytes;
	long kb;

	if (!allow_get(lr) ||
	    !query_param(lr, "kb", 1, LAB_LEAK_KB_MAX, 64, &kb))
		return;
	bytes = (size_t)kb * 1024;
	block = malloc(bytes);
	if (block == NULL) {
		response_error(lr->resp, 500, "out of memory");
		return;
	}
	/* Touch every page, or the kernel would not really hand them over
	 * and the resident size (what a lab measures) would not grow. */
	memset(block, 0xA5, bytes);
	old = __atomic_load_n(&leak_list, __ATOMIC_RELAXED);
	do {
		block->next = old;
	} while (!__atomic_compare_exchange_n(&leak_list, &old, block, true,
					      __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
	total = __atomic_add_fetch(&leak_total_kb, (unsigned long)kb,
				   __ATOMIC_RELAXED);
	reply_line(lr, "leaked %ld KiB, total %lu KiB in pid %ld\n", kb, total,
		   (long)getpid());
}

/* ---- /lab/crash: what one bad request takes down with it ---- */

static void lab_crash(struct lab_request *lr)
{
	sigset_t segv;

	(void)lr;
	/* Whatever handler a sanitizer installed, die the default way, and
	 * make sure the signal is not blocked in this thread. A signal's
	 * default action kills the whole process, every thread in it. */
	signal(SIGSEGV, SIG_DFL);
	sigemptyset(&segv);
	sigaddset(&segv, SIGSEGV);
	pthread_sigmask(SIG_UNBLOCK, &segv, NULL);
	raise(SIGSEGV);
	abort(); /* not reached */
}

/* ---- /lab/echo: the request body, back ---- */

static void echo_content_type(struct lab_request *lr)
{
	const struct http_span *type =
		http_request_header(lr->req, "Content-Type");

	if (type != NULL && type->len > 0 &&
	    type->len <= LAB_CONTENT_TYPE_MAX &&
	    response_add_header(lr->resp, "Content-Type", "%.*s",
				(int)type->len, type->ptr) == 0)
		return;
	response_add_header(lr->resp, "Content-Type",
			    "application/octet-stream");
}

static void lab_echo(struct lab_request *lr)
{
	char *body = NULL;
	size_t len = 0;
	int status;

	if (!method_is(lr, HTTP_METHOD_POST, HTTP_METHOD_PUT)) {
		response_error(lr->resp, 405, "use POST or PUT");
		response_add_header(lr->resp, "Allow", "POST, PUT");
		return;
	}
	status = lr->body->read_all(lr->body->ctx, &body, &len, LAB_ECHO_MAX);
	if (status != 0) {
		free(body);
		response_error(lr->resp, status, "could not read the body");
		return;
	}
	response_set_status(lr->resp, 200);
	echo_content_type(lr);
	if (body == NULL || len == 0) {
		free(body);
		response_set_body_static(lr->resp, "", 0);
	} else {
		response_set_body_owned(lr->resp, body, len);
	}
}

/* ---- Dispatch ---- */

static const struct lab_route {
	const char *name;
	void (*run)(struct lab_request *lr);
} lab_routes[] = {
	{ "sleep", lab_sleep },
	{ "spin", lab_spin },
	{ "unsafe", lab_unsafe },
	{ "leak", lab_leak },
	{ "crash", lab_crash },
	{ "echo", lab_echo },
};

bool lab_handle(const struct http_request *req, struct body_reader *body,
		struct response *resp)
{
	struct lab_request lr = { req, body, resp };
	struct http_span path = req->path;
	size_t prefix = strlen(LAB_PREFIX);
	size_t i;

	if (path.len < prefix || memcmp(path.ptr, LAB_PREFIX, prefix) != 0)
		return false;
	for (i = 0; i < sizeof(lab_routes) / sizeof(lab_routes[0]); i++) {
		const char *name = lab_routes[i].name;

		if (path.len - prefix == strlen(name) &&
		    memcmp(path.ptr + prefix, name, strlen(name)) == 0) {
			lab_routes[i].run(&lr);
			return true;
		}
	}
	response_error(resp, 404, "no such lab handler; there are "
		       "/lab/sleep?ms=N, /lab/spin?ms=N, "
		       "/lab/unsafe?id=X&ms=N, /lab/leak?kb=N, /lab/crash "
		       "and /lab/echo (POST, PUT)");
	return true;
}
