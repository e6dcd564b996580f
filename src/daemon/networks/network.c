/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Managed networks (see network.h): config checks and the bridge service. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "daemon.h"
#include "fileio.h"
#include "log.h"
#include "net-link.h"
#include "netsvc.h"
#include "network.h"
#include "network-acl.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

LOG_MODULE("network");

/* ---- config keys (LXD's bridge driver, the ones cove makes work) ---- */

static int check_bool(const char *v)
{
	bool b;

	return isempty(v) ? 0 : parse_bool(v, &b);
}

static int check_ip4(const char *v)
{
	struct in_addr a;

	return isempty(v) || inet_pton(AF_INET, v, &a) == 1 ? 0 : -EINVAL;
}

static int check_cidr4(const char *v)
{
	uint32_t addr, mask;
	unsigned p;

	if (isempty(v) || streq(v, "auto") || streq(v, "none"))
		return 0;
	if (netsvc_parse_subnet(v, &addr, &p) < 0)
		return -EINVAL;
	mask = ~0U << (32 - p);
	if ((addr & ~mask) == 0 || (addr & ~mask) == ~mask)
		return -EINVAL; /* the network or broadcast address: not one for the bridge */
	return 0;
}

static int check_cidr6(const char *v)
{
	_cleanup_free_ char *a = NULL;
	unsigned char b[16];
	const char *slash;
	unsigned p;

	if (isempty(v) || streq(v, "auto") || streq(v, "none"))
		return 0;
	slash = strchr(v, '/');
	a = xstrndup(v, strcspn(v, "/"));
	if (!slash || inet_pton(AF_INET6, a, b) != 1 || safe_atou(slash + 1, &p) < 0 || p < 8 ||
	    p > 128)
		return -EINVAL;
	return 0;
}

/* "A.B.C.D-A.B.C.D[,...]" */
static int check_ranges(const char *v)
{
	_cleanup_strv_free_ char **l = NULL;

	if (isempty(v))
		return 0;
	l = strv_split(v, ",");
	STRV_FOREACH (r, l) {
		_cleanup_free_ char *a = NULL;
		char *dash = strchr(*r, '-');

		if (!dash)
			return -EINVAL;
		a = xstrndup(strstrip(*r), strcspn(strstrip(*r), "-"));
		if (check_ip4(a) < 0 || check_ip4(strstrip(dash + 1)) < 0 || isempty(a))
			return -EINVAL;
	}
	return 0;
}

static int check_domain(const char *v)
{
	if (isempty(v))
		return 0;
	if (strlen(v) > 253 || *v == '.' || *v == '-')
		return -EINVAL;
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '.'))
			return -EINVAL;
	return 0;
}

static int check_mtu(const char *v)
{
	unsigned m;

	if (isempty(v))
		return 0;
	return safe_atou(v, &m) >= 0 && m >= 1280 && m <= 16384 ? 0 : -EINVAL;
}

static int check_mac(const char *v)
{
	unsigned char mac[6];

	return isempty(v) || parse_mac(v, mac) >= 0 ? 0 : -EINVAL;
}

static const struct {
	const char *key;
	int (*check)(const char *v);
} net_keys[] = {
	{ "bridge.hwaddr", check_mac },	 { "bridge.mtu", check_mtu },
	{ "dns.domain", check_domain },	 { "ipv4.address", check_cidr4 },
	{ "ipv4.dhcp", check_bool },	 { "ipv4.dhcp.gateway", check_ip4 },
	{ "ipv4.dhcp.ranges", check_ranges }, { "ipv4.nat", check_bool },
	{ "ipv6.address", check_cidr6 }, { "ipv6.dhcp", check_bool },
	{ "ipv6.nat", check_bool },
	{ "ipv4.routes", network_check_routes4 }, { "bridge.external_interfaces", network_check_ifaces },
	{ "dns.mode", network_check_dns_mode },
	{ "security.acls", network_acl_check_names },
	{ "security.acls.default.ingress.action", network_acl_check_action },
	{ "security.acls.default.egress.action", network_acl_check_action },
	{ "security.acls.default.ingress.logged", check_bool },
	{ "security.acls.default.egress.logged", check_bool },
};

