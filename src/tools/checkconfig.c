/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-checkconfig: what this kernel offers to containers (lxc-checkconfig).
 * Each feature is looked up in the kernel config ($CONFIG, else
 * /proc/config.gz, /boot/config-RELEASE) and, where the running kernel can
 * tell, probed directly (/proc/self/ns, /proc/filesystems, mountinfo,
 * pidfd_open). Prints "Label: enabled" or "missing" (coloured on a
 * terminal only) and exits 0.
 */
#include <archive.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "strutil.h"
#include "strv.h"
#include "tool-common.h"

LOG_MODULE("checkconfig");

static const char usage[] = "cove-checkconfig";

#define KCONFIG_MAX (16u << 20)

static char *kconfig;	/* "\n" + the kernel config text, or NULL */
static bool color;
static struct utsname uts;

/* Read a (maybe compressed) kernel config; libarchive's raw format handles gzip. */
static int read_kconfig(const char *path, char **ret)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 1 << 16;
	la_ssize_t n;
	int r = 0;

	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		r = -ENOENT;
		goto out;
	}
	if (archive_read_next_header(a, &e) != ARCHIVE_OK) {
		r = -EINVAL;
		goto out;
	}
	buf = xmalloc(cap + 2);
	buf[0] = '\n';
	len = 1;
	while ((n = archive_read_data(a, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			if (cap >= KCONFIG_MAX) {
				r = -EFBIG;
				goto out;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 2);
		}
	}
	if (n < 0) {
		r = -EIO;
		goto out;
	}
	buf[len] = 0;
	*ret = TAKE_PTR(buf);
out:
	archive_read_free(a);
	return r;
}

static const char *find_kconfig(void)
{
	static char boot[300];
	const char *env = getenv("CONFIG");
	const char *paths[] = { "/proc/config.gz", boot };

	snprintf(boot, sizeof(boot), "/boot/config-%s", uts.release);
	if (!isempty(env))
		return read_kconfig(env, &kconfig) >= 0 ? env : NULL;
	for (size_t i = 0; i < ELEMENTSOF(paths); i++)
		if (read_kconfig(paths[i], &kconfig) >= 0)
			return paths[i];
	return NULL;
}

/* 1: =y or =m, 0: not set, -1: no config to tell */
static int kopt(const char *name)
{
	_cleanup_free_ char *y = NULL, *m = NULL;

	if (!kconfig)
		return -1;
	y = xasprintf("\n%s=y", name);
	m = xasprintf("\n%s=m", name);
	return strstr(kconfig, y) || strstr(kconfig, m) ? 1 : 0;
}

static void report(const char *label, int enabled)
{
	const char *word = enabled > 0 ? "enabled" : enabled == 0 ? "missing" : "unknown";
	const char *c = enabled > 0 ? "\033[1;32m" : enabled == 0 ? "\033[1;31m" : "\033[1;33m";

	if (color)
		printf("%s: %s%s\033[0m\n", label, c, word);
	else
		printf("%s: %s\n", label, word);
}

/* The config says (if there is one), else the probe (-1: cannot tell). */
static int either(const char *opt, int probe)
{
	int k = opt ? kopt(opt) : -1;

	return k >= 0 ? k : probe;
}

static int exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static bool kernel_at_least(unsigned major, unsigned minor)
{
	unsigned a = 0, b = 0;

	if (sscanf(uts.release, "%u.%u", &a, &b) != 2)
		return false;
	return a > major || (a == major && b >= minor);
}

static int filesystem(const char *fs)
{
	_cleanup_free_ char *s = NULL, *needle = xasprintf("\t%s\n", fs);

	if (read_full_file("/proc/filesystems", 1 << 16, &s, NULL) < 0)
		return -1;
	return strstr(s, needle) != NULL;
}

static void section_namespaces(void)
{
	printf("--- Namespaces ---\n");
	report("Namespaces", either("CONFIG_NAMESPACES", exists("/proc/self/ns")));
	report("Utsname namespace", either("CONFIG_UTS_NS", exists("/proc/self/ns/uts")));
	report("Ipc namespace", either("CONFIG_IPC_NS", exists("/proc/self/ns/ipc")));
	report("Pid namespace", either("CONFIG_PID_NS", exists("/proc/self/ns/pid")));
	report("User namespace", either("CONFIG_USER_NS", exists("/proc/self/ns/user")));
	report("Network namespace", either("CONFIG_NET_NS", exists("/proc/self/ns/net")));
	report("Mount namespace", exists("/proc/self/ns/mnt"));
	report("Time namespace", either("CONFIG_TIME_NS", exists("/proc/self/ns/time")));
	printf("\n");
}

