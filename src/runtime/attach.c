/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attach, the caller's side (see include/cove/attach.h): find which
 * namespaces the container's init has, open its cgroup.procs files, fork
 * the child inside the init's pid namespace, collect the pty master and the
 * child's verdict (error or exec) from the sync socket, then proxy and wait.
 *
 * Speed matters here (lxc-attach -- true is ~7 ms; we aim for less than
 * half): one fork (the caller enters the pid namespace for the fork only,
 * and goes back), no sleeps, no polling, /etc/passwd read only when needed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "attach-internal.h"
#include "fileio.h"
#include "log.h"
#include "monitor-proto.h"
#include "pty-proxy.h"
#include "rexec.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("attach");

#define CGROUP_FILE_MAX (64 * 1024)

/*
 * -l TRACE: wall and CPU time of the caller's steps ("fork" lasts until the
 * child exec'd, "run" until the command exited), to see where attach spends.
 */
struct step_clock {
	int64_t wall_us, cpu_us;
};

static int64_t now_us(clockid_t id)
{
	struct timespec ts;

	(void)clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void step_done(struct step_clock *c, const char *step)
{
	int64_t w, u;

	if (log_get_max_level() < COVE_LOG_TRACE)
		return;
	w = now_us(CLOCK_MONOTONIC);
	u = now_us(CLOCK_PROCESS_CPUTIME_ID);
	if (c->wall_us)
		log_trace("step attach/%s: %lld us wall, %lld us cpu", step,
			  (long long)(w - c->wall_us), (long long)(u - c->cpu_us));
	*c = (struct step_clock){ .wall_us = w, .cpu_us = u };
}
#define MOUNTINFO_MAX	(4 * 1024 * 1024)

static const struct {
	unsigned flag;
	int clone_flag;
	const char *proc; /* /proc/PID/ns/<proc> */
	const char *name; /* lxc-attach -s name */
} ns_table[] = {
    {COVE_NS_USER, CLONE_NEWUSER, "user", "USER"},
    {COVE_NS_MOUNT, CLONE_NEWNS, "mnt", "MOUNT"},
    {COVE_NS_PID, CLONE_NEWPID, "pid", "PID"},
    {COVE_NS_UTS, CLONE_NEWUTS, "uts", "UTSNAME"},
    {COVE_NS_IPC, CLONE_NEWIPC, "ipc", "IPC"},
    {COVE_NS_NET, CLONE_NEWNET, "net", "NETWORK"},
    {COVE_NS_CGROUP, CLONE_NEWCGROUP, "cgroup", "CGROUP"},
};

int cove_attach_parse_namespaces(const char *s, unsigned *ret)
{
	_cleanup_strv_free_ char **l = strv_split(s, "|, ");
	unsigned mask = 0;

	if (!l || !l[0])
		return -EINVAL;
	STRV_FOREACH (w, l) {
		size_t i;

		for (i = 0; i < ELEMENTSOF(ns_table); i++)
			if (strcasecmp(*w, ns_table[i].name) == 0 ||
			    strcasecmp(*w, ns_table[i].proc) == 0)
				break;
		if (i == ELEMENTSOF(ns_table))
			return -EINVAL;
		mask |= ns_table[i].flag;
	}
	*ret = mask;
	return 0;
}

int cove_attach_parse_elevated(const char *s, unsigned *ret)
{
	_cleanup_strv_free_ char **l = NULL;
	unsigned mask = 0;

	if (isempty(s)) {
		*ret = COVE_ATTACH_ELEVATE_ALL;
		return 0;
	}
	l = strv_split(s, "|, ");
	STRV_FOREACH (w, l) {
		if (strcasecmp(*w, "CAP") == 0)
			mask |= COVE_ATTACH_ELEVATE_CAP;
		else if (strcasecmp(*w, "CGROUP") == 0)
			mask |= COVE_ATTACH_ELEVATE_CGROUP;
		else if (strcasecmp(*w, "LSM") == 0)
			mask |= COVE_ATTACH_ELEVATE_LSM;
		else
			return -EINVAL;
	}
	*ret = mask;
	return 0;
}

int cove_attach_parse_arch(const char *s, long *ret)
{
	static const char *const a32[] = {"x86",     "i386",  "i486",  "i586",	 "i686",
					  "linux32", "armel", "armhf", "armv7l", "arm"};
	static const char *const a64[] = {"x86_64", "amd64",   "linux64", "aarch64",
					  "arm64",  "ppc64le", "s390x",	  "riscv64"};

	for (size_t i = 0; i < ELEMENTSOF(a32); i++)
		if (strcasecmp(s, a32[i]) == 0) {
			*ret = 0x0008; /* PER_LINUX32 */
			return 0;
		}
	for (size_t i = 0; i < ELEMENTSOF(a64); i++)
		if (strcasecmp(s, a64[i]) == 0) {
			*ret = 0x0000; /* PER_LINUX */
			return 0;
		}
	return -EINVAL;
}

/* The CLONE_NEW* flags of the namespaces in mask where init differs from us. */
static int target_ns_flags(pid_t pid, unsigned mask)
{
	_cleanup_close_ int theirs = -EBADF, ours = -EBADF;
	char path[64];
	int flags = 0;

	/* Two directory fds: one /proc lookup each, not one per namespace. */
	snprintf(path, sizeof(path), "/proc/%d/ns", (int)pid);
	theirs = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ours = open("/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (theirs < 0 || ours < 0)
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(ns_table); i++) {
		struct stat a, b;

		if (!(mask & ns_table[i].flag))
			continue;
		if (fstatat(theirs, ns_table[i].proc, &a, 0) < 0)
			continue;
		if (fstatat(ours, ns_table[i].proc, &b, 0) < 0 || a.st_ino != b.st_ino ||
		    a.st_dev != b.st_dev)
			flags |= ns_table[i].clone_flag;
	}
	return flags;
}

/* Is every controller of "ctrls" (comma separated) among the mount's super options? */
static bool opts_have_all(const char *opts, const char *ctrls)
{
	_cleanup_strv_free_ char **o = strv_split(opts, ",");
	_cleanup_strv_free_ char **c = strv_split(ctrls, ",");

	STRV_FOREACH (x, c)
		if (!strv_contains(o, *x))
			return false;
	return true;
}

/* Where the hierarchy of one /proc/PID/cgroup line is mounted (borrowed from mountinfo). */
static char *find_hierarchy(char *mountinfo, const char *ctrls, bool v2)
{
	for (char *line = mountinfo; line && *line;) {
		char *next = strchr(line, '\n'), *f[5] = {}, *sep, *fstype, *opts;
		_cleanup_free_ char *copy = NULL;
		size_t n = 0;

		if (next)
			*next = '\0';
		/* Only cgroup mounts matter: skip the others without parsing them. */
		copy = strstr(line, " - cgroup") ? xstrdup(line) : NULL;
		if (next)
			*next = '\n';
		line = next ? next + 1 : NULL;
		if (!copy)
			continue;
		sep = strstr(copy, " - ");
		if (!sep || strchr(copy, '\\'))
			continue;
		*sep = '\0';
		for (char *p = copy, *save = NULL; n < 5 && (f[n] = strtok_r(p, " ", &save));
		     p = NULL)
			n++;
		fstype = strtok_r(sep + 3, " ", &sep);
		(void)strtok_r(NULL, " ", &sep);
		opts = strtok_r(NULL, " ", &sep);
		if (n < 5 || !fstype || !opts || !streq(f[3], "/"))
			continue;
		if (v2 ? streq(fstype, "cgroup2")
		       : streq(fstype, "cgroup") && opts_have_all(opts, ctrls))
			return xstrdup(f[4]);
	}
	return NULL;
}

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		safe_close(fds[i]);
}

