/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "btrfs" backing store: the rootfs is a btrfs subvolume, and a copy of
 * a subvolume is a writable snapshot of it (instant, copy-on-write), as
 * LXC's btrfs backend does for both lxc-copy and lxc-copy -s. A plain
 * directory on btrfs is copied into a new subvolume with reflinks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "log.h"
#include "storage-internal.h"
#include "strutil.h"

LOG_MODULE("storage-btrfs");

#define BTRFS_SUBVOL_ROOT_INO 256 /* BTRFS_FIRST_FREE_OBJECTID: the root of every subvolume */

bool cove_storage_on_btrfs(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == BTRFS_SUPER_MAGIC;
}

bool cove_storage_is_subvolume(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_ino == BTRFS_SUBVOL_ROOT_INO &&
	       cove_storage_on_btrfs(path);
}

/* Split path into an fd of its parent directory and its last component. */
static int open_parent(const char *path, char **ret_name, struct cove_error *err)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *name;
	int fd;

	if (!slash || isempty(slash + 1))
		return cove_err(err, -EINVAL, "Invalid path '%s'", path);
	*slash = 0;
	name = slash + 1;
	if (strlen(name) > BTRFS_PATH_NAME_MAX)
		return cove_err(err, -ENAMETOOLONG, "Name too long: '%s'", path);
	fd = open(isempty(dir) ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to open '%s': %m", isempty(dir) ? "/" : dir);
	*ret_name = xstrdup(name);
	return fd;
}

static int btrfs_create(const char *path, struct cove_error *err)
{
	struct btrfs_ioctl_vol_args args = {};
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int fd = -EBADF;

	fd = open_parent(path, &name, err);
	if (fd < 0)
		return fd;
	if (!cove_storage_on_btrfs(path) && access(path, F_OK) == 0)
		return cove_err(err, -EEXIST, "'%s' already exists", path);
	strcpy(args.name, name);
	if (ioctl(fd, BTRFS_IOC_SUBVOL_CREATE, &args) < 0) {
		if (errno == ENOTTY || errno == EOPNOTSUPP || errno == EINVAL)
			return cove_err(err, -EOPNOTSUPP,
					"Cannot create a btrfs subvolume at '%s': not on btrfs",
					path);
		return cove_err(err, -errno, "Failed to create btrfs subvolume '%s': %m", path);
	}
	(void)chmod(path, 0755);
	return 0;
}

int cove_btrfs_snapshot(const char *src, const char *dst, struct cove_error *err)
{
	struct btrfs_ioctl_vol_args_v2 args = {};
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int fd = -EBADF, sfd = -EBADF;

	sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return cove_err(err, -errno, "Failed to open '%s': %m", src);
	fd = open_parent(dst, &name, err);
	if (fd < 0)
		return fd;
	args.fd = sfd;
	strcpy(args.name, name);
	if (ioctl(fd, BTRFS_IOC_SNAP_CREATE_V2, &args) < 0)
		return cove_err(err, -errno, "Failed to snapshot btrfs subvolume '%s' to '%s': %m",
				src, dst);
	return 0;
}

/* Delete the subvolumes nested anywhere below the directory path (a device change). */
static int delete_nested(const char *path, dev_t dev)
{
	_cleanup_closedir_ DIR *d = opendir(path);
	int r = 0;

	if (!d)
		return -errno;
	for (struct dirent *de; (de = readdir(d));) {
		_cleanup_free_ char *sub = NULL;
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, "..") || de->d_type != DT_DIR)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		sub = path_join(path, de->d_name);
		if (st.st_dev != dev) {
			if (st.st_ino == BTRFS_SUBVOL_ROOT_INO)
				r = btrfs_subvolume_delete_at(dirfd(d), de->d_name, sub);
		} else {
			r = delete_nested(sub, dev);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int btrfs_subvolume_delete_at(int dfd, const char *name, const char *path)
{
	struct btrfs_ioctl_vol_args args = {};
	_cleanup_free_ char *base = NULL;
	_cleanup_close_ int pfd = -EBADF;
	struct stat st;
	int r;

	if (strchr(name, '/')) {
		/* a path: delete relative to its parent */
		struct cove_error e = {};

		pfd = open_parent(name, &base, &e);
		if (pfd < 0)
			return pfd;
		dfd = pfd;
		name = base;
	}
	if (strlen(name) > BTRFS_PATH_NAME_MAX)
		return -ENAMETOOLONG;
	strcpy(args.name, name);
	if (ioctl(dfd, BTRFS_IOC_SNAP_DESTROY, &args) == 0)
		return 0;
	if (errno != ENOTEMPTY)
		return -errno;
	if (stat(path, &st) < 0)
		return -errno;
	r = delete_nested(path, st.st_dev);
	if (r < 0)
		return r;
	return ioctl(dfd, BTRFS_IOC_SNAP_DESTROY, &args) < 0 ? -errno : 0;
}

int cove_btrfs_subvolume_delete(const char *path, struct cove_error *err)
{
	int r = btrfs_subvolume_delete_at(AT_FDCWD, path, path);

	if (r < 0)
		return cove_err(err, r, "Failed to delete btrfs subvolume '%s': %s", path,
				strerror(-r));
	return 0;
}

static int btrfs_copy(const char *src, const char *dst, struct cove_error *err)
{
	int r;

	if (cove_storage_is_subvolume(src)) {
		r = cove_btrfs_snapshot(src, dst, err);
		if (r >= 0 || (r != -EXDEV && r != -ENOTTY && r != -EOPNOTSUPP))
			return r;
		/* dst is on another filesystem: a new subvolume and a copy */
		if (err)
			*err = (struct cove_error){};
	}
	r = btrfs_create(dst, err);
	if (r < 0)
		return r;
	r = storage_copy_tree(src, dst, err);
	if (r < 0)
		(void)btrfs_subvolume_delete_at(AT_FDCWD, dst, dst);
	return r;
}

static int btrfs_destroy(const char *path, struct cove_error *err)
{
	int r = cove_storage_rm_tree(path);

	if (r < 0)
		return cove_err(err, r, "Failed to remove rootfs '%s': %s", path, strerror(-r));
	return 0;
}

const struct cove_storage_ops cove_storage_btrfs_ops = {
    .name = "btrfs",
    .create = btrfs_create,
    .copy = btrfs_copy,
    .destroy = btrfs_destroy,
};
