/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unprivileged containers (lxc.idmap): the container is cloned into a new
 * user namespace; the monitor (its parent, host root) writes the uid and
 * gid maps, hands the container's terminals to the container's root, and
 * gives the child its rootfs as an idmapped mount (open_tree(CLONE) +
 * mount_setattr(MOUNT_ATTR_IDMAP) with the child's user namespace), so a
 * rootfs owned by host root appears owned by container root without any
 * chown: what container root writes lands on disk as uid 0. Only where the
 * filesystem cannot be idmapped is the rootfs shifted instead (every
 * owner moved into the mapped range, once; recorded in the rootfs as
 * .cove-shifted). The method used is written to LXCPATH/NAME/idmap for
 * cove-info. The child waits for the parent's SYNC_IDMAP message (with the
 * mount fd) before it does anything that needs its ids.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cove/conf.h"
#include "cove/error.h"

/*
 * Host-side checks: both maps present, container root mapped, and each host
 * range inside one of root's grants in /etc/subuid (/etc/subgid). When the
 * file lists no grant for root at all, root may map any range (as LXC run
 * by root does).
 */
int cove_idmap_check(const struct cove_conf *c, struct cove_error *err);
/* Map a container id to the host id (-1 when unmapped). */
long cove_idmap_host(const struct cove_conf *c, char type, unsigned long id);

struct cove_run;
/*
 * Parent, right after clone: maps, terminals, the rootfs mount; sends
 * SYNC_IDMAP. The child waits for it at its first steps, so this comes
 * before the cgroup's other groups are made, and their ownership after
 * them (cove_idmap_cgroup), before the child joins.
 */
int cove_idmap_parent(struct cove_run *run, int sync_fd, struct cove_error *err);
/* Give the container's root its cgroup (unprivileged only). */
void cove_idmap_cgroup(struct cove_run *run);
/* Child, first step: wait for the maps, become root of the namespace; *ret_rootfs_fd: the mount or -EBADF. */
int cove_idmap_child(struct cove_run *run, int sync_fd, int *ret_rootfs_fd, struct cove_error *err);
/* What the last start did ("idmapped", "shifted"), read by cove-info from the container dir. */
int cove_idmap_read_method(const char *ctdir, char **ret);
