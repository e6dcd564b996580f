/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing of proxy device listen=/connect= values (see proxy-addr.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy-addr.h"

const char *proxy_proto_name(enum proxy_proto p)
{
	return p == PROXY_TCP ? "tcp" : p == PROXY_UDP ? "udp" : "unix";
}

static int fail(char *msg, size_t sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t sz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sz, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_port(const char *s, size_t n, unsigned *ret)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* "80", "80-90", "80,443,1000-1010" */
static int parse_ports(const char *s, struct proxy_addr *a, char *msg, size_t sz)
{
	const char *p = s;

	a->n_ports = 0;
	for (;;) {
		size_t n = strcspn(p, ",");
		const char *dash = memchr(p, '-', n);
		unsigned lo, hi;

		if (dash) {
			if (parse_port(p, (size_t)(dash - p), &lo) < 0 ||
			    parse_port(dash + 1, n - (size_t)(dash - p) - 1, &hi) < 0 || hi < lo)
				return fail(msg, sz, "Invalid port range \"%s\"", s);
		} else if (parse_port(p, n, &lo) < 0) {
			return fail(msg, sz, "Invalid port \"%s\"", s);
		} else {
			hi = lo;
		}
		for (unsigned v = lo; v <= hi; v++) {
			if (a->n_ports >= PROXY_MAX_PORTS)
				return fail(msg, sz, "Too many ports in \"%s\"", s);
			a->ports[a->n_ports++] = v;
		}
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

int proxy_addr_parse(const char *s, struct proxy_addr *a, char *msg, size_t sz)
{
	const char *colon = s ? strchr(s, ':') : NULL, *rest, *port;
	char proto[16];
	size_t hl;

	memset(a, 0, sizeof(*a));
	snprintf(proto, sizeof(proto), "%.*s", colon ? (int)(colon - s) : (int)strlen(s ? s : ""),
		 s ? s : "");
	if (!strcmp(proto, "tcp"))
		a->proto = PROXY_TCP;
	else if (!strcmp(proto, "udp"))
		a->proto = PROXY_UDP;
	else if (!strcmp(proto, "unix"))
		a->proto = PROXY_UNIX;
	else
		return fail(msg, sz, "Unknown protocol type \"%s\"", proto);
	if (!colon || !colon[1])
		return fail(msg, sz, "Missing address");
	rest = colon + 1;
	if (a->proto == PROXY_UNIX) {
		if (strlen(rest) >= sizeof(a->path) - 1)
			return fail(msg, sz, "Unix socket path too long: \"%s\"", rest);
		if (rest[0] != '@' && rest[0] != '/')
			return fail(msg, sz, "Unix socket path must be absolute: \"%s\"", rest);
		snprintf(a->path, sizeof(a->path), "%s", rest);
		return 0;
	}
	if (rest[0] == '[') {
		const char *end = strchr(rest, ']');

		if (!end)
			return fail(msg, sz, "address %s: missing ']' in address", rest);
		if (end[1] != ':')
			return fail(msg, sz, "address %s: missing port in address", rest);
		hl = (size_t)(end - rest - 1);
		if (hl >= sizeof(a->host))
			return fail(msg, sz, "Not an IP address \"%s\"", rest);
		memcpy(a->host, rest + 1, hl);
		port = end + 2;
	} else {
		const char *c = strrchr(rest, ':');

		if (!c)
			return fail(msg, sz, "address %s: missing port in address", rest);
		if (strchr(rest, ':') != c)
			return fail(msg, sz, "address %s: too many colons in address", rest);
		hl = (size_t)(c - rest);
		if (hl >= sizeof(a->host))
			return fail(msg, sz, "Not an IP address \"%s\"", rest);
		memcpy(a->host, rest, hl);
		port = c + 1;
	}
	if (a->host[0]) {
		unsigned char buf[16];

		if (inet_pton(strchr(a->host, ':') ? AF_INET6 : AF_INET, a->host, buf) != 1)
			return fail(msg, sz, "Not an IP address \"%s\"", a->host);
	}
	return parse_ports(port, a, msg, sz);
}
