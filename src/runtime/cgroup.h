/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A container's cgroup, behind one interface with two backends chosen at
 * run time from /proc/self/mountinfo: cgroup-v1.c (legacy and hybrid
 * layouts: one directory per v1 hierarchy plus the unified mount, if any)
 * and cgroup-v2.c (a pure unified hierarchy). The group is named
 * cove.payload.NAME (with -1, -2 ... appended when taken: names are global
 * across lxcpaths) and lives under the cgroup of PID 1, as LXC's does for
 * privileged containers. Only groups created here are ever removed.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cove/error.h"

struct cgroup_hier {
	char *mountpoint;  /* owned: host path of the hierarchy, e.g. /sys/fs/cgroup/cpu */
	char *controllers; /* owned: "cpu,cpuacct", "name=systemd", "" for cgroup2 */
	char *base;	   /* owned: parent of our group, relative to the hierarchy root */
	bool v2;
	bool created;	   /* we made our group in this hierarchy */
};

struct cove_cgroup;

struct cgroup_ops {
	const char *name;
	/*
	 * Make the group in every hierarchy under the name cg->name where it is
	 * not made yet (h->created); undo all on failure.
	 */
	int (*create)(struct cove_cgroup *cg, struct cove_error *err);
	/*
	 * Claim cg->name: make the group in one hierarchy (the cgroup2 one if
	 * any: clone3 needs it), -EEXIST when it exists in any. create() makes
	 * the rest later.
	 */
	int (*reserve)(struct cove_cgroup *cg, struct cove_error *err);
	/* Make one group that create() would make: 1, or 0 when none is left. NULL: none. */
	int (*create_next)(struct cove_cgroup *cg, struct cove_error *err);
	/*
	 * Move pid (a single-threaded child) into the group everywhere. v1 uses
	 * "tasks": moving one thread does not take the threadgroup lock, whose
	 * RCU grace period costs milliseconds per hierarchy.
	 */
	int (*attach)(struct cove_cgroup *cg, pid_t pid, struct cove_error *err);
	/*
	 * In the container's mount and cgroup namespaces, before pivot_root:
	 * mount the hierarchies on "cgroup" below sysfs_fd, an fd of ROOT/sys/fs.
	 * mount_auto holds the COVE_MOUNT_CGROUP_* flags.
	 */
	int (*mount)(struct cove_cgroup *cg, int sysfs_fd, unsigned mount_auto, struct cove_error *err);
	/* Remove the groups we created, depth first; retries while tasks drain. */
	int (*destroy)(struct cove_cgroup *cg, struct cove_error *err);
};

struct cove_cgroup {
	const struct cgroup_ops *ops;
	struct cgroup_hier *h; /* owned array */
	size_t n;
	char *name;	       /* owned: cove.payload.NAME[-N], NULL until created */
	char *path;	       /* owned: "/" + name below the base of the first hierarchy */
	int into_fd;	       /* owned: our cgroup2 directory for clone3(CLONE_INTO_CGROUP), or -EBADF */
	bool cloned_into;      /* the child was created in into_fd's cgroup: attach skips it */
};

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;

/* Read the host's layout and pick the backend. Does not create anything. */
int cove_cgroup_new(struct cove_cgroup **ret, struct cove_error *err);
/* Tests: how cove_cgroup_new() finds the layout (the usual one is checked against mountinfo). */
enum { COVE_CGROUP_LAYOUT_ANY, COVE_CGROUP_LAYOUT_MOUNTINFO, COVE_CGROUP_LAYOUT_FAST };
void cove_cgroup_test_layout(int how);
struct cove_cgroup *cove_cgroup_free(struct cove_cgroup *cg);
static inline void cove_cgroup_freep(struct cove_cgroup **cg)
{
	if (*cg)
		*cg = cove_cgroup_free(*cg);
}

/* Create cove.payload.CTNAME (or the first free -N variant). */
int cove_cgroup_create(struct cove_cgroup *cg, const char *ctname, struct cove_error *err);
/*
 * The same in two halves, so that the start can clone first: reserve picks
 * the name and makes the group where the child is born (into_fd), before
 * the clone; create_rest makes the other hierarchies' groups (v1: about
 * 70 us each) while the child sets up its mounts.
 */
int cove_cgroup_reserve(struct cove_cgroup *cg, const char *ctname, struct cove_error *err);
int cove_cgroup_create_rest(struct cove_cgroup *cg, struct cove_error *err);
/* One of create_rest's groups ahead (while the start waits for something else): 1, 0 when none is left. */
int cove_cgroup_create_next(struct cove_cgroup *cg, struct cove_error *err);
int cove_cgroup_attach(struct cove_cgroup *cg, pid_t pid, struct cove_error *err);
int cove_cgroup_mount(struct cove_cgroup *cg, int sysfs_fd, unsigned mount_auto, struct cove_error *err);
int cove_cgroup_destroy(struct cove_cgroup *cg, struct cove_error *err);

/*
 * For a child that moves itself: open, before cloning, the file of every
 * hierarchy that the child writes "0" into (v1 "tasks", v2 "cgroup.procs"
 * unless the child is born there with CLONE_INTO_CGROUP, see into_fd). A
 * thread moving itself through "tasks" skips the global threadgroup lock,
 * and with it an RCU grace period (several ms) per start.
 */
int cove_cgroup_open_enter_fds(struct cove_cgroup *cg, int **ret_fds, size_t *ret_n,
			       struct cove_error *err);
/* In the child: move the calling (single-threaded) process into the group. */
int cove_cgroup_enter(const int *fds, size_t n, struct cove_error *err);

/* Shared helpers for the backends (cgroup.c). */
char *cgroup_hier_path(const struct cgroup_hier *h, const char *name); /* new string */
/* rmdir dir and every directory below it, depth first, retrying EBUSY for a while. */
int cgroup_rmdir_tree(const char *path);
