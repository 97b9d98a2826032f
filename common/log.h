/*
 * log.h - the error log and the access log (Common Log Format).
 *
 * What it teaches: logs are how an operator sees a server. The error log
 * takes Apache's shape, "[date] [mpm:level] [pid N:tid T] message", and the
 * access log writes one CLF line per request with a single write(2) on an
 * O_APPEND file, so lines from many processes and threads never interleave.
 */
#ifndef KIT_LOG_H
#define KIT_LOG_H

#include <stdarg.h>
#include <stddef.h>

struct http_request;
struct response;

enum log_level { LOG_ERR, LOG_WARN, LOG_NOTICE, LOG_INFO };

/* Open ErrorLog and CustomLog ("" = stderr / none). Returns -1 with a
 * message naming the file on failure. Safe to call again on restart. */
int log_open(const char *mpm_name, const char *error_log,
	     const char *access_log, char *err, size_t errlen);
void log_close(void);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)

/* Like log_msg, but at most once per period_s seconds for each call site
 * key (e.g. "accept-EMFILE"); returns without logging otherwise. */
void log_ratelimited(const char *key, int period_s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One CLF line for a request just answered, from peer ("" if unknown):
 * 127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 2326 */
void log_access(const struct http_request *req, const struct response *resp,
		const char *peer);

#endif
