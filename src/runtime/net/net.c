/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxc.net.N: the interfaces of a container, made by cove-monitor (see
 * net.h). One struct netdev per lxc.net.N records what was made, so that
 * cove_net_destroy() undoes exactly that, after a stop or a failed start.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "log.h"
#include "net-link.h"
#include "net.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("network");

struct netdev {
	struct cove_net *n;	  /* borrowed from the conf */
	char host[IFNAMSIZ];	  /* veth: host side */
	int host_ifindex;	  /* veth: host side, > 0 once made */
	int link_ifindex;	  /* lxc.net.N.link on the host, 0 if none */
	char ct[IFNAMSIZ];	  /* name in the container */
	int ct_ifindex;		  /* > 0 once it exists in the container */
	char phys_orig[IFNAMSIZ]; /* phys: its host name, to give it back */
	bool up_ran;		  /* script.up ran: script.down is due */
};

struct cove_netns {
	int self_fd;	      /* the monitor's own netns */
	int ns_fd;	      /* the container's */
	struct nl_sock *host; /* netlink in self_fd */
	struct nl_sock *ct;   /* netlink in ns_fd */
	struct netdev *devs;
	size_t n_devs;
	const struct cove_conf *conf; /* borrowed */
	char *name;
	char *config_path;
	int log_fd;
};

static bool type_made(int t)
{
	return t == COVE_NET_VETH || t == COVE_NET_MACVLAN || t == COVE_NET_VLAN ||
	       t == COVE_NET_PHYS || t == COVE_NET_EMPTY;
}

bool cove_net_wanted(const struct cove_conf *c)
{
	for (size_t i = 0; i < c->n_nets; i++) {
		const struct cove_net *n = &c->nets[i];

		if (n->type == COVE_NET_NONE)
			return false; /* the host's netns: nothing to make */
		if (n->type == COVE_NET_EMPTY ? !isempty(n->script_up) || !isempty(n->script_down)
					      : type_made(n->type))
			return true;
	}
	return false;
}

static int net_err(struct cove_error *err, int r, const struct cove_net *n, const char *sub,
		   const char *what, const char *val)
{
	return cove_err(err, r, "Failed to %s '%s' for lxc.net.%u.%s: %s", what, val, n->index, sub,
			strerror(-r));
}

/* ---- script.up / script.down, with LXC's arguments and environment ---- */

static _noreturn_ void exec_script(const struct cove_netns *ns, const char *script,
				   const char *hook, char *const *args)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int out = ns->log_fd >= 0 ? ns->log_fd : null;
	_cleanup_free_ char *cmd = NULL;
	char ver[16];
	sigset_t none;
	const char *argv[16] = {"sh", "-c"};
	size_t k = 2;

	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (null >= 0)
		(void)dup2(null, 0);
	if (out >= 0) {
		(void)dup2(out, 1);
		(void)dup2(out, 2);
	}
	(void)close_range(3, ~0U, 0);
	snprintf(ver, sizeof(ver), "%u", ns->conf->hook_version);
	setenv("LXC_NAME", ns->name, 1);
	setenv("LXC_CONFIG_FILE", ns->config_path ? ns->config_path : "", 1);
	setenv("LXC_HOOK_TYPE", hook, 1);
	setenv("LXC_HOOK_SECTION", "net", 1);
	setenv("LXC_HOOK_VERSION", ver, 1);
	setenv("LXC_NET_TYPE", args[0], 1);
	if (streq(args[0], "veth") || streq(args[0], "macvlan") || streq(args[0], "vlan") ||
	    streq(args[0], "phys"))
		setenv("LXC_NET_PARENT", args[1] ? args[1] : "", 1);
	if (streq(args[0], "veth"))
		setenv("LXC_NET_PEER", args[1] && args[2] ? args[2] : "", 1);
	if (ns->conf->hook_version == 0) {
		/* "script NAME net up TYPE [PARENT [PEER]]", as LXC runs it */
		cmd = xasprintf("%s \"$@\"", script);
		argv[k++] = cmd;
		argv[k++] = "sh";
		argv[k++] = ns->name;
		argv[k++] = "net";
		argv[k++] = hook;
		for (size_t i = 0; args[i] && k < ELEMENTSOF(argv) - 1; i++)
			argv[k++] = args[i];
	} else
		argv[k++] = script;
	argv[k] = NULL;
	execv("/bin/sh", (char **)argv);
	_exit(127);
}

