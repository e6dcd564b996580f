/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/instances/NAME/console: POST attaches to the console (tty 0, as LXD) of the running
 * container through its monitor (cove_container_console_fds()) and serves
 * it on the operation's websockets ("0": the data, "control": window-resize
 * messages); GET answers the console log (lxc.console.logfile of the
 * generated config, COVE_DIR/containers/NAME/console.log), DELETE empties it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "alloc.h"
#include "cove/container.h"
#include "daemon.h"
#include "db/db.h"
#include "fileio.h"
#include "instances/instance.h"
#include "log.h"
#include "macro.h"
#include "operations.h"
#include "request.h"
#include "router.h"
#include "server.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

LOG_MODULE("console");

#define CONSOLE_LOG_MAX (16u << 20)
#define CONNECT_TIMEOUT_MS 10000

enum { CWS_DATA, CWS_CONTROL, _CWS_MAX };

struct console {
	struct operation *op; /* borrowed: the console is op->userdata */
	char secrets[_CWS_MAX][65];
	struct ws_conn *ws[_CWS_MAX];
	int fd, ctl_fd;
	uv_poll_t *poll; /* owned: freed when closed */
	uv_timer_t *timer; /* owned: the client must connect in time */
	bool finished;
};

static void poll_closed_cb(uv_handle_t *h)
{
	free(h);
}

static void console_stop(struct console *c)
{
	if (c->timer) {
		uv_timer_stop(c->timer);
		uv_close((uv_handle_t *)c->timer, poll_closed_cb);
		c->timer = NULL;
	}
	if (c->poll) {
		uv_poll_stop(c->poll);
		uv_close((uv_handle_t *)c->poll, poll_closed_cb);
		c->poll = NULL;
	}
	c->fd = safe_close(c->fd);
	c->ctl_fd = safe_close(c->ctl_fd);
}

static void console_finish(struct console *c)
{
	if (c->finished)
		return;
	c->finished = true;
	for (int i = 0; i < _CWS_MAX; i++)
		if (c->ws[i]) {
			c->ws[i]->userdata = NULL;
			ws_close(c->ws[i]);
			c->ws[i] = NULL;
		}
	console_stop(c);
	operation_finish(c->op, NULL);
}

static void timeout_cb(uv_timer_t *t)
{
	struct console *c = t->data;

	if (!c->ws[CWS_DATA])
		console_finish(c);
}

static void poll_cb(uv_poll_t *p, int status, int events)
{
	struct console *c = p->data;
	char buf[16384];
	ssize_t n;

	n = status < 0 ? -1 : read(c->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		console_finish(c);
		return;
	}
	if (c->ws[CWS_DATA])
		ws_send(c->ws[CWS_DATA], buf, (size_t)n, true);
}

static void control_message(struct console *c, const void *data, size_t len)
{
	_cleanup_json_ json_t *m = json_loadb(data, len, 0, NULL);
	const json_t *args = json_object_get(m, "args");
	unsigned w = 0, h = 0;
	struct winsize ws = { 0 };

	if (!streq(json_string_value(json_object_get(m, "command")) ?: "", "window-resize"))
		return;
	(void)safe_atou(json_string_value(json_object_get(args, "width")) ?: "", &w);
	(void)safe_atou(json_string_value(json_object_get(args, "height")) ?: "", &h);
	if (w == 0 || h == 0 || w > 0xffff || h > 0xffff)
		return;
	ws.ws_col = (unsigned short)w;
	ws.ws_row = (unsigned short)h;
	(void)ioctl(c->fd, TIOCSWINSZ, &ws);
}

static void ws_receive(struct ws_conn *conn, const void *data, size_t len, bool binary,
		       bool first, bool final)
{
	struct console *c = conn->userdata;

	if (!c || c->finished)
		return;
	if (conn == c->ws[CWS_DATA] && len > 0)
		(void)loop_write(c->fd, data, len);
	else if (conn == c->ws[CWS_CONTROL] && !binary && first && final)
		control_message(c, data, len);
}

