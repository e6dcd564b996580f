/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshots, copies, backups (export/import) and publish: the API parts
 * that other handlers hand requests to.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "db/db.h"
#include "request.h"
#include "router.h"

extern const struct route api_snapshots_routes[];
extern const struct route api_backups_routes[];

/* PUT /1.0/instances/NAME with "restore": answer the request (async). */
void api_snapshot_restore(struct request *req, const char *instance, const json_t *body);
/* Is this POST /1.0/instances a backup upload (octet-stream body)? */
bool api_backup_upload(const struct request *req);
/* POST /1.0/instances with a backup tarball: import it (async). */
void api_backup_import(struct request *req);
/* POST /1.0/images publishing an instance or snapshot: answered (true) or not ours (false). */
bool api_publish_try(struct request *req);
/* For the scheduler: take a snapshot of i (name from pattern, expiry from expiry), delete one. */
void api_snapshot_take_scheduled(const struct db_instance *i, const char *pattern,
				 const char *expiry);
void api_snapshot_delete_async(const char *instance, const char *snap);
/* Remove the backups of instance whose expires_at is before now (seconds since the epoch). */
void api_backups_prune(const char *instance, long long now);
