/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mounts inside the container's rootfs: safe path resolution, fstab lines
 * (lxc.mount.entry and lxc.mount.fstab) and lxc.mount.auto's proc and sys.
 * See mount.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "log.h"
#include "mount.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("mount");

const char *fd_path(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
	return buf;
}

int root_open(int rootfd, const char *path, int flags, int *ret_fd)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int root_mkdir_p(int rootfd, const char *path, mode_t mode)
{
	_cleanup_free_ char *p = xstrdup(path);
	char *s = p;
	int r;

	while (*s == '/')
		s++;
	for (;;) {
		_cleanup_close_ int fd = -EBADF, parent = -EBADF;
		char *slash = strchr(s, '/'), *name;

		if (slash)
			*slash = 0;
		r = root_open(rootfd, p, O_PATH | O_DIRECTORY, &fd);
		if (r == -ENOENT) {
			name = strrchr(p, '/');
			if (name) {
				*name = 0;
				r = root_open(rootfd, p, O_PATH | O_DIRECTORY, &parent);
				*name++ = '/';
			} else {
				name = p;
				parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
				r = parent < 0 ? -errno : 0;
			}
			if (r < 0)
				return r;
			if (mkdirat(parent, name, mode) < 0 && errno != EEXIST)
				return -errno;
			r = root_open(rootfd, p, O_PATH | O_DIRECTORY, &fd);
		}
		if (r < 0)
			return r;
		if (!slash)
			return 0;
		*slash = '/';
		s = slash + 1;
		while (*s == '/')
			s++;
		if (!*s)
			return 0;
	}
}

int root_touch(int rootfd, const char *path, mode_t mode)
{
	_cleanup_free_ char *dir = xstrdup(path);
	_cleanup_close_ int fd = -EBADF;
	char *slash = strrchr(dir, '/');
	int r;

	if (slash && slash != dir) {
		*slash = 0;
		r = root_mkdir_p(rootfd, dir, 0755);
		if (r < 0)
			return r;
	}
	r = root_open(rootfd, path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NOCTTY, &fd);
	if (r == -EISDIR || r == -ELOOP || r == -ENXIO || r == -EROFS || r == -ETXTBSY)
		return 0; /* something exists there: mount over it */
	if (r < 0)
		return r;
	(void)fchmod(fd, mode);
	return 0;
}

