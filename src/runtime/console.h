/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's terminals: the console pty pair (unless lxc.console.path =
 * none) and one pair per lxc.tty.max. The monitor keeps the masters; the
 * slaves are bind-mounted on /dev/console and /dev/ttyN of the container.
 * Console output goes into a ring buffer (lxc.console.buffer.size) and is
 * appended to lxc.console.logfile (and the file given with cove-start -c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cove/conf.h"
#include "cove/error.h"

#define COVE_CONSOLE_BUFFER_DEFAULT (128 * 1024)

struct cove_console {
	int master, slave;	/* -EBADF without a console pty */
	unsigned n_ttys;
	int *tty_master;	/* owned array of n_ttys fds */
	int *tty_slave;
	char *slave_path;	/* owned: /dev/pts/N of the console slave in the host's devpts */
	char **tty_path;	/* owned strv: /dev/pts/N of each tty slave */
	char *ring;		/* owned, ring_size bytes */
	size_t ring_size, ring_start, ring_len;
	int log_fds[2];		/* lxc.console.logfile, cove-start -c; -EBADF when unset */
	char *log_path;		/* owned: lxc.console.logfile, for rotation */
	uint64_t log_max;	/* lxc.console.size: rotate or truncate beyond; 0: no limit */
	bool log_rotate;	/* lxc.console.rotate */
	uint64_t log_written;
};

int cove_console_new(const struct cove_conf *c, const char *extra_log, struct cove_console **ret,
		     struct cove_error *err);
struct cove_console *cove_console_free(struct cove_console *con);
static inline void cove_console_freep(struct cove_console **con)
{
	if (*con)
		*con = cove_console_free(*con);
}

/* Close the slave ends (the monitor does after the container has its copies). */
void cove_console_close_slaves(struct cove_console *con);
/* Open the slave ends anew from the masters (for a reboot: a hung-up slave is useless). */
int cove_console_reopen_slaves(struct cove_console *con);

/*
 * Read what the console master has into buf, record it in the ring buffer and
 * the log files. Returns the bytes read, 0 at EOF/EIO (no slave open), -errno.
 */
ssize_t cove_console_read(struct cove_console *con, char *buf, size_t size);