static int run_script(const struct cove_netns *ns, const struct netdev *d, const char *hook,
		      struct cove_error *err)
{
	const struct cove_net *n = d->n;
	const char *script = streq(hook, "up") ? n->script_up : n->script_down;
	const char *args[4] = {cove_net_type_to_string(n->type)};
	siginfo_t si = {};
	pid_t pid;

	if (isempty(script))
		return 0;
	if (n->type != COVE_NET_EMPTY) {
		args[1] = n->link ? n->link : "";
		if (n->type == COVE_NET_VETH)
			args[2] = d->host;
	}
	log_debug("Running lxc.net.%u.script.%s '%s'", n->index, hook, script);
	pid = fork();
	if (pid < 0)
		return cove_err(err, -errno, "Failed to run lxc.net.%u.script.%s: %m", n->index,
				hook);
	if (pid == 0)
		exec_script(ns, script, hook, (char *const *)args);
	if (RETRY_EINTR(waitid(P_PID, pid, &si, WEXITED)) < 0)
		return cove_err(err, -errno, "Failed to wait for lxc.net.%u.script.%s: %m",
				n->index, hook);
	if (si.si_code != CLD_EXITED || si.si_status != 0)
		return cove_err(err, -ECANCELED, "lxc.net.%u.script.%s '%s' failed (%s %d)",
				n->index, hook, script,
				si.si_code == CLD_EXITED ? "exit status" : "signal", si.si_status);
	return 0;
}

/* ---- hwaddr with 'x' digits ---- */

void net_fill_hwaddr(char *s)
{
	unsigned char rnd[17];
	bool first_random = strspn(s, "xX") > 0 || (s[0] && (s[1] == 'x' || s[1] == 'X'));

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		for (size_t i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)random();
	for (size_t i = 0; s[i]; i++)
		if (s[i] == 'x' || s[i] == 'X')
			s[i] = "0123456789abcdef"[rnd[i] & 15];
	/* a random first octet must stay unicast and locally administered */
	if (first_random && s[0] && s[1]) {
		unsigned v = (unsigned)strtoul((char[]){s[0], s[1], 0}, NULL, 16);

		v = (v & 0xfe) | 0x02;
		snprintf(s, 3, "%02x", v);
		s[2] = ':';
	}
}

/* Keep a filled-in hwaddr: rewrite that key in the config file, if it has the 'x' form. */
static void save_hwaddr(const char *path, unsigned idx, const char *old, const char *val)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	_cleanup_free_ char *key = xasprintf("lxc.net.%u.hwaddr", idx);
	struct cove_error err = {};
	char cur[32];

	if (!path || cove_conf_load(c, path, &err) < 0)
		return;
	if (cove_conf_get(c, key, cur, sizeof(cur), NULL) < 0 || !streq(cur, old))
		return; /* it came from -s or elsewhere: nothing to keep */
	if (cove_conf_set_item(c, key, val, &err) < 0 || cove_conf_save(c, path, &err) < 0)
		log_debug("Failed to save %s in '%s', ignoring: %s", key, path, err.msg);
}

static void fill_hwaddrs(struct cove_conf *c, const char *config_path)
{
	for (size_t i = 0; i < c->n_nets; i++) {
		struct cove_net *n = &c->nets[i];
		_cleanup_free_ char *old = NULL;

		if (!n->hwaddr || !strpbrk(n->hwaddr, "xX"))
			continue;
		old = xstrdup(n->hwaddr);
		net_fill_hwaddr(n->hwaddr);
		save_hwaddr(config_path, n->index, old, n->hwaddr);
	}
}

/* ---- names inside the container ---- */

static bool name_taken(const struct cove_netns *ns, const char *name)
{
	for (size_t i = 0; i < ns->n_devs; i++)
		if (streq(ns->devs[i].ct, name) ||
		    (ns->devs[i].n->name && streq(ns->devs[i].n->name, name)))
			return true;
	return false;
}

