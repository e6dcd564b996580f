/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exec sessions: websockets <-> the command's stdio (pipes, or one pty
 * master in interactive mode) on the loop, and the helper's reports.
 * The session belongs to its operation and is freed with it; websockets
 * still open then are closed and forget it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "alloc.h"
#include "daemon.h"
#include "events.h"
#include "exec-helper.h"
#include "exec.h"
#include "fileio.h"
#include "log.h"
#include "operations.h"
#include "server.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

LOG_MODULE("exec");

#define CONNECT_TIMEOUT_MS 5000
#define DRAIN_TIMEOUT_MS 2000
#define CONTROL_MAX 4096
#define STDIN_EARLY_MAX (1u << 20)

static void *mfree_ptr(void *p)
{
	free(p);
	return NULL;
}

enum { WS_STDIN, WS_STDOUT, WS_STDERR, WS_CONTROL, _WS_MAX };

struct session;

struct stream {
	struct session *s;
	uv_pipe_t pipe;
	bool open;	  /* handle initialised and not closed */
	bool eof;
	int ws;		  /* which websocket gets the output */
};

struct session {
	struct operation *op; /* borrowed: the session is op->userdata */
	struct exec_request req;
	char secrets[_WS_MAX][65];
	struct ws_conn *ws[_WS_MAX];
	bool needed[_WS_MAX];
	bool started, exited, finished;
	int exit_code;
	char *fail;		 /* owned: failure message, if any */
	pid_t helper;
	uv_poll_t helper_poll;
	int helper_sock;	 /* owned while helper_open */
	bool helper_open;
	struct stream out[2];	 /* stdout/stderr, or out[0] = pty master */
	uv_pipe_t in;		 /* stdin pipe, or unused for a pty */
	bool in_open;
	int pty_fd;		 /* borrowed view of out[0]'s fd in interactive mode */
	uv_timer_t timer;
	bool timer_open;
	char *stdin_buf;	 /* owned: stdin that arrived before the command started */
	size_t stdin_len;
	bool stdin_eof;		 /* the client's barrier arrived */
	uv_shutdown_t stdin_shutdown;
	char *control_buf;	 /* owned: a control message in pieces */
	size_t control_len;
	int refs;		 /* libuv handles still closing + 1 for the operation */
};

void exec_request_clear(struct exec_request *r)
{
	free(r->instance);
	strv_free(r->argv);
	strv_free(r->env);
	free(r->cwd);
	*r = (struct exec_request){ 0 };
}

static void session_unref(struct session *s)
{
	if (--s->refs > 0)
		return;
	exec_request_clear(&s->req);
	free(s->fail);
	free(s->control_buf);
	free(s->stdin_buf);
	free(s);
}

static void handle_closed(uv_handle_t *h)
{
	session_unref(h->data);
}

static void close_handle(struct session *s, uv_handle_t *h, bool *open)
{
	if (!*open)
		return;
	*open = false;
	h->data = s;
	s->refs++;
	uv_close(h, handle_closed);
}

static void close_helper(struct session *s)
{
	if (!s->helper_open)
		return;
	uv_poll_stop(&s->helper_poll);
	close_handle(s, (uv_handle_t *)&s->helper_poll, &s->helper_open);
	(void)close(s->helper_sock);
	s->helper_sock = -EBADF;
}

static void write_done_cb(uv_write_t *w, int status)
{
	free(w->data);
	free(w);
}

/* ending */

static void finish(struct session *s)
{
	static const char empty[1];

	if (s->finished)
		return;
	s->finished = true;
	if (s->timer_open)
		uv_timer_stop(&s->timer);
	for (int i = 0; i < _WS_MAX; i++) {
		if (!s->ws[i])
			continue;
		if (i == WS_STDOUT || i == WS_STDERR || (i == WS_STDIN && s->req.interactive))
			ws_send(s->ws[i], empty, 0, false);
		ws_close(s->ws[i]);
	}
	for (int i = 0; i < 2; i++)
		close_handle(s, (uv_handle_t *)&s->out[i].pipe, &s->out[i].open);
	close_handle(s, (uv_handle_t *)&s->in, &s->in_open);
	close_helper(s);
	if (s->helper > 0) {
		(void)waitpid(s->helper, NULL, 0);
		s->helper = 0;
	}
	if (s->started || s->exited) {
		json_t *md = json_deep_copy(s->op->metadata ? s->op->metadata : json_object());

		json_object_set_new(md, "return", json_integer(s->exit_code));
		operation_set_metadata(s->op, md);
	}
	operation_finish(s->op, s->fail);
}

