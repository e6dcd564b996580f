/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The child side of creating a container (see start.h): a table of named
 * steps run in the new namespaces, from waiting for the cgroup to exec'ing
 * init. A failing step sends its error to the parent and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "caps.h"
#include "dev.h"
#include "fileio.h"
#include "hooks.h"
#include "idmap.h"
#include "log.h"
#include "monitor-proto.h"
#include "mount.h"
#include "net.h"
#include "seccomp-policy.h"
#include "start.h"
#include "storage.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("start-child");

struct child {
	struct cove_run *run;
	const struct cove_conf *c;
	int sync;
	int rootfd;   /* the rootfs mount, after step "rootfs" */
	int null_fd;  /* the host's /dev/null, for init's stdio without a console */
	char **argv;  /* owned */
	char **env;   /* owned: init's environment */
	int idmap_fd; /* the idmapped rootfs mount from the monitor (unprivileged), or -EBADF */
};

static void ctx_of(const struct child *ch, struct cove_hook_ctx *ctx, const char *rootfs)
{
	*ctx = (struct cove_hook_ctx){ .name = ch->run->name, .config_path = ch->run->config_path,
				       .rootfs = rootfs, .out_fd = ch->run->log_fd };
}

static int run_hooks(struct child *ch, int type, const char *rootfs, struct cove_error *err)
{
	struct cove_hook_ctx ctx;

	ctx_of(ch, &ctx, rootfs);
	return cove_hooks_run(ch->c, type, &ctx, err);
}

/* Unprivileged: wait until the monitor has written our id maps (idmap.h). */
static int step_idmap(struct child *ch, struct cove_error *err)
{
	return cove_idmap_child(ch->run, ch->sync, &ch->idmap_fd, err);
}

/*
 * Where the child joins its cgroup (SYNC_CGROUP): as late as it can, so that
 * the monitor makes the groups while the child mounts. Hooks that run in
 * the child before pivot_root get it early. The cgroup automounts need the
 * cgroup namespace, so they follow the join: after the other mounts, or
 * before them all when a mount entry may touch /sys or a cgroup (an fstab
 * file is not read ahead, so it counts as one).
 */
enum { CGROUP_EARLY, CGROUP_BEFORE_MOUNTS, CGROUP_AFTER_MOUNTS, CGROUP_LATE };

static const unsigned cgroup_automounts =
	COVE_MOUNT_CGROUP_MIXED | COVE_MOUNT_CGROUP_RO | COVE_MOUNT_CGROUP_RW |
	COVE_MOUNT_CGROUP_FULL_MIXED | COVE_MOUNT_CGROUP_FULL_RO | COVE_MOUNT_CGROUP_FULL_RW;

static bool mentions(const char *s, const char *what)
{
	return s && strstr(s, what);
}

static bool entries_need_cgroup(const struct cove_conf *c)
{
	if (!isempty(c->mount_fstab))
		return true;
	for (size_t i = 0; i < c->n_mount_entries; i++) {
		const struct cove_mount_entry *e = &c->mount_entries[i];

		if (mentions(e->target, "sys") || mentions(e->source, "sys") ||
		    mentions(e->source, "cgroup") || mentions(e->fstype, "cgroup"))
			return true;
	}
	return false;
}

static int cgroup_point(const struct cove_conf *c)
{
	if (cove_hooks_any(c, COVE_HOOK_PRE_MOUNT) || cove_hooks_any(c, COVE_HOOK_MOUNT) ||
	    cove_hooks_any(c, COVE_HOOK_AUTODEV))
		return CGROUP_EARLY;
	if (entries_need_cgroup(c))
		return CGROUP_BEFORE_MOUNTS;
	if (c->mount_auto & cgroup_automounts)
		return CGROUP_AFTER_MOUNTS;
	return CGROUP_LATE;
}

