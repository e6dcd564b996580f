/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup backend for legacy and hybrid hosts: the container's group is one
 * directory in every v1 hierarchy (each controller mount and name=systemd)
 * and in the unified cgroup2 mount when there is one. Inside the container
 * (which has its own cgroup namespace) /sys/fs/cgroup becomes a tmpfs with
 * one mount per hierarchy, named like on the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup.h"
#include "cove/conf.h"
#include "fileio.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("cgroup-v1");

/* A new cpuset group starts empty: give it its parent's cpus and mems before any task joins. */
static int copy_cpuset(const struct cgroup_hier *h, const char *dir)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	_cleanup_strv_free_ char **ctrl = strv_split(h->controllers, ",");

	if (!strv_contains(ctrl, "cpuset"))
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		_cleanup_free_ char *parent = cgroup_hier_path(h, NULL), *src = NULL, *dst = NULL,
				    *val = NULL;
		int r;

		src = path_join(parent, files[i]);
		dst = path_join(dir, files[i]);
		r = read_one_line(src, &val);
		if (r < 0)
			return r;
		if (isempty(val))
			continue;
		r = write_string_file(dst, val);
		if (r < 0)
			return r;
	}
	return 0;
}

static int create_one(struct cove_cgroup *cg, struct cgroup_hier *h, struct cove_error *err)
{
	_cleanup_free_ char *p = cgroup_hier_path(h, cg->name);
	int r;

	/* On failure, what was made stays marked: cove_cgroup_destroy() removes it. */
	if (mkdir(p, 0755) < 0) {
		r = -errno;
		if (r == -EEXIST)
			return r;
		return cove_err(err, r, "Failed to create cgroup '%s': %s", p, strerror(-r));
	}
	h->created = true;
	r = copy_cpuset(h, p);
	if (r < 0)
		return cove_err(err, r, "Failed to set up cpuset cgroup '%s': %s", p, strerror(-r));
	return 0;
}