struct cg_info {
	char **v1;		/* mount points */
	char **v2;
	char **controllers;	/* v1 controllers mounted, and v2 root's cgroup.controllers */
};

static void cg_scan(struct cg_info *cg)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t n = 0;

	while (f && getline(&line, &n, f) > 0) {
		char dir[4096], fstype[64], super[1024];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", dir) != 1 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, super) != 2)
			continue;
		if (streq(fstype, "cgroup")) {
			_cleanup_strv_free_ char **opts = strv_split(super, ",");

			strv_push_dup(&cg->v1, dir);
			STRV_FOREACH(o, opts)
				if (!strv_contains(cg->controllers, *o))
					strv_push_dup(&cg->controllers, *o);
		} else if (streq(fstype, "cgroup2")) {
			_cleanup_free_ char *p = xasprintf("%s/cgroup.controllers", dir), *s = NULL;
			_cleanup_strv_free_ char **ctrls = NULL;

			strv_push_dup(&cg->v2, dir);
			if (read_one_line(p, &s) >= 0)
				ctrls = strv_split(s, " ");
			STRV_FOREACH(o, ctrls)
				if (!strv_contains(cg->controllers, *o))
					strv_push_dup(&cg->controllers, *o);
		}
	}
	free(line);
}

static void mount_list(const char *title, char **l)
{
	printf("%s:\n", title);
	STRV_FOREACH(p, l)
		printf(" - %s\n", *p);
}

static void section_cgroups(void)
{
	struct cg_info cg = {};
	const char *layout;
	bool clone_children = false;

	cg_scan(&cg);
	if (cg.v1 && cg.v2)
		layout = "hybrid (cgroup v1 controllers, cgroup v2 mounted too)";
	else if (cg.v1)
		layout = "legacy (cgroup v1)";
	else if (cg.v2)
		layout = "unified (cgroup v2)";
	else
		layout = "none mounted";
	printf("--- Control groups ---\n");
	report("Cgroups", either("CONFIG_CGROUPS", exists("/proc/cgroups")));
	/* no config option of its own since 4.6: the ns file tells */
	report("Cgroup namespace", exists("/proc/self/ns/cgroup"));
	printf("Cgroup layout: %s\n", layout);
	if (cg.v1)
		mount_list("Cgroup v1 mount points", cg.v1);
	if (cg.v2)
		mount_list("Cgroup v2 mount points", cg.v2);
	STRV_FOREACH(p, cg.v1) {
		_cleanup_free_ char *f = xasprintf("%s/cgroup.clone_children", *p);

		clone_children = clone_children || exists(f);
	}
	if (cg.v1)
		report("Cgroup v1 clone_children flag", clone_children);
	report("Cgroup device", strv_contains(cg.controllers, "devices") ||
					(cg.v2 && kopt("CONFIG_CGROUP_BPF") > 0));
	report("Cgroup sched", strv_contains(cg.controllers, "cpu"));
	report("Cgroup cpu account", strv_contains(cg.controllers, "cpuacct") ||
					     strv_contains(cg.controllers, "cpu"));
	report("Cgroup memory controller", strv_contains(cg.controllers, "memory"));
	report("Cgroup cpuset", strv_contains(cg.controllers, "cpuset"));
	report("Cgroup pids", strv_contains(cg.controllers, "pids"));
	report("Cgroup freezer", strv_contains(cg.controllers, "freezer") ||
					 (cg.v2 && kernel_at_least(5, 2)));
	report("Cgroup blkio/io", strv_contains(cg.controllers, "blkio") ||
					  strv_contains(cg.controllers, "io"));
	printf("\n");
	strv_free(cg.v1);
	strv_free(cg.v2);
	strv_free(cg.controllers);
}

static int pidfd_works(void)
{
	long fd = syscall(SYS_pidfd_open, getpid(), 0);

	if (fd < 0)
		return 0;
	close((int)fd);
	return 1;
}

