/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "local" template, after LXC's lxc-local: the rootfs comes from
 * --fstree (a tarball, or a directory copied with cp -a) and the optional
 * --metadata tarball carries the image's config (appended before the
 * container's own lines, with LXC_NAME, LXC_PATH, LXC_ROOTFS,
 * LXC_TEMPLATE_CONFIG and LXC_HOOK_DIR replaced), excludes, fstab,
 * templates (rootfs files to substitute) and create-message.
 *
 * Extraction goes to a temporary directory inside LXCPATH/NAME which is
 * renamed onto the (empty) rootfs only once everything worked.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"
#include "tar-extract.h"
#include "template-local.h"

LOG_MODULE("template");

#define LXC_TEMPLATE_CONFIG_DIR "/usr/share/lxc/config"
#define LXC_HOOK_DIR "/usr/share/lxc/hooks"
#define META_FILE_MAX (1u << 20)

struct local_opts {
	const char *fstree;
	const char *metadata;
	bool no_dev;
};

void template_result_done(struct template_result *res)
{
	free(res->config_before);
	free(res->config_after);
	free(res->message);
	*res = (struct template_result){};
}

static void rm_rf_tmp(char **p)
{
	if (*p) {
		(void)rm_rf(*p);
		free(*p);
		*p = NULL;
	}
}

static int parse_args(char *const *args, struct local_opts *o, struct cove_error *err)
{
	static const char *const ignored[] = { "--name", "--path", "--rootfs", "--mapped-uid",
					       "--mapped-gid" };

	for (size_t i = 0; args && args[i]; i++) {
		const char *a = args[i], *v = NULL, **dst = NULL;
		bool skip = false;

		if (streq(a, "--no-dev")) {
			o->no_dev = true;
			continue;
		}
		if (streq(a, "-f") || streq(a, "--fstree") || (v = startswith(a, "--fstree=")))
			dst = &o->fstree;
		else if (streq(a, "-m") || streq(a, "--metadata") || (v = startswith(a, "--metadata=")))
			dst = &o->metadata;
		for (size_t j = 0; !dst && j < ELEMENTSOF(ignored); j++) {
			size_t n = strlen(ignored[j]);

			if (strncmp(a, ignored[j], n) == 0 && (a[n] == 0 || a[n] == '=')) {
				skip = true;
				v = a[n] ? a + n + 1 : NULL;
			}
		}
		if (!dst && !skip)
			return cove_err(err, -EINVAL,
					"Template local: unknown option '%s' (accepted: --fstree PATH, --metadata PATH, --no-dev)",
					a);
		if (!v) {
			if (!args[i + 1])
				return cove_err(err, -EINVAL, "Template local: option '%s' needs a value",
						a);
			v = args[++i];
		}
		if (dst)
			*dst = v;
	}
	if (isempty(o->fstree))
		return cove_err(err, -EINVAL,
				"Template local: --fstree ROOTFS.tar[.gz|.xz|.zst] (or a directory) is required");
	return 0;
}

static char *replace_all(const char *s, const char *from, const char *to)
{
	size_t nf = strlen(from), nt = strlen(to), count = 0;
	const char *p;
	char *out, *o;

	for (p = s; (p = strstr(p, from)); p += nf)
		count++;
	out = o = xmalloc(strlen(s) + count * nt + 1);
	for (p = s;;) {
		const char *hit = strstr(p, from);

		if (!hit) {
			strcpy(o, p);
			break;
		}
		memcpy(o, p, (size_t)(hit - p));
		o += hit - p;
		memcpy(o, to, nt);
		o += nt;
		p = hit + nf;
	}
	return out;
}

static char *substitute(const struct cove_template_ctx *ctx, const char *text)
{
	const char *vars[][2] = {
		{ "LXC_NAME", ctx->name },
		{ "LXC_PATH", ctx->path },
		{ "LXC_ROOTFS", ctx->rootfs },
		{ "LXC_TEMPLATE_CONFIG", LXC_TEMPLATE_CONFIG_DIR },
		{ "LXC_HOOK_DIR", LXC_HOOK_DIR },
	};
	char *s = xstrdup(text);

	for (size_t i = ELEMENTSOF(vars); i > 0; i--) {
		char *n = replace_all(s, vars[i - 1][0], vars[i - 1][1]);

		free(s);
		s = n;
	}
	return s;
}

