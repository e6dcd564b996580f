/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Addresses and cgroup usage of running containers, for cove-ls and cove-info. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "ct-stats.h"
#include "fileio.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("stats");

void ct_net_done(struct ct_net *n)
{
	strv_free(n->ipv4);
	strv_free(n->ipv6);
	strv_free(n->ifnames);
	free(n->ifstats);
	*n = (struct ct_net){};
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect(struct ifaddrs *ifa, struct ct_net *n)
{
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		char buf[INET6_ADDRSTRLEN];
		bool lo = i->ifa_name && streq(i->ifa_name, "lo");

		if (i->ifa_name && !strv_contains(n->ifnames, i->ifa_name))
			strv_push_dup(&n->ifnames, i->ifa_name);
		if (!i->ifa_addr || lo)
			continue;
		if (i->ifa_addr->sa_family == AF_PACKET && i->ifa_data) {
			/* one AF_PACKET entry per interface, with the link's counters */
			const struct rtnl_link_stats *st = i->ifa_data;
			struct ct_ifstat *is;

			n->ifstats = xrealloc(n->ifstats, (n->n_ifstats + 1) * sizeof(*n->ifstats));
			is = &n->ifstats[n->n_ifstats++];
			snprintf(is->name, sizeof(is->name), "%s", i->ifa_name);
			is->rx_bytes = st->rx_bytes;
			is->tx_bytes = st->tx_bytes;
		} else if (i->ifa_addr->sa_family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)i->ifa_addr;

			if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf)))
				strv_push_dup(&n->ipv4, buf);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)i->ifa_addr;

			/* global scope only, as lxc-ls and lxc-info show */
			if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) ||
			    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
				continue;
			if (inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf)))
				strv_push_dup(&n->ipv6, buf);
		}
	}
	if (n->ifnames)
		qsort(n->ifnames, strv_length(n->ifnames), sizeof(char *), cmp_str);
}

int ct_net_read(int pidfd, pid_t pid, struct ct_net *ret)
{
	static int self_netns = -EBADF;
	_cleanup_close_ int procns = -EBADF;
	struct ifaddrs *ifa = NULL;
	int r = 0, target = pidfd;

	*ret = (struct ct_net){};
	if (self_netns < 0) {
		self_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self_netns < 0)
			return -errno;
	}
	if (target < 0) {
		char p[64];

		snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
		procns = open(p, O_RDONLY | O_CLOEXEC);
		if (procns < 0)
			return -errno;
		target = procns;
	}
	/* entering a netns needs no fork: a netlink socket binds to the netns it is made in */
	if (setns(target, CLONE_NEWNET) < 0)
		return -errno;
	if (getifaddrs(&ifa) < 0)
		r = -errno;
	if (setns(self_netns, CLONE_NEWNET) < 0) {
		/* we cannot stay in the container's netns: better die than act in it */
		log_error_errno(-errno, "Failed to return to the host network namespace");
		abort();
	}
	if (r < 0)
		return r;
	collect(ifa, ret);
	freeifaddrs(ifa);
	return 0;
}

/* Mount points of the hierarchies, from /proc/self/mountinfo (read once). */
struct cg_mount {
	char *dir;  /* owned: mount point */
	char *root; /* owned: the cgroup mounted there ("/" usually) */
};

static struct cg_mount v1[_CT_CG_MAX];
static struct cg_mount v2;
static bool cg_loaded;

static const char *const cg_names[_CT_CG_MAX] = {
	[CT_CG_CPUACCT] = "cpuacct",
	[CT_CG_MEMORY] = "memory",
	[CT_CG_BLKIO] = "blkio",
};

static void cg_load(void)
{
	_cleanup_fclose_ FILE *f = NULL;
	char *line = NULL;
	size_t n = 0;

	cg_loaded = true;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (getline(&line, &n, f) > 0) {
		char root[4096], dir[4096], fstype[64], super[1024];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, dir) != 2 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, super) != 2)
			continue;
		if (streq(fstype, "cgroup2") && !v2.dir) {
			v2.dir = xstrdup(dir);
			v2.root = xstrdup(root);
		} else if (streq(fstype, "cgroup")) {
			_cleanup_strv_free_ char **opts = strv_split(super, ",");

			for (int i = 0; i < _CT_CG_MAX; i++)
				if (!v1[i].dir && strv_contains(opts, cg_names[i])) {
					v1[i].dir = xstrdup(dir);
					v1[i].root = xstrdup(root);
				}
		}
	}
	free(line);
}

/* The directory of cgroup cg in the hierarchy of ctrl (v1), or in the v2 one. */
static char *cg_dir(int ctrl, const char *cg, bool *ret_v2)
{
	const struct cg_mount *m;
	const char *rel = cg;

	if (!cg_loaded)
		cg_load();
	*ret_v2 = !v1[ctrl].dir;
	m = *ret_v2 ? &v2 : &v1[ctrl];
	if (!m->dir || isempty(cg))
		return NULL;
	/* mountinfo's root is where the mount starts inside the hierarchy */
	if (!streq(m->root, "/") && startswith(cg, m->root))
		rel = cg + strlen(m->root);
	return path_join(m->dir, rel);
}