/* Interfaces without lxc.net.N.name get eth0, eth1, ... not used by another one. */
static void assign_names(struct cove_netns *ns)
{
	unsigned k = 0;

	for (size_t i = 0; i < ns->n_devs; i++) {
		struct netdev *d = &ns->devs[i];

		if (d->n->type == COVE_NET_EMPTY)
			continue;
		if (d->n->type == COVE_NET_PHYS && !d->n->name) {
			snprintf(d->ct, sizeof(d->ct), "%s", d->n->link);
			continue;
		}
		if (d->n->name) {
			snprintf(d->ct, sizeof(d->ct), "%s", d->n->name);
			continue;
		}
		for (;; k++) {
			char buf[IFNAMSIZ];

			snprintf(buf, sizeof(buf), "eth%u", k);
			if (!name_taken(ns, buf)) {
				memcpy(d->ct, buf, sizeof(buf));
				k++;
				break;
			}
		}
	}
}

/* ---- one interface ---- */

static int find_link(struct cove_netns *ns, struct netdev *d, struct cove_error *err)
{
	int r;

	if (isempty(d->n->link))
		return 0;
	r = link_ifindex(ns->host, d->n->link);
	if (r == -ENODEV)
		return cove_err(err, r, "Failed to find lxc.net.%u.link '%s': no such interface",
				d->n->index, d->n->link);
	if (r < 0)
		return net_err(err, r, d->n, "link", "look up", d->n->link);
	d->link_ifindex = r;
	return 0;
}

static void random_veth_name(char name[IFNAMSIZ])
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[6];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		for (size_t i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)random();
	memcpy(name, "veth", 4);
	for (size_t i = 0; i < 6; i++)
		name[4 + i] = chars[rnd[i] % (sizeof(chars) - 1)];
	name[10] = 0;
}

static int make_veth(struct cove_netns *ns, struct netdev *d, const unsigned char *mac,
		     struct cove_error *err)
{
	const struct cove_net *n = d->n;
	bool router = streq_ptr(n->veth_mode, "router");
	struct link_attrs host = {.up = true, .ns_fd = -EBADF, .mtu = n->mtu};
	/* the peer comes up later: a veth cannot open before its pair is complete */
	struct link_attrs peer = {.name = d->ct, .mac = mac, .mtu = n->mtu, .ns_fd = ns->ns_fd};
	char kind[32];
	unsigned mtu;
	int r;

	if (d->link_ifindex > 0 && !router) {
		r = link_info(ns->host, d->link_ifindex, kind, sizeof(kind), &mtu, NULL);
		if (r < 0)
			return net_err(err, r, n, "link", "look up", n->link);
		if (!streq(kind, "bridge"))
			return cove_err(err, -EINVAL,
					"Failed to use lxc.net.%u.link '%s': not a bridge",
					n->index, n->link);
		host.master = d->link_ifindex;
		if (!n->mtu)
			host.mtu = peer.mtu = mtu; /* as LXC: the bridge's MTU */
	}
	for (int tries = 0;; tries++) {
		if (n->veth_pair)
			snprintf(d->host, sizeof(d->host), "%s", n->veth_pair);
		else
			random_veth_name(d->host);
		host.name = d->host;
		r = link_add_veth(ns->host, &host, &peer);
		if (r != -EEXIST || n->veth_pair || tries > 8)
			break;
	}
	if (r == -EEXIST && n->veth_pair)
		return cove_err(err, r,
				"Failed to create lxc.net.%u.veth.pair '%s': "
				"an interface of that name exists",
				n->index, n->veth_pair);
	if (r < 0)
		return cove_err(err, r, "Failed to create the veth pair '%s' for lxc.net.%u: %s",
				d->host, n->index, strerror(-r));
	r = link_ifindex(ns->host, d->host);
	if (r < 0) /* cannot happen unless someone removed it already */
		return cove_err(err, r, "Failed to find the new veth '%s'", d->host);
	d->host_ifindex = r;
	return 0;
}

