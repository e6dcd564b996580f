/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-wait: wait until a container reaches one of the given states
 * (lxc-wait): -s 'RUNNING|STOPPED', -t TIMEOUT seconds (exit 1 on timeout).
 */
#include <errno.h>
#include <stdio.h>

#include "strutil.h"
#include "strv.h"
#include "tool-common.h"

LOG_MODULE("wait");

static const char usage[] = "cove-wait -n NAME [-P LXCPATH] -s STATE[|STATE...] [-t TIMEOUT]";

static unsigned arg_mask;
static int arg_timeout = -1;

static int parse_states(const char *s)
{
	_cleanup_strv_free_ char **l = strv_split(s, "|, ");

	if (!l || !l[0])
		return -EINVAL;
	STRV_FOREACH(p, l) {
		int st = cove_state_from_string(*p);

		if (st < 0)
			return tool_usage_error(usage, "Invalid state '%s'", *p);
		arg_mask |= 1u << st;
	}
	return 0;
}

static int parse_argv(int argc, char **argv, struct tool_common *tc)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		TOOL_COMMON_LONGOPTS,
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:t:" TOOL_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (tool_common_opt(tc, c, optarg, usage))
			continue;
		switch (c) {
		case 's':
			if (parse_states(optarg) != 0)
				return 1;
			break;
		case 't':
			if (safe_atoi(optarg, &arg_timeout) < 0 || arg_timeout < -1)
				return tool_usage_error(usage, "Invalid timeout '%s'", optarg);
			break;
		default:
			return tool_usage_error(usage, NULL);
		}
	}
	if (!arg_mask)
		return tool_usage_error(usage, "No state specified (-s STATE)");
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
	tool_common_setup(&tc, "cove-wait");
	ct = tool_container(&tc, argc, argv, usage);
	r = cove_container_wait(ct, arg_mask, arg_timeout < 0 ? -1 : arg_timeout * 1000, &err);
	if (r < 0)
		return tool_fail(r, &err);
	return 0;
}
