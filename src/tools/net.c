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
#include "netsvc.h"
#include "strutil.h"
#include "strv.h"
#include "tool-common.h"

LOG_MODULE("net");

static const char usage[] = "cove-net [-f CONFIG] start|stop|status";

struct svc {
	char *conf_path;
	struct netsvc n;
};

static void svc_done(struct svc *s)
{
	free(s->conf_path);
	netsvc_done(&s->n);
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

/* ---- config ---- */

static int set_key(struct svc *s, const char *k, const char *v)
{
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
	    {"bridge", offsetof(struct netsvc, bridge)},
	    {"ipv4.address", offsetof(struct netsvc, addr4)},
	    {"ipv4.dhcp_range", offsetof(struct netsvc, range)},
	    {"ipv6.address", offsetof(struct netsvc, addr6)},
	    {"dns.domain", offsetof(struct netsvc, domain)},
	    {"state_dir", offsetof(struct netsvc, state_dir)},
	    {"nft.table", offsetof(struct netsvc, table)},
	    {"dnsmasq.user", offsetof(struct netsvc, user)},
	};

	if (streq(k, "ipv4.nat"))
		return parse_bool(v, &s->n.nat);
	for (size_t i = 0; i < ELEMENTSOF(strs); i++)
		if (streq(k, strs[i].key)) {
			char **p = (char **)((char *)&s->n + strs[i].off);

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
	struct netsvc *n = &s->n;

	if (!n->bridge)
		n->bridge = xstrdup("covebr0");
	if (strlen(n->bridge) >= IFNAMSIZ || strpbrk(n->bridge, "/: \t") || !*n->bridge)
		return fail("Invalid bridge '%s' in '%s': not an interface name", n->bridge,
			    s->conf_path);
	if (!n->addr4)
		n->addr4 = xstrdup("auto");
	if (!n->domain)
		n->domain = xstrdup("cove");
	if (!n->state_dir)
		n->state_dir = xstrdup("/run/cove/net");
	netsvc_default_table(n);
	for (const char *p = n->table; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return fail("Invalid nft.table '%s' in '%s': letters, digits and _ only",
				    n->table, s->conf_path);
	for (const char *p = n->domain; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-.", *p))
			return fail("Invalid dns.domain '%s' in '%s'", n->domain, s->conf_path);
	if (n->addr6) {
		unsigned char b[16];
		_cleanup_free_ char *a = xstrndup(n->addr6, strcspn(n->addr6, "/"));

		if (inet_pton(AF_INET6, a, b) != 1 || !strchr(n->addr6, '/'))
			return fail("Invalid ipv6.address '%s' in '%s': expected ADDR/PREFIX",
				    n->addr6, s->conf_path);
	}
	return 0;
}

static int do_start(struct svc *s, struct nl_sock *sk)
{
	_cleanup_free_ char *where = xasprintf(" in '%s'", s->conf_path);
	struct cove_error err = {};
	int r;

	s->n.origin = where;
	r = netsvc_start(&s->n, sk, &err);
	s->n.origin = NULL;
	if (r < 0)
		return fail("%s", err.msg);
	if (r > 0) {
		_cleanup_(netsvc_status_done) struct netsvc_status st = {};

		netsvc_status(&s->n, sk, &st);
		printf("cove-net: '%s' is running already (%s)\n", s->n.bridge,
		       st.address ? st.address : "?");
	}
	return 0;
}

static int do_status(struct svc *s, struct nl_sock *sk)
{
	_cleanup_(netsvc_status_done) struct netsvc_status st = {};

	netsvc_status(&s->n, sk, &st);
	printf("bridge:  %s (%s)\n", s->n.bridge, st.up ? "up" : "down");
	printf("address: %s\n", st.address ? st.address : "-");
	printf("dnsmasq: %s", st.dnsmasq ? "running" : "not running");
	if (st.dnsmasq)
		printf(" (pid %d, domain %s)", (int)st.pid, s->n.domain);
	printf("\nnftables: table inet %s %s\n", st.table, st.nft ? "present" : "absent");
	return st.up && st.dnsmasq && st.nft ? 0 : 3;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(svc_done) struct svc s = {};
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
	netsvc_init(&s.n);
	s.conf_path = xstrdup(path ? path : "/etc/cove/net.conf");
	if (load_conf(&s, s.conf_path, explicit) < 0 || check_conf(&s) < 0)
		return 1;
	r = netlink_open(&sk);
	if (r < 0)
		return fail("Failed to open a netlink socket: %s", strerror(-r)), 1;
	if (streq(cmd, "status"))
		return do_status(&s, sk);
	if (streq(cmd, "stop") || streq(cmd, "restart")) {
		r = netsvc_stop(&s.n, sk);
		if (r < 0 || streq(cmd, "stop"))
			return r < 0 ? 1 : 0;
	}
	return do_start(&s, sk) < 0 ? 1 : 0;
}
