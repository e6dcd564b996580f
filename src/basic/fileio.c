/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* File and fd helpers (see fileio.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "strutil.h"

int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	if (!buf)
		buf = xmalloc(1);
	buf[len] = 0;
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int read_full_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	return read_full_fd(fd, max, ret, ret_len);
}

int fd_realpath(int fd, char **ret)
{
	char link[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0 || buf[0] != '/')
		return n < 0 ? -errno : -ENOENT;
	buf[n] = 0;
	*ret = xstrdup(buf);
	return 0;
}

int read_one_line(const char *path, char **ret)
{
	char *buf;
	int r = read_full_file(path, 1 << 20, &buf, NULL);

	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = 0;
	*ret = buf;
	return 0;
}

int write_string_file(const char *path, const char *s)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	size_t n = strlen(s);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, s, n);
	if (w < 0)
		return -errno;
	return (size_t)w == n ? 0 : -EIO;
}

int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmpXXXXXX", path);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = loop_write(fd, data, len);
	if (r >= 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r >= 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The mount id of dfd/name (not following a final symlink), or a negative errno. */
static int mount_id_at(int dfd, const char *name, uint64_t *ret)
{
	struct statx sx;

	if (statx(dfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID, &sx) < 0)
		return -errno;
	if (!(sx.stx_mask & STATX_MNT_ID))
		return -EOPNOTSUPP;
	*ret = sx.stx_mnt_id;
	return 0;
}

/*
 * Remove dfd/name. A directory whose mount id differs from mnt_id is a mount
 * point (a bind mount of the same filesystem included): never descend into it.
 */
static int rm_rf_at(int dfd, const char *name, uint64_t mnt_id)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct stat st;
	uint64_t id = 0;
	int fd, r = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	r = mount_id_at(dfd, name, &id);
	if (r < 0)
		return r;
	if (id != mnt_id)
		return -EXDEV;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	for (struct dirent *de; (de = readdir(d));) {
		int k;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		k = rm_rf_at(dirfd(d), de->d_name, mnt_id);
		if (k < 0 && r == 0)
			r = k;
	}
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && r == 0 && errno != ENOENT)
		r = -errno;
	return r;
}

int rm_rf(const char *path)
{
	uint64_t id = 0;
	int r;

	r = mount_id_at(AT_FDCWD, path, &id);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return rm_rf_at(AT_FDCWD, path, id);
}

ssize_t loop_read(int fd, void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t k = read(fd, (char *)buf + done, n - done);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		done += (size_t)k;
	}
	return (ssize_t)done;
}

int loop_write(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int fd_nonblock(int fd, bool nonblock)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = nonblock ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) < 0 ? -errno : 0;
}

int fd_cloexec(int fd, bool cloexec)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0)
		return -errno;
	fl = cloexec ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC;
	return fcntl(fd, F_SETFD, fl) < 0 ? -errno : 0;
}

static bool listed(int fd, const int *except, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (except[i] == fd)
			return true;
	return false;
}

/* close_range() over the gaps between the kept fds: a few syscalls, no /proc scan. */
static int close_ranges(const int *except, size_t n)
{
	unsigned lo = 3;

	for (;;) {
		long next = -1; /* the lowest kept fd >= lo */

		for (size_t i = 0; i < n; i++)
			if (except[i] >= (int)lo && (next < 0 || except[i] < next))
				next = except[i];
		if (next < 0)
			return close_range(lo, ~0U, 0) < 0 ? -errno : 0;
		if ((unsigned)next > lo && close_range(lo, (unsigned)next - 1, 0) < 0)
			return -errno;
		lo = (unsigned)next + 1;
	}
}

int close_all_fds(const int *except, size_t n)
{
	_cleanup_closedir_ DIR *d = NULL;

	if (close_ranges(except, n) == 0)
		return 0;
	d = opendir("/proc/self/fd");
	if (!d) {
		for (int fd = 3; fd < 1024; fd++)
			if (!listed(fd, except, n))
				(void)close(fd);
		return 0;
	}
	for (struct dirent *de; (de = readdir(d));) {
		int fd;

		if (safe_atoi(de->d_name, &fd) < 0 || fd < 3 || fd == dirfd(d))
			continue;
		if (!listed(fd, except, n))
			(void)close(fd);
	}
	return 0;
}

#define MAX_PASS_FDS 16

int send_fds(int sock, const void *data, size_t len, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MAX_PASS_FDS)];
	} u;
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > MAX_PASS_FDS)
		return -E2BIG;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	if (RETRY_EINTR(sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0)
		return -errno;
	return 0;
}

ssize_t recv_fds(int sock, void *data, size_t len, int *fds, size_t nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MAX_PASS_FDS)];
	} u;
	struct iovec iov = { .iov_base = data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t n;

	for (size_t i = 0; i < nfds; i++)
		fds[i] = -EBADF;
	n = RETRY_EINTR(recvmsg(sock, &msg, MSG_CMSG_CLOEXEC));
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t k;
		int *in;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		in = (int *)CMSG_DATA(c);
		for (size_t i = 0; i < k; i++) {
			if (i < nfds)
				fds[i] = in[i];
			else
				(void)close(in[i]);
		}
	}
	return n;
}
