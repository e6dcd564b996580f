/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-create: make a container (lxc-create). LXCPATH/NAME/ gets a
 * rootfs/ filled by a template and a config made of the -f file (or
 * /etc/cove/default.conf), lxc.rootfs.path and lxc.uts.name, and the
 * template's lines.
 *
 * Bad input leaves nothing on disk: everything is checked before the
 * container directory is made, the directory is created exclusively (so
 * a concurrent create of the same name fails), the config - which is
 * what makes a container exist for the other tools - is written last and
 * atomically, and any failure or interruption removes the directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "cove/template.h"
#include "fileio.h"
#include "mounts-under.h"
#include "strutil.h"
#include "strv.h"
#include "storage.h"
#include "template-download.h"
#include "template-local.h"
#include "tool-common.h"

LOG_MODULE("create");

#define DEFAULT_CONFIG "/etc/cove/default.conf"
#define CONFIG_MAX (1u << 20)

static const char usage[] =
	"cove-create -n NAME [-t TEMPLATE] [-P LXCPATH] [-f CONFIG] [-B dir|btrfs] [-- TEMPLATE-OPTIONS]";

enum template_kind { TEMPLATE_NONE, TEMPLATE_BUSYBOX, TEMPLATE_LOCAL, TEMPLATE_SCRIPT, TEMPLATE_DOWNLOAD };

static const char *arg_template;
static const char *arg_config;
static const char *arg_bdev;
static bool arg_quiet;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/*
 * The build tree's copy of the template scripts: BUILD/templates, when this
 * program is BUILD/src/tools/cove-create (BUILD/build.ninja exists), so that
 * cove-create -t debian works from the build tree without installing.
 */
static char *build_tree_templates(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 64);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = 0;
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	strcpy(slash, "/../../build.ninja");
	if (access(buf, F_OK) < 0)
		return NULL;
	strcpy(slash, "/../../templates");
	return realpath(buf, NULL);
}

/* Find the executable of an external template: a path, or cove-X in the template dirs. */
static int find_template(const char *t, char **ret, struct cove_error *err)
{
	_cleanup_free_ char *build = build_tree_templates();
	const char *dirs[] = { getenv("COVE_TEMPLATES_DIR"), build, COVE_DATADIR "/templates" };

	if (strchr(t, '/')) {
		if (access(t, X_OK) < 0)
			return cove_err(err, -errno, "Template '%s' is not an executable file: %m", t);
		*ret = xstrdup(t);
		return 0;
	}
	if (string_has_cc(t) || streq(t, "..") || streq(t, "."))
		return cove_err(err, -EINVAL, "Invalid template name '%s'", t);
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		_cleanup_free_ char *p = NULL;
		struct stat st;

		if (isempty(dirs[i]))
			continue;
		p = xasprintf("%s/cove-%s", dirs[i], t);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0) {
			*ret = TAKE_PTR(p);
			return 0;
		}
	}
	return cove_err(err, -ENOENT,
			"Unknown template '%s' (built in: busybox, local, none; no executable cove-%s in '%s')",
			t, t, COVE_DATADIR "/templates");
}

static bool line_has_key(const char *line, const char *key)
{
	const char *p = line + strspn(line, " \t");

	p = startswith(p, key);
	return p && (*p == ' ' || *p == '\t' || *p == '=');
}

/*
 * The base config: the -f file, else /etc/cove/default.conf when it exists.
 * Checked with the parser first (so a malformed file fails before anything is
 * made); its lxc.rootfs.path lines are dropped (ours replaces them).
 */
static int load_base_config(char **ret_text, bool *ret_utsname, bool *ret_unpriv,
			    struct cove_error *err)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	_cleanup_strv_free_ char **lines = NULL, **kept = NULL;
	_cleanup_free_ char *text = NULL;
	const char *path = arg_config;
	int r;

	*ret_text = xstrdup("");
	*ret_utsname = *ret_unpriv = false;
	if (!path) {
		if (access(DEFAULT_CONFIG, F_OK) < 0)
			return 0;
		path = DEFAULT_CONFIG;
	}
	r = read_full_file(path, CONFIG_MAX, &text, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to read config file '%s': %s", path, strerror(-r));
	r = cove_conf_load(c, path, err);
	if (r < 0)
		return r;
	r = cove_conf_check(c, err);
	if (r < 0)
		return cove_err_prefix(err, "%s", path);
	*ret_utsname = !isempty(c->utsname);
	*ret_unpriv = cove_conf_is_unprivileged(c);
	lines = strv_split(text, "\n");
	STRV_FOREACH(l, lines)
		if (!line_has_key(*l, "lxc.rootfs.path"))
			strv_push_dup(&kept, *l);
	free(*ret_text);
	*ret_text = kept ? xasprintf("%s\n", strv_join(kept, "\n")) : xstrdup("");
	return 0;
}

