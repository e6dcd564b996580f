/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-net start|stop|status: the default bridge for containers (the role of
 * LXC's lxc-net). start makes a bridge (covebr0) with an IPv4 subnet that no
 * existing route covers, runs dnsmasq bound to the bridge address only
 * (DHCP, and DNS for the container names under a domain), and adds NAT
 * masquerade in an nftables table of its own (nft -f -, so that libcove
 * stays free of GPL-2.0-only code). stop removes exactly what start made;
 * a start that fails half-way undoes its steps. Settings live in one file
 * (default /etc/cove/net.conf, -f FILE or $COVE_NET_CONF), "key = value":
 *
 *   bridge = covebr0               ipv4.address = auto | A.B.C.D/PREFIX
 *   ipv4.dhcp_range = FIRST,LAST   ipv4.nat = true
 *   ipv6.address = ADDR/PREFIX     dns.domain = cove
 *   state_dir = /run/cove/net      nft.table = cove_<bridge>
 *   dnsmasq.user = dnsmasq
 *
 * The state directory holds BRIDGE.state (what start did), dnsmasq.BRIDGE.pid
 * and dnsmasq.BRIDGE.leases.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "log.h"
#include "net-link.h"
#include "strutil.h"
#include "strv.h"
#include "tool-common.h"

LOG_MODULE("net");

static const char usage[] = "cove-net [-f CONFIG] start|stop|status";

struct svc {
	char *conf_path;
	char *bridge, *addr4, *range, *addr6, *domain, *state_dir, *table, *user;
	bool nat;
	/* the subnet in use */
	uint32_t net, mask; /* host order */
	unsigned prefix;
	char gw[INET_ADDRSTRLEN];
	/* what start made, for undoing */
	bool made_bridge, made_table, set_forward;
	pid_t dnsmasq;
};

static void svc_done(struct svc *s)
{
	free(s->conf_path);
	free(s->bridge);
	free(s->addr4);
	free(s->range);
	free(s->addr6);
	free(s->domain);
	free(s->state_dir);
	free(s->table);
	free(s->user);
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("cove-net: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

/* STATE_DIR/<pre>BRIDGE<post> */
static char *state_file(const struct svc *s, const char *pre, const char *post)
{
	_cleanup_free_ char *base = xasprintf("%s%s%s", pre, s->bridge, post);

	return path_join(s->state_dir, base);
}

/* ---- config ---- */

static int set_key(struct svc *s, const char *k, const char *v)
{
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
	    {"bridge", offsetof(struct svc, bridge)},
	    {"ipv4.address", offsetof(struct svc, addr4)},
	    {"ipv4.dhcp_range", offsetof(struct svc, range)},
	    {"ipv6.address", offsetof(struct svc, addr6)},
	    {"dns.domain", offsetof(struct svc, domain)},
	    {"state_dir", offsetof(struct svc, state_dir)},
	    {"nft.table", offsetof(struct svc, table)},
	    {"dnsmasq.user", offsetof(struct svc, user)},
	};

	if (streq(k, "ipv4.nat"))
		return parse_bool(v, &s->nat);
	for (size_t i = 0; i < ELEMENTSOF(strs); i++)
		if (streq(k, strs[i].key)) {
			char **p = (char **)((char *)s + strs[i].off);

			free(*p);
			*p = isempty(v) ? NULL : xstrdup(v);
			return 0;
		}
	return -ENOENT;
}

static int load_conf(struct svc *s, const char *path, bool must_exist)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_strv_free_ char **lines = NULL;
	unsigned no = 0;
	int r;

	r = read_full_file(path, 1 << 20, &text, NULL);
	if (r == -ENOENT && !must_exist)
		return 0;
	if (r < 0)
		return fail("Failed to read '%s': %s", path, strerror(-r));
	lines = strv_split(text, "\n");
	STRV_FOREACH (l, lines) {
		char *line = strstrip(*l), *eq;

		no++;
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq)
			return fail("%s:%u: expected 'key = value'", path, no);
		*eq = 0;
		r = set_key(s, strstrip(line), strstrip(eq + 1));
		if (r == -ENOENT)
			return fail("%s:%u: unknown key '%s'", path, no, strstrip(line));
		if (r < 0)
			return fail("%s:%u: invalid value '%s' for key '%s'", path, no,
				    strstrip(eq + 1), strstrip(line));
	}
	return 0;
}

