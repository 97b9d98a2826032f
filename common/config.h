/*
 * config.h - Apache's directives: names, defaults, meanings and checks.
 *
 * What it teaches: the knobs that regulate an MPM are a small table. Every
 * directive the kit honours is one row of common/config.c's table, with
 * Apache httpd 2.4's default for the MPM that is running. A value comes from
 * the defaults, then the file given with -f, then each -c on the command
 * line, in that order, exactly as httpd does. A bad value stops the server
 * with one line naming the directive, the file and line, and what was
 * expected. `-t` prints the effective value of every directive.
 */
#ifndef KIT_CONFIG_H
#define KIT_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

enum mpm_kind { MPM_PREFORK, MPM_WORKER, MPM_EVENT };

#define CONFIG_MAX_LISTEN 8
#define CONFIG_ERROR_MAX 512

struct listen_addr {
	char host[64]; /* "" means every address (0.0.0.0) */
	char port[8];
};

struct config {
	enum mpm_kind mpm;

	/* Core. */
	struct listen_addr listen[CONFIG_MAX_LISTEN]; /* Listen [addr:]port */
	int listen_count;                /* default: one Listen 8080 */
	bool listen_is_default;          /* the first Listen given replaces it */
	int listen_backlog;              /* ListenBacklog 511 */
	char server_name[256];           /* ServerName, default the hostname */
	char document_root[PATH_MAX];    /* DocumentRoot, default common/htdocs */
	char directory_index[64];        /* DirectoryIndex index.html */
	char error_log[PATH_MAX];        /* ErrorLog, "" = stderr */
	char custom_log[PATH_MAX];       /* CustomLog FILE [common] | off, "" = off */
	char pid_file[PATH_MAX];         /* PidFile, "" = none */
	char user[64];                   /* User: children run as it ("" = */
	char group[64];                  /* Group: don't switch), if root */
	uid_t user_id;                   /* User and Group, resolved by */
	gid_t group_id;                  /* config_check */
	bool keep_alive;                 /* KeepAlive On */
	long keep_alive_timeout_ms;      /* KeepAliveTimeout 5 (s, or "300ms") */
	long max_keep_alive_requests;    /* MaxKeepAliveRequests 100, 0 = no limit */
	long timeout_s;                  /* Timeout 60 */
	long limit_request_line;         /* LimitRequestLine 8190 */
	long limit_request_field_size;   /* LimitRequestFieldSize 8190 */
	long limit_request_fields;       /* LimitRequestFields 100 */
	long long limit_request_body;    /* LimitRequestBody 1073741824 */
	bool lab_handlers;               /* LabHandlers Off (the kit's own) */
	bool allow_symlinks_outside_root;/* SymlinksOutsideRoot Off (the kit's own) */

	/* MPM: which of these apply depends on mpm (see config.c's table). */
	long start_servers;              /* prefork 5, worker/event 3 */
	long min_spare_servers;          /* prefork 5 */
	long max_spare_servers;          /* prefork 10 */
	long min_spare_threads;          /* worker/event 75 */
	long max_spare_threads;          /* worker/event 250 */
	long threads_per_child;          /* worker/event 25 (prefork: 1) */
	long thread_limit;               /* worker/event 64 (prefork: 1) */
	long server_limit;               /* prefork 256, worker/event 16 */
	long max_request_workers;        /* prefork 256, worker/event 400 */
	long max_connections_per_child;  /* 0 = never retire */
	double async_request_worker_factor; /* event 2 */
};

/* The kit's root, to find common/htdocs: set from the binary's location by
 * server.c before config_load(). */
extern char config_kit_root[PATH_MAX];

/* Fill cfg with the defaults for mpm. */
void config_defaults(struct config *cfg, enum mpm_kind mpm);

/* Apply one directive line ("KeepAliveTimeout 2"). where names its origin for
 * messages ("kit.conf:12" or "-c"). Returns 0, or -1 with a message in err
 * such as:
 *   kit.conf:12: KeepAliveTimeout: "abc" is not a valid time (expected
 *   seconds, e.g. 5, or milliseconds, e.g. 300ms)
 * Blank lines and '#' comments are accepted and ignored. */
int config_apply_line(struct config *cfg, const char *line, const char *where,
		      char *err, size_t errlen);

/* Read a config file in Apache syntax: one directive a line, '#' comments,
 * blank lines, arguments separated by blanks, double quotes for arguments
 * with blanks, a trailing backslash continues a line. */
int config_read_file(struct config *cfg, const char *path, char *err,
		     size_t errlen);

/* Check the limits against each other, as Apache does at start-up
 * (config_checks.c): errors
 * (MinSpareServers > MaxSpareServers...) return -1 with a message; fixable
 * values are adjusted, with one line each written to warnings (may be NULL),
 * e.g. "warning: MaxRequestWorkers 60 is not a multiple of ThreadsPerChild
 * 25; using 50". */
int config_check(struct config *cfg, FILE *warnings, char *err, size_t errlen);

/* defaults + file (may be NULL) + each -c directive + config_check. */
int config_load(struct config *cfg, enum mpm_kind mpm, const char *file,
		char *const *directives, int directive_count, FILE *warnings,
		char *err, size_t errlen);

/* Print every directive that applies to cfg->mpm with its effective value,
 * one "Directive value" line each, in config-file syntax. */
void config_dump(const struct config *cfg, FILE *out);

/* "prefork", "worker" or "event". */
const char *config_mpm_name(enum mpm_kind mpm);

/* A Listen address as written in a config file: "8080", "127.0.0.1:8080"
 * or "[::1]:8080". */
void config_listen_format(const struct listen_addr *addr, char *out,
			  size_t outlen);

#endif
