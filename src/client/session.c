/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operation websocket sessions for exec and console (see session.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "http.h"
#include "session.h"

bool session_detach_seen(struct session *s, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s->saw_ctrl_a && buf[i] == 'q')
			return true;
		s->saw_ctrl_a = buf[i] == 0x01;
	}
	return false;
}

void session_done(struct session *s)
{
	if (s->raw)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &s->saved);
	for (int i = 0; i < 3; i++)
		s->ws[i] = ws_free(s->ws[i]);
	s->control = ws_free(s->control);
	s->sigfd = safe_close(s->sigfd);
	api_op_done(&s->op);
}

int session_connect(struct session *s, const char *key, struct ws_conn **ret,
		    struct cove_error *err)
{
	json_t *fds = json_object_get(json_object_get(s->op.op, "metadata"), "fds");
	const char *secret = json_string_value(json_object_get(fds, key));
	_cleanup_free_ char *e = NULL, *path = NULL;

	if (!secret)
		return cove_err(err, -EBADMSG, "The server sent no websocket secret for '%s'", key);
	e = http_escape(secret);
	path = xasprintf("/1.0/operations/%s/websocket?secret=%s", s->op.id, e);
	return ws_connect(http_socket_path(), path, ret, err);
}

void session_window_size(int *w, int *h)
{
	struct winsize ws = {};

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		*w = ws.ws_col;
		*h = ws.ws_row;
	} else {
		*w = 80;
		*h = 24;
	}
}

static void send_control(struct session *s, json_t *msg)
{
	_cleanup_free_ char *t = json_dumps(msg, JSON_COMPACT);

	if (s->control && t)
		(void)ws_send(s->control, WS_OP_TEXT, t, strlen(t));
	json_decref(msg);
}

static void on_signal(struct session *s)
{
	struct signalfd_siginfo si;
	int w, h;

	if (read(s->sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGWINCH) {
		session_window_size(&w, &h);
		send_control(s, json_pack("{ss s{so so} si}", "command", "window-resize", "args",
					  "height", json_sprintf("%d", h), "width",
					  json_sprintf("%d", w), "signal", 0));
		return;
	}
	send_control(
	    s, json_pack("{ss sn si}", "command", "signal", "args", "signal", (int)si.ssi_signo));
}

int session_setup_signals(struct session *s)
{
	static const int sigs[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	sigset_t mask;

	sigemptyset(&mask);
	for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
		sigaddset(&mask, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	s->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return s->sigfd < 0 ? -errno : 0;
}

void session_make_raw(struct session *s)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &s->saved) < 0)
		return;
	t = s->saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0)
		s->raw = true;
}

static void forward_stdin(struct session *s)
{
	char buf[32768];
	ssize_t n = RETRY_EINTR(read(STDIN_FILENO, buf, sizeof(buf)));

	if (n > 0 && s->detach_keys && session_detach_seen(s, buf, (size_t)n)) {
		s->detached = true;
		return;
	}
	if (n > 0) {
		if (ws_send(s->ws[0], WS_OP_BINARY, buf, (size_t)n) >= 0)
			return;
	}
	/* EOF (or a dead stream): the barrier, an empty text frame. */
	(void)ws_send(s->ws[0], WS_OP_TEXT, "", 0);
	s->stdin_done = true;
}

/* Frames from ws[i]: data to stdout/stderr, until the barrier. */
static void drain_output(struct session *s, int i)
{
	struct ws_frame f;
	int out = i == 2 ? STDERR_FILENO : STDOUT_FILENO;
	int r;

	if (ws_fill(s->ws[i]) <= 0 && s->ws[i]->len == 0) {
		s->out_done[i] = true;
		return;
	}
	while ((r = ws_next_frame(s->ws[i], &f)) > 0) {
		if (f.opcode == WS_OP_BINARY || (f.opcode == WS_OP_TEXT && f.len > 0)) {
			if (i > 0 || s->interactive) /* stdin's socket: only pings */
				(void)loop_write(out, f.data, f.len);
		} else if (f.opcode == WS_OP_TEXT || f.opcode == WS_OP_CLOSE) {
			s->out_done[i] = true;
			return;
		}
	}
	if (r < 0 || s->ws[i]->eof)
		s->out_done[i] = true;
}

static void drain_events(struct session *s)
{
	struct ws_frame f;

	if (ws_fill(s->op.events) <= 0) {
		s->op.events = ws_free(s->op.events);
		return;
	}
	while (ws_next_frame(s->op.events, &f) > 0)
		(void)api_op_handle_event(&s->op, &f, NULL, NULL);
}

static bool outputs_done(struct session *s)
{
	if (s->detached)
		return true;
	if (s->interactive)
		return s->out_done[0];
	return s->out_done[1] && s->out_done[2];
}

static void drain_control(struct session *s)
{
	struct ws_frame f;

	if (ws_fill(s->control) <= 0) {
		s->control = ws_free(s->control);
		return;
	}
	while (ws_next_frame(s->control, &f) > 0)
		;
}

int session_io_loop(struct session *s)
{
	enum { P_STDIN, P_SIG, P_EV, P_CTL, P_0, P_1, P_2, _P_MAX };
	struct pollfd p[_P_MAX];

	while (!outputs_done(s)) {
		for (int i = 0; i < _P_MAX; i++)
			p[i] = (struct pollfd){.fd = -1, .events = POLLIN};
		p[P_STDIN].fd = s->stdin_done ? -1 : STDIN_FILENO;
		p[P_SIG].fd = s->sigfd;
		p[P_EV].fd = s->op.events ? s->op.events->fd : -1;
		p[P_CTL].fd = s->control ? s->control->fd : -1;
		for (int i = 0; i < 3; i++)
			if (s->ws[i] && !s->out_done[i])
				p[P_0 + i].fd = s->ws[i]->fd;
		if (RETRY_EINTR(poll(p, _P_MAX, -1)) < 0)
			return -errno;
		if (p[P_SIG].revents)
			on_signal(s);
		if (p[P_STDIN].revents)
			forward_stdin(s);
		if (p[P_EV].revents)
			drain_events(s);
		if (p[P_CTL].revents)
			drain_control(s);
		for (int i = 0; i < 3; i++)
			if (p[P_0 + i].revents)
				drain_output(s, i);
	}
	return 0;
}

int session_open_streams(struct session *s, struct cove_error *err)
{
	int r;

	json_t *fds = json_object_get(json_object_get(s->op.op, "metadata"), "fds");

	/* The control socket is optional for non-interactive sessions. */
	if (s->interactive || json_object_get(fds, "control")) {
		r = session_connect(s, "control", &s->control, err);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < (s->interactive ? 1 : 3); i++) {
		char key[2] = {(char)('0' + i), 0};
		r = session_connect(s, key, &s->ws[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}
