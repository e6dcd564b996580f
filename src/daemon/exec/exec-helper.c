/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The exec helper process (see exec-helper.h). It is forked from the
 * daemon's loop thread and never returns to daemon code: it closes every
 * fd it does not need, spawns the command through libcove, relays signals
 * from the daemon and reports the exit code, then _exit()s. Joining the
 * container's pid namespace happens here, never in the daemon.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cove/attach.h"
#include "exec-helper.h"
#include "fileio.h"
#include "macro.h"

static void send_msg(int sock, int type, int value, const char *text, int fd)
{
	struct exec_msg m = { .type = type, .value = value };

	if (text) {
		size_t n = strlen(text);

		n = MIN(n, sizeof(m.text) - 1);
		memcpy(m.text, text, n);
	}
	if (fd >= 0)
		(void)send_fds(sock, &m, sizeof(m), &fd, 1);
	else
		(void)loop_write(sock, &m, sizeof(m));
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* Relay signals until the command ends; returns its exit code. */
static int supervise(int sock, const struct cove_attach_proc *p)
{
	for (;;) {
		struct pollfd pf[2] = { { .fd = p->pidfd, .events = POLLIN },
					{ .fd = sock, .events = POLLIN } };
		struct exec_msg m;
		int status;

		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[0].revents) {
			if (waitpid(p->pid, &status, 0) == p->pid)
				return exit_code(status);
			break;
		}
		if (pf[1].revents & POLLIN) {
			if (loop_read(sock, &m, sizeof(m)) != (ssize_t)sizeof(m)) {
				/* the daemon is gone or gave up: the command goes too */
				(void)kill(p->pid, SIGKILL);
				pf[1].fd = -1;
				continue;
			}
			if (m.type == EXEC_MSG_SIGNAL && m.value > 0 && m.value < 65)
				(void)kill(p->pid, m.value);
		} else if (pf[1].revents) {
			(void)kill(p->pid, SIGKILL);
			sock = -1;
		}
	}
	if (waitpid(p->pid, NULL, 0) < 0)
		return 1;
	return 1;
}

static _noreturn_ void helper_main(const struct exec_spec *spec, int sock)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct cove_attach_opts o = COVE_ATTACH_OPTS_INIT;
	struct cove_attach_proc p = COVE_ATTACH_PROC_INIT;
	struct cove_error err = { 0 };
	bool exec_failed = false;
	int r;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	o.env_policy = COVE_ATTACH_CLEAR_ENV;
	o.extra_env = spec->env;
	o.argv = spec->argv;
	o.cwd = spec->cwd;
	o.uid = spec->uid;
	o.gid = spec->gid;
	o.pty = spec->interactive ? COVE_ATTACH_PTY_ALWAYS : COVE_ATTACH_PTY_NEVER;
	for (int i = 0; i < 3; i++)
		o.stdio[i] = spec->stdio[i];
	r = cove_container_new(spec->lxcpath, spec->name, &ct, &err);
	if (r >= 0)
		r = cove_container_attach_spawn(ct, &o, &p, &exec_failed, &err);
	if (r < 0) {
		send_msg(sock, exec_failed ? EXEC_MSG_EXEC_FAILED : EXEC_MSG_ERROR, r,
			 cove_err_msg(&err, r), -1);
		_exit(1);
	}
	for (int i = 0; i < 3; i++)
		if (spec->stdio[i] > 2 || !spec->interactive)
			(void)close(spec->stdio[i]);
	send_msg(sock, EXEC_MSG_STARTED, (int)p.pid, NULL, p.pty_master);
	if (p.pty_master >= 0)
		(void)close(p.pty_master);
	send_msg(sock, EXEC_MSG_EXIT, supervise(sock, &p), NULL, -1);
	_exit(0);
}

int exec_helper_spawn(const struct exec_spec *spec, pid_t *ret_pid, int *ret_sock)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid == 0) {
		int keep[4] = { sv[1], spec->stdio[0], spec->stdio[1], spec->stdio[2] };

		(void)close_all_fds(keep, ELEMENTSOF(keep));
		helper_main(spec, sv[1]);
	}
	close(sv[1]);
	(void)fd_nonblock(sv[0], true);
	*ret_pid = pid;
	*ret_sock = sv[0];
	return 0;
}
