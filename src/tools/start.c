/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-start: start a container (lxc-start). Detached by default (-d): it
 * returns once the container is RUNNING, leaving a cove-monitor behind.
 * -F runs it in the foreground with the console on this terminal and
 * returns when the container stops. A failure is one line on stderr, exit 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "strutil.h"
#include "strv.h"
#include "tool-common.h"

LOG_MODULE("start");

static const char usage[] =
	"cove-start -n NAME [-P LXCPATH] [-d|-F] [-f RCFILE] [-s KEY=VAL]... [-c FILE] [-C] "
	"[-p PIDFILE] [-o LOGFILE] [-l LEVEL] [-- COMMAND...]";

/* src/monitor/monitor.c, built into cove-start with COVE_MONITOR_EMBEDDED */
int cove_monitor_main(int argc, char **argv);

static struct cove_start_opts arg_opts;
static char **arg_defines;

static int parse_argv(int argc, char **argv, struct tool_common *tc)
{
	static const struct option opts[] = {
		{ "daemon", no_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "rcfile", required_argument, NULL, 'f' },
		{ "define", required_argument, NULL, 's' },
		{ "console", required_argument, NULL, 'c' },
		{ "console-log", required_argument, NULL, 'L' },
		{ "close-all-fds", no_argument, NULL, 'C' },
		{ "pidfile", required_argument, NULL, 'p' },
		TOOL_COMMON_LONGOPTS,
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+dFf:s:c:L:Cp:" TOOL_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (tool_common_opt(tc, c, optarg, usage))
			continue;
		switch (c) {
		case 'd':
			arg_opts.foreground = false;
			break;
		case 'F':
			arg_opts.foreground = true;
			break;
		case 'f':
			arg_opts.rcfile = optarg;
			break;
		case 's':
			if (!strchr(optarg, '='))
				return tool_usage_error(usage, "Invalid -s '%s': expected KEY=VALUE", optarg);
			strv_push_dup(&arg_defines, optarg);
			break;
		case 'c':
		case 'L':
			arg_opts.console_path = optarg;
			break;
		case 'C':
			arg_opts.close_all_fds = true; /* the monitor always closes every fd */
			break;
		case 'p':
			arg_opts.pidfile = optarg;
			break;
		default:
			return tool_usage_error(usage, NULL);
		}
	}
	return 0;
}

/* At -l TRACE: when we ran, on the clock of the monitor's step timers. */
static void trace_mark(const char *what)
{
	struct timespec ts;

	if (log_get_max_level() < COVE_LOG_TRACE)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	log_trace("step cove-start/%s at %lld us", what,
		  (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

int main(int argc, char **argv)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct tool_common tc = {};
	struct cove_error err = {};
	int r;

	r = parse_argv(argc, argv, &tc);
	if (r)
		return r;
	tool_common_setup(&tc, "cove-start");
	trace_mark("main");
	/* lxc-start takes the name as the first positional argument too. */
	if (!tc.name && optind < argc && (optind == 0 || !streq(argv[optind - 1], "--")))
		tc.name = argv[optind++];
	ct = tool_container(&tc, argc, argv, usage);
	if (optind < argc)
		arg_opts.init_argv = (const char *const *)argv + optind;
	arg_opts.defines = (const char *const *)arg_defines;
	arg_opts.spawn_direct = true; /* we exit right away: the monitor is reparented */
	arg_opts.monitor_main = cove_monitor_main; /* a fork of ours, no exec */
	arg_opts.logfile = tc.logfile;
	arg_opts.loglevel = tc.loglevel;
	r = cove_container_start(ct, &arg_opts, &err);
	strv_free(arg_defines);
	trace_mark("done");
	if (r < 0)
		return tool_fail(r, &err);
	return 0;
}