static int make_dev(struct cove_netns *ns, struct netdev *d, struct cove_error *err)
{
	const struct cove_net *n = d->n;
	struct link_attrs a = {.name = d->ct, .mtu = n->mtu, .ns_fd = ns->ns_fd};
	unsigned char mac[6];
	int r;

	if (n->hwaddr && parse_mac(n->hwaddr, mac) < 0)
		return cove_err(err, -EINVAL, "Invalid lxc.net.%u.hwaddr '%s'", n->index,
				n->hwaddr);
	if (n->hwaddr)
		a.mac = mac;
	r = find_link(ns, d, err);
	if (r < 0)
		return r;
	switch (n->type) {
	case COVE_NET_VETH:
		r = make_veth(ns, d, a.mac, err);
		break;
	case COVE_NET_MACVLAN:
		r = link_add_macvlan(ns->host, d->link_ifindex, n->macvlan_mode, &a);
		if (r < 0)
			return net_err(err, r, n, "link", "create a macvlan on", n->link);
		break;
	case COVE_NET_VLAN:
		r = link_add_vlan(ns->host, d->link_ifindex, n->vlan_id, &a);
		if (r == -EOPNOTSUPP)
			return cove_err(err, r,
					"Failed to create a vlan on lxc.net.%u.link '%s': "
					"the kernel has no 8021q support",
					n->index, n->link);
		if (r < 0)
			return net_err(err, r, n, "link", "create a vlan on", n->link);
		break;
	case COVE_NET_PHYS:
		/* moved and renamed in one request, then set up inside */
		snprintf(d->phys_orig, sizeof(d->phys_orig), "%s", n->link);
		r = link_change(
		    ns->host, d->link_ifindex,
		    &(struct link_attrs){.name = d->ct, .ns_fd = ns->ns_fd, .down = true});
		if (r < 0)
			return net_err(err, r, n, "link", "move", n->link);
		break;
	default:
		return 0;
	}
	if (r < 0)
		return r;
	r = link_ifindex(ns->ct, d->ct);
	if (r < 0)
		return cove_err(err, r, "Failed to find '%s' in the container for lxc.net.%u: %s",
				d->ct, n->index, strerror(-r));
	d->ct_ifindex = r;
	if (n->type == COVE_NET_PHYS || n->flags_up) {
		if (n->type == COVE_NET_PHYS)
			a = (struct link_attrs){.mac = a.mac, .mtu = n->mtu, .ns_fd = -EBADF};
		else
			a = (struct link_attrs){.ns_fd = -EBADF};
		a.up = n->flags_up;
		r = link_change(ns->ct, d->ct_ifindex, &a);
		if (r < 0)
			return cove_err(err, r, "Failed to set up '%s' for lxc.net.%u: %s", d->ct,
					n->index, strerror(-r));
	}
	return 0;
}

static int add_addresses(struct cove_netns *ns, struct netdev *d, struct cove_error *err)
{
	const struct cove_net *n = d->n;
	int r;

	STRV_FOREACH (a, n->ipv4_addresses) {
		r = addr_add(ns->ct, d->ct_ifindex, AF_INET, *a);
		if (r < 0)
			return net_err(err, r, n, "ipv4.address", "add", *a);
	}
	STRV_FOREACH (a, n->ipv6_addresses) {
		r = addr_add(ns->ct, d->ct_ifindex, AF_INET6, *a);
		if (r < 0)
			return net_err(err, r, n, "ipv6.address", "add", *a);
	}
	return 0;
}

static int add_gateway(struct cove_netns *ns, struct netdev *d, int family, const char *gw,
		       struct cove_error *err)
{
	const struct cove_net *n = d->n;
	const char *sub = family == AF_INET ? "ipv4.gateway" : "ipv6.gateway";
	char buf[64];
	int r;

