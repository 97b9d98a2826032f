/*
 * options.c - loadgen's command line: options, the URL, the request bytes.
 *
 * What it teaches: a tool used in labs must refuse bad input loudly. Every
 * number is converted with a checked, bounded conversion; every error names
 * the option and the value and ends with the usage line and exit status 2,
 * so a script that mistypes an option stops instead of measuring the wrong
 * thing. The request is built once, here, and sent as is on every
 * connection.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "options.h"

#define MAX_CONNECTIONS 200000L
#define MAX_THREADS 64L
#define MAX_HEADERS 64
#define MAX_SECONDS 86400.0

static const char usage_text[] =
"usage: loadgen [options] http://HOST[:PORT]/PATH\n"
"\n"
"Measured clients (active connections):\n"
"  -c, --connections N  active connections (default 10; 0 when --idle or\n"
"                       --slow is given alone)\n"
"  -d, --duration T     measure for T (default 10s); T is 10, 2.5s, 500ms, 1m\n"
"  -n, --requests N     stop after N requests instead (errors count too);\n"
"                       with -d as well, whichever comes first\n"
"  -w, --warmup T       run T first without counting anything (default 0)\n"
"  -R, --rate N         open loop: N requests/s in all over the -c\n"
"                       connections; latency counts from when each was due\n"
"      --close          a new connection per request (Connection: close)\n"
"  -k, --keepalive      keep connections open between requests (default)\n"
"      --timeout T      a response must be complete within T (default 2s)\n"
"  -t, --threads N      threads (default: one per core loadgen may run\n"
"                       on, e.g. 8 under taskset -c 8-15)\n"
"Other clients at the same time (counted apart):\n"
"      --idle M         M connections that send one request, then stay\n"
"                       silent; one closed by the server comes back\n"
"      --idle-every T   idle holders send a request every T instead\n"
"      --slow N         N slow clients that send each request byte by byte\n"
"      --slow-every T   time between two bytes (default 1s)\n"
"The request:\n"
"  -m, --method M       the method (default GET)\n"
"  -H, --header 'N: V'  add a header (repeatable)\n"
"  -b, --body TEXT      send TEXT as the body, with its Content-Length\n"
"Output:\n"
"      --csv            a CSV header line and one row instead of the summary\n"
"  -q, --quiet          no progress line (shown only on a terminal)\n"
"  -h, --help           this text\n";

enum long_only {
	OPT_CLOSE = 256, OPT_TIMEOUT, OPT_IDLE, OPT_IDLE_EVERY, OPT_SLOW,
	OPT_SLOW_EVERY, OPT_CSV,
};

static const struct option long_options[] = {
	{ "connections", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, 'd' },
	{ "requests", required_argument, NULL, 'n' },
	{ "warmup", required_argument, NULL, 'w' },
	{ "rate", required_argument, NULL, 'R' },
	{ "close", no_argument, NULL, OPT_CLOSE },
	{ "keepalive", no_argument, NULL, 'k' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "threads", required_argument, NULL, 't' },
	{ "idle", required_argument, NULL, OPT_IDLE },
	{ "idle-every", required_argument, NULL, OPT_IDLE_EVERY },
	{ "slow", required_argument, NULL, OPT_SLOW },
	{ "slow-every", required_argument, NULL, OPT_SLOW_EVERY },
	{ "method", required_argument, NULL, 'm' },
	{ "header", required_argument, NULL, 'H' },
	{ "body", required_argument, NULL, 'b' },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* What the command line said, before it becomes struct options. */
struct cmdline {
	const char *method;
	const char *headers[MAX_HEADERS];
	int header_count;
	const char *body;
	bool connections_given;
};

struct url {
	char host[256];       /* as written, brackets of IPv6 removed */
	char host_header[300];/* as written, with the port if one was given */
	char port[8];
	const char *path;
};

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("loadgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	fputs(usage_text, stderr);
	return 2;
}

static int parse_count(const char *name, const char *s, long min, long max,
		       long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return usage_error("%s: \"%s\" is not a whole number from %ld "
				   "to %ld", name, s, min, max);
	*out = (long)v;
	return 0;
}

