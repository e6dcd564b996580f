/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running lxc.hook.* commands (see hooks.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "hooks.h"
#include "log.h"
#include "strutil.h"

LOG_MODULE("hooks");

static void set_env(const struct cove_conf *c, const char *type, const struct cove_hook_ctx *ctx)
{
	char buf[32];

	setenv("LXC_NAME", ctx->name, 1);
	setenv("LXC_CONFIG_FILE", ctx->config_path ? ctx->config_path : "", 1);
	setenv("LXC_ROOTFS_MOUNT", ctx->rootfs ? ctx->rootfs : "", 1);
	setenv("LXC_ROOTFS_PATH", c->rootfs_path ? c->rootfs_path : "", 1);
	setenv("LXC_HOOK_TYPE", type, 1);
	setenv("LXC_HOOK_SECTION", "lxc", 1);
	snprintf(buf, sizeof(buf), "%u", c->hook_version);
	setenv("LXC_HOOK_VERSION", buf, 1);
	setenv("LXC_CGNS_AWARE", "1", 1);
	snprintf(buf, sizeof(buf), "%d", c->log_level >= 0 ? c->log_level : 5);
	setenv("LXC_LOG_LEVEL", buf, 1);
	setenv("LXC_CONSOLE", c->console_path ? c->console_path : "", 1);
	setenv("LXC_CONSOLE_LOGPATH", c->console_logfile ? c->console_logfile : "", 1);
	if (ctx->target)
		setenv("LXC_TARGET", ctx->target, 1);
	if (ctx->pid > 0) {
		snprintf(buf, sizeof(buf), "%d", (int)ctx->pid);
		setenv("LXC_PID", buf, 1);
	}
}

static _noreturn_ void exec_hook(const struct cove_conf *c, const char *type, const char *cmd,
				 const struct cove_hook_ctx *ctx)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int out = ctx->out_fd >= 0 ? ctx->out_fd : null;
	_cleanup_free_ char *script = NULL;

	sigset_t all;

	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	if (null >= 0)
		(void)dup2(null, 0);
	if (out >= 0) {
		(void)dup2(out, 1);
		(void)dup2(out, 2);
	}
	(void)close_range(3, ~0U, 0);
	set_env(c, type, ctx);
	if (c->hook_version == 0) {
		script = xasprintf("%s \"$@\"", cmd);
		execl("/bin/sh", "sh", "-c", script, "sh", ctx->name, "lxc", type, (char *)NULL);
	} else
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

int cove_hooks_run(const struct cove_conf *c, int type, const struct cove_hook_ctx *ctx,
		   struct cove_error *err)
{
	const char *tname = cove_hook_to_string(type);

	if (!cove_hooks_any(c, type))
		return 0;
	for (char **h = c->hooks[type]; *h; h++) {
		siginfo_t si = {};
		pid_t pid;

		log_debug("Running lxc.hook.%s '%s'", tname, *h);
		pid = fork();
		if (pid < 0)
			return cove_err(err, -errno, "Failed to run lxc.hook.%s: %m", tname);
		if (pid == 0)
			exec_hook(c, tname, *h, ctx);
		if (RETRY_EINTR(waitid(P_PID, pid, &si, WEXITED)) < 0)
			return cove_err(err, -errno, "Failed to wait for lxc.hook.%s: %m", tname);
		if (si.si_code != CLD_EXITED || si.si_status != 0)
			return cove_err(err, -ECANCELED,
					si.si_code == CLD_EXITED
						? "lxc.hook.%s '%s' failed with exit status %d"
						: "lxc.hook.%s '%s' was killed by signal %d",
					tname, *h, si.si_status);
	}
	return 0;
}
