/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-snapshot: snapshots of a container (lxc-snapshot). A snapshot is a
 * container of its own in LXCPATH/NAME/snaps/snapN (config, rootfs, ts with
 * the time it was taken, comment), as LXC lays them out: a btrfs snapshot
 * when the rootfs is a subvolume, a copy of the upper directory for an
 * overlay clone, a full copy otherwise (then the container must be
 * stopped). -L lists them (-C with comments), -r restores one (in place,
 * the container stopped, or as a new container with -N), -d destroys one
 * (or ALL). -N NAME when taking one names it instead of snapN (a cove
 * extension).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "clone.h"
#include "fileio.h"
#include "strutil.h"
#include "strv.h"
#include "tool-common.h"

LOG_MODULE("snapshot");

static const char usage[] = "cove-snapshot -n NAME [-P LXCPATH] [-c COMMENTFILE] [-N SNAPNAME] | "
			    "-L [-C] | -r SNAP [-N NEWNAME] | -d SNAP|ALL";

static const char *arg_comment, *arg_restore, *arg_destroy, *arg_newname;
static bool arg_list, arg_showcomments;

static int parse_argv(int argc, char **argv, struct tool_common *tc)
{
	static const struct option opts[] = {
	    {"comment", required_argument, NULL, 'c'},
	    {"list", no_argument, NULL, 'L'},
	    {"showcomments", no_argument, NULL, 'C'},
	    {"restore", required_argument, NULL, 'r'},
	    {"newname", required_argument, NULL, 'N'},
	    {"destroy", required_argument, NULL, 'd'},
	    TOOL_COMMON_LONGOPTS,
	    {},
	};
	int c, actions;

	while ((c = getopt_long(argc, argv, "c:LCr:N:d:" TOOL_COMMON_SHORTOPTS, opts, NULL)) !=
	       -1) {
		if (tool_common_opt(tc, c, optarg, usage))
			continue;
		switch (c) {
		case 'c':
			arg_comment = optarg;
			break;
		case 'L':
			arg_list = true;
			break;
		case 'C':
			arg_showcomments = true;
			break;
		case 'r':
			arg_restore = optarg;
			break;
		case 'N':
			arg_newname = optarg;
			break;
		case 'd':
			arg_destroy = optarg;
			break;
		default:
			return tool_usage_error(usage, NULL);
		}
	}
	actions = !!arg_list + !!arg_restore + !!arg_destroy;
	if (actions > 1)
		return tool_usage_error(usage, "Use only one of -L, -r and -d");
	if (arg_showcomments && !arg_list)
		return tool_usage_error(usage, "-C goes with -L");
	if (arg_comment && actions)
		return tool_usage_error(usage, "-c goes with taking a snapshot");
	return 0;
}

static char *snaps_dir(const struct cove_container *ct)
{
	return path_join(ct->dir, "snaps");
}

static int snap_handle(const struct cove_container *ct, const char *snap, bool must_exist,
		       struct cove_container **ret, struct cove_error *err)
{
	_cleanup_free_ char *dir = snaps_dir(ct);
	_cleanup_(cove_container_freep) struct cove_container *s = NULL;
	int r;

	r = cove_container_new(dir, snap, &s, err);
	if (r < 0)
		return cove_err_prefix(err, "Invalid snapshot name");
	if (must_exist && !cove_container_exists(s))
		return cove_err(err, -ENOENT, "Container '%s' has no snapshot '%s'", ct->name,
				snap);
	*ret = TAKE_PTR(s);
	return 0;
}

static int read_comment(char **ret, struct cove_error *err)
{
	int r;

	*ret = NULL;
	if (!arg_comment)
		return 0;
	r = read_full_file(arg_comment, 1u << 20, ret, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to read comment file '%s': %s", arg_comment,
				strerror(-r));
	return 0;
}