static int v1_create(struct cove_cgroup *cg, struct cove_error *err)
{
	for (size_t i = 0; i < cg->n; i++) {
		int r;

		if (cg->h[i].created)
			continue;
		r = create_one(cg, &cg->h[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v1_create_next(struct cove_cgroup *cg, struct cove_error *err)
{
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->h[i].created) {
			int r = create_one(cg, &cg->h[i], err);

			return r < 0 ? r : 1;
		}
	return 0;
}

/* The cgroup2 hierarchy (where clone3 puts the child) or the first one; the others only looked at. */
static int v1_reserve(struct cove_cgroup *cg, struct cove_error *err)
{
	size_t lock = 0;

	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].v2) {
			lock = i;
			break;
		}
	for (size_t i = 0; i < cg->n; i++) {
		_cleanup_free_ char *p = NULL;

		if (i == lock)
			continue;
		p = cgroup_hier_path(&cg->h[i], cg->name);
		if (access(p, F_OK) == 0)
			return -EEXIST;
	}
	return create_one(cg, &cg->h[lock], err);
}

static int v1_attach(struct cove_cgroup *cg, pid_t pid, struct cove_error *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		const struct cgroup_hier *h = &cg->h[i];
		_cleanup_free_ char *d = NULL, *p = NULL;
		int r;

		if (h->v2 && cg->cloned_into)
			continue;
		d = cgroup_hier_path(h, cg->name);
		p = path_join(d, h->v2 ? "cgroup.procs" : "tasks");
		r = write_string_file(p, buf);
		if (r < 0)
			return cove_err(err, r, "Failed to move PID %s into cgroup '%s': %s", buf, d,
					strerror(-r));
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int mount_one(const struct cgroup_hier *h, int tmpfd, unsigned long flags,
		     struct cove_error *err)
{
	const char *dir = base_name(h->mountpoint);
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int fd = -EBADF;
	char fdpath[64];

	if (isempty(dir) || streq(dir, ".") || streq(dir, ".."))
		return 0;
	if (mkdirat(tmpfd, dir, 0755) < 0 && errno != EEXIST)
		return cove_err(err, -errno, "Failed to create '/sys/fs/cgroup/%s': %m", dir);
	fd = openat(tmpfd, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to open '/sys/fs/cgroup/%s': %m", dir);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (h->v2) {
		if (mount("cgroup2", fdpath, "cgroup2", flags, NULL) < 0)
			return cove_err(err, -errno, "Failed to mount cgroup2 on '/sys/fs/cgroup/%s': %m",
					dir);
		return 0;
	}
	/* A named hierarchy without controllers is mounted as "none,name=X". */
	if (startswith(h->controllers, "name=") && !strchr(h->controllers, ','))
		data = xasprintf("none,%s", h->controllers);
	else
		data = xstrdup(h->controllers);
	if (mount("cgroup", fdpath, "cgroup", flags, data) < 0)
		return cove_err(err, -errno, "Failed to mount cgroup '%s' on '/sys/fs/cgroup/%s': %m",
				h->controllers, dir);
	/* Co-mounted controllers ("cpu,cpuacct") get one link per controller, as on the host. */
	if (strchr(dir, ',')) {
		_cleanup_strv_free_ char **l = strv_split(dir, ",");

		STRV_FOREACH(c, l)
			(void)symlinkat(dir, tmpfd, *c);
	}
	return 0;
}

static int v1_mount(struct cove_cgroup *cg, int sysfs_fd, unsigned mount_auto,
		    struct cove_error *err)
{
	const unsigned long base = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME;
	unsigned long flags = base;
	_cleanup_close_ int fd = -EBADF, tmpfd = -EBADF;
	char fdpath[64];
	int r;

	if (mount_auto & (COVE_MOUNT_CGROUP_RO | COVE_MOUNT_CGROUP_FULL_RO))
		flags |= MS_RDONLY;
	if (mkdirat(sysfs_fd, "cgroup", 0755) < 0 && errno != EEXIST)
		return cove_err(err, -errno, "Failed to create '/sys/fs/cgroup': %m");
	fd = openat(sysfs_fd, "cgroup", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to open '/sys/fs/cgroup': %m");
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (mount("cgroup", fdpath, "tmpfs", base, "mode=755,size=64k") < 0)
		return cove_err(err, -errno, "Failed to mount a tmpfs on '/sys/fs/cgroup': %m");
	/* fd still names the directory below the new tmpfs: a fresh lookup crosses into it. */
	tmpfd = openat(sysfs_fd, "cgroup", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tmpfd < 0)
		return cove_err(err, -errno, "Failed to open the tmpfs on '/sys/fs/cgroup': %m");
	for (size_t i = 0; i < cg->n; i++) {
		r = mount_one(&cg->h[i], tmpfd, flags, err);
		if (r < 0)
			return r;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", tmpfd);
	if (mount(NULL, fdpath, NULL, MS_REMOUNT | MS_RDONLY | base, "mode=755,size=64k") < 0)
		return cove_err(err, -errno, "Failed to make '/sys/fs/cgroup' read-only: %m");
	return 0;
}

static int v1_destroy(struct cove_cgroup *cg, struct cove_error *err)
{
	int ret = 0;

	for (size_t i = 0; i < cg->n; i++) {
		if (!cg->h[i].created)
			continue;
		_cleanup_free_ char *p = cgroup_hier_path(&cg->h[i], cg->name);
		int r = cgroup_rmdir_tree(p);

		if (r < 0) {
			if (ret == 0)
				ret = cove_err(err, r, "Failed to remove cgroup '%s': %s", p, strerror(-r));
			continue;
		}
		cg->h[i].created = false;
	}
	return ret;
}

const struct cgroup_ops cgroup_v1_ops = {
	.name = "v1",
	.create = v1_create,
	.reserve = v1_reserve,
	.create_next = v1_create_next,
	.attach = v1_attach,
	.mount = v1_mount,
	.destroy = v1_destroy,
};
