/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rootfs backing stores of the runtime layer, after LXC's "bdev" types, behind
 * one ops struct with one file per backend: storage-dir.c (a plain directory,
 * copied file by file), storage-btrfs.c (a subvolume; copies and clones are
 * subvolume snapshots) and storage-overlay.c (a copy-on-write clone: an
 * overlayfs of a read-only lower rootfs and an upper directory of the clone,
 * mounted by the container's start in its own mount namespace).
 *
 * The config names the backend in lxc.rootfs.path as LXC does:
 * "dir:PATH" or "PATH", "btrfs:PATH", "overlay:LOWER:UPPER" ("overlayfs:" too).
 * The upper directory of an overlay rootfs is DIR/overlay/delta0 with the work
 * directory DIR/overlay/work beside it and the mount point DIR/rootfs, DIR being
 * the clone's container directory.
 *
 * These functions do not log; they report through cove_error.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>

#include "cove/error.h"

enum cove_storage_kind {
	COVE_STORAGE_DIR,
	COVE_STORAGE_BTRFS,
	COVE_STORAGE_OVERLAY,
	_COVE_STORAGE_KIND_MAX,
	_COVE_STORAGE_KIND_INVALID = -EINVAL,
};

/* A parsed lxc.rootfs.path. */
struct cove_rootfs_spec {
	enum cove_storage_kind kind;
	char *path;  /* owned: dir, btrfs: the rootfs; overlay: the mount point (DIR/rootfs) */
	char *lower; /* owned: overlay only */
	char *upper; /* owned: overlay only */
	char *work;  /* owned: overlay only */
};

struct cove_storage_ops {
	const char *name;
	/* Make an empty rootfs at path (which must not exist). */
	int (*create)(const char *path, struct cove_error *err);
	/* A full, independent copy of the tree src at dst (dst must not exist). */
	int (*copy)(const char *src, const char *dst, struct cove_error *err);
	/* Remove the rootfs at path (the tree, or the subvolume). */
	int (*destroy)(const char *path, struct cove_error *err);
};

extern const struct cove_storage_ops cove_storage_dir_ops;
extern const struct cove_storage_ops cove_storage_btrfs_ops;

const char *cove_storage_kind_to_string(enum cove_storage_kind k);
enum cove_storage_kind cove_storage_kind_from_string(const char *s);
/* The ops of dir and btrfs (NULL for overlay: it has no tree of its own to copy). */
const struct cove_storage_ops *cove_storage_ops(enum cove_storage_kind k);

/* Parse lxc.rootfs.path into *ret (freed with cove_rootfs_spec_done). */
int cove_rootfs_spec_parse(const char *rootfs_path, struct cove_rootfs_spec *ret,
			   struct cove_error *err);
void cove_rootfs_spec_done(struct cove_rootfs_spec *s);
/* The lxc.rootfs.path value for a spec (new string). */
char *cove_rootfs_spec_format(const struct cove_rootfs_spec *s);

/* True when path lives on a btrfs filesystem / is the root of a btrfs subvolume. */
bool cove_storage_on_btrfs(const char *path);
bool cove_storage_is_subvolume(const char *path);

/* btrfs: a writable snapshot of the subvolume src at dst. */
int cove_btrfs_snapshot(const char *src, const char *dst, struct cove_error *err);
/* btrfs: delete the subvolume at path (and the subvolumes nested in it). */
int cove_btrfs_subvolume_delete(const char *path, struct cove_error *err);

/*
 * Remove the tree at path like rm_rf, but delete the btrfs subvolumes found in
 * it (a rootfs of backend btrfs, snapshots) instead of refusing to cross them.
 * Other mount points are never entered: -EXDEV.
 */
int cove_storage_rm_tree(const char *path);

/*
 * Overlay: mount the overlayfs of spec on spec->path. Called by the start in
 * the container's new mount namespace, so the mount never shows on the host.
 */
int cove_overlay_mount(const struct cove_rootfs_spec *spec, struct cove_error *err);
/* Overlay: the spec of a clone of lower whose container directory is dir. */
void cove_overlay_spec_for(const char *lower, const char *dir, struct cove_rootfs_spec *ret);

/*
 * Overlay clones depend on their source's rootfs: cove-copy -s records each
 * clone in SRC_DIR/lxc_snapshots (LXC's file: an lxcpath line, then a name
 * line, per clone), and cove-destroy refuses to remove a container that
 * clones still use.
 */
#define COVE_CLONES_FILE "lxc_snapshots"
int cove_storage_add_dependent(const char *dir, const char *lxcpath, const char *name);
/* "LXCPATH/NAME" of the recorded clones whose config still has an overlay lower in dir (strv). */
char **cove_storage_dependents(const char *dir);
