/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nat=true proxy devices as nftables DNAT rules (see proxy-nat.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "macro.h"
#include "proxy-addr.h"
#include "proxy-nat.h"
#include "strutil.h"

static const char *dstr(const json_t *d, const char *key)
{
	return json_string_value(json_object_get(d, key));
}

static bool is_nat(const json_t *d)
{
	bool b = false;

	return streq_ptr(dstr(d, "type"), "proxy") && dstr(d, "nat") &&
	       parse_bool(dstr(d, "nat"), &b) >= 0 && b;
}

static int nft_run(const char *script, bool quiet)
{
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		(void)dup2(p[0], 0);
		if (quiet && null >= 0)
			(void)dup2(null, 2);
		if (null >= 0)
			(void)dup2(null, 1);
		execlp("nft", "nft", "-f", "-", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	(void)loop_write(p[1], script, strlen(script));
	close(p[1]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static char *table_name(const char *instance)
{
	char *t = xasprintf("cove_proxy_%s", instance);

	for (char *c = t; *c; c++)
		if (*c == '-')
			*c = '_';
	return t;
}

/* The instance's static IPv4 address the device connects to. */
static const char *connect_ip(const json_t *devices, const struct proxy_addr *c)
{
	const char *k;
	json_t *d;

	json_object_foreach ((json_t *)devices, k, d) {
		const char *a = dstr(d, "ipv4.address");

		if (!streq_ptr(dstr(d, "type"), "nic") || isempty(a))
			continue;
		if (streq(c->host, a) || !c->host[0] || streq(c->host, "0.0.0.0"))
			return a;
	}
	return NULL;
}

static int device_rules(const char *dev, const json_t *d, const json_t *devices, char **rules,
			struct cove_error *err)
{
	struct proxy_addr l, c;
	const char *ip, *proto;
	char msg[256];

	if (proxy_addr_parse(dstr(d, "listen"), &l, msg, sizeof(msg)) < 0 ||
	    proxy_addr_parse(dstr(d, "connect"), &c, msg, sizeof(msg)) < 0)
		return cove_err(err, -EINVAL, "Failed to start device \"%s\": %s", dev, msg);
	ip = connect_ip(devices, &c);
	if (!ip && (!c.host[0] || streq(c.host, "0.0.0.0")))
		return cove_err(err, -EINVAL,
				"Failed to start device \"%s\": Instance has no static IPv4 address assigned to be used as the connect IP",
				dev);
	if (!ip)
		return cove_err(err, -EINVAL,
				"Failed to start device \"%s\": Connect IP \"%s\" must be one of the instance's static IP addresses",
				dev, c.host);
	proto = proxy_proto_name(l.proto);
	for (size_t i = 0; i < l.n_ports; i++) {
		unsigned cp = c.ports[c.n_ports == 1 ? 0 : i];
		char *n = xasprintf("%s    ip daddr %s %s dport %u dnat to %s:%u comment \"%s\"\n", *rules,
				    l.host, proto, l.ports[i], ip, cp, dev);

		free(*rules);
		*rules = n;
	}
	return 0;
}

int proxy_nat_apply(const char *instance, const json_t *devices, struct cove_error *err)
{
	_cleanup_free_ char *table = table_name(instance), *rules = xstrdup(""), *script = NULL;
	const char *k;
	json_t *d;
	int r;

	json_object_foreach ((json_t *)devices, k, d) {
		if (!is_nat(d))
			continue;
		r = device_rules(k, d, devices, &rules, err);
		if (r < 0)
			return r;
	}
	if (!*rules) {
		proxy_nat_remove(instance);
		return 0;
	}
	script = xasprintf("add table ip %1$s\n"
			   "delete table ip %1$s\n"
			   "table ip %1$s {\n"
			   "  chain prerouting {\n"
			   "    type nat hook prerouting priority dstnat; policy accept;\n"
			   "%2$s"
			   "  }\n"
			   "  chain output {\n"
			   "    type nat hook output priority -100; policy accept;\n"
			   "%2$s"
			   "  }\n"
			   "}\n",
			   table, rules);
	r = nft_run(script, false);
	if (r < 0)
		return cove_err(err, r, "Failed to add the nftables table 'ip %s' of the NAT proxy devices",
				table);
	return 0;
}

void proxy_nat_remove(const char *instance)
{
	_cleanup_free_ char *table = table_name(instance);
	_cleanup_free_ char *script = xasprintf("delete table ip %s\n", table);

	(void)nft_run(script, true);
}
