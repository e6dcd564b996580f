/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's /dev: see dev.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "alloc.h"
#include "dev.h"
#include "log.h"
#include "mount.h"
#include "strutil.h"

LOG_MODULE("dev");

bool cove_dev_autodev(const struct cove_conf *c)
{
	return c->autodev != 0;
}

int cove_dev_mount(int rootfd, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	char buf[64];
	int r;

	r = root_mkdir_p(rootfd, "dev", 0755);
	if (r >= 0)
		r = root_open(rootfd, "dev", O_PATH | O_DIRECTORY, &fd);
	if (r < 0)
		return cove_err(err, r, "Failed to open '/dev' in the rootfs: %s", strerror(-r));
	if (mount("none", fd_path(fd, buf, sizeof(buf)), "tmpfs", MS_NOSUID | MS_NOEXEC,
		  "size=500000,mode=755") < 0)
		return cove_err(err, -errno, "Failed to mount a tmpfs on '/dev': %m");
	return 0;
}

static const struct {
	const char *name;
	unsigned maj, min;
} nodes[] = {
	{ "null", 1, 3 },   { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct {
	const char *name, *target;
} links[] = {
	{ "fd", "/proc/self/fd" },	   { "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },   { "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" },
};

static int mount_sub(int devfd, const char *name, const char *type, unsigned long flags,
		     const char *data, mode_t mode)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat a, b;
	char buf[64];

	if (mkdirat(devfd, name, mode) < 0 && errno != EEXIST)
		return -errno;
	/* Already mounted (by an lxc.mount.entry): leave it. */
	if (fstat(devfd, &a) == 0 && fstatat(devfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	    a.st_dev != b.st_dev)
		return 0;
	fd = openat(devfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (mount(type, fd_path(fd, buf, sizeof(buf)), type, flags, data) < 0)
		return -errno;
	return 0;
}

static int bind_host_node(int rootfd, const char *name, struct cove_error *err)
{
	_cleanup_free_ char *host = path_join("/dev", name), *rel = path_join("dev", name);
	_cleanup_close_ int tfd = -EBADF;
	int r;

	r = root_touch(rootfd, rel, 0666);
	if (r >= 0)
		r = root_open(rootfd, rel, O_PATH | O_NOFOLLOW, &tfd);
	if (r >= 0)
		r = mount_bind_fd(AT_FDCWD, host, false, tfd, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0);
	if (r < 0)
		return cove_err(err, r, "Failed to bind '%s' on '/%s': %s", host, rel, strerror(-r));
	return 0;
}

int cove_dev_populate(int rootfd, const struct cove_conf *c, struct cove_error *err)
{
	_cleanup_close_ int devfd = -EBADF;
	_cleanup_free_ char *pts = NULL;
	int r;

	r = root_open(rootfd, "dev", O_RDONLY | O_DIRECTORY, &devfd);
	if (r < 0)
		return cove_err(err, r, "Failed to open '/dev' in the rootfs: %s", strerror(-r));
	/* No umask: the nodes are made 0666 and need no chmod (one that existed does). */
	mode_t mask = umask(0);

	for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
		if (mknodat(devfd, nodes[i].name, S_IFCHR | 0666,
			    makedev(nodes[i].maj, nodes[i].min)) == 0)
			continue;
		if (errno == EEXIST) {
			(void)fchmodat(devfd, nodes[i].name, 0666, 0);
			continue;
		}
		if (errno != EPERM) {
			r = -errno;
			umask(mask);
			return cove_err(err, r, "Failed to create '/dev/%s': %s", nodes[i].name,
					strerror(-r));
		}
		/* In a user namespace: bind the host's node instead (idmap.h). */
		r = bind_host_node(rootfd, nodes[i].name, err);
		if (r < 0) {
			umask(mask);
			return r;
		}
	}
	umask(mask);
	pts = c->pty_max ? xasprintf("newinstance,ptmxmode=0666,mode=0620,gid=5,max=%u", c->pty_max)
			 : xstrdup("newinstance,ptmxmode=0666,mode=0620,gid=5");
	r = mount_sub(devfd, "pts", "devpts", MS_NOSUID | MS_NOEXEC, pts, 0755);
	if (r < 0)
		return cove_err(err, r, "Failed to mount devpts on '/dev/pts': %s", strerror(-r));
	/*
	 * As LXC: no /dev/shm or /dev/mqueue of our own; init mounts them
	 * (systemd, the busybox template's rcS) or lxc.mount.entry lines do (the
	 * templates' configs and coved's).
	 */
	for (size_t i = 0; i < ELEMENTSOF(links); i++)
		if (symlinkat(links[i].target, devfd, links[i].name) < 0 && errno != EEXIST)
			return cove_err(err, -errno, "Failed to create '/dev/%s': %m", links[i].name);
	return 0;
}

/*
 * Bind the pty slave onto /dev/<path>, creating an empty file to mount on. By
 * name: the slave fd belongs to the monitor's mount namespace, which cannot be
 * cloned from here.
 */
static int bind_slave(int rootfd, const char *slave, const char *path, struct cove_error *err)
{
	_cleanup_close_ int tfd = -EBADF;
	int r;

	r = root_touch(rootfd, path, 0600);
	if (r >= 0)
		r = root_open(rootfd, path, O_PATH | O_NOFOLLOW, &tfd);
	if (r >= 0)
		r = mount_bind_fd(AT_FDCWD, slave, false, tfd, 0, 0);
	if (r < 0)
		return cove_err(err, r, "Failed to set up '/%s': %s", path, strerror(-r));
	return 0;
}

int cove_dev_ttys(int rootfd, const struct cove_conf *c, const struct cove_console *con,
		  struct cove_error *err)
{
	_cleanup_close_ int devfd = -EBADF;
	int r;

	/* Without autodev, a rootfs without /dev gets no terminals (like LXC). */
	r = root_open(rootfd, "dev", O_RDONLY | O_DIRECTORY, &devfd);
	if (r < 0)
		return 0;
	if (con->slave >= 0) {
		r = bind_slave(rootfd, con->slave_path, "dev/console", err);
		if (r < 0)
			return r;
	}
	if (!isempty(c->tty_dir)) {
		_cleanup_free_ char *d = path_join("dev", c->tty_dir);

		r = root_mkdir_p(rootfd, d, 0755);
		if (r < 0)
			return cove_err(err, r, "Failed to create '/%s': %s", d, strerror(-r));
	}
	for (unsigned i = 0; i < con->n_ttys; i++) {
		_cleanup_free_ char *p = NULL;

		if (isempty(c->tty_dir))
			p = xasprintf("dev/tty%u", i + 1);
		else {
			_cleanup_free_ char *l = xasprintf("tty%u", i + 1);
			_cleanup_free_ char *t = xasprintf("%s/tty%u", c->tty_dir, i + 1);

			p = xasprintf("dev/%s/tty%u", c->tty_dir, i + 1);
			(void)unlinkat(devfd, l, 0);
			if (symlinkat(t, devfd, l) < 0)
				return cove_err(err, -errno, "Failed to create '/dev/%s': %m", l);
		}
		r = bind_slave(rootfd, con->tty_path[i], p, err);
		if (r < 0)
			return r;
	}
	return 0;
}
