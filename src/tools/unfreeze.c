/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-unfreeze: thaw a frozen container (lxc-unfreeze): the monitor clears the
 * cgroup freezer and answers once the container is RUNNING again.
 */
#include <errno.h>
#include <stdio.h>

#include "strutil.h"
#include "tool-common.h"

LOG_MODULE("unfreeze");

static const char usage[] = "cove-unfreeze -n NAME [-P LXCPATH]";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		TOOL_COMMON_LONGOPTS,
		{},
	};
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct tool_common tc = {};
	struct cove_error err = {};
	int c, r;

	while ((c = getopt_long(argc, argv, TOOL_COMMON_SHORTOPTS, opts, NULL)) != -1)
		if (!tool_common_opt(&tc, c, optarg, usage))
			return tool_usage_error(usage, NULL);
	tool_common_setup(&tc, "cove-unfreeze");
	ct = tool_container(&tc, argc, argv, usage);
	r = cove_container_freeze(ct, false, &err);
	if (r == -ENOTCONN && cove_container_require(ct, &err) < 0)
		return tool_fail(-ENOENT, &err);
	if (r < 0)
		return tool_fail(r, &err);
	return 0;
}
