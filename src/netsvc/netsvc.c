/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bridge service (see netsvc.h), for cove-net and coved. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "net-link.h"
#include "netsvc.h"
#include "strutil.h"
#include "strv.h"

void netsvc_init(struct netsvc *s)
{
	*s = (struct netsvc){ .nat = true, .dhcp4 = true, .dhcp6 = true };
}

void netsvc_done(struct netsvc *s)
{
	free(s->bridge);
	free(s->addr4);
	free(s->range);
	free(s->addr6);
	free(s->domain);
	free(s->state_dir);
	free(s->table);
	free(s->user);
	free(s->gateway4);
	free(s->hwaddr);
	*s = (struct netsvc){ 0 };
}

static const char *origin(const struct netsvc *s)
{
	return s->origin ? s->origin : "";
}

void netsvc_default_table(struct netsvc *s)
{
	if (s->table)
		return;
	s->table = xasprintf("cove_%s", s->bridge);
	for (char *p = s->table; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			*p = '_';
}

char *netsvc_state_file(const struct netsvc *s, const char *pre, const char *post)
{
	_cleanup_free_ char *base = xasprintf("%s%s%s", pre, s->bridge, post);

	return path_join(s->state_dir, base);
}

static bool has_v6(const struct netsvc *s)
{
	return s->addr6 && !streq(s->addr6, "none");
}

static bool has_v4(const struct netsvc *s)
{
	return s->addr4 && !streq(s->addr4, "none");
}

int netsvc_parse_subnet(const char *s, uint32_t *ret_addr, unsigned *ret_prefix)
{
	_cleanup_free_ char *a = xstrndup(s, strcspn(s, "/"));
	const char *slash = strchr(s, '/');
	struct in_addr in;
	unsigned p;

	if (!slash || inet_pton(AF_INET, a, &in) != 1 || safe_atou(slash + 1, &p) < 0 || p < 8 ||
	    p > 30)
		return -EINVAL;
	*ret_addr = ntohl(in.s_addr);
	*ret_prefix = p;
	return 0;
}

/* ---- subnet collisions: the routes and addresses of this netns ---- */

struct route4 {
	char dev[IFNAMSIZ + 1];
	uint32_t dst, mask;
};

static int read_routes(struct route4 **ret, size_t *ret_n)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_strv_free_ char **lines = NULL;
	struct route4 *l = NULL;
	struct ifaddrs *ifa = NULL;
	size_t n = 0;
	int r = read_full_file("/proc/net/route", 1 << 22, &text, NULL);

	if (r < 0)
		return r;
	lines = strv_split(text, "\n");
	STRV_FOREACH (line, lines) {
		char dev[IFNAMSIZ + 1];
		unsigned dst, gw, flags, refcnt, use, metric, mask;

		if (sscanf(*line, "%16s %x %x %x %u %u %u %x", dev, &dst, &gw, &flags, &refcnt,
			   &use, &metric, &mask) != 8 ||
		    mask == 0)
			continue; /* the header, and default routes: they collide with nothing */
		l = xrealloc(l, (n + 1) * sizeof(*l));
		memcpy(l[n].dev, dev, sizeof(l[n].dev) - 1);
		l[n].dev[sizeof(l[n].dev) - 1] = 0;
		l[n].dst = ntohl(dst);
		l[n].mask = ntohl(mask);
		n++;
	}
	/* addresses on interfaces that are down have no route yet, but they use the subnet */
	if (getifaddrs(&ifa) == 0) {
		for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !i->ifa_netmask)
				continue;
			l = xrealloc(l, (n + 1) * sizeof(*l));
			snprintf(l[n].dev, sizeof(l[n].dev), "%s", i->ifa_name);
			l[n].mask = ntohl(((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr);
			l[n].dst =
			    ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr) & l[n].mask;
			n++;
		}
		freeifaddrs(ifa);
	}
	*ret = l;
	*ret_n = n;
	return 0;
}

static const struct route4 *collides(const struct route4 *l, size_t n, uint32_t net, uint32_t mask)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t m = mask & l[i].mask; /* the shorter prefix of both */

		if ((net & m) == (l[i].dst & m))
			return &l[i];
	}
	return NULL;
}

static void set_subnet(struct netsvc *s, uint32_t addr, unsigned prefix)
{
	struct in_addr in = { htonl(addr) };

	s->prefix = prefix;
	s->mask = ~0U << (32 - prefix);
	s->net = addr & s->mask;
	inet_ntop(AF_INET, &in, s->gw, sizeof(s->gw));
}

