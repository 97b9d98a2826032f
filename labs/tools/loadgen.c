/*
 * loadgen.c - the kit's HTTP/1.1 load generator: main, the run, results.
 *
 * What it teaches: what a benchmark client must get right before its
 * numbers mean anything. It must be faster than the server (epoll, a few
 * threads, one write and one read per request: see client.c); it must say
 * how it measured (closed or open loop, keep-alive or not, warm-up); it
 * must report latency as percentiles, not an average; and it must count
 * every failure by kind instead of hiding it. It also plays the clients the
 * labs need and general tools lack: idle keep-alive holders (what starves
 * worker's threads) and slow clients (slowloris).
 *
 *   loadgen -c 16 -d 10s http://127.0.0.1:8080/files/1k.txt
 *   loadgen -c 16 --idle 1000 -w 2s http://127.0.0.1:8080/files/1k.txt
 *   loadgen -c 32 -R 5000 --csv http://127.0.0.1:8080/
 *
 * Exit status: 0 after a run (errors are results, not failures), 1 if the
 * run could not happen (address, file limit, threads), 2 for bad arguments.
 * labs/tools/README.md lists every option and what is measured how.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "loadgen.h"
#include "options.h"

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* File descriptors: one a connection, plus epoll sets and stdio. If more
 * are needed than the soft limit allows, raise it to the hard limit. */
static int ensure_fd_limit(const struct options *opt)
{
	rlim_t need = (rlim_t)(opt->connections + opt->idle + opt->slow +
			       opt->threads + 32);
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		perror("loadgen: getrlimit(RLIMIT_NOFILE)");
		return -1;
	}
	if (need <= rl.rlim_cur)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && need > rl.rlim_max) {
		fprintf(stderr, "loadgen: %llu connections need %llu open "
			"files, but the hard limit is %llu (raise it as root: "
			"ulimit -Hn)\n",
			(unsigned long long)(opt->connections + opt->idle +
					     opt->slow),
			(unsigned long long)need,
			(unsigned long long)rl.rlim_max);
		return -1;
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		perror("loadgen: setrlimit(RLIMIT_NOFILE)");
		return -1;
	}
	return 0;
}

/* Split n connections over the threads as evenly as possible. */
static long share_of(long n, long threads, long i)
{
	return n / threads + (i < n % threads ? 1 : 0);
}

static void sum_stats(const struct worker *w, long threads, struct stats *all)
{
	long i;
	int k;

	memset(all, 0, sizeof(*all));
	for (i = 0; i < threads; i++) {
		const struct stats *s = &w[i].stats;

		all->requests += s->requests;
		all->bytes += s->bytes;
		for (k = 0; k < ERR_KINDS; k++)
			all->errors[k] += s->errors[k];
		if (s->last_done_ns > all->last_done_ns)
			all->last_done_ns = s->last_done_ns;
		all->idle_requests += s->idle_requests;
		all->idle_reconnects += s->idle_reconnects;
		all->idle_errors += s->idle_errors;
		all->idle_held += s->idle_held;
		all->idle_waiting += s->idle_waiting;
		all->slow_requests += s->slow_requests;
		all->slow_errors += s->slow_errors;
		hist_merge(&all->latency, &s->latency);
	}
}

