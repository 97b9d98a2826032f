/*
 * config.c - the table of Apache directives the kit honours, and reading
 * them from a file (-f) and from the command line (-c).
 *
 * What it teaches: every knob of an MPM is one row of directives[] below:
 * its name, the MPMs that accept it, Apache httpd 2.4's default for each
 * MPM, its range and what it means. The defaults are written as config-file
 * text and applied by the same code that applies a line of a file, so what
 * `-t` prints, what a file says and what the table says can never disagree.
 * config_load() ends with config_check() (config_checks.c), which compares
 * the limits with each other the way httpd does at start-up.
 *
 * Used by common/server.c (start-up, -t, reload on HUP); tested by
 * tests/unit/test_config.c and tests/config.bats.
 */
#include "config.h"
#include "http_parser.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

char config_kit_root[PATH_MAX];

#define LINE_MAX_BYTES 8192     /* longest logical line of a config file */
#define MAX_ARGS 8              /* no directive takes more than 2 */
#define LIMIT_PROCS 20000       /* httpd's MAX_SERVER_LIMIT (threaded MPMs) */

enum dtype {
	T_NUMBER,       /* integer in [min, max] (int, long or long long) */
	T_FLAG,         /* On | Off */
	T_STRING,       /* one argument, a path or a name */
	T_FILENAME,     /* one argument without '/' */
	T_TIME,         /* seconds, or milliseconds with "ms"; stored in ms */
	T_DOUBLE,
	T_LISTEN,       /* [address:]port, may repeat */
	T_CUSTOMLOG,    /* FILE [common] | off */
};

#define PF (1u << MPM_PREFORK)
#define WK (1u << MPM_WORKER)
#define EV (1u << MPM_EVENT)
#define ALL (PF | WK | EV)
#define SAME(v) { v, v, v }
#define FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)

struct directive {
	const char *name;
	enum dtype type;
	unsigned mpms;          /* bit per enum mpm_kind */
	size_t offset, size;    /* where the value lives in struct config */
	long long min, max;     /* numbers; T_TIME in milliseconds */
	const char *def[3];     /* default per MPM, as config text (NULL:
				 * computed in config_defaults) */
	const char *meaning;    /* one line, for -t and the READMEs */
	const char *note;       /* numbers: said with the range; strings: the
				 * argument, for "takes one argument, ..." */
	bool empty_ok;          /* strings: "" is a value ("none") */
};