static void maybe_finish(struct session *s)
{
	if (s->exited && !s->out[0].open && !s->out[1].open)
		finish(s);
}

static void drain_timeout_cb(uv_timer_t *t)
{
	finish(t->data);
}

/* output */

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	buf->base = xmalloc(65536);
	buf->len = 65536;
}

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct stream *o = st->data;
	struct session *s = o->s;

	if (n > 0 && s->ws[o->ws])
		ws_send(s->ws[o->ws], buf->base, (size_t)n, true);
	free(buf->base);
	if (n < 0) {
		/* EOF, or EIO on a pty master once the command is gone */
		close_handle(s, (uv_handle_t *)&o->pipe, &o->open);
		maybe_finish(s);
	}
}

static int open_stream(struct session *s, int idx, int fd, int ws)
{
	struct stream *o = &s->out[idx];

	o->s = s;
	o->ws = ws;
	uv_pipe_init(the_daemon->loop, &o->pipe, 0);
	o->pipe.data = o;
	if (uv_pipe_open(&o->pipe, fd) < 0) {
		close(fd);
		return -EIO;
	}
	o->open = true;
	uv_read_start((uv_stream_t *)&o->pipe, alloc_cb, read_cb);
	return 0;
}

/* helper reports */

static void set_winsize(struct session *s, unsigned w, unsigned h)
{
	struct winsize ws = { .ws_row = (unsigned short)h, .ws_col = (unsigned short)w };

	if (s->pty_fd >= 0 && w > 0 && h > 0)
		(void)ioctl(s->pty_fd, TIOCSWINSZ, &ws);
}

static void stdin_flush_early(struct session *s);

static void on_started(struct session *s, int pty)
{
	_cleanup_free_ char *src = xasprintf("/1.0/instances/%s", s->req.instance);
	json_t *cmd = json_array();

	s->started = true;
	if (pty >= 0) {
		s->pty_fd = pty;
		set_winsize(s, s->req.width, s->req.height);
		(void)open_stream(s, 0, pty, WS_STDIN);
	}
	stdin_flush_early(s);
	STRV_FOREACH(a, s->req.argv)
		json_array_append_new(cmd, json_string(*a));
	events_lifecycle("instance-exec", src, json_pack("{s:o}", "command", cmd));
}

static void on_helper_msg(struct session *s, const struct exec_msg *m, int fd)
{
	switch (m->type) {
	case EXEC_MSG_STARTED:
		on_started(s, fd);
		return;
	case EXEC_MSG_EXEC_FAILED:
		s->exited = true;
		s->exit_code = m->value == -ENOENT ? 127 : 126;
		s->fail = xstrdup(m->value == -ENOENT ? "Command not found" : m->text);
		break;
	case EXEC_MSG_ERROR:
		s->fail = xasprintf("Failed to run the command: %s", m->text);
		finish(s);
		return;
	case EXEC_MSG_EXIT:
		s->exited = true;
		s->exit_code = m->value;
		break;
	default:
		if (fd >= 0)
			close(fd);
		return;
	}
	if (fd >= 0)
		close(fd);
	uv_timer_start(&s->timer, drain_timeout_cb, DRAIN_TIMEOUT_MS, 0);
	maybe_finish(s);
}

