/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attach: run a process inside a running container (what lxc-attach does).
 *
 * The process joins the namespaces of the container's init through its
 * pidfd (one setns() call), the init's cgroup in every hierarchy, and gets
 * the container's personality, environment, ids and working directory. The
 * attaching process is made non-dumpable before it joins anything, and no
 * host fd reaches the new program (everything is close-on-exec, and every fd
 * above 2 is marked so right before exec).
 *
 * The process gets the container's capability bounding set (lxc.cap.drop,
 * lxc.cap.keep and the default drops; COVE_ATTACH_ELEVATE_CAP keeps the
 * caller's), lxc.no_new_privs and its seccomp filter (the profile, read on
 * the host side before joining, or the default policy). There is no LSM on
 * the test hosts, so COVE_ATTACH_ELEVATE_LSM has nothing to skip.
 *
 * Terminals: with a pty (COVE_ATTACH_PTY_AUTO and one of the stdio fds is a
 * terminal, or COVE_ATTACH_PTY_ALWAYS) the pty is allocated *inside* the
 * container (its /dev/ptmx, so the process sees its own /dev/pts/N), the
 * process becomes a session leader with the slave as controlling terminal,
 * and the master comes back to the caller. Stdio fds that are not terminals
 * are handed to the process as they are (pipes work both ways).
 *
 * All functions here are libcove API: they do not log (except debug) and
 * report failures through struct cove_error.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cove/container.h"
#include "cove/error.h"

/* Namespaces (-s): values of the lxc-attach names. */
enum {
	COVE_NS_MOUNT = 1 << 0,
	COVE_NS_PID = 1 << 1,
	COVE_NS_UTS = 1 << 2,
	COVE_NS_IPC = 1 << 3,
	COVE_NS_USER = 1 << 4,
	COVE_NS_NET = 1 << 5,
	COVE_NS_CGROUP = 1 << 6,
	COVE_NS_ALL = (1 << 7) - 1,
};

/* Privileges kept instead of taking the container's (-e). */
enum {
	COVE_ATTACH_ELEVATE_CAP = 1 << 0,
	COVE_ATTACH_ELEVATE_CGROUP = 1 << 1, /* do not join the container's cgroups */
	COVE_ATTACH_ELEVATE_LSM = 1 << 2,
	COVE_ATTACH_ELEVATE_ALL = (1 << 3) - 1,
};

enum cove_attach_env {
	COVE_ATTACH_KEEP_ENV,  /* the default, as in LXC */
	COVE_ATTACH_CLEAR_ENV, /* only container=lxc, PATH, HOME, --keep-var, -v */
};

enum cove_attach_pty {
	COVE_ATTACH_PTY_AUTO,	/* a pty for those stdio fds that are terminals */
	COVE_ATTACH_PTY_NEVER,	/* stdio fds as they are */
	COVE_ATTACH_PTY_ALWAYS, /* a pty on all three stdio fds (for daemons) */
};

struct cove_attach_opts {
	unsigned namespaces;	/* COVE_NS_* to join; 0: all that the container has */
	unsigned elevated;	/* COVE_ATTACH_ELEVATE_* */
	long personality;	/* -1: the container's lxc.arch (or leave as is) */
	bool remount_sys_proc;	/* -R: without MOUNT, remount /proc (and /sys with NET) */
	int env_policy;		/* enum cove_attach_env */
	char *const *extra_env; /* borrowed strv: "VAR=VALUE" (-v), applied last */
	char *const *keep_env;	/* borrowed strv: names kept with CLEAR_ENV (--keep-var) */
	uid_t uid;		/* (uid_t)-1: 0 */
	gid_t gid;		/* (gid_t)-1: the user's passwd group when uid is set, else 0 */
	char *const *argv;  /* borrowed; NULL: the user's shell from /etc/passwd, else /bin/sh */
	const char *cwd;    /* NULL: lxc.init.cwd, else the home (default shell), else / */
	const char *rcfile; /* -f: config file to use instead of the container's */
	int pty;	    /* enum cove_attach_pty */
	int pty_log_fd;	    /* -L: copy of the pty output (borrowed), or -1 */
	int stdio[3];	    /* borrowed: the process's stdin, stdout, stderr; -1: /dev/null */
	/*
	 * Refuse with -ESTALE, before anything is spawned, when the container
	 * could reach the running executable through the attached process
	 * and we do not run from a sealed copy (see rexec.h and attach-exe.c):
	 * cove-attach then re-executes itself sealed and tries again.
	 */
	bool require_sealed_exe;
};