static const struct directive directives[] = {
	/* Core: every MPM. */
	{ "Listen", T_LISTEN, ALL, FIELD(listen), 0, 0, SAME("8080"),
	  "[address:]port to accept connections on (repeat for several)",
	  NULL, false },
	{ "ListenBacklog", T_NUMBER, ALL, FIELD(listen_backlog), 1, 65535,
	  SAME("511"), "length of the kernel's queue of unaccepted connections",
	  NULL, false },
	{ "ServerName", T_STRING, ALL, FIELD(server_name), 0, 0, SAME(NULL),
	  "host name the server gives itself (default: this machine's)",
	  "a host name", false },
	{ "DocumentRoot", T_STRING, ALL, FIELD(document_root), 0, 0,
	  SAME(NULL), "directory the static files are served from",
	  "a directory", false },
	{ "DirectoryIndex", T_FILENAME, ALL, FIELD(directory_index), 0, 0,
	  SAME("index.html"), "file served for a request of a directory",
	  "a file name", false },
	{ "ErrorLog", T_STRING, ALL, FIELD(error_log), 0, 0, SAME("\"\""),
	  "file for error and notice messages (\"\" = standard error)",
	  "a file name", true },
	{ "CustomLog", T_CUSTOMLOG, ALL, FIELD(custom_log), 0, 0,
	  SAME("off"), "access log file, one Common Log Format line a request",
	  NULL, false },
	{ "PidFile", T_STRING, ALL, FIELD(pid_file), 0, 0, SAME("\"\""),
	  "file the master writes its process id to (\"\" = none)",
	  "a file name", true },
	{ "User", T_STRING, ALL, FIELD(user), 0, 0, SAME("\"\""),
	  "user the children run as when started as root (\"\" = stay)",
	  "a user name", true },
	{ "Group", T_STRING, ALL, FIELD(group), 0, 0, SAME("\"\""),
	  "group the children run as when started as root (\"\" = User's)",
	  "a group name", true },
	{ "KeepAlive", T_FLAG, ALL, FIELD(keep_alive), 0, 0, SAME("On"),
	  "keep a connection open for further requests", NULL, false },
	{ "KeepAliveTimeout", T_TIME, ALL, FIELD(keep_alive_timeout_ms),
	  0, 3600 * 1000, SAME("5"),
	  "how long an idle keep-alive connection waits for its next request",
	  NULL, false },
	{ "MaxKeepAliveRequests", T_NUMBER, ALL,
	  FIELD(max_keep_alive_requests), 0, INT_MAX, SAME("100"),
	  "requests allowed on one connection", "0 = unlimited", false },
	{ "Timeout", T_NUMBER, ALL, FIELD(timeout_s), 1, 86400, SAME("60"),
	  "seconds to wait for a slow client while reading or sending",
	  NULL, false },
	{ "LimitRequestLine", T_NUMBER, ALL, FIELD(limit_request_line),
	  1, 65536, SAME("8190"), "longest request line in bytes (else 414)",
	  NULL, false },
	{ "LimitRequestFieldSize", T_NUMBER, ALL,
	  FIELD(limit_request_field_size), 1, 65536, SAME("8190"),
	  "longest header line in bytes (else 431)", NULL, false },
	{ "LimitRequestFields", T_NUMBER, ALL, FIELD(limit_request_fields),
	  1, HTTP_MAX_HEADERS, SAME("100"),
	  "most header lines in a request (else 431)",
	  "the parser keeps headers in a fixed array of HTTP_MAX_HEADERS "
	  "entries, and Apache's 0 = unlimited is not offered", false },
	{ "LimitRequestBody", T_NUMBER, ALL, FIELD(limit_request_body),
	  0, LLONG_MAX, SAME("1073741824"),
	  "largest request body in bytes (else 413)", "0 = unlimited", false },
	{ "LabHandlers", T_FLAG, ALL, FIELD(lab_handlers), 0, 0, SAME("Off"),
	  "the kit's own: enable /lab/sleep, /lab/spin, /lab/crash ...",
	  NULL, false },
	{ "SymlinksOutsideRoot", T_FLAG, ALL,
	  FIELD(allow_symlinks_outside_root), 0, 0, SAME("Off"),
	  "the kit's own: follow symlinks that lead out of DocumentRoot",
	  NULL, false },

	/* The MPMs'. Defaults in order prefork, worker, event. */
	{ "StartServers", T_NUMBER, ALL, FIELD(start_servers), 1, LIMIT_PROCS,
	  { "5", "3", "3" }, "child processes started at start-up",
	  NULL, false },
	{ "MinSpareServers", T_NUMBER, PF, FIELD(min_spare_servers),
	  1, LIMIT_PROCS, { "5", NULL, NULL },
	  "fewest idle children before the master spawns more", NULL, false },
	{ "MaxSpareServers", T_NUMBER, PF, FIELD(max_spare_servers),
	  1, LIMIT_PROCS, { "10", NULL, NULL },
	  "most idle children before the master retires one", NULL, false },
	{ "MinSpareThreads", T_NUMBER, WK | EV, FIELD(min_spare_threads),
	  1, LIMIT_PROCS * 64L, { NULL, "75", "75" },
	  "fewest idle threads (all children) before the master spawns a child",
	  NULL, false },
	{ "MaxSpareThreads", T_NUMBER, WK | EV, FIELD(max_spare_threads),
	  1, LIMIT_PROCS * 64L, { NULL, "250", "250" },
	  "most idle threads (all children) before the master retires a child",
	  NULL, false },
	{ "ThreadsPerChild", T_NUMBER, WK | EV, FIELD(threads_per_child),
	  1, LIMIT_PROCS, { NULL, "25", "25" },
	  "worker threads in each child", NULL, false },
	{ "ThreadLimit", T_NUMBER, WK | EV, FIELD(thread_limit),
	  1, LIMIT_PROCS, { NULL, "64", "64" },
	  "upper bound of ThreadsPerChild (fixes the scoreboard's size)",
	  NULL, false },
	{ "ServerLimit", T_NUMBER, ALL, FIELD(server_limit), 1, LIMIT_PROCS,
	  { "256", "16", "16" },
	  "most child processes (fixes the scoreboard's size)", NULL, false },
	{ "MaxRequestWorkers", T_NUMBER, ALL, FIELD(max_request_workers),
	  1, LIMIT_PROCS, { "256", "400", "400" },
	  "most connections served at once (children x threads)",
	  NULL, false },
	{ "MaxConnectionsPerChild", T_NUMBER, ALL,
	  FIELD(max_connections_per_child), 0, INT_MAX, SAME("0"),
	  "connections a child serves before it exits", "0 = never",
	  false },
	{ "AsyncRequestWorkerFactor", T_DOUBLE, EV,
	  FIELD(async_request_worker_factor), 0, 100, { NULL, NULL, "2" },
	  "a child accepts while its connections < ThreadsPerChild + this x "
	  "idle threads", NULL, false },
};

