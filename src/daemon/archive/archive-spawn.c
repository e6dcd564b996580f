/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's side of cove-archive (archive/cove-archive.c): tar_extract()
 * and archive_write_tgz() with the signatures of tar-extract.h and
 * instance-archive.h, done by running the helper. In-memory items go to it
 * as sealed memfds; its one-line error becomes the cove_error, its exit
 * status the errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "instances/instance-archive.h"
#include "macro.h"
#include "strutil.h"
#include "strv.h"
#include "tar-extract.h"

/* The helper next to this binary (build tree), else the installed one; buf: PATH_MAX */
static const char *archive_exe(char *buf, size_t size)
{
	const char *e = getenv("COVE_ARCHIVE");
	ssize_t n;

	if (!isempty(e))
		return e;
	n = readlink("/proc/self/exe", buf, size - 32);
	if (n > 0) {
		char *slash;

		buf[n] = 0;
		slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash + 1, "cove-archive");
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	snprintf(buf, size, "%s", COVE_LIBEXECDIR "/cove-archive");
	return buf;
}

/* Run the helper with argv; fds stay open in it. */
static int run_helper(char **argv, const int *fds, size_t n_fds, struct cove_error *err)
{
	_cleanup_close_ int rfd = -EBADF;
	char msg[COVE_ERROR_MAX] = "", buf[4096];
	const char *exe = archive_exe(buf, sizeof(buf));
	int pipefd[2], status;
	ssize_t len;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return cove_err(err, -errno, "Failed to create a pipe: %m");
	rfd = pipefd[0];
	pid = fork();
	if (pid < 0) {
		safe_close(pipefd[1]);
		return cove_err(err, -errno, "Failed to fork: %m");
	}
	if (pid == 0) {
		/* only async-signal-safe calls: the daemon has threads */
		if (dup2(pipefd[1], STDERR_FILENO) < 0)
			_exit(EIO);
		for (size_t i = 0; i < n_fds; i++)
			(void)fcntl(fds[i], F_SETFD, 0);
		execv(exe, argv);
		_exit(ENOEXEC);
	}
	safe_close(pipefd[1]);
	len = loop_read(rfd, msg, sizeof(msg) - 1);
	if (len > 0) {
		msg[len] = 0;
		msg[strcspn(msg, "\n")] = 0;
	}
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0)
		return cove_err(err, -errno, "Failed to wait for cove-archive: %m");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == ENOEXEC && !msg[0])
		return cove_err(err, -ENOEXEC, "Failed to run %s", exe);
	return cove_err(err, WIFEXITED(status) ? -WEXITSTATUS(status) : -EIO, "%s",
			msg[0] ? msg : "cove-archive failed");
}

int tar_extract(const char *tarball, const char *dest, const struct tar_extract_opts *o,
		struct cove_error *err)
{
	_cleanup_strv_free_ char **argv = NULL;

	strv_push_dup(&argv, "cove-archive");
	strv_push_dup(&argv, "extract");
	if (o && o->no_dev)
		strv_push_dup(&argv, "--no-dev");
	if (o && o->refuse_dev)
		strv_push_dup(&argv, "--refuse-dev");
	for (char *const *p = o ? o->excludes : NULL; p && *p; p++) {
		strv_push_dup(&argv, "--exclude");
		strv_push_dup(&argv, *p);
	}
	strv_push_dup(&argv, tarball);
	strv_push_dup(&argv, dest);
	return run_helper(argv, NULL, 0, err);
}

static int data_fd(const struct archive_item *it, struct cove_error *err)
{
	int fd = memfd_create("cove-archive-item", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return cove_err(err, -errno, "Failed to create a memfd: %m");
	if (loop_write(fd, it->data, it->len) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		safe_close(fd);
		return cove_err(err, -EIO, "Failed to fill a memfd for '%s'", it->name);
	}
	(void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	return fd;
}

int archive_write_tgz(const char *path, const struct archive_item *items, size_t n,
		      struct cove_error *err)
{
	_cleanup_strv_free_ char **argv = NULL;
	_cleanup_free_ int *fds = xnew0(int, n + 1);
	size_t n_fds = 0;
	int r = 0;

	strv_push_dup(&argv, "cove-archive");
	strv_push_dup(&argv, "write-tgz");
	strv_push_dup(&argv, path);
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (items[i].tree) {
			strv_push(&argv, xasprintf("tree:%s=%s", items[i].name, items[i].tree));
			continue;
		}
		r = data_fd(&items[i], err);
		if (r >= 0) {
			fds[n_fds++] = r;
			strv_push(&argv, xasprintf("fd:%s=%d", items[i].name, r));
		}
	}
	if (r >= 0)
		r = run_helper(argv, fds, n_fds, err);
	for (size_t i = 0; i < n_fds; i++)
		safe_close(fds[i]);
	return r;
}
