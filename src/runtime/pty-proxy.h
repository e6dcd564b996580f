/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Terminal proxying shared by cove-attach, cove-console and the monitor's
 * foreground mode (cove-start -F): copy bytes both ways between a user side
 * (an input fd and an output fd, usually our stdin/stdout) and a peer fd (a
 * pty master or a socket relayed to a container tty), with an optional
 * escape key, window-size forwarding, an output log and signal forwarding.
 * None of this logs above debug.
 *
 * How to use it:
 *
 *	_cleanup_(pty_raw_restore) struct pty_raw raw = PTY_RAW_INIT;
 *	struct pty_proxy p = PTY_PROXY_INIT;
 *
 *	r = pty_raw_enable(STDIN_FILENO, &raw);	   (0 and nothing done when not a tty)
 *	p.in_fd = STDIN_FILENO;			   (-EBADF: no input side)
 *	p.out_fd = STDOUT_FILENO;
 *	p.peer_fd = master;			   (made non-blocking by the loop)
 *	p.winsize_fd = master;			   (TIOCSWINSZ at start and on SIGWINCH;
 *						    -EBADF: none; winch_cb is called too)
 *	p.escape = 1;				   (Ctrl+a: "^a q" ends, "^a ^a" sends one ^a)
 *	p.exit_fd = pidfd;			   (readable = done: drain peer, return)
 *	p.log_fd = fd;				   (a copy of everything the peer printed)
 *	p.linger_ms = 200;			   (after EOF on in_fd, keep copying peer
 *						    output until it is quiet that long;
 *						    <0: return at in EOF at once)
 *	sigaddset(&p.forward, SIGTERM);		   (these are caught while the loop runs
 *	p.signal_cb = fn; p.userdata = x;	    and handed to signal_cb)
 *	r = pty_proxy_run(&p);			   (PTY_PROXY_* reason, or -errno)
 *
 * The loop blocks SIGWINCH and the forward set while it runs (a signalfd
 * reads them) and restores the old mask before returning. It never sets
 * in_fd or out_fd non-blocking (they are often shared with other processes).
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <termios.h>

struct pty_raw {
	int fd; /* borrowed; -EBADF when nothing to restore */
	struct termios saved;
};

#define PTY_RAW_INIT                                                                               \
	{                                                                                          \
		.fd = -EBADF                                                                       \
	}

/* Put tty fd into raw mode, saving its settings in r. Returns 0 when fd is not a tty. */
int pty_raw_enable(int fd, struct pty_raw *r);
/* Restore what pty_raw_enable() saved (idempotent; usable as a cleanup function). */
void pty_raw_restore(struct pty_raw *r);

enum pty_proxy_end {
	PTY_PROXY_PEER_EOF = 1, /* the peer hung up (pty: every slave closed) */
	PTY_PROXY_IN_EOF,	/* EOF on in_fd (after linger) */
	PTY_PROXY_ESCAPE,	/* the user typed <escape> q */
	PTY_PROXY_EXITED,	/* exit_fd became readable */
};

typedef void (*pty_proxy_winch_fn)(void *userdata, const struct winsize *ws);
typedef void (*pty_proxy_signal_fn)(void *userdata, int signo);

struct pty_proxy {
	int in_fd;	/* borrowed: user input, or -EBADF */
	int out_fd;	/* borrowed: where peer output goes, or -EBADF (discarded) */
	int peer_fd;	/* borrowed: pty master or tty socket, or -EBADF */
	int winsize_fd; /* borrowed: gets TIOCSWINSZ, or -EBADF */
	int exit_fd;	/* borrowed: e.g. a pidfd, or -EBADF */
	int log_fd;	/* borrowed: copy of peer output, or -EBADF */
	int escape;	/* escape byte (1 = Ctrl+a), 0 for none */
	int linger_ms;
	sigset_t forward;
	pty_proxy_winch_fn winch_cb;
	pty_proxy_signal_fn signal_cb;
	void *userdata;
};

#define PTY_PROXY_INIT                                                                             \
	{                                                                                          \
		.in_fd = -EBADF, .out_fd = -EBADF, .peer_fd = -EBADF, .winsize_fd = -EBADF,        \
		.exit_fd = -EBADF, .log_fd = -EBADF, .linger_ms = -1                               \
	}

/* Run the loop until one of enum pty_proxy_end happens; -errno on failure. */
int pty_proxy_run(struct pty_proxy *p);

/* Read the window size of the first tty among fds (-ENOTTY if none). */
int pty_get_winsize(const int *fds, int n, struct winsize *ret);
