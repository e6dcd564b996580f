/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cloning containers for cove-copy and cove-snapshot (see clone.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "clone.h"
#include "fileio.h"
#include "log.h"
#include "strutil.h"

LOG_MODULE("clone");

#define CONFIG_MAX   (1u << 20)
#define ETC_FILE_MAX (1u << 20)

int clone_state(const struct cove_container *ct, struct cove_error *err)
{
	struct cove_status st;
	int r = cove_container_status(ct, &st, NULL, err);

	return r < 0 ? r : st.state;
}

/* Full copy of an overlay rootfs: mount it in a private mount namespace and copy the merged view.
 */
static int copy_merged(const struct cove_rootfs_spec *src, const char *dst, struct cove_error *err)
{
	_cleanup_free_ char *from = xasprintf("%s/.", src->path);
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return cove_err(err, -errno, "Failed to fork: %m");
	if (pid == 0) {
		struct cove_error e = {};

		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
			fprintf(stderr, "Failed to make a mount namespace: %m\n");
			_exit(1);
		}
		if (cove_overlay_mount(src, &e) < 0) {
			fprintf(stderr, "%s\n", e.msg);
			_exit(1);
		}
		execlp("cp", "cp", "-a", "--reflink=auto", "--", from, dst, (char *)NULL);
		_exit(127);
	}
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0)
		return cove_err(err, -errno, "Failed to wait for the copy: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cove_err(err, -EIO, "Failed to copy the overlay rootfs '%s'", src->path);
	return 0;
}

static int clone_overlay(const struct cove_rootfs_spec *src, const char *dst_dir,
			 struct cove_rootfs_spec *ret, struct cove_error *err)
{
	_cleanup_free_ char *ov = path_join(dst_dir, "overlay");
	const char *lower = src->kind == COVE_STORAGE_OVERLAY ? src->lower : src->path;
	int r;

	cove_overlay_spec_for(lower, dst_dir, ret);
	if (mkdir(ov, 0755) < 0 || mkdir(ret->work, 0700) < 0)
		return cove_err(err, -errno, "Failed to create '%s': %m", ov);
	if (mkdir(ret->path, 0755) < 0)
		return cove_err(err, -errno, "Failed to create '%s': %m", ret->path);
	if (src->kind == COVE_STORAGE_OVERLAY) {
		/* a clone of a clone: same lower, a copy of the upper */
		r = cove_storage_dir_ops.copy(src->upper, ret->upper, err);
		return r;
	}
	if (mkdir(ret->upper, 0755) < 0)
		return cove_err(err, -errno, "Failed to create '%s': %m", ret->upper);
	return 0;
}

int clone_rootfs(const struct cove_rootfs_spec *src, const char *dst_dir, const char *name,
		 const struct clone_opts *o, struct cove_rootfs_spec *ret, struct cove_error *err)
{
	_cleanup_free_ char *path = path_join(dst_dir, name);
	const struct cove_storage_ops *ops;
	int kind = o->kind;
	int r;

	*ret = (struct cove_rootfs_spec){};
	if (o->cow) {
		if (src->kind != COVE_STORAGE_OVERLAY && cove_storage_is_subvolume(src->path) &&
		    cove_storage_on_btrfs(dst_dir)) {
			r = cove_btrfs_snapshot(src->path, path, err);
			if (r < 0)
				return r;
			ret->kind = COVE_STORAGE_BTRFS;
			ret->path = TAKE_PTR(path);
			return 0;
		}
		return clone_overlay(src, dst_dir, ret, err);
	}
	if (kind < 0)
		kind = src->kind == COVE_STORAGE_OVERLAY ? COVE_STORAGE_DIR : (int)src->kind;
	if (kind == COVE_STORAGE_BTRFS && !cove_storage_on_btrfs(dst_dir))
		return cove_err(err, -EOPNOTSUPP,
				"Backing store 'btrfs' needs '%s' on a btrfs filesystem", dst_dir);
	ops = cove_storage_ops((enum cove_storage_kind)kind);
	if (!ops)
		return cove_err(err, -EOPNOTSUPP, "A full copy cannot use backing store '%s'",
				cove_storage_kind_to_string((enum cove_storage_kind)kind));
	if (src->kind == COVE_STORAGE_OVERLAY) {
		r = ops->create(path, err);
		if (r >= 0)
			r = copy_merged(src, path, err);
	} else {
		r = ops->copy(src->path, path, err);
	}
	if (r < 0)
		return r;
	ret->kind = (enum cove_storage_kind)kind;
	ret->path = TAKE_PTR(path);
	return 0;
}