static int take(struct cove_container *ct, struct cove_error *err)
{
	_cleanup_(cove_container_freep) struct cove_container *snap = NULL;
	_cleanup_(cove_rootfs_spec_done) struct cove_rootfs_spec spec = {};
	_cleanup_free_ char *name = NULL, *comment = NULL, *ts = NULL, *tsfile = NULL;
	struct clone_opts o = {.kind = -1};
	char buf[64];
	time_t now = time(NULL);
	int r, state;

	r = cove_container_load_conf(ct, err);
	if (r < 0)
		return r;
	r = read_comment(&comment, err);
	if (r < 0)
		return r;
	r = cove_rootfs_spec_parse(ct->conf->rootfs_path, &spec, err);
	if (r < 0)
		return r;
	o.cow = spec.kind == COVE_STORAGE_OVERLAY || cove_storage_is_subvolume(spec.path);
	state = clone_state(ct, err);
	if (state < 0)
		return state;
	if (state != COVE_STATE_STOPPED && !cove_storage_is_subvolume(spec.path))
		return cove_err(err, -EBUSY,
				"Container '%s' is %s: stop it before taking a snapshot", ct->name,
				cove_state_to_string(state));
	if (arg_newname) {
		name = xstrdup(arg_newname);
		r = snap_handle(ct, name, false, &snap, err);
		if (r < 0)
			return r;
		if (access(snap->dir, F_OK) == 0)
			return cove_err(err, -EEXIST, "Container '%s' already has a snapshot '%s'",
					ct->name, name);
	} else {
		for (unsigned i = 0;; i++) {
			snap = cove_container_free(snap);
			free(name);
			name = xasprintf("snap%u", i);
			r = snap_handle(ct, name, false, &snap, err);
			if (r < 0)
				return r;
			if (access(snap->dir, F_OK) < 0)
				break;
		}
	}
	r = clone_container(ct, snap, &o, err);
	if (r < 0)
		return r;
	strftime(buf, sizeof(buf), "%Y:%m:%d %H:%M:%S", localtime(&now));
	ts = xasprintf("%s\n", buf);
	tsfile = path_join(snap->dir, "ts");
	r = write_file_atomic(tsfile, ts, strlen(ts), 0644);
	if (r >= 0 && comment) {
		_cleanup_free_ char *cf = path_join(snap->dir, "comment");

		r = write_file_atomic(cf, comment, strlen(comment), 0644);
	}
	if (r < 0) {
		(void)unlink(snap->config_path);
		(void)cove_storage_rm_tree(snap->dir);
		return cove_err(err, r, "Failed to write the snapshot's files: %s", strerror(-r));
	}
	return 0;
}

static int cmp_snap(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	unsigned nx, ny;

	if (startswith(x, "snap") && startswith(y, "snap") && safe_atou(x + 4, &nx) >= 0 &&
	    safe_atou(y + 4, &ny) >= 0)
		return nx < ny ? -1 : nx > ny;
	return strcmp(x, y);
}

static char **list_snaps(const struct cove_container *ct)
{
	_cleanup_free_ char *dir = snaps_dir(ct);
	_cleanup_closedir_ DIR *d = opendir(dir);
	char **l = NULL;

	if (!d)
		return NULL;
	for (struct dirent *de; (de = readdir(d));) {
		_cleanup_free_ char *cfg = NULL;

		if (de->d_name[0] == '.')
			continue;
		cfg = xasprintf("%s/%s/config", dir, de->d_name);
		if (access(cfg, F_OK) == 0)
			strv_push_dup(&l, de->d_name);
	}
	if (l)
		qsort(l, strv_length(l), sizeof(char *), cmp_snap);
	return l;
}

static int list(const struct cove_container *ct, struct cove_error *err)
{
	_cleanup_strv_free_ char **snaps = NULL;
	_cleanup_free_ char *dir = snaps_dir(ct);
	int r = cove_container_require(ct, err);

	if (r < 0)
		return r;
	snaps = list_snaps(ct);
	if (!snaps) {
		printf("No snapshots\n");
		return 0;
	}
	STRV_FOREACH (s, snaps) {
		_cleanup_free_ char *tsf = xasprintf("%s/%s/ts", dir, *s), *ts = NULL;
		_cleanup_free_ char *cf = xasprintf("%s/%s/comment", dir, *s), *c = NULL;

		(void)read_one_line(tsf, &ts);
		printf("%s (%s) %s\n", *s, dir, ts ?: "");
		if (arg_showcomments && read_full_file(cf, 1u << 20, &c, NULL) >= 0 && c)
			printf("%s%s", c, endswith(c, "\n") ? "" : "\n");
	}
	return 0;
}

static int destroy_one(const struct cove_container *ct, const char *name, struct cove_error *err)
{
	_cleanup_(cove_container_freep) struct cove_container *snap = NULL;
	int r = snap_handle(ct, name, true, &snap, err);

	if (r < 0)
		return r;
	if (unlink(snap->config_path) < 0)
		return cove_err(err, -errno, "Failed to remove '%s': %m", snap->config_path);
	r = cove_storage_rm_tree(snap->dir);
	if (r < 0)
		return cove_err(err, r, "Failed to remove '%s': %s", snap->dir, strerror(-r));
	return 0;
}