static char *join_args(char *const *args)
{
	_cleanup_free_ char *s = xstrdup("");

	for (size_t i = 0; args && args[i]; i++) {
		char *n = xasprintf("%s%s%s", s, i ? " " : "", args[i]);

		free(s);
		s = n;
	}
	return TAKE_PTR(s);
}

/* Run an LXC-style template script: --path= --rootfs= --name= then the user's options. */
static int run_script(const char *script, const struct cove_template_ctx *ctx,
		      const char *config_path, struct cove_error *err)
{
	return template_exec(script, ctx, config_path, NULL, NULL, err);
}

struct create {
	struct cove_container *ct;
	enum template_kind kind;
	char *script;	 /* owned: external template */
	char **args;	 /* borrowed: template options */
	char *base;	 /* owned: base config text */
	bool base_utsname, unpriv;
	bool dir_made;	 /* ct->dir is ours to remove on failure */
	bool lxcpath_made; /* so was the lxcpath (when it is still empty) */
};

static char *config_header(const struct create *cr)
{
	_cleanup_free_ char *args = join_args(cr->args);
	const char *t = cr->kind == TEMPLATE_NONE ? "none" : cr->script ? cr->script : arg_template;

	return xasprintf("# Container '%s', created by cove-create with template '%s'\n"
			 "%s%s%s"
			 "# The keys are LXC's: see lxc.container.conf(5)\n\n",
			 cr->ct->name, t, isempty(args) ? "" : "# Template options: ",
			 isempty(args) ? "" : args, isempty(args) ? "" : "\n");
}

static enum cove_storage_kind arg_bdev_kind = COVE_STORAGE_DIR;

static char *ours(const struct create *cr, const char *rootfs)
{
	return xasprintf("lxc.rootfs.path = %s:%s\n%s%s%s",
			 cove_storage_kind_to_string(arg_bdev_kind), rootfs,
			 cr->base_utsname ? "" : "lxc.uts.name = ", cr->base_utsname ? "" : cr->ct->name,
			 cr->base_utsname ? "" : "\n");
}

/* Fill the rootfs and return the whole config text. */
static int run_template(struct create *cr, const char *rootfs, char **ret_text, char **ret_msg,
			struct cove_error *err)
{
	struct cove_template_ctx ctx = { .name = cr->ct->name, .path = cr->ct->dir,
					 .rootfs = rootfs, .args = cr->args,
					 .unprivileged = cr->unpriv };
	_cleanup_free_ char *header = config_header(cr), *own = ours(cr, rootfs), *tpl = NULL;
	struct template_result res = {};
	int r = 0;

	switch (cr->kind) {
	case TEMPLATE_NONE:
		break;
	case TEMPLATE_BUSYBOX:
		r = cove_template_busybox(&ctx, &res.config_after, err);
		break;
	case TEMPLATE_LOCAL:
		r = template_local(&ctx, &res, err);
		break;
	case TEMPLATE_DOWNLOAD:
		r = template_download(cr->script, &ctx, &res, err);
		break;
	case TEMPLATE_SCRIPT: {
		/* scripts append to the config file themselves, as LXC's do */
		_cleanup_free_ char *text = xasprintf("%s%s%s", header, cr->base, own);

		r = write_file_atomic(cr->ct->config_path, text, strlen(text), 0640);
		if (r < 0)
			return cove_err(err, r, "Failed to write '%s': %s", cr->ct->config_path,
					strerror(-r));
		r = run_script(cr->script, &ctx, cr->ct->config_path, err);
		if (r < 0)
			return r;
		r = read_full_file(cr->ct->config_path, CONFIG_MAX, ret_text, NULL);
		if (r < 0)
			return cove_err(err, r, "Failed to read back '%s': %s", cr->ct->config_path,
					strerror(-r));
		return 0;
	}
	}
	if (r < 0) {
		template_result_done(&res);
		return r;
	}
	*ret_text = xasprintf("%s%s%s%s%s%s", header, res.config_before ?: "",
			      res.config_before ? "\n# Container configuration\n" : "", cr->base, own,
			      res.config_after ?: "");
	*ret_msg = TAKE_PTR(res.message);
	template_result_done(&res);
	return 0;
}

