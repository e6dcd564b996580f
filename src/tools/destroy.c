/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-destroy: remove a container (lxc-destroy). A running container is
 * refused unless -f, which kills it first. The removal never follows a
 * symlink nor descends into another mount (rm_rf), so a rootfs holding a
 * link to the host, or a mount left behind, cannot make it delete host
 * files. The config goes first: a container whose removal fails half way
 * is no longer listed as one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "mounts-under.h"
#include "storage.h"
#include "strv.h"
#include "strutil.h"
#include "hooks.h"
#include "tool-common.h"

LOG_MODULE("destroy");

static const char usage[] = "cove-destroy -n NAME [-P LXCPATH] [-f] [-s]";

static bool arg_force;

static int parse_argv(int argc, char **argv, struct tool_common *tc)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "snapshots", no_argument, NULL, 's' },
		{ "rcfile", required_argument, NULL, 0x1001 },
		TOOL_COMMON_LONGOPTS,
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "fs" TOOL_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (tool_common_opt(tc, c, optarg, usage))
			continue;
		switch (c) {
		case 'f':
			arg_force = true;
			break;
		case 's':
		case 0x1001:
			/* snapshots live inside LXCPATH/NAME and go with it */
			break;
		default:
			return tool_usage_error(usage, NULL);
		}
	}
	return 0;
}

/*
 * lxc.hook.destroy runs before anything is removed; a failing hook stops the
 * destroy with nothing changed. A config that no longer parses has no hooks
 * to run: the container can still be destroyed.
 */
static int run_destroy_hooks(struct cove_container *ct, struct cove_error *err)
{
	struct cove_hook_ctx ctx = { .name = ct->name, .config_path = ct->config_path, .out_fd = -1 };
	int r;

	if (cove_container_load_conf(ct, NULL) < 0 || !cove_hooks_any(ct->conf, COVE_HOOK_DESTROY))
		return 0;
	ctx.rootfs = cove_conf_rootfs_dir(ct->conf);
	r = cove_hooks_run(ct->conf, COVE_HOOK_DESTROY, &ctx, err);
	if (r < 0)
		return cove_err_prefix(err, "Failed to destroy container '%s'", ct->name);
	return 0;
}

static int destroy(struct cove_container *ct, struct cove_error *err)
{
	_cleanup_strv_free_ char **deps = NULL;
	_cleanup_free_ char *mp = NULL;
	struct cove_status st = {};
	int r;

	r = cove_container_require(ct, err);
	if (r < 0)
		return r;
	/* overlay clones (cove-copy -s) use our rootfs as their lower layer (-f: remove anyway) */
	deps = arg_force ? NULL : cove_storage_dependents(ct->dir);
	if (deps) {
		_cleanup_free_ char *list = strv_join(deps, ", ");

		return cove_err(err, -EBUSY,
				"Container '%s' has copy-on-write clones (%s): destroy them first, or use -f",
				ct->name, list);
	}
	r = cove_container_status(ct, &st, NULL, err);
	if (r < 0)
		return r;
	if (st.state != COVE_STATE_STOPPED) {
		if (!arg_force)
			return cove_err(err, -EBUSY,
					"Container '%s' is %s: stop it first, or use -f to kill it",
					ct->name, cove_state_to_string(st.state) ?: "running");
		r = cove_container_stop(ct, COVE_STOP_KILL, -1, false, false, err);
		/* it may have stopped on its own in between */
		if (r < 0 && r != -ENOTCONN)
			return cove_err_prefix(err, "Failed to stop container '%s'", ct->name);
	}
	r = run_destroy_hooks(ct, err);
	if (r < 0)
		return r;
	/* a bind mount keeps st_dev: rm_rf alone would descend into it */
	r = mounts_under(ct->dir, &mp);
	if (r < 0)
		return cove_err(err, r, "Failed to read the mount table: %s", strerror(-r));
	if (r > 0)
		return cove_err(err, -EBUSY, "Failed to destroy container '%s': '%s' is mounted",
				ct->name, mp);
	if (unlink(ct->config_path) < 0 && errno != ENOENT)
		return cove_err(err, -errno, "Failed to remove '%s': %m", ct->config_path);
	cove_container_forget_socket(ct->dir);
	r = cove_storage_rm_tree(ct->dir); /* rm_rf that also deletes btrfs subvolumes */
	if (r == -EXDEV)
		return cove_err(err, r, "Failed to remove '%s' completely: a mount point is in the way",
				ct->dir);
	if (r < 0)
		return cove_err(err, r, "Failed to remove '%s': %s", ct->dir, strerror(-r));
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct tool_common tc = {};
	struct cove_error err = {};
	int r;

	if (parse_argv(argc, argv, &tc))
		return 1;
	tool_common_setup(&tc, "cove-destroy");
	ct = tool_container(&tc, argc, argv, usage);
	r = destroy(ct, &err);
	if (r < 0)
		return tool_fail(r, &err);
	if (!tc.quiet)
		printf("Destroyed container %s\n", ct->name);
	return 0;
}
