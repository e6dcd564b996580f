/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The attached child: after fork() it is already in the container's pid
 * namespace (the parent entered it for the fork). It makes itself
 * non-dumpable, joins the init's cgroups and namespaces, and then sets up
 * personality, user, pty, environment, directory and stdio as a table of
 * named steps before exec. A failing step sends an ATTACH_MSG_ERROR to the
 * parent and exits; a successful exec closes the sync socket (close-on-exec),
 * which the parent reads as success.
 *
 * Privilege boundary: from setns() on, this process lives in the container
 * and can be seen by the container's processes. It is non-dumpable from the
 * first instruction so that they cannot ptrace it or open its /proc fds,
 * which still include host fds (the pidfd, cgroup fds, the sync socket);
 * right before exec every fd above 2 is marked close-on-exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>
#include <linux/close_range.h>

#include "alloc.h"
#include "attach-internal.h"
#include "caps.h"
#include "fileio.h"
#include "seccomp-policy.h"
#include "strutil.h"
#include "strv.h"

#define ATTACH_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define PASSWD_MAX	    (4 * 1024 * 1024)

typedef int (*attach_step_fn)(struct attach_child *c, struct cove_error *err);

static int step_cgroup(struct attach_child *c, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;

	if (!c->cg)
		return 0;
	/* "0" moves the writer itself: no pid translation across namespaces. */
	for (size_t i = 0; i < c->cg->n_v1; i++)
		if (write(c->cg->v1[i], "0", 1) < 0)
			return cove_err(err, -errno, "Failed to join the container's cgroup");
	if (c->cg->v2_dir < 0 || c->cg->v2_done)
		return 0;
	fd = openat(c->cg->v2_dir, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) < 0)
		return cove_err(err, -errno, "Failed to join the container's cgroup");
	return 0;
}

static int step_setns(struct attach_child *c, struct cove_error *err)
{
	if (c->ns_flags == 0)
		return 0;
	if (setns(c->pidfd, c->ns_flags) < 0)
		return cove_err(err, -errno, "Failed to enter the container's namespaces");
	return 0;
}

