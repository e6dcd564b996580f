/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bridge network keys beyond the bridge service itself, as LXD's bridge
 * driver has them:
 *   ipv4.routes                 extra routes (comma-separated CIDRs) to the bridge
 *   bridge.external_interfaces  host interfaces (comma-separated) added to the bridge;
 *                               a missing one is skipped, one with a global address
 *                               refused ("Only unconfigured network interfaces can be bridged")
 *   dns.mode                    managed (default), dynamic, none (no DNS names: dnsmasq
 *                               gets no domain; see network.c)
 *   security.acls[.default.*]   network ACLs (network-acl.c)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <string.h>

#include "alloc.h"
#include "log.h"
#include "net-link.h"
#include "network.h"
#include "network-acl.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("network");

static const char *cfg(const json_t *config, const char *key)
{
	return json_string_value(json_object_get(config, key));
}

static char **list(const json_t *config, const char *key)
{
	const char *v = config ? cfg(config, key) : NULL;
	char **l = strv_split(v ? v : "", ", ");

	return l ? l : strv_split("", ",");
}

static bool cidr4(const char *s)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *slash = strchr(s, '/');
	struct in_addr a;
	unsigned p;

	if (!slash || (size_t)(slash - s) >= sizeof(buf) || safe_atou(slash + 1, &p) < 0 || p > 32)
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	return inet_pton(AF_INET, buf, &a) == 1;
}

int network_check_routes4(const char *v)
{
	_cleanup_strv_free_ char **l = strv_split(v ? v : "", ",");

	STRV_FOREACH (r, l)
		if (!cidr4(strstrip(*r)))
			return -EINVAL;
	return 0;
}

int network_check_ifaces(const char *v)
{
	_cleanup_strv_free_ char **l = strv_split(v ? v : "", ",");

	STRV_FOREACH (i, l) {
		const char *n = strstrip(*i);

		if (isempty(n) || strlen(n) > 15 || strpbrk(n, "/: \t") || streq(n, ".") ||
		    streq(n, ".."))
			return -EINVAL;
	}
	return 0;
}

int network_check_dns_mode(const char *v)
{
	return isempty(v) || streq(v, "managed") || streq(v, "dynamic") || streq(v, "none") ? 0
														: -EINVAL;
}

/* Has the interface an IPv4/IPv6 global unicast address? */
static bool configured(const char *ifname)
{
	struct ifaddrs *ifa = NULL;
	bool yes = false;

	if (getifaddrs(&ifa) < 0)
		return false;
	for (struct ifaddrs *i = ifa; i && !yes; i = i->ifa_next) {
		if (!i->ifa_addr || !streq(i->ifa_name, ifname))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			uint32_t a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);

			yes = (a >> 24) != 127 && (a >> 24) != 0 && (a >> 16) != 0xa9fe && (a >> 28) != 0xe;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

			yes = (a->s6_addr[0] & 0xe0) == 0x20 || (a->s6_addr[0] & 0xfe) == 0xfc;
		}
	}
	freeifaddrs(ifa);
	return yes;
}

static void route_del4(struct nl_sock *sk, const char *dst, int ifindex)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *a = NULL;

	if (!r || !nh || nl_addr_parse(dst, AF_INET, &a) < 0) {
		rtnl_route_put(r);
		rtnl_route_nh_free(nh);
		return;
	}
	rtnl_route_set_family(r, AF_INET);
	rtnl_route_set_dst(r, a);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(r, nh);
	(void)rtnl_route_delete(sk, r, 0);
	nl_addr_put(a);
	rtnl_route_put(r);
}

static int apply_routes(struct nl_sock *sk, int br, const json_t *old, const json_t *neu,
			struct cove_error *err)
{
	_cleanup_strv_free_ char **was = list(old, "ipv4.routes"), **now = list(neu, "ipv4.routes");
	int r;

	STRV_FOREACH (w, was)
		if (!strv_contains(now, *w))
			route_del4(sk, *w, br);
	STRV_FOREACH (n, now) {
		r = route_add(sk, AF_INET, *n, NULL, br, false);
		if (r < 0 && r != -EEXIST)
			return cove_err(err, r, "Failed adding route \"%s\": %s", *n, strerror(-r));
	}
	return 0;
}

static int apply_ifaces(struct nl_sock *sk, int br, const json_t *old, const json_t *neu,
			struct cove_error *err)
{
	_cleanup_strv_free_ char **was = list(old, "bridge.external_interfaces");
	_cleanup_strv_free_ char **now = list(neu, "bridge.external_interfaces");
	int r;

	STRV_FOREACH (w, was) {
		int idx = link_ifindex(sk, *w);

		if (!strv_contains(now, *w) && idx > 0)
			(void)rtnl_link_release_ifindex(sk, idx);
	}
	STRV_FOREACH (n, now) {
		int idx = link_ifindex(sk, *n);

		if (idx <= 0) {
			log_warning("Skipping attaching missing external interface '%s'", *n);
			continue;
		}
		if (configured(*n))
			return cove_err(err, -EINVAL, "Only unconfigured network interfaces can be bridged");
		r = link_change(sk, idx, &(struct link_attrs){ .master = br, .up = true, .ns_fd = -EBADF });
		if (r < 0)
			return cove_err(err, r, "Failed to attach interface \"%s\": %s", *n,
					strerror(-r));
	}
	return 0;
}

int network_extras_apply(const char *name, const json_t *old_config, const json_t *config,
			 struct cove_error *err)
{
	_cleanup_(netlink_closep) struct nl_sock *sk = NULL;
	int br, r;

	r = network_acl_apply(name, config, err);
	if (r < 0)
		return r;
	if (!old_config && isempty(cfg(config, "ipv4.routes")) &&
	    isempty(cfg(config, "bridge.external_interfaces")))
		return 0;
	r = netlink_open(&sk);
	if (r < 0)
		return cove_err(err, r, "Failed to open a netlink socket: %s", strerror(-r));
	br = link_ifindex(sk, name);
	if (br <= 0)
		return 0;
	r = apply_ifaces(sk, br, old_config, config, err);
	if (r >= 0)
		r = apply_routes(sk, br, old_config, config, err);
	return r;
}
