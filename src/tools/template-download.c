/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running external template scripts, and the download template (see
 * template-download.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"
#include "template-download.h"

LOG_MODULE("template");

#define OUT_MAX (64u * 1024)
#define ERR_MAX (1u << 20)

static _noreturn_ void exec_child(char **argv, const struct cove_template_ctx *ctx,
				  const char *config_path, int outfd, int errfd)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if ((outfd >= 0 && dup2(outfd, STDOUT_FILENO) < 0) || dup2(errfd, STDERR_FILENO) < 0)
		_exit(127);
	setenv("LXC_NAME", ctx->name, 1);
	setenv("LXC_PATH", ctx->path, 1);
	setenv("LXC_ROOTFS", ctx->rootfs, 1);
	setenv("LXC_ROOTFS_PATH", ctx->rootfs, 1);
	if (config_path)
		setenv("LXC_CONFIG_FILE", config_path, 1);
	setenv("LXC_TEMPLATE_CONFIG", "/usr/share/lxc/config", 1);
	setenv("LXC_HOOK_DIR", "/usr/share/lxc/hooks", 1);
	execv(argv[0], argv);
	fprintf(stderr, "Failed to run template '%s': %m\n", argv[0]);
	_exit(127);
}

/* The last non-empty line of text, without a leading "PROG: " of the script. */
static char *last_line(char *text, const char *script)
{
	const char *base = strrchr(script, '/') ? strrchr(script, '/') + 1 : script;
	char *end = text + strlen(text), *start, *p;

	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		*--end = 0;
	start = strrchr(text, '\n');
	start = start ? start + 1 : text;
	if ((p = (char *)startswith(start, base)) && startswith(p, ": "))
		start = p + 2;
	return start;
}

static int read_back(int fd, size_t max, char **ret)
{
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	return read_full_fd(fd, max, ret, NULL);
}

int template_exec(const char *script, const struct cove_template_ctx *ctx, const char *config_path,
		  char *const *extra, char **ret_out, struct cove_error *err)
{
	_cleanup_close_ int outfd = -EBADF, errfd = -EBADF;
	_cleanup_strv_free_ char **argv = NULL;
	_cleanup_free_ char *errtext = NULL;
	int status;
	pid_t pid;

	strv_push_dup(&argv, script);
	strv_push(&argv, xasprintf("--path=%s", ctx->path));
	strv_push(&argv, xasprintf("--rootfs=%s", ctx->rootfs));
	strv_push(&argv, xasprintf("--name=%s", ctx->name));
	for (size_t i = 0; ctx->args && ctx->args[i]; i++)
		strv_push_dup(&argv, ctx->args[i]);
	for (size_t i = 0; extra && extra[i]; i++)
		strv_push_dup(&argv, extra[i]);
	errfd = memfd_create("template-stderr", MFD_CLOEXEC);
	if (errfd < 0 || (ret_out && (outfd = memfd_create("template-stdout", MFD_CLOEXEC)) < 0))
		return cove_err(err, -errno, "Failed to create a memfd: %m");
	pid = fork();
	if (pid < 0)
		return cove_err(err, -errno, "Failed to fork: %m");
	if (pid == 0)
		exec_child(argv, ctx, config_path, outfd, errfd);
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0)
		return cove_err(err, -errno, "Failed to wait for template '%s': %m", script);
	(void)read_back(errfd, ERR_MAX, &errtext);
	if (WIFSIGNALED(status))
		return cove_err(err, -EINTR, "Template '%s' was killed by signal %d", script,
				WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (!isempty(errtext) && !isempty(last_line(errtext, script)))
			return cove_err(err, -EIO, "%s", last_line(errtext, script));
		return cove_err(err, -EIO, "Template '%s' failed (exit status %d)", script,
				WEXITSTATUS(status));
	}
	if (!isempty(errtext))
		(void)loop_write(STDERR_FILENO, errtext, strlen(errtext));
	if (ret_out) {
		int r = read_back(outfd, OUT_MAX, ret_out);

		if (r < 0)
			return cove_err(err, r, "Failed to read the output of template '%s': %s",
					script, strerror(-r));
	}
	return 0;
}

/* "KEY=VALUE" lines of out: the value of the last one for key (borrowed), or NULL. */
static const char *find_value(char **lines, const char *key)
{
	const char *v = NULL, *p;

	STRV_FOREACH (l, lines)
		if ((p = startswith(*l, key)) && *p == '=')
			v = p + 1;
	return v;
}

/* Is the image's init systemd? /sbin/init read inside the rootfs (never leaving it). */
static bool init_is_systemd(const char *rootfs)
{
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	_cleanup_close_ int root = -EBADF, sbin = -EBADF;
	char buf[256];
	ssize_t n;

	root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return false;
	sbin = (int)syscall(SYS_openat2, root, "sbin", &how, sizeof(how));
	if (sbin < 0)
		return false;
	n = readlinkat(sbin, "init", buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return endswith(buf, "/systemd");
}

/*
 * An image whose init is systemd and whose config does not say how to halt it
 * gets lxc.signal.halt = SIGRTMIN+3 (systemd ignores the default SIGPWR unless
 * sigpwr.target is set up, and cove-stop would end up killing it).
 */
static void halt_signal_for_systemd(const struct cove_template_ctx *ctx,
				    struct template_result *res)
{
	char *n;

	if ((res->config_before && strstr(res->config_before, "lxc.signal.halt")) ||
	    !init_is_systemd(ctx->rootfs))
		return;
	n = xasprintf("%s# The image's init is systemd\nlxc.signal.halt = SIGRTMIN+3\n",
		      res->config_after ?: "");
	free(res->config_after);
	res->config_after = n;
}

int template_download(const char *script, const struct cove_template_ctx *ctx,
		      struct template_result *res, struct cove_error *err)
{
	char *const extra[] = {(char *)"--fetch-only", NULL};
	_cleanup_strv_free_ char **lines = NULL;
	_cleanup_free_ char *out = NULL;
	struct cove_template_ctx local = *ctx;
	const char *rootfs, *meta;
	int r;

	r = template_exec(script, ctx, NULL, extra, &out, err);
	if (r < 0)
		return r;
	lines = strv_split(out ?: "", "\n");
	rootfs = find_value(lines, "rootfs");
	meta = find_value(lines, "meta");
	if (isempty(rootfs) || isempty(meta))
		return cove_err(err, -EIO, "Template '%s' did not say where the image is", script);
	{
		char *const args[] = {(char *)"--fstree", (char *)rootfs, (char *)"--metadata",
				      (char *)meta, NULL};

		local.args = args;
		r = template_local(&local, res, err);
	}
	if (r < 0)
		return cove_err_prefix(err, "Failed to unpack the downloaded image");
	halt_signal_for_systemd(ctx, res);
	return 0;
}
