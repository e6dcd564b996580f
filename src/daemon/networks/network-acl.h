/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network ACLs (LXD's /1.0/network-acls): rows of the network_acls table
 * ({name, description, config, ingress[], egress[]}), LXD's rule checks,
 * and their enforcement on bridge networks whose security.acls names them:
 * an nftables table "inet cove_acl_BRIDGE" of its own, filtering what is
 * routed into (ingress) and out of (egress) the bridge and what its
 * instances send to the host, with security.acls.default.{ingress,egress}.action
 * (default reject) for what no rule matches. DHCP, DNS and ICMP to the host
 * stay allowed, as in LXD.
 */
#pragma once

#include <jansson.h>

#include "cove/error.h"

/* The API object {name, description, ingress, egress, config, used_by} (new ref) or NULL. */
json_t *network_acl_get(const char *name, struct cove_error *err);
int network_acl_names(char ***ret, struct cove_error *err);
/* Check name, config and rules of a body {name?, description, config, ingress, egress}. */
int network_acl_validate(const char *name, const json_t *body, struct cove_error *err);
int network_acl_create(const json_t *body, struct cove_error *err);
/* Replace description/config/rules (then re-apply to the networks using it). */
int network_acl_update(const char *name, const json_t *body, struct cove_error *err);
int network_acl_rename(const char *name, const char *new_name, struct cove_error *err);
int network_acl_delete(const char *name, struct cove_error *err);

/* Network config: security.acls (existing ACLs) and the default actions. */
int network_acl_check_names(const char *v);
int network_acl_check_action(const char *v);
/* (Re)write or remove the nft table of a bridge from its config. */
int network_acl_apply(const char *bridge, const json_t *config, struct cove_error *err);
void network_acl_remove(const char *bridge);