static int check_final(const struct create *cr, const char *text, struct cove_error *err)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	int r;

	r = cove_conf_load_string(c, cr->ct->config_path, text, err);
	if (r >= 0)
		r = cove_conf_check(c, err);
	if (r < 0)
		return cove_err_prefix(err, "The new config is invalid");
	return 0;
}

static int make_dir(struct create *cr, struct cove_error *err)
{
	int r;

	cr->lxcpath_made = access(cr->ct->lxcpath, F_OK) < 0;
	r = mkdir_p(cr->ct->lxcpath, 0755);
	if (r < 0)
		return cove_err(err, r, "Failed to create lxcpath '%s': %s", cr->ct->lxcpath,
				strerror(-r));
	if (mkdir(cr->ct->dir, 0770) < 0) {
		if (errno != EEXIST)
			return cove_err(err, -errno, "Failed to create '%s': %m", cr->ct->dir);
		if (cove_container_exists(cr->ct))
			return cove_err(err, -EEXIST, "Container '%s' already exists in '%s'",
					cr->ct->name, cr->ct->lxcpath);
		return cove_err(err, -EEXIST,
				"Failed to create container '%s': '%s' already exists (not a container)",
				cr->ct->name, cr->ct->dir);
	}
	cr->dir_made = true;
	if (chmod(cr->ct->dir, 0770) < 0)
		return cove_err(err, -errno, "Failed to chmod '%s': %m", cr->ct->dir);
	return 0;
}

/* -B btrfs: the filled rootfs becomes a subvolume (a reflink copy, then a rename). */
static int rootfs_to_subvolume(const char *rootfs, struct cove_error *err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.subvol", rootfs);
	int r;

	r = cove_storage_btrfs_ops.copy(rootfs, tmp, err);
	if (r < 0)
		return r;
	r = rm_rf(rootfs);
	if (r < 0 || rename(tmp, rootfs) < 0)
		return cove_err(err, r < 0 ? r : -errno, "Failed to replace '%s' by a subvolume",
				rootfs);
	return 0;
}

/* -B: dir, btrfs (the lxcpath must be on btrfs), best (btrfs there, else dir). */
static int check_bdev(const struct cove_container *ct, struct cove_error *err)
{
	bool btrfs;

	if (!arg_bdev || streq(arg_bdev, "dir"))
		return 0;
	btrfs = cove_storage_on_btrfs(ct->lxcpath);
	if (streq(arg_bdev, "best")) {
		arg_bdev_kind = btrfs ? COVE_STORAGE_BTRFS : COVE_STORAGE_DIR;
		return 0;
	}
	if (!streq(arg_bdev, "btrfs"))
		return cove_err(err, -EINVAL,
				"Backing store '%s' is not supported (dir, btrfs, best)", arg_bdev);
	if (!btrfs)
		return cove_err(err, -EOPNOTSUPP,
				"Backing store 'btrfs' needs the lxcpath '%s' on a btrfs filesystem",
				ct->lxcpath);
	arg_bdev_kind = COVE_STORAGE_BTRFS;
	return 0;
}

static int do_create(struct create *cr, struct cove_error *err)
{
	_cleanup_free_ char *rootfs = path_join(cr->ct->dir, "rootfs");
	_cleanup_free_ char *text = NULL, *msg = NULL;
	int r;

	r = make_dir(cr, err);
	if (r < 0)
		return r;
	if (mkdir(rootfs, 0755) < 0 || chmod(rootfs, 0755) < 0)
		return cove_err(err, -errno, "Failed to create '%s': %m", rootfs);
	r = run_template(cr, rootfs, &text, &msg, err);
	if (r < 0)
		return r;
	if (arg_bdev_kind == COVE_STORAGE_BTRFS) {
		r = rootfs_to_subvolume(rootfs, err);
		if (r < 0)
			return r;
	}
	if (interrupted)
		return cove_err(err, -EINTR, "Interrupted by signal %d", (int)interrupted);
	r = check_final(cr, text, err);
	if (r < 0)
		return r;
	/* the commit point: the config appears at once, complete */
	r = write_file_atomic(cr->ct->config_path, text, strlen(text), 0640);
	if (r < 0)
		return cove_err(err, r, "Failed to write '%s': %s", cr->ct->config_path,
				strerror(-r));
	if (msg && !arg_quiet)
		printf("\n---\n%s%s", msg, endswith(msg, "\n") ? "" : "\n");
	return 0;
}

