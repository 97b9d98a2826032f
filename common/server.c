/*
 * server.c - the main() that all three servers share.
 *
 * What it teaches: the start-up of a server is the same whatever its
 * concurrency model, and it happens in a careful order: read the command
 * line and the configuration (and stop with one clear line if it is
 * wrong), check DocumentRoot, bind every Listen address while we can still
 * tell the operator on the terminal, create the scoreboard before the first
 * fork() so every child inherits it, open the logs, write the PidFile, and
 * only then hand over to the MPM's run() (signals are lifecycle.c's).
 *
 * Used by 01-prefork, 02-worker and 03-event (their main() is one call to
 * server_main) and by common/master.c (server_reload on HUP/USR1).
 */
#include "server.h"
#include "lifecycle.h"
#include "log.h"
#include "net.h"
#include "scoreboard.h"
#include "version.h"

#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define KIT_ROOT_DEPTH 8   /* directories to climb looking for the kit */

static pid_t pid_file_owner; /* only the master removes the PidFile */

/* ---- Start-up ---- */

static bool is_directory(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The kit's root is the first directory above the binary that holds
 * common/htdocs: <root>/01-prefork/prefork, but also sanitizer builds in
 * <root>/build/asan/01-prefork/prefork. Otherwise, the current directory. */
static void find_kit_root(void)
{
	char path[PATH_MAX], probe[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	for (int up = 0; n > 0 && up < KIT_ROOT_DEPTH; up++) {
		char *slash;

		path[n] = '\0';
		slash = strrchr(path, '/');
		if (!slash || slash == path)
			break;
		*slash = '\0';
		n = slash - path;
		snprintf(probe, sizeof(probe), "%s/common/htdocs", path);
		if (is_directory(probe)) {
			snprintf(config_kit_root, sizeof(config_kit_root), "%s",
				 path);
			return;
		}
	}
	if (!getcwd(config_kit_root, sizeof(config_kit_root)))
		snprintf(config_kit_root, sizeof(config_kit_root), ".");
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"Usage: %s [-f FILE] [-c 'Directive value']... [-t] [-h] [-v]\n"
		"  -f FILE  read directives from FILE (Apache syntax)\n"
		"  -c LINE  apply one directive after the file; repeat as "
		"needed\n"
		"  -t       check the configuration, print 'Syntax OK' and the "
		"effective\n"
		"           value of every directive, then exit\n"
		"  -h       print this help\n"
		"  -v       print the version\n"
		"Exit status: 0 on success, 1 on a bad option or "
		"configuration,\n"
		"  3 when a Listen address is already in use (another server "
		"holds it).\n"
		"Signals: TERM stops, HUP restarts, USR1 restarts gracefully, "
		"WINCH stops\n"
		"gracefully.\n"
		"Examples:\n"
		"  %s -c 'Listen 127.0.0.1:8080' -c 'LabHandlers On'\n"
		"  %s -f kit.conf -c 'KeepAliveTimeout 300ms'\n"
		"  %s -t -c 'MaxRequestWorkers 50'\n", prog, prog, prog, prog);
}

enum action { RUN, CHECK_ONLY, EXIT_OK, EXIT_USAGE };

/* Usage errors exit 1, like a bad configuration: one status for "the
 * server did not start because of what you typed". */
static enum action parse_command_line(int argc, char **argv,
				      struct server *srv)
{
	const char *prog = srv->mpm->name;
	enum action action = RUN;
	int opt;

	srv->directives = calloc((size_t)argc, sizeof(char *));
	if (!srv->directives) {
		perror("calloc");
		return EXIT_USAGE;
	}
	opterr = 0;
	optind = 1;
	while ((opt = getopt(argc, argv, ":f:c:thv")) != -1) {
		switch (opt) {
		case 'f':
			srv->config_file = optarg;
			break;
		case 'c':
			srv->directives[srv->directive_count++] = optarg;
			break;
		case 't':
			action = CHECK_ONLY;
			break;
		case 'h':
			usage(stdout, prog);
			return EXIT_OK;
		case 'v':
			printf("mpm-kit %s %s (Apache httpd 2.4 directives, "
			       "C11 + POSIX)\n", prog, KIT_VERSION);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "%s: option -%c needs an argument\n",
				prog, optopt);
			usage(stderr, prog);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "%s: unknown option -%c\n", prog,
				optopt);
			usage(stderr, prog);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\" (directives "
			"go after -c)\n", prog, argv[optind]);
		usage(stderr, prog);
		return EXIT_USAGE;
	}
	return action;
}