static uint64_t total_errors(const struct stats *s)
{
	uint64_t n = 0;
	int k;

	for (k = 0; k < ERR_KINDS; k++)
		n += s->errors[k];
	return n;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void print_csv(const struct options *opt, const struct stats *s,
		      double secs)
{
	const struct histogram *h = &s->latency;

	printf("connections,keepalive,rate,threads,idle,slow,seconds,"
	       "requests,req_per_s,bytes_per_s,p50_ms,p90_ms,p99_ms,"
	       "p999_ms,max_ms,mean_ms,errors,err_connect,err_read,"
	       "err_write,err_timeout,err_status,err_reset,err_protocol,"
	       "idle_held,idle_waiting,idle_requests,idle_reconnects,"
	       "idle_errors,slow_requests,slow_errors\n");
	printf("%ld,%d,%.1f,%ld,%ld,%ld,%.3f,%llu,%.1f,%.0f,%.3f,%.3f,%.3f,"
	       "%.3f,%.3f,%.3f,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,"
	       "%llu,%llu,%llu,%llu,%llu,%llu,%llu\n",
	       opt->connections, opt->keepalive ? 1 : 0, opt->rate,
	       opt->threads, opt->idle, opt->slow, secs,
	       (unsigned long long)s->requests,
	       secs > 0 ? (double)s->requests / secs : 0.0,
	       secs > 0 ? (double)s->bytes / secs : 0.0,
	       ms(hist_percentile(h, 50)), ms(hist_percentile(h, 90)),
	       ms(hist_percentile(h, 99)), ms(hist_percentile(h, 99.9)),
	       ms(h->max), hist_mean(h) / 1e6,
	       (unsigned long long)total_errors(s),
	       (unsigned long long)s->errors[ERR_CONNECT],
	       (unsigned long long)s->errors[ERR_READ],
	       (unsigned long long)s->errors[ERR_WRITE],
	       (unsigned long long)s->errors[ERR_TIMEOUT],
	       (unsigned long long)s->errors[ERR_STATUS],
	       (unsigned long long)s->errors[ERR_RESET],
	       (unsigned long long)s->errors[ERR_PROTOCOL],
	       (unsigned long long)s->idle_held,
	       (unsigned long long)s->idle_waiting,
	       (unsigned long long)s->idle_requests,
	       (unsigned long long)s->idle_reconnects,
	       (unsigned long long)s->idle_errors,
	       (unsigned long long)s->slow_requests,
	       (unsigned long long)s->slow_errors);
}

static void print_summary(const struct options *opt, const struct stats *s,
			  double secs)
{
	const struct histogram *h = &s->latency;

	printf("loadgen: %ld connection%s (%s, %s), %ld thread%s, "
	       "%.2f s measured after %.2f s warm-up\n",
	       opt->connections, opt->connections == 1 ? "" : "s",
	       opt->keepalive ? "keep-alive" : "a new connection per request",
	       opt->rate > 0 ? "open loop" : "closed loop", opt->threads,
	       opt->threads == 1 ? "" : "s", secs,
	       (double)opt->warmup_ns / 1e9);
	printf("  target     %s\n", opt->url);
	if (opt->rate > 0)
		printf("  rate       %.1f req/s asked\n", opt->rate);
	printf("  requests   %llu: %.1f req/s, %.2f MiB/s received\n",
	       (unsigned long long)s->requests,
	       secs > 0 ? (double)s->requests / secs : 0.0,
	       secs > 0 ? (double)s->bytes / secs / 1048576.0 : 0.0);
	printf("  latency    p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, "
	       "p99.9 %.3f ms, max %.3f ms (mean %.3f ms)\n",
	       ms(hist_percentile(h, 50)), ms(hist_percentile(h, 90)),
	       ms(hist_percentile(h, 99)), ms(hist_percentile(h, 99.9)),
	       ms(h->max), hist_mean(h) / 1e6);
	printf("             from %s; log-linear histogram, percentiles "
	       "within 0.4%%\n",
	       opt->rate > 0 ? "when each request was due (open loop)"
	       : opt->keepalive ? "the first byte sent"
				: "connect() to the last byte received");
	printf("  errors     %llu: connect %llu, read %llu, write %llu, "
	       "timeout %llu, non-2xx %llu, reset %llu, protocol %llu\n",
	       (unsigned long long)total_errors(s),
	       (unsigned long long)s->errors[ERR_CONNECT],
	       (unsigned long long)s->errors[ERR_READ],
	       (unsigned long long)s->errors[ERR_WRITE],
	       (unsigned long long)s->errors[ERR_TIMEOUT],
	       (unsigned long long)s->errors[ERR_STATUS],
	       (unsigned long long)s->errors[ERR_RESET],
	       (unsigned long long)s->errors[ERR_PROTOCOL]);
	if (opt->idle > 0)
		printf("  idle       %ld asked: %llu held at the end, %llu "
		       "still waiting for a response; %llu requests, %llu "
		       "reconnects, %llu errors\n", opt->idle,
		       (unsigned long long)s->idle_held,
		       (unsigned long long)s->idle_waiting,
		       (unsigned long long)s->idle_requests,
		       (unsigned long long)s->idle_reconnects,
		       (unsigned long long)s->idle_errors);
	if (opt->slow > 0)
		printf("  slow       %ld asked (a byte every %.0f ms): %llu "
		       "responses, %llu errors\n", opt->slow,
		       (double)opt->slow_every_ns / 1e6,
		       (unsigned long long)s->slow_requests,
		       (unsigned long long)s->slow_errors);
}

/* Every second on a terminal: where the run is. */
static void print_progress(const struct run *run, struct worker *w,
			   long threads, uint64_t now, uint64_t *last_count,
			   uint64_t *last_at)
{
	uint64_t req = 0, err = 0;
	double since = (double)(now - *last_at) / 1e9;
	long i;

	for (i = 0; i < threads; i++) {
		req += atomic_load_explicit(&w[i].progress_requests,
					    memory_order_relaxed);
		err += atomic_load_explicit(&w[i].progress_errors,
					    memory_order_relaxed);
	}
	fprintf(stderr, "\r\033[K  %s %5.1f s", now < run->measure_ns ?
		"warm-up" : "running", (double)(now - run->start_ns) / 1e9);
	if (run->end_ns != NEVER)
		fprintf(stderr, " of %.1f s",
			(double)(run->end_ns - run->start_ns) / 1e9);
	fprintf(stderr, "  %llu requests  %.0f req/s  %llu errors",
		(unsigned long long)req,
		since > 0 ? (double)(req - *last_count) / since : 0.0,
		(unsigned long long)err);
	*last_count = req;
	*last_at = now;
}

static bool all_active_finished(struct worker *w, long threads)
{
	long i;

	for (i = 0; i < threads; i++)
		if (!atomic_load(&w[i].active_finished))
			return false;
	return true;
}

/* The main thread watches: it ends the run when the window is over and
 * every active request is answered or timed out (never later than the
 * window plus one timeout and a second), or on Ctrl-C. */
static uint64_t supervise(struct run *run, struct worker *w, long threads)
{
	const struct options *opt = run->opt;
	bool progress = !opt->quiet && isatty(STDERR_FILENO);
	uint64_t hard_end = run->end_ns == NEVER ? NEVER
			    : run->end_ns + opt->timeout_ns + NS_PER_S;
	uint64_t last_count = 0, last_at = run->start_ns;
	uint64_t next_print = run->start_ns + NS_PER_S, now;

	for (;;) {
		struct timespec pause = { 0, 20 * 1000 * 1000 };

		now = now_ns();
		if (interrupted || now >= hard_end)
			break;
		if (all_active_finished(w, threads) &&
		    (now >= run->end_ns || opt->connections > 0))
			break;
		if (progress && now >= next_print) {
			print_progress(run, w, threads, now, &last_count,
				       &last_at);
			next_print += NS_PER_S;
		}
		nanosleep(&pause, NULL);
	}
	atomic_store(&run->stop, true);
	if (progress)
		fprintf(stderr, "\r\033[K");
	return now;
}

/* Seconds measured: from the end of the warm-up to the end of the window
 * or the last counted response, whichever is later. */
static double measured_seconds(const struct run *run, const struct stats *s,
			       uint64_t stopped)
{
	uint64_t end = stopped < run->end_ns ? stopped : run->end_ns;

	if (s->last_done_ns > end)
		end = s->last_done_ns;
	if (end <= run->measure_ns)
		return 0.0;
	return (double)(end - run->measure_ns) / 1e9;
}

static int run_workers(struct run *run, struct worker *w)
{
	const struct options *opt = run->opt;
	struct stats *all;
	uint64_t stopped;
	long i, started = 0;
	int status = 0;

	run->start_ns = now_ns();
	run->measure_ns = run->start_ns + opt->warmup_ns;
	run->end_ns = opt->duration_ns ? run->measure_ns + opt->duration_ns
				       : NEVER;
	for (i = 0; i < opt->threads; i++) {
		w[i].run = run;
		w[i].index = (int)i;
		w[i].active = share_of(opt->connections, opt->threads, i);
		w[i].idle = share_of(opt->idle, opt->threads, i);
		w[i].slow = share_of(opt->slow, opt->threads, i);
		errno = pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
		if (errno != 0) {
			perror("loadgen: pthread_create");
			atomic_store(&run->stop, true);
			status = 1;
			break;
		}
		started++;
	}
	stopped = status == 0 ? supervise(run, w, opt->threads) : now_ns();
	for (i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	for (i = 0; i < started; i++) {
		if (w[i].failure[0]) {
			fprintf(stderr, "loadgen: thread %ld: %s\n", i,
				w[i].failure);
			status = 1;
		}
	}
	if (status != 0)
		return status;
	all = calloc(1, sizeof(*all));
	if (all == NULL) {
		perror("loadgen: calloc");
		return 1;
	}
	sum_stats(w, opt->threads, all);
	if (opt->csv)
		print_csv(opt, all, measured_seconds(run, all, stopped));
	else
		print_summary(opt, all, measured_seconds(run, all, stopped));
	free(all);
	return 0;
}

int main(int argc, char **argv)
{
	static struct options opt;
	struct sigaction sa = { .sa_handler = on_interrupt };
	struct worker *workers;
	struct run *run;
	int status;

	status = options_parse(argc, argv, &opt);
	if (status != 0)
		return status;
	if (ensure_fd_limit(&opt) < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	run = calloc(1, sizeof(*run));
	workers = calloc((size_t)opt.threads, sizeof(*workers));
	if (run == NULL || workers == NULL) {
		perror("loadgen: calloc");
		return 1;
	}
	run->opt = &opt;
	atomic_init(&run->budget, opt.requests > 0 ? opt.requests : -1);
	atomic_flag_clear(&run->protocol_said);
	status = run_workers(run, workers);
	free(workers);
	free(run);
	free(opt.request);
	return status;
}