static void cgroups_close(struct attach_cgroups *cg)
{
	close_fds(cg->v1, cg->n_v1);
	cg->n_v1 = 0;
	cg->v2_dir = safe_close(cg->v2_dir);
}

/*
 * Check the init's /proc/PID/cgroup against ours before trusting its paths:
 * cgroup names may contain newlines, and the kernel prints them as they are,
 * so a container could make its init's file show made-up lines (say, the
 * host's root cgroup). Every process has one line per hierarchy, in the same
 * order, so the same number of lines with the same "ID:CONTROLLERS:" prefix
 * means none was made up; ".." cannot be a cgroup name.
 */
static bool cgroup_file_sane(char **theirs, char **ours)
{
	if (strv_length(theirs) != strv_length(ours))
		return false;
	for (size_t i = 0; theirs[i]; i++) {
		const char *a = strchr(theirs[i], ':'), *b = strchr(ours[i], ':');

		a = a ? strchr(a + 1, ':') : NULL;
		b = b ? strchr(b + 1, ':') : NULL;
		if (!a || !b || a - theirs[i] != b - ours[i] ||
		    strncmp(theirs[i], ours[i], a - theirs[i]) != 0 || a[1] != '/' ||
		    strstr(a, "/../") || endswith(a, "/.."))
			return false;
	}
	return true;
}

