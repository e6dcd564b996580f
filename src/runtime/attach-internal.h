/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attach internals shared by attach.c (the caller's side: target, cgroups,
 * fork, messages) and attach-child.c (the steps the child runs between fork
 * and exec). The API in include/cove/attach.h is a thin wrapper that asks the
 * monitor for the init's pid, pidfd and cgroup and calls attach_spawn_target().
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "cove/attach.h"
#include "cove/conf.h"
#include "cove/error.h"
#include "macro.h"

/* What to attach to: the container's init. */
struct attach_target {
	pid_t init_pid;
	int pidfd;	    /* borrowed: pidfd of init */
	const char *cgroup; /* borrowed: the container's cgroup (relative), or NULL */
	int bpf_fd;	    /* borrowed: the container's compiled seccomp filter (monitor) */
};

/*
 * Spawn a process attached to t (see cove_container_attach_spawn()); conf
 * may be NULL (no lxc.environment, lxc.arch or lxc.init.cwd then).
 */
int attach_spawn_target(const struct attach_target *t, const struct cove_conf *conf,
			const struct cove_attach_opts *o, struct cove_attach_proc *ret,
			bool *ret_exec_failed, struct cove_error *err);

/* Messages from the child on the sync socket; EOF (close-on-exec) means "exec'd". */
enum attach_msg_type {
	ATTACH_MSG_PTY,	  /* the pty master travels with it */
	ATTACH_MSG_ERROR, /* code, exec_failed, msg */
};

struct attach_msg {
	int32_t type;
	int32_t code;
	int32_t exec_failed;
	char msg[COVE_ERROR_MAX];
};

/*
 * The init's cgroups, opened by the parent. v1 hierarchies are joined by
 * writing "0" to their "tasks" file: moving one thread (and we are a single
 * thread) skips the global threadgroup lock that a cgroup.procs write takes,
 * whose first use costs an RCU grace period (~10 ms here). The v2 cgroup is
 * joined at clone time (clone3 CLONE_INTO_CGROUP), for the same reason.
 */
struct attach_cgroups {
	int v1[32]; /* "tasks" files, O_WRONLY */
	size_t n_v1;
	int v2_dir;   /* the v2 cgroup directory, or -EBADF */
	bool v2_done; /* the child was cloned into v2_dir already */
};

/* Everything the child needs; prepared by the parent before fork(). */
struct attach_child {
	const struct cove_attach_opts *o;
	const struct cove_conf *conf; /* may be NULL */
	int pidfd;		      /* init's pidfd */
	int ns_flags;		      /* CLONE_NEW* for setns() (the pid ns is entered by fork) */
	struct attach_cgroups *cg;    /* NULL with -e CGROUP */
	int sock;		      /* child's end of the sync socket */
	bool pty;		      /* allocate a pty in the container */
	bool tty[3];		      /* which stdio fds get the pty slave */
	bool have_ws;
	struct winsize ws;
	long personality; /* -1: leave */
	int bpf_fd;	  /* sealed memfd: the container's seccomp filter (attach-seccomp.c) */

	/* Filled in by the child's steps. */
	bool pw_found;
	char *pw_home, *pw_shell;
	gid_t pw_gid;
	uid_t uid;
	gid_t gid;
	int slave;
};

/*
 * Could the container of init_pid write our executable through an attached
 * process (attach-exe.c)? true also when unsure.
 */
bool attach_exe_exposed(pid_t init_pid, int pidfd);

/* Run the child steps and exec; never returns. */
_noreturn_ void attach_child_run(struct attach_child *c);
