/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Proxy device addresses as LXD writes them:
 *   tcp:ADDR:PORT[-PORT][,PORT...]   udp:...   unix:/path   unix:@abstract
 * ADDR is an IP (IPv6 in brackets) or empty (all addresses / localhost).
 * Shared by coved (validation) and cove-proxy (the forwarder).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define PROXY_MAX_PORTS 1024

enum proxy_proto { PROXY_TCP, PROXY_UDP, PROXY_UNIX };

struct proxy_addr {
	enum proxy_proto proto;
	char host[64];	  /* numeric IP without brackets, "" for none */
	char path[108];	  /* unix: the path or "@name" */
	unsigned ports[PROXY_MAX_PORTS];
	size_t n_ports;
};

/* 0, or -EINVAL with LXD's message in msg */
int proxy_addr_parse(const char *s, struct proxy_addr *ret, char *msg, size_t msgsz);

const char *proxy_proto_name(enum proxy_proto p);