int mount_bind_fd(int src_fd, const char *src_path, bool recursive, int target_fd,
		  unsigned attrs, unsigned attrs_clr)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	_cleanup_close_ int tree = -EBADF;

	if (src_path)
		tree = open_tree(src_fd, src_path, flags);
	else
		tree = open_tree(src_fd, "", flags | AT_EMPTY_PATH);
	if (tree < 0)
		return -errno;
	if (attrs || attrs_clr) {
		struct mount_attr a = { .attr_set = attrs, .attr_clr = attrs_clr };

		if (mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a,
				  sizeof(a)) < 0)
			return -errno;
	}
	if (move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

struct mount_opts {
	unsigned long flags;	/* MS_* for mount(2) */
	unsigned long prop;	/* MS_SHARED etc. */
	unsigned attrs;		/* MOUNT_ATTR_* for bind mounts */
	bool bind, rbind, optional, create_dir, create_file;
	char *data;		/* owned */
};

static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
	unsigned attr;
} flag_table[] = {
	{ "defaults", false, 0, 0 },
	{ "ro", false, MS_RDONLY, MOUNT_ATTR_RDONLY },
	{ "rw", true, MS_RDONLY, 0 },
	{ "suid", true, MS_NOSUID, 0 },
	{ "nosuid", false, MS_NOSUID, MOUNT_ATTR_NOSUID },
	{ "dev", true, MS_NODEV, 0 },
	{ "nodev", false, MS_NODEV, MOUNT_ATTR_NODEV },
	{ "exec", true, MS_NOEXEC, 0 },
	{ "noexec", false, MS_NOEXEC, MOUNT_ATTR_NOEXEC },
	{ "sync", false, MS_SYNCHRONOUS, 0 },
	{ "async", true, MS_SYNCHRONOUS, 0 },
	{ "dirsync", false, MS_DIRSYNC, 0 },
	{ "mand", false, MS_MANDLOCK, 0 },
	{ "nomand", true, MS_MANDLOCK, 0 },
	{ "atime", true, MS_NOATIME, 0 },
	{ "noatime", false, MS_NOATIME, MOUNT_ATTR_NOATIME },
	{ "diratime", true, MS_NODIRATIME, 0 },
	{ "nodiratime", false, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
	{ "relatime", false, MS_RELATIME, 0 },
	{ "norelatime", true, MS_RELATIME, 0 },
	{ "strictatime", false, MS_STRICTATIME, MOUNT_ATTR_STRICTATIME },
	{ "lazytime", false, MS_LAZYTIME, 0 },
	{ "silent", false, MS_SILENT, 0 },
	{ "loud", true, MS_SILENT, 0 },
};

static const struct {
	const char *name;
	unsigned long flag;
} prop_table[] = {
	{ "private", MS_PRIVATE },	      { "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED },	      { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },		      { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE },      { "runbindable", MS_UNBINDABLE | MS_REC },
};

static bool parse_flag(struct mount_opts *o, const char *opt)
{
	for (size_t i = 0; i < ELEMENTSOF(flag_table); i++) {
		if (!streq(opt, flag_table[i].name))
			continue;
		if (flag_table[i].clear)
			o->flags &= ~flag_table[i].flag;
		else {
			o->flags |= flag_table[i].flag;
			o->attrs |= flag_table[i].attr;
		}
		if (streq(opt, "rw"))
			o->attrs &= ~MOUNT_ATTR_RDONLY;
		return true;
	}
	for (size_t i = 0; i < ELEMENTSOF(prop_table); i++)
		if (streq(opt, prop_table[i].name)) {
			o->prop = prop_table[i].flag;
			return true;
		}
	return false;
}

static int parse_opts(const char *options, struct mount_opts *o, struct cove_error *err)
{
	_cleanup_strv_free_ char **l = strv_split(options ? options : "", ",");
	_cleanup_strv_free_ char **data = NULL;

	*o = (struct mount_opts){};
	STRV_FOREACH(p, l) {
		const char *v;

		if (parse_flag(o, *p))
			continue;
		if (streq(*p, "bind"))
			o->bind = true;
		else if (streq(*p, "rbind"))
			o->bind = o->rbind = true;
		else if (streq(*p, "optional"))
			o->optional = true;
		else if ((v = startswith(*p, "create="))) {
			if (streq(v, "dir"))
				o->create_dir = true;
			else if (streq(v, "file"))
				o->create_file = true;
			else
				return cove_err(err, -EINVAL, "Invalid mount option '%s'", *p);
		} else if (streq(*p, "relative") || streq(*p, "nofail") || streq(*p, "auto") ||
			   streq(*p, "noauto") || streq(*p, "user") || streq(*p, "nouser") ||
			   startswith(*p, "x-"))
			continue;
		else
			strv_push_dup(&data, *p);
	}
	o->data = data ? strv_join(data, ",") : NULL;
	return 0;
}

/* The target as a path relative to the rootfs. */
static const char *relative_target(const struct cove_conf *c, const char *rootfs, const char *t)
{
	const char *prefixes[] = { rootfs, c->rootfs_mount };

	for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
		const char *rest;

		if (isempty(prefixes[i]) || streq(prefixes[i], "/"))
			continue;
		rest = startswith(t, prefixes[i]);
		if (rest && (*rest == '/' || *rest == 0))
			t = rest;
	}
	while (*t == '/')
		t++;
	return *t ? t : ".";
}

static int do_mount(const struct cove_mount_entry *e, const struct mount_opts *o, int rootfd,
		    const char *rel, int tfd)
{
	char buf[64];

	if (o->bind) {
		int r = mount_bind_fd(AT_FDCWD, e->source, o->rbind, tfd, o->attrs, 0);

		if (r < 0)
			return r;
	} else if (mount(e->source, fd_path(tfd, buf, sizeof(buf)), e->fstype,
			 o->flags & ~MS_REC, o->data) < 0)
		return -errno;
	if (o->prop) {
		/* A fresh lookup reaches the new mount (tfd names what lies below it). */
		_cleanup_close_ int nfd = -EBADF;
		int r = root_open(rootfd, rel, O_PATH, &nfd);

		if (r < 0)
			return r;
		if (mount(NULL, fd_path(nfd, buf, sizeof(buf)), NULL, o->prop, NULL) < 0)
			return -errno;
	}
	return 0;
}

int cove_mount_entry(int rootfd, const struct cove_conf *c, const char *rootfs,
		     const struct cove_mount_entry *e, struct cove_error *err)
{
	struct mount_opts o;
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int tfd = -EBADF;
	const char *rel;
	int r;

	if (isempty(e->source) || isempty(e->target) || isempty(e->fstype))
		return cove_err(err, -EINVAL, "Invalid mount entry: source, target and type are required");
	r = parse_opts(e->options, &o, err);
	data = o.data;
	if (r < 0)
		return r;
	rel = relative_target(c, rootfs, e->target);
	if (o.create_dir)
		r = root_mkdir_p(rootfd, rel, 0755);
	else if (o.create_file)
		r = root_touch(rootfd, rel, 0644);
	if (r >= 0)
		r = root_open(rootfd, rel, O_PATH, &tfd);
	if (r >= 0)
		r = do_mount(e, &o, rootfd, rel, tfd);
	if (r < 0) {
		if (o.optional) {
			log_debug("Failed to mount '%s' on '%s': %s, ignoring (optional)", e->source,
				  e->target, strerror(-r));
			return 0;
		}
		return cove_err(err, r, "Failed to mount '%s' on '%s': %s", e->source, e->target,
				strerror(-r));
	}
	log_debug("Mounted '%s' on '%s' (%s)", e->source, rel, e->fstype);
	return 0;
}

/* Undo fstab's octal escapes (\040 for a blank) in place. */
static void unoctal(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 3;
		} else
			*w++ = *s;
	}
	*w = 0;
}