static void ws_closed(struct ws_conn *conn)
{
	struct console *c = conn->userdata;

	if (!c)
		return;
	for (int i = 0; i < _CWS_MAX; i++)
		if (c->ws[i] == conn)
			c->ws[i] = NULL;
	/* the client detached (the data or the control socket went away) */
	console_finish(c);
}

static const struct ws_ops console_ws_ops = {
	.receive = ws_receive,
	.closed = ws_closed,
};

static void console_free_cb(void *userdata)
{
	struct console *c = userdata;

	for (int i = 0; i < _CWS_MAX; i++)
		if (c->ws[i]) {
			c->ws[i]->userdata = NULL;
			ws_close(c->ws[i]);
		}
	console_stop(c);
	free(c);
}

int console_ws_attach(struct ws_conn *conn, const char *op_id, const char *query)
{
	struct operation *op = operation_find(op_id);
	_cleanup_strv_free_ char **args = strv_split(query ? query : "", "&");
	const char *secret = NULL;
	struct console *c;

	if (!op || op->free_userdata != console_free_cb || !op->userdata)
		return -ENOENT;
	c = op->userdata;
	STRV_FOREACH(a, args)
		if (startswith(*a, "secret="))
			secret = *a + 7;
	for (int i = 0; secret && i < _CWS_MAX; i++) {
		if (!streq(secret, c->secrets[i]) || c->ws[i] || c->finished)
			continue;
		c->ws[i] = conn;
		conn->ops = &console_ws_ops;
		conn->userdata = c;
		if (i == CWS_DATA && !c->poll) {
			c->poll = xzalloc(sizeof(*c->poll));
			uv_poll_init(the_daemon->loop, c->poll, c->fd);
			c->poll->data = c;
			uv_poll_start(c->poll, UV_READABLE | UV_DISCONNECT, poll_cb);
		}
		return 0;
	}
	return -EPERM;
}

static int console_open(const char *name, struct console *c, struct cove_error *err)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	int tty = 0, r;

	r = cove_container_new(the_daemon->lxcpath, name, &ct, err);
	if (r < 0)
		return r;
	r = cove_container_console_fds(ct, 0, &c->fd, &tty, &c->ctl_fd, err);
	if (r < 0)
		return r;
	(void)fd_nonblock(c->fd, true);
	return 0;
}

static void console_post(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	struct cove_error err = { 0 };
	struct db_instance i = { 0 };
	struct instance_state st;
	const json_t *type;
	struct console *c;
	struct operation *op;
	int r;

	if (!body)
		return;
	r = db_instance_get(the_daemon->db, params[0], &i, &err);
	db_instance_clear(&i);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	type = json_object_get(body, "type");
	if (type && !json_is_null(type) &&
	    (!json_is_string(type) || !(streq(json_string_value(type), "console") ||
					streq(json_string_value(type), "")))) {
		reply_error(req, 400, "Unknown console type %s",
			    json_is_string(type) ? json_string_value(type) : "(not a string)");
		return;
	}
	instance_state_get(params[0], &st);
	if (st.state != COVE_STATE_RUNNING) {
		reply_error(req, 400, "Instance is not running");
		return;
	}
	c = xzalloc(sizeof(*c));
	c->fd = c->ctl_fd = -EBADF;
	r = console_open(params[0], c, &err);
	if (r < 0) {
		free(c);
		reply_errno(req, r, err.msg);
		return;
	}
	{
		struct winsize ws = {
			.ws_col = (unsigned short)json_integer_value(json_object_get(body, "width")),
			.ws_row = (unsigned short)json_integer_value(json_object_get(body, "height")),
		};

		if (ws.ws_col && ws.ws_row)
			(void)ioctl(c->fd, TIOCSWINSZ, &ws);
	}
	util_secret(c->secrets[CWS_DATA]);
	util_secret(c->secrets[CWS_CONTROL]);
	op = operation_new(OP_CLASS_WEBSOCKET, "Showing console", operation_instance_resources(params[0]));
	op->metadata = json_pack("{s:{s:s, s:s}}", "fds", "0", c->secrets[CWS_DATA], "control",
				 c->secrets[CWS_CONTROL]);
	op->userdata = c;
	op->free_userdata = console_free_cb;
	c->op = op;
	c->timer = xzalloc(sizeof(*c->timer));
	uv_timer_init(the_daemon->loop, c->timer);
	c->timer->data = c;
	uv_timer_start(c->timer, timeout_cb, CONNECT_TIMEOUT_MS, 0);
	operation_set_running(op);
	reply_async(req, op);
}