/* LXC's relevant_file(): prefer NAME-system, then its ".5" compat-level variant. */
static char *meta_file(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name), *q;

	q = xasprintf("%s-system", p);
	if (access(q, F_OK) == 0) {
		free(p);
		p = q;
	} else {
		free(q);
	}
	q = xasprintf("%s.5", p);
	if (access(q, F_OK) == 0) {
		free(p);
		return q;
	}
	free(q);
	return p;
}

/* Read an optional metadata file: 0 and *ret = NULL when it is missing. */
static int read_meta(const char *dir, const char *name, char **ret, struct cove_error *err)
{
	_cleanup_free_ char *p = meta_file(dir, name);
	struct stat st;
	int r;

	*ret = NULL;
	if (lstat(p, &st) < 0)
		return 0;
	if (!S_ISREG(st.st_mode))
		return cove_err(err, -EINVAL, "Metadata file '%s' is not a regular file", name);
	r = read_full_file(p, META_FILE_MAX, ret, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to read metadata file '%s': %s", name, strerror(-r));
	return 0;
}

/* The image config, with LXC's variables resolved. */
static int meta_config(const struct cove_template_ctx *ctx, const char *text, char **ret,
		       struct cove_error *err)
{
	_cleanup_strv_free_ char **lines = strv_split(text, "\n");
	unsigned n = 0;

	STRV_FOREACH(l, lines) {
		n++;
		if (strstr(*l, "LXC_TEMPLATE_CONFIG") && access(LXC_TEMPLATE_CONFIG_DIR, F_OK) < 0)
			return cove_err(err, -ENOENT,
					"Metadata config line %u '%s' needs LXC's '%s', which does not exist (install lxc-common)",
					n, *l, LXC_TEMPLATE_CONFIG_DIR);
		if (strstr(*l, "LXC_HOOK_DIR") && access(LXC_HOOK_DIR, F_OK) < 0)
			return cove_err(err, -ENOENT,
					"Metadata config line %u '%s' needs LXC's '%s', which does not exist (install lxc-common)",
					n, *l, LXC_HOOK_DIR);
	}
	*ret = substitute(ctx, text);
	return 0;
}

struct meta {
	char *config, *fstab, *message;
	char **excludes, **templates;
};

static void meta_done(struct meta *m)
{
	free(m->config);
	free(m->fstab);
	free(m->message);
	strv_free(m->excludes);
	strv_free(m->templates);
}

static int load_metadata(const struct cove_template_ctx *ctx, const char *tarball, struct meta *m,
			 struct cove_error *err)
{
	_cleanup_(rm_rf_tmp) char *tmp = xasprintf("%s/.meta.XXXXXX", ctx->path);
	_cleanup_free_ char *config = NULL, *excludes = NULL, *templates = NULL;
	int r;

	if (!mkdtemp(tmp)) {
		free(TAKE_PTR(tmp));
		return cove_err(err, -errno, "Failed to create a temporary directory: %m");
	}
	r = tar_extract(tarball, tmp, NULL, err);
	if (r < 0)
		return cove_err_prefix(err, "Invalid metadata tarball '%s'", tarball);
	r = read_meta(tmp, "config", &config, err);
	if (r < 0)
		return r;
	if (!config)
		return cove_err(err, -EINVAL, "Metadata tarball '%s' has no 'config' file", tarball);
	r = meta_config(ctx, config, &m->config, err);
	if (r < 0)
		return r;
	if ((r = read_meta(tmp, "excludes", &excludes, err)) < 0 ||
	    (r = read_meta(tmp, "templates", &templates, err)) < 0 ||
	    (r = read_meta(tmp, "fstab", &m->fstab, err)) < 0 ||
	    (r = read_meta(tmp, "create-message", &m->message, err)) < 0)
		return r;
	if (excludes)
		m->excludes = strv_split(excludes, "\n");
	if (templates)
		m->templates = strv_split(templates, "\n");
	return 0;
}

static int copy_tree(const char *src, const char *dst, struct cove_error *err)
{
	_cleanup_free_ char *from = xasprintf("%s/.", src);
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return cove_err(err, -errno, "Failed to fork: %m");
	if (pid == 0) {
		execlp("cp", "cp", "-a", "--reflink=auto", "--one-file-system", "--", from, dst,
		       (char *)NULL);
		_exit(127);
	}
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0)
		return cove_err(err, -errno, "Failed to wait for cp: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cove_err(err, -EIO, "Failed to copy '%s' into the rootfs (cp -a failed)", src);
	return 0;
}

static int unlink_dev_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		(void)unlink(path);
	return 0;
}

