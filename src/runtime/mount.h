/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mounting inside a container's rootfs (run by the container child, in its
 * own mount namespace, before pivot_root). Every path inside the rootfs is
 * resolved with openat2(RESOLVE_IN_ROOT) against an fd of the rootfs, so a
 * symlink in the container's tree can never point a mount outside it.
 * Mounts go onto the resolved fd (/proc/self/fd/N or move_mount).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cove/conf.h"
#include "cove/error.h"

/* Open path (relative or absolute: both mean inside the root) within rootfd. */
int root_open(int rootfd, const char *path, int flags, int *ret_fd);
/* mkdir -p inside the root; missing components get mode. */
int root_mkdir_p(int rootfd, const char *path, mode_t mode);
/* Create an empty regular file (and its parent directories) if path does not exist. */
int root_touch(int rootfd, const char *path, mode_t mode);
/* "/proc/self/fd/N" into buf (at least 32 bytes). */
const char *fd_path(int fd, char *buf, size_t size);

/*
 * Bind src_path below src_fd (or src_fd itself when src_path is NULL: any fd,
 * a pty slave, a directory) onto target_fd, setting and clearing MOUNT_ATTR_* attrs.
 */
int mount_bind_fd(int src_fd, const char *src_path, bool recursive, int target_fd,
		  unsigned attrs, unsigned attrs_clr);

/*
 * One fstab-style mount (lxc.mount.entry, lxc.mount.fstab). target is relative
 * to the rootfs, or absolute: then a leading rootfs (or lxc.rootfs.mount)
 * prefix is dropped. Options: the mount(8) flags, bind, rbind, create=dir,
 * create=file, optional; the rest is passed to the filesystem.
 */
int cove_mount_entry(int rootfd, const struct cove_conf *c, const char *rootfs,
		     const struct cove_mount_entry *e, struct cove_error *err);
/* Every line of the lxc.mount.fstab file. */
int cove_mount_fstab(int rootfd, const struct cove_conf *c, const char *rootfs, const char *path,
		     struct cove_error *err);
/* /proc and /sys per lxc.mount.auto (cgroups are done by cgroup.c). */
int cove_mount_auto(int rootfd, unsigned flags, struct cove_error *err);
