/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxc.hook.* with LXC's conventions: each hook is a shell command line run
 * by /bin/sh -c with LXC_NAME, LXC_CONFIG_FILE, LXC_ROOTFS_MOUNT,
 * LXC_ROOTFS_PATH, LXC_HOOK_TYPE, LXC_HOOK_SECTION, LXC_HOOK_VERSION,
 * LXC_CGNS_AWARE, LXC_LOG_LEVEL, LXC_CONSOLE, LXC_CONSOLE_LOGPATH (and
 * LXC_TARGET for stop hooks, LXC_PID where known) in its environment. With
 * lxc.hook.version = 0 it also gets the arguments "NAME lxc TYPE". A hook
 * that fails fails its step.
 */
#pragma once

#include <sys/types.h>

#include "cove/conf.h"
#include "cove/error.h"

struct cove_hook_ctx {
	const char *name;	 /* borrowed: the container name */
	const char *config_path; /* borrowed */
	const char *rootfs;	 /* borrowed: where the rootfs is mounted */
	const char *target;	 /* borrowed: "stop" or "reboot" for stop hooks, else NULL */
	pid_t pid;		 /* init's host pid, 0 if unknown */
	int out_fd;		 /* where hook output goes (borrowed), -1: /dev/null */
};

static inline bool cove_hooks_any(const struct cove_conf *c, int type)
{
	return c->hooks[type] && c->hooks[type][0];
}

int cove_hooks_run(const struct cove_conf *c, int type, const struct cove_hook_ctx *ctx,
		   struct cove_error *err);
