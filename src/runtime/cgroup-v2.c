/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup backend for a pure cgroup2 host: one directory, with the
 * controllers the parent offers enabled top-down in the parent's
 * cgroup.subtree_control, and one cgroup2 mount inside the container.
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

LOG_MODULE("cgroup-v2");

/* Best effort: a parent with processes of its own cannot delegate (no internal processes). */
static void enable_controllers(const struct cgroup_hier *h)
{
	_cleanup_free_ char *dir = cgroup_hier_path(h, NULL), *avail = NULL, *p = NULL;
	_cleanup_strv_free_ char **l = NULL;

	p = path_join(dir, "cgroup.controllers");
	if (read_one_line(p, &avail) < 0)
		return;
	l = strv_split(avail, " ");
	free(p);
	p = path_join(dir, "cgroup.subtree_control");
	STRV_FOREACH(c, l) {
		_cleanup_free_ char *w = xasprintf("+%s", *c);
		int r = write_string_file(p, w);

		if (r < 0)
			log_debug("Failed to enable controller '%s' in '%s': %s, ignoring", *c, dir,
				  strerror(-r));
	}
}

static int v2_create(struct cove_cgroup *cg, struct cove_error *err)
{
	struct cgroup_hier *h = &cg->h[0];
	_cleanup_free_ char *p = cgroup_hier_path(h, cg->name);

	if (h->created)
		return 0;
	enable_controllers(h);
	if (mkdir(p, 0755) < 0) {
		if (errno == EEXIST)
			return -EEXIST;
		return cove_err(err, -errno, "Failed to create cgroup '%s': %m", p);
	}
	h->created = true;
	return 0;
}

static int v2_attach(struct cove_cgroup *cg, pid_t pid, struct cove_error *err)
{
	_cleanup_free_ char *d = cgroup_hier_path(&cg->h[0], cg->name);
	_cleanup_free_ char *p = path_join(d, "cgroup.procs");
	char buf[32];
	int r;

	if (cg->cloned_into)
		return 0;
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	r = write_string_file(p, buf);
	if (r < 0)
		return cove_err(err, r, "Failed to move PID %s into cgroup '%s': %s", buf, d,
				strerror(-r));
	return 0;
}

static int v2_mount(struct cove_cgroup *cg, int sysfs_fd, unsigned mount_auto,
		    struct cove_error *err)
{
	unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME;
	_cleanup_close_ int fd = -EBADF;
	char fdpath[64];

	if (mount_auto & (COVE_MOUNT_CGROUP_RO | COVE_MOUNT_CGROUP_FULL_RO))
		flags |= MS_RDONLY;
	if (mkdirat(sysfs_fd, "cgroup", 0755) < 0 && errno != EEXIST)
		return cove_err(err, -errno, "Failed to create '/sys/fs/cgroup': %m");
	fd = openat(sysfs_fd, "cgroup", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to open '/sys/fs/cgroup': %m");
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (mount("cgroup2", fdpath, "cgroup2", flags, NULL) < 0)
		return cove_err(err, -errno, "Failed to mount cgroup2 on '/sys/fs/cgroup': %m");
	return 0;
}

static int v2_destroy(struct cove_cgroup *cg, struct cove_error *err)
{
	struct cgroup_hier *h = &cg->h[0];
	_cleanup_free_ char *p = NULL;
	int r;

	if (!h->created)
		return 0;
	p = cgroup_hier_path(h, cg->name);
	r = cgroup_rmdir_tree(p);
	if (r < 0)
		return cove_err(err, r, "Failed to remove cgroup '%s': %s", p, strerror(-r));
	h->created = false;
	return 0;
}

const struct cgroup_ops cgroup_v2_ops = {
	.name = "v2",
	.create = v2_create,
	.reserve = v2_create,
	.attach = v2_attach,
	.mount = v2_mount,
	.destroy = v2_destroy,
};