static char *log_path(const char *name)
{
	return xasprintf("%s/%s/console.log", the_daemon->lxcpath, name);
}

static void console_log(struct request *req, char **params)
{
	_cleanup_free_ char *path = log_path(params[0]), *data = NULL;
	struct cove_error err = { 0 };
	struct db_instance i = { 0 };
	size_t len = 0;
	int r;

	r = db_instance_get(the_daemon->db, params[0], &i, &err);
	db_instance_clear(&i);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	r = read_full_file(path, CONSOLE_LOG_MAX, &data, &len);
	if (r < 0 && r != -ENOENT) {
		reply_error(req, 500, "Failed to read the console log: %s", strerror(-r));
		return;
	}
	reply_bytes(req, "application/octet-stream", data ?: "", r < 0 ? 0 : len);
}

static void console_log_clear(struct request *req, char **params)
{
	_cleanup_free_ char *path = log_path(params[0]);
	struct cove_error err = { 0 };
	struct db_instance i = { 0 };
	int r;

	r = db_instance_get(the_daemon->db, params[0], &i, &err);
	db_instance_clear(&i);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	if (truncate(path, 0) < 0 && errno != ENOENT) {
		reply_error(req, 500, "Failed to clear the console log: %m");
		return;
	}
	reply_sync(req, json_object());
}

/* /1.0/instances/NAME/logs[/FILE]: lxc.log (and console.log), as `lxc info --show-log` reads them. */
static bool log_name_ok(const char *f)
{
	if (!endswith(f, ".log") || startswith(f, "."))
		return false;
	for (const char *p = f; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p))
			return false;
	return true;
}

static void logs_list(struct request *req, char **params)
{
	struct cove_error err = { 0 };
	struct db_instance i = { 0 };
	int r = db_instance_get(the_daemon->db, params[0], &i, &err);

	db_instance_clear(&i);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	reply_sync(req, json_pack("[o, o]", json_sprintf("/1.0/instances/%s/logs/lxc.log", params[0]),
				  json_sprintf("/1.0/instances/%s/logs/console.log", params[0])));
}

static void logs_get(struct request *req, char **params)
{
	_cleanup_free_ char *path = NULL, *data = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct cove_error err = { 0 };
	struct db_instance i = { 0 };
	size_t len = 0;
	int r = db_instance_get(the_daemon->db, params[0], &i, &err);

	db_instance_clear(&i);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	if (!log_name_ok(params[1])) {
		reply_error(req, 400, "Invalid log file name");
		return;
	}
	path = xasprintf("%s/%s/%s", the_daemon->lxcpath, params[0], params[1]);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		reply_error(req, 404, "not found");
		return;
	}
	r = read_full_fd(fd, CONSOLE_LOG_MAX, &data, &len);
	if (r < 0) {
		reply_error(req, 500, "Failed to read the log: %s", strerror(-r));
		return;
	}
	reply_bytes(req, "application/octet-stream", data ?: "", len);
}

const struct route api_console_routes[] = {
	{ HTTP_GET, "/1.0/instances/*/logs", logs_list },
	{ HTTP_GET, "/1.0/instances/*/logs/*", logs_get },
	{ HTTP_POST, "/1.0/instances/*/console", console_post },
	{ HTTP_GET, "/1.0/instances/*/console", console_log },
	{ HTTP_DELETE, "/1.0/instances/*/console", console_log_clear },
	{ 0, NULL, NULL },
};
