/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The usage part of an instance's state (GET /1.0/instances/NAME/state):
 * CPU time, memory and swap, and the number of processes, read from the
 * container's cgroup as its monitor reports it. Figures the host cannot
 * give are 0, as LXD shows them.
 */
#include "cgroup-limits.h"
#include "macro.h"
#include "instance.h"

static json_int_t or_zero(int64_t v)
{
	return v < 0 ? 0 : (json_int_t)v;
}

void instance_usage_to_json(const char *cgroup, json_t *state)
{
	_cleanup_(cove_cgroup_freep) struct cove_cgroup *cg = NULL;
	struct cove_cgroup_stats s = { -1, -1, -1, -1, -1, -1, -1, -1, -1 };

	if (cgroup && cgroup[0] && cove_cgroup_open_existing(cgroup, &cg, NULL) >= 0)
		(void)cove_cgroup_stats(cg, &s);
	json_object_set_new(state, "memory",
			    json_pack("{s:I, s:I, s:I, s:I}", "usage", or_zero(s.mem_bytes),
				      "usage_peak", or_zero(s.mem_peak), "swap_usage",
				      or_zero(s.swap_bytes), "swap_usage_peak", (json_int_t)0));
	json_object_set_new(state, "cpu", json_pack("{s:I}", "usage", or_zero(s.cpu_ns)));
	json_object_set_new(state, "processes", json_integer(or_zero(s.pids)));
}
