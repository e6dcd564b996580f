/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-console: connect this terminal to a tty of a running container, with
 * the options of lxc-console(1): -t TTYNUM (-1, the default: the first free
 * tty, else the console; 0: the console), -e ESCAPE (default a: Ctrl+a q
 * leaves, Ctrl+a Ctrl+a sends a literal Ctrl+a).
 *
 * Also works without a terminal (scripts, tests): input is read from stdin
 * as it comes, output goes to stdout, and the tool ends at EOF of stdin once
 * the container side has been quiet for a moment, or when the container
 * side hangs up.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cove/container.h"
#include "macro.h"
#include "pty-proxy.h"
#include "strutil.h"
#include "tool-common.h"

static const char usage[] =
    "cove-console -n NAME [-P LXCPATH] [-t TTYNUM] [-e ESCAPE]\n"
    "\n"
    "  -t, --tty=TTYNUM     tty to connect to (-1: first free, 0: the console)\n"
    "  -e, --escape=PREFIX  escape key, as a letter: 'a' for Ctrl+a (the default)";

/* Without a terminal, how long the container may stay quiet after our input ended. */
#define PIPE_LINGER_MS 300

/* "a", "A", "^a", "^A" -> 1 (Ctrl+a). */
static int parse_escape(const char *s)
{
	if (s[0] == '^')
		s++;
	if (strlen(s) != 1 || !isalpha((unsigned char)s[0]))
		return -EINVAL;
	return tolower((unsigned char)s[0]) - 'a' + 1;
}

/*
 * A closed stdin/stdout/stderr would be reused by the next open() (the
 * monitor socket, the init's pidfd) and end up in the container: fill the
 * gaps with /dev/null first.
 */
static void stdio_fill(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			exit(1);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"tty", required_argument, NULL, 't'},
						 {"escape", required_argument, NULL, 'e'},
						 TOOL_COMMON_LONGOPTS,
						 {}};
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	_cleanup_(pty_raw_restore) struct pty_raw raw = PTY_RAW_INIT;
	_cleanup_close_ int fd = -EBADF;
	struct pty_proxy px = PTY_PROXY_INIT;
	struct tool_common tc = {};
	struct cove_error err = {};
	int c, r, ttynum = -1, escape = 1;

	stdio_fill();
	tool_common_setup(&tc, "cove-console"); /* names us in usage errors */
	while ((c = getopt_long(argc, argv, TOOL_COMMON_SHORTOPTS "t:e:", longopts, NULL)) >= 0) {
		if (tool_common_opt(&tc, c, optarg, usage))
			continue;
		switch (c) {
		case 't':
			if (safe_atoi(optarg, &ttynum) < 0 || ttynum < -1)
				return tool_usage_error(usage, "Invalid tty number '%s'", optarg);
			break;
		case 'e':
			escape = parse_escape(optarg);
			if (escape < 0)
				return tool_usage_error(usage, "Invalid escape character '%s'",
							optarg);
			break;
		default:
			return tool_usage_error(usage, NULL);
		}
	}
	tool_common_setup(&tc, "cove-console");
	ct = tool_container(&tc, argc, argv, usage);
	if (optind < argc)
		return tool_usage_error(usage, "Unexpected argument '%s'", argv[optind]);
	r = cove_container_require(ct, &err);
	if (r < 0)
		return tool_fail(r, &err);
	r = cove_container_console(ct, ttynum, &fd, &ttynum, &err);
	if (r < 0)
		return tool_fail(r, &err);
	if (!tc.quiet)
		fprintf(stderr,
			"\nConnected to tty %d\n"
			"Type <Ctrl+%c q> to exit the console, <Ctrl+%c Ctrl+%c> to enter Ctrl+%c "
			"itself\n",
			ttynum, 'a' + escape - 1, 'a' + escape - 1, 'a' + escape - 1,
			'a' + escape - 1);
	r = pty_raw_enable(STDIN_FILENO, &raw);
	if (r < 0)
		return tool_fail(r, NULL);
	px.in_fd = STDIN_FILENO;
	px.out_fd = STDOUT_FILENO;
	px.peer_fd = fd;
	px.escape = escape;
	/* A pty master takes the window size; a relay socket has none to take. */
	if (isatty(fd))
		px.winsize_fd = fd;
	px.linger_ms = isatty(STDIN_FILENO) ? -1 : PIPE_LINGER_MS;
	r = pty_proxy_run(&px);
	pty_raw_restore(&raw);
	if (r < 0)
		return tool_fail(r, NULL);
	if (r == PTY_PROXY_ESCAPE && isatty(STDOUT_FILENO))
		fputc('\n', stdout);
	return 0;
}
