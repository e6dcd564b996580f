/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parent side of creating a container (see start.h): a table of named
 * steps run by cove-monitor. What a step makes (cgroups, ptys, the child) is
 * undone by cove_run_abort() when a later step fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup-limits.h"
#include "fileio.h"
#include "hooks.h"
#include "idmap.h"
#include "log.h"
#include "net.h"
#include "seccomp-policy.h"
#include "start.h"
#include "storage.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("start");

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

int sync_send(int fd, int step, const struct cove_error *err)
{
	struct cove_sync_msg m = { .step = (uint32_t)step };

	if (err) {
		m.code = err->code ? err->code : -EIO;
		memcpy(m.msg, err->msg, sizeof(m.msg));
		m.msg[sizeof(m.msg) - 1] = 0;
	}
	if (RETRY_EINTR(send(fd, &m, sizeof(m), MSG_NOSIGNAL)) < 0)
		return -errno;
	return 0;
}

int sync_wait(int fd, int step, struct cove_error *err)
{
	struct cove_sync_msg m;
	ssize_t n = RETRY_EINTR(recv(fd, &m, sizeof(m), 0));

	if (n < 0)
		return cove_err(err, -errno, "Failed to read from the container: %m");
	if (n == 0)
		return -EPIPE; /* the other side is gone (exec'd or died): callers decide */
	if ((size_t)n != sizeof(m))
		return cove_err(err, -EPROTO, "Short message from the container");
	if (m.step == SYNC_ERROR) {
		m.msg[sizeof(m.msg) - 1] = 0;
		return cove_err(err, m.code < 0 ? m.code : -EIO, "%s", m.msg);
	}
	if ((int)m.step != step)
		return cove_err(err, -EPROTO, "Unexpected message %u from the container (wanted %d)",
				m.step, step);
	return 0;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void cove_step_timer_begin(struct cove_step_timer *t)
{
	if (log_get_max_level() < COVE_LOG_TRACE)
		return;
	t->wall_ns = clock_ns(CLOCK_MONOTONIC);
	t->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

void cove_step_timer_end(const struct cove_step_timer *t, const char *side, const char *step)
{
	if (log_get_max_level() < COVE_LOG_TRACE)
		return;
	int64_t now = clock_ns(CLOCK_MONOTONIC);

	/* "ended at" is CLOCK_MONOTONIC: lines of the monitor, the child and cove-start line up */
	log_trace("step %s/%s: %lld us wall, %lld us cpu, ended at %lld us", side, step,
		  (long long)(now - t->wall_ns) / 1000,
		  (long long)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - t->cpu_ns) / 1000,
		  (long long)now / 1000);
}

void cove_run_init(struct cove_run *run)
{
	*run = (struct cove_run){ .log_fd = -1, .report_fd = -1, .pidfd = -EBADF,
				  .netns_fd = -EBADF, .seccomp_fd = -EBADF,
				  .netns_chan = -EBADF, .netns_lo = -EBADF };
}

void cove_run_done(struct cove_run *run)
{
	free(run->rootfs);
	run->rootfs = NULL;
	run->cg = cove_cgroup_free(run->cg);
	run->con = cove_console_free(run->con);
	run->pidfd = safe_close(run->pidfd);
	run->net = cove_net_destroy(run->net);
	run->seccomp = cove_seccomp_free(run->seccomp);
	run->seccomp_fd = safe_close(run->seccomp_fd);
	free(run->seccomp_bpf);
	run->seccomp_bpf = NULL;
	cove_run_netns_chan_close(run); /* not waited for */
	(void)cove_run_netns_end(run);
	run->netns_fd = safe_close(run->netns_fd);
	run->netns_lo = safe_close(run->netns_lo);
}

static int run_check(struct cove_run *run, const struct cove_conf *c, struct cove_error *err)
{
	int r;

	/* Isolation settings: checked before anything is made (nothing to undo). */
	r = cove_cgroup_limits_check(c, err);
	if (r >= 0)
		r = cove_cgroup_limits_probe(c, err);
	if (r >= 0)
		r = cove_idmap_check(c, err);
	/* The filter the checks build is the one the child loads (step "seccomp"). */
	if (r >= 0)
		r = run ? cove_seccomp_prepare(c, &run->seccomp, err) : cove_seccomp_check(c, err);
	if (r < 0)
		return r;
	if (!isempty(c->apparmor_profile)) {
		if (!streq(c->apparmor_profile, "unconfined") && !streq(c->apparmor_profile, "generated"))
			return cove_err(err, -EOPNOTSUPP,
					"Cannot apply lxc.apparmor.profile '%s': the kernel has no AppArmor",
					c->apparmor_profile);
		log_info("lxc.apparmor.profile '%s': the kernel has no AppArmor, running unconfined",
			 c->apparmor_profile);
	}
	return 0;
}

int cove_run_check(const struct cove_conf *c, struct cove_error *err)
{
	return run_check(NULL, c, err);
}

int cove_run_check_prepare(struct cove_run *run, const struct cove_conf *c, struct cove_error *err)
{
	run->seccomp = cove_seccomp_free(run->seccomp);
	return run_check(run, c, err);
}

char **cove_split_cmdline(const char *s)
{
	_cleanup_strv_free_ char **l = NULL;
	_cleanup_free_ char *cur = xmalloc(strlen(s) + 1);

	for (;;) {
		size_t n = 0;
		char q = 0;
		bool any = false;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		for (; *s; s++) {
			if (q) {
				if (*s == q)
					q = 0;
				else if (q == '"' && *s == '\\' && s[1] && strchr("\"\\$`", s[1]))
					cur[n++] = *++s;
				else
					cur[n++] = *s;
			} else if (*s == '\'' || *s == '"') {
				q = *s;
				any = true;
			} else if (*s == '\\' && s[1])
				cur[n++] = *++s;
			else if (*s == ' ' || *s == '\t' || *s == '\n')
				break;
			else
				cur[n++] = *s;
		}
		if (q)
			return NULL;
		if (n || any)
			strv_push(&l, xstrndup(cur, n));
	}
	return l ? TAKE_PTR(l) : xnew0(char *, 1);
}

static int step_rootfs(struct cove_run *run, struct cove_error *err)
{
	_cleanup_(cove_rootfs_spec_done) struct cove_rootfs_spec spec = {};
	_cleanup_close_ int fd = -EBADF;
	const char *dir;
	int r;

	if (run->rootfs)
		return 0;
	/* dir:, btrfs: or overlay:LOWER:UPPER (whose mount point is checked here) */
	r = cove_rootfs_spec_parse(run->conf->rootfs_path, &spec, err);
	if (r < 0)
		return r;
	dir = spec.path;
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOTDIR)
		return cove_err(err, -ENOTDIR, "Failed to use rootfs '%s': not a directory", dir);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to find rootfs '%s': %m", dir);
	if (fd_realpath(fd, &run->rootfs) < 0 && !(run->rootfs = realpath(dir, NULL)))
		return cove_err(err, -errno, "Failed to find rootfs '%s': %m", dir);
	return 0;
}

