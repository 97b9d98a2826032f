/*
 * docroot.c - from a request path to a file name that is inside the
 * DocumentRoot, or an HTTP status that says why not.
 *
 * What it teaches: a request path is untrusted bytes, and a static file
 * server is mostly about saying no safely. Before a path names a file it
 * is percent-decoded exactly once, its dot-segments are removed on the
 * text (so no ".." can climb above the root), and the file it names is
 * resolved with realpath(3) and checked to be inside the root, because a
 * symlink can point anywhere. Deliberate choices, as in Apache's defaults:
 * an encoded slash (%2F) is 404 (AllowEncodedSlashes Off); a ".." that
 * would climb above the root is 403, never clamped to "/"; a symlink that
 * leads out of the root is 403 unless SymlinksOutsideRoot is On.
 *
 * Used by static_files.c; static_map_path is the fuzz target of
 * tests/fuzz/fuzz_path.c. Unit tests: tests/unit/test_static.c.
 */
#include "docroot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_chars.h"

/* Decode %XX escapes exactly once ("%252e" becomes "%2e", not "."), into
 * out[cap]. Returns 0 or the status to answer. */
static int percent_decode(const char *path, size_t len, char *out,
			  size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)path[i];

		if (ch == '%') {
			int hi, lo;

			if (len - i < 3)
				return 400;
			hi = hex_value((unsigned char)path[i + 1]);
			lo = hex_value((unsigned char)path[i + 2]);
			if (hi < 0 || lo < 0)
				return 400;
			ch = (unsigned char)(hi * 16 + lo);
			i += 2;
			/* AllowEncodedSlashes Off: "%2F" would let a client
			 * hide a separator from filters that look at the
			 * raw path. */
			if (ch == '/')
				return 404;
		}
		/* C strings end at NUL: "/secret.txt%00.html" must not
		 * turn into "/secret.txt". */
		if (ch == '\0')
			return 400;
		if (o + 1 >= cap)
			return 404; /* no file has a name that long */
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return 0;
}

/* RFC 3986 5.2.4 on a decoded path: drop "." and empty segments, let ".."
 * remove the segment before it. A ".." with nothing to remove would leave
 * the root: that is an attack, answered 403. The result starts with '/'
 * and keeps a trailing '/' if the path named a directory ("/a/", "/a/.").
 * out is at least as large as in, and the result is never longer. */
static int remove_dot_segments(const char *in, char *out)
{
	size_t o = 0;
	bool ends_as_dir = true;
	const char *p = in;

	while (*p != '\0') {
		const char *seg;
		size_t n;

		while (*p == '/')
			p++;
		seg = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.')) {
			ends_as_dir = true;
		} else if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			if (o == 0)
				return 403;
			while (o > 0 && out[o - 1] != '/')
				o--;
			o--; /* the '/' before the removed segment */
			ends_as_dir = true;
		} else {
			out[o++] = '/';
			memcpy(out + o, seg, n);
			o += n;
			ends_as_dir = *p == '/';
		}
	}
	if (o == 0 || ends_as_dir)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

/* Is path (absolute, no symlinks) root itself or below it? The '/' check
 * matters: "/srv/www2/x" starts with "/srv/www" but is not inside it. */
static bool path_inside(const char *root, const char *path)
{
	size_t n = strlen(root);

	while (n > 0 && root[n - 1] == '/')
		n--;
	return strncmp(path, root, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

/* The fast path of resolve_inside(), for the usual name: one with no
 * symlink below the root. realpath(3) calls readlink(2) on every prefix of
 * the name from "/" down (six calls for /files/1k.txt under
 * /work/main/common/htdocs, each walking the name again from the start);
 * here only the components below the root are looked at, with one lstat(2)
 * each (two calls), because the root itself was resolved at start-up
 * (docroot_real). True when name is already its own resolved form. False
 * for anything else (a symlink, an empty segment, an error): the caller
 * then asks realpath(3). This walk is on the path of every static request,
 * where realpath's extra system calls showed in the profiles of the
 * benchmark. */
static bool no_symlink_below_root(const char *root, const char *name,
				  struct stat *last)
{
	char prefix[PATH_MAX];
	size_t rootlen = strlen(root), i;
	struct stat st;

	while (rootlen > 0 && root[rootlen - 1] == '/')
		rootlen--;
	if (strlen(name) >= sizeof(prefix) ||
	    strncmp(name, root, rootlen) != 0 || name[rootlen] != '/')
		return false;
	strcpy(prefix, name);
	/* prefix[rootlen] is '/'; look at each component after it. */
	for (i = rootlen + 1;; i++) {
		char end = prefix[i];

		if (end != '/' && end != '\0')
			continue;
		if (prefix[i - 1] == '/')
			return false;   /* "//" or a trailing '/' */
		prefix[i] = '\0';
		if (lstat(prefix, &st) != 0 || S_ISLNK(st.st_mode))
			return false;
		if (end == '\0') {
			*last = st;     /* not a link: what stat() would say */
			return true;
		}
		if (!S_ISDIR(st.st_mode))
			return false;   /* realpath answers ENOTDIR */
		prefix[i] = '/';
	}
}

/* Resolve every symlink in name with realpath(3) and check that the result
 * is still inside the root. Returns 0 with the resolved name in out, or
 * the status to answer. When the quick walk found no symlink, *st holds
 * the file's lstat() (which is its stat(), as it is no link) and *known is
 * set: the caller need not stat it again. */
int docroot_resolve(const char *root, const char *name, bool allow_outside,
		    char *out, size_t outlen, struct stat *st, bool *known)
{
	char resolved[PATH_MAX];

	*known = false;
	if (no_symlink_below_root(root, name, st)) {
		if (strlen(name) >= outlen)
			return 500;
		strcpy(out, name);
		*known = true;
		return 0;
	}
	if (realpath(name, resolved) == NULL) {
		if (errno == EACCES || errno == ELOOP)
			return 403;
		if (errno == ENOENT || errno == ENOTDIR ||
		    errno == ENAMETOOLONG)
			return 404;
		return 500;
	}
	if (!allow_outside && !path_inside(root, resolved))
		return 403; /* a symlink out: SymlinksOutsideRoot Off */
	if (strlen(resolved) >= outlen)
		return 500;
	strcpy(out, resolved);
	return 0;
}

int docroot_map(const char *docroot_real, const char *path, size_t len,
		bool allow_symlinks_outside, char *out, size_t outlen,
		struct stat *st, bool *known)
{
	char decoded[PATH_MAX];
	char clean[PATH_MAX];
	char full[PATH_MAX];
	int status, n;

	if (docroot_real == NULL || docroot_real[0] != '/' || out == NULL ||
	    outlen == 0)
		return 500;
	if (path == NULL || len == 0 || path[0] != '/')
		return 400; /* "*" or garbage: not a file name */
	status = percent_decode(path, len, decoded, sizeof(decoded));
	if (status != 0)
		return status;
	status = remove_dot_segments(decoded, clean);
	if (status != 0)
		return status;
	n = snprintf(full, sizeof(full), "%s%s", docroot_real, clean);
	if (n < 0 || (size_t)n >= sizeof(full))
		return 404;
	return docroot_resolve(docroot_real, full, allow_symlinks_outside, out,
			      outlen, st, known);
}

int static_map_path(const char *docroot_real, const char *path, size_t len,
		    bool allow_symlinks_outside, char *out, size_t outlen)
{
	struct stat st;
	bool known;

	return docroot_map(docroot_real, path, len, allow_symlinks_outside, out,
			outlen, &st, &known);
}
