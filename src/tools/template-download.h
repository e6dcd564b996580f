/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * External template scripts, and the "download" template built on one.
 *
 * template_exec() runs a script with LXC's template calling convention
 * (--path= --rootfs= --name= then the user's options; LXC_NAME, LXC_PATH,
 * LXC_ROOTFS, LXC_CONFIG_FILE ... in the environment). Its stderr is kept:
 * replayed on success, and on failure its last line becomes the one error
 * message (so a failing template gives one line, not two).
 *
 * template_download(): the download template. The script cove-download
 * fetches, verifies and caches an image of LXC's download format and prints
 * where it is ("rootfs=FILE", "meta=FILE"); the rootfs and metadata are then
 * unpacked here with the local template's safe extraction.
 */
#pragma once

#include "cove/template.h"
#include "template-local.h"

/* Run script; *ret_out (if not NULL) gets its stdout (bounded), else stdout is inherited. */
int template_exec(const char *script, const struct cove_template_ctx *ctx, const char *config_path,
		  char *const *extra, char **ret_out, struct cove_error *err);

int template_download(const char *script, const struct cove_template_ctx *ctx,
		      struct template_result *res, struct cove_error *err);
