/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxc.net, lxc.net.N and lxc.net.N.<sub>: network interfaces. c->nets is
 * kept sorted by N; an entry appears when a key of its index is first set.
 * Values are validated here (names, addresses, modes); whether a link
 * exists is the runtime's business, not the parser's.
 */
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "conf-internal.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("config");

#define NET_INDEX_MAX 1023

enum net_kind {
	NK_TYPE,
	NK_FLAGS,
	NK_IFNAME,
	NK_STR,
	NK_HWADDR,
	NK_MTU,
	NK_ADDR4,
	NK_GW4,
	NK_ADDR6,
	NK_GW6,
	NK_VETH_MODE,
	NK_ROUTE4,
	NK_ROUTE6,
	NK_MACVLAN_MODE,
	NK_VLAN_ID,
};

#define NOFF(field) offsetof(struct cove_net, field)

static const struct net_key {
	const char *name;
	enum net_kind kind;
	size_t offset;
} net_keys[] = {
    {"type", NK_TYPE, 0},
    {"flags", NK_FLAGS, 0},
    {"link", NK_IFNAME, NOFF(link)},
    {"name", NK_IFNAME, NOFF(name)},
    {"hwaddr", NK_HWADDR, NOFF(hwaddr)},
    {"mtu", NK_MTU, 0},
    {"ipv4.address", NK_ADDR4, NOFF(ipv4_addresses)},
    {"ipv4.gateway", NK_GW4, NOFF(ipv4_gateway)},
    {"ipv6.address", NK_ADDR6, NOFF(ipv6_addresses)},
    {"ipv6.gateway", NK_GW6, NOFF(ipv6_gateway)},
    {"veth.pair", NK_IFNAME, NOFF(veth_pair)},
    {"veth.mode", NK_VETH_MODE, NOFF(veth_mode)},
    {"veth.ipv4.route", NK_ROUTE4, NOFF(veth_ipv4_routes)},
    {"veth.ipv6.route", NK_ROUTE6, NOFF(veth_ipv6_routes)},
    {"macvlan.mode", NK_MACVLAN_MODE, NOFF(macvlan_mode)},
    {"vlan.id", NK_VLAN_ID, 0},
    {"script.up", NK_STR, NOFF(script_up)},
    {"script.down", NK_STR, NOFF(script_down)},
};

#define NSTR(n, nk)  ((char **)((char *)(n) + (nk)->offset))
#define NSTRV(n, nk) ((char ***)((char *)(n) + (nk)->offset))

static bool kind_is_strv(enum net_kind k)
{
	return k == NK_ADDR4 || k == NK_ADDR6 || k == NK_ROUTE4 || k == NK_ROUTE6;
}

static bool kind_is_str(enum net_kind k)
{
	return k == NK_IFNAME || k == NK_STR || k == NK_HWADDR || k == NK_GW4 || k == NK_GW6 ||
	       k == NK_VETH_MODE || k == NK_MACVLAN_MODE;
}

/* Split "lxc.net.N[.sub]": returns 0 and N, *ret_sub NULL for "lxc.net.N". */
static int split_key(const char *key, unsigned *ret_idx, const char **ret_sub)
{
	const char *p = startswith(key, "lxc.net."), *dot;
	char num[16];

	if (!p)
		return -EINVAL;
	dot = strchr(p, '.');
	if ((dot ? (size_t)(dot - p) : strlen(p)) >= sizeof(num))
		return -EINVAL;
	memcpy(num, p, dot ? (size_t)(dot - p) : strlen(p) + 1);
	if (dot)
		num[dot - p] = 0;
	if (safe_atou(num, ret_idx) < 0 || *ret_idx > NET_INDEX_MAX)
		return -EINVAL;
	if (dot && !dot[1])
		return -EINVAL;
	*ret_sub = dot ? dot + 1 : NULL;
	return 0;
}

static const struct net_key *net_key_find(const char *sub)
{
	for (size_t i = 0; sub && i < ELEMENTSOF(net_keys); i++)
		if (streq(sub, net_keys[i].name))
			return &net_keys[i];
	return NULL;
}

static struct cove_net *net_find(const struct cove_conf *c, unsigned idx)
{
	for (size_t i = 0; i < c->n_nets; i++)
		if (c->nets[i].index == idx)
			return &c->nets[i];
	return NULL;
}

static struct cove_net *net_get_or_add(struct cove_conf *c, unsigned idx)
{
	struct cove_net *n = net_find(c, idx);
	size_t pos = 0;

	if (n)
		return n;
	while (pos < c->n_nets && c->nets[pos].index < idx)
		pos++;
	c->nets = xrealloc(c->nets, (c->n_nets + 1) * sizeof(*c->nets));
	memmove(c->nets + pos + 1, c->nets + pos, (c->n_nets - pos) * sizeof(*c->nets));
	c->n_nets++;
	c->nets[pos] = (struct cove_net){.index = idx, .type = -1};
	return &c->nets[pos];
}

