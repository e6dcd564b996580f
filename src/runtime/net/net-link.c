/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnl-route-3 helpers for container networking (see net-link.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "net-link.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("network");

static void linkp(struct rtnl_link **l)
{
	if (*l)
		rtnl_link_put(*l);
}
static void addrp(struct nl_addr **a)
{
	if (*a)
		nl_addr_put(*a);
}
static void raddrp(struct rtnl_addr **a)
{
	if (*a)
		rtnl_addr_put(*a);
}
static void routep(struct rtnl_route **r)
{
	if (*r)
		rtnl_route_put(*r);
}
static void cachep(struct nl_cache **c)
{
	if (*c)
		nl_cache_free(*c);
}

int nl_to_errno(int e)
{
	static const struct {
		int nle, err;
	} map[] = {
	    {NLE_EXIST, EEXIST},
	    {NLE_NODEV, ENODEV},
	    {NLE_OBJ_NOTFOUND, ENODEV},
	    {NLE_PERM, EPERM},
	    {NLE_INVAL, EINVAL},
	    {NLE_OPNOTSUPP, EOPNOTSUPP},
	    {NLE_BUSY, EBUSY},
	    {NLE_RANGE, ERANGE},
	    {NLE_NOMEM, ENOMEM},
	    {NLE_NOADDR, EADDRNOTAVAIL},
	    {NLE_AF_NOSUPPORT, EAFNOSUPPORT},
	    {NLE_NOACCESS, EACCES},
	    {NLE_AGAIN, EAGAIN},
	    {NLE_INTR, EINTR},
	    {NLE_MSGSIZE, EMSGSIZE},
	    {NLE_BAD_SOCK, EBADF},
	};

	if (e >= 0)
		return e;
	log_debug("netlink: %s", nl_geterror(e));
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (-e == map[i].nle)
			return -map[i].err;
	return -EIO;
}

void netlink_closep(struct nl_sock **sk)
{
	if (*sk) {
		nl_socket_free(*sk);
		*sk = NULL;
	}
}

int netlink_open(struct nl_sock **ret)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return nl_to_errno(r);
	}
	/* close-on-exec: script.up/down and init must not inherit it */
	(void)fd_cloexec(nl_socket_get_fd(sk), true);
	*ret = sk;
	return 0;
}

int netlink_open_in(int netns_fd, int self_fd, struct nl_sock **ret)
{
	int r;

	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return -errno;
	r = netlink_open(ret);
	if (setns(self_fd, CLONE_NEWNET) < 0) {
		/* acting on the wrong netns from here on would be worse than dying */
		log_error_errno(-errno, "Failed to return to the monitor's network namespace");
		abort();
	}
	return r;
}

int link_ifindex(struct nl_sock *sk, const char *name)
{
	_cleanup_(linkp) struct rtnl_link *l = NULL;
	int r = rtnl_link_get_kernel(sk, 0, name, &l);

	if (r < 0)
		return nl_to_errno(r) == -EINVAL ? -ENODEV : nl_to_errno(r);
	return rtnl_link_get_ifindex(l);
}

int link_info(struct nl_sock *sk, int ifindex, char *kind, size_t kind_size, unsigned *ret_mtu,
	      unsigned *ret_flags)
{
	_cleanup_(linkp) struct rtnl_link *l = NULL;
	int r = rtnl_link_get_kernel(sk, ifindex, NULL, &l);
	const char *t;

	if (r < 0)
		return nl_to_errno(r);
	t = rtnl_link_get_type(l);
	if (kind)
		snprintf(kind, kind_size, "%s", t ? t : "");
	if (ret_mtu)
		*ret_mtu = rtnl_link_get_mtu(l);
	if (ret_flags)
		*ret_flags = rtnl_link_get_flags(l);
	return 0;
}

static void apply(struct rtnl_link *l, const struct link_attrs *a)
{
	if (a->name)
		rtnl_link_set_name(l, a->name);
	if (a->mac) {
		_cleanup_(addrp) struct nl_addr *m = nl_addr_build(AF_LLC, a->mac, 6);

		if (m)
			rtnl_link_set_addr(l, m);
	}
	if (a->mtu)
		rtnl_link_set_mtu(l, a->mtu);
	if (a->up)
		rtnl_link_set_flags(l, IFF_UP);
	if (a->down)
		rtnl_link_unset_flags(l, IFF_UP);
	if (a->ns_fd >= 0)
		rtnl_link_set_ns_fd(l, a->ns_fd);
	if (a->master > 0)
		rtnl_link_set_master(l, a->master);
}

