/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-info: what a container is doing (lxc-info). Same labels and layout
 * as lxc-info: a 16-column label, then the value; -s -p -i -S select
 * fields, -H prints raw numbers, -c KEY prints "KEY = VALUE" from the
 * config. The state, init pid and cgroup come from one status query to
 * the monitor; addresses are read inside the container's netns.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cgroup-limits.h"
#include "ct-stats.h"
#include "idmap.h"
#include "fileio.h"
#include "strutil.h"
#include "strv.h"
#include "tool-common.h"

LOG_MODULE("info");

static const char usage[] =
	"cove-info -n NAME [-P LXCPATH] [-s] [-p] [-i] [-S] [-H] [-c KEY]...";

static bool arg_state, arg_pid, arg_ips, arg_stats, arg_raw;
static char **arg_keys;
/* lxc-info -H with exactly one of -s -p -i -S prints bare values, no labels */
static bool arg_bare;

static void field(const char *label, const char *value)
{
	if (arg_bare)
		printf("%s\n", value);
	else
		printf("%-16s%s\n", label, value);
}

static void size_field(const char *label, uint64_t v)
{
	char buf[64];

	field(label, ct_size_string(v, arg_raw, buf, sizeof(buf)));
}

static void print_ips(int pidfd, pid_t pid)
{
	struct ct_net n = {};

	if (ct_net_read(pidfd, pid, &n) < 0)
		return;
	STRV_FOREACH(a, n.ipv4)
		field("IP:", *a);
	STRV_FOREACH(a, n.ipv6)
		field("IP:", *a);
	ct_net_done(&n);
}

/* Peak memory, swap, limits and tasks from the container's cgroup (cgroup-limits.h). */
static void print_more_cgroup_stats(const struct cove_status *st)
{
	_cleanup_(cove_cgroup_freep) struct cove_cgroup *cg = NULL;
	struct cove_cgroup_stats s;
	char buf[64];

	if (cove_cgroup_open_existing(st->cgroup, &cg, NULL) < 0 || cove_cgroup_stats(cg, &s) < 0)
		return;
	if (s.mem_peak >= 0)
		size_field("Memory peak:", (uint64_t)s.mem_peak);
	if (s.mem_limit >= 0)
		size_field("Memory limit:", (uint64_t)s.mem_limit);
	if (s.swap_bytes >= 0)
		size_field("Swap use:", (uint64_t)s.swap_bytes);
	if (s.pids >= 0) {
		if (s.pids_max >= 0)
			snprintf(buf, sizeof(buf), "%" PRId64 " (max %" PRId64 ")", s.pids, s.pids_max);
		else
			snprintf(buf, sizeof(buf), "%" PRId64, s.pids);
		field("PIDs:", buf);
	}
	if (s.blkio_read >= 0) {
		size_field("BlkIO read:", (uint64_t)s.blkio_read);
		size_field("BlkIO write:", (uint64_t)s.blkio_write);
	}
}

static void print_cgroup_stats(const struct cove_status *st)
{
	uint64_t v;
	char buf[64];

	if (ct_cpu_ns(st->cgroup, &v) >= 0) {
		if (arg_raw)
			snprintf(buf, sizeof(buf), "%" PRIu64, v);
		else
			snprintf(buf, sizeof(buf), "%.2f seconds", (double)v / 1e9);
		field("CPU use:", buf);
	}
	if (ct_blkio_bytes(st->cgroup, &v) >= 0)
		size_field("BlkIO use:", v);
	if (ct_mem_bytes(st->cgroup, &v) >= 0)
		size_field("Memory use:", v);
	if (ct_kmem_bytes(st->cgroup, &v) >= 0)
		size_field("KMem use:", v);
	print_more_cgroup_stats(st);
}

/* Per-interface byte counters, read inside the container (lxc-info's Link lines). */
static void print_net_stats(int pidfd, pid_t pid)
{
	struct ct_net n = {};

	if (ct_net_read(pidfd, pid, &n) < 0)
		return;
	for (size_t i = 0; i < n.n_ifstats; i++) {
		field("Link:", n.ifstats[i].name);
		size_field(" TX bytes:", n.ifstats[i].tx_bytes);
		size_field(" RX bytes:", n.ifstats[i].rx_bytes);
		size_field(" Total bytes:", n.ifstats[i].tx_bytes + n.ifstats[i].rx_bytes);
	}
	ct_net_done(&n);
}