/* "KEY = VALUE" → KEY (new string) and a pointer to VALUE; NULL for comments and blanks. */
static char *line_key(const char *line, const char **ret_value)
{
	const char *p = line + strspn(line, " \t"), *eq;
	size_t n;

	if (*p == '#' || *p == 0 || !(eq = strchr(p, '=')))
		return NULL;
	n = (size_t)(eq - p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	*ret_value = eq + 1 + strspn(eq + 1, " \t");
	return xstrndup(p, n);
}

static bool is_hwaddr_key(const char *key)
{
	const char *p = startswith(key, "lxc.net.");

	if (!p)
		return false;
	p += strspn(p, "0123456789");
	return streq(p, ".hwaddr");
}

static char *random_mac(void)
{
	unsigned char b[3] = {};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		(void)loop_read(fd, b, sizeof(b));
		close(fd);
	}
	return xasprintf("00:16:3e:%02x:%02x:%02x", b[0], b[1], b[2]);
}

static char *replace_prefix(const char *value, const char *from, const char *to)
{
	_cleanup_free_ char *pat = xasprintf("%s/", from);
	const char *hit = strstr(value, pat);

	if (!hit)
		return xstrdup(value);
	return xasprintf("%.*s%s/%s", (int)(hit - value), value, to, hit + strlen(pat));
}

static void append(char **buf, const char *s)
{
	char *n = xasprintf("%s%s", *buf, s);

	free(*buf);
	*buf = n;
}

char *clone_config(const char *text, const char *src_dir, const char *dst_dir,
		   const struct cove_rootfs_spec *rootfs, const struct clone_opts *o)
{
	_cleanup_free_ char *out = xstrdup(""), *rp = cove_rootfs_spec_format(rootfs);
	bool have_uts = false;

	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n'), *value = NULL;
		_cleanup_free_ char *line = nl ? xstrndup(l, (size_t)(nl - l)) : xstrdup(l);
		_cleanup_free_ char *key = line_key(line, &value), *nv = NULL;

		l = nl ? nl + 1 : NULL;
		if (!key) {
			append(&out, line);
		} else if (streq(key, "lxc.rootfs.path") || streq(key, "lxc.rootfs")) {
			nv = xasprintf("lxc.rootfs.path = %s", rp);
			append(&out, nv);
		} else if (streq(key, "lxc.uts.name") && o->utsname) {
			nv = xasprintf("lxc.uts.name = %s", o->utsname);
			append(&out, nv);
			have_uts = true;
		} else if (is_hwaddr_key(key) && o->new_mac && !strchr(value, 'x') &&
			   !strchr(value, 'X')) {
			_cleanup_free_ char *mac = random_mac();

			nv = xasprintf("%s = %s", key, mac);
			append(&out, nv);
		} else {
			_cleanup_free_ char *v = replace_prefix(value, src_dir, dst_dir);

			nv = xasprintf("%s = %s", key, v);
			append(&out, streq(v, value) ? line : nv);
		}
		append(&out, "\n");
	}
	if (o->extra_config)
		append(&out, o->extra_config);
	if (o->utsname && !have_uts) {
		_cleanup_free_ char *u = xasprintf("lxc.uts.name = %s\n", o->utsname);

		append(&out, u);
	}
	return TAKE_PTR(out);
}

/* Open path inside root, never leaving it (symlinks are resolved as if root were /). */
static int open_in_root(int rootfd, const char *path, int flags)
{
	/* openat2 refuses a mode without O_CREAT */
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
			       .mode = (flags & O_CREAT) ? 0644 : 0,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

static int read_in_root(int rootfd, const char *path, char **ret)
{
	_cleanup_close_ int fd = open_in_root(rootfd, path, O_RDONLY);

	if (fd < 0)
		return fd;
	return read_full_fd(fd, ETC_FILE_MAX, ret, NULL);
}

static int write_in_root(int rootfd, const char *path, const char *text)
{
	_cleanup_close_ int fd =
	    open_in_root(rootfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW);

	if (fd < 0)
		return fd;
	return loop_write(fd, text, strlen(text));
}

/* Replace the word old by new in text (whole words: not inside longer names). */
static char *replace_word(const char *text, const char *old, const char *new)
{
	_cleanup_free_ char *out = xstrdup("");
	size_t n = strlen(old);
	const char *p = text, *hit;

	while ((hit = strstr(p, old))) {
		bool start = hit == text || strchr(" \t\n.", hit[-1]);
		bool end = strchr(" \t\n.", hit[n]) != NULL;
		_cleanup_free_ char *chunk =
		    xasprintf("%.*s%s", (int)(hit - p), p, start && end ? new : old);

		append(&out, chunk);
		p = hit + n;
	}
	append(&out, p);
	return TAKE_PTR(out);
}

int clone_set_hostname(const struct cove_rootfs_spec *rootfs, const char *old_name,
		       const char *new_name, struct cove_error *err)
{
	/* in an overlay the changes go to the upper directory (they hide the lower files) */
	const char *root = rootfs->kind == COVE_STORAGE_OVERLAY ? rootfs->upper : rootfs->path;
	const char *lower = rootfs->kind == COVE_STORAGE_OVERLAY ? rootfs->lower : NULL;
	_cleanup_close_ int rootfd = -EBADF, lowerfd = -EBADF;
	static const char *const files[] = {"etc/hostname", "etc/hosts"};

	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cove_err(err, -errno, "Failed to open '%s': %m", root);
	if (lower)
		lowerfd = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		_cleanup_free_ char *text = NULL, *nt = NULL;
		int r = read_in_root(rootfd, files[i], &text);

		if (r < 0 && lowerfd >= 0)
			r = read_in_root(lowerfd, files[i], &text);
		if (r < 0)
			continue; /* no such file in this rootfs: nothing to change */
		nt = replace_word(text, old_name, new_name);
		if (streq(nt, text))
			continue;
		if (lower)
			(void)mkdirat(rootfd, "etc", 0755);
		r = write_in_root(rootfd, files[i], nt);
		if (r < 0)
			return cove_err(err, r, "Failed to write '%s' in '%s': %s", files[i], root,
					strerror(-r));
	}
	return 0;
}