int netsvc_auto_subnet(char **ret, struct cove_error *err)
{
	_cleanup_free_ struct route4 *routes = NULL;
	size_t n = 0;
	int r;

	r = read_routes(&routes, &n);
	if (r < 0)
		return cove_err(err, r, "Failed to read the routing table: %s", strerror(-r));
	for (unsigned k = 4; k < 255; k++) {
		uint32_t net = (10U << 24) | (k << 8);

		if (!collides(routes, n, net, 0xffffff00)) {
			*ret = xasprintf("10.0.%u.1/24", k);
			return 0;
		}
	}
	return cove_err(err, -EADDRINUSE,
			"Failed to automatically find an unused IPv4 subnet, manual configuration "
			"required");
}

/* The canonical text (RFC 5952), as `ip addr` prints it: a zero group must
 * not read "fd42:a:b:0::1" where the kernel shows "fd42:a:b::1". */
char *netsvc_format_subnet6(const uint16_t w[3])
{
	struct in6_addr a = { 0 };
	char buf[INET6_ADDRSTRLEN];

	a.s6_addr[0] = 0xfd;
	a.s6_addr[1] = 0x42;
	for (unsigned i = 0; i < 3; i++) {
		a.s6_addr[2 + 2 * i] = (uint8_t)(w[i] >> 8);
		a.s6_addr[3 + 2 * i] = (uint8_t)w[i];
	}
	a.s6_addr[15] = 1;
	inet_ntop(AF_INET6, &a, buf, sizeof(buf));
	return xasprintf("%s/64", buf);
}

char *netsvc_auto_subnet6(void)
{
	uint16_t w[3] = { 0 };

	if (getrandom(w, sizeof(w), 0) != sizeof(w))
		w[0] = (uint16_t)getpid(), w[1] = (uint16_t)time(NULL);
	return netsvc_format_subnet6(w);
}

static int pick_subnet(struct netsvc *s, struct cove_error *err)
{
	_cleanup_free_ struct route4 *routes = NULL;
	const struct route4 *c;
	size_t n = 0;
	uint32_t addr;
	unsigned prefix;
	int r;

	if (streq(s->addr4, "auto")) {
		_cleanup_free_ char *a = NULL;

		r = netsvc_auto_subnet(&a, NULL);
		if (r < 0)
			return cove_err(err, r,
					"Failed to find a free subnet for '%s' in 10.0.4.0 to "
					"10.0.254.0/24: set ipv4.address%s",
					s->bridge, origin(s));
		free(s->addr4);
		s->addr4 = TAKE_PTR(a);
	}
	if (netsvc_parse_subnet(s->addr4, &addr, &prefix) < 0)
		return cove_err(err, -EINVAL,
				"Invalid ipv4.address '%s'%s: expected A.B.C.D/PREFIX (8 to 30)",
				s->addr4, origin(s));
	set_subnet(s, addr, prefix);
	if (addr == s->net || addr == (s->net | ~s->mask))
		return cove_err(err, -EINVAL, "Invalid ipv4.address '%s'%s: not a host address",
				s->addr4, origin(s));
	r = read_routes(&routes, &n);
	if (r < 0)
		return cove_err(err, r, "Failed to read the routing table: %s", strerror(-r));
	c = collides(routes, n, s->net, s->mask);
	if (c) {
		struct in_addr d = { htonl(c->dst) };
		char buf[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &d, buf, sizeof(buf));
		return cove_err(err, -EADDRINUSE,
				"Refusing ipv4.address '%s'%s: the subnet is already in use "
				"(%s/%d on %s)",
				s->addr4, origin(s), buf, __builtin_popcount(c->mask), c->dev);
	}
	return 0;
}

static char *range_default(const struct netsvc *s)
{
	struct in_addr a = { htonl(s->net + 2) }, b = { htonl((s->net | ~s->mask) - 1) };
	char x[INET_ADDRSTRLEN], y[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, x, sizeof(x));
	inet_ntop(AF_INET, &b, y, sizeof(y));
	return xasprintf("%s,%s", x, y);
}

/* ---- nftables (nft -f -) ---- */

