/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The exec helper: a process forked from the daemon that runs libcove's
 * attach (which enters the container's namespaces for its own fork), waits
 * for the command and reports over a socketpair. Messages are fixed-size
 * structs; the pty master travels with EXEC_MSG_STARTED as SCM_RIGHTS.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

enum exec_msg_type {
	EXEC_MSG_STARTED,     /* helper -> daemon: value = pid (+ pty master fd if interactive) */
	EXEC_MSG_EXEC_FAILED, /* helper -> daemon: value = -errno of exec */
	EXEC_MSG_ERROR,	      /* helper -> daemon: value = -errno, text = message */
	EXEC_MSG_EXIT,	      /* helper -> daemon: value = exit code (128 + signal if killed) */
	EXEC_MSG_SIGNAL,      /* daemon -> helper: value = signal to send to the command */
};

struct exec_msg {
	int type;
	int value;
	char text[256];
};

struct exec_spec {
	const char *lxcpath;
	const char *name;
	char **argv;	/* borrowed */
	char **env;	/* borrowed: "K=V" */
	const char *cwd; /* may be NULL */
	uid_t uid;
	gid_t gid;
	bool interactive;
	int stdio[3];	/* the command's stdin/out/err (non-interactive) */
};

/*
 * Fork the helper. *ret_sock is the daemon's end of the socketpair
 * (non-blocking, close-on-exec); the stdio fds of spec are the helper's
 * to use (the caller closes its copies).
 */
int exec_helper_spawn(const struct exec_spec *spec, pid_t *ret_pid, int *ret_sock);