/* "10", "2.5s", "500ms", "1m": a time, at least min_ns. */
static int parse_time(const char *name, const char *s, uint64_t min_ns,
		      uint64_t *out)
{
	char *end;
	double v, scale = 1.0;

	errno = 0;
	v = strtod(s, &end);
	if (errno == 0 && end != s) {
		if (strcmp(end, "ms") == 0)
			scale = 1e-3;
		else if (strcmp(end, "m") == 0)
			scale = 60.0;
		else if (strcmp(end, "s") != 0 && *end != '\0')
			end = (char *)s; /* unknown unit */
	}
	if (errno != 0 || end == s || !isfinite(v) || v < 0 ||
	    v * scale > MAX_SECONDS || (uint64_t)(v * scale * 1e9) < min_ns)
		return usage_error("%s: \"%s\" is not a time from %g s to "
				   "24 h (e.g. 10, 2.5s, 500ms, 1m)", name,
				   s, (double)min_ns / 1e9);
	*out = (uint64_t)(v * scale * 1e9);
	return 0;
}

static int parse_rate(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) ||
	    v <= 0 || v > 1e7)
		return usage_error("-R/--rate: \"%s\" is not a rate from just "
				   "above 0 to 10000000 requests/s", s);
	*out = v;
	return 0;
}

static bool is_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    !strchr("!#$%&'*+-.^_`|~", s[i]))
			return false;
	return true;
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return true;
	return false;
}

static int check_header(const char *h)
{
	const char *colon = strchr(h, ':');

	if (colon == NULL || !is_token(h, (size_t)(colon - h)) || has_ctl(h))
		return usage_error("-H/--header: \"%s\" is not 'Name: value' "
				   "(a token, a colon, no control characters)",
				   h);
	return 0;
}

/* http://HOST[:PORT][/PATH]: https and other schemes are refused. */
static int parse_url(const char *s, struct url *u)
{
	const char *auth, *slash, *host_end, *port = NULL;
	size_t hostlen;
	long p;

	if (strncasecmp(s, "https://", 8) == 0)
		return usage_error("\"%s\": https is not supported (plain "
				   "HTTP/1.1 only)", s);
	if (strncasecmp(s, "http://", 7) != 0)
		return usage_error("\"%s\" is not an http:// URL", s);
	auth = s + 7;
	slash = strchr(auth, '/');
	if (slash == NULL)
		slash = auth + strlen(auth);
	if (*auth == '[') {
		host_end = memchr(auth, ']', (size_t)(slash - auth));
		if (host_end == NULL)
			return usage_error("\"%s\": unclosed [ in the host", s);
		if (host_end + 1 < slash && host_end[1] == ':')
			port = host_end + 2;
		else if (host_end + 1 != slash)
			return usage_error("\"%s\": junk after ]", s);
		auth++;
	} else {
		host_end = memchr(auth, ':', (size_t)(slash - auth));
		if (host_end == NULL)
			host_end = slash;
		else
			port = host_end + 1;
	}
	hostlen = (size_t)(host_end - auth);
	if (hostlen == 0 || hostlen >= sizeof(u->host))
		return usage_error("\"%s\": no host, or a host too long", s);
	memcpy(u->host, auth, hostlen);
	u->host[hostlen] = '\0';
	snprintf(u->port, sizeof(u->port), "80");
	if (port != NULL) {
		char digits[8];
		size_t n = (size_t)(slash - port);

		if (n == 0 || n >= sizeof(digits))
			return usage_error("\"%s\": bad port", s);
		memcpy(digits, port, n);
		digits[n] = '\0';
		if (parse_count("port", digits, 1, 65535, &p) != 0)
			return 2;
		snprintf(u->port, sizeof(u->port), "%ld", p);
	}
	snprintf(u->host_header, sizeof(u->host_header), "%.*s",
		 (int)(slash - (s + 7)), s + 7);
	u->path = *slash ? slash : "/";
	if (has_ctl(u->path) || strpbrk(u->path, " \t\x7f"))
		return usage_error("\"%s\": the path has blanks or control "
				   "characters (percent-encode them)", s);
	return 0;
}