static int nft_run(const char *script, bool quiet)
{
	int p[2], null = -EBADF;
	pid_t pid;
	siginfo_t si = {};

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		(void)dup2(p[0], 0);
		if (quiet && (null = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0) {
			(void)dup2(null, 1);
			(void)dup2(null, 2);
		}
		execlp("nft", "nft", "-f", "-", (char *)NULL);
		fprintf(stderr, "Failed to run 'nft': %m\n");
		_exit(127);
	}
	close(p[0]);
	(void)loop_write(p[1], script, strlen(script));
	close(p[1]);
	if (RETRY_EINTR(waitid(P_PID, pid, &si, WEXITED)) < 0)
		return -errno;
	return si.si_code == CLD_EXITED && si.si_status == 0 ? 0 : -EIO;
}

static char *nat_rules(const struct netsvc *s)
{
	struct in_addr n = { htonl(s->net) };
	char net[INET_ADDRSTRLEN];
	_cleanup_free_ char *v4 = NULL, *v6 = NULL;

	if (!(s->nat && has_v4(s)) && !(s->nat6 && has_v6(s)))
		return xstrdup("");
	inet_ntop(AF_INET, &n, net, sizeof(net));
	v4 = s->nat && has_v4(s)
		 ? xasprintf("    ip saddr %1$s/%2$u ip daddr != %1$s/%2$u masquerade\n", net, s->prefix)
		 : xstrdup("");
	v6 = s->nat6 && has_v6(s)
		 ? xasprintf("    ip6 saddr %1$s ip6 daddr != %1$s masquerade\n", s->addr6)
		 : xstrdup("");
	return xasprintf("  chain postrouting {\n"
			 "    type nat hook postrouting priority srcnat; policy accept;\n"
			 "%s%s"
			 "  }\n",
			 v4, v6);
}

static int nft_add(const struct netsvc *s)
{
	_cleanup_free_ char *nat = nat_rules(s), *script = NULL;

	/* "add + delete + create" in one transaction: replaces only our own table */
	script = xasprintf("add table inet %1$s\n"
			   "delete table inet %1$s\n"
			   "table inet %1$s {\n"
			   "  chain forward {\n"
			   "    type filter hook forward priority filter; policy accept;\n"
			   "    iifname \"%2$s\" accept\n"
			   "    oifname \"%2$s\" ct state related,established accept\n"
			   "  }\n"
			   "%3$s"
			   "}\n",
			   s->table, s->bridge, nat);
	return nft_run(script, false);
}

static void nft_delete(const char *table)
{
	_cleanup_free_ char *script = xasprintf("delete table inet %s\n", table);

	(void)nft_run(script, true); /* not there: nothing to do */
}

/* ---- dnsmasq ---- */

/* Is pid a dnsmasq started with our pid file? (A stale pid file may name anyone.) */
static bool is_our_dnsmasq(pid_t pid, const char *pidfile)
{
	_cleanup_free_ char *p = xasprintf("/proc/%d/cmdline", (int)pid), *cmd = NULL;
	_cleanup_free_ char *want = xasprintf("--pid-file=%s", pidfile);
	size_t len = 0;

	if (pid <= 0 || read_full_file(p, 1 << 16, &cmd, &len) < 0)
		return false;
	for (size_t i = 0; i < len; i += strlen(cmd + i) + 1)
		if (streq(cmd + i, want))
			return true;
	return false;
}

static pid_t read_pid(const char *pidfile)
{
	_cleanup_free_ char *s = NULL;
	unsigned pid;

	if (read_one_line(pidfile, &s) < 0 || safe_atou(strstrip(s), &pid) < 0)
		return 0;
	return (pid_t)pid;
}

static bool wants_dnsmasq(const struct netsvc *s)
{
	return (has_v4(s) && s->dhcp4) || has_v6(s) || s->domain;
}

