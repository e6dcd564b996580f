/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cove copy/move between two servers (cmd-remote-copy.c). */
#pragma once

#include <stdbool.h>

#include "cove/error.h"

int remote_copy(const char *src_remote, const char *src, const char *dst_remote, const char *dst,
		bool move, bool instance_only, struct cove_error *err);
/* For copy/move's arguments: 0 when both are on one server (the caller goes
 * on), 1 when the transfer between two servers was done, -errno. */
int remote_copy_args(const char *from, const char *to, bool move, bool instance_only,
		     struct cove_error *err);
/* cove image copy [<remote>:]<image> <remote>: [--alias A]... [--copy-aliases] */
int cmd_image_copy(int argc, char **argv, struct cove_error *err);
/*
 * For launch/init after launch_parse (image and name point into argv; def is
 * the default remote from before): select the instance's remote (its name's,
 * else def) and, when the image is on another server and not on that one,
 * copy it over (with its alias) first.
 */
int remote_launch_prepare(int argc, char **argv, const char *def, const char *image,
			  const char *name, struct cove_error *err);
