/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove network list|show|create|set|unset|get|edit|delete|rename|
 * list-leases|info|attach|detach|attach-profile|detach-profile: /1.0/networks
 * as `lxc network` shows and changes them.
 */
#include <errno.h>
#include <getopt.h>
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
#include "yaml.h"

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

static int net_rename(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	int r;

	r = client_check_args(argc - 1, 2, 2, "cove network rename <network> <new-name>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	path = net_path(argv[1]);
	r = sync_call("POST", path, json_pack("{ss}", "name", argv[2]), NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Network %s renamed to %s\n", argv[1], argv[2]);
	return r;
}

static int net_edit(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL, *etag = NULL;
	json_t *n = NULL, *neu = NULL, *cur;
	int r;

	r = client_check_args(argc - 1, 1, 1, "cove network edit <network>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	path = net_path(argv[1]);
	r = api_get(path, &n, &etag, err);
	if (r < 0)
		return r;
	cur = json_pack("{sO sO sO sO}", "config", json_object_get(n, "config"), "description",
			json_object_get(n, "description") ?: json_string(""), "name",
			json_object_get(n, "name"), "type", json_object_get(n, "type"));
	json_decref(n);
	r = config_edit_text(cur, &neu, err);
	json_decref(cur);
	if (r < 0)
		return r;
	yaml_stringify_values(json_object_get(neu, "config"));
	r = sync_call("PUT", path,
		      json_pack("{sO sO}", "config", json_object_get(neu, "config") ?: json_object(),
				"description", json_object_get(neu, "description") ?: json_string("")),
		      NULL, err);
	json_decref(neu);
	return r;
}

static int net_leases(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {}};
	_cleanup_(table_done) struct table t = {};
	_cleanup_free_ char *path = NULL, *e = NULL;
	enum format fmt = FORMAT_TABLE;
	json_t *list = NULL, *l;
	size_t i;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "f:", opts, err)) != -1) {
		if (r < 0)
			return r;
		fmt = format_from_string(optarg);
		if ((int)fmt < 0)
			return cove_err(err, -EINVAL, "Invalid format \"%s\"", optarg);
	}
	r = client_check_args(argc - optind, 1, 1, "cove network list-leases <network>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	e = http_escape(argv[optind]);
	path = xasprintf("/1.0/networks/%s/leases", e);
	r = api_get(path, &list, NULL, err);
	if (r < 0)
		return r;
	t.header = strv_split("HOSTNAME,MAC ADDRESS,IP ADDRESS,TYPE", ",");
	json_array_foreach (list, i, l) {
		char **row = NULL;

		strv_push_dup(&row, str(l, "hostname"));
		strv_push_dup(&row, str(l, "hwaddr"));
		strv_push_dup(&row, str(l, "address"));
		strv_push(&row, upper(str(l, "type")));
		table_add_row(&t, row);
	}
	table_sort(&t, 0);
	r = format_render(stdout, fmt, &t, list, err);
	json_decref(list);
	return r;
}

static int net_info(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL, *e = NULL;
	json_t *st = NULL, *a, *c;
	size_t i;
	int r;

	r = client_check_args(argc - 1, 1, 1, "cove network info <network>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	e = http_escape(argv[1]);
	path = xasprintf("/1.0/networks/%s/state", e);
	r = api_get(path, &st, NULL, err);
	if (r < 0)
		return r;
	printf("Name: %s\n", argv[1]);
	printf("MAC address: %s\n", str(st, "hwaddr"));
	printf("MTU: %lld\n", json_integer_value(json_object_get(st, "mtu")));
	printf("State: %s\n", str(st, "state"));
	printf("Type: %s\n", str(st, "type"));
	if (json_array_size(json_object_get(st, "addresses")) > 0) {
		printf("\nIP addresses:\n");
		json_array_foreach (json_object_get(st, "addresses"), i, a)
			printf("  %s\t%s/%s (%s)\n", str(a, "family"), str(a, "address"),
			       str(a, "netmask"), str(a, "scope"));
	}
	c = json_object_get(st, "counters");
	printf("\nNetwork usage:\n");
	printf("  Bytes received: %lldB\n", json_integer_value(json_object_get(c, "bytes_received")));
	printf("  Bytes sent: %lldB\n", json_integer_value(json_object_get(c, "bytes_sent")));
	printf("  Packets received: %lld\n",
	       json_integer_value(json_object_get(c, "packets_received")));
	printf("  Packets sent: %lld\n", json_integer_value(json_object_get(c, "packets_sent")));
	json_decref(st);
	return 0;
}

/* attach[-profile] NETWORK TARGET [DEVICE [INTERFACE]], detach[-profile] NETWORK TARGET [DEVICE] */
static int net_attach(int argc, char **argv, struct cove_error *err)
{
	bool profile = endswith(argv[0], "-profile"), detach = startswith(argv[0], "detach");
	_cleanup_free_ char *net = NULL, *ifname = NULL;
	bool quiet = arg_quiet;
	char *a[8];
	int n = 0, r;

	r = client_check_args(argc - 1, 2, detach ? 3 : 4,
			      detach ? "cove network detach[-profile] <network> <target> [<device>]"
				     : "cove network attach[-profile] <network> <target> [<device> "
				       "[<interface>]]",
			      err);
	if (r != 0)
		return r > 0 ? 0 : r;
	net = xasprintf("network=%s", argv[1]);
	a[n++] = (char *)"device";
	a[n++] = (char *)(detach ? "remove" : "add");
	a[n++] = argv[2];
	a[n++] = argc > 3 ? argv[3] : argv[1];
	if (!detach) {
		a[n++] = (char *)"nic";
		a[n++] = net;
		if (argc > 4)
			a[n++] = ifname = xasprintf("name=%s", argv[4]);
	}
	a[n] = NULL;
	arg_quiet = true;
	r = profile ? profile_device(n, a, err) : config_device(n, a, err);
	arg_quiet = quiet;
	return r;
}

int cmd_network(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
	    {"acl", cmd_network_acl, "Manage network ACLs"},
	    {"attach", net_attach, "Attach network interfaces to instances"},
	    {"attach-profile", net_attach, "Attach network interfaces to profiles"},
	    {"create", net_create, "Create new networks"},
	    {"delete", net_delete, "Delete networks"},
	    {"detach", net_attach, "Detach network interfaces from instances"},
	    {"detach-profile", net_attach, "Detach network interfaces from profiles"},
	    {"edit", net_edit, "Edit network configurations as YAML"},
	    {"get", net_config, "Get values for network configuration keys"},
	    {"info", net_info, "Get runtime information on networks"},
	    {"list", net_list, "List available networks"},
	    {"list-leases", net_leases, "List DHCP leases"},
	    {"rename", net_rename, "Rename networks"},
	    {"set", net_config, "Set network configuration keys"},
	    {"show", net_show, "Show network configurations"},
	    {"unset", net_config, "Unset network configuration keys"},
	    {}};
	return client_subcommand(sub, "network", argc, argv, err);
}
