/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "dir" backing store: the rootfs is a plain directory. A copy is made
 * with cp -a (ownership, modes, times, hard links, xattrs and so file
 * capabilities, ACLs, device nodes), as reflinks where the filesystem can.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "fileio.h"
#include "log.h"
#include "storage-internal.h"
#include "strutil.h"

LOG_MODULE("storage-dir");

static int dir_create(const char *path, struct cove_error *err)
{
	if (mkdir(path, 0755) < 0)
		return cove_err(err, -errno, "Failed to create rootfs '%s': %m", path);
	if (chmod(path, 0755) < 0)
		return cove_err(err, -errno, "Failed to chmod rootfs '%s': %m", path);
	return 0;
}

/* Copy the contents of src into the existing directory dst. */
int storage_copy_tree(const char *src, const char *dst, struct cove_error *err)
{
	_cleanup_free_ char *from = xasprintf("%s/.", src);
	char *argv[] = {(char *)"cp",
			(char *)"-a",
			(char *)"--reflink=auto",
			(char *)"--one-file-system",
			(char *)"--",
			from,
			(char *)dst,
			NULL};
	int r;

	r = storage_run(argv, err);
	if (r < 0)
		return cove_err_prefix(err, "Failed to copy '%s' to '%s'", src, dst);
	return 0;
}

static int dir_copy(const char *src, const char *dst, struct cove_error *err)
{
	struct stat st;
	int r;

	if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode))
		return cove_err(err, errno ? -errno : -ENOTDIR, "Rootfs '%s' is not a directory",
				src);
	r = dir_create(dst, err);
	if (r < 0)
		return r;
	(void)chmod(dst, st.st_mode & 07777);
	return storage_copy_tree(src, dst, err);
}

static int dir_destroy(const char *path, struct cove_error *err)
{
	int r = cove_storage_rm_tree(path);

	if (r < 0)
		return cove_err(err, r, "Failed to remove rootfs '%s': %s", path, strerror(-r));
	return 0;
}

const struct cove_storage_ops cove_storage_dir_ops = {
    .name = "dir",
    .create = dir_create,
    .copy = dir_copy,
    .destroy = dir_destroy,
};