static int destroy(const struct cove_container *ct, struct cove_error *err)
{
	_cleanup_strv_free_ char **snaps = NULL;
	int r = cove_container_require(ct, err);

	if (r < 0)
		return r;
	if (!streq(arg_destroy, "ALL"))
		return destroy_one(ct, arg_destroy, err);
	snaps = list_snaps(ct);
	STRV_FOREACH (s, snaps) {
		r = destroy_one(ct, *s, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Restore in place: a new rootfs beside the old one, then swap them and the config. */
static int restore_in_place(struct cove_container *ct, struct cove_container *snap,
			    struct cove_error *err)
{
	_cleanup_(cove_rootfs_spec_done) struct cove_rootfs_spec sspec = {}, nspec = {}, cur = {};
	_cleanup_free_ char *text = NULL, *ntext = NULL, *tmp = NULL, *old = NULL, *live = NULL;
	struct clone_opts o = {.kind = -1};
	int r;

	r = cove_container_load_conf(ct, err);
	if (r >= 0)
		r = cove_container_load_conf(snap, err);
	if (r >= 0)
		r = cove_rootfs_spec_parse(snap->conf->rootfs_path, &sspec, err);
	if (r >= 0)
		r = cove_rootfs_spec_parse(ct->conf->rootfs_path, &cur, err);
	if (r < 0)
		return r;
	r = read_full_file(snap->config_path, 1u << 20, &text, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to read '%s': %s", snap->config_path, strerror(-r));
	/* what gets swapped: the rootfs, or for an overlay clone its overlay/ directory */
	bool ov = sspec.kind == COVE_STORAGE_OVERLAY;
	live = path_join(ct->dir, ov ? "overlay" : "rootfs");
	tmp = path_join(ct->dir, ov ? ".overlay.restore" : ".rootfs.restore");
	old = path_join(ct->dir, ov ? ".overlay.old" : ".rootfs.old");
	(void)cove_storage_rm_tree(tmp);
	(void)cove_storage_rm_tree(old);
	if (ov) {
		_cleanup_free_ char *up = path_join(tmp, "delta0");

		if (mkdir(tmp, 0755) < 0)
			return cove_err(err, -errno, "Failed to create '%s': %m", tmp);
		r = cove_storage_dir_ops.copy(sspec.upper, up, err);
		cove_overlay_spec_for(sspec.lower, ct->dir, &nspec);
	} else {
		o.cow = cove_storage_is_subvolume(sspec.path);
		r = clone_rootfs(&sspec, ct->dir, ".rootfs.restore", &o, &nspec, err);
		if (r >= 0) {
			free(nspec.path);
			nspec.path = path_join(ct->dir, "rootfs");
		}
	}
	if (r < 0) {
		(void)cove_storage_rm_tree(tmp);
		return r;
	}
	o.utsname = NULL;
	ntext = clone_config(text, snap->dir, ct->dir, &nspec, &o);
	if (rename(live, old) < 0 && errno != ENOENT) {
		r = cove_err(err, -errno, "Failed to move '%s' aside: %m", live);
		(void)cove_storage_rm_tree(tmp);
		return r;
	}
	if (rename(tmp, live) < 0) {
		r = cove_err(err, -errno, "Failed to move the restored rootfs into place: %m");
		(void)rename(old, live);
		(void)cove_storage_rm_tree(tmp);
		return r;
	}
	r = write_file_atomic(ct->config_path, ntext, strlen(ntext), 0640);
	if (r < 0)
		return cove_err(err, r, "Failed to write '%s': %s", ct->config_path, strerror(-r));
	(void)cove_storage_rm_tree(old);
	return 0;
}

static int restore(struct cove_container *ct, struct cove_error *err)
{
	_cleanup_(cove_container_freep) struct cove_container *snap = NULL, *dst = NULL;
	struct clone_opts o = {.kind = -1, .new_mac = true};
	int r, state;

	r = cove_container_require(ct, err);
	if (r < 0)
		return r;
	r = snap_handle(ct, arg_restore, true, &snap, err);
	if (r < 0)
		return r;
	if (!arg_newname || streq(arg_newname, ct->name)) {
		state = clone_state(ct, err);
		if (state < 0)
			return state;
		if (state != COVE_STATE_STOPPED)
			return cove_err(err, -EBUSY,
					"Container '%s' is %s: stop it before restoring a snapshot",
					ct->name, cove_state_to_string(state));
		return restore_in_place(ct, snap, err);
	}
	r = cove_container_new(ct->lxcpath, arg_newname, &dst, err);
	if (r < 0)
		return r;
	if (cove_container_exists(dst) || access(dst->dir, F_OK) == 0)
		return cove_err(err, -EEXIST, "Container '%s' already exists in '%s'", dst->name,
				dst->lxcpath);
	o.utsname = dst->name;
	return clone_container(snap, dst, &o, err);
}

int main(int argc, char **argv)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct tool_common tc = {};
	struct cove_error err = {};
	int r;

	if (parse_argv(argc, argv, &tc))
		return 1;
	tool_common_setup(&tc, "cove-snapshot");
	ct = tool_container(&tc, argc, argv, usage);
	if (arg_list)
		r = list(ct, &err);
	else if (arg_destroy)
		r = destroy(ct, &err);
	else if (arg_restore)
		r = restore(ct, &err);
	else
		r = cove_container_require(ct, &err) < 0 ? err.code : take(ct, &err);
	if (r < 0)
		return tool_fail(r, &err);
	return 0;
}