static int open_one_cgroup(struct attach_cgroups *cg, const char *mnt, const char *rel, bool v2,
			   struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	int fd;

	if (v2 ? cg->v2_dir >= 0 : cg->n_v1 == ELEMENTSOF(cg->v1))
		return cove_err(err, -E2BIG, "Too many cgroup hierarchies");
	path = xasprintf("%s%s%s", mnt, streq(rel, "/") ? "" : rel, v2 ? "" : "/tasks");
	fd = open(path, v2 ? O_RDONLY | O_DIRECTORY | O_CLOEXEC : O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to open '%s'", path);
	if (v2)
		cg->v2_dir = fd;
	else
		cg->v1[cg->n_v1++] = fd;
	return 0;
}

/*
 * Open the init's cgroup in every mounted hierarchy, read from
 * /proc/PID/cgroup (so v1, hybrid and v2 layouts all work, and a container
 * whose init moved itself down its own subtree is joined there). Hierarchies
 * where we already are in that very cgroup are skipped.
 */
static int open_cgroups(pid_t pid, struct attach_cgroups *cg, struct cove_error *err)
{
	_cleanup_free_ char *buf = NULL, *mi = NULL, *self = NULL;
	_cleanup_strv_free_ char **theirs = NULL, **ours = NULL;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	r = read_full_file(path, CGROUP_FILE_MAX, &buf, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to read '%s'", path);
	r = read_full_file("/proc/self/cgroup", CGROUP_FILE_MAX, &self, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to read '/proc/self/cgroup'");
	theirs = strv_split(buf, "\n");
	ours = strv_split(self, "\n");
	if (!cgroup_file_sane(theirs, ours))
		return cove_err(err, -EBADMSG, "Unexpected content in '%s'", path);
	for (size_t i = 0; theirs[i]; i++) {
		char *line = theirs[i], *ctrls = strchr(line, ':'), *rel = strchr(ctrls + 1, ':');
		_cleanup_free_ char *mnt = NULL;
		bool v2;

		if (streq(line, ours[i]) || endswith(rel, " (deleted)"))
			continue; /* we are there already */
		*ctrls++ = '\0';
		*rel++ = '\0';
		if (!mi && read_full_file("/proc/self/mountinfo", MOUNTINFO_MAX, &mi, NULL) < 0)
			return cove_err(err, -EIO, "Failed to read '/proc/self/mountinfo'");
		v2 = streq(line, "0") && isempty(ctrls);
		mnt = find_hierarchy(mi, ctrls, v2);
		if (!mnt)
			continue; /* not mounted on the host (e.g. net_cls): nothing to join */
		r = open_one_cgroup(cg, mnt, rel, v2, err);
		if (r < 0) {
			cgroups_close(cg);
			return r;
		}
	}
	return 0;
}

struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
	    set_tid_size, cgroup;
};

#define ATTACH_CLONE_INTO_CGROUP 0x200000000ULL

/*
 * A raw clone3() skips glibc's fork handlers, which is only safe when no
 * other thread can hold a libc lock (the child still calls malloc).
 */
static bool single_threaded(void)
{
	_cleanup_closedir_ DIR *d = opendir("/proc/self/task");
	unsigned n = 0;

	if (!d)
		return false;
	for (struct dirent *de; (de = readdir(d));)
		if (de->d_name[0] != '.' && ++n > 1)
			return false;
	return n == 1;
}

/* fork(), born in the v2 cgroup cg->v2_dir when there is one (see attach-internal.h). */
static pid_t fork_into_cgroup(struct attach_cgroups *cg)
{
	pid_t pid;

	if (cg && cg->v2_dir >= 0 && single_threaded()) {
		struct clone3_args a = {.flags = ATTACH_CLONE_INTO_CGROUP,
					.exit_signal = SIGCHLD,
					.cgroup = (uint64_t)cg->v2_dir};

		cg->v2_done = true; /* what the child sees if this works */
		pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
		if (pid >= 0)
			return pid;
		log_debug("clone3(CLONE_INTO_CGROUP) failed, joining after fork: %m");
		cg->v2_done = false;
	}
	return fork();
}

/*
 * fork() with the child in the pid namespace of pidfd's process: the caller
 * enters it for its children only (pid_for_children) and goes back to its
 * own right after, so a long-running caller (the daemon) is left unchanged.
 */
static pid_t fork_in_pidns(int pidfd, bool enter, struct attach_cgroups *cg, struct cove_error *err)
{
	_cleanup_close_ int self = -EBADF;
	pid_t pid;
	int saved;

	if (enter) {
		self = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return cove_err(err, -errno, "Failed to open '/proc/self/ns/pid'");
		if (setns(pidfd, CLONE_NEWPID) < 0)
			return cove_err(err, -errno,
					"Failed to enter the container's pid namespace");
	}
	pid = fork_into_cgroup(cg);
	saved = errno;
	if (pid == 0)
		return 0;
	if (enter && setns(self, CLONE_NEWPID) < 0)
		log_debug("Failed to return to our pid namespace: %m");
	if (pid < 0)
		return cove_err(err, -saved, "Failed to fork");
	return pid;
}

static void reap(pid_t pid, int pidfd, bool kill_it)
{
	if (kill_it)
		(void)pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
	(void)RETRY_EINTR(waitpid(pid, NULL, 0));
}

/* Read the child's verdict: the pty master first (if any), then EOF (exec'd) or an error. */
static int read_verdict(int sock, bool pty, int *ret_master, bool *ret_exec_failed,
			struct cove_error *err)
{
	struct attach_msg m;
	ssize_t n;
	int fd = -EBADF;

	if (pty) {
		n = recv_fds(sock, &m, sizeof(m), &fd, 1);
		if (n == sizeof(m) && m.type == ATTACH_MSG_PTY && fd >= 0)
			*ret_master = fd;
		else if (n != sizeof(m) || m.type != ATTACH_MSG_ERROR) {
			safe_close(fd);
			return cove_err(err, -EPROTO, "The attached process died before it exec'd");
		}
	}
	if (!pty || *ret_master >= 0)
		n = RETRY_EINTR(recv(sock, &m, sizeof(m), 0));
	if (n == 0)
		return 0;
	if (n != sizeof(m) || m.type != ATTACH_MSG_ERROR)
		return cove_err(err, -EPROTO, "The attached process died before it exec'd");
	m.msg[sizeof(m.msg) - 1] = '\0';
	if (ret_exec_failed)
		*ret_exec_failed = m.exec_failed;
	return cove_err(err, m.code < 0 ? m.code : -EIO, "%s", m.msg);
}

static void choose_pty(const struct cove_attach_opts *o, struct attach_child *c)
{
	for (int i = 0; i < 3; i++) {
		if (o->pty == COVE_ATTACH_PTY_ALWAYS)
			c->tty[i] = true;
		else if (o->pty == COVE_ATTACH_PTY_AUTO)
			c->tty[i] = o->stdio[i] >= 0 && isatty(o->stdio[i]);
		c->pty = c->pty || c->tty[i];
	}
	if (c->pty)
		c->have_ws = pty_get_winsize(o->stdio, 3, &c->ws) == 0;
}

/* After fork: get a pidfd and the child's verdict; kill and reap it on failure. */
static int collect_child(pid_t pid, int sock, const struct attach_child *c,
			 struct cove_attach_proc *ret, bool *ret_exec_failed,
			 struct cove_error *err)
{
	_cleanup_close_ int pidfd = -EBADF, master = -EBADF;
	int r;

	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0) {
		r = cove_err(err, -errno, "Failed to get a pidfd of the attached process");
		reap(pid, -EBADF, false);
		return r;
	}
	r = read_verdict(sock, c->pty, &master, ret_exec_failed, err);
	if (r < 0) {
		reap(pid, pidfd, true);
		return r;
	}
	*ret = (struct cove_attach_proc){.pid = pid,
					 .pidfd = TAKE_FD(pidfd),
					 .pty_master = TAKE_FD(master),
					 .stdin_pty = c->tty[0],
					 .stdout_pty = c->tty[1],
					 .stderr_pty = c->tty[2]};
	return 0;
}

static void cgroups_closep(struct attach_cgroups *cg)
{
	cgroups_close(cg);
}

int attach_spawn_target(const struct attach_target *t, const struct cove_conf *conf,
			const struct cove_attach_opts *o, struct cove_attach_proc *ret,
			bool *ret_exec_failed, struct cove_error *err)
{
	_cleanup_(cgroups_closep) struct attach_cgroups cg = {.v2_dir = -EBADF};
	struct attach_child c = {
	    .o = o, .conf = conf, .pidfd = t->pidfd, .bpf_fd = t->bpf_fd, .personality = -1};
	_cleanup_close_ int parent_sock = -EBADF, child_sock = -EBADF;
	struct step_clock clk = {};
	int sock[2], r;
	pid_t pid;

	if (ret_exec_failed)
		*ret_exec_failed = false;
	c.ns_flags = target_ns_flags(t->init_pid, o->namespaces ? o->namespaces : COVE_NS_ALL);
	step_done(&clk, "begin");
	if (!(o->elevated & COVE_ATTACH_ELEVATE_CGROUP)) {
		r = open_cgroups(t->init_pid, &cg, err);
		if (r < 0)
			return r;
		c.cg = &cg;
	}
	/* What we read from /proc/PID was init's only if init still lives now. */
	if (pidfd_send_signal(t->pidfd, 0, NULL, 0) < 0)
		return cove_err(err, -ESRCH, "The container's init exited");
	if (o->personality >= 0)
		c.personality = o->personality;
	else if (conf && conf->personality != 0xffffffffUL)
		c.personality = (long)conf->personality;
	choose_pty(o, &c);
	step_done(&clk, "target");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0)
		return cove_err(err, -errno, "Failed to make a socket pair");
	parent_sock = sock[0];
	child_sock = sock[1];
	pid = fork_in_pidns(t->pidfd, c.ns_flags & CLONE_NEWPID, c.cg, err);
	if (pid == 0) {
		c.sock = child_sock;
		c.ns_flags &= ~CLONE_NEWPID; /* fork put us there */
		attach_child_run(&c);
	}
	if (pid < 0)
		return pid;
	child_sock = safe_close(child_sock); /* so that its exec reads as EOF */
	cgroups_close(&cg);
	r = collect_child(pid, parent_sock, &c, ret, ret_exec_failed, err);
	step_done(&clk, "fork");
	return r;
}