static int step_console(struct cove_run *run, struct cove_error *err)
{
	if (run->con) {
		/* a reboot: the old init may have hung up the slaves (systemd does), open new ones */
		int r = cove_console_reopen_slaves(run->con);

		if (r < 0)
			return cove_err(err, r, "Failed to reopen the console ptys: %s", strerror(-r));
		return 0;
	}
	return cove_console_new(run->conf, run->console_file, &run->con, err);
}

static int step_cgroup(struct cove_run *run, struct cove_error *err)
{
	int r;

	if (run->cg && run->cg->name) {
		/*
		 * A reboot: a fresh group under the same name, without what the old
		 * init made in it (systemd's slices). v1 refuses a device list on a
		 * group with children, and removed children stay "online" for a
		 * while, so emptying the old group is not enough.
		 */
		r = cove_cgroup_destroy(run->cg, err);
		if (r < 0)
			return r;
		run->cg->cloned_into = false;
	}
	if (!run->cg) {
		r = cove_cgroup_new(&run->cg, err);
		if (r < 0)
			return r;
	}
	/* Only the name and the group the child is born in: the rest comes after the clone. */
	return cove_cgroup_reserve(run->cg, run->name, err);
}

/*
 * The seccomp filter, built from the host's profile file before the child
 * leaves the host's root, and compiled to BPF once: the child loads the
 * program with one seccomp(2) (libseccomp would compile it again there, on
 * the way to RUNNING), attach gets the sealed copy from the monitor.
 */
