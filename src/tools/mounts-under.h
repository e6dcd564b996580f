/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Is anything mounted below a directory we are about to remove? rm_rf()
 * stops at a change of st_dev, but a bind mount from the same filesystem
 * (a host directory bound into a rootfs) keeps st_dev: only mountinfo
 * tells. Used before cove-destroy and cove-create's cleanup remove a tree.
 */
#pragma once

/*
 * 1 if a mount point of this mount namespace is dir or lies below it (the
 * first one is returned in *ret_first if not NULL, owned by the caller),
 * 0 if none, -errno if mountinfo cannot be read.
 */
int mounts_under(const char *dir, char **ret_first);