/* clang-format off */
#define COVE_ATTACH_OPTS_INIT                                                                      \
	{ .personality = -1, .uid = (uid_t)-1, .gid = (gid_t)-1, .pty_log_fd = -1,                 \
	  .stdio = { 0, 1, 2 } }
/* clang-format on */

/* A spawned process. Fields are owned: release with cove_attach_proc_done(). */
struct cove_attach_proc {
	pid_t pid; /* in the caller's pid namespace */
	int pidfd;
	int pty_master; /* -EBADF without a pty */
	bool stdin_pty; /* which stdio fds of the process are the pty */
	bool stdout_pty;
	bool stderr_pty;
};

#define COVE_ATTACH_PROC_INIT                                                                      \
	{                                                                                          \
		.pidfd = -EBADF, .pty_master = -EBADF                                              \
	}

/*
 * Start a process in the running container ct as described by o and return
 * at once (after it exec'd). Loads the container's config (or o->rcfile)
 * when ct->conf is not loaded yet. When the command cannot be executed the
 * error code is the exec errno (-ENOENT, -EACCES...) and
 * *ret_exec_failed is set (may be NULL). ret is written only on success.
 * Safe in a multi-threaded caller (the daemon): the pid namespace is entered
 * by the calling thread for the fork only, and fork() is used instead of a
 * raw clone3() when other threads exist.
 */
int cove_container_attach_spawn(struct cove_container *ct, const struct cove_attach_opts *o,
				struct cove_attach_proc *ret, bool *ret_exec_failed,
				struct cove_error *err);

/*
 * Wait for a spawned process. With a pty, proxy between it and the caller's
 * stdio (o->stdio), raw mode on a terminal stdin, window size forwarded on
 * SIGWINCH, output copied to o->pty_log_fd. SIGTERM, SIGHUP, SIGUSR1 and
 * SIGUSR2 sent to the caller are forwarded to the process. Returns 0 and
 * the exit code in *ret_code: the process's exit status, 128+N when killed
 * by signal N (like lxc-attach). Meant for tools: while it waits it blocks
 * the forwarded signals and, without a pty, ignores SIGINT and SIGQUIT
 * (process-wide); a daemon waits on p->pidfd itself.
 */
int cove_attach_proc_wait(struct cove_attach_proc *p, const struct cove_attach_opts *o,
			  int *ret_code, struct cove_error *err);

void cove_attach_proc_done(struct cove_attach_proc *p);

/*
 * Spawn, then wait: what cove-attach does. *ret_code is the exit code to
 * use: the command's (as above); 126/127 when it could not be executed (the
 * function then also fails with the exec error); 1 on other failures.
 */
int cove_container_attach(struct cove_container *ct, const struct cove_attach_opts *o,
			  int *ret_code, struct cove_error *err);

/*
 * A guess from ct's config, before asking anything: 0 when the container
 * has a user namespace (lxc.idmap), so that the sealed re-exec may be
 * unnecessary (require_sealed_exe checks the running container), 1 when it
 * is surely needed. Loads ct's config (kept in ct).
 */
int cove_attach_exe_maybe_exposed(struct cove_container *ct);

/* "MOUNT|PID|UTSNAME|IPC|USER|NETWORK|CGROUP" (also ',' separated, any case) -> COVE_NS_*. */
int cove_attach_parse_namespaces(const char *s, unsigned *ret);
/* "CAP|CGROUP|LSM"; NULL or "" means all. */
int cove_attach_parse_elevated(const char *s, unsigned *ret);
/* lxc.arch values ("x86_64", "i686", "linux32", "amd64", ...) -> personality. */
int cove_attach_parse_arch(const char *s, long *ret);