static int read_u64(const char *dir, const char *file, uint64_t *ret)
{
	_cleanup_free_ char *p = path_join(dir, file), *s = NULL;
	int r;

	r = read_one_line(p, &s);
	if (r < 0)
		return r;
	return safe_atou64(strstrip(s), ret);
}

/* Sum the values of key in a "key value" file (every line that has it). */
static int read_keyed(const char *dir, const char *file, const char *const *keys,
		      uint64_t *ret)
{
	_cleanup_free_ char *p = path_join(dir, file), *s = NULL;
	_cleanup_strv_free_ char **words = NULL;
	uint64_t sum = 0, v;
	bool found = false;
	int r;

	r = read_full_file(p, 1 << 20, &s, NULL);
	if (r < 0)
		return r;
	words = strv_split(s, " \n");
	/* io.stat lines are "MAJ:MIN rbytes=N wbytes=N ..."; cpu.stat/memory.stat "key N" */
	for (size_t i = 0; words && words[i]; i++)
		for (size_t k = 0; keys[k]; k++) {
			const char *val = NULL, *eq = startswith(words[i], keys[k]);

			if (eq && *eq == '=')
				val = eq + 1;
			else if (eq && *eq == 0 && words[i + 1])
				val = words[i + 1];
			if (val && safe_atou64(val, &v) >= 0) {
				sum += v;
				found = true;
			}
		}
	if (!found)
		return -ENOENT;
	*ret = sum;
	return 0;
}

int ct_cpu_ns(const char *cg, uint64_t *ret)
{
	static const char *const keys[] = { "usage_usec", NULL };
	_cleanup_free_ char *d = NULL;
	bool is_v2;
	int r;

	d = cg_dir(CT_CG_CPUACCT, cg, &is_v2);
	if (!d)
		return -ENOENT;
	if (!is_v2)
		return read_u64(d, "cpuacct.usage", ret);
	r = read_keyed(d, "cpu.stat", keys, ret);
	if (r >= 0)
		*ret *= 1000;
	return r;
}

int ct_blkio_bytes(const char *cg, uint64_t *ret)
{
	static const char *const v1keys[] = { "Total", NULL };
	static const char *const v2keys[] = { "rbytes", "wbytes", NULL };
	_cleanup_free_ char *d = NULL;
	bool is_v2;

	d = cg_dir(CT_CG_BLKIO, cg, &is_v2);
	if (!d)
		return -ENOENT;
	if (is_v2) {
		_cleanup_free_ char *p = path_join(d, "io.stat");
		int r = read_keyed(d, "io.stat", v2keys, ret);

		/* an empty io.stat: no I/O yet */
		if (r == -ENOENT && access(p, F_OK) == 0) {
			*ret = 0;
			r = 0;
		}
		return r;
	}
	return read_keyed(d, "blkio.throttle.io_service_bytes", v1keys, ret);
}

int ct_mem_bytes(const char *cg, uint64_t *ret)
{
	_cleanup_free_ char *d = NULL;
	bool is_v2;

	d = cg_dir(CT_CG_MEMORY, cg, &is_v2);
	if (!d)
		return -ENOENT;
	return read_u64(d, is_v2 ? "memory.current" : "memory.usage_in_bytes", ret);
}

int ct_kmem_bytes(const char *cg, uint64_t *ret)
{
	static const char *const keys[] = { "kernel", NULL };
	_cleanup_free_ char *d = NULL;
	bool is_v2;

	d = cg_dir(CT_CG_MEMORY, cg, &is_v2);
	if (!d)
		return -ENOENT;
	if (is_v2)
		return read_keyed(d, "memory.stat", keys, ret);
	return read_u64(d, "memory.kmem.usage_in_bytes", ret);
}

int ct_swap_bytes(const char *cg, uint64_t *ret)
{
	_cleanup_free_ char *d = NULL;
	uint64_t memsw, mem;
	bool is_v2;
	int r;

	d = cg_dir(CT_CG_MEMORY, cg, &is_v2);
	if (!d)
		return -ENOENT;
	if (is_v2)
		return read_u64(d, "memory.swap.current", ret);
	r = read_u64(d, "memory.memsw.usage_in_bytes", &memsw);
	if (r < 0)
		return r;
	r = read_u64(d, "memory.usage_in_bytes", &mem);
	if (r < 0)
		return r;
	*ret = memsw > mem ? memsw - mem : 0;
	return 0;
}

char *ct_size_string(uint64_t v, bool raw, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = (double)v;
	size_t u = 0;

	if (raw || v < 1024) {
		snprintf(buf, size, raw ? "%" PRIu64 : "%" PRIu64 " bytes", v);
		return buf;
	}
	d /= 1024;
	while (d >= 1024 && u + 1 < ELEMENTSOF(units)) {
		d /= 1024;
		u++;
	}
	snprintf(buf, size, "%.2f %s", d, units[u]);
	return buf;
}
