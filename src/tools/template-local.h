/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "local" template (LXC's lxc-local): a rootfs from a tarball or a
 * directory given with --fstree, plus optional LXC image metadata
 * (--metadata META.tar.xz: config, excludes, fstab, templates,
 * create-message). Lives with the tools because it needs libarchive.
 */
#pragma once

#include "cove/template.h"

struct template_result {
	char *config_before; /* owned: lines that go before the base config (distribution config) */
	char *config_after;  /* owned: lines that go after it */
	char *message;	     /* owned: printed once the container exists (create-message) */
};

void template_result_done(struct template_result *res);

/* Fill ctx->rootfs (an existing empty directory, replaced by a rename). */
int template_local(const struct cove_template_ctx *ctx, struct template_result *res,
		   struct cove_error *err);