static int resolve_docroot(const struct config *cfg, char *out, char *err,
			   size_t errlen)
{
	if (!realpath(cfg->document_root, out)) {
		snprintf(err, errlen, "DocumentRoot: %s: %s",
			 cfg->document_root, strerror(errno));
		return -1;
	}
	if (!is_directory(out)) {
		snprintf(err, errlen, "DocumentRoot: %s: %s",
			 cfg->document_root, strerror(ENOTDIR));
		return -1;
	}
	return 0;
}

static void close_listeners(int *fds, int count)
{
	for (int i = 0; i < count; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static int bind_all(struct server *srv, char *err, size_t errlen)
{
	for (int i = 0; i < srv->cfg.listen_count; i++) {
		int fd = net_listen(&srv->cfg.listen[i],
				    srv->cfg.listen_backlog, err, errlen);

		if (fd < 0) {
			int saved = errno;

			close_listeners(srv->listen_fds, srv->listen_count);
			srv->listen_count = 0;
			errno = saved;
			return -1;
		}
		srv->listen_fds[srv->listen_count++] = fd;
	}
	return 0;
}

static int write_pid_file(const char *path, char *err, size_t errlen)
{
	char text[32];
	int n, fd;

	if (!path[0])
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (fd < 0 || write(fd, text, (size_t)n) != n) {
		snprintf(err, errlen, "PidFile %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	pid_file_owner = getpid();
	return 0;
}

static void remove_pid_file(const char *path)
{
	if (path[0] && pid_file_owner == getpid())
		unlink(path);
}

static void log_started(const struct server *srv)
{
	char addrs[CONFIG_MAX_LISTEN * 100] = "";
	size_t used = 0;

	for (int i = 0; i < srv->cfg.listen_count; i++) {
		char one[96];

		config_listen_format(&srv->cfg.listen[i], one, sizeof(one));
		used += (size_t)snprintf(addrs + used, sizeof(addrs) - used,
					 "%s%s", i ? ", " : "", one);
	}
	log_notice("mpm-kit/%s (%s) configured -- resuming normal operations",
		   KIT_VERSION, srv->mpm->name);
	log_notice("listening on %s, serving %s", addrs, srv->docroot_real);
}

/* Switch for good: the group and supplementary groups while still root,
 * then the user; afterwards setuid(0) must fail. */
int server_drop_privileges(const struct server *srv)
{
	const struct config *cfg = &srv->cfg;

	if (geteuid() != 0 || cfg->user[0] == '\0')
		return 0;
	/* Group first: once the user is not root, it may not change groups. */
	if (initgroups(cfg->user, cfg->group_id) < 0 ||
	    setgid(cfg->group_id) < 0 || setuid(cfg->user_id) < 0) {
		log_error("child: cannot switch to User %s: %s", cfg->user,
			  strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) { /* must be impossible now */
		log_error("child: still able to become root after User %s",
			  cfg->user);
		return -1;
	}
	return 0;
}

/* Say when the children will serve as root, or when User cannot apply. */
static void warn_about_identity(const struct config *cfg)
{
	if (geteuid() == 0 && cfg->user[0] == '\0')
		log_warn("running as root without User: the children that "
			 "serve requests keep root's privileges (set User and "
			 "Group, e.g. User nobody)");
	else if (geteuid() != 0 && cfg->user[0] != '\0')
		log_warn("User %s and Group are ignored: the server was not "
			 "started as root", cfg->user);
}

/* Everything between a good configuration and mpm->run(); each failure
 * is one line on stderr and exit status 1. */
static int start_and_run(struct server *srv)
{
	char err[CONFIG_ERROR_MAX + PATH_MAX];
	const struct config *cfg = &srv->cfg;
	struct sigaction ignore;
	int status, failed_with = 1;

	if (bind_all(srv, err, sizeof(err)) < 0) {
		if (errno == EADDRINUSE)
			failed_with = SERVER_EXIT_ADDRESS_IN_USE;
		goto fail;
	}
	memset(&ignore, 0, sizeof(ignore));
	ignore.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ignore, NULL);
	if (!scoreboard_create((int)cfg->server_limit, (int)cfg->thread_limit,
			       srv->mpm->name)) {
		snprintf(err, sizeof(err), "cannot create the scoreboard "
			 "(ServerLimit %ld x ThreadLimit %ld): %s",
			 cfg->server_limit, cfg->thread_limit, strerror(errno));
		goto fail;
	}
	if (log_open(srv->mpm->name, cfg->error_log, cfg->custom_log, err,
		     sizeof(err)) < 0 ||
	    write_pid_file(cfg->pid_file, err, sizeof(err)) < 0)
		goto fail;
	if (lifecycle_master_signals() < 0) {
		snprintf(err, sizeof(err), "pipe2: %s", strerror(errno));
		goto fail;
	}
	log_started(srv);
	warn_about_identity(cfg);
	status = srv->mpm->run(srv);
	remove_pid_file(srv->cfg.pid_file);
	close_listeners(srv->listen_fds, srv->listen_count);
	log_close();
	return status;
fail:
	fprintf(stderr, "%s: %s\n", srv->mpm->name, err);
	remove_pid_file(cfg->pid_file);
	close_listeners(srv->listen_fds, srv->listen_count);
	log_close();
	return failed_with;
}

int server_main(int argc, char **argv, const struct mpm *mpm)
{
	/* Static: it is large, and children keep using it after fork(). */
	static struct server srv;
	char err[CONFIG_ERROR_MAX + PATH_MAX];
	enum action action;
	int status;

	memset(&srv, 0, sizeof(srv));
	srv.mpm = mpm;
	action = parse_command_line(argc, argv, &srv);
	if (action == EXIT_OK || action == EXIT_USAGE) {
		free(srv.directives);
		return action == EXIT_OK ? 0 : 1;
	}
	find_kit_root();
	if (config_load(&srv.cfg, mpm->kind, srv.config_file, srv.directives,
			srv.directive_count, stderr, err, sizeof(err)) < 0 ||
	    resolve_docroot(&srv.cfg, srv.docroot_real, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", mpm->name, err);
		free(srv.directives);
		return 1;
	}
	if (action == CHECK_ONLY) {
		printf("Syntax OK\n");
		config_dump(&srv.cfg, stdout);
		free(srv.directives);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	status = start_and_run(&srv);
	free(srv.directives);
	srv.directives = NULL;
	return status;
}

/* ---- Reload on HUP / USR1 ---- */

static bool same_addr(const struct listen_addr *a, const struct listen_addr *b)
{
	return strcmp(a->host, b->host) == 0 && strcmp(a->port, b->port) == 0;
}

static bool is_current_fd(const struct server *srv, int fd)
{
	for (int j = 0; j < srv->listen_count; j++)
		if (srv->listen_fds[j] == fd)
			return true;
	return false;
}

/* Open the sockets next needs, reusing every one that srv already has for
 * the same address (so the connections waiting in its queue survive).
 * Nothing old is closed here: on failure the server goes on as before. */
static int prepare_listeners(const struct server *srv,
			     const struct config *next, int *fds, char *err,
			     size_t errlen)
{
	for (int i = 0; i < next->listen_count; i++) {
		fds[i] = -1;
		for (int j = 0; j < srv->listen_count; j++)
			if (same_addr(&next->listen[i], &srv->cfg.listen[j]))
				fds[i] = srv->listen_fds[j];
		if (fds[i] >= 0) {
			/* listen() again only changes the backlog. */
			if (listen(fds[i], next->listen_backlog) < 0)
				log_warn("listen: %s", strerror(errno));
			continue;
		}
		fds[i] = net_listen(&next->listen[i], next->listen_backlog,
				    err, errlen);
		if (fds[i] < 0) {
			for (int k = 0; k < i; k++)
				if (!is_current_fd(srv, fds[k]))
					close(fds[k]);
			return -1;
		}
	}
	return 0;
}

/* Close the old sockets the new configuration no longer uses. */
static void commit_listeners(struct server *srv, const int *fds, int count)
{
	for (int j = 0; j < srv->listen_count; j++) {
		bool kept = false;

		for (int i = 0; i < count; i++)
			kept = kept || fds[i] == srv->listen_fds[j];
		if (!kept)
			close(srv->listen_fds[j]);
	}
	memcpy(srv->listen_fds, fds, (size_t)count * sizeof(int));
	srv->listen_count = count;
}

/* ServerLimit and ThreadLimit size the scoreboard, which exists once. */
static void keep_scoreboard_limits(const struct config *old,
				   struct config *next, FILE *warnings)
{
	if (next->server_limit != old->server_limit)
		fprintf(warnings, "warning: ServerLimit cannot change on a "
			"restart (the scoreboard is sized at start-up); "
			"keeping %ld, not %ld\n", old->server_limit,
			next->server_limit);
	if (next->thread_limit != old->thread_limit)
		fprintf(warnings, "warning: ThreadLimit cannot change on a "
			"restart (the scoreboard is sized at start-up); "
			"keeping %ld, not %ld\n", old->thread_limit,
			next->thread_limit);
	next->server_limit = old->server_limit;
	next->thread_limit = old->thread_limit;
}

/* Each "warning: ..." line of a memory stream becomes one [warn] line. */
static void log_warning_lines(char *text)
{
	static const char prefix[] = "warning: ";
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, prefix, sizeof(prefix) - 1) == 0)
			line += sizeof(prefix) - 1;
		log_warn("%s", line);
	}
}

static int load_next_config(const struct server *srv, struct config *next,
			    char *docroot, char *err, size_t errlen)
{
	char *warn_text = NULL;
	size_t warn_len = 0;
	FILE *warnings = open_memstream(&warn_text, &warn_len);
	int rc;

	rc = config_load(next, srv->mpm->kind, srv->config_file,
			 srv->directives, srv->directive_count, warnings,
			 err, errlen);
	if (rc == 0) {
		keep_scoreboard_limits(&srv->cfg, next, warnings);
		/* Apply the kept limits to the new values (idempotent). */
		rc = config_check(next, warnings, err, errlen);
	}
	if (rc == 0)
		rc = resolve_docroot(next, docroot, err, errlen);
	if (warnings && fclose(warnings) == 0 && warn_text)
		log_warning_lines(warn_text);
	free(warn_text);
	return rc;
}

int server_reload(struct server *srv)
{
	static struct config next; /* static: large, and master-only */
	char docroot[PATH_MAX];
	char err[CONFIG_ERROR_MAX + PATH_MAX];
	int fds[CONFIG_MAX_LISTEN];

	if (load_next_config(srv, &next, docroot, err, sizeof(err)) < 0 ||
	    prepare_listeners(srv, &next, fds, err, sizeof(err)) < 0)
		goto fail;
	if (log_open(srv->mpm->name, next.error_log, next.custom_log, err,
		     sizeof(err)) < 0) {
		for (int i = 0; i < next.listen_count; i++)
			if (!is_current_fd(srv, fds[i]))
				close(fds[i]);
		goto fail;
	}
	commit_listeners(srv, fds, next.listen_count);
	if (strcmp(next.pid_file, srv->cfg.pid_file) != 0) {
		remove_pid_file(srv->cfg.pid_file);
		if (write_pid_file(next.pid_file, err, sizeof(err)) < 0)
			log_error("%s", err);
	}
	srv->cfg = next;
	memcpy(srv->docroot_real, docroot, sizeof(docroot));
	return 0;
fail:
	log_error("configuration not reloaded, keeping the old one: %s", err);
	return -1;
}
