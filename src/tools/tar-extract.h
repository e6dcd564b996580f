/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Safe extraction of rootfs and metadata tarballs (tar, optionally gzip,
 * xz, zstd, bzip2 compressed) with libarchive. The tarball is untrusted:
 * extraction runs in a short-lived child process, and the whole
 * extraction fails (nothing is trusted half-way) on an entry whose path is
 * absolute or contains "..", a hard link whose target does, or a symlink
 * whose relative target climbs out of the root. Ownership (numeric),
 * modes, times, xattrs (so file capabilities) and ACLs are kept.
 */
#pragma once

#include <stdbool.h>

#include "cove/error.h"

struct tar_extract_opts {
	bool no_dev;		  /* skip device nodes and fifos */
	bool refuse_dev;	  /* fail on device nodes (untrusted backups) */
	char *const *excludes;	  /* fnmatch patterns, anchored at the root (tar --exclude) */
};

/* Extract tarball into the existing, empty directory dest. */
int tar_extract(const char *tarball, const char *dest, const struct tar_extract_opts *o,
		struct cove_error *err);

/*
 * The checks, exposed for tests: 0 if the entry is acceptable, else
 * -EPERM with a message. type is the stat type (S_IFLNK ...),
 * hardlink/symlink the link targets (NULL if none).
 */
int tar_check_entry(const char *path, const char *hardlink, const char *symlink,
		    struct cove_error *err);