static int check_conf(struct svc *s)
{
	const char *why = NULL;

	if (!s->bridge)
		s->bridge = xstrdup("covebr0");
	if (strlen(s->bridge) >= IFNAMSIZ || strpbrk(s->bridge, "/: \t") || !*s->bridge)
		return fail("Invalid bridge '%s' in '%s': not an interface name", s->bridge,
			    s->conf_path);
	if (!s->addr4)
		s->addr4 = xstrdup("auto");
	if (!s->domain)
		s->domain = xstrdup("cove");
	if (!s->state_dir)
		s->state_dir = xstrdup("/run/cove/net");
	if (!s->table) {
		s->table = xasprintf("cove_%s", s->bridge);
		for (char *p = s->table; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				*p = '_';
	}
	for (const char *p = s->table; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return fail("Invalid nft.table '%s' in '%s': letters, digits and _ only",
				    s->table, s->conf_path);
	for (const char *p = s->domain; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-.", *p))
			return fail("Invalid dns.domain '%s' in '%s'", s->domain, s->conf_path);
	if (!s->user)
		s->user = xstrdup(getpwnam("dnsmasq") ? "dnsmasq" : "root");
	if (s->addr6) {
		unsigned char b[16];
		_cleanup_free_ char *a = xstrndup(s->addr6, strcspn(s->addr6, "/"));

		if (inet_pton(AF_INET6, a, b) != 1 || !strchr(s->addr6, '/'))
			why = "expected ADDR/PREFIX";
		if (why)
			return fail("Invalid ipv6.address '%s' in '%s': %s", s->addr6, s->conf_path,
				    why);
	}
	return 0;
}

/* "A.B.C.D/P" with 8 <= P <= 30 */
static int parse_subnet(const char *s, uint32_t *ret_addr, unsigned *ret_prefix)
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

/* ---- subnet collisions: the routes of this netns (/proc/net/route) ---- */

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

static void set_subnet(struct svc *s, uint32_t addr, unsigned prefix)
{
	struct in_addr in = {htonl(addr)};

	s->prefix = prefix;
	s->mask = ~0U << (32 - prefix);
	s->net = addr & s->mask;
	inet_ntop(AF_INET, &in, s->gw, sizeof(s->gw));
}

static int pick_subnet(struct svc *s)
{
	_cleanup_free_ struct route4 *routes = NULL;
	const struct route4 *c;
	size_t n = 0;
	uint32_t addr;
	unsigned prefix;
	int r;

	r = read_routes(&routes, &n);
	if (r < 0)
		return fail("Failed to read the routing table: %s", strerror(-r));
	if (streq(s->addr4, "auto")) {
		for (unsigned k = 4; k < 255; k++) {
			addr = (10U << 24) | (k << 8) | 1;
			if (!collides(routes, n, addr & 0xffffff00, 0xffffff00)) {
				set_subnet(s, addr, 24);
				return 0;
			}
		}
		return fail("Failed to find a free subnet for '%s' in 10.0.4.0 to 10.0.254.0/24: "
			    "set ipv4.address in '%s'",
			    s->bridge, s->conf_path);
	}
	if (parse_subnet(s->addr4, &addr, &prefix) < 0)
		return fail("Invalid ipv4.address '%s' in '%s': expected A.B.C.D/PREFIX (8 to 30)",
			    s->addr4, s->conf_path);
	set_subnet(s, addr, prefix);
	if (addr == s->net || addr == (s->net | ~s->mask))
		return fail("Invalid ipv4.address '%s' in '%s': not a host address", s->addr4,
			    s->conf_path);
	c = collides(routes, n, s->net, s->mask);
	if (c) {
		struct in_addr d = {htonl(c->dst)};
		char buf[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &d, buf, sizeof(buf));
		return fail("Refusing ipv4.address '%s' in '%s': the subnet is already in use "
			    "(%s/%d on %s)",
			    s->addr4, s->conf_path, buf, __builtin_popcount(c->mask), c->dev);
	}
	return 0;
}

static void range_default(struct svc *s)
{
	struct in_addr a = {htonl(s->net + 2)}, b = {htonl((s->net | ~s->mask) - 1)};
	char x[INET_ADDRSTRLEN], y[INET_ADDRSTRLEN];

	if (s->range)
		return;
	inet_ntop(AF_INET, &a, x, sizeof(x));
	inet_ntop(AF_INET, &b, y, sizeof(y));
	s->range = xasprintf("%s,%s", x, y);
}

/* ---- nftables (nft -f -: the tool links no GPL-2.0-only library into libcove) ---- */

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
		fprintf(stderr, "cove-net: Failed to run 'nft': %m\n");
		_exit(127);
	}
	close(p[0]);
	(void)loop_write(p[1], script, strlen(script));
	close(p[1]);
	if (RETRY_EINTR(waitid(P_PID, pid, &si, WEXITED)) < 0)
		return -errno;
	return si.si_code == CLD_EXITED && si.si_status == 0 ? 0 : -EIO;
}

static int nft_add(struct svc *s)
{
	struct in_addr n = {htonl(s->net)};
	char net[INET_ADDRSTRLEN];
	_cleanup_free_ char *nat = NULL, *script = NULL;

	inet_ntop(AF_INET, &n, net, sizeof(net));
	nat = s->nat ? xasprintf("  chain postrouting {\n"
				 "    type nat hook postrouting priority srcnat; policy accept;\n"
				 "    ip saddr %1$s/%2$u ip daddr != %1$s/%2$u masquerade\n"
				 "  }\n",
				 net, s->prefix)
		     : xstrdup("");
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

static int dnsmasq_start(struct svc *s)
{
	_cleanup_free_ char *pidfile = state_file(s, "dnsmasq.", ".pid");
	_cleanup_free_ char *leases = state_file(s, "dnsmasq.", ".leases");
	_cleanup_strv_free_ char **argv = NULL;
	siginfo_t si = {};
	pid_t pid;

	strv_push_dup(&argv, "dnsmasq");
	strv_push(&argv, xstrdup("--conf-file=/dev/null"));
	strv_push(&argv, xasprintf("--user=%s", s->user));
	strv_push_dup(&argv, "--strict-order");
	strv_push_dup(&argv, "--bind-interfaces");
	strv_push(&argv, xasprintf("--pid-file=%s", pidfile));
	strv_push(&argv, xasprintf("--listen-address=%s", s->gw));
	strv_push_dup(&argv, "--except-interface=lo");
	strv_push(&argv, xasprintf("--interface=%s", s->bridge));
	strv_push(&argv, xasprintf("--dhcp-range=%s", s->range));
	strv_push(&argv, xasprintf("--dhcp-lease-max=%u", (~s->mask) - 2));
	strv_push_dup(&argv, "--dhcp-no-override");
	strv_push_dup(&argv, "--dhcp-authoritative");
	strv_push_dup(&argv, "--no-ping"); /* no 3 s wait before a first lease */
	strv_push(&argv, xasprintf("--dhcp-leasefile=%s", leases));
	strv_push(&argv, xasprintf("--domain=%s", s->domain));
	strv_push(&argv, xasprintf("--local=/%s/", s->domain));
	strv_push_dup(&argv, "--expand-hosts");
	if (s->addr6) {
		strv_push_dup(&argv, "--enable-ra");
		strv_push(&argv,
			  xasprintf("--dhcp-range=::,constructor:%s,ra-stateless", s->bridge));
	}
	(void)unlink(pidfile);
	pid = fork();
	if (pid < 0)
		return fail("Failed to fork: %m");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0)
			(void)dup2(null, 0);
		execvp("dnsmasq", argv);
		fprintf(stderr, "cove-net: Failed to run 'dnsmasq': %m\n");
		_exit(127);
	}
	/* dnsmasq forks into the background once it listens: its exit status says it */
	if (RETRY_EINTR(waitid(P_PID, pid, &si, WEXITED)) < 0 || si.si_code != CLD_EXITED ||
	    si.si_status != 0)
		return fail("Failed to start dnsmasq for '%s'", s->bridge);
	s->dnsmasq = read_pid(pidfile);
	if (!is_our_dnsmasq(s->dnsmasq, pidfile))
		return fail("Failed to find the dnsmasq of '%s' (pid file '%s')", s->bridge,
			    pidfile);
	return 0;
}