static void read_helper(struct session *s, int sock)
{
	for (;;) {
		struct exec_msg m;
		int fd = -1;
		ssize_t n = recv_fds(sock, &m, sizeof(m), &fd, 1);

		if (n == -EAGAIN || n == -EWOULDBLOCK)
			return;
		if (n != (ssize_t)sizeof(m)) {
			/* the helper is gone */
			close_helper(s);
			if (!s->exited) {
				s->exited = true;
				s->exit_code = 1;
				if (!s->fail && !s->started)
					s->fail = xstrdup("The exec helper failed");
			}
			maybe_finish(s);
			if (!s->finished && !s->timer_open)
				finish(s);
			return;
		}
		on_helper_msg(s, &m, fd);
		if (s->finished)
			return;
	}
}

static void helper_poll_cb(uv_poll_t *p, int status, int events)
{
	struct session *s = p->data;

	read_helper(s, s->helper_sock);
}

/* starting */

static int make_pipes(int child[3], int parent[3])
{
	for (int i = 0; i < 3; i++) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0)
			return -errno;
		child[i] = i == 0 ? p[0] : p[1];
		parent[i] = i == 0 ? p[1] : p[0];
	}
	return 0;
}

static void close_fds(int fds[3])
{
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			(void)close(fds[i]);
}

