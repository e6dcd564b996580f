/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the storage backends share: the lxc.rootfs.path syntax, kind names,
 * the tree removal that deletes btrfs subvolumes, and running a helper
 * program (cp) with its error turned into one message.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "log.h"
#include "storage-internal.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("storage");

static const char *const kind_names[_COVE_STORAGE_KIND_MAX] = {
    [COVE_STORAGE_DIR] = "dir",
    [COVE_STORAGE_BTRFS] = "btrfs",
    [COVE_STORAGE_OVERLAY] = "overlay",
};

const char *cove_storage_kind_to_string(enum cove_storage_kind k)
{
	return k >= 0 && k < _COVE_STORAGE_KIND_MAX ? kind_names[k] : NULL;
}

enum cove_storage_kind cove_storage_kind_from_string(const char *s)
{
	if (!s)
		return _COVE_STORAGE_KIND_INVALID;
	if (streq(s, "overlayfs"))
		return COVE_STORAGE_OVERLAY;
	for (int i = 0; i < _COVE_STORAGE_KIND_MAX; i++)
		if (streq(s, kind_names[i]))
			return (enum cove_storage_kind)i;
	return _COVE_STORAGE_KIND_INVALID;
}

const struct cove_storage_ops *cove_storage_ops(enum cove_storage_kind k)
{
	switch (k) {
	case COVE_STORAGE_DIR:
		return &cove_storage_dir_ops;
	case COVE_STORAGE_BTRFS:
		return &cove_storage_btrfs_ops;
	default:
		return NULL;
	}
}

void cove_rootfs_spec_done(struct cove_rootfs_spec *s)
{
	free(s->path);
	free(s->lower);
	free(s->upper);
	free(s->work);
	*s = (struct cove_rootfs_spec){};
}

static char *parent_dir(const char *p)
{
	char *d = xstrdup(p), *s = strrchr(d, '/');

	if (s && s != d)
		*s = 0;
	return d;
}

int cove_rootfs_spec_parse(const char *rootfs_path, struct cove_rootfs_spec *ret,
			   struct cove_error *err)
{
	const char *p;

	*ret = (struct cove_rootfs_spec){};
	if (isempty(rootfs_path))
		return cove_err(err, -EINVAL, "No rootfs configured (lxc.rootfs.path)");
	if ((p = startswith(rootfs_path, "overlay:")) ||
	    (p = startswith(rootfs_path, "overlayfs:"))) {
		const char *colon = strchr(p, ':');
		_cleanup_free_ char *ov = NULL, *dir = NULL;

		if (!colon || colon == p || isempty(colon + 1) || strchr(colon + 1, ':'))
			return cove_err(
			    err, -EINVAL,
			    "Invalid overlay rootfs '%s' (expected overlay:LOWER:UPPER)",
			    rootfs_path);
		ret->kind = COVE_STORAGE_OVERLAY;
		ret->lower = xstrndup(p, (size_t)(colon - p));
		ret->upper = xstrdup(colon + 1);
		ov = parent_dir(ret->upper);
		dir = parent_dir(ov);
		ret->work = path_join(ov, "work");
		ret->path = path_join(dir, "rootfs");
		return 0;
	}
	if ((p = startswith(rootfs_path, "btrfs:")))
		ret->kind = COVE_STORAGE_BTRFS;
	else if ((p = startswith(rootfs_path, "dir:")))
		ret->kind = COVE_STORAGE_DIR;
	else if (rootfs_path[0] == '/')
		p = rootfs_path, ret->kind = COVE_STORAGE_DIR;
	else
		return cove_err(err, -EOPNOTSUPP,
				"Rootfs '%s': backing store not supported (dir, btrfs, overlay)",
				rootfs_path);
	if (p[0] != '/')
		return cove_err(err, -EINVAL, "Rootfs '%s' is not an absolute path", rootfs_path);
	ret->path = xstrdup(p);
	return 0;
}

char *cove_rootfs_spec_format(const struct cove_rootfs_spec *s)
{
	if (s->kind == COVE_STORAGE_OVERLAY)
		return xasprintf("overlay:%s:%s", s->lower, s->upper);
	return xasprintf("%s:%s", cove_storage_kind_to_string(s->kind), s->path);
}

static int rm_tree_at(int dfd, const char *name, dev_t dev, const char *path)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct stat st;
	int fd, r = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if (st.st_dev != dev) {
		/* a subvolume has a device of its own; anything else is a mount point */
		if (!cove_storage_is_subvolume(path))
			return -EXDEV;
		return btrfs_subvolume_delete_at(dfd, name, path);
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	for (struct dirent *de; (de = readdir(d));) {
		_cleanup_free_ char *sub = NULL;
		int k;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		sub = path_join(path, de->d_name);
		k = rm_tree_at(dirfd(d), de->d_name, dev, sub);
		if (k < 0 && r == 0)
			r = k;
	}
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && r == 0 && errno != ENOENT)
		r = -errno;
	return r;
}

int cove_storage_rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode) && cove_storage_is_subvolume(path))
		return btrfs_subvolume_delete_at(AT_FDCWD, path, path);
	return rm_tree_at(AT_FDCWD, path, st.st_dev, path);
}

int storage_run(char *const argv[], struct cove_error *err)
{
	_cleanup_close_ int efd = -EBADF;
	_cleanup_free_ char *msg = NULL;
	int status;
	pid_t pid;

	efd = memfd_create("storage-stderr", MFD_CLOEXEC);
	if (efd < 0)
		return cove_err(err, -errno, "Failed to create a memfd: %m");
	pid = fork();
	if (pid < 0)
		return cove_err(err, -errno, "Failed to fork: %m");
	if (pid == 0) {
		if (dup2(efd, STDERR_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "Failed to run '%s': %m\n", argv[0]);
		_exit(127);
	}
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0)
		return cove_err(err, -errno, "Failed to wait for '%s': %m", argv[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (lseek(efd, 0, SEEK_SET) == 0 && read_full_fd(efd, 4096, &msg, NULL) >= 0 && msg) {
		char *nl = strchr(msg, '\n');

		if (nl)
			*nl = 0;
	}
	return cove_err(err, -EIO, "'%s' failed: %s", argv[0], isempty(msg) ? "(no message)" : msg);
}

int cove_storage_add_dependent(const char *dir, const char *lxcpath, const char *name)
{
	_cleanup_free_ char *p = path_join(dir, COVE_CLONES_FILE);
	_cleanup_free_ char *line = xasprintf("%s\n%s\n", lxcpath, name);
	_cleanup_close_ int fd = -EBADF;

	fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	return loop_write(fd, line, strlen(line));
}

char **cove_storage_dependents(const char *dir)
{
	_cleanup_free_ char *p = path_join(dir, COVE_CLONES_FILE), *text = NULL;
	_cleanup_free_ char *needle = xasprintf("overlay:%s/", dir);
	_cleanup_strv_free_ char **lines = NULL;
	char **ret = NULL;

	if (read_full_file(p, 1u << 20, &text, NULL) < 0)
		return NULL;
	lines = strv_split(text, "\n");
	for (size_t i = 0; lines && lines[i] && lines[i + 1]; i += 2) {
		_cleanup_free_ char *cdir = path_join(lines[i], lines[i + 1]);
		_cleanup_free_ char *cfg = path_join(cdir, "config"), *c = NULL;

		if (read_full_file(cfg, 1u << 20, &c, NULL) < 0 || !strstr(c, needle))
			continue;
		if (!strv_contains(ret, cdir))
			strv_push_dup(&ret, cdir);
	}
	return ret;
}
