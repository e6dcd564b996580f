/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Built-in container templates: code that fills a new container's rootfs
 * and returns the config lines the template wants appended, the way an
 * LXC template script appends to LXCPATH/NAME/config. Templates never
 * write the config file themselves: the caller (cove-create, coved)
 * assembles, checks and commits it. They do not log (except debug).
 */
#pragma once

#include <stdbool.h>

#include "cove/error.h"

struct cove_template_ctx {
	const char *name;   /* container name (already validated) */
	const char *path;   /* LXCPATH/NAME, exists */
	const char *rootfs; /* LXCPATH/NAME/rootfs: exists and is empty */
	char *const *args;  /* template arguments (after "--"), may be NULL */
	bool unprivileged;  /* the config has lxc.idmap lines */
};

/*
 * busybox: a rootfs made of the host's static busybox (default
 * /bin/busybox, template option --busybox-path PATH), its applet links,
 * inittab, rcS, passwd/group/shadow and hostname. On success
 * *ret_config holds the config lines to append (owned by the caller).
 */
int cove_template_busybox(const struct cove_template_ctx *ctx, char **ret_config,
			  struct cove_error *err);

/* True if the ELF file at fd has no PT_INTERP (a static binary); < 0 on errors. */
int cove_elf_is_static(int fd);