static int step_seccomp(struct cove_run *run, struct cove_error *err)
{
	int r;

	if (run->seccomp_bpf)
		return 0;
	if (!run->seccomp) {
		r = cove_seccomp_prepare(run->conf, &run->seccomp, err);
		if (r < 0)
			return r;
	}
	/* The default policy needs no compiling: its sealed copy waits for attach. */
	if (cove_seccomp_prog(run->seccomp, &run->seccomp_bpf) == 0)
		return 0;
	r = cove_seccomp_export(run->seccomp, &run->seccomp_fd, err);
	if (r < 0)
		return r;
	return cove_seccomp_read_bpf(run->seccomp_fd, &run->seccomp_bpf, err);
}

static void hook_ctx(const struct cove_run *run, struct cove_hook_ctx *ctx)
{
	*ctx = (struct cove_hook_ctx){ .name = run->name, .config_path = run->config_path,
				       .rootfs = run->rootfs, .pid = run->pid,
				       .out_fd = run->log_fd };
}

static int step_pre_start(struct cove_run *run, struct cove_error *err)
{
	struct cove_hook_ctx ctx;

	hook_ctx(run, &ctx);
	return cove_hooks_run(run->conf, COVE_HOOK_PRE_START, &ctx, err);
}

/*
 * lxc.net.N: right after the clone, the monitor makes the interfaces in the
 * child's netns while the child sets up its mounts; the child waits for
 * SYNC_EXEC before it execs init (net.h).
 */
