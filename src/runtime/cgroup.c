/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup layout discovery and the parts both backends share: which
 * hierarchies are mounted where (/proc/self/mountinfo), where PID 1 sits in
 * each (/proc/1/cgroup), the naming of the container's group and its
 * depth-first removal. See cgroup.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup.h"
#include "fileio.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("cgroup");

static char *mfree_str(char *p)
{
	free(p);
	return NULL;
}

/* Undo the octal escapes (\040) of mountinfo fields in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
			*w++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 3;
		} else
			*w++ = *s;
	}
	*w = 0;
}

/* Keep the controller names of a v1 super-options string ("rw,cpu,cpuacct" -> "cpu,cpuacct"). */
static char *controllers_of(const char *opts)
{
	static const char *const skip[] = { "rw", "ro", "clone_children", "noprefix", "xattr",
					    "cpuset_v2_mode", "favordynmods" };
	_cleanup_strv_free_ char **l = strv_split(opts, ",");
	_cleanup_strv_free_ char **keep = NULL;
	bool skipped;

	STRV_FOREACH(o, l) {
		skipped = startswith(*o, "release_agent=") != NULL;
		for (size_t i = 0; i < ELEMENTSOF(skip) && !skipped; i++)
			skipped = streq(*o, skip[i]);
		if (!skipped)
			strv_push_dup(&keep, *o);
	}
	return keep ? strv_join(keep, ",") : xstrdup("");
}

static bool hier_known(const struct cove_cgroup *cg, const char *controllers, bool v2)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].v2 == v2 && streq(cg->h[i].controllers, controllers))
			return true;
	return false;
}

static void add_hier(struct cove_cgroup *cg, const char *mnt, const char *opts, bool v2)
{
	_cleanup_free_ char *ctrl = v2 ? xstrdup("") : controllers_of(opts);
	struct cgroup_hier *h;

	if (hier_known(cg, ctrl, v2))
		return;
	cg->h = xrealloc(cg->h, sizeof(*cg->h) * (cg->n + 1));
	h = &cg->h[cg->n++];
	*h = (struct cgroup_hier){ .mountpoint = xstrdup(mnt), .controllers = TAKE_PTR(ctrl),
				   .v2 = v2 };
}

/* Parse one mountinfo line; add it when it is a cgroup mount of a hierarchy's root. */
static void parse_mountinfo_line(struct cove_cgroup *cg, char *line)
{
	char *f[16], *sep, *save = NULL;
	size_t n = 0;

	sep = strstr(line, " - ");
	if (!sep)
		return;
	*sep = 0;
	for (char *t = strtok_r(line, " ", &save); t && n < 6; t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	if (n < 5 || !streq(f[3], "/"))
		return;
	save = NULL;
	f[6] = strtok_r(sep + 3, " ", &save); /* fstype */
	f[7] = strtok_r(NULL, " ", &save);    /* source */
	f[8] = strtok_r(NULL, " \n", &save);  /* super options */
	if (!f[6] || !f[8])
		return;
	unescape(f[4]);
	if (streq(f[6], "cgroup2"))
		add_hier(cg, f[4], f[8], true);
	else if (streq(f[6], "cgroup"))
		add_hier(cg, f[4], f[8], false);
}

/* Where PID 1 (or, failing that, we) sits in each hierarchy: "ID:CONTROLLERS:PATH" lines. */
static int read_pid1_cgroups(char **ret)
{
	int r = read_full_file("/proc/1/cgroup", 1 << 16, ret, NULL);

	if (r < 0)
		r = read_full_file("/proc/self/cgroup", 1 << 16, ret, NULL);
	return r;
}

/* Split an "ID:CONTROLLERS:PATH" line in place; false if it is not one. */
static bool split_cgroup_line(char *l, char **ret_id, char **ret_ctrl, char **ret_path)
{
	char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	if (!c2)
		return false;
	*c1 = *c2 = 0;
	*ret_id = l;
	*ret_ctrl = c1 + 1;
	*ret_path = c2 + 1;
	return true;
}

static void set_bases(struct cove_cgroup *cg, const char *text)
{
	_cleanup_free_ char *buf = xstrdup(text);
	char *id, *ctrl, *path;

	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!split_cgroup_line(l, &id, &ctrl, &path))
			continue;
		for (size_t i = 0; i < cg->n; i++) {
			struct cgroup_hier *h = &cg->h[i];

			if (h->base)
				continue;
			if (h->v2 ? streq(id, "0") && isempty(ctrl) : streq(ctrl, h->controllers))
				h->base = xstrdup(path);
		}
	}
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->h[i].base)
			cg->h[i].base = xstrdup("/");
}

