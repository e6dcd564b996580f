/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Thin helpers over libnl-route-3 for the network setup of containers: a
 * socket per network namespace (a netlink socket acts in the netns it was
 * created in), links looked up, created, changed and deleted, addresses and
 * routes added. They return -errno and take no cove_error: callers name the
 * config key. None of them logs.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

struct nl_sock;
struct rtnl_link;

/* libnl's NLE_* codes as -errno. */
int nl_to_errno(int nlerr);

/* A NETLINK_ROUTE socket in the caller's current network namespace. */
int netlink_open(struct nl_sock **ret);
/* Same, in the netns of fd (the caller's netns, self_fd, is entered again after). */
int netlink_open_in(int netns_fd, int self_fd, struct nl_sock **ret);
void netlink_closep(struct nl_sock **sk);

/* ifindex of name (> 0), or -ENODEV. */
int link_ifindex(struct nl_sock *sk, const char *name);
/* Kind ("bridge", "veth", ...; "" for none), mtu and flags of a link. */
int link_info(struct nl_sock *sk, int ifindex, char *kind, size_t kind_size, unsigned *ret_mtu,
	      unsigned *ret_flags);

/* What to set on a link being made or changed: 0 / NULL fields are left alone. */
struct link_attrs {
	const char *name;	  /* new name */
	const unsigned char *mac; /* 6 bytes */
	unsigned mtu;
	bool up, down;
	int ns_fd;  /* >= 0: move into this netns */
	int master; /* > 0: enslave to this bridge */
};

/* Make a veth pair: host side in the caller's netns, peer in peer->ns_fd. */
int link_add_veth(struct nl_sock *sk, const struct link_attrs *host, const struct link_attrs *peer);
/* Make a macvlan (mode: private, vepa, bridge, passthru) on lower. */
int link_add_macvlan(struct nl_sock *sk, int lower, const char *mode, const struct link_attrs *a);
/* Make a vlan with id on lower. */
int link_add_vlan(struct nl_sock *sk, int lower, unsigned id, const struct link_attrs *a);
/* Make a Linux bridge (cove-net). */
int link_add_bridge(struct nl_sock *sk, const struct link_attrs *a);
int link_change(struct nl_sock *sk, int ifindex, const struct link_attrs *a);
int link_delete(struct nl_sock *sk, int ifindex);

/*
 * Add an address to ifindex: spec is "a.b.c.d/prefix [broadcast]" or
 * "addr6/prefix". IPv4 without broadcast gets the subnet's one. IPv6 static
 * addresses skip duplicate address detection (usable at once).
 */
int addr_add(struct nl_sock *sk, int ifindex, int family, const char *spec);
/* The first address of family on ifindex, as text without prefix: 1, or 0 if none. */
int addr_first(struct nl_sock *sk, int ifindex, int family, char *buf, size_t size);

/*
 * Add a route: dst "a/p" or NULL for the default route, gw an address or
 * NULL (a route on the link), onlink: the gateway needs no covering subnet.
 */
int route_add(struct nl_sock *sk, int family, const char *dst, const char *gw, int ifindex,
	      bool onlink);

/* Parse "aa:bb:cc:dd:ee:ff". */
int parse_mac(const char *s, unsigned char mac[6]);