#define DIRECTIVE_COUNT (sizeof(directives) / sizeof(directives[0]))

/* Apache 2.4 still accepts the 2.2 names. */
static const struct { const char *old_name, *name; } aliases[] = {
	{ "MaxClients", "MaxRequestWorkers" },
	{ "MaxRequestsPerChild", "MaxConnectionsPerChild" },
};

const char *config_mpm_name(enum mpm_kind mpm)
{
	static const char *const names[] = { "prefork", "worker", "event" };

	return (unsigned)mpm < 3 ? names[mpm] : "unknown";
}

/* Write "where: message" into err; returns -1 so callers can return it. */
static int fail(char *err, size_t errlen, const char *where,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, const char *where,
		const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (where && *where)
		n = snprintf(err, errlen, "%s: ", where);
	if (n < 0 || (size_t)n >= errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static const struct directive *find_directive(const char *name)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(name, aliases[i].old_name) == 0)
			name = aliases[i].name;
	for (size_t i = 0; i < DIRECTIVE_COUNT; i++)
		if (strcasecmp(name, directives[i].name) == 0)
			return &directives[i];
	return NULL;
}

static void *field_of(struct config *cfg, const struct directive *d)
{
	return (char *)cfg + d->offset;
}

static const void *cfield_of(const struct config *cfg,
			     const struct directive *d)
{
	return (const char *)cfg + d->offset;
}

/* A whole decimal number and nothing else: strtoll alone would accept
 * leading blanks, a '+', trailing junk and silently saturate. */
static bool parse_integer(const char *s, long long *out)
{
	char *end;

	if (!((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' &&
					   s[1] <= '9')))
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return *end == '\0' && errno == 0;
}

/* Numbers live in int, long or long long fields: the table's size says
 * which (ranges keep every value within its field). */
static void store_integer(void *field, size_t size, long long v)
{
	if (size == sizeof(int))
		*(int *)field = (int)v;
	else if (size == sizeof(long))
		*(long *)field = (long)v;
	else
		*(long long *)field = v;
}

static long long load_integer(const void *field, size_t size)
{
	if (size == sizeof(int))
		return *(const int *)field;
	if (size == sizeof(long))
		return *(const long *)field;
	return *(const long long *)field;
}