/* A cgroup file system of that version mounted at mp from its hierarchy's root (inode 1)? */
static bool hier_root_at(const char *mp, bool v2)
{
	struct statfs sf;
	struct stat st;

	return statfs(mp, &sf) == 0 &&
	       sf.f_type == (typeof(sf.f_type))(v2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC) &&
	       stat(mp, &st) == 0 && st.st_ino == 1;
}

/*
 * The usual layout without reading mountinfo, which costs ~0.15 ms here
 * (the kernel prints every mount): each hierarchy of PID 1's list at
 * /sys/fs/cgroup/CONTROLLERS ("name=" dropped), cgroup2 at
 * /sys/fs/cgroup/unified or /sys/fs/cgroup, each checked to be a cgroup
 * file system of that version mounted from its root. False (nothing kept)
 * when anything differs: mountinfo decides then.
 */
static bool layout_fast(struct cove_cgroup *cg, const char *text)
{
	_cleanup_strv_free_ char **lines = strv_split(text, "\n");
	bool v2 = false;
	char *id, *ctrl, *path;

	/* v1 in the order of their ids (the order they were mounted), cgroup2 last */
	for (size_t i = strv_length(lines); i > 0; i--) {
		_cleanup_free_ char *mp = NULL;

		if (isempty(lines[i - 1]))
			continue;
		if (!split_cgroup_line(lines[i - 1], &id, &ctrl, &path))
			goto slow;
		if (streq(id, "0")) {
			v2 = true;
			continue;
		}
		mp = path_join("/sys/fs/cgroup", startswith(ctrl, "name=") ?: ctrl);
		if (isempty(ctrl) || strchr(ctrl, '/') || !hier_root_at(mp, false))
			goto slow;
		add_hier(cg, mp, ctrl, false);
	}
	if (v2) {
		const char *mp = cg->n > 0 ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";

		if (!hier_root_at(mp, true))
			goto slow;
		add_hier(cg, mp, "", true);
	}
	return cg->n > 0;
slow:
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->h[i].mountpoint);
		free(cg->h[i].controllers);
	}
	free(cg->h);
	cg->h = NULL;
	cg->n = 0;
	return false;
}

static int test_layout; /* COVE_CGROUP_LAYOUT_* */

void cove_cgroup_test_layout(int how)
{
	test_layout = how;
}

int cove_cgroup_new(struct cove_cgroup **ret, struct cove_error *err)
{
	_cleanup_(cove_cgroup_freep) struct cove_cgroup *cg = xnew0(struct cove_cgroup, 1);
	_cleanup_free_ char *buf = NULL, *pid1 = NULL;
	bool any_v1 = false;
	int r;

	cg->into_fd = -EBADF;
	r = read_pid1_cgroups(&pid1);
	if (r < 0)
		return cove_err(err, r, "Failed to read the cgroups of PID 1: %s", strerror(-r));
	if (test_layout == COVE_CGROUP_LAYOUT_MOUNTINFO || !layout_fast(cg, pid1)) {
		if (test_layout == COVE_CGROUP_LAYOUT_FAST)
			return cove_err(err, -ENOENT, "Not the usual cgroup layout");
		r = read_full_file("/proc/self/mountinfo", 1 << 22, &buf, NULL);
		if (r < 0)
			return cove_err(err, r, "Failed to read '/proc/self/mountinfo': %s",
					strerror(-r));
		for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save))
			parse_mountinfo_line(cg, l);
	}
	if (cg->n == 0)
		return cove_err(err, -ENOENT, "Failed to find a mounted cgroup hierarchy");
	for (size_t i = 0; i < cg->n; i++)
		any_v1 |= !cg->h[i].v2;
	cg->ops = any_v1 ? &cgroup_v1_ops : &cgroup_v2_ops;
	set_bases(cg, pid1);
	*ret = TAKE_PTR(cg);
	return 0;
}

struct cove_cgroup *cove_cgroup_free(struct cove_cgroup *cg)
{
	if (!cg)
		return NULL;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->h[i].mountpoint);
		free(cg->h[i].controllers);
		free(cg->h[i].base);
	}
	free(cg->h);
	safe_close(cg->into_fd);
	free(cg->name);
	free(cg->path);
	free(cg);
	return NULL;
}

char *cgroup_hier_path(const struct cgroup_hier *h, const char *name)
{
	_cleanup_free_ char *b = path_join(h->mountpoint, h->base);

	return name ? path_join(b, name) : TAKE_PTR(b);
}

