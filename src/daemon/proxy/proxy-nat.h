/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nat=true proxy devices: DNAT rules in an nftables table of the
 * instance's own, "ip cove_proxy_NAME" (hooks prerouting and output), to
 * the static ipv4.address of one of its nics, as LXD requires.
 */
#pragma once

#include <jansson.h>

#include "cove/error.h"

/* (Re)write the table from the expanded devices (no nat device: remove it). */
int proxy_nat_apply(const char *instance, const json_t *devices, struct cove_error *err);
void proxy_nat_remove(const char *instance);