/* "too big for a long long" is out of range, not "not a number". */
static bool all_digits(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int out_of_range(const struct directive *d, const char *text,
			const char *where, char *err, size_t errlen)
{
	if (d->note)
		return fail(err, errlen, where,
			    "%s %s is out of range (%lld to %lld; %s)",
			    d->name, text, d->min, d->max, d->note);
	return fail(err, errlen, where, "%s %s is out of range (%lld to %lld)",
		    d->name, text, d->min, d->max);
}

static int set_number(struct config *cfg, const struct directive *d,
		      const char *arg, const char *where, char *err,
		      size_t errlen)
{
	long long v;

	if (!parse_integer(arg, &v)) {
		if (all_digits(arg))
			return out_of_range(d, arg, where, err, errlen);
		return fail(err, errlen, where,
			    "%s: \"%s\" is not a number (expected a whole "
			    "number from %lld to %lld)", d->name, arg,
			    d->min, d->max);
	}
	if (v < d->min || v > d->max)
		return out_of_range(d, arg, where, err, errlen);
	store_integer(field_of(cfg, d), d->size, v);
	return 0;
}

static int set_time(struct config *cfg, const struct directive *d,
		    const char *arg, const char *where, char *err,
		    size_t errlen)
{
	char digits[32];
	size_t n = strspn(arg, "0123456789");
	long long v, scale = 1000;
	const char *unit = arg + n;

	if (strcmp(unit, "ms") == 0)
		scale = 1;
	else if (*unit && strcmp(unit, "s") != 0)
		n = 0;
	if (n == 0 || n >= sizeof(digits))
		return fail(err, errlen, where,
			    "%s: \"%s\" is not a valid time (expected seconds, "
			    "e.g. 5, or milliseconds, e.g. 300ms)", d->name,
			    arg);
	memcpy(digits, arg, n);
	digits[n] = '\0';
	if (!parse_integer(digits, &v) || v > d->max / scale)
		return fail(err, errlen, where,
			    "%s %s is out of range (0 to %lld seconds)",
			    d->name, arg, d->max / 1000);
	store_integer(field_of(cfg, d), d->size, v * scale);
	return 0;
}

static int set_double(struct config *cfg, const struct directive *d,
		      const char *arg, const char *where, char *err,
		      size_t errlen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || errno || !(arg[0] == '.' ||
					     (arg[0] >= '0' && arg[0] <= '9')))
		return fail(err, errlen, where,
			    "%s: \"%s\" is not a number (expected e.g. 2 or "
			    "1.5)", d->name, arg);
	if (!(v >= (double)d->min && v <= (double)d->max))
		return out_of_range(d, arg, where, err, errlen);
	*(double *)field_of(cfg, d) = v;
	return 0;
}

static int set_flag(struct config *cfg, const struct directive *d,
		    const char *arg, const char *where, char *err,
		    size_t errlen)
{
	bool *flag = field_of(cfg, d);

	if (strcasecmp(arg, "on") == 0)
		*flag = true;
	else if (strcasecmp(arg, "off") == 0)
		*flag = false;
	else
		return fail(err, errlen, where, "%s: \"%s\" is not On or Off",
			    d->name, arg);
	return 0;
}

static int set_string(struct config *cfg, const struct directive *d,
		      const char *arg, const char *where, char *err,
		      size_t errlen)
{
	size_t len = strlen(arg);

	if (len == 0 && !d->empty_ok)
		return fail(err, errlen, where, "%s: the value is empty "
			    "(expected %s)", d->name, d->note);
	if (len >= d->size)
		return fail(err, errlen, where, "%s: the value is too long "
			    "(at most %zu bytes)", d->name, d->size - 1);
	if (d->type == T_FILENAME && strchr(arg, '/'))
		return fail(err, errlen, where, "%s: \"%s\" must be a file "
			    "name, not a path", d->name, arg);
	memcpy(field_of(cfg, d), arg, len + 1);
	return 0;
}

