/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Instance snapshots: LXCPATH/NAME/snapshots/SNAP/ holds rootfs/ (a full
 * copy, taken with the instance frozen when it runs, as LXD's dir driver
 * does) and snapshot.json (the instance's architecture, config, devices,
 * profiles and ephemeral flag at that time, plus created_at, expires_at,
 * description and stateful). Living inside the instance directory, they
 * follow a rename and go with a delete.
 *
 * The *_run functions do filesystem and container work only: they are
 * called on the thread pool.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "cove/error.h"
#include "db/db.h"

#define SNAPSHOT_ZERO_TIME "0001-01-01T00:00:00Z"

/* Snapshot names: not empty, no '/', not "." or "..", no control characters. */
int snapshot_name_validate(const char *name, struct cove_error *err);
/* LXCPATH/NAME/snapshots[/SNAP]; free() it. */
char *snapshot_dir(const char *instance, const char *snap);
/* The snapshots of instance, oldest first (empty list when none). */
int snapshot_names(const char *instance, char ***ret);
bool snapshot_exists(const char *instance, const char *snap);
/* snapshot.json of one snapshot (-ENOENT: "Snapshot not found"). */
int snapshot_meta_load(const char *instance, const char *snap, json_t **ret,
		       struct cove_error *err);
int snapshot_meta_save(const char *instance, const char *snap, const json_t *meta,
		       struct cove_error *err);
/* The metadata of a new snapshot of i (the instance row as it is now). */
json_t *snapshot_meta_new(const struct db_instance *i, const char *expires_at);
/* The instance row a snapshot's metadata describes (for restore and copy). */
void snapshot_meta_to_instance(const json_t *meta, struct db_instance *i);

/* The API object of one snapshot; the list of them (NULL when there is none). */
json_t *snapshot_to_json(const char *instance, const char *snap);
json_t *snapshots_to_json(const char *instance, int recursion);

/* The first free name of snapshots.pattern (default "snap%d"). */
char *snapshot_next_name(const char *instance, const char *pattern);
/* now + snapshots.expiry ("1d 2H", units M H d w m y) as RFC 3339; NULL when unset/invalid. */
char *snapshot_expiry_from(const char *expiry);

/* Config key checks: snapshots.schedule (cron or @alias, comma lists; snapshot-schedule.c), .expiry, .pattern. */
int snapshot_check_schedule(const char *v);
int snapshot_check_expiry(const char *v);
int snapshot_check_pattern(const char *v);

/*
 * Copy the rootfs of a running or stopped instance to dest (which must
 * not exist), freezing the instance during the copy when it runs.
 */
int instance_rootfs_copy(const char *instance, const char *dest, struct cove_error *err);
/* The path of an instance's rootfs (symlinks resolved); free() it. */
char *instance_rootfs_path(const char *instance);

/* Thread-pool work: take snapshot (meta is written with it), delete, rename, restore. */
int snapshot_take_run(const char *instance, const char *snap, const json_t *meta,
		      struct cove_error *err);
int snapshot_delete_run(const char *instance, const char *snap, struct cove_error *err);
int snapshot_restore_run(const char *instance, const char *snap, struct cove_error *err);
/* Copy every snapshot of src into the new instance directory dst_dir. */
int snapshots_copy_run(const char *src, const char *dst_dir, struct cove_error *err);

/*
 * source {"type":"copy","source":"c1" or "c1/snap"}: check it exists; the
 * new instance's config loses the volatile.* keys a client may have copied
 * (but volatile.base_image), as LXD resets them.
 */
int instance_copy_source(const json_t *source, json_t *config, char **ret_instance,
			 char **ret_snap, struct cove_error *err);
/*
 * Thread pool: fill the new instance directory dir (existing, empty) with
 * a copy of instance src's rootfs (or of its snapshot snap), and its
 * snapshots unless instance_only or snap.
 */
int instance_copy_run(const char *src, const char *snap, bool instance_only, const char *dir,
		      struct cove_error *err);

/* Does schedule v (snapshots.schedule) fire at the minute t (local time)? */
struct tm;
bool snapshot_schedule_due(const char *v, const struct tm *t);
/* The minute timer of snapshots.schedule and of expired snapshots (snapshot-schedule.c). */
void snapshot_scheduler_start(void);
/* An RFC 3339 time as seconds since the epoch (Z or +HH:MM); -EINVAL when it is not one. */
long long snapshot_parse_time(const char *s);
/* At start-up: remove what an interrupted snapshot, restore, backup or import left. */
void snapshot_store_cleanup(void);