static void net_done(struct cove_net *n)
{
	for (size_t i = 0; i < ELEMENTSOF(net_keys); i++) {
		const struct net_key *nk = &net_keys[i];

		if (kind_is_strv(nk->kind))
			*NSTRV(n, nk) = strv_free(*NSTRV(n, nk));
		else if (kind_is_str(nk->kind))
			*NSTR(n, nk) = mfree(*NSTR(n, nk));
	}
}

static void net_remove(struct cove_conf *c, unsigned idx)
{
	struct cove_net *n = net_find(c, idx);
	size_t pos;

	if (!n)
		return;
	pos = n - c->nets;
	net_done(n);
	memmove(c->nets + pos, c->nets + pos + 1, (c->n_nets - pos - 1) * sizeof(*c->nets));
	if (--c->n_nets == 0)
		c->nets = mfree(c->nets);
}

void net_free_all(struct cove_conf *c)
{
	for (size_t i = 0; i < c->n_nets; i++)
		net_done(&c->nets[i]);
	c->nets = mfree(c->nets);
	c->n_nets = 0;
}

static void net_clear_sub(struct cove_net *n, const struct net_key *nk)
{
	switch (nk->kind) {
	case NK_TYPE:
		n->type = -1;
		break;
	case NK_FLAGS:
		n->flags_up = false;
		break;
	case NK_MTU:
		n->mtu = 0;
		break;
	case NK_VLAN_ID:
		n->vlan_id = 0;
		n->vlan_id_set = false;
		break;
	default:
		if (kind_is_strv(nk->kind))
			*NSTRV(n, nk) = strv_free(*NSTRV(n, nk));
		else
			*NSTR(n, nk) = mfree(*NSTR(n, nk));
	}
}

/* Validate a value for a sub key: returns 0 or -EINVAL with *why set. */
static int net_validate(const struct net_key *nk, const char *v, const char **why)
{
	static const char *const macvlan_modes[] = {"private", "vepa", "bridge", "passthru"};
	_cleanup_strv_free_ char **f = NULL;
	unsigned u;

	switch (nk->kind) {
	case NK_TYPE:
		*why = "expected empty, none, veth, macvlan, vlan or phys";
		return cove_net_type_from_string(v) < 0 ? -EINVAL : 0;
	case NK_FLAGS:
		*why = "expected 'up'";
		return streq(v, "up") ? 0 : -EINVAL;
	case NK_IFNAME:
		return parse_ifname(v, why);
	case NK_STR:
		return 0;
	case NK_HWADDR:
		return parse_hwaddr(v, why);
	case NK_MTU:
		*why = "expected a number from 68 to 65535";
		return safe_atou(v, &u) < 0 || u < 68 || u > 65535 ? -EINVAL : 0;
	case NK_ADDR4:
		f = strv_split(v, " \t");
		if (strv_length(f) < 1 || strv_length(f) > 2) {
			*why = "expected 'a.b.c.d/prefix [broadcast]'";
			return -EINVAL;
		}
		if (parse_ipv4_addr(f[0], true, why) < 0)
			return -EINVAL;
		return f[1] ? parse_ipv4_addr(f[1], false, why) : 0;
	case NK_ADDR6:
		return parse_ipv6_addr(v, true, why);
	case NK_GW4:
		return streq(v, "auto") || streq(v, "dev") ? 0 : parse_ipv4_addr(v, false, why);
	case NK_GW6:
		return streq(v, "auto") || streq(v, "dev") ? 0 : parse_ipv6_addr(v, false, why);
	case NK_ROUTE4:
		*why = "expected 'a.b.c.d/prefix'";
		return strchr(v, '/') ? parse_ipv4_addr(v, true, why) : -EINVAL;
	case NK_ROUTE6:
		*why = "expected 'address/prefix'";
		return strchr(v, '/') ? parse_ipv6_addr(v, true, why) : -EINVAL;
	case NK_VETH_MODE:
		*why = "expected bridge or router";
		return streq(v, "bridge") || streq(v, "router") ? 0 : -EINVAL;
	case NK_MACVLAN_MODE:
		*why = "expected private, vepa, bridge or passthru";
		for (size_t i = 0; i < ELEMENTSOF(macvlan_modes); i++)
			if (streq(v, macvlan_modes[i]))
				return 0;
		return -EINVAL;
	case NK_VLAN_ID:
		*why = "expected a number from 0 to 4094";
		return safe_atou(v, &u) < 0 || u > 4094 ? -EINVAL : 0;
	}
	return -EINVAL;
}

static void net_store(struct cove_net *n, const struct net_key *nk, const char *v)
{
	switch (nk->kind) {
	case NK_TYPE:
		n->type = cove_net_type_from_string(v);
		break;
	case NK_FLAGS:
		n->flags_up = true;
		break;
	case NK_MTU:
		(void)safe_atou(v, &n->mtu);
		break;
	case NK_VLAN_ID:
		(void)safe_atou(v, &n->vlan_id);
		n->vlan_id_set = true;
		break;
	default:
		if (kind_is_strv(nk->kind))
			strv_push_dup(NSTRV(n, nk), v);
		else {
			free(*NSTR(n, nk));
			*NSTR(n, nk) = xstrdup(v);
		}
	}
}