void config_listen_format(const struct listen_addr *a, char *out,
			  size_t outlen)
{
	if (!a->host[0])
		snprintf(out, outlen, "%s", a->port);
	else if (strchr(a->host, ':'))
		snprintf(out, outlen, "[%s]:%s", a->host, a->port);
	else
		snprintf(out, outlen, "%s:%s", a->host, a->port);
}

/* Split "[::1]:80", "127.0.0.1:80", "*:80" or "80" into host and port. */
static int parse_listen(const char *arg, struct listen_addr *a,
			const char *where, char *err, size_t errlen)
{
	const char *port = arg, *host = arg;
	size_t host_len = 0;
	long long p;

	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (!close || close[1] != ':')
			return fail(err, errlen, where, "Listen: \"%s\" is not "
				    "[address]:port", arg);
		host = arg + 1;
		host_len = (size_t)(close - host);
		port = close + 2;
	} else if (strchr(arg, ':')) {
		port = strrchr(arg, ':') + 1;
		host_len = (size_t)(port - 1 - arg);
		if (memchr(arg, ':', host_len))
			return fail(err, errlen, where, "Listen: \"%s\": an "
				    "IPv6 address needs brackets, e.g. "
				    "[::1]:8080", arg);
	}
	if (host_len == 1 && host[0] == '*')
		host_len = 0;
	if (host_len >= sizeof(a->host) || (port != arg && host_len == 0 &&
					    host[0] != '*'))
		return fail(err, errlen, where, "Listen: \"%s\" has an empty "
			    "or too long address", arg);
	if (!parse_integer(port, &p) || p < 1 || p > 65535)
		return fail(err, errlen, where, "Listen: port \"%s\" is not a "
			    "number from 1 to 65535", port);
	memcpy(a->host, host, host_len);
	a->host[host_len] = '\0';
	snprintf(a->port, sizeof(a->port), "%lld", p);
	return 0;
}

static int add_listen(struct config *cfg, const char *arg, const char *where,
		      char *err, size_t errlen)
{
	struct listen_addr a;

	if (parse_listen(arg, &a, where, err, errlen) < 0)
		return -1;
	/* The default is a placeholder: the first Listen given replaces it,
	 * later ones add to it, as with httpd's own config files. */
	if (cfg->listen_is_default) {
		cfg->listen_count = 0;
		cfg->listen_is_default = false;
	}
	for (int i = 0; i < cfg->listen_count; i++)
		if (strcmp(cfg->listen[i].host, a.host) == 0 &&
		    strcmp(cfg->listen[i].port, a.port) == 0)
			return fail(err, errlen, where, "Listen %s is given "
				    "twice", arg);
	if (cfg->listen_count >= CONFIG_MAX_LISTEN)
		return fail(err, errlen, where, "Listen: too many addresses "
			    "(at most %d)", CONFIG_MAX_LISTEN);
	cfg->listen[cfg->listen_count++] = a;
	return 0;
}

static int set_custom_log(struct config *cfg, const struct directive *d,
			  int argc, char **args, const char *where, char *err,
			  size_t errlen)
{
	if (argc == 1 && strcasecmp(args[0], "off") == 0) {
		cfg->custom_log[0] = '\0';
		return 0;
	}
	if (argc == 2 && strcmp(args[1], "common") != 0)
		return fail(err, errlen, where, "CustomLog: format \"%s\" is "
			    "not supported (the kit writes the Common Log "
			    "Format: use common)", args[1]);
	if (!args[0][0] || strlen(args[0]) >= d->size)
		return fail(err, errlen, where, "CustomLog: the file name is "
			    "empty or longer than %zu bytes", d->size - 1);
	strcpy(cfg->custom_log, args[0]);
	return 0;
}

