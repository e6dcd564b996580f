/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resource limits, freezing and usage figures of a container's cgroup, for
 * both backends (cgroup.h). lxc.cgroup.KEY writes v1 files, lxc.cgroup2.KEY
 * writes v2 files; on a v1 (or hybrid) host each known v2 key is translated
 * to its v1 equivalent (memory.max -> memory.limit_in_bytes, cpu.max ->
 * cpu.cfs_quota_us/cfs_period_us, ...) and refused when there is none. On a
 * pure v2 host the v1 keys are ignored (like LXC does).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "cove/conf.h"
#include "cove/error.h"

/* Syntax checks that need no host: key names, values without newlines. */
int cove_cgroup_limits_check(const struct cove_conf *c, struct cove_error *err);
/*
 * Before anything is made: does the host have every controller file the
 * keys name, do the v2 keys translate, are the values well-formed?
 */
int cove_cgroup_limits_probe(const struct cove_conf *c, struct cove_error *err);
/*
 * In the monitor, after the group exists and before the child runs: the
 * default device allow-list (v1 devices controller), then every
 * lxc.cgroup.* / lxc.cgroup2.* key in order.
 */
int cove_cgroup_apply_limits(struct cove_cgroup *cg, const struct cove_conf *c,
			     struct cove_error *err);

/*
 * For tools: describe the cgroup of a running container from the path its
 * monitor reports (cove_status.cgroup, "/cove.payload.NAME").
 */
int cove_cgroup_open_existing(const char *path, struct cove_cgroup **ret, struct cove_error *err);
/*
 * Read (value NULL) or write a file of the group like lxc-cgroup. A v2 key
 * name (memory.max, cpu.max ...) on a v1 host is translated; ret_value gets
 * the value read (owned by the caller).
 */
int cove_cgroup_get(struct cove_cgroup *cg, const char *key, char **ret_value,
		    struct cove_error *err);
int cove_cgroup_set(struct cove_cgroup *cg, const char *key, const char *value,
		    struct cove_error *err);

/* Freeze (true) or thaw; waits up to timeout_ms for the freezer to settle. */
int cove_cgroup_freeze(struct cove_cgroup *cg, bool freeze, int timeout_ms, struct cove_error *err);
/* 1 when frozen, 0 when not, -errno. */
int cove_cgroup_is_frozen(struct cove_cgroup *cg);

/*
 * A container whose monitor died while it was FROZEN keeps running: its
 * init never sees the monitor's death signal (frozen tasks do not run). For
 * cove.payload.CTNAME and its -N variants that are frozen and whose init's
 * parent is not a cove-monitor: kill every task, thaw, remove the groups.
 * Called where a dead monitor shows (a control socket nobody listens on).
 * Returns how many groups were reaped.
 */
int cove_cgroup_reap_orphans(const char *ctname);

struct cove_cgroup_stats {
	int64_t cpu_ns;		/* CPU time used; -1 unknown */
	int64_t mem_bytes;	/* memory in use */
	int64_t mem_peak;	/* highest memory use */
	int64_t mem_limit;	/* -1 none */
	int64_t swap_bytes;	/* swap in use */
	int64_t pids;		/* tasks in the group */
	int64_t pids_max;	/* -1 none */
	int64_t blkio_read;	/* bytes read from block devices */
	int64_t blkio_write;	/* bytes written */
};
/* Usage figures; fields the host cannot give stay -1. */
int cove_cgroup_stats(struct cove_cgroup *cg, struct cove_cgroup_stats *ret);
