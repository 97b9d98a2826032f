/*
 * loadgen.h - what the parts of the kit's load generator share.
 *
 * What it teaches: a load generator is a small event-driven client. Each
 * thread owns an epoll set and a slice of the connections (active ones that
 * measure, idle holders, slow clients) and runs them (client.c) as state
 * machines (connection.c); responses are framed by a tiny HTTP/1.1 reader
 * (http_response.c); latencies go into a log-linear histogram whose error
 * is bounded (histogram.c); options.c reads the command line, and
 * loadgen.c starts the threads and adds their results up. See
 * labs/tools/README.md.
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NS_PER_MS 1000000ULL
#define NS_PER_S  1000000000ULL
#define NEVER     UINT64_MAX

/* ---- histogram.c: latencies in nanoseconds ----
 *
 * Log-linear, like HdrHistogram: values below 2^SUB_BITS ns get one bucket
 * each; above, each power of two is cut into 2^SUB_BITS equal buckets. A
 * bucket is then at most 1/128 of its lower bound wide, and reporting its
 * middle is within 1/256 (0.4%) of any value in it. */
#define HIST_SUB_BITS 7
#define HIST_MAX_BITS 42 /* 2^42 ns is 73 minutes; longer is clamped */
#define HIST_BUCKETS ((HIST_MAX_BITS - HIST_SUB_BITS + 1) << HIST_SUB_BITS)

struct histogram {
	uint64_t count;
	uint64_t max;
	double sum;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_record(struct histogram *h, uint64_t ns);
void hist_merge(struct histogram *into, const struct histogram *from);
/* The value at or below which pct percent (0..100) of the values lie. */
uint64_t hist_percentile(const struct histogram *h, double pct);
double hist_mean(const struct histogram *h);

/* ---- http_response.c: the head of one response ---- */

#define RESP_HEAD_MAX 16384 /* a longer head is a protocol error */

enum resp_result { RESP_INCOMPLETE, RESP_COMPLETE, RESP_BAD };

struct resp_head {
	size_t head_len;         /* bytes up to and including the blank line */
	int status;              /* 100..999 */
	long long content_length; /* -1 when absent */
	bool chunked;            /* a Transfer-Encoding we do not decode */
	bool close;              /* the server closes after this response */
};

/* Parse the head at the start of buf. On RESP_BAD, *why says what is
 * wrong ("no status line", ...). */
enum resp_result resp_parse_head(const char *buf, size_t len,
				 struct resp_head *out, const char **why);

/* ---- client.c and connection.c: the connections of one thread ---- */

enum err_kind {
	ERR_CONNECT,  /* refused, unreachable, or not connected in time */
	ERR_READ,     /* the server closed before the response was complete */
	ERR_WRITE,    /* sending the request failed */
	ERR_TIMEOUT,  /* no complete response within --timeout */
	ERR_STATUS,   /* a complete response, but not 2xx */
	ERR_RESET,    /* ECONNRESET on a read or a write */
	ERR_PROTOCOL, /* a response loadgen cannot frame (bad head, chunked) */
	ERR_KINDS
};

/* Everything one thread counted; loadgen.c adds them up at the end. Only
 * requests that started inside the measured window are counted. */
struct stats {
	uint64_t requests;       /* complete responses of active connections */
	uint64_t bytes;          /* bytes received by active connections */
	uint64_t errors[ERR_KINDS];
	uint64_t last_done_ns;   /* when the last counted request finished */
	uint64_t idle_requests;  /* responses received by idle holders */
	uint64_t idle_reconnects;/* the server closed an idle holder */
	uint64_t idle_errors;
	uint64_t idle_held;      /* holders answered and silent at the end */
	uint64_t idle_waiting;   /* holders still waiting for a response */
	uint64_t slow_requests;  /* responses received by slow clients */
	uint64_t slow_errors;
	struct histogram latency;
};

/* What the command line asked for (filled by loadgen.c). */
struct options {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const char *url;
	char *request;           /* the request bytes, built once */
	size_t request_len;
	long connections;        /* active */
	long idle;
	long slow;
	long threads;
	long long requests;      /* -n; 0 = run for the duration */
	uint64_t duration_ns;    /* 0 with -n alone: no time limit */
	uint64_t warmup_ns;
	uint64_t timeout_ns;
	uint64_t idle_every_ns;  /* 0: idle holders send one request */
	uint64_t slow_every_ns;
	double rate;             /* open loop requests/s; 0 = closed loop */
	bool keepalive;
	bool head_request;       /* a HEAD response has no body */
	bool csv;
	bool quiet;
};

/* Shared by all threads during a run. */
struct run {
	const struct options *opt;
	uint64_t start_ns;       /* connections start */
	uint64_t measure_ns;     /* start + warm-up: counting starts */
	uint64_t end_ns;         /* measure + duration, or NEVER */
	atomic_llong budget;     /* -n: requests left to start; <0 unlimited */
	atomic_bool stop;        /* set by main: close everything now */
	atomic_flag protocol_said;/* print the first protocol error */
};

/* One thread's share of the connections and what it counted. The atomics
 * are read by the main thread for the progress line. */
struct worker {
	struct run *run;
	int index;
	long active, idle, slow; /* how many of each this thread runs */
	pthread_t thread;
	struct stats stats;
	atomic_ullong progress_requests;
	atomic_ullong progress_errors;
	atomic_bool active_finished;  /* no active request will start again */
	char failure[160];            /* why the thread gave up, if it did */
};

void *worker_main(void *arg);

/* Monotonic clock in nanoseconds. */
uint64_t now_ns(void);

#endif