/* What a directive expects, for "X takes one argument, ...". */
static int wrong_arg_count(const struct directive *d, const char *where,
			   char *err, size_t errlen)
{
	switch (d->type) {
	case T_FLAG:
		return fail(err, errlen, where, "%s takes one argument, On or "
			    "Off", d->name);
	case T_TIME:
		return fail(err, errlen, where, "%s takes one argument, a time "
			    "in seconds (5) or milliseconds (300ms)", d->name);
	case T_LISTEN:
		return fail(err, errlen, where, "Listen takes one argument, "
			    "[address:]port (e.g. 8080 or 127.0.0.1:8080)");
	case T_CUSTOMLOG:
		return fail(err, errlen, where, "CustomLog takes a file name "
			    "and optionally the format common, or off");
	case T_STRING:
	case T_FILENAME:
		return fail(err, errlen, where, "%s takes one argument, %s "
			    "(in double quotes if it contains blanks)",
			    d->name, d->note);
	default:
		return fail(err, errlen, where, "%s takes one argument, a "
			    "number from %lld to %lld", d->name, d->min,
			    d->max);
	}
}

static int apply_args(struct config *cfg, const struct directive *d,
		      int argc, char **args, const char *where, char *err,
		      size_t errlen)
{
	if (d->type == T_CUSTOMLOG && (argc == 1 || argc == 2))
		return set_custom_log(cfg, d, argc, args, where, err, errlen);
	if (argc != 1)
		return wrong_arg_count(d, where, err, errlen);
	switch (d->type) {
	case T_NUMBER:
		return set_number(cfg, d, args[0], where, err, errlen);
	case T_TIME:
		return set_time(cfg, d, args[0], where, err, errlen);
	case T_DOUBLE:
		return set_double(cfg, d, args[0], where, err, errlen);
	case T_FLAG:
		return set_flag(cfg, d, args[0], where, err, errlen);
	case T_STRING:
	case T_FILENAME:
		return set_string(cfg, d, args[0], where, err, errlen);
	case T_LISTEN:
		return add_listen(cfg, args[0], where, err, errlen);
	default:
		return wrong_arg_count(d, where, err, errlen);
	}
}

/* Split a line in place into blank-separated words. A word in double
 * quotes may hold blanks; \" inside it is a quote (as in httpd). */
static int split_words(char *s, char **words, const char *where, char *err,
		       size_t errlen)
{
	int n = 0;

	for (;;) {
		char *out;

		s += strspn(s, " \t\r\n");
		if (!*s)
			return n;
		if (n == MAX_ARGS)
			return fail(err, errlen, where, "too many arguments "
				    "(at most %d)", MAX_ARGS - 1);
		if (*s != '"') {
			words[n++] = s;
			s += strcspn(s, " \t\r\n");
			if (*s)
				*s++ = '\0';
			continue;
		}
		words[n++] = out = ++s;
		while (*s && *s != '"') {
			if (s[0] == '\\' && s[1] == '"')
				s++;
			*out++ = *s++;
		}
		if (!*s)
			return fail(err, errlen, where, "a double quote is not "
				    "closed");
		s++;
		if (*s && !strchr(" \t\r\n", *s))
			return fail(err, errlen, where, "a blank must follow a "
				    "closing double quote");
		*out = '\0';
	}
}

