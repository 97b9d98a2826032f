/*
 * log.c - the error log and the Common Log Format access log.
 *
 * What it teaches: many processes and threads write to the same two files
 * at once. Each line is built in a buffer on the writer's own stack and
 * leaves in a single write(2) to a file opened with O_APPEND, so the kernel
 * places every line at the current end of the file as one piece: no lock,
 * no interleaving, and no shared buffer for threads to fight over.
 *
 * Used by every MPM and by the master (log_error, log_notice ...), and by
 * common/conn.c after each response (log_access). Labs read the access log
 * to count requests.
 */
#include "log.h"
#include "http_parser.h"
#include "response.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048        /* one error log line, longer is cut */
#define ACCESS_REQUEST_MAX 4096  /* request line as logged, escaped */
#define RATE_KEYS 32             /* distinct log_ratelimited keys */

/* The file descriptors are atomics because a reload in one thread may swap
 * them while others write; the files are never closed under a writer,
 * they are replaced with dup2(), which is atomic. */
static atomic_int error_fd = STDERR_FILENO;
static atomic_int access_fd = -1;
static char log_mpm_name[16] = "kit";

static const char *const level_names[] = {
	[LOG_ERR] = "error", [LOG_WARN] = "warn",
	[LOG_NOTICE] = "notice", [LOG_INFO] = "info",
};

static int open_log_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0)
		snprintf(err, errlen, "cannot open log file %s: %s", path,
			 strerror(errno));
	return fd;
}

/* Put new_fd in the place of *slot. A file already open keeps its number
 * (dup2 swaps what it refers to atomically), so a thread that loaded the
 * old number writes to one file or the other, never to a closed fd. */
static void install_fd(atomic_int *slot, int new_fd, int none)
{
	int old = atomic_load(slot);

	if (old != none && old != STDERR_FILENO && new_fd != none &&
	    new_fd != STDERR_FILENO) {
		if (dup2(new_fd, old) >= 0) {
			close(new_fd);
			return;
		}
	}
	atomic_store(slot, new_fd);
	if (old != none && old != STDERR_FILENO && old != new_fd)
		close(old);
}

int log_open(const char *mpm_name, const char *error_log,
	     const char *access_log, char *err, size_t errlen)
{
	int efd = STDERR_FILENO, afd = -1;

	snprintf(log_mpm_name, sizeof(log_mpm_name), "%s", mpm_name);
	tzset(); /* localtime_r() does not promise to read TZ itself */
	/* Open both before replacing either: all or nothing on a reload. */
	if (error_log && error_log[0]) {
		efd = open_log_file(error_log, err, errlen);
		if (efd < 0)
			return -1;
	}
	if (access_log && access_log[0]) {
		afd = open_log_file(access_log, err, errlen);
		if (afd < 0) {
			if (efd != STDERR_FILENO)
				close(efd);
			return -1;
		}
	}
	install_fd(&error_fd, efd, STDERR_FILENO);
	install_fd(&access_fd, afd, -1);
	return 0;
}

void log_close(void)
{
	install_fd(&access_fd, -1, -1);
	install_fd(&error_fd, STDERR_FILENO, STDERR_FILENO);
}

/* One write(2) per line; a short write to a log is not worth a retry loop
 * that could interleave with other writers. */
static void write_line(int fd, const char *buf, size_t len)
{
	ssize_t n;

	do {
		n = write(fd, buf, len);
	} while (n < 0 && errno == EINTR);
}

static void vlog(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	char date[64], year[8];
	int saved = errno, n, m;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%a %b %d %H:%M:%S", &tm);
	strftime(year, sizeof(year), "%Y", &tm);
	n = snprintf(line, sizeof(line), "[%s.%06ld %s] [%s:%s] [pid %ld:tid "
		     "%ld] ", date, ts.tv_nsec / 1000, year, log_mpm_name,
		     level_names[level], (long)getpid(),
		     (long)syscall(SYS_gettid));
	if (n < 0 || n >= (int)sizeof(line) - 1)
		n = 0;
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2; /* cut: keep room for '\n' */
	line[n++] = '\n';
	write_line(atomic_load(&error_fd), line, (size_t)n);
	errno = saved; /* callers often log, then look at errno */
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

/* ---- log_ratelimited: at most one line per key and period ---- */

static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char key[32];
	time_t last;
} rate_table[RATE_KEYS];

/* True if key may log now; the oldest entry makes room for a new key. */
static int rate_allows(const char *key, int period_s)
{
	time_t now = time(NULL);
	int slot = 0, allowed = 1;

	pthread_mutex_lock(&rate_lock);
	for (int i = 0; i < RATE_KEYS; i++) {
		if (strncmp(rate_table[i].key, key,
			    sizeof(rate_table[i].key) - 1) == 0) {
			slot = i;
			allowed = now - rate_table[i].last >= period_s;
			break;
		}
		if (rate_table[i].last < rate_table[slot].last)
			slot = i;
	}
	if (allowed) {
		snprintf(rate_table[slot].key, sizeof(rate_table[slot].key),
			 "%s", key);
		rate_table[slot].last = now;
	}
	pthread_mutex_unlock(&rate_lock);
	return allowed;
}

void log_ratelimited(const char *key, int period_s, const char *fmt, ...)
{
	va_list ap;

	if (!rate_allows(key, period_s))
		return;
	va_start(ap, fmt);
	vlog(LOG_WARN, fmt, ap);
	va_end(ap);
}

/* ---- log_access: one Common Log Format line ---- */

/* Copy a client's bytes into the log with '"', '\' and control or
 * non-ASCII bytes escaped as \xHH, so a request can't forge log lines. */
static size_t escape_into(char *out, size_t cap, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (size_t i = 0; i < len && n + 4 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		} else {
			out[n++] = (char)ch;
		}
	}
	out[n] = '\0';
	return n;
}

/* "GET / HTTP/1.1", or "-" when no request line was parsed. */
static void request_line_of(const struct http_request *r, char *out,
			    size_t cap)
{
	size_t n;

	if (!r->method.ptr || !r->method.len || !r->target.ptr ||
	    !r->target.len) {
		snprintf(out, cap, "-");
		return;
	}
	n = escape_into(out, cap, r->method.ptr, r->method.len);
	if (n + 2 < cap)
		out[n++] = ' ';
	n += escape_into(out + n, cap - n, r->target.ptr, r->target.len);
	if (r->version_major > 0 && n + 10 < cap)
		snprintf(out + n, cap - n, " HTTP/%d.%d", r->version_major,
			 r->version_minor);
}

void log_access(const struct http_request *req, const struct response *resp,
		const char *peer)
{
	char request[ACCESS_REQUEST_MAX];
	char line[ACCESS_REQUEST_MAX + 256];
	char date[40], bytes[24];
	int fd = atomic_load(&access_fd);
	time_t now;
	struct tm tm;
	int n;

	if (fd < 0)
		return;
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%d/%b/%Y:%H:%M:%S %z", &tm);
	request_line_of(req, request, sizeof(request));
	/* CLF's %b counts body bytes only, and writes "-" for none. */
	if (resp->bytes_sent > resp->head_len)
		snprintf(bytes, sizeof(bytes), "%llu",
			 resp->bytes_sent - (unsigned long long)resp->head_len);
	else
		snprintf(bytes, sizeof(bytes), "-");
	n = snprintf(line, sizeof(line), "%s - - [%s] \"%s\" %d %s\n",
		     peer[0] ? peer : "-", date, request, resp->status,
		     bytes);
	if (n > 0 && n < (int)sizeof(line))
		write_line(fd, line, (size_t)n);
}