int link_add_veth(struct nl_sock *sk, const struct link_attrs *host, const struct link_attrs *peer)
{
	_cleanup_(linkp) struct rtnl_link *l = rtnl_link_veth_alloc();
	_cleanup_(linkp) struct rtnl_link *p = NULL;

	if (!l)
		return -ENOMEM;
	p = rtnl_link_veth_get_peer(l);
	apply(l, host);
	apply(p, peer);
	return nl_to_errno(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
}

int link_add_macvlan(struct nl_sock *sk, int lower, const char *mode, const struct link_attrs *a)
{
	_cleanup_(linkp) struct rtnl_link *l = rtnl_link_macvlan_alloc();
	int m = rtnl_link_macvlan_str2mode(mode ? mode : "private");

	if (!l)
		return -ENOMEM;
	if (m < 0)
		return -EINVAL;
	rtnl_link_set_link(l, lower);
	(void)rtnl_link_macvlan_set_mode(l, (uint32_t)m);
	apply(l, a);
	return nl_to_errno(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
}

int link_add_vlan(struct nl_sock *sk, int lower, unsigned id, const struct link_attrs *a)
{
	_cleanup_(linkp) struct rtnl_link *l = rtnl_link_vlan_alloc();

	if (!l)
		return -ENOMEM;
	rtnl_link_set_link(l, lower);
	(void)rtnl_link_vlan_set_id(l, (uint16_t)id);
	apply(l, a);
	return nl_to_errno(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
}

int link_add_bridge(struct nl_sock *sk, const struct link_attrs *a)
{
	_cleanup_(linkp) struct rtnl_link *l = rtnl_link_alloc();
	int r;

	if (!l)
		return -ENOMEM;
	r = rtnl_link_set_type(l, "bridge");
	if (r < 0)
		return nl_to_errno(r);
	apply(l, a);
	return nl_to_errno(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
}

int link_change(struct nl_sock *sk, int ifindex, const struct link_attrs *a)
{
	_cleanup_(linkp) struct rtnl_link *orig = NULL, *chg = rtnl_link_alloc();
	int r;

	if (!chg)
		return -ENOMEM;
	r = rtnl_link_get_kernel(sk, ifindex, NULL, &orig);
	if (r < 0)
		return nl_to_errno(r);
	apply(chg, a);
	return nl_to_errno(rtnl_link_change(sk, orig, chg, 0));
}

int link_delete(struct nl_sock *sk, int ifindex)
{
	_cleanup_(linkp) struct rtnl_link *l = rtnl_link_alloc();

	if (!l)
		return -ENOMEM;
	rtnl_link_set_ifindex(l, ifindex);
	return nl_to_errno(rtnl_link_delete(sk, l));
}

/* Parse "addr/prefix" (prefix optional: host) into a libnl address of family. */
static int parse_prefix(int family, const char *s, struct nl_addr **ret)
{
	_cleanup_free_ char *a = xstrdup(s);
	char *slash = strchr(a, '/');
	unsigned char buf[16];
	unsigned plen = family == AF_INET ? 32 : 128;
	struct nl_addr *n;

	if (slash) {
		*slash = 0;
		if (safe_atou(slash + 1, &plen) < 0 || plen > (family == AF_INET ? 32u : 128u))
			return -EINVAL;
	}
	if (inet_pton(family, a, buf) != 1)
		return -EINVAL;
	n = nl_addr_build(family, buf, family == AF_INET ? 4 : 16);
	if (!n)
		return -ENOMEM;
	nl_addr_set_prefixlen(n, (int)plen);
	*ret = n;
	return 0;
}

static struct nl_addr *ipv4_broadcast(const struct nl_addr *local)
{
	uint32_t a, mask;
	unsigned plen = nl_addr_get_prefixlen(local);

	memcpy(&a, nl_addr_get_binary_addr(local), 4);
	mask = plen ? htonl(~0U << (32 - plen)) : 0;
	a |= ~mask;
	return nl_addr_build(AF_INET, &a, 4);
}

int addr_add(struct nl_sock *sk, int ifindex, int family, const char *spec)
{
	_cleanup_(raddrp) struct rtnl_addr *ra = rtnl_addr_alloc();
	_cleanup_(addrp) struct nl_addr *local = NULL, *bcast = NULL;
	_cleanup_strv_free_ char **f = strv_split(spec, " \t");
	int r;

	if (!ra)
		return -ENOMEM;
	if (strv_length(f) < 1)
		return -EINVAL;
	r = parse_prefix(family, f[0], &local);
	if (r < 0)
		return r;
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, family);
	r = rtnl_addr_set_local(ra, local);
	if (r < 0)
		return nl_to_errno(r);
	if (family == AF_INET) {
		if (f[1])
			r = parse_prefix(AF_INET, f[1], &bcast);
		else if (nl_addr_get_prefixlen(local) < 31)
			bcast = ipv4_broadcast(local);
		if (r < 0)
			return r;
		if (bcast)
			(void)rtnl_addr_set_broadcast(ra, bcast);
	} else
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	return nl_to_errno(rtnl_addr_add(sk, ra, 0));
}

int addr_first(struct nl_sock *sk, int ifindex, int family, char *buf, size_t size)
{
	_cleanup_(cachep) struct nl_cache *cache = NULL;
	int r = rtnl_addr_alloc_cache(sk, &cache);

	if (r < 0)
		return nl_to_errno(r);
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *l = rtnl_addr_get_local(a);

		if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != family || !l)
			continue;
		if (family == AF_INET6 && rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE)
			continue;
		if (!inet_ntop(family, nl_addr_get_binary_addr(l), buf, (socklen_t)size))
			return -ENOSPC;
		return 1;
	}
	return 0;
}

int route_add(struct nl_sock *sk, int family, const char *dst, const char *gw, int ifindex,
	      bool onlink)
{
	_cleanup_(routep) struct rtnl_route *rt = rtnl_route_alloc();
	_cleanup_(addrp) struct nl_addr *d = NULL, *g = NULL;
	struct rtnl_nexthop *nh;
	int r;

	if (!rt)
		return -ENOMEM;
	r = parse_prefix(family, dst ? dst : (family == AF_INET ? "0.0.0.0/0" : "::/0"), &d);
	if (r < 0)
		return r;
	if (gw) {
		r = parse_prefix(family, gw, &g);
		if (r < 0)
			return r;
	}
	(void)rtnl_route_set_family(rt, (uint8_t)family);
	(void)rtnl_route_set_dst(rt, d);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_scope(rt, g ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	nh = rtnl_route_nh_alloc();
	if (!nh)
		return -ENOMEM;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (g)
		rtnl_route_nh_set_gateway(nh, g);
	if (onlink)
		rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
	rtnl_route_add_nexthop(rt, nh); /* rt owns nh now */
	return nl_to_errno(rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_EXCL));
}

int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned v[6];
	char end;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
				      &v[4], &v[5], &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)v[i];
	return 0;
}