static char **dnsmasq_argv(const struct netsvc *s)
{
	_cleanup_free_ char *pidfile = netsvc_state_file(s, "dnsmasq.", ".pid");
	_cleanup_free_ char *leases = netsvc_state_file(s, "dnsmasq.", ".leases");
	_cleanup_free_ char *hosts = netsvc_state_file(s, "dnsmasq.", ".hosts");
	_cleanup_free_ char *range = NULL;
	char **argv = NULL;
	const char *user = s->user ? s->user : getpwnam("dnsmasq") ? "dnsmasq" : "root";

	strv_push_dup(&argv, "dnsmasq");
	strv_push(&argv, xstrdup("--conf-file=/dev/null"));
	strv_push(&argv, xasprintf("--user=%s", user));
	strv_push_dup(&argv, "--strict-order");
	strv_push_dup(&argv, "--bind-interfaces");
	strv_push(&argv, xasprintf("--pid-file=%s", pidfile));
	if (has_v4(s))
		strv_push(&argv, xasprintf("--listen-address=%s", s->gw));
	if (has_v6(s))
		strv_push(&argv, xasprintf("--listen-address=%.*s", (int)strcspn(s->addr6, "/"),
					   s->addr6));
	strv_push_dup(&argv, "--except-interface=lo");
	strv_push(&argv, xasprintf("--interface=%s", s->bridge));
	if (has_v4(s) && s->dhcp4) {
		_cleanup_strv_free_ char **ranges = NULL;

		range = s->range ? xstrdup(s->range) : range_default(s);
		ranges = strv_split(range, ";");
		STRV_FOREACH (r, ranges)
			strv_push(&argv, xasprintf("--dhcp-range=%s", strstrip(*r)));
		strv_push(&argv, xasprintf("--dhcp-lease-max=%u", (~s->mask) - 2));
		strv_push_dup(&argv, "--dhcp-no-override");
		strv_push_dup(&argv, "--dhcp-authoritative");
		strv_push_dup(&argv, "--no-ping"); /* no 3 s wait before a first lease */
		strv_push(&argv, xasprintf("--dhcp-leasefile=%s", leases));
		strv_push(&argv, xasprintf("--dhcp-hostsfile=%s", hosts));
		if (s->gateway4)
			strv_push(&argv, xasprintf("--dhcp-option=3,%s", s->gateway4));
	}
	if (s->domain) {
		strv_push(&argv, xasprintf("--domain=%s", s->domain));
		strv_push(&argv, xasprintf("--local=/%s/", s->domain));
		strv_push_dup(&argv, "--expand-hosts");
	}
	if (has_v6(s) && s->dhcp6) {
		strv_push_dup(&argv, "--enable-ra");
		strv_push(&argv,
			  xasprintf("--dhcp-range=::,constructor:%s,ra-stateless", s->bridge));
	}
	return argv;
}

static int dnsmasq_start(struct netsvc *s, struct cove_error *err)
{
	_cleanup_free_ char *pidfile = netsvc_state_file(s, "dnsmasq.", ".pid");
	_cleanup_free_ char *hosts = netsvc_state_file(s, "dnsmasq.", ".hosts");
	_cleanup_strv_free_ char **argv = NULL;
	siginfo_t si = {};
	pid_t pid;

	if (!wants_dnsmasq(s))
		return 0;
	if (access(hosts, F_OK) < 0)
		(void)write_string_file(hosts, "");
	argv = dnsmasq_argv(s);
	(void)unlink(pidfile);
	pid = fork();
	if (pid < 0)
		return cove_err(err, -errno, "Failed to fork: %m");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0)
			(void)dup2(null, 0);
		execvp("dnsmasq", argv);
		fprintf(stderr, "Failed to run 'dnsmasq': %m\n");
		_exit(127);
	}
	/* dnsmasq forks into the background once it listens: its exit status says it */
	if (RETRY_EINTR(waitid(P_PID, pid, &si, WEXITED)) < 0 || si.si_code != CLD_EXITED ||
	    si.si_status != 0)
		return cove_err(err, -EIO, "Failed to start dnsmasq for '%s'", s->bridge);
	s->dnsmasq = read_pid(pidfile);
	if (!is_our_dnsmasq(s->dnsmasq, pidfile))
		return cove_err(err, -ESRCH, "Failed to find the dnsmasq of '%s' (pid file '%s')",
				s->bridge, pidfile);
	return 0;
}

static void dnsmasq_stop(const struct netsvc *s)
{
	_cleanup_free_ char *pidfile = netsvc_state_file(s, "dnsmasq.", ".pid");
	pid_t pid = read_pid(pidfile);

	if (is_our_dnsmasq(pid, pidfile) && kill(pid, SIGTERM) == 0)
		/* it is not our child: wait until it is gone, 2 s at most */
		for (int i = 0; i < 200 && kill(pid, 0) == 0; i++)
			(void)nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	(void)unlink(pidfile);
}

int netsvc_set_subnet4(struct netsvc *s)
{
	uint32_t addr;
	unsigned prefix;

	if (!has_v4(s))
		return 0;
	if (netsvc_parse_subnet(s->addr4, &addr, &prefix) < 0)
		return -EINVAL;
	set_subnet(s, addr, prefix);
	return 0;
}

