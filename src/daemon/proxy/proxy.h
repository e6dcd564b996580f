/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proxy devices (LXD's type proxy): validation, and one cove-proxy process
 * per device of a running instance, started with the instance or when the
 * device is added, stopped with it or when the device goes. The processes
 * outlive coved (pid files LXCPATH/NAME/proxy.DEV.pid); at start-up coved
 * starts the ones that are missing. nat=true devices are DNAT rules in an
 * nftables table of the instance's own instead of a process.
 * All of these run on the loop thread.
 */
#pragma once

#include <jansson.h>

#include "cove/error.h"

int proxy_device_validate(const char *devname, const json_t *dev, struct cove_error *err);

/* Start the proxies of a running instance (the missing ones; stale ones are replaced). */
int proxy_start_instance(const char *name, struct cove_error *err);
/* Stop every proxy of an instance (running or not). */
void proxy_stop_instance(const char *name);
/*
 * Devices changed from old_devices to new_devices (expanded): if the
 * instance runs, stop the removed/changed proxies and start the added and
 * changed ones. On failure the old set is put back.
 */
int proxy_update_live(const char *name, const json_t *old_devices, const json_t *new_devices,
		      struct cove_error *err);
/* The missing proxies of a running instance (a new init after a reboot: new ones). */
void proxy_restore_instance(const char *name);
/* After a profile change: stop the proxies whose device went or changed, start the missing. */
void proxy_sync_instance(const char *name);
/* At start-up: the proxies of every running instance. */
void proxies_restore(void);

struct db_instance;
/* The expanded devices of an instance row (new reference, never NULL). */
json_t *proxy_expanded_devices(const struct db_instance *i);
/* proxy_update_live() for an updated row, from the devices it had before. */
int proxy_update_instance(const struct db_instance *i, const json_t *old_devices,
			  struct cove_error *err);
