/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* User namespaces and idmapped rootfs mounts (see idmap.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "idmap.h"
#include "log.h"
#include "start.h"
#include "storage.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("idmap");

#define SHIFT_MARK ".cove-shifted"

long cove_idmap_host(const struct cove_conf *c, char type, unsigned long id)
{
	for (size_t i = 0; i < c->n_idmaps; i++) {
		const struct cove_idmap *m = &c->idmaps[i];

		if (m->type == type && id >= m->nsid && id - m->nsid < m->range)
			return (long)(m->hostid + (id - m->nsid));
	}
	return -1;
}

/* Is [start, start+n) inside one of root's ranges in file? 1 yes, 0 no, -ENOENT: no grant listed. */
static int granted(const char *file, unsigned long start, unsigned long n)
{
	_cleanup_free_ char *buf = NULL;
	bool any = false;

	if (read_full_file(file, 1 << 20, &buf, NULL) < 0)
		return -ENOENT;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char who[64];
		unsigned long s, len;

		if (sscanf(l, "%63[^:]:%lu:%lu", who, &s, &len) != 3)
			continue;
		if (!streq(who, "root") && !streq(who, "0"))
			continue;
		any = true;
		if (start >= s && n <= len && start - s <= len - n)
			return 1;
	}
	return any ? 0 : -ENOENT;
}

int cove_idmap_check(const struct cove_conf *c, struct cove_error *err)
{
	bool u = false, g = false;

	if (c->n_idmaps == 0)
		return 0;
	for (size_t i = 0; i < c->n_idmaps; i++) {
		const struct cove_idmap *m = &c->idmaps[i];
		/* COVE_SUBUID_FILE / COVE_SUBGID_FILE: other files, for tests */
		const char *file = m->type == 'u' ? getenv("COVE_SUBUID_FILE") : getenv("COVE_SUBGID_FILE");
		int r;

		if (isempty(file))
			file = m->type == 'u' ? "/etc/subuid" : "/etc/subgid";
		u |= m->type == 'u';
		g |= m->type == 'g';
		if (m->range == 0 || m->hostid + m->range < m->hostid || m->nsid + m->range < m->nsid)
			return cove_err(err, -EINVAL, "Invalid lxc.idmap '%c %lu %lu %lu': bad range",
					m->type, m->nsid, m->hostid, m->range);
		r = granted(file, m->hostid, m->range);
		if (r == 0)
			return cove_err(err, -EPERM,
					"Invalid lxc.idmap '%c %lu %lu %lu': host ids %lu-%lu are not granted to root in %s",
					m->type, m->nsid, m->hostid, m->range, m->hostid,
					m->hostid + m->range - 1, file);
	}
	if (!u || !g)
		return cove_err(err, -EINVAL, "Invalid lxc.idmap: no %s map (both 'u' and 'g' lines are needed)",
				u ? "gid ('g')" : "uid ('u')");
	if (cove_idmap_host(c, 'u', 0) < 0 || cove_idmap_host(c, 'g', 0) < 0)
		return cove_err(err, -EINVAL, "Invalid lxc.idmap: id 0 (container root) is not mapped");
	return 0;
}

static int write_map(pid_t pid, const struct cove_conf *c, char type, struct cove_error *err)
{
	_cleanup_free_ char *text = xstrdup(""), *p = NULL;
	int r;

	for (size_t i = 0; i < c->n_idmaps; i++) {
		const struct cove_idmap *m = &c->idmaps[i];
		char *n;

		if (m->type != type)
			continue;
		n = xasprintf("%s%lu %lu %lu\n", text, m->nsid, m->hostid, m->range);
		free(text);
		text = n;
	}
	p = xasprintf("/proc/%d/%s", (int)pid, type == 'u' ? "uid_map" : "gid_map");
	r = write_string_file(p, text);
	if (r < 0)
		return cove_err(err, r, "Failed to write %s: %s", p, strerror(-r));
	return 0;
}

/* The terminals are opened by the monitor: give them to container root, or init cannot reopen them. */
static void chown_ttys(struct cove_run *run, uid_t uid, gid_t gid)
{
	const struct cove_console *con = run->con;

	if (!con)
		return;
	if (con->slave >= 0)
		(void)fchown(con->slave, uid, gid);
	for (unsigned i = 0; i < con->n_ttys; i++)
		if (con->tty_slave && con->tty_slave[i] >= 0)
			(void)fchown(con->tty_slave[i], uid, gid);
}

