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
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "client-internal.h"
#include "fileio.h"
#include "http.h"
#include "strutil.h"
#include "strv.h"
#include "session.h"
#include "ws.h"

int exec_parse(int argc, char **argv, struct exec_args *a, struct cove_error *err)
{
	static const struct option opts[] = {{"env", required_argument, NULL, 'e'},
					     {"user", required_argument, NULL, 'u'},
					     {"group", required_argument, NULL, 'g'},
					     {"cwd", required_argument, NULL, 'c'},
					     {"force-interactive", no_argument, NULL, 't'},
					     {"force-noninteractive", no_argument, NULL, 'T'},
					     {"disable-stdin", no_argument, NULL, 'n'},
					     {"mode", required_argument, NULL, 'm'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	int r;

	*a = (struct exec_args){.env = json_object()};
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
				return cove_err(err, -EINVAL,
						"invalid argument \"%s\" for \"--%s\" flag", optarg,
						r == 'u' ? "user" : "group");
			*(r == 'u' ? &a->user : &a->group) = (int)u;
			break;
		case 'c':
			a->cwd = optarg;
			break;
		case 't':
			a->mode = 1;
			break;
		case 'T':
			a->mode = -1;
			break;
		case 'n':
			a->no_stdin = true;
			break;
		case 'm':
			if (!streq(optarg, "auto") && !streq(optarg, "interactive") &&
			    !streq(optarg, "non-interactive"))
				return cove_err(err, -EINVAL, "Invalid mode '%s'", optarg);
			a->mode = streq(optarg, "interactive") ? 1 : streq(optarg, "auto") ? 0 : -1;
			break;
		default:
			break;
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

	STRV_FOREACH (c, a->command)
		json_array_append_new(cmd, json_string(*c));
	if (!isempty(term))
		json_object_set_new(env, "TERM", json_string(term));
	json_object_update(env, a->env);
	return json_pack("{so sb sb so si si sb si si ss}", "command", cmd, "wait-for-websocket", 1,
			 "interactive", interactive, "environment", env, "width", width, "height",
			 height, "record-output", 0, "user", a->user, "group", a->group, "cwd",
			 a->cwd ?: "");
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
	struct session s = {.sigfd = -EBADF};
	int w = 0, h = 0, r;
	json_t *req;

	s.interactive =
	    a->mode > 0 || (a->mode == 0 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO));
	if (s.interactive)
		session_window_size(&w, &h);
	epath = xasprintf("%s/exec", path);
	req = exec_request(a, s.interactive, w, h);
	r = api_op_start("POST", epath, req, NULL, &s.op, err);
	json_decref(req);
	if (r >= 0 && !s.op.op)
		r = cove_err(err, -EBADMSG, "The server did not start an operation for exec");
	if (r >= 0)
		r = session_open_streams(&s, err);
	if (r >= 0 && session_setup_signals(&s) < 0)
		r = cove_err(err, -errno, "Failed to set up signal handling: %m");
	if (r >= 0) {
		if (a->no_stdin)
			(void)ws_send(s.ws[0], WS_OP_TEXT, "", 0), s.stdin_done = true;
		if (s.interactive && isatty(STDIN_FILENO))
			session_make_raw(&s);
		r = session_io_loop(&s);
		if (s.raw)
			(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &s.saved), s.raw = false;
		if (r < 0)
			r = cove_err(err, r, "Failed to forward the exec streams: %s",
				     strerror(-r));
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
