/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nic devices of instances and profiles (type nic, network=NAME or
 * nictype=bridged + parent=BRIDGE) as lxc.net.N veth lines; static DHCP
 * leases (ipv4.address) in dnsmasq's hosts file, keyed by the nic's MAC (its
 * hwaddr, or one derived from instance and device name so that it stays
 * the same across restarts); what uses a network; leases; and the
 * interfaces and addresses of a running instance read through netlink in
 * its network namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "daemon.h"
#include "fileio.h"
#include "instances/instance.h"
#include "net-link.h"
#include "netsvc.h"
#include "network.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

static const char *dstr(const json_t *d, const char *key)
{
	return json_string_value(json_object_get(d, key));
}

static bool is_nic(const json_t *d)
{
	return streq_ptr(dstr(d, "type"), "nic");
}

/* The bridge a nic is on (borrowed from d). */
static const char *nic_bridge(const json_t *d)
{
	return dstr(d, "network") ?: dstr(d, "parent");
}

static int nic_error(const char *dev, struct cove_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int nic_error(const char *dev, struct cove_error *err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cove_err(err, -EINVAL, "Invalid devices: Device validation failed for \"%s\": %s",
			dev, msg);
}

int network_nic_validate(const char *devname, const json_t *dev, struct cove_error *err)
{
	static const char *const keys[] = { "type", "network", "nictype", "parent", "name",
					    "hwaddr", "mtu", "host_name", "ipv4.address", NULL };
	const char *network = dstr(dev, "network"), *nictype = dstr(dev, "nictype");
	const char *a4 = dstr(dev, "ipv4.address"), *v;
	unsigned char mac[6];
	unsigned mtu;
	const char *k;
	json_t *x;

	json_object_foreach ((json_t *)dev, k, x)
		if (!strv_contains((char **)keys, k))
			return nic_error(devname, err, "Invalid device option \"%s\"", k);
	if (!isempty(network) && !isempty(nictype))
		return nic_error(devname, err,
				 "Cannot use \"%s\" property in conjunction with \"network\" property",
				 "nictype");
	if (isempty(network)) {
		if (isempty(nictype))
			return nic_error(devname, err, "Missing nic type%s", "");
		if (!streq(nictype, "bridged"))
			return nic_error(devname, err, "Unsupported nic type \"%s\" (cove: bridged only)",
					 nictype);
		if (isempty(dstr(dev, "parent")))
			return nic_error(devname, err, "Required device option \"%s\" is missing",
					 "parent");
	} else {
		struct db_network n = { 0 };
		uint32_t addr, net;
		unsigned prefix;
		struct in_addr in;

		if (db_network_get(the_daemon->db, network, &n, NULL) < 0)
			return nic_error(devname, err, "Failed loading network \"%s\": Network not found",
					 network);
		if (!isempty(a4) && inet_pton(AF_INET, a4, &in) == 1 &&
		    netsvc_parse_subnet(dstr(n.config, "ipv4.address") ?: "", &net, &prefix) >= 0) {
			uint32_t mask = ~0U << (32 - prefix);

			addr = ntohl(in.s_addr);
			if ((addr & mask) != (net & mask) || addr == net) {
				db_network_clear(&n);
				return nic_error(devname, err,
						 "Device IP address \"%s\" not within network subnet", a4);
			}
		}
		db_network_clear(&n);
	}
	v = dstr(dev, "name");
	if (v && (isempty(v) || strlen(v) > 15 || strpbrk(v, "/: \t")))
		return nic_error(devname, err, "Invalid value for device option \"name\": \"%s\"", v);
	v = dstr(dev, "host_name");
	if (v && (isempty(v) || strlen(v) > 15 || strpbrk(v, "/: \t")))
		return nic_error(devname, err, "Invalid value for device option \"host_name\": \"%s\"",
				 v);
	v = dstr(dev, "hwaddr");
	if (v && parse_mac(v, mac) < 0)
		return nic_error(devname, err, "Invalid value for device option \"hwaddr\": \"%s\"", v);
	v = dstr(dev, "mtu");
	if (v && (safe_atou(v, &mtu) < 0 || mtu < 1280 || mtu > 16384))
		return nic_error(devname, err, "Invalid value for device option \"mtu\": \"%s\"", v);
	if (a4) {
		struct in_addr in;

		if (inet_pton(AF_INET, a4, &in) != 1)
			return nic_error(devname, err,
					 "Invalid value for device option \"ipv4.address\": \"%s\"", a4);
		if (isempty(network))
			return nic_error(devname, err,
					 "Cannot use \"%s\" without a managed network (network=)",
					 "ipv4.address");
	}
	return 0;
}

/* 00:16:3e:XX:XX:XX from the instance and device names (stable across restarts). */
static char *derived_mac(const char *instance, const char *devname)
{
	_cleanup_free_ char *key = xasprintf("%s/%s", instance, devname);
	char hex[65];

	util_sha256_hex(key, strlen(key), hex);
	return xasprintf("00:16:3e:%.2s:%.2s:%.2s", hex, hex + 2, hex + 4);
}

static char *nic_mac(const char *instance, const char *devname, const json_t *d)
{
	const char *h = dstr(d, "hwaddr");

	return isempty(h) ? derived_mac(instance, devname) : xstrdup(h);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the nic devices, sorted (the lxc.net index order). */
static char **nic_names(const json_t *devices)
{
	char **l = NULL;
	const char *k;
	json_t *d;

	json_object_foreach ((json_t *)devices, k, d)
		if (is_nic(d))
			strv_push_dup(&l, k);
	if (l)
		qsort(l, strv_length(l), sizeof(char *), cmp_str);
	return l;
}

static void addf(char **t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(char **t, const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL;
	va_list ap;
	char *n;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	n = xasprintf("%s%s", *t, line);
	free(*t);
	*t = n;
}

char *network_nic_lxc_config(const char *instance, const json_t *expanded_devices)
{
	_cleanup_strv_free_ char **names = nic_names(expanded_devices);
	char *t = xstrdup("");
	unsigned i = 0;

	STRV_FOREACH (n, names) {
		const json_t *d = json_object_get(expanded_devices, *n);
		_cleanup_free_ char *mac = nic_mac(instance, *n, d);
		const char *mtu = dstr(d, "mtu"), *host = dstr(d, "host_name");

		addf(&t, "# nic device %s\n", *n);
		addf(&t, "lxc.net.%u.type = veth\n", i);
		addf(&t, "lxc.net.%u.link = %s\n", i, nic_bridge(d));
		addf(&t, "lxc.net.%u.name = %s\n", i, dstr(d, "name") ?: *n);
		addf(&t, "lxc.net.%u.flags = up\n", i);
		addf(&t, "lxc.net.%u.hwaddr = %s\n", i, mac);
		if (mtu)
			addf(&t, "lxc.net.%u.mtu = %s\n", i, mtu);
		if (host)
			addf(&t, "lxc.net.%u.veth.pair = %s\n", i, host);
		i++;
	}
	return t;
}

/* Call fn for every nic of every instance (expanded devices). */
static void foreach_instance_nic(void (*fn)(const char *inst, const char *dev, const json_t *d,
					    void *u),
				 void *u)
{
	_cleanup_strv_free_ char **names = NULL;

	(void)db_instance_names(the_daemon->db, &names, NULL);
	STRV_FOREACH (n, names) {
		_cleanup_json_ json_t *ec = NULL, *ed = NULL;
		struct db_instance i = { 0 };
		const char *k;
		json_t *d;

		if (db_instance_get(the_daemon->db, *n, &i, NULL) < 0)
			continue;
		(void)instance_expand(&i, &ec, &ed, NULL);
		db_instance_clear(&i);
		json_object_foreach (ed, k, d)
			if (is_nic(d))
				fn(*n, k, d, u);
	}
}

struct hosts_ctx {
	const char *network;
	char *text;
};

static void add_host(const char *inst, const char *dev, const json_t *d, void *u)
{
	struct hosts_ctx *h = u;
	_cleanup_free_ char *mac = NULL;
	const char *a4 = dstr(d, "ipv4.address");
	char *n;

	if (isempty(a4) || !streq_ptr(dstr(d, "network"), h->network))
		return;
	mac = nic_mac(inst, dev, d);
	n = xasprintf("%s%s,%s,%s\n", h->text, mac, a4, inst);
	free(h->text);
	h->text = n;
}

void networks_sync_static_leases(void)
{
	_cleanup_strv_free_ char **names = NULL;

	(void)db_network_names(the_daemon->db, &names, NULL);
	STRV_FOREACH (n, names) {
		struct hosts_ctx h = { .network = *n, .text = xstrdup("") };
		struct netsvc s = { .bridge = *n, .state_dir = path_join(the_daemon->dir, "networks") };
		_cleanup_free_ char *path = netsvc_state_file(&s, "dnsmasq.", ".hosts"), *old = NULL;

		foreach_instance_nic(add_host, &h);
		if (read_full_file(path, 1 << 22, &old, NULL) < 0 || !streq(old, h.text)) {
			(void)write_file_atomic(path, h.text, strlen(h.text), 0644);
			netsvc_dnsmasq_reload(&s);
		}
		free(h.text);
		free(s.state_dir);
	}
}

/* ---- used_by ---- */

struct used_ctx {
	const char *network;
	json_t *list;
	const char *last;
};

static bool uses(const json_t *d, const char *network)
{
	return is_nic(d) && streq_ptr(nic_bridge(d), network);
}

static void add_user(const char *inst, const char *dev, const json_t *d, void *u)
{
	struct used_ctx *c = u;
	_cleanup_free_ char *p = NULL;
	size_t i;
	json_t *v;

	if (!uses(d, c->network))
		return;
	p = xasprintf("/1.0/instances/%s", inst);
	json_array_foreach (c->list, i, v)
		if (streq(json_string_value(v), p))
			return;
	json_array_append_new(c->list, json_string(p));
}

json_t *network_used_by(const char *name)
{
	_cleanup_strv_free_ char **profiles = NULL;
	struct used_ctx c = { .network = name, .list = json_array() };

	foreach_instance_nic(add_user, &c);
	(void)db_profile_names(the_daemon->db, &profiles, NULL);
	STRV_FOREACH (p, profiles) {
		struct db_profile prof = { 0 };
		const char *k;
		json_t *d;

		if (db_profile_get(the_daemon->db, *p, &prof, NULL) < 0)
			continue;
		json_object_foreach (prof.devices, k, d)
			if (uses(d, name)) {
				json_array_append_new(c.list, json_sprintf("/1.0/profiles/%s", *p));
				break;
			}
		db_profile_clear(&prof);
	}
	return c.list;
}

/* ---- leases ---- */

struct static_ctx {
	const char *network;
	json_t *list;
};

static void add_static(const char *inst, const char *dev, const json_t *d, void *u)
{
	struct static_ctx *c = u;
	_cleanup_free_ char *mac = NULL;

	if (!streq_ptr(dstr(d, "network"), c->network))
		return;
	mac = nic_mac(inst, dev, d);
	if (!isempty(dstr(d, "ipv4.address")))
		json_array_append_new(c->list,
				      json_pack("{s:s, s:s, s:s, s:s, s:s}", "hostname", inst, "hwaddr",
						mac, "address", dstr(d, "ipv4.address"), "type",
						"static", "location", "none"));
}

json_t *network_leases(const char *name)
{
	struct netsvc s = { .bridge = (char *)name };
	_cleanup_free_ char *dir = path_join(the_daemon->dir, "networks");
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_strv_free_ char **lines = NULL;
	struct db_network n = { 0 };
	struct static_ctx c = { .network = name, .list = json_array() };
	const char *a4;

	s.state_dir = dir;
	path = netsvc_state_file(&s, "dnsmasq.", ".leases");
	if (db_network_get(the_daemon->db, name, &n, NULL) >= 0) {
		a4 = dstr(n.config, "ipv4.address");
		if (!isempty(a4) && !streq(a4, "none")) {
			_cleanup_free_ char *gw = xstrndup(a4, strcspn(a4, "/"));
			_cleanup_free_ char *host = xasprintf("%s.gw", name);

			json_array_append_new(c.list,
					      json_pack("{s:s, s:s, s:s, s:s, s:s}", "hostname", host,
							"hwaddr", "", "address", gw, "type", "gateway",
							"location", "none"));
		}
		db_network_clear(&n);
	}
	foreach_instance_nic(add_static, &c);
	if (read_full_file(path, 1 << 22, &text, NULL) >= 0)
		lines = strv_split(text, "\n");
	STRV_FOREACH (l, lines) {
		char exp[32], mac[64], ip[64], host[256];
		bool dup = false;
		size_t i;
		json_t *v;

		if (sscanf(*l, "%31s %63s %63s %255s", exp, mac, ip, host) != 4)
			continue;
		json_array_foreach (c.list, i, v)
			dup = dup || streq_ptr(dstr(v, "address"), ip);
		if (dup)
			continue;
		json_array_append_new(c.list,
				      json_pack("{s:s, s:s, s:s, s:s, s:s}", "hostname",
						streq(host, "*") ? "" : host, "hwaddr", mac, "address",
						ip, "type", "dynamic", "location", "none"));
	}
	return c.list;
}

/* ---- interfaces and addresses (of this netns, or of an instance's) ---- */

static const char *family_name(int f)
{
	return f == AF_INET ? "inet" : "inet6";
}

static const char *scope_name(int scope)
{
	return scope == RT_SCOPE_HOST ? "local" : scope == RT_SCOPE_LINK ? "link" : "global";
}

static json_t *link_json(struct nl_cache *addrs, struct rtnl_link *l)
{
	int idx = rtnl_link_get_ifindex(l);
	unsigned flags = rtnl_link_get_flags(l);
	struct nl_addr *ll = rtnl_link_get_addr(l);
	char mac[64] = "";
	json_t *list = json_array();

	if (ll && nl_addr_get_len(ll) == 6)
		nl_addr2str(ll, mac, sizeof(mac));
	for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		char buf[INET6_ADDRSTRLEN], mask[8];
		int fam = rtnl_addr_get_family(a);

		if (rtnl_addr_get_ifindex(a) != idx || !local || (fam != AF_INET && fam != AF_INET6))
			continue;
		if (!inet_ntop(fam, nl_addr_get_binary_addr(local), buf, sizeof(buf)))
			continue;
		snprintf(mask, sizeof(mask), "%d", rtnl_addr_get_prefixlen(a));
		json_array_append_new(list,
				      json_pack("{s:s, s:s, s:s, s:s}", "family", family_name(fam),
						"address", buf, "netmask", mask, "scope", scope_name(rtnl_addr_get_scope(a))));
	}
	return json_pack("{s:o, s:{s:i, s:i, s:i, s:i}, s:s, s:s, s:i, s:s, s:s}", "addresses", list,
			 "counters", "bytes_received", 0, "bytes_sent", 0, "packets_received", 0,
			 "packets_sent", 0, "hwaddr", mac, "host_name", "", "mtu",
			 (int)rtnl_link_get_mtu(l), "state", (flags & IFF_UP) ? "up" : "down", "type",
			 (flags & IFF_LOOPBACK) ? "loopback" : "broadcast");
}

/* name NULL: every link, as an object by name; else that link's object (NULL if none). */
static json_t *links_json(struct nl_sock *sk, const char *name)
{
	struct nl_cache *links = NULL, *addrs = NULL;
	json_t *res = name ? NULL : json_object();

	if (rtnl_link_alloc_cache(sk, AF_UNSPEC, &links) < 0)
		return res;
	if (rtnl_addr_alloc_cache(sk, &addrs) < 0) {
		nl_cache_free(links);
		return res;
	}
	for (struct nl_object *o = nl_cache_get_first(links); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *n = rtnl_link_get_name(l);

		if (!n)
			continue;
		if (!name)
			json_object_set_new(res, n, link_json(addrs, l));
		else if (streq(n, name))
			res = link_json(addrs, l);
	}
	nl_cache_free(addrs);
	nl_cache_free(links);
	return res;
}

json_t *network_iface_state(const char *ifname)
{
	_cleanup_(netlink_closep) struct nl_sock *sk = NULL;

	if (netlink_open(&sk) < 0)
		return NULL;
	return links_json(sk, ifname);
}

json_t *network_instance_state(pid_t pid)
{
	_cleanup_free_ char *p = xasprintf("/proc/%d/ns/net", (int)pid);
	_cleanup_close_ int fd = -EBADF, self = -EBADF;
	_cleanup_(netlink_closep) struct nl_sock *sk = NULL;

	if (pid <= 0)
		return json_object();
	fd = open(p, O_RDONLY | O_CLOEXEC);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || self < 0 || netlink_open_in(fd, self, &sk) < 0)
		return json_object();
	return links_json(sk, NULL);
}

void network_append_lxc_config(const char *instance, bool for_start, char **text)
{
	_cleanup_json_ json_t *ec = NULL, *ed = NULL;
	_cleanup_free_ char *lines = NULL;
	struct db_instance i = { 0 };
	char *n;

	if (db_instance_get(the_daemon->db, instance, &i, NULL) < 0)
		return;
	(void)instance_expand(&i, &ec, &ed, NULL);
	db_instance_clear(&i);
	lines = network_nic_lxc_config(instance, ed);
	if (!*lines)
		return;
	n = xasprintf("%s%s", *text, lines);
	free(*text);
	*text = n;
	if (for_start)
		networks_sync_static_leases();
}

/* ---- the links of this netns through netlink (sysfs may be another netns's) ---- */

static struct nl_cache *link_cache(struct nl_sock **sk)
{
	struct nl_cache *links = NULL;

	if (netlink_open(sk) < 0)
		return NULL;
	if (rtnl_link_alloc_cache(*sk, AF_UNSPEC, &links) < 0)
		return NULL;
	return links;
}

char **network_host_ifaces(void)
{
	_cleanup_(netlink_closep) struct nl_sock *sk = NULL;
	struct nl_cache *links = link_cache(&sk);
	char **l = NULL;

	if (!links)
		return NULL;
	for (struct nl_object *o = nl_cache_get_first(links); o; o = nl_cache_get_next(o)) {
		const char *n = rtnl_link_get_name((struct rtnl_link *)o);

		if (n)
			strv_push_dup(&l, n);
	}
	nl_cache_free(links);
	return l;
}

const char *network_iface_type(const char *name)
{
	_cleanup_(netlink_closep) struct nl_sock *sk = NULL;
	struct nl_cache *links = link_cache(&sk);
	struct rtnl_link *l;
	const char *type = "unknown";

	if (!links)
		return type;
	l = rtnl_link_get_by_name(links, name);
	if (l) {
		const char *kind = rtnl_link_get_type(l);

		if (rtnl_link_get_flags(l) & IFF_LOOPBACK)
			type = "loopback";
		else if (kind && streq(kind, "bridge"))
			type = "bridge";
		else if (!kind && rtnl_link_get_arptype(l) == 1)
			type = "physical";
		rtnl_link_put(l);
	}
	nl_cache_free(links);
	return type;
}

char **network_bridge_ports(const char *bridge)
{
	_cleanup_(netlink_closep) struct nl_sock *sk = NULL;
	struct nl_cache *links = link_cache(&sk);
	char **l = NULL;
	int idx;

	if (!links)
		return NULL;
	idx = rtnl_link_name2i(links, bridge);
	for (struct nl_object *o = nl_cache_get_first(links); o && idx > 0; o = nl_cache_get_next(o)) {
		struct rtnl_link *k = (struct rtnl_link *)o;

		if (rtnl_link_get_master(k) == idx && rtnl_link_get_name(k))
			strv_push_dup(&l, rtnl_link_get_name(k));
	}
	nl_cache_free(links);
	return l;
}