/* Copy the regular files of the container directory (fstab ...) except the config. */
static int copy_dir_files(const char *src_dir, const char *dst_dir, struct cove_error *err)
{
	_cleanup_closedir_ DIR *d = opendir(src_dir);

	if (!d)
		return cove_err(err, -errno, "Failed to open '%s': %m", src_dir);
	for (struct dirent *de; (de = readdir(d));) {
		_cleanup_free_ char *from = NULL, *to = NULL, *data = NULL;
		size_t len;
		struct stat st;
		int r;

		if (de->d_name[0] == '.' || streq(de->d_name, "config") ||
		    streq(de->d_name, COVE_CLONES_FILE) || endswith(de->d_name, ".log"))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		from = path_join(src_dir, de->d_name);
		to = path_join(dst_dir, de->d_name);
		r = read_full_file(from, CONFIG_MAX, &data, &len);
		if (r >= 0)
			r = write_file_atomic(to, data, len, st.st_mode & 0777);
		if (r < 0)
			return cove_err(err, r, "Failed to copy '%s': %s", from, strerror(-r));
	}
	return 0;
}

static int make_dst_dir(const struct cove_container *dst, struct cove_error *err)
{
	int r = mkdir_p(dst->lxcpath, 0755);

	if (r < 0)
		return cove_err(err, r, "Failed to create '%s': %s", dst->lxcpath, strerror(-r));
	if (mkdir(dst->dir, 0770) < 0) {
		if (errno == EEXIST)
			return cove_err(err, -EEXIST, "Container '%s' already exists in '%s'",
					dst->name, dst->lxcpath);
		return cove_err(err, -errno, "Failed to create '%s': %m", dst->dir);
	}
	return 0;
}

int clone_container(struct cove_container *src, const struct cove_container *dst,
		    const struct clone_opts *o, struct cove_error *err)
{
	_cleanup_(cove_rootfs_spec_done) struct cove_rootfs_spec sspec = {}, dspec = {};
	_cleanup_free_ char *text = NULL, *ntext = NULL;
	const char *old_uts;
	int r;

	r = cove_container_load_conf(src, err);
	if (r < 0)
		return r;
	r = read_full_file(src->config_path, CONFIG_MAX, &text, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to read '%s': %s", src->config_path, strerror(-r));
	r = cove_rootfs_spec_parse(src->conf->rootfs_path, &sspec, err);
	if (r < 0)
		return r;
	if (access(dst->config_path, F_OK) == 0)
		return cove_err(err, -EEXIST, "Container '%s' already exists in '%s'", dst->name,
				dst->lxcpath);
	r = make_dst_dir(dst, err);
	if (r < 0)
		return r;
	old_uts = !isempty(src->conf->utsname) ? src->conf->utsname : src->name;
	r = clone_rootfs(&sspec, dst->dir, "rootfs", o, &dspec, err);
	if (r >= 0 && o->utsname && !streq(old_uts, o->utsname))
		r = clone_set_hostname(&dspec, old_uts, o->utsname, err);
	if (r >= 0)
		r = copy_dir_files(src->dir, dst->dir, err);
	if (r >= 0) {
		ntext = clone_config(text, src->dir, dst->dir, &dspec, o);
		/* the commit point: the config makes it a container */
		r = write_file_atomic(dst->config_path, ntext, strlen(ntext), 0640);
		if (r < 0)
			cove_err(err, r, "Failed to write '%s': %s", dst->config_path,
				 strerror(-r));
	}
	if (r < 0) {
		(void)cove_storage_rm_tree(dst->dir);
		return r;
	}
	if (dspec.kind == COVE_STORAGE_OVERLAY) {
		/* the clone lives on the lower's container: its cove-destroy must know */
		_cleanup_free_ char *owner = xstrdup(dspec.lower);
		char *slash = strrchr(owner, '/');
		int q;

		if (slash && slash != owner)
			*slash = 0;
		q = cove_storage_add_dependent(owner, dst->lxcpath, dst->name);
		if (q < 0)
			log_debug("Failed to record clone '%s' in '%s': %s, ignoring", dst->name,
				  owner, strerror(-q));
	}
	return 0;
}
