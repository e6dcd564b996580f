/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A websocket session of an operation, as exec and console use it: the
 * control socket and the data sockets ("0", "1", "2"), stdin forwarding with
 * the empty-text-frame barrier at EOF, output to stdout/stderr until the
 * server's barrier, SIGWINCH -> window-resize and forwarded signals as
 * control messages, the raw terminal, and the operation's events.
 */
#pragma once

#include <stdbool.h>
#include <termios.h>

#include "api.h"
#include "ws.h"

struct session {
	struct api_op op;
	struct ws_conn *control, *ws[3]; /* ws[1], ws[2] unused when interactive */
	bool interactive;
	bool out_done[3];
	bool stdin_done;
	int sigfd;
	struct termios saved;
	bool raw;
	bool detach_keys; /* <ctrl>+a q on stdin ends the session (console) */
	bool detached;
	bool saw_ctrl_a;
};

/* Connect the websocket of fds[key] of s->op. */
int session_connect(struct session *s, const char *key, struct ws_conn **ret,
		    struct cove_error *err);
/* control (when offered or interactive), then 0, and 1, 2 unless interactive. */
int session_open_streams(struct session *s, struct cove_error *err);
int session_setup_signals(struct session *s);
void session_make_raw(struct session *s);
void session_window_size(int *w, int *h);
/* Forward until the outputs end (or a detach). Returns 0 or -errno. */
int session_io_loop(struct session *s);
/* Restore the terminal, close everything. */
void session_done(struct session *s);
/* True when buf completes <ctrl>+a q (state kept across reads). */
bool session_detach_seen(struct session *s, const char *buf, size_t n);