int config_apply_line(struct config *cfg, const char *line, const char *where,
		      char *err, size_t errlen)
{
	char buf[LINE_MAX_BYTES + 1];
	char *words[MAX_ARGS];
	const struct directive *d;
	size_t len = strlen(line);
	int n;

	if (len > LINE_MAX_BYTES)
		return fail(err, errlen, where, "the line is longer than %d "
			    "bytes", LINE_MAX_BYTES);
	if (line[strspn(line, " \t")] == '#')
		return 0; /* a comment, whatever quotes it holds */
	memcpy(buf, line, len + 1);
	n = split_words(buf, words, where, err, errlen);
	if (n <= 0)
		return n;
	if (words[0][0] == '<')
		return fail(err, errlen, where, "sections such as <%.*s> are "
			    "not supported (the kit reads plain directives "
			    "only)", (int)strcspn(words[0] + 1, ">"),
			    words[0] + 1);
	d = find_directive(words[0]);
	if (!d)
		return fail(err, errlen, where, "Unknown directive \"%s\" (is "
			    "it misspelled?)", words[0]);
	if (!(d->mpms & (1u << cfg->mpm)))
		return fail(err, errlen, where, "%s is not a %s directive (it "
			    "belongs to the %s)", d->name,
			    config_mpm_name(cfg->mpm),
			    d->mpms == PF ? "prefork MPM" :
			    d->mpms == EV ? "event MPM" :
			    "worker and event MPMs");
	return apply_args(cfg, d, n - 1, words + 1, where, err, errlen);
}

static void default_server_name(struct config *cfg)
{
	size_t size = sizeof(cfg->server_name);

	if (gethostname(cfg->server_name, size) < 0 || !cfg->server_name[0])
		snprintf(cfg->server_name, size, "localhost");
	cfg->server_name[size - 1] = '\0';
}

static void default_document_root(struct config *cfg)
{
	const char *root = config_kit_root[0] ? config_kit_root : ".";
	size_t size = sizeof(cfg->document_root);

	if (snprintf(cfg->document_root, size, "%s/common/htdocs", root) >=
	    (int)size)
		snprintf(cfg->document_root, size, "common/htdocs");
}

void config_defaults(struct config *cfg, enum mpm_kind mpm)
{
	char err[CONFIG_ERROR_MAX];

	memset(cfg, 0, sizeof(*cfg));
	cfg->mpm = mpm;
	for (size_t i = 0; i < DIRECTIVE_COUNT; i++) {
		const struct directive *d = &directives[i];
		char text[64];
		char *words[MAX_ARGS];
		int n;

		if (!d->def[mpm] || !(d->mpms & (1u << mpm)))
			continue;
		snprintf(text, sizeof(text), "%s", d->def[mpm]);
		n = split_words(text, words, "default", err, sizeof(err));
		if (n < 0 ||
		    apply_args(cfg, d, n, words, "default", err, sizeof(err))) {
			/* A bad row in the table: a bug, not a user error. */
			fprintf(stderr, "config.c: %s\n", err);
			abort();
		}
	}
	cfg->listen_is_default = true;
	default_server_name(cfg);
	default_document_root(cfg);
	if (mpm == MPM_PREFORK) {
		/* A prefork child is one worker: one scoreboard slot each. */
		cfg->threads_per_child = 1;
		cfg->thread_limit = 1;
	}
}

/* Join the physical lines of one logical line (trailing backslash). Returns
 * 1 with a line, 0 at the end of the file, -1 on error. */
static int read_logical_line(FILE *f, char *line, int *lineno,
			     const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	int c;
	bool any = false;

	while ((c = getc(f)) != EOF) {
		any = true;
		if (c == '\n') {
			++*lineno;
			if (len > 0 && line[len - 1] == '\r')
				len--;
			if (len == 0 || line[len - 1] != '\\')
				break;
			line[len - 1] = ' '; /* continued */
			continue;
		}
		if (len == LINE_MAX_BYTES)
			return fail(err, errlen, NULL, "%s:%d: the line is "
				    "longer than %d bytes", path, *lineno + 1,
				    LINE_MAX_BYTES);
		line[len++] = (char)c;
	}
	if (c == EOF && len > 0)
		++*lineno;
	line[len] = '\0';
	if (ferror(f))
		return fail(err, errlen, NULL, "%s: %s", path, strerror(errno));
	return any ? 1 : 0;
}

