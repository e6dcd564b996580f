/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing gzip'd tarballs (GNU-compatible pax) made of in-memory files and
 * directory trees put under a prefix, without copying the trees first:
 * backups (backup/container/rootfs/...) and published images
 * (rootfs/...). Owners are numeric, hard links stay links, xattrs and
 * ACLs are kept; device nodes, fifos and sockets are left out.
 */
#pragma once

#include <stddef.h>

#include "cove/error.h"

struct archive_item {
	const char *name; /* path in the tarball */
	const char *data; /* a regular file with this content (mode 0644) ... */
	size_t len;
	const char *tree; /* ... or the contents of this directory under name/ */
};

/* Write items to path (created 0600, removed again on failure). */
int archive_write_tgz(const char *path, const struct archive_item *items, size_t n,
		      struct cove_error *err);
