/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cloning containers: what cove-copy (lxc-copy) and cove-snapshot
 * (lxc-snapshot) share. A clone is a new container directory with a rootfs
 * made by the storage backends (a full copy, a btrfs snapshot or an overlay
 * on the source's rootfs) and the source's config rewritten: its
 * lxc.rootfs.path, paths inside the old container directory, and unless
 * kept, lxc.uts.name (plus /etc/hostname and /etc/hosts in the rootfs) and
 * fixed lxc.net.N.hwaddr values (new random 00:16:3e:xx:xx:xx; values with
 * 'x' are templates filled at each start and stay).
 *
 * A clone is made in full or not at all: its directory is created
 * exclusively, the config (which makes it a container) is written last,
 * and any failure removes the directory again.
 */
#pragma once

#include <stdbool.h>

#include "cove/container.h"
#include "storage.h"

struct clone_opts {
	bool cow;		  /* copy-on-write: btrfs snapshot, else overlay */
	int kind;		  /* enum cove_storage_kind for a full copy, -1: like the source */
	const char *utsname;	  /* new lxc.uts.name and hostname, NULL: keep */
	bool new_mac;		  /* new fixed hwaddrs */
	const char *extra_config; /* lines appended to the clone's config, NULL: none */
};

/* Clone the (stopped or running) container src as dst (which must not exist). */
int clone_container(struct cove_container *src, const struct cove_container *dst,
		    const struct clone_opts *o, struct cove_error *err);

/*
 * Make the rootfs of a clone in dst_dir from src: a directory or subvolume
 * dst_dir/NAME, or for an overlay dst_dir/overlay/ (upper and work) plus the
 * mount point dst_dir/rootfs. name is "rootfs" normally. *ret describes it.
 */
int clone_rootfs(const struct cove_rootfs_spec *src, const char *dst_dir, const char *name,
		 const struct clone_opts *o, struct cove_rootfs_spec *ret, struct cove_error *err);

/* The config text of a clone (new string); see above. */
char *clone_config(const char *text, const char *src_dir, const char *dst_dir,
		   const struct cove_rootfs_spec *rootfs, const struct clone_opts *o);

/* Set the hostname in the clone's rootfs (etc/hostname, etc/hosts) from old to new. */
int clone_set_hostname(const struct cove_rootfs_spec *rootfs, const char *old_name,
		       const char *new_name, struct cove_error *err);

/* The state of a container (STOPPED when no monitor answers). */
int clone_state(const struct cove_container *ct, struct cove_error *err);