	if (isempty(gw))
		return 0;
	if (!n->flags_up)
		return cove_err(err, -EINVAL,
				"Failed to set lxc.net.%u.%s: the interface is not "
				"up (lxc.net.%u.flags = up)",
				n->index, sub, n->index);
	if (streq(gw, "dev")) {
		r = route_add(ns->ct, family, NULL, NULL, d->ct_ifindex, false);
		return r < 0 ? net_err(err, r, n, sub, "add the default route for", gw) : 0;
	}
	if (streq(gw, "auto")) {
		/* the address the link (the bridge) has on the host */
		r = d->link_ifindex > 0
			? addr_first(ns->host, d->link_ifindex, family, buf, sizeof(buf))
			: 0;
		if (r < 0)
			return net_err(err, r, n, sub, "find an address for", gw);
		if (r == 0)
			return cove_err(err, -EADDRNOTAVAIL,
					"Failed to set lxc.net.%u.%s 'auto': "
					"lxc.net.%u.link has no address",
					n->index, sub, n->index);
		gw = buf;
	}
	r = route_add(ns->ct, family, NULL, gw, d->ct_ifindex, false);
	if (r == -ENETUNREACH || r == -EHOSTUNREACH || r == -EINVAL)
		r = route_add(ns->ct, family, NULL, gw, d->ct_ifindex, true);
	return r < 0 ? net_err(err, r, n, sub, "add a default route via", gw) : 0;
}

/* Host side of a veth: routes to the container (router mode, veth.ipvX.route). */
static int host_routes(struct cove_netns *ns, struct netdev *d, struct cove_error *err)
{
	const struct cove_net *n = d->n;
	int r;

	if (n->type != COVE_NET_VETH)
		return 0;
	if (streq_ptr(n->veth_mode, "router")) {
		_cleanup_free_ char *p = xasprintf("/proc/sys/net/ipv4/conf/%s/proxy_arp", d->host);
		_cleanup_free_ char *p6 =
		    xasprintf("/proc/sys/net/ipv6/conf/%s/proxy_ndp", d->host);

		(void)write_string_file(p, "1");
		(void)write_string_file(p6, "1");
		for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
			char **l = fam == AF_INET ? n->ipv4_addresses : n->ipv6_addresses;

			STRV_FOREACH (a, l) {
				_cleanup_free_ char *host = xstrndup(*a, strcspn(*a, "/ \t"));

				r = route_add(ns->host, fam, host, NULL, d->host_ifindex, false);
				if (r < 0)
					return net_err(err, r, n,
						       fam == AF_INET ? "ipv4.address"
								      : "ipv6.address",
						       "add a host route to", host);
			}
		}
	}
	STRV_FOREACH (rt, n->veth_ipv4_routes) {
		r = route_add(ns->host, AF_INET, *rt, NULL, d->host_ifindex, false);
		if (r < 0)
			return net_err(err, r, n, "veth.ipv4.route", "add", *rt);
	}
	STRV_FOREACH (rt, n->veth_ipv6_routes) {
		r = route_add(ns->host, AF_INET6, *rt, NULL, d->host_ifindex, false);
		if (r < 0)
			return net_err(err, r, n, "veth.ipv6.route", "add", *rt);
	}
	return 0;
}

static int setup_dev(struct cove_netns *ns, struct netdev *d, struct cove_error *err)
{
	int r;

	r = make_dev(ns, d, err);
	if (r < 0 || d->n->type == COVE_NET_EMPTY)
		goto script;
	r = add_addresses(ns, d, err);
	if (r < 0)
		return r;
	r = add_gateway(ns, d, AF_INET, d->n->ipv4_gateway, err);
	if (r < 0)
		return r;
	r = add_gateway(ns, d, AF_INET6, d->n->ipv6_gateway, err);
	if (r < 0)
		return r;
	r = host_routes(ns, d, err);
script:
	if (r < 0)
		return r;
	d->up_ran = true; /* LXC runs script.down for every interface it started with */
	return run_script(ns, d, "up", err);
}

/* ---- the netns ---- */

