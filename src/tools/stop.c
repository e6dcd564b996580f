/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-stop: stop a container (lxc-stop). By default a clean halt:
 * lxc.signal.halt (SIGPWR) to init, and after -t seconds (default 60, -1
 * forever) SIGKILL unless --nokill. -r reboots, -k kills at once, -W returns
 * without waiting. Like lxc-stop, a container that is not running exits 2.
 */
#include <errno.h>
#include <stdio.h>

#include "strutil.h"
#include "tool-common.h"

LOG_MODULE("stop");

static const char usage[] =
	"cove-stop -n NAME [-P LXCPATH] [-r|-k] [-t TIMEOUT] [--nokill] [-W|--nowait]";

static enum cove_stop_mode arg_mode = COVE_STOP_HALT;
static int arg_timeout = 60;
static bool arg_nokill, arg_nowait;

static int parse_argv(int argc, char **argv, struct tool_common *tc)
{
	static const struct option opts[] = {
		{ "reboot", no_argument, NULL, 'r' },
		{ "kill", no_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "nokill", no_argument, NULL, 0x1001 },
		{ "nolock", no_argument, NULL, 0x1002 },
		{ "nowait", no_argument, NULL, 'W' },
		TOOL_COMMON_LONGOPTS,
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "rkt:W" TOOL_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (tool_common_opt(tc, c, optarg, usage))
			continue;
		switch (c) {
		case 'r':
			arg_mode = COVE_STOP_REBOOT;
			break;
		case 'k':
			arg_mode = COVE_STOP_KILL;
			break;
		case 't':
			if (safe_atoi(optarg, &arg_timeout) < 0 || arg_timeout < -1)
				return tool_usage_error(usage, "Invalid timeout '%s'", optarg);
			break;
		case 0x1001:
			arg_nokill = true;
			break;
		case 0x1002:
			break;
		case 'W':
			arg_nowait = true;
			break;
		default:
			return tool_usage_error(usage, NULL);
		}
	}
	if (arg_mode == COVE_STOP_KILL && arg_nokill)
		return tool_usage_error(usage, "-k and --nokill contradict each other");
	return 0;
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
	tool_common_setup(&tc, "cove-stop");
	ct = tool_container(&tc, argc, argv, usage);
	/* A container started with -f has no config in the lxcpath: ask its monitor first. */
	r = cove_container_stop(ct, arg_mode, arg_timeout, arg_nokill, arg_nowait, &err);
	if (r == -ENOTCONN && cove_container_require(ct, &err) < 0)
		return tool_fail(-ENOENT, &err);
	if (r == -ENOTCONN) {
		tool_fail(r, &err);
		return 2;
	}
	if (r < 0)
		return tool_fail(r, &err);
	return 0;
}
