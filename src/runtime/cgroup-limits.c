/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Limits, freezing and usage figures of a container's cgroup (see
 * cgroup-limits.h). A key names its controller by its first component
 * ("memory.max" -> memory); on v1 the file is written in the hierarchy that
 * carries that controller, on v2 in the one unified directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup-limits.h"
#include "fileio.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("cgroup-limits");

/* The usual allow-list of a container's devices (what LXC's common.conf allows). */
static const char *const default_devices[] = {
	"c *:* m", "b *:* m",				  /* mknod, not use */
	"c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",		  /* null zero full */
	"c 1:8 rwm", "c 1:9 rwm",			  /* random urandom */
	"c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm",		  /* tty console ptmx */
	"c 136:* rwm",					  /* pts */
	"c 10:229 rwm", "c 10:200 rwm",			  /* fuse tun */
};

static bool key_valid(const char *key)
{
	if (isempty(key) || strchr(key, '/') || strstr(key, "..") || !strchr(key, '.'))
		return false;
	for (const char *s = key; *s; s++)
		if (*s <= ' ' || *s >= 127)
			return false;
	return true;
}

static int check_kv(const char *family, const struct cove_kv *kv, struct cove_error *err)
{
	if (!key_valid(kv->key))
		return cove_err(err, -EINVAL, "Invalid cgroup key '%s.%s'", family, kv->key);
	if (!kv->value || strpbrk(kv->value, "\n\r"))
		return cove_err(err, -EINVAL, "Invalid value for %s.%s: '%s' (contains a newline)",
				family, kv->key, kv->value ? kv->value : "");
	return 0;
}

int cove_cgroup_limits_check(const struct cove_conf *c, struct cove_error *err)
{
	int r;

	for (size_t i = 0; i < c->n_cgroup; i++)
		if ((r = check_kv("lxc.cgroup", &c->cgroup[i], err)) < 0)
			return r;
	for (size_t i = 0; i < c->n_cgroup2; i++)
		if ((r = check_kv("lxc.cgroup2", &c->cgroup2[i], err)) < 0)
			return r;
	return 0;
}

static bool is_pure_v2(const struct cove_cgroup *cg)
{
	return cg->ops == &cgroup_v2_ops;
}

/* The hierarchy carrying a v1 controller, or NULL. */
static const struct cgroup_hier *v1_hier(const struct cove_cgroup *cg, const char *ctrl)
{
	for (size_t i = 0; i < cg->n; i++) {
		_cleanup_strv_free_ char **l = NULL;

		if (cg->h[i].v2)
			continue;
		l = strv_split(cg->h[i].controllers, ",");
		if (strv_contains(l, ctrl))
			return &cg->h[i];
	}
	return NULL;
}

static const struct cgroup_hier *v2_hier(const struct cove_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].v2)
			return &cg->h[i];
	return NULL;
}

static char *controller_of(const char *key)
{
	return xstrndup(key, strcspn(key, "."));
}

/* Path of file in our group of hierarchy h. */
static char *group_file(const struct cove_cgroup *cg, const struct cgroup_hier *h, const char *file)
{
	_cleanup_free_ char *d = cgroup_hier_path(h, cg->name);

	return path_join(d, file);
}

/*
 * Probe mode (cove_cgroup_limits_probe): no group exists yet, so files are
 * looked up in the parent group instead of written.
 */
static bool dry_run;

/* v1 files the kernel does not show in a hierarchy's root group. */
static bool not_on_root(const char *path)
{
	static const char *const files[] = { "pids.max", "freezer.state", "cpu.cfs_quota_us",
					     "cpu.cfs_period_us", "memory.memsw.limit_in_bytes" };
	const char *b = strrchr(path, '/');

	for (size_t i = 0; b && i < ELEMENTSOF(files); i++)
		if (streq(b + 1, files[i]))
			return true;
	return false;
}