static int resolve(const struct url *u, struct options *opt)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res;
	int rc = getaddrinfo(u->host, u->port, &hints, &res);

	if (rc != 0) {
		fprintf(stderr, "loadgen: %s: %s\n", u->host, gai_strerror(rc));
		return 1;
	}
	memcpy(&opt->addr, res->ai_addr, res->ai_addrlen);
	opt->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static bool header_given(const struct cmdline *cl, const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < cl->header_count; i++)
		if (strncasecmp(cl->headers[i], name, n) == 0 &&
		    cl->headers[i][n] == ':')
			return true;
	return false;
}

/* The request, built once: request line, Host, the -H headers, then
 * Connection: close and Content-Length where needed, and the body. */
static int build_request(const struct cmdline *cl, const struct url *u,
			 struct options *opt)
{
	size_t body_len = cl->body ? strlen(cl->body) : 0;
	size_t cap = strlen(cl->method) + strlen(u->path) +
		     sizeof(u->host_header) + 128 + body_len;
	char *r;
	size_t len = 0;
	int i;

	for (i = 0; i < cl->header_count; i++)
		cap += strlen(cl->headers[i]) + 2;
	r = malloc(cap);
	if (r == NULL) {
		perror("loadgen: malloc");
		return 1;
	}
	len += (size_t)snprintf(r + len, cap - len, "%s %s HTTP/1.1\r\n",
				cl->method, u->path);
	if (!header_given(cl, "Host"))
		len += (size_t)snprintf(r + len, cap - len, "Host: %s\r\n",
					u->host_header);
	for (i = 0; i < cl->header_count; i++)
		len += (size_t)snprintf(r + len, cap - len, "%s\r\n",
					cl->headers[i]);
	if (!opt->keepalive && !header_given(cl, "Connection"))
		len += (size_t)snprintf(r + len, cap - len,
					"Connection: close\r\n");
	if (cl->body && !header_given(cl, "Content-Length"))
		len += (size_t)snprintf(r + len, cap - len,
					"Content-Length: %zu\r\n", body_len);
	len += (size_t)snprintf(r + len, cap - len, "\r\n");
	if (body_len) {
		memcpy(r + len, cl->body, body_len);
		len += body_len;
	}
	opt->request = r;
	opt->request_len = len;
	opt->head_request = strcasecmp(cl->method, "HEAD") == 0;
	return 0;
}

/* One option; returns 0 or the exit status of a usage error. */
static int take_option(int ch, const char *arg, struct options *opt,
		       struct cmdline *cl)
{
	long n;
	int rc = 0;

	switch (ch) {
	case 'c':
		rc = parse_count("-c/--connections", arg, 0, MAX_CONNECTIONS,
				 &opt->connections);
		cl->connections_given = true;
		break;
	case 'd':
		rc = parse_time("-d/--duration", arg, NS_PER_MS,
				&opt->duration_ns);
		break;
	case 'n':
		rc = parse_count("-n/--requests", arg, 1, 2000000000L, &n);
		opt->requests = n;
		break;
	case 'w':
		rc = parse_time("-w/--warmup", arg, 0, &opt->warmup_ns);
		break;
	case 'R':
		rc = parse_rate(arg, &opt->rate);
		break;
	case OPT_CLOSE:
		opt->keepalive = false;
		break;
	case 'k':
		opt->keepalive = true;
		break;
	case OPT_TIMEOUT:
		rc = parse_time("--timeout", arg, NS_PER_MS, &opt->timeout_ns);
		break;
	case 't':
		rc = parse_count("-t/--threads", arg, 1, MAX_THREADS,
				 &opt->threads);
		break;
	case OPT_IDLE:
		rc = parse_count("--idle", arg, 0, MAX_CONNECTIONS, &opt->idle);
		break;
	case OPT_IDLE_EVERY:
		rc = parse_time("--idle-every", arg, NS_PER_MS,
				&opt->idle_every_ns);
		break;
	case OPT_SLOW:
		rc = parse_count("--slow", arg, 0, MAX_CONNECTIONS, &opt->slow);
		break;
	case OPT_SLOW_EVERY:
		rc = parse_time("--slow-every", arg, NS_PER_MS,
				&opt->slow_every_ns);
		break;
	case 'm':
		if (!is_token(arg, strlen(arg)) || strlen(arg) > 32)
			rc = usage_error("-m/--method: \"%s\" is not a method "
					 "(a token such as GET or POST)", arg);
		cl->method = arg;
		break;
	case 'H':
		if (cl->header_count == MAX_HEADERS)
			rc = usage_error("-H: at most %d headers", MAX_HEADERS);
		else if ((rc = check_header(arg)) == 0)
			cl->headers[cl->header_count++] = arg;
		break;
	case 'b':
		cl->body = arg;
		break;
	case OPT_CSV:
		opt->csv = true;
		break;
	case 'q':
		opt->quiet = true;
		break;
	case 'h':
		fputs(usage_text, stdout);
		exit(0);
	default:
		rc = usage_error("unknown option or missing value (see above)");
		break;
	}
	return rc;
}