static void dnsmasq_stop(const struct svc *s)
{
	_cleanup_free_ char *pidfile = state_file(s, "dnsmasq.", ".pid");
	pid_t pid = read_pid(pidfile);

	if (is_our_dnsmasq(pid, pidfile) && kill(pid, SIGTERM) == 0)
		/* it is not our child: wait until it is gone, 2 s at most */
		for (int i = 0; i < 200 && kill(pid, 0) == 0; i++)
			(void)nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	(void)unlink(pidfile);
}

/* ---- the bridge ---- */

static int bridge_add(struct svc *s, struct nl_sock *sk)
{
	_cleanup_free_ char *a = xasprintf("%s/%u", s->gw, s->prefix);
	_cleanup_free_ char *fwd = xasprintf("/proc/sys/net/ipv4/conf/%s/forwarding", s->bridge);
	int r, idx;

	r = link_add_bridge(sk, &(struct link_attrs){.name = s->bridge, .ns_fd = -EBADF});
	if (r == -EEXIST)
		return fail("Failed to create bridge '%s': an interface of that name exists",
			    s->bridge);
	if (r < 0)
		return fail("Failed to create bridge '%s': %s", s->bridge, strerror(-r));
	s->made_bridge = true;
	idx = link_ifindex(sk, s->bridge);
	if (idx < 0)
		return fail("Failed to find bridge '%s': %s", s->bridge, strerror(-idx));
	r = addr_add(sk, idx, AF_INET, a);
	if (r < 0)
		return fail("Failed to add '%s' to '%s': %s", a, s->bridge, strerror(-r));
	if (s->addr6) {
		r = addr_add(sk, idx, AF_INET6, s->addr6);
		if (r < 0)
			return fail("Failed to add '%s' to '%s': %s", s->addr6, s->bridge,
				    strerror(-r));
	}
	r = link_change(sk, idx, &(struct link_attrs){.up = true, .ns_fd = -EBADF});
	if (r < 0)
		return fail("Failed to bring up '%s': %s", s->bridge, strerror(-r));
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

static int write_state(const struct svc *s)
{
	_cleanup_free_ char *p = state_file(s, "", ".state");
	_cleanup_free_ char *text =
	    xasprintf("bridge=%s\naddress=%s/%u\ntable=%s\nforward=%d\ndnsmasq=%d\n", s->bridge,
		      s->gw, s->prefix, s->table, s->set_forward ? 1 : 0, (int)s->dnsmasq);

	return write_file_atomic(p, text, strlen(text), 0644);
}

static char *state_get(const struct svc *s, const char *key)
{
	_cleanup_free_ char *p = state_file(s, "", ".state"), *text = NULL;
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
static void undo(struct svc *s, struct nl_sock *sk)
{
	if (s->dnsmasq > 0)
		dnsmasq_stop(s);
	if (s->made_table)
		nft_delete(s->table);
	if (s->set_forward)
		(void)write_string_file("/proc/sys/net/ipv4/ip_forward", "0");
	if (s->made_bridge)
		bridge_delete(s->bridge, sk);
}

static int do_start(struct svc *s, struct nl_sock *sk)
{
	_cleanup_free_ char *old = state_get(s, "address"), *fwd = NULL;
	int r;

	if (old && link_ifindex(sk, s->bridge) > 0) {
		printf("cove-net: '%s' is running already (%s)\n", s->bridge, old);
		return 0;
	}
	if (link_ifindex(sk, s->bridge) > 0)
		return fail("Refusing to start: an interface '%s' exists and cove-net did not make "
			    "it",
			    s->bridge);
	r = pick_subnet(s);
	if (r < 0)
		return r;
	range_default(s);
	r = mkdir_p(s->state_dir, 0755);
	if (r < 0)
		return fail("Failed to create '%s': %s", s->state_dir, strerror(-r));
	r = bridge_add(s, sk);
	if (r >= 0 && read_one_line("/proc/sys/net/ipv4/ip_forward", &fwd) >= 0 &&
	    streq(strstrip(fwd), "0")) {
		if (write_string_file("/proc/sys/net/ipv4/ip_forward", "1") >= 0)
			s->set_forward = true;
	}
	if (r >= 0) {
		r = nft_add(s);
		if (r < 0)
			r = fail("Failed to add the nftables table 'inet %s'", s->table);
		else
			s->made_table = true;
	}
	if (r >= 0)
		r = dnsmasq_start(s);
	if (r >= 0) {
		r = write_state(s);
		if (r < 0)
			r = fail("Failed to write the state of '%s': %s", s->bridge, strerror(-r));
	}
	if (r < 0) {
		undo(s, sk);
		return r;
	}
	return 0;
}

static int do_stop(struct svc *s, struct nl_sock *sk)
{
	_cleanup_free_ char *addr = state_get(s, "address"), *table = state_get(s, "table");
	_cleanup_free_ char *fwd = state_get(s, "forward");
	_cleanup_free_ char *sf = state_file(s, "", ".state");

	if (!addr)
		return 0; /* not running (as lxc-net stop) */
	dnsmasq_stop(s);
	nft_delete(table ? table : s->table);
	bridge_delete(s->bridge, sk);
	if (streq_ptr(fwd, "1"))
		(void)write_string_file("/proc/sys/net/ipv4/ip_forward", "0");
	(void)unlink(sf);
	return 0;
}

static int do_status(struct svc *s, struct nl_sock *sk)
{
	_cleanup_free_ char *addr = state_get(s, "address"), *table = state_get(s, "table");
	_cleanup_free_ char *pidfile = state_file(s, "dnsmasq.", ".pid");
	_cleanup_free_ char *q = NULL;
	pid_t pid = read_pid(pidfile);
	bool up = addr && link_ifindex(sk, s->bridge) > 0;
	bool dns = is_our_dnsmasq(pid, pidfile);
	bool nft;

	q = xasprintf("list table inet %s\n", table ? table : s->table);
	nft = nft_run(q, true) == 0;
	printf("bridge:  %s (%s)\n", s->bridge, up ? "up" : "down");
	printf("address: %s\n", addr ? addr : "-");
	printf("dnsmasq: %s", dns ? "running" : "not running");
	if (dns)
		printf(" (pid %d, domain %s)", (int)pid, s->domain);
	printf("\nnftables: table inet %s %s\n", table ? table : s->table,
	       nft ? "present" : "absent");
	return up && dns && nft ? 0 : 3;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(svc_done) struct svc s = {.nat = true};
	_cleanup_(netlink_closep) struct nl_sock *sk = NULL;
	const char *path = getenv("COVE_NET_CONF"), *cmd;
	bool explicit = path != NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			explicit = true;
			break;
		case 'h':
			printf("%s\n", usage);
			return 0;
		default:
			return tool_usage_error(usage, NULL);
		}
	}
	if (optind + 1 != argc)
		return tool_usage_error(usage, "Expected one of start, stop, status");
	cmd = argv[optind];
	if (!streq(cmd, "start") && !streq(cmd, "stop") && !streq(cmd, "status") &&
	    !streq(cmd, "restart"))
		return tool_usage_error(usage, "Unknown command '%s'", cmd);
	s.conf_path = xstrdup(path ? path : "/etc/cove/net.conf");
	if (load_conf(&s, s.conf_path, explicit) < 0 || check_conf(&s) < 0)
		return 1;
	r = netlink_open(&sk);
	if (r < 0)
		return fail("Failed to open a netlink socket: %s", strerror(-r)), 1;
	if (streq(cmd, "status"))
		return do_status(&s, sk);
	if (streq(cmd, "stop") || streq(cmd, "restart")) {
		r = do_stop(&s, sk);
		if (r < 0 || streq(cmd, "stop"))
			return r < 0 ? 1 : 0;
	}
	return do_start(&s, sk) < 0 ? 1 : 0;
}
