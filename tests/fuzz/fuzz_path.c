/*
 * fuzz_path.c - libFuzzer target for static_map_path (common/docroot.c):
 * no request path may name a file outside DocumentRoot.
 *
 * What it teaches: "never leave the docroot" is a property you can state in
 * one line of C and let a fuzzer attack with every encoding trick at once
 * (%2e%2e, "..%2f", NULs, doubled slashes, symlinks). A small real tree is
 * made once under $TMPDIR:
 *
 *   base/root/              the DocumentRoot
 *   base/root/index.html, base/root/dir/a.txt, base/root/dir/sub/b.txt
 *   base/root/in -> dir                  a symlink that stays inside
 *   base/root/out -> ../outside          a symlink that leaves
 *   base/root/twin -> ../root2           leaves to a name that starts
 *                                        like the root's (prefix trap)
 *   base/root/abs -> /                   an absolute symlink out
 *   base/outside/secret.txt, base/root2/secret.txt
 *
 * For every input, with SymlinksOutsideRoot Off: if static_map_path answers
 * 0, the name it gives must be NUL-terminated, resolve (realpath) to itself,
 * and lie in the root; otherwise it must answer an HTTP status. With the
 * option On, whatever Off accepted must be accepted the same.
 *
 * Build and run: `make fuzz` (see tests/fuzz/README.md). The tree is
 * removed at exit.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docroot.h"
#include "handlers.h"

#include "fuzz_util.h"

static char base[PATH_MAX];
static char root_real[PATH_MAX];

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void path_in_base(char *out, const char *rel)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", base, rel);

	if (n < 0 || n >= PATH_MAX) {
		fprintf(stderr, "fuzz_path: %s/%s: name too long\n", base, rel);
		exit(2);
	}
}

static void make_dir(const char *rel)
{
	char p[PATH_MAX];

	path_in_base(p, rel);
	if (mkdir(p, 0755) < 0)
		die(p);
}

static void make_file(const char *rel)
{
	char p[PATH_MAX];
	FILE *f;

	path_in_base(p, rel);
	f = fopen(p, "w");
	if (f == NULL)
		die(p);
	fputs("fuzz\n", f);
	if (fclose(f) != 0)
		die(p);
}

static void make_link(const char *target, const char *rel)
{
	char p[PATH_MAX];

	path_in_base(p, rel);
	if (symlink(target, p) < 0)
		die(p);
}

static void path_remove_tree(void)
{
	fuzz_remove_tree(base);
}

/* Make the tree once; it is removed at exit. */
static void path_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char root[PATH_MAX];
	int n;

	n = snprintf(base, sizeof(base), "%s/kit-fuzz-path.XXXXXX",
		     tmp && tmp[0] ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(base) || mkdtemp(base) == NULL)
		die("fuzz_path: mkdtemp");
	atexit(path_remove_tree);
	make_dir("root");
	make_dir("root/dir");
	make_dir("root/dir/sub");
	make_dir("outside");
	make_dir("root2");
	make_file("root/index.html");
	make_file("root/dir/a.txt");
	make_file("root/dir/sub/b.txt");
	make_file("outside/secret.txt");
	make_file("root2/secret.txt");
	make_link("dir", "root/in");
	make_link("../outside", "root/out");
	make_link("../root2", "root/twin");
	make_link("/", "root/abs");
	make_link("../outside/secret.txt", "root/secret.txt");
	path_in_base(root, "root");
	if (realpath(root, root_real) == NULL)
		die(root);
}

/* The test the server must pass, written again independently here. */
static bool inside_root(const char *resolved)
{
	size_t n = strlen(root_real);

	return strncmp(resolved, root_real, n) == 0 &&
	       (resolved[n] == '\0' || resolved[n] == '/');
}

static void mapping_failed(const char *what, const char *path, size_t len,
			   const char *out) __attribute__((noreturn));
static void mapping_failed(const char *what, const char *path, size_t len,
			   const char *out)
{
	fuzz_failed("fuzz_path", "%s\n  request path: \"%.*s\" (%zu bytes)"
		    "\n  mapped to:    \"%s\"\n  docroot:      \"%s\"", what,
		    (int)len, path, len, out, root_real);
}

static void check_accepted(const char *path, size_t len, const char *out,
			   size_t outlen)
{
	char again[PATH_MAX];

	if (memchr(out, '\0', outlen) == NULL)
		mapping_failed("name not NUL-terminated", path, len, "");
	if (realpath(out, again) == NULL)
		mapping_failed("name does not resolve", path, len, out);
	if (strcmp(again, out) != 0)
		mapping_failed("name is not the resolved name", path, len,
			       out);
	if (!inside_root(again))
		mapping_failed("name outside the docroot", path, len, out);
}

static bool is_http_status(int s)
{
	return s >= 400 && s <= 599;
}

static int path_one_input(const uint8_t *data, size_t size)
{
	const char *path = (const char *)data;
	char out[PATH_MAX], out_on[PATH_MAX];
	int off, on;

	memset(out, 'x', sizeof(out));
	off = static_map_path(root_real, path, size, false, out, sizeof(out));
	if (off == 0)
		check_accepted(path, size, out, sizeof(out));
	else if (!is_http_status(off))
		mapping_failed("not 0 nor an HTTP status", path, size, "");
	on = static_map_path(root_real, path, size, true, out_on,
			     sizeof(out_on));
	if (on != 0 && !is_http_status(on))
		mapping_failed("not 0 nor an HTTP status (symlinks on)", path,
			       size, "");
	if (off == 0 && (on != 0 || strcmp(out, out_on) != 0))
		mapping_failed("SymlinksOutsideRoot On refused what Off "
			       "served", path, size, out);
	/* A small out buffer: a refusal or a complete name, never a cut
	 * one. */
	{
		char small[16];

		if (static_map_path(root_real, path, size, false, small,
				    sizeof(small)) == 0)
			check_accepted(path, size, small, sizeof(small));
	}
	return 0;
}

FUZZ_TARGET(path_setup, path_one_input)
