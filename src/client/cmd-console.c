/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove console NAME [--show-log]: attach to the instance's console as
 * `lxc console` does: POST /1.0/instances/<name>/console {"width","height",
 * "type":"console"}, then the control and "0" websockets of the operation,
 * raw terminal, window resizes; <ctrl>+a q detaches. --show-log prints the
 * console log (GET .../console, a raw body).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "http.h"
#include "session.h"

static int show_log(const char *path, struct cove_error *err)
{
	_cleanup_free_ char *url = xasprintf("%s/console", path);
	struct http_request req = {.method = "GET", .path = url};
	struct http_response h = {};
	struct api_response ar = {};
	int r;

	r = http_do(&req, &h, err);
	if (r < 0)
		return r;
	if (h.status == 200)
		fwrite(h.body, 1, h.len, stdout);
	else
		r = api_parse(h.status, h.body, url, &ar, err);
	api_response_done(&ar);
	http_response_done(&h);
	return r < 0 ? r : 0;
}

static int attach(const char *path, struct cove_error *err)
{
	_cleanup_free_ char *url = xasprintf("%s/console", path);
	struct session s = {.sigfd = -EBADF, .interactive = true, .detach_keys = true};
	int w, h, r;
	json_t *req;

	session_window_size(&w, &h);
	req = json_pack("{si si ss}", "width", w, "height", h, "type", "console");
	r = api_op_start("POST", url, req, NULL, &s.op, err);
	json_decref(req);
	if (r >= 0 && !s.op.op)
		r = cove_err(err, -EBADMSG,
			     "The server did not start an operation for the console");
	if (r >= 0)
		r = session_open_streams(&s, err);
	if (r >= 0 && session_setup_signals(&s) < 0)
		r = cove_err(err, -errno, "Failed to set up signal handling: %m");
	if (r >= 0) {
		printf("To detach from the console, press: <ctrl>+a q\n\r");
		fflush(stdout);
		if (isatty(STDIN_FILENO))
			session_make_raw(&s);
		r = session_io_loop(&s);
		if (r < 0)
			r = cove_err(err, r, "Failed to forward the console: %s", strerror(-r));
	}
	session_done(&s);
	return r;
}

int cmd_console(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {{"show-log", no_argument, NULL, 'l'},
					     {"type", required_argument, NULL, 't'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	_cleanup_free_ char *path = NULL;
	bool log = false;
	const char *name;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "t:h", opts, err)) != -1) {
		if (r < 0)
			return r;
		if (r == 'l')
			log = true;
		else if (r == 't' && strcmp(optarg, "console") != 0)
			return cove_err(err, -EOPNOTSUPP, "Unknown console type %s", optarg);
	}
	r = client_check_args(argc - optind, 1, 1, "cove console [<remote>:]<instance> [flags]",
			      err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = client_local_name(argv[optind], &name, err);
	if (r < 0)
		return r;
	path = api_instance_path(name);
	return log ? show_log(path, err) : attach(path, err);
}