int cove_cgroup_reserve(struct cove_cgroup *cg, const char *ctname, struct cove_error *err)
{
	for (unsigned i = 0; i < 1000; i++) {
		int r;

		free(cg->name);
		cg->name = i == 0 ? xasprintf("cove.payload.%s", ctname)
				  : xasprintf("cove.payload.%s-%u", ctname, i);
		r = cg->ops->reserve(cg, err);
		if (r == -EEXIST)
			continue;
		if (r < 0) {
			cg->name = mfree_str(cg->name);
			return r;
		}
		free(cg->path);
		cg->path = streq(cg->h[0].base, "/") ? xasprintf("/%s", cg->name)
						     : path_join(cg->h[0].base, cg->name);
		for (size_t k = 0; k < cg->n && cg->into_fd < 0; k++)
			if (cg->h[k].v2 && cg->h[k].created) {
				_cleanup_free_ char *p = cgroup_hier_path(&cg->h[k], cg->name);

				cg->into_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			}
		return 0;
	}
	cg->name = mfree_str(cg->name);
	return cove_err(err, -EEXIST, "Failed to find a free cgroup name for '%s'", ctname);
}

int cove_cgroup_create_rest(struct cove_cgroup *cg, struct cove_error *err)
{
	int r = cg->ops->create(cg, err);

	if (r == -EEXIST) /* made by someone else since reserve() looked */
		return cove_err(err, r, "Failed to create cgroup '%s': it appeared meanwhile",
				cg->name);
	if (r < 0)
		return r;
	log_debug("Created cgroup '%s' (%s backend)", cg->name, cg->ops->name);
	return 0;
}

int cove_cgroup_create_next(struct cove_cgroup *cg, struct cove_error *err)
{
	int r = cg->ops->create_next ? cg->ops->create_next(cg, err) : 0;

	if (r == -EEXIST)
		return cove_err(err, r, "Failed to create cgroup '%s': it appeared meanwhile",
				cg->name);
	return r;
}

int cove_cgroup_create(struct cove_cgroup *cg, const char *ctname, struct cove_error *err)
{
	int r = cove_cgroup_reserve(cg, ctname, err);

	return r < 0 ? r : cove_cgroup_create_rest(cg, err);
}

int cove_cgroup_attach(struct cove_cgroup *cg, pid_t pid, struct cove_error *err)
{
	return cg->ops->attach(cg, pid, err);
}

int cove_cgroup_mount(struct cove_cgroup *cg, int dfd, unsigned mount_auto, struct cove_error *err)
{
	return cg->ops->mount(cg, dfd, mount_auto, err);
}

int cove_cgroup_destroy(struct cove_cgroup *cg, struct cove_error *err)
{
	if (!cg || !cg->name)
		return 0;
	cg->into_fd = safe_close(cg->into_fd);
	return cg->ops->destroy(cg, err);
}

int cove_cgroup_open_enter_fds(struct cove_cgroup *cg, int **ret_fds, size_t *ret_n,
			       struct cove_error *err)
{
	int *fds = xnew0(int, cg->n + 1);
	size_t n = 0;

	for (size_t i = 0; i < cg->n; i++) {
		const struct cgroup_hier *h = &cg->h[i];
		_cleanup_free_ char *d = NULL, *p = NULL;

		if (h->v2 && cg->cloned_into)
			continue;
		d = cgroup_hier_path(h, cg->name);
		p = path_join(d, h->v2 ? "cgroup.procs" : "tasks");
		fds[n] = open(p, O_WRONLY | O_CLOEXEC);
		if (fds[n] < 0) {
			int r = -errno;

			while (n > 0)
				safe_close(fds[--n]);
			free(fds);
			return cove_err(err, r, "Failed to open '%s': %s", p, strerror(-r));
		}
		n++;
	}
	*ret_fds = fds;
	*ret_n = n;
	return 0;
}

int cove_cgroup_enter(const int *fds, size_t n, struct cove_error *err)
{
	for (size_t i = 0; i < n; i++)
		if (write(fds[i], "0", 1) != 1)
			return cove_err(err, -errno, "Failed to enter the container's cgroup: %m");
	return 0;
}

static int rmdir_children(int dfd)
{
	_cleanup_closedir_ DIR *d = NULL;
	int fd, r = 0;

	fd = dup(dfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return -errno;
	}
	for (struct dirent *de; (de = readdir(d));) {
		_cleanup_close_ int sub = -EBADF;

		if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub >= 0) {
			int q = rmdir_children(sub);

			if (q < 0 && r == 0)
				r = q;
		}
		if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
			r = -errno;
	}
	return r;
}

int cgroup_rmdir_tree(const char *path)
{
	/* The kernel may still be releasing the last tasks of the pid namespace. */
	struct timespec ts = { 0, 200 * 1000 };
	int r = 0;

	for (int attempt = 0; attempt < 60; attempt++) {
		_cleanup_close_ int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

		if (dfd < 0)
			return errno == ENOENT ? 0 : -errno;
		r = rmdir_children(dfd);
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		r = -errno;
		if (r != -EBUSY)
			return r;
		(void)nanosleep(&ts, NULL);
		if (ts.tv_nsec < 50 * 1000 * 1000)
			ts.tv_nsec *= 2;
	}
	return r;
}
