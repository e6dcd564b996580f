/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The life of instances beyond single requests: names picked by the
 * server, watching running instances so that coved learns of every stop
 * (cove stop, halt inside, init dying) and deletes ephemeral instances,
 * and boot.autostart ordering.
 */
#pragma once

#include <stdbool.h>

#include "cove/error.h"

/* An unused "adjective-animal" name (owned by the caller). */
int instance_pick_name(char **ret, struct cove_error *err);

/*
 * Watch NAME's monitor (no-op if already watched): when the container
 * stops, coved sends instance-stopped (unless coved stopped it itself) and
 * deletes it if it is ephemeral. false: it is not running (no watch).
 */
bool instance_watch(const char *name);
/* NAME stopped without coved asking (if it really is stopped): the event, ephemeral deletion. */
void instance_stopped_outside(const char *name);
/* Watch every running instance and delete stopped ephemeral ones (daemon start). */
void instances_watch_all(void);
/* coved itself is stopping NAME (the stop event is its own); false again at the end. */
void instance_watch_set_stopping(const char *name, bool stopping);
/* Forget NAME (deleted or renamed). */
void instance_unwatch(const char *name);
/* Remove an instance's files: DIR, and the pool volume it links to. Thread-safe. */
int instance_remove_files(const char *dir);
/* The ephemeral flag of NAME's row (false if there is none). */
bool instance_is_ephemeral(const char *name);