int network_name_validate(const char *name, struct cove_error *err)
{
	if (isempty(name))
		return cove_err(err, -EINVAL, "No name provided");
	if (strlen(name) > 15)
		return cove_err(err, -EINVAL,
				"Network name \"%s\" is invalid: Network interface is too long "
				"(maximum 15 characters)",
				name);
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("-_.", *p)) ||
		    streq(name, ".") || streq(name, ".."))
			return cove_err(err, -EINVAL,
					"Network name \"%s\" is invalid: Invalid character in "
					"network name",
					name);
	return 0;
}

int network_config_validate(const char *name, const json_t *config, struct cove_error *err)
{
	const char *k;
	json_t *v;

	if (!config || json_is_null(config))
		return 0;
	if (!util_json_is_string_map(config))
		return cove_err(err, -EINVAL, "Invalid config: config must be a map of strings");
	json_object_foreach ((json_t *)config, k, v) {
		const char *s = json_string_value(v);
		bool known = false;

		if (startswith(k, "user."))
			continue;
		for (size_t i = 0; i < ELEMENTSOF(net_keys) && !known; i++) {
			if (!streq(k, net_keys[i].key))
				continue;
			known = true;
			if (net_keys[i].check(s) < 0)
				return cove_err(err, -EINVAL,
						"Invalid value for network \"%s\" option \"%s\": "
						"Invalid value \"%s\"",
						name, k, s);
		}
		if (!known)
			return cove_err(err, -EINVAL, "Invalid option for network \"%s\" option \"%s\"",
					name, k);
	}
	return 0;
}

static const char *cfg(const json_t *config, const char *key)
{
	return json_string_value(json_object_get(config, key));
}

static bool cfg_bool(const json_t *config, const char *key, bool def)
{
	const char *v = cfg(config, key);
	bool b;

	return isempty(v) || parse_bool(v, &b) < 0 ? def : b;
}

int network_config_fill(json_t *config, struct cove_error *err)
{
	const char *a4 = cfg(config, "ipv4.address"), *a6 = cfg(config, "ipv6.address");
	int r;

	if (isempty(a4) || streq(a4, "auto")) {
		_cleanup_free_ char *sub = NULL;

		r = netsvc_auto_subnet(&sub, err);
		if (r < 0)
			return cove_err_prefix(err, "Failed generating auto config");
		json_object_set_new(config, "ipv4.address", json_string(sub));
		if (isempty(cfg(config, "ipv4.nat")))
			json_object_set_new(config, "ipv4.nat", json_string("true"));
	}
	if (isempty(a6) || streq(a6, "auto")) {
		_cleanup_free_ char *sub6 = netsvc_auto_subnet6();

		json_object_set_new(config, "ipv6.address", json_string(sub6));
		if (isempty(cfg(config, "ipv6.nat")))
			json_object_set_new(config, "ipv6.nat", json_string("true"));
	}
	return 0;
}

int network_config_resolve_auto(json_t *config, struct cove_error *err)
{
	int r;

	if (streq_ptr(cfg(config, "ipv4.address"), "auto")) {
		_cleanup_free_ char *sub = NULL;

		r = netsvc_auto_subnet(&sub, err);
		if (r < 0)
			return cove_err_prefix(err, "Failed generating auto config");
		json_object_set_new(config, "ipv4.address", json_string(sub));
	}
	if (streq_ptr(cfg(config, "ipv6.address"), "auto")) {
		_cleanup_free_ char *sub6 = netsvc_auto_subnet6();

		json_object_set_new(config, "ipv6.address", json_string(sub6));
	}
	return 0;
}

/* ---- the bridge service ---- */

static char *state_dir(void)
{
	return path_join(the_daemon->dir, "networks");
}

/* LXD's "A-B,C-D" as dnsmasq's "A,B;C,D" */
static char *dnsmasq_ranges(const char *v)
{
	char *s = xstrdup(v);

	for (char *p = s; *p; p++)
		*p = *p == ',' ? ';' : *p == '-' ? ',' : *p;
	return s;
}

