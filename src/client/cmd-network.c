/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove network list|show: /1.0/networks as `lxc network` shows them
 * (NAME, TYPE, MANAGED, IPV4, IPV6, DESCRIPTION, USED BY, STATE).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "client-internal.h"
#include "format.h"
#include "http.h"
#include "strutil.h"
#include "strv.h"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

static char *upper(const char *s)
{
	char *u = xstrdup(s);

	for (char *p = u; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	return u;
}

int network_list_render(json_t *list, enum format fmt, struct cove_error *err)
{
	_cleanup_(table_done) struct table t = {};
	json_t *p;
	size_t i;
	int r;

	t.header = strv_split("NAME,TYPE,MANAGED,IPV4,IPV6,DESCRIPTION,USED BY,STATE", ",");
	json_array_foreach (list, i, p) {
		char **row = NULL;
		/* lxc does not list loopback and unknown interfaces */
		if (streq(str(p, "type"), "loopback") || streq(str(p, "type"), "unknown"))
			continue;
		strv_push_dup(&row, str(p, "name"));
		strv_push_dup(&row, str(p, "type"));
		strv_push_dup(&row, json_is_true(json_object_get(p, "managed")) ? "YES" : "NO");
		strv_push_dup(&row, str(json_object_get(p, "config"), "ipv4.address"));
		strv_push_dup(&row, str(json_object_get(p, "config"), "ipv6.address"));
		strv_push_dup(&row, str(p, "description"));
		strv_push(&row, xasprintf("%zu", json_array_size(json_object_get(p, "used_by"))));
		strv_push(&row, upper(str(p, "status")));
		table_add_row(&t, row);
	}
	table_sort(&t, 0);
	r = format_render(stdout, fmt, &t, list, err);
	return r;
}

static int net_list(int argc, char **argv, struct cove_error *err)
{
	return client_list_cmd(argc, argv, "/1.0/networks?recursion=1", network_list_render, err);
}

static int net_show(int argc, char **argv, struct cove_error *err)
{
	return client_show_cmd(argc, argv, "/1.0/networks", "cove network show [<remote>:]<network>",
			       err);
}

static char *net_path(const char *name)
{
	_cleanup_free_ char *e = http_escape(name);

	return xasprintf("/1.0/networks/%s", e);
}

static int sync_call(const char *method, const char *path, json_t *body, const char *etag,
		     struct cove_error *err)
{
	struct api_response resp = {};
	int r = api_request(method, path, body, etag, &resp, err);

	api_response_done(&resp);
	json_decref(body);
	return r;
}

static int kv_config(json_t *cfg, int argc, char **argv, struct cove_error *err)
{
	if (argc == 2 && !strchr(argv[0], '=')) {
		json_object_set_new(cfg, argv[0], json_string(argv[1]));
		return 0;
	}
	for (int i = 0; i < argc; i++) {
		_cleanup_free_ char *k = NULL, *v = NULL;
		if (client_split_kv(argv[i], &k, &v) < 0)
			return cove_err(err, -EINVAL, "Bad key=value pair: %s", argv[i]);
		json_object_set_new(cfg, k, json_string(v));
	}
	return 0;
}

static int net_create(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {{"type", required_argument, NULL, 't'},
					     {"description", required_argument, NULL, 'd'},
					     {}};
	const char *type = "", *desc = "";
	json_t *cfg = json_object();
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "t:", opts, err)) != -1) {
		if (r < 0) {
			json_decref(cfg);
			return r;
		}
		if (r == 't')
			type = optarg;
		else
			desc = optarg;
	}
	r = client_check_args(argc - optind, 1, -1, "cove network create <network> [key=value...]",
			      err);
	if (r == 0)
		r = kv_config(cfg, argc - optind - 1, argv + optind + 1, err);
	if (r != 0) {
		json_decref(cfg);
		return r > 0 ? 0 : r;
	}
	r = sync_call("POST", "/1.0/networks",
		      json_pack("{so ss ss ss}", "config", cfg, "description", desc, "name",
				argv[optind], "type", type),
		      NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Network %s created\n", argv[optind]);
	return r;
}

static int net_delete(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	int r;

	r = client_check_args(argc - 1, 1, 1, "cove network delete <network>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	path = net_path(argv[1]);
	r = sync_call("DELETE", path, NULL, NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Network %s deleted\n", argv[1]);
	return r;
}

/* set / unset / get: GET (ETag), change config, PUT with If-Match. */
static int net_config(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL, *etag = NULL;
	bool get = streq(argv[0], "get"), unset = streq(argv[0], "unset");
	json_t *n = NULL, *cfg;
	int r;

	r = client_check_args(argc - 1, 2, get || unset ? 2 : -1,
			      "cove network set|unset|get <network> <key> [<value>]", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	path = net_path(argv[1]);
	r = api_get(path, &n, &etag, err);
	if (r < 0)
		return r;
	cfg = json_object_get(n, "config");
	if (!json_is_object(cfg))
		json_object_set_new(n, "config", cfg = json_object());
	if (get) {
		printf("%s\n", json_string_value(json_object_get(cfg, argv[2])) ?: "");
		json_decref(n);
		return 0;
	}
	if (unset)
		json_object_del(cfg, argv[2]);
	else
		r = kv_config(cfg, argc - 2, argv + 2, err);
	if (r >= 0)
		r = sync_call("PUT", path,
			      json_pack("{sO sO}", "config", cfg, "description",
					json_object_get(n, "description") ?: json_string("")),
			      etag, err);
	json_decref(n);
	return r;
}

int cmd_network(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
	    {"create", net_create, "Create new networks"},
	    {"delete", net_delete, "Delete networks"},
	    {"get", net_config, "Get values for network configuration keys"},
	    {"list", net_list, "List available networks"},
	    {"set", net_config, "Set network configuration keys"},
	    {"show", net_show, "Show network configurations"},
	    {"unset", net_config, "Unset network configuration keys"},
	    {}};
	return client_subcommand(sub, "network", argc, argv, err);
}
