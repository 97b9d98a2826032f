/*
 * docroot.h - mapping a request path to a file inside DocumentRoot
 * (docroot.c).
 */
#ifndef KIT_DOCROOT_H
#define KIT_DOCROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Map a request path (still percent-encoded, without query) to a file name
 * under docroot_real. Returns 0 and the absolute path in out, or the HTTP
 * status to answer (400 for a NUL byte or bad escape, 403 for an attempt to
 * leave the docroot, 404). The fuzz target calls this directly. */
int static_map_path(const char *docroot_real, const char *path, size_t len,
		    bool allow_symlinks_outside, char *out, size_t outlen);

/* static_map_path, plus what the walk learnt of the file: when *known is
 * set, *st holds its stat() and the caller need not stat it again. */
int docroot_map(const char *docroot_real, const char *path, size_t len,
		bool allow_symlinks_outside, char *out, size_t outlen,
		struct stat *st, bool *known);

/* Resolve every symlink in name (an absolute file name) and check that the
 * result is inside root. Returns 0 with the resolved name in out, or the
 * status to answer; *st and *known as for docroot_map. Used for the
 * DirectoryIndex file of a directory. */
int docroot_resolve(const char *root, const char *name, bool allow_outside,
		    char *out, size_t outlen, struct stat *st, bool *known);

#endif
