/*
 * config_checks.c - the directives checked against each other (config_check).
 *
 * What it teaches: a value can be valid alone and wrong beside another:
 * MaxRequestWorkers above what ServerLimit slots can hold, a spare-thread
 * range narrower than one child. httpd repairs most of these at start-up
 * with a warning, and so does config_check(), saying what it changed and
 * why; a contradiction the student typed (a minimum above its maximum)
 * stops the server instead. User and Group are looked up here too, so
 * `-t` finds a missing account before a child fails to switch to it.
 *
 * Called by config_load() (config.c); tested by tests/unit/test_config.c.
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>

static void warn(FILE *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void warn(FILE *out, const char *fmt, ...)
{
	va_list ap;

	if (!out)
		return;
	fputs("warning: ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

/* A spare range whose bottom is above its top is an error, not something
 * to repair quietly (httpd raises the maximum without a word): the student
 * who typed both numbers learns more from being told which is which. */
static int check_spare(const char *min_name, long min, const char *max_name,
		       long max, long needed, char *err, size_t errlen)
{
	if (min <= max)
		return 0;
	snprintf(err, errlen, "%s %ld is greater than %s %ld (the master "
		 "would retire what it has just started; make %s at least "
		 "%ld)", min_name, min, max_name, max, max_name, needed);
	return -1;
}

/* Prefork: a child is one worker, so MaxRequestWorkers counts children. */
static int check_prefork(struct config *c, FILE *w, char *err, size_t errlen)
{
	if (check_spare("MinSpareServers", c->min_spare_servers,
			"MaxSpareServers", c->max_spare_servers,
			c->min_spare_servers + 1, err, errlen) < 0)
		return -1;
	/* httpd keeps MaxSpareServers >= MinSpareServers + 1, or one
	 * child over the minimum would already be one too many. */
	if (c->max_spare_servers == c->min_spare_servers) {
		warn(w, "MaxSpareServers %ld must be above MinSpareServers %ld "
		     "(or the master would spawn and retire children in turn); "
		     "using %ld", c->max_spare_servers, c->min_spare_servers,
		     c->min_spare_servers + 1);
		c->max_spare_servers = c->min_spare_servers + 1;
	}
	/* httpd lowers MaxRequestWorkers to ServerLimit, with a warning:
	 * the scoreboard has only ServerLimit process slots. */
	if (c->max_request_workers > c->server_limit) {
		warn(w, "MaxRequestWorkers %ld is greater than ServerLimit %ld "
		     "(the scoreboard has ServerLimit slots); using %ld",
		     c->max_request_workers, c->server_limit, c->server_limit);
		c->max_request_workers = c->server_limit;
	}
	if (c->start_servers > c->max_request_workers) {
		warn(w, "StartServers %ld is greater than MaxRequestWorkers "
		     "%ld; using %ld", c->start_servers, c->max_request_workers,
		     c->max_request_workers);
		c->start_servers = c->max_request_workers;
	}
	return 0;
}

/* Worker and event: children of ThreadsPerChild threads each. Every
 * adjustment below is one httpd makes at start-up, with a warning. */
static int check_threaded(struct config *c, FILE *w, char *err,
			  size_t errlen)
{
	long tpc, procs;

	if (c->threads_per_child > c->thread_limit) {
		warn(w, "ThreadsPerChild %ld is greater than ThreadLimit %ld "
		     "(the scoreboard has ThreadLimit slots per child); using "
		     "%ld", c->threads_per_child, c->thread_limit,
		     c->thread_limit);
		c->threads_per_child = c->thread_limit;
	}
	tpc = c->threads_per_child;
	if (check_spare("MinSpareThreads", c->min_spare_threads,
			"MaxSpareThreads", c->max_spare_threads,
			c->min_spare_threads + tpc, err, errlen) < 0)
		return -1;
	if (c->max_request_workers < tpc) {
		warn(w, "MaxRequestWorkers %ld is less than ThreadsPerChild "
		     "%ld (one child is the smallest unit); using %ld",
		     c->max_request_workers, tpc, tpc);
		c->max_request_workers = tpc;
	}
	if (c->max_request_workers > c->server_limit * tpc) {
		warn(w, "MaxRequestWorkers %ld is greater than ServerLimit %ld "
		     "x ThreadsPerChild %ld; using %ld", c->max_request_workers,
		     c->server_limit, tpc, c->server_limit * tpc);
		c->max_request_workers = c->server_limit * tpc;
	}
	if (c->max_request_workers % tpc) {
		warn(w, "MaxRequestWorkers %ld is not a multiple of "
		     "ThreadsPerChild %ld; using %ld", c->max_request_workers,
		     tpc, c->max_request_workers / tpc * tpc);
		c->max_request_workers = c->max_request_workers / tpc * tpc;
	}
	procs = c->max_request_workers / tpc;
	if (c->start_servers > procs) {
		warn(w, "StartServers %ld would need more than "
		     "MaxRequestWorkers %ld / ThreadsPerChild %ld children; "
		     "using %ld",
		     c->start_servers, c->max_request_workers, tpc, procs);
		c->start_servers = procs;
	}
	/* Retiring a child frees ThreadsPerChild threads at once: with less
	 * room than that between the two, the master would kill a child and
	 * spawn it again every second. httpd raises the maximum silently. */
	if (c->max_spare_threads < c->min_spare_threads + tpc) {
		warn(w, "MaxSpareThreads %ld must be at least MinSpareThreads "
		     "%ld + ThreadsPerChild %ld; using %ld",
		     c->max_spare_threads, c->min_spare_threads, tpc,
		     c->min_spare_threads + tpc);
		c->max_spare_threads = c->min_spare_threads + tpc;
	}
	return 0;
}

/* User and Group must name an account of this machine: say so at -t, not
 * when the first child fails to start. */
static int check_identity(struct config *c, char *err, size_t errlen)
{
	struct passwd *pw;
	struct group *gr;

	if (c->user[0] == '\0') {
		if (c->group[0] != '\0') {
			snprintf(err, errlen, "Group %s needs User too (the "
				 "children switch both or neither)", c->group);
			return -1;
		}
		return 0;
	}
	pw = getpwnam(c->user);
	if (pw == NULL) {
		snprintf(err, errlen, "User: no such user \"%s\" on this "
			 "machine", c->user);
		return -1;
	}
	c->user_id = pw->pw_uid;
	c->group_id = pw->pw_gid;
	if (c->group[0] == '\0')
		return 0;
	gr = getgrnam(c->group);
	if (gr == NULL) {
		snprintf(err, errlen, "Group: no such group \"%s\" on this "
			 "machine", c->group);
		return -1;
	}
	c->group_id = gr->gr_gid;
	return 0;
}

int config_check(struct config *cfg, FILE *warnings, char *err, size_t errlen)
{
	if (check_identity(cfg, err, errlen) < 0)
		return -1;
	if (cfg->mpm == MPM_PREFORK)
		return check_prefork(cfg, warnings, err, errlen);
	return check_threaded(cfg, warnings, err, errlen);
}