/* --no-dev for a directory source: drop the device nodes cp copied. */
static int drop_devices(const char *dir, struct cove_error *err)
{
	if (nftw(dir, unlink_dev_cb, 64, FTW_PHYS | FTW_MOUNT) < 0)
		return cove_err(err, -errno, "Failed to remove device nodes from '%s': %m", dir);
	return 0;
}

/* Substitute the variables in one rootfs file, never leaving the rootfs while resolving it. */
static int template_file(const struct cove_template_ctx *ctx, int rootfd, const char *rel,
			 struct cove_error *err)
{
	struct open_how how = { .flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	_cleanup_free_ char *text = NULL, *out = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	while (*rel == '/')
		rel++;
	if (isempty(rel))
		return 0;
	fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP ? 0 : cove_err(err, -errno,
			"Failed to open template file '%s' in the rootfs: %m", rel);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	r = read_full_fd(fd, META_FILE_MAX, &text, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to read template file '%s': %s", rel, strerror(-r));
	out = substitute(ctx, text);
	if (streq(out, text))
		return 0;
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return cove_err(err, -errno, "Failed to rewrite template file '%s': %m", rel);
	r = loop_write(fd, out, strlen(out));
	if (r < 0)
		return cove_err(err, r, "Failed to rewrite template file '%s': %s", rel, strerror(-r));
	return 0;
}

static int fill_rootfs(const struct cove_template_ctx *ctx, const struct local_opts *o,
		       const struct meta *m, struct cove_error *err)
{
	_cleanup_(rm_rf_tmp) char *tmp = xasprintf("%s/.rootfs.XXXXXX", ctx->path);
	struct tar_extract_opts xo = { .no_dev = o->no_dev, .excludes = m->excludes };
	struct stat st;
	int r;

	if (stat(o->fstree, &st) < 0)
		return cove_err(err, -errno, "Failed to open fstree '%s': %m", o->fstree);
	if (!mkdtemp(tmp)) {
		free(TAKE_PTR(tmp));
		return cove_err(err, -errno, "Failed to create a temporary directory: %m");
	}
	if (chmod(tmp, 0755) < 0)
		return cove_err(err, -errno, "Failed to chmod '%s': %m", tmp);
	if (S_ISDIR(st.st_mode)) {
		r = copy_tree(o->fstree, tmp, err);
		if (r >= 0 && o->no_dev)
			r = drop_devices(tmp, err);
	} else
		r = tar_extract(o->fstree, tmp, &xo, err);
	if (r < 0)
		return r;
	/* rename onto the empty rootfs directory: it appears complete or not at all */
	if (rename(tmp, ctx->rootfs) < 0)
		return cove_err(err, -errno, "Failed to move the rootfs into place: %m");
	free(TAKE_PTR(tmp));
	return 0;
}

int template_local(const struct cove_template_ctx *ctx, struct template_result *res,
		   struct cove_error *err)
{
	_cleanup_(meta_done) struct meta m = {};
	_cleanup_close_ int rootfd = -EBADF;
	struct local_opts o = {};
	int r;

	r = parse_args(ctx->args, &o, err);
	if (r < 0)
		return r;
	if (o.metadata) {
		r = load_metadata(ctx, o.metadata, &m, err);
		if (r < 0)
			return r;
	}
	r = fill_rootfs(ctx, &o, &m, err);
	if (r < 0)
		return r;
	rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0)
		return cove_err(err, -errno, "Failed to open rootfs '%s': %m", ctx->rootfs);
	/* lxc-local makes sure /dev/pts exists; mkdir stays inside (no symlink followed at the end) */
	(void)mkdirat(rootfd, "dev", 0755);
	(void)mkdirat(rootfd, "dev/pts", 0755);
	STRV_FOREACH(t, m.templates) {
		r = template_file(ctx, rootfd, *t, err);
		if (r < 0)
			return r;
	}
	if (m.fstab) {
		_cleanup_free_ char *fstab = path_join(ctx->path, "fstab");
		_cleanup_free_ char *text = substitute(ctx, m.fstab);

		r = write_file_atomic(fstab, text, strlen(text), 0644);
		if (r < 0)
			return cove_err(err, r, "Failed to write '%s': %s", fstab, strerror(-r));
		res->config_after = xasprintf("lxc.mount.fstab = %s\n", fstab);
	}
	if (m.config)
		res->config_before = xasprintf("# Distribution configuration\n%s%s", m.config,
					       endswith(m.config, "\n") ? "" : "\n");
	res->message = TAKE_PTR(m.message);
	return 0;
}