/* The cores this process may run on (taskset narrows them), so that a
 * client pinned to half of a 16-core machine gets a thread per core. */
static long usable_cores(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return sysconf(_SC_NPROCESSORS_ONLN);
}

/* The options against each other. */
static int check_combination(struct options *opt, struct cmdline *cl,
			     bool duration_given)
{
	long cores = usable_cores(), total;

	if (!cl->connections_given)
		opt->connections = opt->idle || opt->slow ? 0 : 10;
	total = opt->connections + opt->idle + opt->slow;
	if (total == 0)
		return usage_error("nothing to do: -c, --idle and --slow are "
				   "all 0");
	if (total > MAX_CONNECTIONS)
		return usage_error("%ld connections in all: at most %ld",
				   total, MAX_CONNECTIONS);
	if (opt->requests && opt->connections == 0)
		return usage_error("-n counts requests of active connections: "
				   "give -c too");
	if (opt->rate > 0 && opt->connections == 0)
		return usage_error("-R needs active connections (-c) to send "
				   "on");
	if (opt->idle_every_ns && !opt->idle)
		return usage_error("--idle-every without --idle");
	if (!duration_given)
		opt->duration_ns = opt->requests ? 0 : 10 * NS_PER_S;
	if (opt->threads == 0)
		opt->threads = cores < 1 ? 1 : cores > MAX_THREADS ?
			       MAX_THREADS : cores;
	if (opt->threads > total)
		opt->threads = total;
	return 0;
}

int options_parse(int argc, char **argv, struct options *opt)
{
	struct cmdline cl = { .method = "GET" };
	bool duration_given = false;
	struct url u;
	int ch, rc;

	memset(opt, 0, sizeof(*opt));
	opt->keepalive = true;
	opt->timeout_ns = 2 * NS_PER_S;
	opt->slow_every_ns = NS_PER_S;
	opterr = 0; /* our own messages, with the usage */
	while ((ch = getopt_long(argc, argv, ":c:d:n:w:R:kt:m:H:b:qh",
				 long_options, NULL)) != -1) {
		if (ch == ':')
			return usage_error("%s needs a value", argv[optind - 1]);
		if (ch == '?' && optopt != 0)
			return usage_error("unknown option -%c", optopt);
		if (ch == '?')
			return usage_error("unknown option %s",
					   argv[optind - 1]);
		duration_given |= ch == 'd';
		rc = take_option(ch, optarg, opt, &cl);
		if (rc != 0)
			return rc;
	}
	if (optind != argc - 1)
		return usage_error(optind == argc ? "no URL given"
						  : "one URL only, after the "
						    "options");
	rc = check_combination(opt, &cl, duration_given);
	if (rc == 0)
		rc = parse_url(argv[optind], &u);
	if (rc == 0)
		rc = resolve(&u, opt);
	if (rc == 0)
		rc = build_request(&cl, &u, opt);
	if (rc == 0)
		opt->url = argv[optind];
	return rc;
}
