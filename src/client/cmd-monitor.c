/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove monitor [--type TYPE]... [--format yaml|json]: the /1.0/events
 * websocket, printed until interrupted or until the daemon closes it. As in
 * `lxc monitor`, the stream is unfiltered and --type filters client side;
 * keys are sorted (the Go client prints a generic map); YAML events are
 * followed by a blank line, JSON events are one line each.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "client.h"
#include "format.h"
#include "http.h"
#include "strutil.h"
#include "strv.h"
#include "ws.h"
#include "yaml.h"

static json_t *sorted_copy(json_t *v)
{
	_cleanup_free_ char *s = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);

	return json_loads(s, JSON_DECODE_ANY, NULL);
}

static void print_event(json_t *ev, bool json)
{
	json_t *s = sorted_copy(ev);

	if (json)
		format_json(stdout, s);
	else {
		_cleanup_free_ char *y = yaml_dump(s);
		printf("%s\n\n", y);
	}
	fflush(stdout);
	json_decref(s);
}

static int watch(struct ws_conn *ws, char **types, bool json)
{
	struct ws_frame f;
	int r;

	for (;;) {
		r = ws_recv(ws, &f, -1);
		if (r <= 0 || f.opcode == WS_OP_CLOSE)
			return r < 0 ? r : 0;
		if (f.opcode != WS_OP_TEXT)
			continue;
		json_t *ev = json_loadb((const char *)f.data, f.len, 0, NULL);
		const char *type = json_string_value(json_object_get(ev, "type"));
		if (ev && (!types || (type && strv_contains(types, type))))
			print_event(ev, json);
		json_decref(ev);
	}
}

int cmd_monitor(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {
	    {"type", required_argument, NULL, 't'}, {"format", required_argument, NULL, 'f'},
	    {"pretty", no_argument, NULL, 'p'},	    {"loglevel", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},	    {}};
	_cleanup_strv_free_ char **types = NULL;
	_cleanup_(ws_freep) struct ws_conn *ws = NULL;
	bool json = false;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "f:h", opts, err)) != -1) {
		if (r < 0)
			return r;
		if (r == 't') {
			_cleanup_strv_free_ char **l = strv_split(optarg, ",");
			STRV_FOREACH (t, l)
				strv_push_dup(&types, *t);
		} else if (r == 'f') {
			if (!streq(optarg, "json") && !streq(optarg, "yaml"))
				return cove_err(err, -EINVAL, "Invalid format: %s", optarg);
			json = streq(optarg, "json");
		}
	}
	r = ws_connect(http_socket_path(), "/1.0/events", &ws, err);
	if (r < 0)
		return r;
	r = watch(ws, types, json);
	if (r < 0)
		return cove_err(err, r, "Failed to read events: %s", strerror(-r));
	return 0;
}
