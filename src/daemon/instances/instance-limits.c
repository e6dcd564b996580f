/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * limits.* instance keys: LXD's value syntax checked, and turned into
 * lxc.cgroup2.* lines of the generated LXC config (libcove writes the
 * cgroup v1 equivalents on a v1 host).
 *
 *   limits.memory         512MB, 1GiB, 50% (of host RAM) -> memory.max
 *                         (memory.high with limits.memory.enforce=soft)
 *   limits.memory.swap    false -> memory.swap.max = 0 (needs limits.memory)
 *   limits.cpu            N (first N CPUs) or a set "0-1,3" -> cpuset.cpus
 *   limits.cpu.allowance  50% -> cpu.max "50000 100000"; 25ms/100ms
 *   limits.cpu.priority   0..10 -> cpu.weight
 *   limits.processes      N -> pids.max
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup-limits.h"
#include "cove/container.h"
#include "instance-limits.h"
#include "strutil.h"

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (isempty(s) || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* LXD's byte sizes: kB/MB/GB... are powers of 1000, KiB/MiB/... of 1024 */
int limits_parse_bytes(const char *s, uint64_t *ret)
{
	static const char *const dec[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	static const char *const bin[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	size_t n = strspn(s ? s : "", "0123456789");
	_cleanup_free_ char *num = NULL;
	const char *unit;
	uint64_t v, mul = 1;

	if (n == 0)
		return -EINVAL;
	num = xstrndup(s, n);
	if (parse_u64(num, &v) < 0)
		return -EINVAL;
	unit = s + n;
	if (*unit) {
		size_t i;

		for (i = 0; i < ELEMENTSOF(dec); i++)
			if (streq(unit, dec[i]) || streq(unit, bin[i]) ||
			    (i == 1 && streq(unit, "KB")))
				break;
		if (i == ELEMENTSOF(dec))
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			mul *= streq(unit, bin[i]) ? 1024 : 1000;
	}
	if (v > UINT64_MAX / mul)
		return -ERANGE;
	*ret = v * mul;
	return 0;
}

static int parse_percent(const char *s, unsigned *ret)
{
	size_t n = s ? strlen(s) : 0;
	_cleanup_free_ char *num = NULL;
	uint64_t v;

	if (n < 2 || s[n - 1] != '%')
		return -EINVAL;
	num = xstrndup(s, n - 1);
	if (parse_u64(num, &v) < 0 || v == 0 || v > 100)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

static int memory_bytes(const char *s, uint64_t *ret)
{
	unsigned pct;

	if (parse_percent(s, &pct) == 0) {
		long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

		if (pages <= 0 || psz <= 0)
			return -EINVAL;
		*ret = (uint64_t)pages * (uint64_t)psz / 100 * pct;
		return 0;
	}
	if (limits_parse_bytes(s, ret) < 0 || *ret < 4096)
		return -EINVAL;
	return 0;
}

int limits_check_memory(const char *v)
{
	uint64_t b;

	return isempty(v) ? 0 : memory_bytes(v, &b);
}

int limits_check_enforce(const char *v)
{
	return isempty(v) || streq(v, "hard") || streq(v, "soft") ? 0 : -EINVAL;
}

/* "0-3,7": CPU ids and ranges, each range ascending */
static int check_cpuset(const char *v)
{
	_cleanup_free_ char *copy = xstrdup(v);
	char *save = NULL;

	if (v[0] == ',' || v[strlen(v) - 1] == ',' || strstr(v, ",,"))
		return -EINVAL;
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(p, '-');
		uint64_t a, b;

		if (dash)
			*dash = '\0';
		if (parse_u64(p, &a) < 0 || a > 4095)
			return -EINVAL;
		if (dash && (parse_u64(dash + 1, &b) < 0 || b < a || b > 4095))
			return -EINVAL;
	}
	return 0;
}

int limits_check_cpu(const char *v)
{
	uint64_t n;

	if (isempty(v))
		return 0;
	if (parse_u64(v, &n) == 0)
		return n >= 1 && n <= 4096 ? 0 : -EINVAL;
	return check_cpuset(v);
}

static int parse_ms(const char *s, uint64_t *ret)
{
	size_t n = strlen(s);
	_cleanup_free_ char *num = NULL;

	if (n < 3 || !streq(s + n - 2, "ms"))
		return -EINVAL;
	num = xstrndup(s, n - 2);
	if (parse_u64(num, ret) < 0 || *ret == 0 || *ret > 1000000)
		return -EINVAL;
	return 0;
}

/* "QUOTA PERIOD" in microseconds for cpu.max */
static int allowance(const char *v, uint64_t *quota, uint64_t *period)
{
	const char *slash = strchr(v, '/');
	unsigned pct;

	if (parse_percent(v, &pct) == 0) {
		*period = 100000;
		*quota = pct * 1000ULL;
		return 0;
	}
	if (slash) {
		_cleanup_free_ char *q = xstrndup(v, slash - v);

		if (parse_ms(q, quota) < 0 || parse_ms(slash + 1, period) < 0)
			return -EINVAL;
		*quota *= 1000;
		*period *= 1000;
		return 0;
	}
	return -EINVAL;
}

int limits_check_allowance(const char *v)
{
	uint64_t q, p;

	return isempty(v) ? 0 : allowance(v, &q, &p);
}

int limits_check_priority(const char *v)
{
	uint64_t n;

	if (isempty(v))
		return 0;
	return parse_u64(v, &n) == 0 && n <= 10 ? 0 : -EINVAL;
}

int limits_check_processes(const char *v)
{
	uint64_t n;

	if (isempty(v))
		return 0;
	return parse_u64(v, &n) == 0 && n >= 1 && n <= 4194304 ? 0 : -EINVAL;
}

static const char *get(const json_t *config, const char *key)
{
	const char *v = json_string_value(json_object_get(config, key));

	return isempty(v) ? NULL : v;
}

static void add_s(char **text, const char *key, const char *val)
{
	char *n = xasprintf("%slxc.cgroup2.%s = %s\n", *text, key, val);

	free(*text);
	*text = n;
}

static void add(char **text, const char *key, uint64_t a)
{
	char val[32];

	snprintf(val, sizeof(val), "%llu", (unsigned long long)a);
	add_s(text, key, val);
}

static void add_cpus(char **text, const char *v)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t n;
	char val[48];

	if (parse_u64(v, &n) < 0) {
		add_s(text, "cpuset.cpus", v);
		return;
	}
	if (online > 0 && n > (uint64_t)online)
		n = (uint64_t)online;
	if (n == 1)
		snprintf(val, sizeof(val), "0");
	else
		snprintf(val, sizeof(val), "0-%llu", (unsigned long long)n - 1);
	add_s(text, "cpuset.cpus", val);
}

char *limits_lxc_config(const json_t *config)
{
	char *t = xstrdup("");
	const char *v;
	uint64_t a, b;

	v = get(config, "limits.memory");
	if (v && memory_bytes(v, &a) == 0) {
		const char *enforce = get(config, "limits.memory.enforce");
		bool soft = enforce && streq(enforce, "soft");

		add(&t, soft ? "memory.high" : "memory.max", a);
		v = get(config, "limits.memory.swap");
		bool swap = true;
		if (v && !soft && parse_bool(v, &swap) == 0 && !swap)
			add(&t, "memory.swap.max", 0);
	}
	v = get(config, "limits.cpu");
	if (v && limits_check_cpu(v) == 0)
		add_cpus(&t, v);
	v = get(config, "limits.cpu.allowance");
	if (v && allowance(v, &a, &b) == 0) {
		char val[48];

		snprintf(val, sizeof(val), "%llu %llu", (unsigned long long)a, (unsigned long long)b);
		add_s(&t, "cpu.max", val);
	}
	v = get(config, "limits.cpu.priority");
	if (v && parse_u64(v, &a) == 0 && a <= 10)
		add(&t, "cpu.weight", a == 10 ? 100 : 1 + a * 10);
	v = get(config, "limits.processes");
	if (v && limits_check_processes(v) == 0)
		add(&t, "pids.max", strtoull(v, NULL, 10));
	return t;
}

/* write the limits into a running container's cgroup (LXD applies them live) */
int limits_apply_running(const char *lxcpath, const char *name, const json_t *config,
			 struct cove_error *err)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	_cleanup_(cove_cgroup_freep) struct cove_cgroup *cg = NULL;
	_cleanup_free_ char *lines = limits_lxc_config(config);
	struct cove_status st;
	char *save = NULL;
	int r;

	r = cove_container_new(lxcpath, name, &ct, err);
	if (r < 0)
		return r;
	r = cove_container_status(ct, &st, NULL, err);
	if (r < 0 || st.state != COVE_STATE_RUNNING || isempty(st.cgroup))
		return r < 0 ? r : 0;
	r = cove_cgroup_open_existing(st.cgroup, &cg, err);
	if (r < 0)
		return r;
	for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		const char *k = startswith(l, "lxc.cgroup2.");
		char *eq = strstr(l, " = ");

		if (!k || !eq)
			continue;
		*eq = '\0';
		r = cove_cgroup_set(cg, k, eq + 3, err);
		if (r < 0)
			return r;
	}
	return 0;
}