static int clone_network(struct cove_run *run, struct cove_error *err)
{
	struct cove_net_ctx ctx = { .name = run->name, .config_path = run->config_path,
				    .log_fd = run->log_fd, .netns_fd = run->netns_fd };

	if (run->share_net || !cove_net_wanted(run->conf))
		return 0;
	return cove_net_create(run->conf, &ctx, run->pid, &run->net, err);
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static void close_cg_fds(struct cove_run *run)
{
	for (size_t i = 0; i < run->n_cg_fds; i++)
		safe_close(run->cg_fds[i]);
	free(run->cg_fds);
	run->cg_fds = NULL;
	run->n_cg_fds = 0;
}

/*
 * Right after the clone, while the child sets up its mounts: the groups in
 * the other hierarchies, lxc.cgroup.* / lxc.cgroup2.* and the device list.
 * The child joins only when they are done (cgroup_send), before it execs.
 */
static int cgroup_after_clone(struct cove_run *run, struct cove_error *err)
{
	struct cove_step_timer t;
	int r;

	cove_step_timer_begin(&t);
	r = cove_cgroup_create_rest(run->cg, err);
	if (r >= 0)
		r = cove_cgroup_apply_limits(run->cg, run->conf, err);
	cove_step_timer_end(&t, "monitor", "cgroup-rest");
	return r;
}

/* lo of the netns made ahead (netns-early.c), before the child can exec. */
static int netns_lo_up(struct cove_run *run, struct cove_error *err)
{
	int r;

	if (run->netns_lo < 0)
		return 0;
	r = cove_lo_up_with(run->netns_lo);
	run->netns_lo = safe_close(run->netns_lo);
	if (r < 0)
		return cove_err(err, r, "Failed to bring up 'lo' in the container's netns: %s",
				strerror(-r));
	return 0;
}

/* SYNC_CGROUP: the files the child writes "0" into (moving itself skips the threadgroup lock). */
static int cgroup_send(struct cove_run *run, int sync_fd, struct cove_error *err)
{
	struct cove_sync_msg m = { .step = SYNC_CGROUP };
	int r;

	r = cove_cgroup_open_enter_fds(run->cg, &run->cg_fds, &run->n_cg_fds, err);
	if (r < 0)
		return r;
	if (run->n_cg_fds > COVE_SYNC_MAX_FDS) {
		close_cg_fds(run);
		return cove_err(err, -E2BIG, "Too many cgroup hierarchies");
	}
	r = send_fds(sync_fd, &m, sizeof(m), run->cg_fds, run->n_cg_fds);
	close_cg_fds(run);
	if (r == -EPIPE || r == -ECONNRESET)
		return 0; /* the child failed: the wait that follows reads its message */
	if (r < 0)
		return cove_err(err, r, "Failed to talk to the container process: %s", strerror(-r));
	return 0;
}

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

/* Clone the child, put it into its cgroup, and follow it until it execs init. */
static int step_clone(struct cove_run *run, struct cove_error *err)
{
	_cleanup_close_ int ours = -EBADF, theirs = -EBADF;
	int sv[2], pidfd = -EBADF, r;
	struct clone_args_v2 args = {
		.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
	};
	long pid;

	/* while the netns is being made elsewhere, the cgroup's other groups ahead */
	while (!run->share_net && !cove_run_netns_ready(run)) {
		r = cove_cgroup_create_next(run->cg, err);
		if (r < 0)
			return r;
		if (r == 0)
			break;
	}
	/* the netns made ahead, which the child joins first thing, or a new one now */
	if (!run->share_net && cove_run_netns_end(run) < 0)
		args.flags |= CLONE_NEWNET;
	if (cove_conf_is_unprivileged(run->conf))
		args.flags |= CLONE_NEWUSER; /* maps written below by cove_idmap_parent() */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cove_err(err, -errno, "Failed to create a socket pair: %m");
	ours = sv[0];
	theirs = sv[1];
	/* Born in our cgroup2 group: no migration (and its RCU grace period) needed. */
	if (run->cg->into_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)run->cg->into_fd;
	}
	/* cloned_into tells cgroup_send() which cgroup files the child writes. */
	run->cg->cloned_into = args.flags & CLONE_INTO_CGROUP;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && (args.flags & CLONE_INTO_CGROUP)) {
		args.flags &= ~CLONE_INTO_CGROUP;
		run->cg->cloned_into = false;
		pid = syscall(SYS_clone3, &args, sizeof(args));
	}
	if (pid < 0) {
		r = -errno;
		return cove_err(err, r, "Failed to clone the container process: %s", strerror(-r));
	}
	if (pid == 0) {
		ours = safe_close(ours);
		start_child(run, TAKE_FD(theirs));
	}
	theirs = safe_close(theirs);
	run->pid = (pid_t)pid;
	run->pidfd = pidfd;
	log_debug("Container process is PID %ld", pid);
	r = cove_idmap_parent(run, ours, err); /* the child waits for its ids first */
	if (r >= 0)
		r = cgroup_after_clone(run, err);
	if (r >= 0)
		r = netns_lo_up(run, err);
	if (r < 0)
		return r;
	cove_idmap_cgroup(run);
	r = cgroup_send(run, ours, err);
	if (r < 0)
		return r;

	r = clone_network(run, err);
	run->netns_fd = safe_close(run->netns_fd); /* the child and run->net hold it now */
	if (r < 0)
		return r;
	if (cove_hooks_any(run->conf, COVE_HOOK_START_HOST) || run->net) {
		struct cove_hook_ctx ctx;

		r = sync_wait(ours, SYNC_READY_EXEC, err);
		if (r == -EPIPE)
			return cove_err(err, -ECHILD, "The container process died during setup");
		if (r < 0)
			return r;
		hook_ctx(run, &ctx);
		r = cove_hooks_run(run->conf, COVE_HOOK_START_HOST, &ctx, err);
		if (r < 0)
			return r;
		r = sync_send(ours, SYNC_EXEC, NULL);
		if (r < 0)
			return cove_err(err, r, "Failed to talk to the container process: %s",
					strerror(-r));
	}
	/* EXECING: init was found and the exec follows (a failed one ends as STOPPED). */
	r = sync_wait(ours, SYNC_EXECING, err);
	run->child_reported = r >= 0 && run->report_fd >= 0;
	if (r >= 0)
		return 0;
	if (r == -EPIPE) {
		siginfo_t si = {};

		if (waitid(P_PIDFD, (id_t)run->pidfd, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid != 0)
			return cove_err(err, -ECHILD, "The container process died during setup");
		return 0;
	}
	return r < 0 ? r : cove_err(err, -EPROTO, "Unexpected message from the container");
}

