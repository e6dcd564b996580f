/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every cove-* tool shares: the options common to all lxc-* tools
 * (-n NAME, -P LXCPATH, -o LOGFILE, -l LOGLEVEL, -q, -h, --version), and
 * one way to report a failure (one line on stderr, exit 1).
 */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include "cove/container.h"
#include "log.h"

struct tool_common {
	const char *name;     /* -n */
	const char *lxcpath;  /* -P */
	const char *logfile;  /* -o */
	const char *loglevel; /* -l */
	bool quiet;	      /* -q */
};

/* getopt_long entries and short letters for the common options; append to a tool's own. */
#define TOOL_COMMON_SHORTOPTS "n:P:o:l:qh"
#define TOOL_COMMON_LONGOPTS                                   \
	{ "name", required_argument, NULL, 'n' },              \
	{ "lxcpath", required_argument, NULL, 'P' },           \
	{ "logfile", required_argument, NULL, 'o' },           \
	{ "logpriority", required_argument, NULL, 'l' },       \
	{ "quiet", no_argument, NULL, 'q' },                   \
	{ "help", no_argument, NULL, 'h' },                    \
	{ "version", no_argument, NULL, 0x1000 }

/*
 * Handle a common option c (from getopt_long). Returns 1 if it was one,
 * 0 if not (the tool handles it), and exits for -h/--version/bad values.
 */
int tool_common_opt(struct tool_common *tc, int c, const char *arg, const char *usage);

/* Set up logging from -o/-l (call after parsing). */
void tool_common_setup(struct tool_common *tc, const char *ident);

/* Require -n (or the first positional argument, as lxc-* tools accept) and make the handle. */
struct cove_container *tool_container(struct tool_common *tc, int argc, char **argv,
				      const char *usage);

/* Print "ident: message" for err/r on stderr (unless -q for non-errors) and return 1. */
int tool_fail(int r, const struct cove_error *err);
/* Print the usage line to stderr and return 1 (exit code for bad usage). */
int tool_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
