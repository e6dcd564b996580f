/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Console and tty pty pairs, the console ring buffer and log (see console.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "alloc.h"
#include "console.h"
#include "fileio.h"
#include "strutil.h"
#include "strv.h"

/* A pty pair from the host's devpts; the slave is opened through the master (no path lookup). */
static int open_pty(int *ret_master, int *ret_slave, char **ret_path)
{
	unsigned n;
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	_cleanup_close_ int m = -EBADF, s = -EBADF;
	int unlock = 0;

	m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		return -errno;
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return -errno;
	if (ioctl(m, TIOCGPTN, &n) < 0)
		return -errno;
	(void)ioctl(m, TIOCSWINSZ, &ws);
	*ret_path = xasprintf("/dev/pts/%u", n);
	*ret_master = TAKE_FD(m);
	*ret_slave = TAKE_FD(s);
	return 0;
}

static int open_log(const char *path, int *ret)
{
	int fd;

	if (isempty(path)) {
		*ret = -EBADF;
		return 0;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	*ret = fd;
	return 0;
}

int cove_console_new(const struct cove_conf *c, const char *extra_log, struct cove_console **ret,
		     struct cove_error *err)
{
	_cleanup_(cove_console_freep) struct cove_console *con = xnew0(struct cove_console, 1);
	int r;

	con->master = con->slave = -EBADF;
	con->log_fds[0] = con->log_fds[1] = -EBADF;
	if (c->tty_max > 1024)
		return cove_err(err, -EINVAL, "Invalid lxc.tty.max %u: at most 1024", c->tty_max);
	if (!isempty(c->console_path) && !streq(c->console_path, "none")) {
		/* A device of the host (lxc.console.path = /dev/ttyS0): init's console, no relay. */
		con->slave = open(c->console_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (con->slave < 0)
			return cove_err(err, -errno, "Failed to open lxc.console.path '%s': %m",
					c->console_path);
		con->slave_path = xstrdup(c->console_path);
	} else if (!streq_ptr(c->console_path, "none")) {
		r = open_pty(&con->master, &con->slave, &con->slave_path);
		if (r < 0)
			return cove_err(err, r, "Failed to allocate the console pty: %s", strerror(-r));
		con->ring_size = c->console_buffer_size ? c->console_buffer_size
							: COVE_CONSOLE_BUFFER_DEFAULT;
		if (con->ring_size > (64u << 20))
			con->ring_size = 64u << 20;
		/* Untouched pages cost nothing: the buffer fills as the container writes. */
		con->ring = xmalloc(con->ring_size);
		r = open_log(c->console_logfile, &con->log_fds[0]);
		if (r >= 0 && con->log_fds[0] >= 0) {
			struct stat st;

			con->log_path = xstrdup(c->console_logfile);
			con->log_max = c->console_size;
			con->log_rotate = c->console_rotate;
			if (fstat(con->log_fds[0], &st) == 0)
				con->log_written = (uint64_t)st.st_size;
		}
		if (r < 0)
			return cove_err(err, r, "Failed to open console log '%s': %s",
					c->console_logfile, strerror(-r));
		r = open_log(extra_log, &con->log_fds[1]);
		if (r < 0)
			return cove_err(err, r, "Failed to open console file '%s': %s", extra_log,
					strerror(-r));
	}
	con->n_ttys = c->tty_max;
	con->tty_master = xnew0(int, con->n_ttys + 1);
	con->tty_slave = xnew0(int, con->n_ttys + 1);
	con->tty_path = xnew0(char *, con->n_ttys + 1);
	for (unsigned i = 0; i < con->n_ttys; i++)
		con->tty_master[i] = con->tty_slave[i] = -EBADF;
	for (unsigned i = 0; i < con->n_ttys; i++) {
		r = open_pty(&con->tty_master[i], &con->tty_slave[i], &con->tty_path[i]);
		if (r < 0)
			return cove_err(err, r, "Failed to allocate a pty for tty%u: %s", i + 1,
					strerror(-r));
	}
	*ret = TAKE_PTR(con);
	return 0;
}

void cove_console_close_slaves(struct cove_console *con)
{
	con->slave = safe_close(con->slave);
	for (unsigned i = 0; i < con->n_ttys; i++)
		con->tty_slave[i] = safe_close(con->tty_slave[i]);
}

static int reopen_slave(int master, int *slave)
{
	int s;

	if (master < 0)
		return 0;
	s = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return -errno;
	safe_close(*slave);
	*slave = s;
	return 0;
}

int cove_console_reopen_slaves(struct cove_console *con)
{
	int r = reopen_slave(con->master, &con->slave);

	for (unsigned i = 0; r >= 0 && i < con->n_ttys; i++)
		r = reopen_slave(con->tty_master[i], &con->tty_slave[i]);
	return r;
}

struct cove_console *cove_console_free(struct cove_console *con)
{
	if (!con)
		return NULL;
	cove_console_close_slaves(con);
	safe_close(con->master);
	for (unsigned i = 0; i < con->n_ttys; i++)
		safe_close(con->tty_master[i]);
	for (size_t i = 0; i < ELEMENTSOF(con->log_fds); i++)
		safe_close(con->log_fds[i]);
	free(con->tty_master);
	free(con->tty_slave);
	free(con->slave_path);
	free(con->log_path);
	strv_free(con->tty_path);
	free(con->ring);
	free(con);
	return NULL;
}

static void ring_append(struct cove_console *con, const char *p, size_t n)
{
	if (con->ring_size == 0)
		return;
	if (n >= con->ring_size) {
		p += n - con->ring_size;
		n = con->ring_size;
	}
	for (size_t done = 0; done < n;) {
		size_t end = (con->ring_start + con->ring_len) % con->ring_size;
		size_t k = MIN(n - done, con->ring_size - end);

		memcpy(con->ring + end, p + done, k);
		done += k;
		con->ring_len += k;
		if (con->ring_len > con->ring_size) {
			con->ring_start = (con->ring_start + con->ring_len - con->ring_size) %
					  con->ring_size;
			con->ring_len = con->ring_size;
		}
	}
}

/* lxc.console.size reached: keep one old log (lxc.console.rotate) or start over. */
static void log_limit(struct cove_console *con)
{
	_cleanup_free_ char *old = NULL;
	int fd;

	if (!con->log_max || con->log_written < con->log_max || con->log_fds[0] < 0)
		return;
	con->log_written = 0;
	if (!con->log_rotate) {
		(void)ftruncate(con->log_fds[0], 0);
		return;
	}
	old = xasprintf("%s.1", con->log_path);
	(void)rename(con->log_path, old);
	fd = open(con->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd >= 0) {
		safe_close(con->log_fds[0]);
		con->log_fds[0] = fd;
	}
}

ssize_t cove_console_read(struct cove_console *con, char *buf, size_t size)
{
	ssize_t n = RETRY_EINTR(read(con->master, buf, size));

	if (n < 0)
		return errno == EIO ? 0 : -errno;
	ring_append(con, buf, (size_t)n);
	for (size_t i = 0; i < ELEMENTSOF(con->log_fds); i++)
		if (con->log_fds[i] >= 0)
			(void)loop_write(con->log_fds[i], buf, (size_t)n);
	con->log_written += (uint64_t)n;
	log_limit(con);
	return n;
}