int netsvc_dnsmasq_restart(struct netsvc *s, struct cove_error *err)
{
	dnsmasq_stop(s);
	if (netsvc_set_subnet4(s) < 0)
		return cove_err(err, -EINVAL, "Invalid ipv4.address '%s'", s->addr4);
	return dnsmasq_start(s, err);
}

int netsvc_nft_apply(struct netsvc *s, struct cove_error *err)
{
	netsvc_default_table(s);
	if (nft_add(s) < 0)
		return cove_err(err, -EIO, "Failed to add the nftables table 'inet %s'", s->table);
	return 0;
}

void netsvc_dnsmasq_reload(const struct netsvc *s)
{
	_cleanup_free_ char *pidfile = netsvc_state_file(s, "dnsmasq.", ".pid");
	pid_t pid = read_pid(pidfile);

	if (is_our_dnsmasq(pid, pidfile))
		(void)kill(pid, SIGHUP);
}

/* ---- the bridge ---- */

static int bridge_add(struct netsvc *s, struct nl_sock *sk, struct cove_error *err)
{
	_cleanup_free_ char *a = xasprintf("%s/%u", s->gw, s->prefix);
	_cleanup_free_ char *fwd = xasprintf("/proc/sys/net/ipv4/conf/%s/forwarding", s->bridge);
	unsigned char mac[6];
	int r, idx;

	r = link_add_bridge(sk, &(struct link_attrs){ .name = s->bridge, .ns_fd = -EBADF });
	if (r == -EEXIST)
		return cove_err(err, r, "Failed to create bridge '%s': an interface of that name exists",
				s->bridge);
	if (r < 0)
		return cove_err(err, r, "Failed to create bridge '%s': %s", s->bridge, strerror(-r));
	s->made_bridge = true;
	idx = link_ifindex(sk, s->bridge);
	if (idx < 0)
		return cove_err(err, idx, "Failed to find bridge '%s': %s", s->bridge, strerror(-idx));
	if (has_v4(s)) {
		r = addr_add(sk, idx, AF_INET, a);
		if (r < 0)
			return cove_err(err, r, "Failed to add '%s' to '%s': %s", a, s->bridge,
					strerror(-r));
	}
	if (has_v6(s)) {
		r = addr_add(sk, idx, AF_INET6, s->addr6);
		if (r < 0)
			return cove_err(err, r, "Failed to add '%s' to '%s': %s", s->addr6, s->bridge,
					strerror(-r));
	}
	if (s->hwaddr && parse_mac(s->hwaddr, mac) < 0)
		return cove_err(err, -EINVAL, "Invalid bridge.hwaddr '%s'", s->hwaddr);
	r = link_change(sk, idx,
			&(struct link_attrs){ .up = true, .ns_fd = -EBADF, .mtu = s->mtu,
					      .mac = s->hwaddr ? mac : NULL });
	if (r < 0)
		return cove_err(err, r, "Failed to bring up '%s': %s", s->bridge, strerror(-r));
	(void)write_string_file(fwd, "1");
	return 0;
}

static void bridge_delete(const char *name, struct nl_sock *sk)
{
	int idx = link_ifindex(sk, name);

	if (idx > 0)
		(void)link_delete(sk, idx);
}

/* ---- state ---- */

static int write_state(const struct netsvc *s)
{
	_cleanup_free_ char *p = netsvc_state_file(s, "", ".state");
	_cleanup_free_ char *text =
	    xasprintf("bridge=%s\naddress=%s/%u\ntable=%s\nforward=%d\ndnsmasq=%d\n", s->bridge,
		      has_v4(s) ? s->gw : "none", s->prefix, s->table, s->set_forward ? 1 : 0,
		      (int)s->dnsmasq);

	return write_file_atomic(p, text, strlen(text), 0644);
}

static char *state_get(const struct netsvc *s, const char *key)
{
	_cleanup_free_ char *p = netsvc_state_file(s, "", ".state"), *text = NULL;
	_cleanup_strv_free_ char **lines = NULL;

	if (read_full_file(p, 1 << 16, &text, NULL) < 0)
		return NULL;
	lines = strv_split(text, "\n");
	STRV_FOREACH (l, lines) {
		const char *v = startswith(*l, key);

		if (v && *v == '=')
			return xstrdup(v + 1);
	}
	return NULL;
}

