/*
 * options.h - loadgen's command line (options.c).
 */
#ifndef LOADGEN_OPTIONS_H
#define LOADGEN_OPTIONS_H

#include "loadgen.h"

/* Fill opt from the command line, resolve the URL's host and build the
 * request bytes. Returns 0 to run, 2 after printing a usage error, 1 if
 * the host cannot be resolved. -h prints the usage and exits 0. */
int options_parse(int argc, char **argv, struct options *opt);

#endif