/* The netns thread, when the monitor has not begun it already (a reboot). */
static int step_netns_begin(struct cove_run *run, struct cove_error *err)
{
	cove_run_netns_begin(run);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct cove_run *run, struct cove_error *err);
} steps[] = {
	{ "netns-begin", step_netns_begin },
	{ "rootfs", step_rootfs },
	{ "seccomp", step_seccomp },
	{ "console", step_console },
	{ "cgroup", step_cgroup },
	{ "pre-start", step_pre_start },
	{ "clone", step_clone },
};

/* Undo a half-done start: kill and reap the child; cgroups go in cove_run_stopped(). */
static void kill_child(struct cove_run *run)
{
	siginfo_t si;

	if (run->pid <= 0)
		return;
	(void)syscall(SYS_pidfd_send_signal, run->pidfd, SIGKILL, NULL, 0);
	(void)RETRY_EINTR(waitid(P_PIDFD, (id_t)run->pidfd, &si, WEXITED));
	run->pidfd = safe_close(run->pidfd);
	run->pid = 0;
}

int cove_run_start(struct cove_run *run, struct cove_error *err)
{
	for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
		struct cove_step_timer t;
		int r;

		cove_step_timer_begin(&t);
		r = steps[i].fn(run, err);
		cove_step_timer_end(&t, "monitor", steps[i].name);
		if (r < 0) {
			log_debug("Start step '%s' failed: %s", steps[i].name, cove_err_msg(err, r));
			kill_child(run);
			run->net = cove_net_destroy(run->net);
			(void)cove_run_netns_end(run);
			run->netns_fd = safe_close(run->netns_fd);
			run->netns_lo = safe_close(run->netns_lo);
			return r;
		}
	}
	/* The slaves stay open here: a reboot binds them into the next container. */
	return 0;
}

int cove_run_stopped(struct cove_run *run, const char *target, struct cove_error *err)
{
	struct cove_hook_ctx ctx;
	int r, ret = 0;

	hook_ctx(run, &ctx);
	ctx.target = target;
	run->pid = 0;
	run->pidfd = safe_close(run->pidfd);
	r = cove_hooks_run(run->conf, COVE_HOOK_STOP, &ctx, err);
	if (r < 0)
		ret = r;
	run->net = cove_net_destroy(run->net); /* a reboot makes them anew */
	r = cove_hooks_run(run->conf, COVE_HOOK_POST_STOP, &ctx, ret < 0 ? NULL : err);
	if (r < 0 && ret == 0)
		ret = r;
	if (streq_ptr(target, "reboot"))
		return ret;
	r = cove_cgroup_destroy(run->cg, ret < 0 ? NULL : err);
	if (r < 0 && ret == 0)
		ret = r;
	return ret;
}
