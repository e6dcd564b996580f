/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-cgroup: read or write a cgroup value of a running container
 * (lxc-cgroup). "cove-cgroup -n NAME KEY" prints the value of file KEY of
 * the container's cgroup; "cove-cgroup -n NAME KEY VALUE" writes it. KEY
 * is a v1 file name (memory.limit_in_bytes) or a v2 one (memory.max,
 * cpu.max ...), which is translated when the host has cgroup v1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cgroup-limits.h"
#include "strutil.h"
#include "tool-common.h"

LOG_MODULE("cgroup");

static const char usage[] = "cove-cgroup -n NAME [-P LXCPATH] KEY [VALUE]";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		TOOL_COMMON_LONGOPTS,
		{},
	};
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	_cleanup_(cove_cgroup_freep) struct cove_cgroup *cg = NULL;
	_cleanup_free_ char *value = NULL;
	struct tool_common tc = {};
	struct cove_error err = {};
	struct cove_status st;
	const char *key, *val;
	int c, r;

	while ((c = getopt_long(argc, argv, "+" TOOL_COMMON_SHORTOPTS, opts, NULL)) != -1)
		if (!tool_common_opt(&tc, c, optarg, usage))
			return tool_usage_error(usage, NULL);
	tool_common_setup(&tc, "cove-cgroup");
	ct = tool_container(&tc, argc, argv, usage);
	if (optind >= argc)
		return tool_usage_error(usage, "No cgroup key given");
	if (argc - optind > 2)
		return tool_usage_error(usage, "Too many arguments");
	key = argv[optind];
	val = optind + 1 < argc ? argv[optind + 1] : NULL;
	r = cove_container_status(ct, &st, NULL, &err);
	if (r < 0)
		return tool_fail(r, &err);
	if (st.state == COVE_STATE_STOPPED) {
		if (cove_container_require(ct, &err) < 0)
			return tool_fail(-ENOENT, &err);
		fprintf(stderr, "cove-cgroup: Container '%s' is not running\n", tc.name);
		return 1;
	}
	r = cove_cgroup_open_existing(st.cgroup, &cg, &err);
	if (r < 0)
		return tool_fail(r, &err);
	if (val) {
		r = cove_cgroup_set(cg, key, val, &err);
		return r < 0 ? tool_fail(r, &err) : 0;
	}
	r = cove_cgroup_get(cg, key, &value, &err);
	if (r < 0)
		return tool_fail(r, &err);
	printf("%s\n", value);
	return 0;
}