/* Print the -c keys. Returns 1 if one failed (reported here), else 0. */
static int print_keys(struct cove_container *ct, struct cove_error *err)
{
	int ret = 0;

	STRV_FOREACH(k, arg_keys) {
		_cleanup_strv_free_ char **vals = NULL;
		_cleanup_free_ char *buf = NULL;
		size_t size = 4096;
		int r;

		for (;;) {
			free(buf);
			buf = xmalloc(size);
			r = cove_conf_get(ct->conf, *k, buf, size, err);
			if (r < 0 || (size_t)r < size)
				break;
			size = (size_t)r + 1;
		}
		if (r < 0) {
			tool_fail(r, err);
			ret = 1; /* reported */
			continue;
		}
		vals = strv_split(buf, "\n");
		if (!vals)
			printf("%s = \n", *k);
		STRV_FOREACH(v, vals)
			printf("%s = %s\n", *k, *v);
	}
	return ret;
}

static int info(struct cove_container *ct, struct cove_error *err)
{
	_cleanup_close_ int pidfd = -EBADF;
	struct cove_status st = {};
	bool all = !arg_state && !arg_pid && !arg_ips && !arg_stats && !arg_keys;
	bool running;
	int r;

	r = cove_container_require(ct, err);
	if (r < 0)
		return r;
	if (arg_keys || all || arg_stats) {
		/* only -c needs the config; without it, no Link lines */
		r = cove_container_load_conf(ct, err);
		if (r < 0 && arg_keys)
			return r;
	}
	r = cove_container_status(ct, &st, (all || arg_ips) ? &pidfd : NULL, err);
	if (r < 0)
		return r;
	running = st.state != COVE_STATE_STOPPED && st.init_pid > 0;
	arg_bare = arg_raw && !all && arg_state + arg_pid + arg_ips + arg_stats == 1;
	if (all) {
		arg_state = arg_pid = arg_ips = arg_stats = true;
		field("Name:", ct->name);
	}
	if (arg_state)
		field("State:", cove_state_to_string(st.state) ?: "UNKNOWN");
	if (running && arg_pid) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", (int)st.init_pid);
		field("PID:", buf);
	}
	if (running && all && ct->conf && cove_conf_is_unprivileged(ct->conf)) {
		_cleanup_free_ char *how = NULL;

		/* how the rootfs got its owners: idmapped mount, or shifted on disk (idmap.h) */
		if (cove_idmap_read_method(ct->dir, &how) >= 0)
			field("Rootfs idmap:", how);
	}
	if (running && arg_ips)
		print_ips(pidfd, st.init_pid);
	if (running && arg_stats) {
		print_cgroup_stats(&st);
		print_net_stats(pidfd, st.init_pid);
	}
	fflush(stdout);
	return print_keys(ct, err);
}

static int parse_argv(int argc, char **argv, struct tool_common *tc)
{
	static const struct option opts[] = {
		{ "state", no_argument, NULL, 's' },
		{ "pid", no_argument, NULL, 'p' },
		{ "ips", no_argument, NULL, 'i' },
		{ "stats", no_argument, NULL, 'S' },
		{ "no-humanize", no_argument, NULL, 'H' },
		{ "config", required_argument, NULL, 'c' },
		TOOL_COMMON_LONGOPTS,
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "spiSHc:" TOOL_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (tool_common_opt(tc, c, optarg, usage))
			continue;
		switch (c) {
		case 's':
			arg_state = true;
			break;
		case 'p':
			arg_pid = true;
			break;
		case 'i':
			arg_ips = true;
			break;
		case 'S':
			arg_stats = true;
			break;
		case 'H':
			arg_raw = true;
			break;
		case 'c':
			strv_push_dup(&arg_keys, optarg);
			break;
		default:
			return tool_usage_error(usage, NULL);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct tool_common tc = {};
	struct cove_error err = {};
	int r;

	if (parse_argv(argc, argv, &tc))
		return 1;
	tool_common_setup(&tc, "cove-info");
	ct = tool_container(&tc, argc, argv, usage);
	r = info(ct, &err);
	arg_keys = strv_free(arg_keys);
	if (r < 0)
		return tool_fail(r, &err);
	return r > 0 ? 1 : 0; /* > 0: print_keys reported its failures */
}