static int join_cgroup(struct child *ch, struct cove_error *err)
{
	int fds[COVE_SYNC_MAX_FDS];
	struct cove_sync_msg m;
	size_t n = 0;
	ssize_t k;
	int r;

	k = recv_fds(ch->sync, &m, sizeof(m), fds, ELEMENTSOF(fds));
	if (k <= 0)
		return cove_err(err, k < 0 ? (int)k : -EPIPE, "The monitor went away before making our cgroup");
	while (n < ELEMENTSOF(fds) && fds[n] >= 0)
		n++;
	if ((size_t)k != sizeof(m) || m.step != SYNC_CGROUP)
		r = cove_err(err, -EPROTO, "Unexpected message from the monitor (wanted the cgroup)");
	else
		r = cove_cgroup_enter(fds, n, err);
	for (size_t i = 0; i < n; i++)
		safe_close(fds[i]);
	if (r < 0)
		return r;
	/* Only now that we are in our cgroup does it become the namespace's root. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		return cove_err(err, -errno, "Failed to create the cgroup namespace: %m");
	return 0;
}

static int step_cgroup_early(struct child *ch, struct cove_error *err)
{
	return cgroup_point(ch->c) == CGROUP_EARLY ? join_cgroup(ch, err) : 0;
}

static int step_cgroup_before_mounts(struct child *ch, struct cove_error *err)
{
	return cgroup_point(ch->c) == CGROUP_BEFORE_MOUNTS ? join_cgroup(ch, err) : 0;
}

static int step_cgroup_after_mounts(struct child *ch, struct cove_error *err)
{
	return cgroup_point(ch->c) == CGROUP_AFTER_MOUNTS ? join_cgroup(ch, err) : 0;
}

static int step_cgroup_late(struct child *ch, struct cove_error *err)
{
	return cgroup_point(ch->c) == CGROUP_LATE ? join_cgroup(ch, err) : 0;
}

static int step_hostname(struct child *ch, struct cove_error *err)
{
	const char *h = isempty(ch->c->utsname) ? ch->run->name : ch->c->utsname;

	if (sethostname(h, strlen(h)) < 0)
		return cove_err(err, -errno, "Failed to set the hostname to '%s': %m", h);
	return 0;
}

/* The netns the monitor made ahead (netns-early.c), lo already up. */
static int step_netns(struct child *ch, struct cove_error *err)
{
	if (ch->run->netns_fd < 0)
		return 0;
	if (setns(ch->run->netns_fd, CLONE_NEWNET) < 0)
		return cove_err(err, -errno, "Failed to join the container's network namespace: %m");
	(void)close(ch->run->netns_fd);
	return 0;
}

static int step_loopback(struct child *ch, struct cove_error *err)
{
	int r;

	if (ch->run->share_net || ch->run->netns_fd >= 0)
		return 0;
	r = cove_lo_up();
	if (r < 0)
		return cove_err(err, r, "Failed to bring up 'lo': %s", strerror(-r));
	return 0;
}

static int step_propagation(struct child *ch, struct cove_error *err)
{
	/* Nothing mounted from here on may reach the host. */
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return cove_err(err, -errno, "Failed to make '/' a slave mount: %m");
	return 0;
}

static int step_pre_mount(struct child *ch, struct cove_error *err)
{
	return run_hooks(ch, COVE_HOOK_PRE_MOUNT, ch->run->rootfs, err);
}

static int step_rootfs(struct child *ch, struct cove_error *err)
{
	_cleanup_(cove_rootfs_spec_done) struct cove_rootfs_spec spec = {};
	const char *rootfs = ch->run->rootfs;
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = cove_rootfs_spec_parse(ch->c->rootfs_path, &spec, err);
	if (r < 0)
		return r;
	if (ch->idmap_fd >= 0) {
		/* the monitor's idmapped clone of the rootfs goes where the rootfs is */
		if (move_mount(ch->idmap_fd, "", AT_FDCWD, rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return cove_err(err, -errno,
					"Failed to mount the idmapped rootfs on '%s': %m%s", rootfs,
					errno == EACCES ? " (container root cannot search a directory above it)" : "");
		ch->idmap_fd = safe_close(ch->idmap_fd);
	} else if (spec.kind == COVE_STORAGE_OVERLAY) {
		/* in our own mount namespace: the overlay never shows on the host */
		r = cove_overlay_mount(&spec, err);
		if (r < 0)
			return r;
	} else {
		fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return cove_err(err, -errno, "Failed to open rootfs '%s': %m", rootfs);
		r = mount_bind_fd(fd, NULL, true, fd, 0, 0);
		if (r < 0)
			return cove_err(err, r, "Failed to bind rootfs '%s': %s", rootfs,
					strerror(-r));
	}
	/* A fresh lookup reaches the new mount. */
	ch->rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ch->rootfd < 0)
		return cove_err(err, -errno, "Failed to open rootfs '%s': %m", rootfs);
	return 0;
}

static int step_autodev_mount(struct child *ch, struct cove_error *err)
{
	return cove_dev_autodev(ch->c) ? cove_dev_mount(ch->rootfd, err) : 0;
}

static int step_mount_auto(struct child *ch, struct cove_error *err)
{
	return cove_mount_auto(ch->rootfd, ch->c->mount_auto & ~cgroup_automounts, err);
}

/* The cgroup automounts, once in our cgroup namespace (cgroup_point). */
static int step_mount_cgroup(struct child *ch, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!(ch->c->mount_auto & cgroup_automounts))
		return 0;
	r = root_mkdir_p(ch->rootfd, "sys/fs", 0755);
	if (r >= 0)
		r = root_open(ch->rootfd, "sys/fs", O_PATH | O_DIRECTORY, &fd);
	if (r < 0)
		return cove_err(err, r, "Failed to open '/sys/fs' in the rootfs: %s", strerror(-r));
	return cove_cgroup_mount(ch->run->cg, fd, ch->c->mount_auto, err);
}

/* Before the other mounts when they may need them, else after. */
static int step_mount_cgroup_early(struct child *ch, struct cove_error *err)
{
	return cgroup_point(ch->c) <= CGROUP_BEFORE_MOUNTS ? step_mount_cgroup(ch, err) : 0;
}

static int step_mount_cgroup_late(struct child *ch, struct cove_error *err)
{
	return cgroup_point(ch->c) > CGROUP_BEFORE_MOUNTS ? step_mount_cgroup(ch, err) : 0;
}

static int step_mount_entries(struct child *ch, struct cove_error *err)
{
	const struct cove_conf *c = ch->c;
	int r;

	if (!isempty(c->mount_fstab)) {
		r = cove_mount_fstab(ch->rootfd, c, ch->run->rootfs, c->mount_fstab, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->n_mount_entries; i++) {
		r = cove_mount_entry(ch->rootfd, c, ch->run->rootfs, &c->mount_entries[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int step_mount_hooks(struct child *ch, struct cove_error *err)
{
	return run_hooks(ch, COVE_HOOK_MOUNT, ch->run->rootfs, err);
}

static int step_autodev(struct child *ch, struct cove_error *err)
{
	int r;

	if (!cove_dev_autodev(ch->c))
		return 0;
	r = cove_dev_populate(ch->rootfd, ch->c, err);
	if (r < 0)
		return r;
	return run_hooks(ch, COVE_HOOK_AUTODEV, ch->run->rootfs, err);
}

static int step_ttys(struct child *ch, struct cove_error *err)
{
	return cove_dev_ttys(ch->rootfd, ch->c, ch->run->con, err);
}

static bool has_opt(const char *opts, const char *opt)
{
	_cleanup_strv_free_ char **l = strv_split(opts ? opts : "", ",");

	return strv_contains(l, opt);
}

static int step_rootfs_ro(struct child *ch, struct cove_error *err)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };

	if (!has_opt(ch->c->rootfs_options, "ro"))
		return 0;
	if (mount_setattr(ch->rootfd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
		return cove_err(err, -errno, "Failed to make the rootfs read-only: %m");
	return 0;
}

static int step_sysctl(struct child *ch, struct cove_error *err)
{
	/* Still the host's /proc, but namespaced sysctls resolve to our namespaces. */
	for (size_t i = 0; i < ch->c->n_sysctls; i++) {
		const struct cove_kv *kv = &ch->c->sysctls[i];
		_cleanup_free_ char *p = xasprintf("/proc/sys/%s", kv->key);
		int r;

		if (strstr(kv->key, ".."))
			return cove_err(err, -EINVAL, "Invalid sysctl 'lxc.sysctl.%s'", kv->key);
		for (char *s = p + STRLEN("/proc/sys/"); *s; s++)
			if (*s == '.')
				*s = '/';
		r = write_string_file(p, kv->value);
		if (r < 0)
			return cove_err(err, r, "Failed to set lxc.sysctl.%s to '%s': %s", kv->key,
					kv->value, strerror(-r));
	}
	return 0;
}

static int step_pivot_root(struct child *ch, struct cove_error *err)
{
	ch->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fchdir(ch->rootfd) < 0)
		return cove_err(err, -errno, "Failed to enter the rootfs: %m");
	/* Stack the old root on top of the new one, then detach it. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return cove_err(err, -errno, "Failed to pivot_root into '%s': %m", ch->run->rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		return cove_err(err, -errno, "Failed to detach the old root: %m");
	if (chdir("/") < 0)
		return cove_err(err, -errno, "Failed to change to '/': %m");
	ch->rootfd = safe_close(ch->rootfd);
	return 0;
}

static int step_start_host_sync(struct child *ch, struct cove_error *err)
{
	int r;

	/* the monitor runs start-host hooks, and makes lxc.net.N interfaces meanwhile */
	if (!cove_hooks_any(ch->c, COVE_HOOK_START_HOST) &&
	    (ch->run->share_net || !cove_net_wanted(ch->c)))
		return 0;
	r = sync_send(ch->sync, SYNC_READY_EXEC, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to talk to the monitor: %s", strerror(-r));
	r = sync_wait(ch->sync, SYNC_EXEC, err);
	return r == -EPIPE ? cove_err(err, r, "The monitor went away") : r;
}

static int step_start_hooks(struct child *ch, struct cove_error *err)
{
	return run_hooks(ch, COVE_HOOK_START, "/", err);
}

/*
 * Like the kernel does for the real init: stdio on the console, a session of
 * its own, but no controlling tty, so that init can hand the console to a
 * getty or shell as their controlling tty.
 */
static int step_stdio(struct child *ch, struct cove_error *err)
{
	int fd = ch->run->con->slave >= 0 ? ch->run->con->slave : ch->null_fd;

	if (setsid() < 0)
		return cove_err(err, -errno, "Failed to create a session: %m");
	for (int i = 0; i < 3; i++)
		if (fd >= 0 && dup2(fd, i) < 0)
			return cove_err(err, -errno, "Failed to set up init's stdio: %m");
	return 0;
}

static int step_environment(struct child *ch, struct cove_error *err)
{
	const struct cove_conf *c = ch->c;

	strv_push_dup(&ch->env, "container=lxc");
	if (c->tty_max > 0) {
		_cleanup_free_ char *ttys = xstrdup("container_ttys=");

		for (unsigned i = 1; i <= c->tty_max; i++) {
			char *n = xasprintf("%s%stty%u", ttys, i > 1 ? " " : "", i);

			free(ttys);
			ttys = n;
		}
		strv_push(&ch->env, TAKE_PTR(ttys));
	}
	STRV_FOREACH(e, c->environment) {
		const char *v;

		if (strchr(*e, '='))
			strv_push_dup(&ch->env, *e);
		else if ((v = getenv(*e)))
			strv_push(&ch->env, xasprintf("%s=%s", *e, v));
	}
	return 0;
}

/* Capabilities (bounding, inheritable, ambient) and seccomp, last before the ids change. */
static int step_security(struct child *ch, struct cove_error *err)
{
	int r = cove_caps_apply(ch->c, err);

	return r < 0 ? r : cove_seccomp_load_bpf(ch->run->seccomp_bpf, err);
}

static int step_process(struct child *ch, struct cove_error *err)
{
	const struct cove_conf *c = ch->c;

	for (size_t i = 0; i < c->n_prlimits; i++) {
		const struct cove_prlimit *p = &c->prlimits[i];
		struct rlimit rl = { .rlim_cur = p->soft, .rlim_max = p->hard };

		if (setrlimit(p->resource, &rl) < 0)
			return cove_err(err, -errno, "Failed to set lxc.prlimit.%s: %m", p->name);
	}
	if (c->personality != 0xffffffffUL && personality(c->personality) < 0)
		return cove_err(err, -errno, "Failed to set the personality for lxc.arch '%s': %m",
				c->arch);
	if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cove_err(err, -errno, "Failed to set no_new_privs: %m");
	if (c->init_gid_set) {
		if (setgroups(0, NULL) < 0 || setresgid(c->init_gid, c->init_gid, c->init_gid) < 0)
			return cove_err(err, -errno, "Failed to switch to lxc.init.gid %u: %m",
					(unsigned)c->init_gid);
	}
	if (c->init_uid_set && setresuid(c->init_uid, c->init_uid, c->init_uid) < 0)
		return cove_err(err, -errno, "Failed to switch to lxc.init.uid %u: %m",
				(unsigned)c->init_uid);
	if (chdir(isempty(c->init_cwd) ? "/" : c->init_cwd) < 0)
		return cove_err(err, -errno, "Failed to change to lxc.init.cwd '%s': %m", c->init_cwd);
	return 0;
}

static void close_host_fds(const struct child *ch)
{
	int keep[] = { ch->sync, ch->run->report_fd };

	(void)close_all_fds(keep, ch->run->report_fd >= 0 ? 2 : 1);
}

static int step_exec(struct child *ch, struct cove_error *err)
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	_cleanup_free_ char *file = NULL;
	const char *cmd;
	int r;

	if (ch->run->init_argv && ch->run->init_argv[0])
		ch->argv = strv_copy(ch->run->init_argv);
	else {
		cmd = isempty(ch->c->init_cmd) ? "/sbin/init" : ch->c->init_cmd;
		ch->argv = cove_split_cmdline(cmd);
		if (!ch->argv || !ch->argv[0])
			return cove_err(err, -EINVAL, "Invalid lxc.init.cmd '%s'", cmd);
	}
	if (strchr(ch->argv[0], '/'))
		file = xstrdup(ch->argv[0]);
	else
		for (const char *p = path; *p && !file;) {
			size_t n = strcspn(p, ":");
			_cleanup_free_ char *f = xasprintf("%.*s/%s", (int)n, p, ch->argv[0]);

			if (access(f, X_OK) == 0)
				file = TAKE_PTR(f);
			p += n + (p[n] == ':');
		}
	if (!file)
		errno = ENOENT;
	if (!file || access(file, X_OK) < 0)
		return cove_err(err, -errno, "Failed to exec init '%s': %m", ch->argv[0]);
	/* No host fd may reach init: the sync socket and cove-start's are close-on-exec. */
	close_host_fds(ch);
	/*
	 * RUNNING (LXC reports it here too): told to cove-start directly, one
	 * wake-up less on its way out, and to the monitor, which answers its
	 * clients from then on. An exec that fails now ends with init gone:
	 * STOPPED.
	 */
	if (ch->run->report_fd >= 0) {
		struct cove_mon_sync s = { .type = COVE_MON_SYNC_RUNNING,
					   .code = (int32_t)ch->run->monitor_pid };

		(void)send(ch->run->report_fd, &s, sizeof(s), MSG_NOSIGNAL);
	}
	(void)sync_send(ch->sync, SYNC_EXECING, NULL);
	execve(file, ch->argv, ch->env);
	r = -errno;
	/* the log fd is closed by now: the console (init's stderr) shows it */
	dprintf(STDERR_FILENO, "Failed to exec init '%s': %s\n", ch->argv[0], strerror(-r));
	return cove_err(err, r, "Failed to exec init '%s': %s", ch->argv[0], strerror(-r));
}

static const struct {
	const char *name;
	int (*fn)(struct child *ch, struct cove_error *err);
} steps[] = {
	{ "netns", step_netns },
	{ "idmap", step_idmap },
	{ "cgroup-early", step_cgroup_early },
	{ "hostname", step_hostname },
	{ "loopback", step_loopback },
	{ "propagation", step_propagation },
	{ "pre-mount-hooks", step_pre_mount },
	{ "rootfs", step_rootfs },
	{ "autodev-mount", step_autodev_mount },
	{ "cgroup-before-mounts", step_cgroup_before_mounts },
	{ "mount-auto", step_mount_auto },
	{ "mount-cgroup-early", step_mount_cgroup_early },
	{ "mount-entries", step_mount_entries },
	{ "mount-hooks", step_mount_hooks },
	{ "autodev", step_autodev },
	{ "ttys", step_ttys },
	{ "cgroup-after-mounts", step_cgroup_after_mounts },
	{ "mount-cgroup-late", step_mount_cgroup_late },
	{ "rootfs-ro", step_rootfs_ro },
	{ "sysctl", step_sysctl },
	{ "pivot-root", step_pivot_root },
	{ "cgroup-late", step_cgroup_late },
	{ "start-host-sync", step_start_host_sync },
	{ "start-hooks", step_start_hooks },
	{ "stdio", step_stdio },
	{ "environment", step_environment },
	{ "security", step_security },
	{ "process", step_process },
	{ "exec", step_exec },
};

_Noreturn void start_child(struct cove_run *run, int sync_fd)
{
	struct child ch = { .run = run, .c = run->conf, .sync = sync_fd, .rootfd = -EBADF,
			    .null_fd = -EBADF, .idmap_fd = -EBADF };
	struct cove_error err = {};
	sigset_t none;

	/* The monitor blocks signals for its signalfd; init starts with a clean mask. */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
		struct cove_step_timer t;
		int r;

		cove_step_timer_begin(&t);
		r = steps[i].fn(&ch, &err);
		cove_step_timer_end(&t, "child", steps[i].name);
		if (r < 0) {
			if (!err.msg[0])
				cove_err(&err, r, "Failed at step '%s': %s", steps[i].name, strerror(-r));
			(void)sync_send(sync_fd, SYNC_ERROR, &err);
			_exit(1);
		}
	}
	_exit(1); /* step_exec returns only on failure */
}