static void section_misc(void)
{
	_cleanup_free_ char *status = NULL;
	int seccomp = -1;

	if (read_full_file("/proc/self/status", 1 << 16, &status, NULL) >= 0)
		seccomp = strstr(status, "\nSeccomp:") != NULL;
	printf("--- Misc ---\n");
	report("Veth pair device", either("CONFIG_VETH", exists("/sys/module/veth") ? 1 : -1));
	report("Macvlan", either("CONFIG_MACVLAN", exists("/sys/module/macvlan") ? 1 : -1));
	report("Vlan", either("CONFIG_VLAN_8021Q", exists("/proc/net/vlan") ? 1 : -1));
	report("Bridges", either("CONFIG_BRIDGE", exists("/sys/module/bridge") ? 1 : -1));
	report("Advanced netfilter", either("CONFIG_NETFILTER_ADVANCED", -1));
	report("Nftables", either("CONFIG_NF_TABLES", -1));
	report("CONFIG_NF_NAT", kopt("CONFIG_NF_NAT"));
	report("CONFIG_IP_NF_TARGET_MASQUERADE", kopt("CONFIG_IP_NF_TARGET_MASQUERADE"));
	report("CONFIG_IP6_NF_TARGET_MASQUERADE", kopt("CONFIG_IP6_NF_TARGET_MASQUERADE"));
	report("CONFIG_NETFILTER_XT_TARGET_CHECKSUM", kopt("CONFIG_NETFILTER_XT_TARGET_CHECKSUM"));
	report("CONFIG_NETFILTER_XT_MATCH_COMMENT", kopt("CONFIG_NETFILTER_XT_MATCH_COMMENT"));
	report("FUSE (for use with lxcfs)", either("CONFIG_FUSE_FS", filesystem("fuse")));
	/* file capabilities are always built in since Linux 2.6.33 */
	report("POSIX capabilities", exists("/proc/sys/kernel/cap_last_cap"));
	report("Seccomp", either("CONFIG_SECCOMP", seccomp));
	report("Seccomp filter", either("CONFIG_SECCOMP_FILTER", seccomp));
	report("AppArmor", exists("/sys/module/apparmor") || exists("/sys/kernel/security/apparmor")
				   ? 1 : either("CONFIG_SECURITY_APPARMOR", 0));
	report("SELinux", exists("/sys/fs/selinux/enforce") ? 1 : either("CONFIG_SECURITY_SELINUX", 0));
	report("Overlay filesystem", filesystem("overlay") > 0 ? 1 : either("CONFIG_OVERLAY_FS", 0));
	report("Btrfs filesystem", filesystem("btrfs") > 0 ? 1 : either("CONFIG_BTRFS_FS", 0));
	report("Idmapped mounts (Linux 5.12)", kernel_at_least(5, 12));
	report("pidfd (pidfd_open)", pidfd_works());
	printf("\n");
}

static void section_criu(void)
{
	static const char *const opts[] = { "CONFIG_FHANDLE", "CONFIG_EVENTFD", "CONFIG_EPOLL",
					    "CONFIG_UNIX_DIAG", "CONFIG_INET_DIAG",
					    "CONFIG_PACKET_DIAG", "CONFIG_NETLINK_DIAG" };

	printf("--- Checkpoint/Restore ---\n");
	report("checkpoint restore", kopt("CONFIG_CHECKPOINT_RESTORE"));
	for (size_t i = 0; i < ELEMENTSOF(opts); i++)
		report(opts[i], kopt(opts[i]));
	printf("\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { TOOL_COMMON_LONGOPTS, {} };
	struct tool_common tc = {};
	const char *path;
	int c;

	while ((c = getopt_long(argc, argv, TOOL_COMMON_SHORTOPTS, opts, NULL)) != -1)
		if (!tool_common_opt(&tc, c, optarg, usage))
			return tool_usage_error(usage, NULL);
	tool_common_setup(&tc, "cove-checkconfig");
	color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	(void)uname(&uts);
	path = find_kconfig();
	printf("Kernel version: %s\n", uts.release);
	if (path)
		printf("Kernel config: %s\n\n", path);
	else
		printf("Kernel config: not found (set CONFIG=/path/to/config): probing the running kernel only\n\n");
	section_namespaces();
	section_cgroups();
	section_misc();
	section_criu();
	printf("Note: to check another kernel's configuration before booting it:\n"
	       "  CONFIG=/path/to/config %s\n", argv[0]);
	free(kconfig);
	return 0;
}
