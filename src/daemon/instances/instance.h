/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Instances: a database row plus the directory COVE_DIR/containers/NAME/
 * holding rootfs/ and the generated LXC-format config that libcove runs.
 * The expanded config is the profiles' config overlaid by the instance's.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "cove/container.h"
#include "cove/error.h"
#include "db/db.h"

/* Check a name like LXD does (hostname rules) and like libcove does (no '/' or ".."). */
int instance_name_validate(const char *name, struct cove_error *err);
/* Check every key and value of a user-supplied config map (LXD's error texts). */
int instance_config_validate(const json_t *config, struct cove_error *err);
/* Check a devices map (this slice: disk devices only, the root disk). */
int instance_devices_validate(const json_t *devices, struct cove_error *err);
/* Expanded config/devices: profiles in order, then the instance's own. New references. */
int instance_expand(const struct db_instance *i, json_t **ret_config, json_t **ret_devices,
		    struct cove_error *err);
/*
 * Write LXCPATH/NAME/config from the expanded config (libcove's config
 * writer). for_start also refuses what cannot run yet (limits.*).
 */
int instance_write_lxc_config(const char *name, const json_t *expanded_config, bool for_start,
			      struct cove_error *err);
/* The same from the database row (after create, rename, update). */
int instance_write_initial_config(const char *name, struct cove_error *err);

/* Runtime state from the monitor (STOPPED when there is none). */
struct instance_state {
	int state; /* enum cove_state */
	pid_t pid;
	const char *status; /* "Running", "Stopped", "Frozen", ... */
	int status_code;
	char cgroup[256]; /* the container's cgroup ("" when stopped) */
};
void instance_state_get(const char *name, struct instance_state *ret);
/* Set memory, cpu and processes of a state object from the cgroup (instance-usage.c). */
void instance_usage_to_json(const char *cgroup, json_t *state);

/* The API objects. recursion >= 1 adds expanded fields; full adds state, snapshots, backups. */
json_t *instance_to_json(const struct db_instance *i, bool full);
json_t *instance_state_to_json(const char *name);
/* The part of an instance an ETag covers (what PUT replaces). */
json_t *instance_etag_json(const struct db_instance *i);

/* Start the stopped instances whose expanded config has boot.autostart=true (at start-up). */
void instances_autostart(void);