/* Remove a failed container's directory, unless a template left a mount in it. */
static void cleanup_dir(const char *dir, struct cove_error *err)
{
	_cleanup_free_ char *mp = NULL;
	char msg[COVE_ERROR_MAX];

	/* a bind mount keeps st_dev: removing the tree would descend into it */
	if (mounts_under(dir, &mp) != 0) {
		snprintf(msg, sizeof(msg), "%s", err->msg);
		cove_err(err, err->code, "%.700s (left '%s' in place: '%s' is still mounted)", msg,
			 dir, mp ?: "?");
		return;
	}
	(void)cove_storage_rm_tree(dir);
}

static int parse_argv(int argc, char **argv, struct tool_common *tc)
{
	static const struct option opts[] = {
		{ "template", required_argument, NULL, 't' },
		{ "config", required_argument, NULL, 'f' },
		{ "bdev", required_argument, NULL, 'B' },
		TOOL_COMMON_LONGOPTS,
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:f:B:" TOOL_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (tool_common_opt(tc, c, optarg, usage))
			continue;
		switch (c) {
		case 't':
			arg_template = optarg;
			break;
		case 'f':
			arg_config = optarg;
			break;
		case 'B':
			arg_bdev = optarg;
			break;
		default:
			return tool_usage_error(usage, NULL);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct tool_common tc = {};
	struct cove_error err = {};
	struct create cr = {};
	struct sigaction sa = { .sa_handler = on_signal };
	int r;

	if (parse_argv(argc, argv, &tc))
		return 1;
	tool_common_setup(&tc, "cove-create");
	arg_quiet = tc.quiet;
	if (arg_bdev && !streq(arg_bdev, "dir") && !streq(arg_bdev, "best") &&
	    !streq(arg_bdev, "btrfs"))
		return tool_fail(cove_err(&err, -EINVAL,
					  "Backing store '%s' is not supported (dir, btrfs, best)",
					  arg_bdev),
				 &err);
	if (!tc.name)
		return tool_usage_error(usage, "No container name specified (-n NAME)");
	ct = tool_container(&tc, argc, argv, usage);
	r = check_bdev(ct, &err);
	if (r < 0)
		return tool_fail(r, &err);
	cr.ct = ct;
	cr.args = argv + optind;
	if (!arg_template || streq(arg_template, "none"))
		cr.kind = TEMPLATE_NONE;
	else if (streq(arg_template, "busybox"))
		cr.kind = TEMPLATE_BUSYBOX;
	else if (streq(arg_template, "local"))
		cr.kind = TEMPLATE_LOCAL;
	else if (streq(arg_template, "download"))
		cr.kind = TEMPLATE_DOWNLOAD;
	else
		cr.kind = TEMPLATE_SCRIPT;
	if (cr.kind == TEMPLATE_NONE && *cr.args)
		return tool_usage_error(usage, "Template options given without a template (-t)");
	if (cr.kind == TEMPLATE_SCRIPT || cr.kind == TEMPLATE_DOWNLOAD) {
		r = find_template(arg_template, &cr.script, &err);
		if (r < 0)
			return tool_fail(r, &err);
	}
	r = load_base_config(&cr.base, &cr.base_utsname, &cr.unpriv, &err);
	if (r < 0)
		goto fail;
	if (cove_container_exists(ct)) {
		r = cove_err(&err, -EEXIST, "Container '%s' already exists in '%s'", ct->name,
			     ct->lxcpath);
		goto fail;
	}
	/* an interruption ends in the cleanup below, not halfway */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	r = do_create(&cr, &err);
fail:
	if (r < 0 && cr.dir_made)
		cleanup_dir(ct->dir, &err);
	if (r < 0 && cr.lxcpath_made)
		(void)rmdir(ct->lxcpath); /* only if empty: its parents may be someone's */
	free(cr.script);
	free(cr.base);
	if (r < 0)
		return tool_fail(r, &err);
	return 0;
}