int cove_mount_fstab(int rootfd, const struct cove_conf *c, const char *rootfs, const char *path,
		     struct cove_error *err)
{
	_cleanup_free_ char *buf = NULL;
	unsigned lineno = 0;
	int r;

	r = read_full_file(path, 1 << 20, &buf, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to read lxc.mount.fstab '%s': %s", path, strerror(-r));
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		_cleanup_strv_free_ char **f = NULL;
		struct cove_mount_entry e = {};

		lineno++;
		l = strstrip(l);
		if (*l == '#' || *l == 0)
			continue;
		f = strv_split(l, " \t");
		if (strv_length(f) < 4)
			return cove_err(err, -EINVAL, "%s:%u: Invalid fstab line '%s'", path, lineno, l);
		for (size_t i = 0; i < 4; i++)
			unoctal(f[i]);
		e = (struct cove_mount_entry){ .source = f[0], .target = f[1], .fstype = f[2],
					       .options = f[3] };
		r = cove_mount_entry(rootfd, c, rootfs, &e, err);
		if (r < 0)
			return cove_err_prefix(err, "%s:%u", path, lineno);
	}
	return 0;
}

static int mount_fs_at(int rootfd, const char *rel, const char *type, unsigned long flags,
		       const char *data, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	char buf[64];
	int r;

	r = root_mkdir_p(rootfd, rel, 0755);
	if (r >= 0)
		r = root_open(rootfd, rel, O_PATH | O_DIRECTORY, &fd);
	if (r < 0)
		return cove_err(err, r, "Failed to open '/%s' in the rootfs: %s", rel, strerror(-r));
	if (mount(type, fd_path(fd, buf, sizeof(buf)), type, flags, data) < 0)
		return cove_err(err, -errno, "Failed to mount %s on '/%s': %m", type, rel);
	return 0;
}