/* 00:16:3e:XX:XX:XX from the network name: the bridge keeps its MAC when made again */
static char *stable_mac(const char *name)
{
	_cleanup_free_ char *key = xasprintf("network/%s", name);
	char hex[65];

	util_sha256_hex(key, strlen(key), hex);
	return xasprintf("00:16:3e:%.2s:%.2s:%.2s", hex, hex + 2, hex + 4);
}

static void svc_from(const struct db_network *n, struct netsvc *s)
{
	const json_t *c = n->config;
	const char *v;

	netsvc_init(s);
	s->bridge = xstrdup(n->name);
	s->state_dir = state_dir();
	s->addr4 = xstrdup(cfg(c, "ipv4.address") ?: "none");
	v = cfg(c, "ipv6.address");
	s->addr6 = isempty(v) ? NULL : xstrdup(v);
	v = cfg(c, "ipv4.dhcp.ranges");
	s->range = isempty(v) ? NULL : dnsmasq_ranges(v);
	/* dns.mode=none: no names (no domain for dnsmasq) */
	s->domain = streq_ptr(cfg(c, "dns.mode"), "none") ? NULL
							  : xstrdup(cfg(c, "dns.domain") ?: "lxd");
	v = cfg(c, "ipv4.dhcp.gateway");
	s->gateway4 = isempty(v) ? NULL : xstrdup(v);
	v = cfg(c, "bridge.hwaddr");
	s->hwaddr = isempty(v) ? stable_mac(n->name) : xstrdup(v);
	v = cfg(c, "bridge.mtu");
	if (!isempty(v))
		(void)safe_atou(v, &s->mtu);
	s->nat = cfg_bool(c, "ipv4.nat", false);
	s->nat6 = cfg_bool(c, "ipv6.nat", false);
	s->dhcp4 = cfg_bool(c, "ipv4.dhcp", true);
	s->dhcp6 = cfg_bool(c, "ipv6.dhcp", true);
	s->keep_forward = true; /* as LXD: forwarding stays on for the other bridges */
	netsvc_default_table(s);
}

static int open_nl(struct nl_sock **sk, struct cove_error *err)
{
	int r = netlink_open(sk);

	return r < 0 ? cove_err(err, r, "Failed to open a netlink socket: %s", strerror(-r)) : 0;
}

int network_start(const struct db_network *n, struct cove_error *err)
{
	_cleanup_(netsvc_done) struct netsvc s = {};
	_cleanup_(netlink_closep) struct nl_sock *sk = NULL;
	int r;

	r = open_nl(&sk, err);
	if (r < 0)
		return r;
	svc_from(n, &s);
	r = netsvc_start(&s, sk, err);
	if (r >= 0) {
		int e = network_extras_apply(n->name, NULL, n->config, err);

		if (e < 0) {
			(void)netsvc_stop(&s, sk);
			return e;
		}
		networks_sync_static_leases();
	}
	return r;
}

void network_stop(const struct db_network *n, bool forget)
{
	_cleanup_(netsvc_done) struct netsvc s = {};
	_cleanup_(netlink_closep) struct nl_sock *sk = NULL;
	_cleanup_free_ char *hosts = NULL, *leases = NULL;

	if (open_nl(&sk, NULL) < 0)
		return;
	svc_from(n, &s);
	(void)netsvc_stop(&s, sk);
	network_acl_remove(n->name);
	if (!forget)
		return;
	hosts = netsvc_state_file(&s, "dnsmasq.", ".hosts");
	leases = netsvc_state_file(&s, "dnsmasq.", ".leases");
	(void)unlink(hosts);
	(void)unlink(leases);
}

int network_create(const char *name, const char *description, const json_t *config,
		   struct cove_error *err)
{
	struct db_network n = { .name = (char *)name, .type = (char *)"bridge",
				.description = (char *)(description ?: "") };
	_cleanup_json_ json_t *c = json_is_object(config) ? json_deep_copy(config) : json_object();
	int r;