/* The container's cgroup, so container root may manage its own subtree (delegation). */
static void chown_cgroup(struct cove_run *run, uid_t uid, gid_t gid)
{
	static const char *const v1_files[] = { "", "tasks", "cgroup.procs" };
	static const char *const v2_files[] = { "", "cgroup.procs", "cgroup.threads",
						"cgroup.subtree_control" };

	for (size_t i = 0; run->cg && i < run->cg->n; i++) {
		const struct cgroup_hier *h = &run->cg->h[i];
		const char *const *files = h->v2 ? v2_files : v1_files;
		size_t n = h->v2 ? ELEMENTSOF(v2_files) : ELEMENTSOF(v1_files);
		_cleanup_close_ int dfd = -EBADF;
		_cleanup_free_ char *d = cgroup_hier_path(h, run->cg->name);

		dfd = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		for (size_t k = 0; k < n; k++)
			(void)fchownat(dfd, files[k], uid, gid, k == 0 ? AT_EMPTY_PATH : 0);
	}
}

static int shift_tree(int dfd, const struct cove_conf *c, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	int fd;

	if (depth > 256)
		return -ELOOP;
	fd = dup(dfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return -errno;
	}
	for (struct dirent *de; (de = readdir(d));) {
		struct stat st;
		long u, g;

		if (streq(de->d_name, "..") || fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		u = cove_idmap_host(c, 'u', st.st_uid);
		g = cove_idmap_host(c, 'g', st.st_gid);
		if (fchownat(dfd, de->d_name, u < 0 ? (uid_t)-1 : (uid_t)u, g < 0 ? (gid_t)-1 : (gid_t)g,
			     AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		/* chown clears set-id bits: put them back. */
		if (!S_ISLNK(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID)))
			(void)fchmodat(dfd, de->d_name, st.st_mode & 07777, 0);
		if (S_ISDIR(st.st_mode) && !streq(de->d_name, ".")) {
			_cleanup_close_ int sub = openat(dfd, de->d_name,
							 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int r;

			if (sub < 0)
				return -errno;
			r = shift_tree(sub, c, depth + 1);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Fallback: move every owner into the mapped range, once (the mark says it was done). */
static int shift_rootfs(const char *rootfs, const struct cove_conf *c, struct cove_error *err)
{
	_cleanup_close_ int dfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (dfd < 0)
		return cove_err(err, -errno, "Failed to open rootfs '%s': %m", rootfs);
	if (faccessat(dfd, SHIFT_MARK, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	r = shift_tree(dfd, c, 0);
	if (r < 0)
		return cove_err(err, r, "Failed to shift the ownership of rootfs '%s': %s", rootfs,
				strerror(-r));
	_cleanup_close_ int m = openat(dfd, SHIFT_MARK, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	return 0;
}

/* An idmapped clone of the rootfs for the user namespace of pid, or -EOPNOTSUPP. */
static int idmapped_rootfs(const char *rootfs, pid_t pid, int *ret_fd, struct cove_error *err)
{
	_cleanup_close_ int tree = -EBADF, userns = -EBADF;
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP };
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/ns/user", (int)pid);
	userns = open(p, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return cove_err(err, -errno, "Failed to open '%s': %m", p);
	tree = open_tree(AT_FDCWD, rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return cove_err(err, -errno, "Failed to clone the mount of rootfs '%s': %m", rootfs);
	a.userns_fd = (uint64_t)userns;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
		int r = -errno;

		if (r == -EINVAL || r == -EOPNOTSUPP || r == -EPERM) {
			log_debug("Cannot idmap rootfs '%s': %s", rootfs, strerror(-r));
			return -EOPNOTSUPP;
		}
		return cove_err(err, r, "Failed to idmap the mount of rootfs '%s': %s", rootfs,
				strerror(-r));
	}
	*ret_fd = TAKE_FD(tree);
	return 0;
}

static void record_method(const struct cove_run *run, const char *method)
{
	_cleanup_free_ char *cfg = xstrdup(run->config_path ? run->config_path : "");
	_cleanup_free_ char *p = NULL, *old = NULL;
	_cleanup_close_ int fd = -EBADF;

	if (!endswith(cfg, "/config"))
		return;
	p = path_join(dirname(cfg), "idmap");
	/* usually the same as last time: no write on the start path then */
	if (read_one_line(p, &old) >= 0 && streq(old, method))
		return;
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd >= 0)
		(void)loop_write(fd, method, strlen(method));
}

/*
 * Container root must be able to reach the rootfs to mount it: the
 * container's directory (0770, like LXC's) gets container root's group.
 */
static void open_ctdir(const struct cove_run *run, gid_t gid)
{
	_cleanup_free_ char *cfg = xstrdup(run->config_path ? run->config_path : "");
	_cleanup_free_ char *rootfs = xstrdup(run->rootfs);
	struct stat st;

	if (!endswith(cfg, "/config") || !streq(dirname(cfg), dirname(rootfs)))
		return;
	if (stat(cfg, &st) < 0 || (st.st_mode & S_IXOTH) || st.st_gid == gid)
		return;
	if (chown(cfg, (uid_t)-1, gid) == 0 && !(st.st_mode & S_IXGRP))
		(void)chmod(cfg, (st.st_mode & 07777) | S_IXGRP);
}

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

void cove_idmap_cgroup(struct cove_run *run)
{
	const struct cove_conf *c = run->conf;

	if (cove_conf_is_unprivileged(c))
		chown_cgroup(run, (uid_t)cove_idmap_host(c, 'u', 0), (gid_t)cove_idmap_host(c, 'g', 0));
}

int cove_idmap_parent(struct cove_run *run, int sync_fd, struct cove_error *err)
{
	long t0 = now_us();
	_cleanup_(cove_rootfs_spec_done) struct cove_rootfs_spec spec = {};
	const struct cove_conf *c = run->conf;
	_cleanup_close_ int tree = -EBADF;
	struct cove_sync_msg m = { .step = SYNC_IDMAP };
	uid_t uid;
	gid_t gid;
	int r;

	if (!cove_conf_is_unprivileged(c))
		return 0;
	r = write_map(run->pid, c, 'u', err);
	if (r >= 0)
		r = write_map(run->pid, c, 'g', err);
	if (r < 0)
		return r;
	log_debug("idmap: maps written after %ld us", now_us() - t0);
	uid = (uid_t)cove_idmap_host(c, 'u', 0);
	gid = (gid_t)cove_idmap_host(c, 'g', 0);
	chown_ttys(run, uid, (gid_t)(cove_idmap_host(c, 'g', 5) >= 0 ? cove_idmap_host(c, 'g', 5) : gid));
	open_ctdir(run, gid);
	r = cove_rootfs_spec_parse(c->rootfs_path, &spec, err);
	if (r < 0)
		return r;
	if (spec.kind == COVE_STORAGE_OVERLAY)
		return cove_err(err, -EOPNOTSUPP,
				"Unprivileged containers on an overlay rootfs are not supported: copy it to a directory");
	log_debug("idmap: ttys, dir after %ld us", now_us() - t0);
	r = idmapped_rootfs(run->rootfs, run->pid, &tree, err);
	log_debug("idmap: rootfs mount after %ld us", now_us() - t0);
	if (r == -EOPNOTSUPP) {
		r = shift_rootfs(run->rootfs, c, err);
		if (r < 0)
			return r;
		record_method(run, "shifted");
	} else if (r < 0)
		return r;
	else
		record_method(run, "idmapped");
	log_debug("idmap: recorded after %ld us", now_us() - t0);
	r = send_fds(sync_fd, &m, sizeof(m), &tree, tree >= 0 ? 1 : 0);
	if (r < 0)
		return cove_err(err, r, "Failed to talk to the container process: %s", strerror(-r));
	return 0;
}

int cove_idmap_child(struct cove_run *run, int sync_fd, int *ret_rootfs_fd, struct cove_error *err)
{
	struct cove_sync_msg m;
	int fd = -EBADF;
	ssize_t n;

	*ret_rootfs_fd = -EBADF;
	if (!cove_conf_is_unprivileged(run->conf))
		return 0;
	n = recv_fds(sync_fd, &m, sizeof(m), &fd, 1);
	if (n <= 0)
		return cove_err(err, n < 0 ? (int)n : -EPIPE, "The monitor went away before mapping our ids");
	if ((size_t)n != sizeof(m) || m.step != SYNC_IDMAP) {
		safe_close(fd);
		return cove_err(err, -EPROTO, "Unexpected message from the monitor (wanted the id maps)");
	}
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return cove_err(err, -errno, "Failed to become root in the user namespace: %m");
	(void)setgroups(0, NULL);
	*ret_rootfs_fd = fd;
	return 0;
}

int cove_idmap_read_method(const char *ctdir, char **ret)
{
	_cleanup_free_ char *p = path_join(ctdir, "idmap");

	return read_one_line(p, ret);
}