void cove_attach_proc_done(struct cove_attach_proc *p)
{
	p->pidfd = safe_close(p->pidfd);
	p->pty_master = safe_close(p->pty_master);
}

static void forward_signal(void *userdata, int signo)
{
	const struct cove_attach_proc *p = userdata;

	/* With a pty the process leads its own session: signal its process group. */
	if (p->pty_master >= 0 && (signo == SIGINT || signo == SIGQUIT))
		(void)kill(-p->pid, signo);
	else
		(void)pidfd_send_signal(p->pidfd, signo, NULL, 0);
}

static int proxy_until_exit(struct cove_attach_proc *p, const struct cove_attach_opts *o)
{
	_cleanup_(pty_raw_restore) struct pty_raw raw = PTY_RAW_INIT;
	struct pty_proxy px = PTY_PROXY_INIT;
	int r;

	sigemptyset(&px.forward);
	sigaddset(&px.forward, SIGTERM);
	sigaddset(&px.forward, SIGHUP);
	sigaddset(&px.forward, SIGUSR1);
	sigaddset(&px.forward, SIGUSR2);
	px.signal_cb = forward_signal;
	px.userdata = p;
	px.exit_fd = p->pidfd;
	if (p->pty_master >= 0) {
		/* No terminal signals in raw mode; from a non-raw terminal, pass them on. */
		sigaddset(&px.forward, SIGINT);
		sigaddset(&px.forward, SIGQUIT);
		px.peer_fd = p->pty_master;
		px.winsize_fd = p->pty_master;
		px.log_fd = o->pty_log_fd;
		if (p->stdin_pty) {
			px.in_fd = o->stdio[0];
			r = pty_raw_enable(o->stdio[0], &raw);
			if (r < 0)
				log_debug("Failed to put the terminal in raw mode: %d", r);
		}
		/* Pty output goes to a terminal of ours, never into a pipe. */
		px.out_fd = p->stdout_pty   ? o->stdio[1]
			    : p->stderr_pty ? o->stdio[2]
			    : p->stdin_pty  ? o->stdio[0]
					    : -EBADF;
	}
	r = pty_proxy_run(&px);
	if (r == PTY_PROXY_IN_EOF) /* our terminal hung up */
		(void)pidfd_send_signal(p->pidfd, SIGHUP, NULL, 0);
	return r;
}