static int open_null_stdio(int child[3])
{
	for (int i = 0; i < 3; i++) {
		child[i] = open("/dev/null", (i == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
		if (child[i] < 0)
			return -errno;
	}
	return 0;
}

static void start_command(struct session *s)
{
	int child[3] = { -1, -1, -1 }, parent[3] = { -1, -1, -1 }, r, sock = -1;
	struct exec_spec spec = {
		.lxcpath = the_daemon->lxcpath, .name = s->req.instance, .argv = s->req.argv,
		.env = s->req.env, .cwd = s->req.cwd, .uid = s->req.uid, .gid = s->req.gid,
		.interactive = s->req.interactive,
	};

	if (s->req.interactive || !s->req.wait_for_websocket)
		r = open_null_stdio(child);
	else
		r = make_pipes(child, parent);
	memcpy(spec.stdio, child, sizeof(child));
	if (r >= 0)
		r = exec_helper_spawn(&spec, &s->helper, &sock);
	close_fds(child);
	if (r < 0) {
		close_fds(parent);
		s->fail = xasprintf("Failed to start the command: %s", strerror(-r));
		finish(s);
		return;
	}
	s->helper_sock = sock;
	uv_poll_init(the_daemon->loop, &s->helper_poll, sock);
	s->helper_poll.data = s;
	s->helper_open = true;
	uv_poll_start(&s->helper_poll, UV_READABLE, helper_poll_cb);
	if (parent[0] >= 0) {
		uv_pipe_init(the_daemon->loop, &s->in, 0);
		if (uv_pipe_open(&s->in, parent[0]) == 0)
			s->in_open = true;
		else
			close(parent[0]);
		(void)open_stream(s, 0, parent[1], WS_STDOUT);
		(void)open_stream(s, 1, parent[2], WS_STDERR);
	}
}

static bool all_connected(const struct session *s)
{
	for (int i = 0; i < _WS_MAX; i++)
		if (s->needed[i] && !s->ws[i])
			return false;
	return true;
}

static void connect_timeout_cb(uv_timer_t *t)
{
	struct session *s = t->data;

	if (s->started || s->helper_open || s->finished)
		return;
	s->fail = xstrdup("Timed out waiting for the websockets to connect");
	finish(s);
}

/* websockets */

static void stdin_shutdown_cb(uv_shutdown_t *req, int status)
{
	struct session *s = req->data;

	session_unref(s);
	close_handle(s, (uv_handle_t *)&s->in, &s->in_open);
}

/* End of the command's stdin once what is queued is written. */
static void stdin_close(struct session *s)
{
	if (!s->in_open)
		return;
	s->stdin_shutdown.data = s;
	s->refs++;
	if (uv_shutdown(&s->stdin_shutdown, (uv_stream_t *)&s->in, stdin_shutdown_cb) < 0) {
		session_unref(s);
		close_handle(s, (uv_handle_t *)&s->in, &s->in_open);
	}
}

static void stdin_write(struct session *s, const void *data, size_t len)
{
	uv_write_t *w;
	uv_buf_t b;

	if (len == 0)
		return;
	if (s->req.interactive) {
		if (s->pty_fd >= 0 && s->out[0].open)
			(void)loop_write(s->pty_fd, data, len);
		return;
	}
	if (!s->in_open)
		return;
	w = xmalloc(sizeof(*w));
	b = uv_buf_init(xmalloc(len), (unsigned)len);
	memcpy(b.base, data, len);
	w->data = b.base;
	if (uv_write(w, (uv_stream_t *)&s->in, &b, 1, write_done_cb) < 0) {
		free(b.base);
		free(w);
	}
}

static void stdin_data(struct session *s, const void *data, size_t len, bool binary)
{
	if (!s->started) {
		/* the client writes as soon as fd 0 is connected: keep it until we run */
		if (!binary && len == 0) {
			s->stdin_eof = true;
		} else if (s->stdin_len + len <= STDIN_EARLY_MAX) {
			s->stdin_buf = xrealloc(s->stdin_buf, s->stdin_len + len + 1);
			memcpy(s->stdin_buf + s->stdin_len, data, len);
			s->stdin_len += len;
		}
		return;
	}
	if (!binary && len == 0) {
		/* LXD's barrier: the client's stdin is at its end */
		if (!s->req.interactive)
			stdin_close(s);
		return;
	}
	stdin_write(s, data, len);
}

/* Called once the command runs: hand over what came early. */
static void stdin_flush_early(struct session *s)
{
	stdin_write(s, s->stdin_buf, s->stdin_len);
	s->stdin_buf = mfree_ptr(s->stdin_buf);
	s->stdin_len = 0;
	if (s->stdin_eof && !s->req.interactive)
		stdin_close(s);
}

static void send_signal(struct session *s, int signo)
{
	struct exec_msg m = { .type = EXEC_MSG_SIGNAL, .value = signo };

	if (s->helper_open)
		(void)send(s->helper_sock, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void control_message(struct session *s, const char *text, size_t len)
{
	_cleanup_json_ json_t *j = json_loadb(text, len, 0, NULL);
	const char *cmd = json_string_value(json_object_get(j, "command"));
	json_t *args = json_object_get(j, "args");
	unsigned w = 0, h = 0;

	if (streq_ptr(cmd, "window-resize")) {
		(void)safe_atou(json_string_value(json_object_get(args, "width")) ?: "", &w);
		(void)safe_atou(json_string_value(json_object_get(args, "height")) ?: "", &h);
		set_winsize(s, w, h);
	} else if (streq_ptr(cmd, "signal")) {
		json_int_t sig = json_integer_value(json_object_get(j, "signal"));

		if (sig > 0 && sig < 65)
			send_signal(s, (int)sig);
	}
}

static void control_data(struct session *s, const void *data, size_t len, bool first, bool final)
{
	if (first)
		s->control_len = 0;
	if (s->control_len + len > CONTROL_MAX)
		return;
	s->control_buf = xrealloc(s->control_buf, s->control_len + len + 1);
	memcpy(s->control_buf + s->control_len, data, len);
	s->control_len += len;
	if (final)
		control_message(s, s->control_buf, s->control_len);
}

static int ws_index(const struct session *s, const struct ws_conn *c)
{
	for (int i = 0; i < _WS_MAX; i++)
		if (s->ws[i] == c)
			return i;
	return -1;
}

static void ws_receive(struct ws_conn *c, const void *data, size_t len, bool binary, bool first,
		       bool final)
{
	struct session *s = c->userdata;
	int i = s ? ws_index(s, c) : -1;

	log_debug("exec websocket %d: %zu bytes, %s", i, len, binary ? "binary" : "text");
	if (i == WS_STDIN)
		stdin_data(s, data, len, binary);
	else if (i == WS_CONTROL && !binary)
		control_data(s, data, len, first, final);
}

static void ws_closed(struct ws_conn *c)
{
	struct session *s = c->userdata;
	int i = s ? ws_index(s, c) : -1;

	if (i < 0)
		return;
	s->ws[i] = NULL;
	/* the control socket going away while the command runs kills it, as in LXD */
	if (i == WS_CONTROL && !s->finished && s->started)
		send_signal(s, SIGKILL);
}

static const struct ws_ops exec_ws_ops = {
	.receive = ws_receive,
	.closed = ws_closed,
};

int exec_ws_attach(struct ws_conn *c, const char *op_id, const char *query)
{
	struct operation *op = operation_find(op_id);
	struct session *s;
	_cleanup_strv_free_ char **args = strv_split(query ? query : "", "&");
	const char *secret = NULL;

	if (!op || op->class != OP_CLASS_WEBSOCKET || !op->userdata)
		return -ENOENT;
	s = op->userdata;
	STRV_FOREACH(a, args)
		if (startswith(*a, "secret="))
			secret = *a + 7;
	for (int i = 0; secret && i < _WS_MAX; i++) {
		if (!s->needed[i] && i != WS_CONTROL)
			continue;
		if (!streq(secret, s->secrets[i]) || s->ws[i] || s->finished)
			continue;
		s->ws[i] = c;
		c->ops = &exec_ws_ops;
		c->userdata = s;
		if (!s->started && !s->helper_open && all_connected(s))
			start_command(s);
		return 0;
	}
	return -EPERM;
}

/* the session's life */

static void session_free_cb(void *userdata)
{
	struct session *s = userdata;

	for (int i = 0; i < _WS_MAX; i++) {
		if (!s->ws[i])
			continue;
		s->ws[i]->userdata = NULL;
		ws_close(s->ws[i]);
		s->ws[i] = NULL;
	}
	if (!s->finished) {
		/* only at daemon exit: kill the command through its helper */
		send_signal(s, SIGKILL);
	}
	for (int i = 0; i < 2; i++)
		close_handle(s, (uv_handle_t *)&s->out[i].pipe, &s->out[i].open);
	close_handle(s, (uv_handle_t *)&s->in, &s->in_open);
	close_helper(s);
	close_handle(s, (uv_handle_t *)&s->timer, &s->timer_open);
	session_unref(s);
}

struct operation *exec_session_new(struct exec_request *req, json_t *environment)
{
	struct session *s = xzalloc(sizeof(*s));
	json_t *fds = json_object(), *cmd = json_array();
	struct operation *op;

	s->req = *req;
	*req = (struct exec_request){ 0 };
	s->refs = 1;
	s->pty_fd = -1;
	s->helper_sock = -EBADF;
	s->needed[WS_STDIN] = s->req.wait_for_websocket;
	s->needed[WS_STDOUT] = s->needed[WS_STDERR] = s->req.wait_for_websocket && !s->req.interactive;
	for (int i = 0; i < _WS_MAX; i++) {
		static const char *const keys[_WS_MAX] = { "0", "1", "2", "control" };

		util_secret(s->secrets[i]);
		if (s->needed[i] || (i == WS_CONTROL && s->req.wait_for_websocket))
			json_object_set_new(fds, keys[i], json_string(s->secrets[i]));
	}
	STRV_FOREACH(a, s->req.argv)
		json_array_append_new(cmd, json_string(*a));
	op = operation_new(OP_CLASS_WEBSOCKET, "Executing command",
			   json_pack("{s:[o]}", "instances",
				     json_sprintf("/1.0/instances/%s", s->req.instance)));
	op->metadata = json_pack("{s:o, s:o, s:o, s:b}", "command", cmd, "environment",
				 environment, "fds", fds, "interactive", s->req.interactive);
	op->userdata = s;
	op->free_userdata = session_free_cb;
	s->op = op;
	uv_timer_init(the_daemon->loop, &s->timer);
	s->timer.data = s;
	s->timer_open = true;
	operation_set_running(op);
	if (s->req.wait_for_websocket)
		uv_timer_start(&s->timer, connect_timeout_cb, CONNECT_TIMEOUT_MS, 0);
	else
		start_command(s);
	return op;
}