	r = network_name_validate(name, err);
	if (r >= 0)
		r = network_config_validate(name, c, err);
	if (r < 0)
		return r;
	if (if_nametoindex(name) > 0)
		return cove_err(err, -EEXIST, "The network already exists");
	r = network_config_fill(c, err);
	if (r < 0)
		return r;
	n.config = c;
	r = db_network_insert(the_daemon->db, &n, err);
	if (r < 0)
		return r;
	r = network_start(&n, err);
	if (r < 0) {
		(void)db_network_delete(the_daemon->db, name, NULL);
		return r;
	}
	return 0;
}

static void reattach(struct nl_sock *sk, const char *br, char **ports)
{
	int idx = link_ifindex(sk, br);

	STRV_FOREACH (p, ports) {
		int pi = link_ifindex(sk, *p);

		if (idx > 0 && pi > 0)
			(void)link_change(sk, pi, &(struct link_attrs){ .master = idx, .ns_fd = -EBADF });
	}
}

/* Whether a change needs the bridge made again (its addresses, mtu or MAC). */
static bool bridge_changed(const json_t *a, const json_t *b)
{
	static const char *const keys[] = { "ipv4.address", "ipv6.address", "bridge.mtu",
					    "bridge.hwaddr" };

	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (!streq(cfg(a, keys[i]) ?: "", cfg(b, keys[i]) ?: ""))
			return true;
	return false;
}

/* NAT and DHCP/DNS settings only: the nft table and dnsmasq, the bridge stays. */
static int reconfigure_services(const struct db_network *n, struct cove_error *err)
{
	_cleanup_(netsvc_done) struct netsvc s = {};
	int r;

	svc_from(n, &s);
	(void)netsvc_set_subnet4(&s);
	r = netsvc_nft_apply(&s, err);
	if (r >= 0)
		r = netsvc_dnsmasq_restart(&s, err);
	return r;
}

int network_reconfigure(const struct db_network *old, const struct db_network *n,
			struct cove_error *err)
{
	_cleanup_(netlink_closep) struct nl_sock *sk = NULL;
	_cleanup_strv_free_ char **ports = network_bridge_ports(old->name);
	int r;

	r = open_nl(&sk, err);
	if (r < 0)
		return r;
	if (!bridge_changed(old->config, n->config) && link_ifindex(sk, old->name) > 0) {
		r = reconfigure_services(n, err);
		if (r >= 0)
			r = network_extras_apply(n->name, old->config, n->config, err);
		if (r < 0) {
			(void)reconfigure_services(old, NULL);
			(void)network_extras_apply(old->name, n->config, old->config, NULL);
		}
		return r;
	}
	network_stop(old, false);
	r = network_start(n, err);
	if (r < 0) {
		/* put the old one back, so that a refused change leaves things as they were */
		(void)network_start(old, NULL);
		reattach(sk, old->name, ports);
		return r;
	}
	reattach(sk, n->name, ports);
	return 0;
}

void networks_restore(void)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_(netlink_closep) struct nl_sock *sk = NULL;

	if (db_network_names(the_daemon->db, &names, NULL) < 0 || !names)
		return;
	if (open_nl(&sk, NULL) < 0)
		return;
	STRV_FOREACH (name, names) {
		_cleanup_(netsvc_done) struct netsvc s = {};
		_cleanup_(netsvc_status_done) struct netsvc_status st = {};
		struct db_network n = { 0 };
		struct cove_error err = { 0 };
		int r = 0;

		if (db_network_get(the_daemon->db, *name, &n, NULL) < 0)
			continue;
		svc_from(&n, &s);
		netsvc_status(&s, sk, &st);
		if (!st.up) {
			_cleanup_strv_free_ char **ports = network_bridge_ports(*name);

			network_stop(&n, false);
			r = network_start(&n, &err);
			reattach(sk, *name, ports);
		} else {
			(void)netsvc_set_subnet4(&s);
			if (!st.nft)
				r = netsvc_nft_apply(&s, &err);
			if (r >= 0 && !st.dnsmasq)
				r = netsvc_dnsmasq_restart(&s, &err);
			if (r >= 0) /* routes, external interfaces, ACL table */
				r = network_extras_apply(n.name, NULL, n.config, &err);
		}
		if (r < 0)
			log_error("Failed to restore network '%s': %s", *name, err.msg);
		db_network_clear(&n);
	}
	networks_sync_static_leases();
}