static int step_remount(struct attach_child *c, struct cove_error *err)
{
	if (!c->o->remount_sys_proc || (c->ns_flags & CLONE_NEWNS))
		return 0;
	/* Our own mount namespace, so that the host's /proc and /sys stay as they are. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return cove_err(err, -errno, "Failed to make a mount namespace for -R");
	if (umount2("/proc", MNT_DETACH) < 0 && errno != EINVAL)
		return cove_err(err, -errno, "Failed to unmount '/proc'");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return cove_err(err, -errno, "Failed to mount '/proc'");
	if (!(c->ns_flags & CLONE_NEWNET))
		return 0;
	if (umount2("/sys", MNT_DETACH) < 0 && errno != EINVAL)
		return cove_err(err, -errno, "Failed to unmount '/sys'");
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return cove_err(err, -errno, "Failed to mount '/sys'");
	return 0;
}

static int step_personality(struct attach_child *c, struct cove_error *err)
{
	if (c->personality < 0)
		return 0;
	if (personality((unsigned long)c->personality) < 0)
		return cove_err(err, -errno, "Failed to set the personality to 0x%lx",
				c->personality);
	return 0;
}

/* Find uid in the container's /etc/passwd (read in its mount namespace). */
static void passwd_lookup(struct attach_child *c, uid_t uid)
{
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;

	if (read_full_file("/etc/passwd", PASSWD_MAX, &buf, NULL) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[7];
		unsigned u, g;
		size_t n = 0;

		for (char *p = line; n < 7; n++) {
			f[n] = p;
			p = strchr(p, ':');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (n != 6 || safe_atou(f[2], &u) < 0 || safe_atou(f[3], &g) < 0 || u != uid)
			continue;
		c->pw_found = true;
		c->pw_gid = g;
		c->pw_home = isempty(f[5]) ? NULL : xstrdup(f[5]);
		c->pw_shell = isempty(f[6]) ? NULL : xstrdup(f[6]);
		return;
	}
}

static int step_user(struct attach_child *c, struct cove_error *err)
{
	const struct cove_attach_opts *o = c->o;

	c->uid = o->uid != (uid_t)-1 ? o->uid : 0;
	c->gid = o->gid != (gid_t)-1 ? o->gid : 0;
	/* Only read /etc/passwd when something needs it: attach is a hot path. */
	if (!o->argv || o->env_policy == COVE_ATTACH_CLEAR_ENV ||
	    (o->uid != (uid_t)-1 && o->gid == (gid_t)-1))
		passwd_lookup(c, c->uid);
	if (c->pw_found && o->uid != (uid_t)-1 && o->gid == (gid_t)-1)
		c->gid = c->pw_gid;
	return 0;
}

static int send_master(struct attach_child *c, int master)
{
	struct attach_msg m = {.type = ATTACH_MSG_PTY};

	return send_fds(c->sock, &m, sizeof(m), &master, 1);
}

static int step_pty(struct attach_child *c, struct cove_error *err)
{
	_cleanup_close_ int master = -EBADF;
	int unlock = 0, r;
	struct stat st;

	if (!c->pty)
		return 0;
	/* The container's /dev/ptmx: the process gets a /dev/pts/N of the container's devpts. */
	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return cove_err(err, -errno, "Failed to open '/dev/ptmx' in the container");
	/* The container owns that path: make sure the host gets a pty master, nothing else. */
	if (fstat(master, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(5, 2))
		return cove_err(err, -ENOTTY,
				"'/dev/ptmx' in the container is not a pty multiplexer");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return cove_err(err, -errno, "Failed to unlock the pty");
	/* TIOCGPTPEER opens the peer of this very master, without a path lookup. */
	c->slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->slave < 0)
		return cove_err(err, -errno, "Failed to open the pty slave");
	if (c->have_ws)
		(void)ioctl(c->slave, TIOCSWINSZ, &c->ws);
	if (c->uid != 0)
		(void)fchown(c->slave, c->uid, (gid_t)-1);
	r = send_master(c, master);
	if (r < 0)
		return cove_err(err, r, "Failed to pass the pty master on");
	if (setsid() < 0)
		return cove_err(err, -errno, "Failed to make a new session");
	if (ioctl(c->slave, TIOCSCTTY, 0) < 0)
		return cove_err(err, -errno, "Failed to set the controlling terminal");
	return 0;
}

/*
 * The container's config (or the defaults) for the capabilities; the seccomp
 * filter is the one the container runs under, compiled by its monitor at
 * start (not rebuilt from the config here: no libseccomp on this path).
 */
static struct cove_conf *security_defaults;
static void *security_filter;

static int prepare_security(struct attach_child *c, struct cove_error *err)
{
	if (!c->conf)
		c->conf = security_defaults = cove_conf_new();
	return cove_seccomp_read_bpf(c->bpf_fd, &security_filter, err);
}

/* The container's capability drops and seccomp filter, while we still may load it (before ids). */
static int step_security(struct attach_child *c, struct cove_error *err)
{
	int r;

	if (!(c->o->elevated & COVE_ATTACH_ELEVATE_CAP)) {
		r = cove_caps_apply(c->conf, err);
		if (r < 0)
			return r;
	}
	if (c->conf->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cove_err(err, -errno, "Failed to set no_new_privs");
	return cove_seccomp_load_bpf(security_filter, err);
}

static int step_ids(struct attach_child *c, struct cove_error *err)
{
	/* Drop the host's supplementary groups; a userns with setgroups=deny refuses. */
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return cove_err(err, -errno, "Failed to drop supplementary groups");
	if (setresgid(c->gid, c->gid, c->gid) < 0)
		return cove_err(err, -errno, "Failed to set gid %u", (unsigned)c->gid);
	if (setresuid(c->uid, c->uid, c->uid) < 0)
		return cove_err(err, -errno, "Failed to set uid %u", (unsigned)c->uid);
	return 0;
}

/* "VAR=VALUE" sets; "VAR" alone takes the caller's value of VAR (if any). */
static int env_apply(const char *s, char **kept)
{
	const char *eq = strchr(s, '=');
	_cleanup_free_ char *name = NULL;
	const char *v;

	if (eq == s)
		return -EINVAL;
	if (eq) {
		name = xstrndup(s, eq - s);
		return setenv(name, eq + 1, 1) < 0 ? -errno : 0;
	}
	v = NULL;
	for (char **k = kept; k && *k; k++)
		if (startswith(*k, s) && (*k)[strlen(s)] == '=')
			v = *k + strlen(s) + 1;
	if (!v)
		v = getenv(s);
	return v && setenv(s, v, 1) < 0 ? -errno : 0;
}

static int step_env(struct attach_child *c, struct cove_error *err)
{
	const struct cove_attach_opts *o = c->o;
	_cleanup_strv_free_ char **saved = NULL;

	if (o->env_policy == COVE_ATTACH_CLEAR_ENV) {
		/* Keep copies of what may be asked for, then start from nothing. */
		saved = strv_copy(environ);
		if (clearenv() < 0)
			return cove_err(err, -ENOMEM, "Failed to clear the environment");
		STRV_FOREACH (k, o->keep_env)
			(void)env_apply(*k, saved);
		if (!getenv("PATH"))
			(void)setenv("PATH", ATTACH_DEFAULT_PATH, 1);
		if (c->pw_home && !getenv("HOME"))
			(void)setenv("HOME", c->pw_home, 1);
	}
	if (c->conf)
		STRV_FOREACH (e, c->conf->environment)
			if (env_apply(*e, saved) < 0)
				return cove_err(err, -EINVAL, "Invalid lxc.environment '%s'", *e);
	if (setenv("container", "lxc", 1) < 0)
		return cove_err(err, -errno, "Failed to set 'container=lxc'");
	STRV_FOREACH (e, o->extra_env)
		if (env_apply(*e, saved) < 0)
			return cove_err(err, -EINVAL, "Invalid variable '%s'", *e);
	return 0;
}

static int step_cwd(struct attach_child *c, struct cove_error *err)
{
	const char *dir = c->o->cwd;

	if (dir) {
		if (chdir(dir) < 0)
			return cove_err(err, -errno, "Failed to change directory to '%s'", dir);
		return 0;
	}
	if (c->conf && !isempty(c->conf->init_cwd))
		dir = c->conf->init_cwd;
	else if (!c->o->argv && c->pw_home)
		dir = c->pw_home;
	/* setns(CLONE_NEWNS) already put us at the container's "/". */
	if (dir && chdir(dir) < 0 && chdir("/") < 0)
		return cove_err(err, -errno, "Failed to change directory to '/'");
	return 0;
}

static int step_stdio(struct attach_child *c, struct cove_error *err)
{
	int src[3];

	/* First lift sources out of 0..2 so that the dup2() calls cannot clobber them. */
	for (int i = 0; i < 3; i++) {
		src[i] = c->tty[i] ? c->slave : c->o->stdio[i];
		/* No fd given: the container's /dev/null, never whatever we had there. */
		if (src[i] < 0)
			src[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (src[i] < 0)
			return cove_err(err, -errno, "Failed to open '/dev/null'");
		if (src[i] < 3 && src[i] < 3 && src[i] != i) {
			src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3);
			if (src[i] < 0)
				return cove_err(err, -errno, "Failed to duplicate stdio");
		}
	}
	for (int i = 0; i < 3; i++) {
		if (src[i] == i) {
			(void)fd_cloexec(i, false);
			continue;
		}
		if (dup2(src[i], i) < 0)
			return cove_err(err, -errno, "Failed to set up stdio");
	}
	return 0;
}

static int step_signals(struct attach_child *c, struct cove_error *err)
{
	static const int sigs[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGWINCH};
	sigset_t none;

	/* Ignored signals survive exec: give the command the defaults. */
	for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
		(void)signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	return 0;
}

static const struct {
	const char *name;
	attach_step_fn fn;
} child_steps[] = {
    {"cgroup", step_cgroup},   {"namespaces", step_setns},
    {"remount", step_remount}, {"personality", step_personality},
    {"user", step_user},       {"pty", step_pty},
    {"security", step_security}, {"ids", step_ids},	       {"environment", step_env},
    {"cwd", step_cwd},	       {"stdio", step_stdio},
    {"signals", step_signals},
};

_noreturn_ static void child_fail(struct attach_child *c, const struct cove_error *e, bool exec)
{
	struct attach_msg m = {.type = ATTACH_MSG_ERROR, .code = e->code, .exec_failed = exec};
	size_t l = strnlen(e->msg, sizeof(m.msg) - 1);

	memcpy(m.msg, e->msg, l);
	if (!exec && e->code < 0)
		snprintf(m.msg + l, sizeof(m.msg) - l, ": %s", strerror(-e->code));
	(void)send(c->sock, &m, sizeof(m), MSG_NOSIGNAL);
	_exit(exec ? (e->code == -ENOENT ? 127 : 126) : 1);
}

_noreturn_ void attach_child_run(struct attach_child *c)
{
	struct cove_error e = {};
	char *shell_argv[2];
	char *const *argv = c->o->argv;

	/* Before anything of the container can see us (see the top of this file). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		cove_err(&e, -errno, "Failed to make the attaching process non-dumpable");
		child_fail(c, &e, false);
	}
	c->slave = -EBADF;
	/* The profile is a host path: read it before joining the container. */
	if (prepare_security(c, &e) < 0)
		child_fail(c, &e, false);
	for (size_t i = 0; i < ELEMENTSOF(child_steps); i++)
		if (child_steps[i].fn(c, &e) < 0)
			child_fail(c, &e, false);
	if (!argv) {
		shell_argv[0] =
		    c->pw_shell && access(c->pw_shell, X_OK) == 0 ? c->pw_shell : (char *)"/bin/sh";
		shell_argv[1] = NULL;
		argv = shell_argv;
	}
	/* No host fd may reach the command: everything above stderr closes at exec. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		(void)close_all_fds((int[]){c->sock}, 1);
	execvp(argv[0], argv);
	cove_err(&e, -errno, "Failed to exec '%s': %s", argv[0], strerror(errno));
	child_fail(c, &e, true);
}