int cove_attach_proc_wait(struct cove_attach_proc *p, const struct cove_attach_opts *o,
			  int *ret_code, struct cove_error *err)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	siginfo_t si = {};
	int r;

	/* Without a pty the process shares our terminal and gets ^C itself: we stay to wait. */
	if (p->pty_master < 0) {
		(void)sigaction(SIGINT, &ign, &old_int);
		(void)sigaction(SIGQUIT, &ign, &old_quit);
	}
	r = proxy_until_exit(p, o);
	if (r < 0)
		log_debug("Proxy failed: %d", r);
	if (RETRY_EINTR(waitid(P_PIDFD, p->pidfd, &si, WEXITED)) < 0)
		r = cove_err(err, -errno, "Failed to wait for the attached process");
	else
		r = 0;
	if (p->pty_master < 0) {
		(void)sigaction(SIGINT, &old_int, NULL);
		(void)sigaction(SIGQUIT, &old_quit, NULL);
	}
	if (r < 0)
		return r;
	*ret_code = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	return 0;
}

static int attach_conf(struct cove_container *ct, const struct cove_attach_opts *o,
		       struct cove_conf **ret_owned, const struct cove_conf **ret,
		       struct cove_error *err)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = NULL;
	int r;

	r = cove_container_require(ct, err);
	if (r < 0)
		return r;
	if (o->rcfile) {
		c = cove_conf_new();
		r = cove_conf_load(c, o->rcfile, err);
		if (r < 0)
			return r;
		*ret = c;
		*ret_owned = TAKE_PTR(c);
		return 0;
	}
	if (!ct->conf) {
		r = cove_container_load_conf(ct, err);
		if (r < 0)
			return r;
	}
	*ret = ct->conf;
	return 0;
}