/* Undo what start made (its own steps only), in reverse. */
static void undo(struct netsvc *s, struct nl_sock *sk)
{
	if (s->dnsmasq > 0)
		dnsmasq_stop(s);
	if (s->made_table)
		nft_delete(s->table);
	if (s->set_forward && !s->keep_forward)
		(void)write_string_file("/proc/sys/net/ipv4/ip_forward", "0");
	if (s->made_bridge)
		bridge_delete(s->bridge, sk);
}

static int start_steps(struct netsvc *s, struct nl_sock *sk, struct cove_error *err)
{
	_cleanup_free_ char *fwd = NULL;
	int r;

	r = mkdir_p(s->state_dir, 0755);
	if (r < 0)
		return cove_err(err, r, "Failed to create '%s': %s", s->state_dir, strerror(-r));
	r = bridge_add(s, sk, err);
	if (r < 0)
		return r;
	if (read_one_line("/proc/sys/net/ipv4/ip_forward", &fwd) >= 0 &&
	    streq(strstrip(fwd), "0") &&
	    write_string_file("/proc/sys/net/ipv4/ip_forward", "1") >= 0)
		s->set_forward = true;
	if (has_v6(s))
		(void)write_string_file("/proc/sys/net/ipv6/conf/all/forwarding", "1");
	r = nft_add(s);
	if (r < 0)
		return cove_err(err, r, "Failed to add the nftables table 'inet %s'", s->table);
	s->made_table = true;
	r = dnsmasq_start(s, err);
	if (r < 0)
		return r;
	r = write_state(s);
	if (r < 0)
		return cove_err(err, r, "Failed to write the state of '%s': %s", s->bridge,
				strerror(-r));
	return 0;
}

int netsvc_start(struct netsvc *s, struct nl_sock *sk, struct cove_error *err)
{
	_cleanup_free_ char *old = state_get(s, "address");
	int r;

	netsvc_default_table(s);
	if (!s->addr4)
		s->addr4 = xstrdup("auto");
	if (old && link_ifindex(sk, s->bridge) > 0)
		return 1;
	if (link_ifindex(sk, s->bridge) > 0)
		return cove_err(err, -EEXIST,
				"Refusing to start: an interface '%s' exists and cove did not make it",
				s->bridge);
	if (has_v4(s)) {
		r = pick_subnet(s, err);
		if (r < 0)
			return r;
	}
	r = start_steps(s, sk, err);
	if (r < 0) {
		undo(s, sk);
		s->made_bridge = s->made_table = s->set_forward = false;
		s->dnsmasq = 0;
		return r;
	}
	return 0;
}

int netsvc_stop(struct netsvc *s, struct nl_sock *sk)
{
	_cleanup_free_ char *addr = state_get(s, "address"), *table = state_get(s, "table");
	_cleanup_free_ char *fwd = state_get(s, "forward");
	_cleanup_free_ char *sf = netsvc_state_file(s, "", ".state");

	netsvc_default_table(s);
	dnsmasq_stop(s);
	if (!addr)
		return 0; /* not running (as lxc-net stop) */
	nft_delete(table ? table : s->table);
	bridge_delete(s->bridge, sk);
	if (streq_ptr(fwd, "1") && !s->keep_forward)
		(void)write_string_file("/proc/sys/net/ipv4/ip_forward", "0");
	(void)unlink(sf);
	return 0;
}

void netsvc_status(const struct netsvc *s, struct nl_sock *sk, struct netsvc_status *ret)
{
	_cleanup_free_ char *pidfile = netsvc_state_file(s, "dnsmasq.", ".pid");
	_cleanup_free_ char *q = NULL;
	char *table = state_get(s, "table");

	*ret = (struct netsvc_status){ .address = state_get(s, "address") };
	if (!table)
		table = s->table ? xstrdup(s->table) : xasprintf("cove_%s", s->bridge);
	ret->table = table;
	ret->pid = read_pid(pidfile);
	ret->up = ret->address && link_ifindex(sk, s->bridge) > 0;
	ret->dnsmasq = is_our_dnsmasq(ret->pid, pidfile);
	q = xasprintf("list table inet %s\n", table);
	ret->nft = nft_run(q, true) == 0;
}

void netsvc_status_done(struct netsvc_status *st)
{
	free(st->address);
	free(st->table);
}