static int open_netns(struct cove_netns *ns, pid_t pid, int netns_fd, struct cove_error *err)
{
	char p[64];

	ns->self_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns->self_fd < 0)
		return cove_err(err, -errno, "Failed to open the monitor's network namespace: %m");
	if (netns_fd >= 0) {
		/* made ahead of the clone: the child may not have joined it yet */
		ns->ns_fd = fcntl(netns_fd, F_DUPFD_CLOEXEC, 3);
		if (ns->ns_fd < 0)
			return cove_err(err, -errno, "Failed to keep the container's network namespace: %m");
		return 0;
	}
	/* pid is our unreaped child: the number cannot have been reused */
	snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
	ns->ns_fd = open(p, O_RDONLY | O_CLOEXEC);
	if (ns->ns_fd < 0)
		return cove_err(err, -errno,
				"Failed to open the container's network namespace: %m");
	return 0;
}

int cove_net_create(struct cove_conf *c, const struct cove_net_ctx *ctx, pid_t pid,
		    struct cove_netns **ret, struct cove_error *err)
{
	_cleanup_(cove_net_destroyp) struct cove_netns *ns = xnew0(struct cove_netns, 1);
	struct timespec t0, t2;
	int r;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);

	ns->self_fd = ns->ns_fd = -EBADF;
	ns->conf = c;
	ns->name = xstrdup(ctx->name);
	ns->config_path = ctx->config_path ? xstrdup(ctx->config_path) : NULL;
	ns->log_fd = ctx->log_fd;
	fill_hwaddrs(c, ctx->config_path);
	r = open_netns(ns, pid, ctx->netns_fd, err);
	if (r < 0)
		return r;
	r = netlink_open(&ns->host);
	if (r >= 0)
		r = netlink_open_in(ns->ns_fd, ns->self_fd, &ns->ct);
	if (r < 0)
		return cove_err(err, r, "Failed to open a netlink socket: %s", strerror(-r));
	ns->devs = xnew0(struct netdev, c->n_nets);
	for (size_t i = 0; i < c->n_nets; i++)
		if (type_made(c->nets[i].type))
			ns->devs[ns->n_devs++].n = &c->nets[i];
	assign_names(ns);
	for (size_t i = 0; i < ns->n_devs; i++) {
		r = setup_dev(ns, &ns->devs[i], err);
		if (r < 0)
			return r; /* ns and all it made so far go */
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t2);
	log_debug("Network of '%s': %zu interfaces in %.2f ms", ctx->name, ns->n_devs,
		  (double)(t2.tv_sec - t0.tv_sec) * 1e3 + (double)(t2.tv_nsec - t0.tv_nsec) / 1e6);
	*ret = TAKE_PTR(ns);
	return 0;
}

static void teardown_dev(struct cove_netns *ns, struct netdev *d)
{
	struct cove_error err = {};
	int r = 0;

	if (d->up_ran && run_script(ns, d, "down", &err) < 0)
		log_debug("%s, ignoring", err.msg);
	/*
	 * The host side by index, if it still has our name: an index is never
	 * handed out twice in a row, but a name check costs little. (Renamed by
	 * someone, it goes with its peer when the netns closes.)
	 */
	if (d->n->type == COVE_NET_VETH && d->host_ifindex > 0 &&
	    link_ifindex(ns->host, d->host) == d->host_ifindex)
		r = link_delete(ns->host, d->host_ifindex);
	else if (d->n->type == COVE_NET_PHYS && d->ct_ifindex > 0)
		r = link_change(
		    ns->ct, d->ct_ifindex,
		    &(struct link_attrs){.name = d->phys_orig, .ns_fd = ns->self_fd, .down = true});
	else if (d->ct_ifindex > 0)
		r = link_delete(ns->ct, d->ct_ifindex);
	if (r < 0 && r != -ENODEV)
		log_debug("Failed to remove the interface of lxc.net.%u: %s, ignoring", d->n->index,
			  strerror(-r));
	d->host_ifindex = d->ct_ifindex = 0;
	d->up_ran = false;
}

struct cove_netns *cove_net_destroy(struct cove_netns *ns)
{
	if (!ns)
		return NULL;
	for (size_t i = ns->n_devs; i > 0; i--)
		teardown_dev(ns, &ns->devs[i - 1]);
	netlink_closep(&ns->host);
	netlink_closep(&ns->ct);
	safe_close(ns->ns_fd);
	safe_close(ns->self_fd);
	free(ns->devs);
	free(ns->name);
	free(ns->config_path);
	free(ns);
	return NULL;
}