int cove_container_attach_spawn(struct cove_container *ct, const struct cove_attach_opts *o,
				struct cove_attach_proc *ret, bool *ret_exec_failed,
				struct cove_error *err)
{
	_cleanup_(cove_conf_freep) struct cove_conf *owned = NULL;
	_cleanup_close_ int pidfd = -EBADF, bpf_fd = -EBADF;
	const struct cove_conf *conf = NULL;
	struct cove_status st = {};
	struct step_clock clk = {};
	struct attach_target t;
	int r;

	if (ret_exec_failed)
		*ret_exec_failed = false;
	step_done(&clk, "begin");
	if (clk.cpu_us)
		log_trace("step attach/exec: %lld us cpu since the process started (exec, re-exec)",
			  (long long)clk.cpu_us);
	r = attach_conf(ct, o, &owned, &conf, err);
	if (r < 0)
		return r;
	step_done(&clk, "config");
	/* The init's pidfd, and the seccomp filter the container runs under. */
	r = cove_container_attach_status(ct, &st, &pidfd, &bpf_fd, err);
	if (r < 0)
		return r;
	step_done(&clk, "monitor");
	/* A frozen cgroup would freeze us before exec: say so instead of hanging. */
	if (st.state == COVE_STATE_FROZEN || st.state == COVE_STATE_FREEZING)
		return cove_err(err, -EBUSY, "Container '%s' is frozen", ct->name);
	if ((st.state != COVE_STATE_RUNNING && st.state != COVE_STATE_THAWED) || pidfd < 0 ||
	    st.init_pid <= 0)
		return cove_err(err, -ENOTCONN, "Container '%s' is not running", ct->name);
	if (bpf_fd < 0)
		return cove_err(err, -EPROTO, "The monitor of '%s' sent no seccomp filter", ct->name);
	if (o->require_sealed_exe && !cove_rexec_is_sealed() &&
	    attach_exe_exposed(st.init_pid, pidfd))
		return cove_err(err, -ESTALE,
				"Container '%s' could reach this executable: run from a sealed copy",
				ct->name);
	t = (struct attach_target){
	    .init_pid = st.init_pid, .pidfd = pidfd, .cgroup = st.cgroup, .bpf_fd = bpf_fd};
	return attach_spawn_target(&t, conf, o, ret, ret_exec_failed, err);
}

int cove_container_attach(struct cove_container *ct, const struct cove_attach_opts *o,
			  int *ret_code, struct cove_error *err)
{
	struct cove_attach_proc p = COVE_ATTACH_PROC_INIT;
	struct step_clock clk = {};
	bool exec_failed = false;
	int r;

	*ret_code = 1;
	r = cove_container_attach_spawn(ct, o, &p, &exec_failed, err);
	if (r < 0) {
		if (exec_failed)
			*ret_code = r == -ENOENT ? 127 : 126;
		return r;
	}
	step_done(&clk, "begin");
	r = cove_attach_proc_wait(&p, o, ret_code, err);
	step_done(&clk, "run");
	cove_attach_proc_done(&p);
	return r;
}
