/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's /dev (lxc.autodev): a tmpfs with the basic nodes, devpts
 * (a new instance), /dev/shm, /dev/mqueue and the usual links, plus the
 * console and tty pty slaves bind-mounted on /dev/console and /dev/ttyN.
 * Run by the container child before pivot_root; rootfd is the rootfs.
 */
#pragma once

#include "console.h"
#include "cove/conf.h"
#include "cove/error.h"

bool cove_dev_autodev(const struct cove_conf *c);
/* Mount the tmpfs on /dev (before the other mounts, so entries below /dev land in it). */
int cove_dev_mount(int rootfd, struct cove_error *err);
/* Create the nodes and links, mount devpts, shm and mqueue. */
int cove_dev_populate(int rootfd, const struct cove_conf *c, struct cove_error *err);
/* Bind the console and tty slaves (after lxc.hook.autodev). */
int cove_dev_ttys(int rootfd, const struct cove_conf *c, const struct cove_console *con,
		  struct cove_error *err);
