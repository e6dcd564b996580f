/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Storage seen from instances: where a pool keeps instance root
 * filesystems and custom volumes (dir driver layout, as LXD's:
 * SOURCE/containers/NAME/rootfs and SOURCE/custom/default_VOLUME), disk
 * devices checked and turned into lxc.mount.entry lines, and the root
 * disk's limits.read/limits.write into io.max on the pool's block device.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "cove/error.h"
#include "db/db.h"

/*
 * The pool's data directory: config "source", or for a btrfs pool on a
 * loop file (source the image) its mount point COVE_DIR/storage-pools/NAME,
 * mounted if it is not (after a reboot). Valid until the next call.
 */
const char *storage_pool_source(const struct db_pool *p);
bool storage_pool_is_loop(const struct db_pool *p);
char *storage_pool_mountpoint(const char *pool);
int storage_pool_mount(const struct db_pool *p, struct cove_error *err);
/* A volume directory: a btrfs subvolume when its parent is on btrfs, else mkdir 0711. */
int storage_make_volume(const char *path, struct cove_error *err);
/* Remove a volume directory (its btrfs subvolumes deleted, other mounts never entered). */
int storage_remove_volume(const char *path);
/* SOURCE/custom/default_NAME; free() it. */
char *storage_volume_dir(const struct db_pool *p, const char *volume);
/* SOURCE/containers/NAME; free() it. */
char *storage_instance_dir(const struct db_pool *p, const char *instance);

/* The root disk of a devices map (type disk, path "/"); NULL when there is none. */
json_t *storage_root_device(const json_t *devices, const char **ret_name);
/* Keys and values of one disk device, as LXD checks them (error texts included). */
int storage_disk_validate(const char *devname, const json_t *dev, struct cove_error *err);

/*
 * Where a new instance goes: the instance volume directory in the pool of
 * its root disk (ret NULL when the devices have no root disk: the
 * instance directory is then a plain directory in the lxcpath).
 */
int storage_instance_volume(const char *name, const json_t *devices, char **ret,
			    struct cove_error *err);
/*
 * Make the instance directory: dir itself (volume NULL), or the instance
 * volume with dir a symlink to it (LXD's layout). -EEXIST: dir exists,
 * -ENOTEMPTY: the volume exists.
 */
int storage_instance_make_dir(const char *dir, const char *volume, struct cove_error *err);
/* The instance volume dir links to (NULL: a plain directory); free() it. */
char *storage_instance_volume_of(const char *dir);
/* After the instance directory moved from old_dir to new_dir: move its volume along. */
int storage_instance_rename(const char *new_dir, const char *new_name, struct cove_error *err);

/*
 * The lxc.* lines for the disk devices of instance name (mount entries,
 * io.max): for_start checks that sources exist and a block device is found.
 */
int storage_lxc_config(const char *name, const json_t *config, const json_t *devices,
		       bool for_start, char **ret, struct cove_error *err);

/* Does instance i use pool (root disk) / custom volume pool/volume (disk device)? */
bool storage_instance_uses_pool(const struct db_instance *i, const char *pool);
bool storage_devices_use_volume(const json_t *devices, const char *pool, const char *volume);

/* Append storage_lxc_config() of the instance row name (nothing if unknown) to *text. */
int storage_append_lxc_config(const char *name, const json_t *config, bool for_start, char **text,
			      struct cove_error *err);

/*
 * Apply a change of an instance's expanded devices to it while it runs:
 * disk devices (not the root) removed or changed are unmounted inside,
 * new or changed ones mounted (nothing when it is not running).
 */
int storage_devices_live(const char *instance, const json_t *old_devices,
			 const json_t *new_devices, const json_t *config, struct cove_error *err);
/* The same for instance i (its new expanded devices) against old_devices. */
int storage_update_instance(const struct db_instance *i, const json_t *old_devices,
			    struct cove_error *err);
/*
 * A profile change reaching running instances: the expanded devices of the
 * running instances using profile before it ({name: devices}), then after
 * it storage_update_instance() for each (failures are logged).
 */
json_t *storage_profile_users_devices(const char *profile);
void storage_profile_users_apply(const json_t *before);
