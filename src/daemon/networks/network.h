/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Managed networks (type bridge): the database row turned into a running
 * bridge service (src/netsvc), config validated like LXD's bridge driver,
 * what uses a network, its DHCP leases, and the nic devices of instances
 * turned into lxc.net.N lines. Bridges and their dnsmasq outlive coved;
 * networks_restore() brings back at start what is missing.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cove/error.h"
#include "db/db-networks.h"

/* Name rules of a bridge network (an interface name). */
int network_name_validate(const char *name, struct cove_error *err);
/* Check every key and value (LXD's texts: "Invalid option for network ..."). */
int network_config_validate(const char *name, const json_t *config, struct cove_error *err);
/* Resolve what LXD fills at create: ipv4/ipv6.address auto, nat defaults. */
int network_config_fill(json_t *config, struct cove_error *err);

/* Replace ipv4/ipv6.address "auto" by a free subnet (on a change). */
int network_config_resolve_auto(json_t *config, struct cove_error *err);

/* Create the row and start it (the row is removed again on failure). */
int network_create(const char *name, const char *description, const json_t *config,
		   struct cove_error *err);
/* Bring up the bridge service of a row (1: was running). */
int network_start(const struct db_network *n, struct cove_error *err);
/* Remove bridge, dnsmasq, nft table; forget: also its leases and static leases files. */
void network_stop(const struct db_network *n, bool forget);
/* Apply a changed config to a running network (restart what changed). */
int network_reconfigure(const struct db_network *old, const struct db_network *n,
			struct cove_error *err);
/* At daemon start: start every managed network whose parts are missing. */
void networks_restore(void);

/* network-extras.c: ipv4.routes, bridge.external_interfaces, dns.mode */
int network_check_routes4(const char *v);
int network_check_ifaces(const char *v);
int network_check_dns_mode(const char *v);
/* Routes and external interfaces of a running bridge (old_config NULL: a new bridge). */
int network_extras_apply(const char *name, const json_t *old_config, const json_t *config,
			 struct cove_error *err);

/* "/1.0/instances/X", "/1.0/profiles/Y" using the network (array, new reference). */
json_t *network_used_by(const char *name);
/* The leases of a network as LXD's [{hostname, hwaddr, address, type, location}]. */
json_t *network_leases(const char *name);
/* /1.0/networks/NAME/state for an interface of this netns (NULL if none). */
json_t *network_iface_state(const char *ifname);

/* Instance nic devices. */
int network_nic_validate(const char *devname, const json_t *dev, struct cove_error *err);
/* The lxc.net.N lines of the nic devices of an instance (owned text, maybe ""). */
char *network_nic_lxc_config(const char *instance, const json_t *expanded_devices);
/* Append the nic lines of an instance (from the database) to *text; for_start syncs leases. */
void network_append_lxc_config(const char *instance, bool for_start, char **text);
/* Rewrite the static leases (dnsmasq hosts files) of every network; dnsmasq re-reads. */
void networks_sync_static_leases(void);
/* The interfaces of this netns, the type of one (LXD's names), the ports of a bridge. */
char **network_host_ifaces(void);
const char *network_iface_type(const char *name);
char **network_bridge_ports(const char *bridge);
/* state.network of a running instance: its interfaces and addresses (new reference). */
json_t *network_instance_state(pid_t pid);
