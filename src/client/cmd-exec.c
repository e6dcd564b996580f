/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove exec NAME [--env K=V]... [--user N] [--group N] [--cwd DIR] [-t|-T]
 * [-n] -- CMD...: POST /1.0/instances/<name>/exec with wait-for-websocket,
 * then the websockets of the operation (control first, then 0, 1, 2; only 0
 * when interactive), as `lxc exec` does. Data goes in binary frames; an
 * empty text frame ends a stream. Interactive mode puts the terminal in raw
 * mode and sends window-resize control messages on SIGWINCH; signals the
 * client receives are forwarded as "signal" control messages. The exit
 * status is the operation's metadata.return.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "client-internal.h"
#include "fileio.h"
#include "http.h"
#include "strutil.h"
#include "strv.h"
#include "ws.h"


int exec_parse(int argc, char **argv, struct exec_args *a, struct cove_error *err)
{
	static const struct option opts[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'g' },
		{ "cwd", required_argument, NULL, 'c' },
		{ "force-interactive", no_argument, NULL, 't' },
		{ "force-noninteractive", no_argument, NULL, 'T' },
		{ "disable-stdin", no_argument, NULL, 'n' },
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int r;

	*a = (struct exec_args){ .env = json_object() };
	client_opt_reset();
	while ((r = client_getopt(argc, argv, "tTnh", opts, err)) != -1) {
		_cleanup_free_ char *k = NULL, *v = NULL;
		unsigned u;
		if (r < 0)
			return r;
		switch (r) {
		case 'e':
			if (client_split_kv(optarg, &k, &v) < 0)
				return cove_err(err, -EINVAL, "Bad key=value pair: %s", optarg);
			json_object_set_new(a->env, k, json_string(v));
			break;
		case 'u':
		case 'g':
			if (safe_atou(optarg, &u) < 0)
				return cove_err(err, -EINVAL, "invalid argument \"%s\" for \"--%s\" flag",
						optarg, r == 'u' ? "user" : "group");
			*(r == 'u' ? &a->user : &a->group) = (int)u;
			break;
		case 'c': a->cwd = optarg; break;
		case 't': a->mode = 1; break;
		case 'T': a->mode = -1; break;
		case 'n': a->no_stdin = true; break;
		case 'm':
			if (!streq(optarg, "auto") && !streq(optarg, "interactive") &&
			    !streq(optarg, "non-interactive"))
				return cove_err(err, -EINVAL, "Invalid mode '%s'", optarg);
			a->mode = streq(optarg, "interactive") ? 1 : streq(optarg, "auto") ? 0 : -1;
			break;
		default: break;
		}
	}
	r = client_check_args(argc - optind, 2, -1,
			      "cove exec [<remote>:]<instance> [flags] [--] <command line>", err);
	if (r != 0)
		return r;
	r = client_local_name(argv[optind], &a->name, err);
	if (r < 0)
		return r;
	a->command = argv + optind + 1;
	return 0;
}

json_t *exec_request(const struct exec_args *a, bool interactive, int width, int height)
{
	json_t *cmd = json_array(), *env = json_object();
	const char *term = getenv("TERM");

	STRV_FOREACH(c, a->command)
		json_array_append_new(cmd, json_string(*c));
	if (!isempty(term))
		json_object_set_new(env, "TERM", json_string(term));
	json_object_update(env, a->env);
	return json_pack("{so sb sb so si si sb si si ss}", "command", cmd, "wait-for-websocket", 1,
			 "interactive", interactive, "environment", env, "width", width, "height",
			 height, "record-output", 0, "user", a->user, "group", a->group, "cwd",
			 a->cwd ?: "");
}

/* The running session: websockets, terminal, signals. */
struct session {
	struct api_op op;
	struct ws_conn *control, *ws[3]; /* ws[1], ws[2] unused when interactive */
	bool interactive;
	bool out_done[3];
	bool stdin_done;
	int sigfd;
	struct termios saved;
	bool raw;
};

static void session_done(struct session *s)
{
	if (s->raw)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &s->saved);
	for (int i = 0; i < 3; i++)
		s->ws[i] = ws_free(s->ws[i]);
	s->control = ws_free(s->control);
	s->sigfd = safe_close(s->sigfd);
	api_op_done(&s->op);
}

