/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove monitor [--type TYPE]... [--format yaml|json] [--pretty [--loglevel L]]:
 * the /1.0/events websocket, printed until interrupted or until the daemon
 * closes it. As in `lxc monitor`, the stream is unfiltered and --type
 * filters client side; keys are sorted (the Go client prints a generic
 * map); YAML events are followed by a blank line, JSON events are one line
 * each. --pretty prints logging events as lxc does, in logrus's text
 * format (time="..." level=... msg="..." key=value), those below
 * --loglevel (default: all) left out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
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

/* debug < info < warning < error < fatal; -1: unknown */
static int level_rank(const char *l)
{
	static const char *const names[] = {"trace", "debug", "info", "warning", "error", "fatal", "panic"};

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (streq(l, names[i]))
			return (int)i;
	if (streq(l, "warn"))
		return 3;
	return -1;
}

/* A value as logrus writes it: bare when made of safe characters, else Go-quoted. */
static void print_logfmt_value(const char *s)
{
	bool bare = *s != 0;

	for (const char *c = s; *c && bare; c++)
		bare = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		       strchr("-._/@^+", *c);
	if (bare) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (const char *c = s; *c; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", stdout);
		else if (*c == '\t')
			fputs("\\t", stdout);
		else if ((unsigned char)*c < 0x20)
			printf("\\x%02x", (unsigned char)*c);
		else
			putchar(*c);
	}
	putchar('"');
}

/* A logging event as lxc --pretty prints it; false when it is below min_level. */
static bool print_pretty(json_t *ev, int min_level)
{
	json_t *meta = json_object_get(ev, "metadata");
	json_t *ctx = sorted_copy(json_object_get(meta, "context") ?: json_object());
	const char *lvl = json_string_value(json_object_get(meta, "level")) ?: "info";
	const char *ts = json_string_value(json_object_get(ev, "timestamp")) ?: "";
	size_t sec = strlen(ts) >= 19 ? 19 : strlen(ts); /* 2006-01-02T15:04:05 */
	_cleanup_free_ char *t = xstrndup(ts, sec);
	const char *zone = ts + sec, *k;
	json_t *v;

	if (level_rank(lvl) < min_level) {
		json_decref(ctx);
		return false;
	}
	/* RFC 3339 to the second, the server's zone kept (Z for UTC) */
	if (*zone == '.')
		zone += 1 + strspn(zone + 1, "0123456789");
	printf("time=\"%s%s\" level=%s msg=", t, zone, lvl);
	print_logfmt_value(json_string_value(json_object_get(meta, "message")) ?: "");
	json_object_foreach (ctx, k, v) {
		printf(" %s=", k);
		print_logfmt_value(json_string_value(v) ?: "");
	}
	printf("\n");
	fflush(stdout);
	json_decref(ctx);
	return true;
}

static int watch(struct ws_conn *ws, char **types, bool json, int pretty_level)
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
		if (ev && (!types || (type && strv_contains(types, type)))) {
			if (pretty_level >= 0 && streq_ptr(type, "logging"))
				print_pretty(ev, pretty_level);
			else
				print_event(ev, json);
		}
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
	bool json = false, pretty = false, level_set = false;
	int r, level = level_rank("trace");

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
		} else if (r == 'p')
			pretty = true;
		else if (r == 'l') {
			level = level_rank(optarg);
			level_set = true;
			if (level < 0)
				return cove_err(err, -EINVAL, "not a valid logrus Level: \"%s\"", optarg);
		}
	}
	if (level_set && !pretty)
		return cove_err(err, -EINVAL, "Log level filtering can only be used with pretty formatting");
	r = ws_connect(http_socket_path(), "/1.0/events", &ws, err);
	if (r < 0)
		return r;
	r = watch(ws, types, json, pretty ? level : -1);
	if (r < 0)
		return cove_err(err, r, "Failed to read events: %s", strerror(-r));
	return 0;
}
