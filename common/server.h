/*
 * server.h - what every MPM binary shares: start-up and sockets.
 *
 * What it teaches: the three servers differ only in how they run
 * connections concurrently. Everything before that (the command line, the
 * configuration, binding the listening sockets, creating the scoreboard,
 * opening logs) is the same code, here, and each MPM supplies one function,
 * mpm->run(), that owns the processes and threads from then on.
 */
#ifndef KIT_SERVER_H
#define KIT_SERVER_H

#include <stdbool.h>

#include "config.h"

struct server;

struct mpm {
	const char *name;       /* "prefork" */
	enum mpm_kind kind;
	/* Run until told to stop; return the exit status. Called in the master
	 * after the configuration is loaded, the sockets are bound, the
	 * scoreboard exists and the logs are open. */
	int (*run)(struct server *srv);
};

struct server {
	struct config cfg;
	const struct mpm *mpm;
	int listen_fds[CONFIG_MAX_LISTEN]; /* non-blocking, CLOEXEC */
	int listen_count;
	char docroot_real[PATH_MAX];    /* realpath(DocumentRoot) */

	/* The command line, kept to re-read the configuration on HUP. */
	const char *config_file;
	char **directives;
	int directive_count;
};

/* The whole main() of each server: parse -f -c -t -h -v, load the config,
 * bind, create the scoreboard, open logs, write the PidFile, run the MPM,
 * clean up. */
int server_main(int argc, char **argv, const struct mpm *mpm);

/* In a new child: when the server was started as root and User is set,
 * switch to User and Group (supplementary groups included) for good, as
 * Apache's children do; the master keeps root to bind and signal. Returns
 * -1 if the switch failed (the child must not serve as root then). */
int server_drop_privileges(const struct server *srv);

/* Re-read the configuration for HUP/USR1: on success the new values replace
 * srv->cfg (ServerLimit and ThreadLimit are kept, with a warning, as in
 * Apache) and listening sockets are rebound if Listen changed. On error the
 * old configuration stays and the error is logged. */
int server_reload(struct server *srv);

/* A server whose Listen address is taken exits with this status (usage
 * and configuration errors exit 1), so that a script that picked a port
 * can try another without reading the message. */
#define SERVER_EXIT_ADDRESS_IN_USE 3

#endif