/* v2: is the controller of the file offered to the parent's children? */
static int v2_probe(const char *path)
{
	_cleanup_free_ char *dir = xstrndup(path, strrchr(path, '/') - path), *p = NULL, *l = NULL;
	const char *file = strrchr(path, '/') + 1;
	_cleanup_free_ char *ctrl = controller_of(file);
	_cleanup_strv_free_ char **avail = NULL;

	if (streq(ctrl, "cgroup"))
		return 0;
	p = path_join(dir, "cgroup.controllers");
	if (read_one_line(p, &l) < 0)
		return -ENOENT;
	avail = strv_split(l, " ");
	return strv_contains(avail, ctrl) ? 0 : -ENOENT;
}

static int write_existing(const char *path, const char *value)
{
	_cleanup_close_ int fd = -EBADF;
	size_t n = strlen(value);

	if (dry_run) {
		if (strstr(path, "/cgroup.") == NULL && access(path, F_OK) < 0) {
			int r = -errno;

			return r == -ENOENT && not_on_root(path) ? 0 : r;
		}
		return 0;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (write(fd, value, n) != (ssize_t)n)
		return errno ? -errno : -EIO;
	return 0;
}

/* Write one file of a v1 controller (the controller is the file's prefix). */
static int v1_write(struct cove_cgroup *cg, const char *what, const char *file, const char *value,
		    struct cove_error *err)
{
	_cleanup_free_ char *ctrl = controller_of(file), *p = NULL;
	const struct cgroup_hier *h = v1_hier(cg, ctrl);
	int r;

	if (!h)
		return cove_err(err, -ENOENT, "Cannot set %s = '%s': the host has no '%s' cgroup controller",
				what, value, ctrl);
	p = group_file(cg, h, file);
	r = write_existing(p, value);
	if (r == -ENOENT)
		return cove_err(err, r, "Cannot set %s = '%s': the host's %s controller has no '%s'",
				what, value, ctrl, file);
	if (r < 0)
		return cove_err(err, r, "Failed to set %s = '%s' (%s): %s", what, value, p, strerror(-r));
	log_debug("%s = %s -> %s", what, value, p);
	return 0;
}

static int v2_write(struct cove_cgroup *cg, const char *what, const char *file, const char *value,
		    struct cove_error *err)
{
	const struct cgroup_hier *h = v2_hier(cg);
	_cleanup_free_ char *p = NULL, *ctrl = controller_of(file);
	int r;

	if (!h)
		return cove_err(err, -ENOENT, "Cannot set %s = '%s': the host has no cgroup2 hierarchy",
				what, value);
	p = group_file(cg, h, file);
	r = dry_run ? v2_probe(p) : write_existing(p, value);
	if (r == -ENOENT)
		return cove_err(err, r, "Cannot set %s = '%s': the host has no '%s' cgroup2 controller (no '%s')",
				what, value, ctrl, file);
	if (r < 0)
		return cove_err(err, r, "Failed to set %s = '%s' (%s): %s", what, value, p, strerror(-r));
	log_debug("%s = %s -> %s", what, value, p);
	return 0;
}

/* "max" -> "-1", a size -> bytes. */
static int v1_bytes(const char *what, const char *v, char **ret, struct cove_error *err)
{
	uint64_t b;

	if (streq(v, "max")) {
		*ret = xstrdup("-1");
		return 0;
	}
	if (parse_size(v, &b) < 0)
		return cove_err(err, -EINVAL, "Invalid value for %s: '%s' (a size or 'max')", what, v);
	*ret = xasprintf("%llu", (unsigned long long)b);
	return 0;
}

/* v2 "memory.swap.max" is swap alone; v1 memsw is memory + swap. */
static int v1_swap(struct cove_cgroup *cg, const struct cove_conf *c, const char *what,
		   const char *v, struct cove_error *err)
{
	_cleanup_free_ char *mem = NULL, *cur = NULL, *path = NULL;
	const struct cgroup_hier *h = v1_hier(cg, "memory");
	uint64_t swap, limit;
	int r;

	if (streq(v, "max"))
		return v1_write(cg, what, "memory.memsw.limit_in_bytes", "-1", err);
	if (parse_size(v, &swap) < 0)
		return cove_err(err, -EINVAL, "Invalid value for %s: '%s' (a size or 'max')", what, v);
	if (!h)
		return cove_err(err, -ENOENT, "Cannot set %s = '%s': the host has no memory controller",
				what, v);
	if (dry_run)
		return v1_write(cg, what, "memory.memsw.limit_in_bytes", "0", err);
	path = group_file(cg, h, "memory.limit_in_bytes");
	r = read_one_line(path, &cur);
	if (r < 0 || safe_atou64(cur, &limit) < 0 || limit >= (UINT64_MAX >> 2))
		return cove_err(err, -EINVAL,
				"Cannot set %s = '%s' on cgroup v1: swap is limited together with memory, set lxc.cgroup2.memory.max first",
				what, v);
	mem = xasprintf("%llu", (unsigned long long)(limit + swap));
	return v1_write(cg, what, "memory.memsw.limit_in_bytes", mem, err);
}

/* cpu.max "QUOTA [PERIOD]" -> cfs_period_us, then cfs_quota_us. */
static int v1_cpu_max(struct cove_cgroup *cg, const char *what, const char *v, struct cove_error *err)
{
	_cleanup_strv_free_ char **l = strv_split(v, " ");
	unsigned quota = 0, period = 100000;
	int r;

	if (!l || !l[0] || (l[1] && l[2]) || (!streq(l[0], "max") && safe_atou(l[0], &quota) < 0) ||
	    (l[1] && safe_atou(l[1], &period) < 0) || period < 1000 || period > 1000000 ||
	    (!streq(l[0], "max") && quota < 1000))
		return cove_err(err, -EINVAL, "Invalid value for %s: '%s' (QUOTA|max [PERIOD], in us)",
				what, v);
	_cleanup_free_ char *p = xasprintf("%u", period);
	_cleanup_free_ char *q = streq(l[0], "max") ? xstrdup("-1") : xasprintf("%u", quota);
	r = v1_write(cg, what, "cpu.cfs_period_us", p, err);
	if (r < 0)
		return r;
	return v1_write(cg, what, "cpu.cfs_quota_us", q, err);
}

/* cpu.weight 1..10000 (default 100) -> cpu.shares 2..262144 (default 1024). */
static int v1_cpu_weight(struct cove_cgroup *cg, const char *what, const char *v,
			 struct cove_error *err)
{
	unsigned w;
	unsigned long long s;

	if (safe_atou(v, &w) < 0 || w < 1 || w > 10000)
		return cove_err(err, -EINVAL, "Invalid value for %s: '%s' (1..10000)", what, v);
	s = (unsigned long long)w * 1024 / 100;
	if (s < 2)
		s = 2;
	if (s > 262144)
		s = 262144;
	_cleanup_free_ char *b = xasprintf("%llu", s);
	return v1_write(cg, what, "cpu.shares", b, err);
}

/* io.max "MAJ:MIN rbps=N wbps=N riops=N wiops=N" -> blkio.throttle.*_device "MAJ:MIN N". */
static int v1_io_max(struct cove_cgroup *cg, const char *what, const char *v, struct cove_error *err)
{
	static const struct {
		const char *k, *file;
	} map[] = {
		{ "rbps", "blkio.throttle.read_bps_device" },
		{ "wbps", "blkio.throttle.write_bps_device" },
		{ "riops", "blkio.throttle.read_iops_device" },
		{ "wiops", "blkio.throttle.write_iops_device" },
	};
	_cleanup_strv_free_ char **l = strv_split(v, " ");
	unsigned maj, min;
	int r;

	if (!l || !l[0] || !l[1] || sscanf(l[0], "%u:%u", &maj, &min) != 2)
		return cove_err(err, -EINVAL, "Invalid value for %s: '%s' (MAJ:MIN rbps=N ...)", what, v);
	for (char **t = l + 1; *t; t++) {
		char *eq = strchr(*t, '=');
		size_t i;
		uint64_t n = 0;

		for (i = 0; eq && i < ELEMENTSOF(map); i++)
			if (strlen(map[i].k) == (size_t)(eq - *t) && startswith(*t, map[i].k))
				break;
		if (!eq || i == ELEMENTSOF(map) || (!streq(eq + 1, "max") && safe_atou64(eq + 1, &n) < 0))
			return cove_err(err, -EINVAL, "Invalid value for %s: '%s' (unknown '%s')", what,
					v, *t);
		_cleanup_free_ char *w = xasprintf("%u:%u %llu", maj, min, (unsigned long long)n);
		r = v1_write(cg, what, map[i].file, w, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A v2 key on a v1 host: its v1 equivalent, or a clear refusal. */
static int v2_on_v1(struct cove_cgroup *cg, const struct cove_conf *c, const char *key,
		    const char *v, struct cove_error *err)
{
	_cleanup_free_ char *what = xasprintf("lxc.cgroup2.%s", key), *b = NULL;
	int r;

	if (streq(key, "memory.max") || streq(key, "memory.high")) {
		r = v1_bytes(what, v, &b, err);
		if (r < 0)
			return r;
		return v1_write(cg, what,
				streq(key, "memory.max") ? "memory.limit_in_bytes"
							 : "memory.soft_limit_in_bytes",
				b, err);
	}
	if (streq(key, "memory.swap.max"))
		return v1_swap(cg, c, what, v, err);
	if (streq(key, "cpu.max"))
		return v1_cpu_max(cg, what, v, err);
	if (streq(key, "cpu.weight"))
		return v1_cpu_weight(cg, what, v, err);
	if (streq(key, "io.max"))
		return v1_io_max(cg, what, v, err);
	if (streq(key, "io.weight"))
		return v1_write(cg, what, "blkio.weight", v, err);
	if (streq(key, "pids.max") || streq(key, "cpuset.cpus") || streq(key, "cpuset.mems"))
		return v1_write(cg, what, key, v, err);
	/* Only controllers that live in the hybrid unified mount (hugetlb here). */
	if (v2_hier(cg)) {
		_cleanup_free_ char *p = group_file(cg, v2_hier(cg), key);

		if (access(p, F_OK) == 0)
			return v2_write(cg, what, key, v, err);
	}
	return cove_err(err, -EOPNOTSUPP,
			"Cannot set %s = '%s': this host has cgroup v1 and the key has no v1 equivalent",
			what, v);
}

/* One eBPF instruction. */
static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* Append the instructions of one "c MAJ:MIN rwm" rule; each mismatch jumps past it. */
static size_t devices_rule(struct bpf_insn *prog, size_t n, const char *rule)
{
	char t, acc[8] = "", smaj[16], smin[16];
	int mask;
	size_t start = n;

	if (sscanf(rule, "%c %15[^:]:%15s %7s", &t, smaj, smin, acc) != 4)
		return n;
	mask = (strchr(acc, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) |
	       (strchr(acc, 'r') ? BPF_DEVCG_ACC_READ : 0) |
	       (strchr(acc, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
	prog[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 0,
			 t == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (!streq(smaj, "*"))
		prog[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, atoi(smaj));
	if (!streq(smin, "*"))
		prog[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, atoi(smin));
	prog[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, 6, 3, 0, 0);
	prog[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, 6, 0, 0, ~mask);
	prog[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 6, 0, 0, 0);
	prog[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
	prog[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t k = start; k < n; k++)
		if (prog[k].code == (BPF_JMP | BPF_JNE | BPF_K))
			prog[k].off = (int16_t)(n - k - 1);
	return n;
}

/*
 * cgroup2: the same allow-list as a BPF_PROG_TYPE_CGROUP_DEVICE program
 * attached to the group: r2 = type, r3 = access, r4 = major, r5 = minor;
 * a matching rule returns 1 (allow), the end returns 0 (deny).
 */
static int v2_devices(struct cove_cgroup *cg, struct cove_error *err)
{
	struct bpf_insn prog[8 + ELEMENTSOF(default_devices) * 8];
	_cleanup_free_ char *dir = cgroup_hier_path(v2_hier(cg), cg->name);
	_cleanup_close_ int dfd = -EBADF, pfd = -EBADF;
	union bpf_attr a;
	size_t n = 0;

	prog[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0); /* access_type */
	prog[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0);
	prog[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, 2, 0, 0, 0xffff); /* type */
	prog[n++] = insn(BPF_ALU64 | BPF_RSH | BPF_K, 3, 0, 0, 16);	/* access */
	prog[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, 4, 1, 4, 0);	/* major */
	prog[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, 5, 1, 8, 0);	/* minor */
	for (size_t i = 0; i < ELEMENTSOF(default_devices); i++)
		n = devices_rule(prog, n, default_devices[i]);
	prog[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	prog[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)prog;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)"GPL";
	pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (pfd < 0)
		return cove_err(err, -errno, "Failed to load the device program for '%s': %m", dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cove_err(err, -errno, "Failed to open cgroup '%s': %m", dir);
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)dfd;
	a.attach_bpf_fd = (uint32_t)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof(a)) < 0)
		return cove_err(err, -errno, "Failed to attach the device program to '%s': %m", dir);
	return 0;
}

static int apply_devices(struct cove_cgroup *cg, struct cove_error *err)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (dry_run)
		return 0;
	if (is_pure_v2(cg))
		return v2_devices(cg, err);
	if (!v1_hier(cg, "devices"))
		return 0;
	r = v1_write(cg, "the default device list", "devices.deny", "a", err);
	if (r < 0)
		return r;
	/* One open for the whole list: each write() is one rule (opening kernfs files costs). */
	p = group_file(cg, v1_hier(cg, "devices"), "devices.allow");
	fd = open(p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to set the default device list (%s): %m", p);
	for (size_t i = 0; i < ELEMENTSOF(default_devices); i++) {
		size_t n = strlen(default_devices[i]);

		if (write(fd, default_devices[i], n) != (ssize_t)n)
			return cove_err(err, errno ? -errno : -EIO,
					"Failed to allow device '%s' (%s): %m", default_devices[i], p);
	}
	return 0;
}

int cove_cgroup_apply_limits(struct cove_cgroup *cg, const struct cove_conf *c,
			     struct cove_error *err)
{
	int r;

	r = cove_cgroup_limits_check(c, err);
	if (r < 0)
		return r;
	r = apply_devices(cg, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n_cgroup; i++) {
		const struct cove_kv *kv = &c->cgroup[i];
		_cleanup_free_ char *what = xasprintf("lxc.cgroup.%s", kv->key);

		if (is_pure_v2(cg)) {
			log_info("Ignoring %s: the host has no cgroup v1", what);
			continue;
		}
		r = v1_write(cg, what, kv->key, kv->value, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->n_cgroup2; i++) {
		const struct cove_kv *kv = &c->cgroup2[i];

		if (is_pure_v2(cg)) {
			_cleanup_free_ char *what = xasprintf("lxc.cgroup2.%s", kv->key);

			r = v2_write(cg, what, kv->key, kv->value, err);
		} else
			r = v2_on_v1(cg, c, kv->key, kv->value, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cove_cgroup_limits_probe(const struct cove_conf *c, struct cove_error *err)
{
	_cleanup_(cove_cgroup_freep) struct cove_cgroup *cg = NULL;
	int r;

	if (c->n_cgroup == 0 && c->n_cgroup2 == 0)
		return 0;
	r = cove_cgroup_new(&cg, err);
	if (r < 0)
		return r;
	dry_run = true;
	r = cove_cgroup_apply_limits(cg, c, err);
	dry_run = false;
	return r;
}

int cove_cgroup_open_existing(const char *path, struct cove_cgroup **ret, struct cove_error *err)
{
	_cleanup_(cove_cgroup_freep) struct cove_cgroup *cg = NULL;
	const char *name = strrchr(path ? path : "", '/');
	int r;

	if (!name || isempty(name + 1) || !startswith(name + 1, "cove.payload."))
		return cove_err(err, -EINVAL, "Invalid container cgroup '%s'", path ? path : "");
	r = cove_cgroup_new(&cg, err);
	if (r < 0)
		return r;
	cg->name = xstrdup(name + 1);
	cg->path = xstrdup(path);
	*ret = TAKE_PTR(cg);
	return 0;
}

/* The v2 keys that have a v1 translation (v2_on_v1). */
static bool is_v2_key(const char *key)
{
	static const char *const keys[] = { "memory.max", "memory.high", "memory.swap.max",
					    "cpu.max", "cpu.weight", "io.max", "io.weight" };

	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (streq(key, keys[i]))
			return true;
	return false;
}

int cove_cgroup_set(struct cove_cgroup *cg, const char *key, const char *value,
		    struct cove_error *err)
{
	struct cove_kv kv = { .key = (char *)key, .value = (char *)value };
	struct cove_conf c = {};
	int r;

	r = check_kv("cgroup", &kv, err);
	if (r < 0)
		return r;
	if (is_pure_v2(cg))
		return v2_write(cg, key, key, value, err);
	if (!is_v2_key(key))
		return v1_write(cg, key, key, value, err);
	return v2_on_v1(cg, &c, key, value, err);
}

static int read_group_file(struct cove_cgroup *cg, const struct cgroup_hier *h, const char *file,
			   char **ret)
{
	_cleanup_free_ char *p = group_file(cg, h, file), *buf = NULL;
	int r = read_full_file(p, 1 << 20, &buf, NULL);

	if (r < 0)
		return r;
	/* One trailing newline goes; multi-line files keep their lines. */
	size_t n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* The v1 file a v2 key reads from, when the value needs no conversion. */
static const char *v1_read_equiv(const char *key)
{
	if (streq(key, "memory.max"))
		return "memory.limit_in_bytes";
	if (streq(key, "memory.high"))
		return "memory.soft_limit_in_bytes";
	if (streq(key, "memory.current"))
		return "memory.usage_in_bytes";
	if (streq(key, "memory.peak"))
		return "memory.max_usage_in_bytes";
	if (streq(key, "cpu.weight"))
		return "cpu.shares";
	return NULL;
}

int cove_cgroup_get(struct cove_cgroup *cg, const char *key, char **ret_value,
		    struct cove_error *err)
{
	struct cove_kv kv = { .key = (char *)key, .value = (char *)"" };
	_cleanup_free_ char *ctrl = controller_of(key);
	const struct cgroup_hier *h;
	int r;

	r = check_kv("cgroup", &kv, err);
	if (r < 0)
		return r;
	h = is_pure_v2(cg) ? v2_hier(cg) : v1_hier(cg, ctrl);
	if (h) {
		r = read_group_file(cg, h, key, ret_value);
		if (r != -ENOENT) {
			if (r < 0)
				return cove_err(err, r, "Failed to read cgroup key '%s': %s", key,
						strerror(-r));
			return 0;
		}
	}
	if (!is_pure_v2(cg)) {
		if (streq(key, "cpu.max") && (h = v1_hier(cg, "cpu"))) {
			_cleanup_free_ char *q = NULL, *p = NULL;

			if (read_group_file(cg, h, "cpu.cfs_quota_us", &q) >= 0 &&
			    read_group_file(cg, h, "cpu.cfs_period_us", &p) >= 0) {
				*ret_value = xasprintf("%s %s", streq(q, "-1") ? "max" : q, p);
				return 0;
			}
		}
		if (v1_read_equiv(key) && (h = v1_hier(cg, ctrl)) &&
		    read_group_file(cg, h, v1_read_equiv(key), ret_value) >= 0)
			return 0;
		if ((h = v2_hier(cg)) && read_group_file(cg, h, key, ret_value) >= 0)
			return 0;
	}
	return cove_err(err, -ENOENT, "Cannot read cgroup key '%s': no such file in the container's cgroup",
			key);
}

int cove_cgroup_is_frozen(struct cove_cgroup *cg)
{
	_cleanup_free_ char *v = NULL;
	const struct cgroup_hier *h;
	int r;

	if (is_pure_v2(cg)) {
		_cleanup_free_ char *ev = NULL;

		r = read_group_file(cg, v2_hier(cg), "cgroup.events", &ev);
		if (r < 0)
			return r;
		return strstr(ev, "frozen 1") != NULL;
	}
	h = v1_hier(cg, "freezer");
	if (!h)
		return -EOPNOTSUPP;
	r = read_group_file(cg, h, "freezer.state", &v);
	if (r < 0)
		return r;
	return streq(v, "FROZEN");
}

int cove_cgroup_freeze(struct cove_cgroup *cg, bool freeze, int timeout_ms, struct cove_error *err)
{
	const char *what = freeze ? "freeze" : "thaw";
	int r;

	if (is_pure_v2(cg))
		r = v2_write(cg, what, "cgroup.freeze", freeze ? "1" : "0", err);
	else if (!v1_hier(cg, "freezer"))
		return cove_err(err, -EOPNOTSUPP, "Cannot %s: the host has no freezer cgroup controller",
				what);
	else
		r = v1_write(cg, what, "freezer.state", freeze ? "FROZEN" : "THAWED", err);
	if (r < 0)
		return r;
	for (int waited = 0;; waited++) {
		struct timespec ts = { 0, 1000 * 1000 };

		r = cove_cgroup_is_frozen(cg);
		if (r < 0)
			return cove_err(err, r, "Failed to read the freezer state: %s", strerror(-r));
		if ((r > 0) == freeze)
			return 0;
		if (waited >= timeout_ms)
			return cove_err(err, -ETIMEDOUT, "Timed out waiting for the container to %s",
					what);
		(void)nanosleep(&ts, NULL);
		/* v1 may stay FREEZING when a task is busy in the kernel: ask again. */
		if (freeze && !is_pure_v2(cg) && waited % 100 == 99)
			(void)v1_write(cg, what, "freezer.state", "FROZEN", NULL);
	}
}

static pid_t parent_of(pid_t pid)
{
	char path[64];
	_cleanup_free_ char *buf = NULL;
	const char *p;
	int ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_full_file(path, 4096, &buf, NULL) < 0 || !(p = strrchr(buf, ')')))
		return 0;
	if (sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

static bool is_monitor(pid_t pid)
{
	char path[64];
	_cleanup_free_ char *comm = NULL;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	return read_one_line(path, &comm) >= 0 && streq(comm, "cove-monitor");
}

/* 1: reaped, 0: not an orphan (or not frozen), -ENOENT: no such group. */
static int reap_one(struct cove_cgroup *cg)
{
	const struct cgroup_hier *h = is_pure_v2(cg) ? v2_hier(cg) : v1_hier(cg, "freezer");
	_cleanup_free_ char *dir = NULL, *procs = NULL;
	_cleanup_strv_free_ char **l = NULL;
	size_t n;
	pid_t *pids;

	if (!h)
		return -ENOENT;
	dir = cgroup_hier_path(h, cg->name);
	if (access(dir, F_OK) < 0)
		return -ENOENT;
	if (cove_cgroup_is_frozen(cg) <= 0 || read_group_file(cg, h, "cgroup.procs", &procs) < 0)
		return 0;
	l = strv_split(procs, "\n");
	n = strv_length(l);
	if (n == 0)
		return 0;
	pids = xnew0(pid_t, n);
	for (size_t i = 0; i < n; i++)
		(void)safe_atoi(l[i], &pids[i]);
	/* The init: a task whose parent is outside the group. Frozen tasks cannot exit or fork. */
	for (size_t i = 0; i < n; i++) {
		pid_t pp = parent_of(pids[i]);
		bool inside = false;

		for (size_t k = 0; k < n && !inside; k++)
			inside = pids[k] == pp;
		if (!inside && pp > 0 && is_monitor(pp)) {
			free(pids);
			return 0;
		}
	}
	log_info("cgroup '%s' is frozen and its monitor is gone: killing what runs in it", cg->name);
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0)
			(void)kill(pids[i], SIGKILL);
	free(pids);
	(void)cove_cgroup_freeze(cg, false, 2000, NULL);
	for (size_t i = 0; i < cg->n; i++) {
		_cleanup_free_ char *d = cgroup_hier_path(&cg->h[i], cg->name);

		cg->h[i].created = access(d, F_OK) == 0;
	}
	(void)cg->ops->destroy(cg, NULL);
	return 1;
}

int cove_cgroup_reap_orphans(const char *ctname)
{
	_cleanup_(cove_cgroup_freep) struct cove_cgroup *cg = NULL;
	int n = 0;

	if (cove_cgroup_new(&cg, NULL) < 0)
		return 0;
	/* -N variants are taken lowest first: stop at the first missing name */
	for (unsigned i = 0; i < 100; i++) {
		int r;

		free(cg->name);
		cg->name = i == 0 ? xasprintf("cove.payload.%s", ctname)
				  : xasprintf("cove.payload.%s-%u", ctname, i);
		r = reap_one(cg);
		if (r == -ENOENT)
			break;
		n += r > 0;
	}
	return n;
}

static int64_t read_i64(struct cove_cgroup *cg, const struct cgroup_hier *h, const char *file)
{
	_cleanup_free_ char *v = NULL;
	uint64_t n;

	if (!h || read_group_file(cg, h, file, &v) < 0)
		return -1;
	if (streq(v, "max"))
		return -1;
	if (safe_atou64(v, &n) < 0)
		return -1;
	return (int64_t)n;
}

/* "KEY VALUE" lines: the value of key, or -1. */
static int64_t read_keyed(struct cove_cgroup *cg, const struct cgroup_hier *h, const char *file,
			  const char *key)
{
	_cleanup_free_ char *v = NULL;
	size_t kl = strlen(key);

	if (!h || read_group_file(cg, h, file, &v) < 0)
		return -1;
	for (char *save = NULL, *l = strtok_r(v, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (startswith(l, key) && l[kl] == ' ')
			return strtoll(l + kl + 1, NULL, 10);
	return -1;
}

/* Sum the per-device lines "MAJ:MIN Op N" (v1) or "MAJ:MIN rbytes=N wbytes=N ..." (v2). */
static void blk_sum(struct cove_cgroup *cg, const struct cgroup_hier *h, const char *file, bool v2,
		    struct cove_cgroup_stats *s)
{
	_cleanup_free_ char *v = NULL;

	if (!h || read_group_file(cg, h, file, &v) < 0)
		return;
	s->blkio_read = s->blkio_write = 0;
	for (char *save = NULL, *l = strtok_r(v, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char op[16];
		unsigned long long n;
		char *p;

		if (v2) {
			if ((p = strstr(l, "rbytes=")))
				s->blkio_read += strtoll(p + 7, NULL, 10);
			if ((p = strstr(l, "wbytes=")))
				s->blkio_write += strtoll(p + 7, NULL, 10);
		} else if (sscanf(l, "%*u:%*u %15s %llu", op, &n) == 2) {
			if (streq(op, "Read"))
				s->blkio_read += (int64_t)n;
			else if (streq(op, "Write"))
				s->blkio_write += (int64_t)n;
		}
	}
}

int cove_cgroup_stats(struct cove_cgroup *cg, struct cove_cgroup_stats *s)
{
	const struct cgroup_hier *h;

	*s = (struct cove_cgroup_stats){ -1, -1, -1, -1, -1, -1, -1, -1, -1 };
	if (is_pure_v2(cg)) {
		h = v2_hier(cg);
		int64_t us = read_keyed(cg, h, "cpu.stat", "usage_usec");
		s->cpu_ns = us < 0 ? -1 : us * 1000;
		s->mem_bytes = read_i64(cg, h, "memory.current");
		s->mem_peak = read_i64(cg, h, "memory.peak");
		s->mem_limit = read_i64(cg, h, "memory.max");
		s->swap_bytes = read_i64(cg, h, "memory.swap.current");
		s->pids = read_i64(cg, h, "pids.current");
		s->pids_max = read_i64(cg, h, "pids.max");
		blk_sum(cg, h, "io.stat", true, s);
		return 0;
	}
	s->cpu_ns = read_i64(cg, v1_hier(cg, "cpuacct"), "cpuacct.usage");
	h = v1_hier(cg, "memory");
	s->mem_bytes = read_i64(cg, h, "memory.usage_in_bytes");
	s->mem_peak = read_i64(cg, h, "memory.max_usage_in_bytes");
	s->mem_limit = read_i64(cg, h, "memory.limit_in_bytes");
	if (s->mem_limit >= INT64_MAX / 4)
		s->mem_limit = -1;
	{
		int64_t memsw = read_i64(cg, h, "memory.memsw.usage_in_bytes");

		s->swap_bytes = memsw >= 0 && s->mem_bytes >= 0 && memsw >= s->mem_bytes
					? memsw - s->mem_bytes : read_keyed(cg, h, "memory.stat", "swap");
	}
	h = v1_hier(cg, "pids");
	s->pids = read_i64(cg, h, "pids.current");
	s->pids_max = read_i64(cg, h, "pids.max");
	blk_sum(cg, v1_hier(cg, "blkio"), "blkio.throttle.io_service_bytes", false, s);
	return 0;
}