static int connect_fd(struct session *s, const char *key, struct ws_conn **ret,
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

static void window_size(int *w, int *h)
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
		window_size(&w, &h);
		send_control(s, json_pack("{ss s{so so} si}", "command", "window-resize", "args",
					  "height", json_sprintf("%d", h), "width",
					  json_sprintf("%d", w), "signal", 0));
		return;
	}
	send_control(s, json_pack("{ss sn si}", "command", "signal", "args", "signal",
				  (int)si.ssi_signo));
}

static int setup_signals(struct session *s)
{
	static const int sigs[] = { SIGWINCH, SIGINT,  SIGTERM, SIGHUP,
				    SIGQUIT,  SIGUSR1, SIGUSR2 };
	sigset_t mask;

	sigemptyset(&mask);
	for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
		sigaddset(&mask, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	s->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return s->sigfd < 0 ? -errno : 0;
}

static void make_raw(struct session *s)
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
		}
		else if (f.opcode == WS_OP_TEXT || f.opcode == WS_OP_CLOSE) {
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

static int io_loop(struct session *s)
{
	enum { P_STDIN, P_SIG, P_EV, P_CTL, P_0, P_1, P_2, _P_MAX };
	struct pollfd p[_P_MAX];

	while (!outputs_done(s)) {
		for (int i = 0; i < _P_MAX; i++)
			p[i] = (struct pollfd){ .fd = -1, .events = POLLIN };
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

static int open_streams(struct session *s, struct cove_error *err)
{
	int r;

	json_t *fds = json_object_get(json_object_get(s->op.op, "metadata"), "fds");

	/* The control socket is optional for non-interactive sessions. */
	if (s->interactive || json_object_get(fds, "control")) {
		r = connect_fd(s, "control", &s->control, err);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < (s->interactive ? 1 : 3); i++) {
		char key[2] = { (char)('0' + i), 0 };
		r = connect_fd(s, key, &s->ws[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int exit_status(struct session *s, int r, struct cove_error *err)
{
	json_t *md = json_object_get(s->op.op, "metadata");
	json_t *ret = json_object_get(md, "return");

	if (r < 0) {
		/* "Command not found" is a failed operation with return 127. */
		if (json_is_integer(ret) && json_integer_value(ret) != 0) {
			fprintf(stderr, "Error: %s\n", cove_err_msg(err, r));
			return (int)json_integer_value(ret);
		}
		return r;
	}
	return json_is_integer(ret) ? (int)json_integer_value(ret) : 0;
}

static int run(const struct exec_args *a, struct cove_error *err)
{
	_cleanup_free_ char *path = api_instance_path(a->name), *epath = NULL;
	struct session s = { .sigfd = -EBADF };
	int w = 0, h = 0, r;
	json_t *req;

	s.interactive = a->mode > 0 ||
			(a->mode == 0 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO));
	if (s.interactive)
		window_size(&w, &h);
	epath = xasprintf("%s/exec", path);
	req = exec_request(a, s.interactive, w, h);
	r = api_op_start("POST", epath, req, NULL, &s.op, err);
	json_decref(req);
	if (r >= 0 && !s.op.op)
		r = cove_err(err, -EBADMSG, "The server did not start an operation for exec");
	if (r >= 0)
		r = open_streams(&s, err);
	if (r >= 0 && setup_signals(&s) < 0)
		r = cove_err(err, -errno, "Failed to set up signal handling: %m");
	if (r >= 0) {
		if (a->no_stdin)
			(void)ws_send(s.ws[0], WS_OP_TEXT, "", 0), s.stdin_done = true;
		if (s.interactive && isatty(STDIN_FILENO))
			make_raw(&s);
		r = io_loop(&s);
		if (s.raw)
			(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &s.saved), s.raw = false;
		if (r < 0)
			r = cove_err(err, r, "Failed to forward the exec streams: %s", strerror(-r));
	}
	if (r >= 0)
		r = api_op_wait(&s.op, NULL, NULL, err);
	if (s.op.op)
		r = exit_status(&s, r, err);
	session_done(&s);
	return r;
}

int cmd_exec(int argc, char **argv, struct cove_error *err)
{
	struct exec_args a;
	int r;

	r = exec_parse(argc, argv, &a, err);
	if (r == 0)
		r = run(&a, err);
	else if (r > 0)
		r = 0;
	json_decref(a.env);
	return r;
}