int net_set(struct cove_conf *c, const struct cove_key *k, const char *key, const char *value,
	    struct conf_ctx *ctx, struct cove_error *err)
{
	const struct net_key *nk;
	struct cove_net *n;
	const char *sub, *why = "";
	unsigned idx;

	if (split_key(key, &idx, &sub) < 0)
		return cove_err(err, -EINVAL, "Unknown configuration key '%s'", key);
	if (!sub) {
		if (!isempty(value))
			return conf_invalid(
			    err, key, value,
			    "only an empty value (remove the interface) is allowed");
		net_remove(c, idx);
		return 0;
	}
	nk = net_key_find(sub);
	if (!nk)
		return cove_err(err, -EINVAL, "Unknown configuration key '%s'", key);
	if (isempty(value)) {
		n = net_find(c, idx);
		if (n)
			net_clear_sub(n, nk);
		return 0;
	}
	if (net_validate(nk, value, &why) < 0)
		return conf_invalid(err, key, value, "%s", why);
	n = net_get_or_add(c, idx);
	if (kind_is_strv(nk->kind) && strv_length(*NSTRV(n, nk)) >= 1024)
		return conf_invalid(err, key, value, "too many values");
	net_store(n, nk, value);
	return 0;
}

static void net_print_sub(const struct cove_net *n, const struct net_key *nk, FILE *f)
{
	switch (nk->kind) {
	case NK_TYPE:
		if (n->type >= 0)
			fputs(cove_net_type_to_string(n->type), f);
		break;
	case NK_FLAGS:
		if (n->flags_up)
			fputs("up", f);
		break;
	case NK_MTU:
		if (n->mtu)
			fprintf(f, "%u", n->mtu);
		break;
	case NK_VLAN_ID:
		if (n->vlan_id_set)
			fprintf(f, "%u", n->vlan_id);
		break;
	default:
		if (kind_is_strv(nk->kind))
			fprint_strv(f, *NSTRV((struct cove_net *)n, nk), "\n");
		else if (*NSTR((struct cove_net *)n, nk))
			fputs(*NSTR((struct cove_net *)n, nk), f);
	}
}

int net_get(const struct cove_conf *c, const struct cove_key *k, const char *key, FILE *f)
{
	const struct net_key *nk = NULL;
	const struct cove_net *n;
	const char *sub;
	unsigned idx;

	if (split_key(key, &idx, &sub) < 0 || (sub && !(nk = net_key_find(sub))))
		return -ENOENT;
	n = net_find(c, idx);
	if (!sub) {
		/* lxc.net.N: the sub keys, as LXC lists them */
		for (size_t i = 0; n && i < ELEMENTSOF(net_keys); i++)
			fprintf(f, "%s%s", i ? "\n" : "", net_keys[i].name);
		return 0;
	}
	if (n)
		net_print_sub(n, nk, f);
	return 0;
}

int net_clr(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	const struct net_key *nk = NULL;
	struct cove_net *n;
	const char *sub;
	unsigned idx;

	if (split_key(key, &idx, &sub) < 0 || (sub && !(nk = net_key_find(sub))))
		return -ENOENT;
	if (!sub) {
		net_remove(c, idx);
		return 0;
	}
	n = net_find(c, idx);
	if (n)
		net_clear_sub(n, nk);
	return 0;
}

int net_set_all(struct cove_conf *c, const struct cove_key *k, const char *key, const char *value,
		struct conf_ctx *ctx, struct cove_error *err)
{
	if (!isempty(value))
		return conf_invalid(err, key, value, "only an empty value (clear all) is allowed");
	net_free_all(c);
	return 0;
}

int net_get_all(const struct cove_conf *c, const struct cove_key *k, const char *key, FILE *f)
{
	for (size_t i = 0; i < c->n_nets; i++)
		fprintf(f, "%s%s", i ? "\n" : "",
			c->nets[i].type >= 0 ? cove_net_type_to_string(c->nets[i].type) : "");
	return 0;
}

int net_clr_all(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	net_free_all(c);
	return 0;
}

int net_check(const struct cove_conf *c, struct cove_error *err)
{
	for (size_t i = 0; i < c->n_nets; i++) {
		const struct cove_net *n = &c->nets[i];

		if (n->type < 0)
			return cove_err(err, -EINVAL, "Missing 'lxc.net.%u.type'", n->index);
		if ((n->type == COVE_NET_MACVLAN || n->type == COVE_NET_VLAN ||
		     n->type == COVE_NET_PHYS) &&
		    !n->link)
			return cove_err(err, -EINVAL, "Missing 'lxc.net.%u.link' for type '%s'",
					n->index, cove_net_type_to_string(n->type));
		if (n->type == COVE_NET_VLAN && !n->vlan_id_set)
			return cove_err(err, -EINVAL,
					"Missing 'lxc.net.%u.vlan.id' for type 'vlan'", n->index);
		for (size_t j = 0; j < i; j++)
			if (n->name && streq_ptr(n->name, c->nets[j].name))
				return cove_err(
				    err, -EINVAL,
				    "Interface name '%s' used by lxc.net.%u and lxc.net.%u",
				    n->name, c->nets[j].index, n->index);
	}
	return 0;
}
