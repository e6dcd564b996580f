/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-copy: copy a container (lxc-copy). A full copy by default (the
 * source's backing store, or -B), -s a copy-on-write clone (a btrfs
 * snapshot when the rootfs is a subvolume on btrfs, an overlay on the
 * source's rootfs otherwise), -R a rename, -e an ephemeral overlay clone
 * that is started at once and removed when it stops. The copy gets the new name as
 * hostname (unless -K) and new fixed MAC addresses (unless -M). The source
 * must be stopped; the new name must be free; a failure leaves nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "clone.h"
#include "fileio.h"
#include "strutil.h"
#include "tool-common.h"

LOG_MODULE("copy");

static const char usage[] =
    "cove-copy -n NAME -N NEWNAME [-P LXCPATH] [-p NEWPATH] [-s] [-B dir|btrfs] [-K] [-M] [-R]\n"
    "       cove-copy -n NAME -e [-N NEWNAME] [-P LXCPATH] [-p NEWPATH]";

static const char *arg_newname, *arg_newpath, *arg_bdev;
static bool arg_snapshot, arg_keepname, arg_keepmac, arg_rename, arg_ephemeral;

static int parse_argv(int argc, char **argv, struct tool_common *tc)
{
	static const struct option opts[] = {
	    {"newname", required_argument, NULL, 'N'},
	    {"newpath", required_argument, NULL, 'p'},
	    {"snapshot", no_argument, NULL, 's'},
	    {"backingstorage", required_argument, NULL, 'B'},
	    {"keepname", no_argument, NULL, 'K'},
	    {"keepmac", no_argument, NULL, 'M'},
	    {"rename", no_argument, NULL, 'R'},
	    {"fssize", required_argument, NULL, 'L'},
	    {"ephemeral", no_argument, NULL, 'e'},
	    TOOL_COMMON_LONGOPTS,
	    {},
	};
	int c;

	while ((c = getopt_long(argc, argv, "N:p:sB:KMRL:eD" TOOL_COMMON_SHORTOPTS, opts, NULL)) !=
	       -1) {
		if (tool_common_opt(tc, c, optarg, usage))
			continue;
		switch (c) {
		case 'N':
			arg_newname = optarg;
			break;
		case 'p':
			arg_newpath = optarg;
			break;
		case 's':
			arg_snapshot = true;
			break;
		case 'B':
			arg_bdev = optarg;
			break;
		case 'K':
			arg_keepname = true;
			break;
		case 'M':
			arg_keepmac = true;
			break;
		case 'R':
			arg_rename = true;
			break;
		case 'L':
			break; /* block device sizes: no block backends here */
		case 'e':
			arg_ephemeral = arg_snapshot = true;
			break;
		case 'D':
			return tool_usage_error(usage, "-D (keep data) is not supported");
		default:
			return tool_usage_error(usage, NULL);
		}
	}
	return 0;
}

/* -R: move the directory and rewrite the paths and name in its config. */
static int do_rename(struct cove_container *src, const struct cove_container *dst,
		     struct cove_error *err)
{
	_cleanup_(cove_rootfs_spec_done) struct cove_rootfs_spec spec = {};
	_cleanup_free_ char *text = NULL, *ntext = NULL, *old_prefix = NULL;
	struct clone_opts o = {.kind = -1, .utsname = arg_keepname ? NULL : dst->name};
	const char *old_uts;
	char **fields[] = {&spec.path, &spec.upper, &spec.work};
	int r;

	r = cove_container_load_conf(src, err);
	if (r < 0)
		return r;
	r = read_full_file(src->config_path, 1u << 20, &text, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to read '%s': %s", src->config_path, strerror(-r));
	r = cove_rootfs_spec_parse(src->conf->rootfs_path, &spec, err);
	if (r < 0)
		return r;
	if (access(dst->dir, F_OK) == 0)
		return cove_err(err, -EEXIST, "Container '%s' already exists in '%s'", dst->name,
				dst->lxcpath);
	old_prefix = xasprintf("%s/", src->dir);
	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		const char *rest = *fields[i] ? startswith(*fields[i], old_prefix) : NULL;

		if (rest) {
			char *n = xasprintf("%s/%s", dst->dir, rest);

			free(*fields[i]);
			*fields[i] = n;
		}
	}
	if (rename(src->dir, dst->dir) < 0)
		return cove_err(err, -errno, "Failed to rename '%s' to '%s': %m", src->dir,
				dst->dir);
	old_uts = !isempty(src->conf->utsname) ? src->conf->utsname : src->name;
	if (o.utsname)
		(void)clone_set_hostname(&spec, old_uts, o.utsname, NULL);
	ntext = clone_config(text, src->dir, dst->dir, &spec, &o);
	r = write_file_atomic(dst->config_path, ntext, strlen(ntext), 0640);
	if (r < 0) {
		(void)rename(dst->dir, src->dir);
		return cove_err(err, r, "Failed to write '%s': %s", dst->config_path, strerror(-r));
	}
	return 0;
}

/*
 * -e: an overlay clone with lxc.ephemeral = 1, started at once; the monitor
 * removes it when it stops. A clone that fails to start is removed here.
 */
static int ephemeral(struct cove_container *src, struct cove_container *dst, struct clone_opts *o,
		     struct cove_error *err)
{
	struct cove_start_opts so = {};
	int r;

	o->extra_config = "\n# An ephemeral copy (cove-copy -e): removed when it stops\n"
			  "lxc.ephemeral = 1\n";
	r = clone_container(src, dst, o, err);
	if (r < 0)
		return r;
	r = cove_container_start(dst, &so, err);
	if (r < 0) {
		(void)cove_storage_rm_tree(dst->dir);
		return cove_err_prefix(err, "Failed to start the ephemeral copy '%s'", dst->name);
	}
	printf("Created %s as an ephemeral copy of %s\n", dst->name, src->name);
	return 0;
}

static int run(struct cove_container *src, struct cove_container *dst, struct cove_error *err)
{
	struct clone_opts o = {
	    .cow = arg_snapshot,
	    .kind = -1,
	    .utsname = arg_keepname ? NULL : dst->name,
	    .new_mac = !arg_keepmac,
	};
	int r;

	r = cove_container_require(src, err);
	if (r < 0)
		return r;
	if (streq(src->dir, dst->dir))
		return cove_err(err, -EEXIST, "Container '%s' already exists in '%s'", dst->name,
				dst->lxcpath);
	if (arg_bdev) {
		o.kind = cove_storage_kind_from_string(arg_bdev);
		if (o.kind < 0 || (o.kind == COVE_STORAGE_OVERLAY && !arg_snapshot))
			return cove_err(
			    err, -EINVAL,
			    "Backing store '%s' is not supported (dir, btrfs; -s for overlay)",
			    arg_bdev);
		if (o.kind == COVE_STORAGE_OVERLAY || (arg_snapshot && o.kind == COVE_STORAGE_DIR))
			o.kind = -1; /* -s -B overlay: what -s does anyway */
	}
	r = clone_state(src, err);
	if (r < 0)
		return r;
	if (r != COVE_STATE_STOPPED)
		return cove_err(err, -EBUSY, "Container '%s' is %s: stop it before copying it",
				src->name, cove_state_to_string(r));
	if (arg_rename)
		return do_rename(src, dst, err);
	if (arg_ephemeral)
		return ephemeral(src, dst, &o, err);
	return clone_container(src, dst, &o, err);
}

int main(int argc, char **argv)
{
	_cleanup_(cove_container_freep) struct cove_container *src = NULL, *dst = NULL;
	_cleanup_free_ char *auto_name = NULL;
	struct tool_common tc = {};
	struct cove_error err = {};
	int r;

	if (parse_argv(argc, argv, &tc))
		return 1;
	tool_common_setup(&tc, "cove-copy");
	src = tool_container(&tc, argc, argv, usage);
	if (!arg_newname && arg_ephemeral) {
		/* lxc-copy -e without -N: NAME_XXXXXX */
		unsigned char b[4] = {};
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			(void)loop_read(fd, b, sizeof(b));
			close(fd);
		}
		arg_newname = auto_name = xasprintf("%s_%02x%02x%02x", src->name, b[0], b[1], b[2]);
	}
	if (!arg_newname)
		return tool_usage_error(usage, "No new name specified (-N NEWNAME)");
	if (optind < argc)
		return tool_usage_error(usage, "Unexpected argument '%s'", argv[optind]);
	r = cove_container_new(arg_newpath ?: src->lxcpath, arg_newname, &dst, &err);
	if (r < 0)
		return tool_fail(r, &err);
	r = run(src, dst, &err);
	if (r < 0)
		return tool_fail(r, &err);
	return 0;
}