int config_read_file(struct config *cfg, const char *path, char *err,
		     size_t errlen)
{
	char *line;
	int lineno = 0, rc;
	FILE *f = fopen(path, "r");

	if (!f)
		return fail(err, errlen, NULL, "%s: cannot read the "
			    "configuration file: %s", path, strerror(errno));
	line = malloc(LINE_MAX_BYTES + 1);
	if (!line) {
		fclose(f);
		return fail(err, errlen, NULL, "%s: out of memory", path);
	}
	for (;;) {
		int first = lineno + 1;
		char where[PATH_MAX + 16];

		rc = read_logical_line(f, line, &lineno, path, err, errlen);
		if (rc <= 0)
			break;
		snprintf(where, sizeof(where), "%s:%d", path, first);
		if (config_apply_line(cfg, line, where, err, errlen) < 0) {
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	return rc < 0 ? -1 : 0;
}

int config_load(struct config *cfg, enum mpm_kind mpm, const char *file,
		char *const *directives_given, int directive_count,
		FILE *warnings, char *err, size_t errlen)
{
	config_defaults(cfg, mpm);
	if (file && config_read_file(cfg, file, err, errlen) < 0)
		return -1;
	for (int i = 0; i < directive_count; i++)
		if (config_apply_line(cfg, directives_given[i], "-c", err,
				      errlen) < 0)
			return -1;
	return config_check(cfg, warnings, err, errlen);
}

/* ---- Printing the effective values (config_dump, -t) ---- */

/* Quote a value only when a reader of the file would need it to. */
static void dump_string(const char *s, FILE *out)
{
	if (*s && !s[strcspn(s, " \t\"\\#")]) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* Shortest text that reads back as exactly the same double. */
static void dump_double(double v, FILE *out)
{
	char text[64];

	for (int digits = 6; digits <= 17; digits++) {
		snprintf(text, sizeof(text), "%.*g", digits, v);
		if (strtod(text, NULL) == v)
			break;
	}
	fputs(text, out);
}

static void dump_value(const struct config *cfg, const struct directive *d,
		       FILE *out)
{
	const void *f = cfield_of(cfg, d);
	long long ms;

	switch (d->type) {
	case T_NUMBER:
		fprintf(out, "%s %lld\n", d->name, load_integer(f, d->size));
		break;
	case T_FLAG:
		fprintf(out, "%s %s\n", d->name,
			*(const bool *)f ? "On" : "Off");
		break;
	case T_TIME:
		ms = load_integer(f, d->size);
		if (ms % 1000)
			fprintf(out, "%s %lldms\n", d->name, ms);
		else
			fprintf(out, "%s %lld\n", d->name, ms / 1000);
		break;
	case T_DOUBLE:
		fprintf(out, "%s ", d->name);
		dump_double(*(const double *)f, out);
		fputc('\n', out);
		break;
	case T_STRING:
	case T_FILENAME:
		fprintf(out, "%s ", d->name);
		dump_string(f, out);
		fputc('\n', out);
		break;
	case T_LISTEN:
		for (int i = 0; i < cfg->listen_count; i++) {
			char addr[96];

			config_listen_format(&cfg->listen[i], addr,
					     sizeof(addr));
			fprintf(out, "Listen %s\n", addr);
		}
		break;
	case T_CUSTOMLOG:
		if (!cfg->custom_log[0]) {
			fputs("CustomLog off\n", out);
			break;
		}
		fputs("CustomLog ", out);
		dump_string(cfg->custom_log, out);
		fputs(" common\n", out);
		break;
	}
}

void config_dump(const struct config *cfg, FILE *out)
{
	fprintf(out, "# Effective configuration of the %s MPM, in config-file "
		"syntax (read it back with -f).\n", config_mpm_name(cfg->mpm));
	for (size_t i = 0; i < DIRECTIVE_COUNT; i++) {
		const struct directive *d = &directives[i];

		if (!(d->mpms & (1u << cfg->mpm)))
			continue;
		fprintf(out, "# %s\n", d->meaning);
		dump_value(cfg, d, out);
	}
}