/* Bind the (fresh) dir at rel onto itself read-only, keeping keep_rw (below it) writable. */
static int bind_ro(int rootfd, const char *rel, const char *keep_rw, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF, rw = -EBADF, tfd = -EBADF;
	int r;

	r = root_open(rootfd, rel, O_PATH, &fd);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return cove_err(err, r, "Failed to open '/%s': %s", rel, strerror(-r));
	if (keep_rw) {
		rw = open_tree(fd, keep_rw, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (rw < 0 && errno != ENOENT)
			return cove_err(err, -errno, "Failed to clone '/%s/%s': %m", rel, keep_rw);
	}
	r = mount_bind_fd(fd, NULL, true, fd,
			  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
			  0);
	if (r < 0)
		return cove_err(err, r, "Failed to make '/%s' read-only: %s", rel, strerror(-r));
	if (rw < 0)
		return 0;
	/* Reach the writable part below the new read-only mount by a fresh lookup. */
	_cleanup_free_ char *sub = path_join(rel, keep_rw);
	r = root_open(rootfd, sub, O_PATH, &tfd);
	if (r >= 0 && move_mount(rw, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		r = -errno;
	if (r < 0)
		return cove_err(err, r, "Failed to keep '/%s' writable: %s", sub, strerror(-r));
	return 0;
}

/* sysfs cannot be mounted from a user namespace that does not own the netns: bind it read-only. */
static int bind_host_sys(int rootfd, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = root_open(rootfd, "sys", O_PATH | O_DIRECTORY, &fd);
	if (r >= 0)
		r = mount_bind_fd(AT_FDCWD, "/sys", true, fd,
				  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					  MOUNT_ATTR_NOEXEC, 0);
	if (r < 0)
		return cove_err(err, r, "Failed to bind '/sys' read-only: %s", strerror(-r));
	return 0;
}

int cove_mount_auto(int rootfd, unsigned flags, struct cove_error *err)
{
	const unsigned long base = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	int r;

	if (flags & (COVE_MOUNT_PROC_MIXED | COVE_MOUNT_PROC_RW)) {
		r = mount_fs_at(rootfd, "proc", "proc", base, NULL, err);
		if (r < 0)
			return r;
		if (!(flags & COVE_MOUNT_PROC_RW)) {
			r = bind_ro(rootfd, "proc/sys", "net", err);
			if (r >= 0)
				r = bind_ro(rootfd, "proc/sysrq-trigger", NULL, err);
			if (r < 0)
				return r;
		}
	}
	if (flags & (COVE_MOUNT_SYS_MIXED | COVE_MOUNT_SYS_RO | COVE_MOUNT_SYS_RW)) {
		bool rw = flags & COVE_MOUNT_SYS_RW;

		r = mount_fs_at(rootfd, "sys", "sysfs", base | (rw ? 0 : MS_RDONLY), NULL, err);
		if (r == -EPERM)
			r = bind_host_sys(rootfd, err); /* a user ns in a netns it does not own */
		if (r < 0)
			return r;
		if (flags & COVE_MOUNT_SYS_MIXED) {
			/* Writable network devices of the container's own netns. */
			_cleanup_close_ int fd = -EBADF;

			r = root_open(rootfd, "sys/devices/virtual/net", O_PATH | O_DIRECTORY, &fd);
			if (r >= 0)
				r = mount_bind_fd(fd, NULL, true, fd,
						  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
						  MOUNT_ATTR_RDONLY);
			if (r < 0 && r != -ENOENT)
				log_debug("Failed to make '/sys/devices/virtual/net' writable: %s, ignoring",
					  strerror(-r));
		}
	}
	return 0;
}
