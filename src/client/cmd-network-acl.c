/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove network acl list|show|create|delete|rename|get|set|unset|edit|
 * rule add|rule remove: /1.0/network-acls as `lxc network acl` has them.
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

static const char *const rule_fields[] = { "action",	  "source",	      "destination",
					   "protocol",	  "source_port",      "destination_port",
					   "icmp_type",	  "icmp_code",	      "description",
					   "state",	  NULL };

static char *acl_path(const char *name)
{
	_cleanup_free_ char *e = http_escape(name);

	return xasprintf("/1.0/network-acls/%s", e);
}

static int call(const char *method, const char *path, json_t *body, const char *etag,
		struct cove_error *err)
{
	struct api_response resp = {};
	int r = api_request(method, path, body, etag, &resp, err);

	api_response_done(&resp);
	json_decref(body);
	return r;
}

static int acl_list_render(json_t *list, enum format fmt, struct cove_error *err)
{
	_cleanup_(table_done) struct table t = {};
	json_t *a;
	size_t i;

	t.header = strv_split("NAME,DESCRIPTION,USED BY", ",");
	json_array_foreach (list, i, a) {
		char **row = NULL;

		strv_push_dup(&row, json_string_value(json_object_get(a, "name")) ?: "");
		strv_push_dup(&row, json_string_value(json_object_get(a, "description")) ?: "");
		strv_push(&row, xasprintf("%zu", json_array_size(json_object_get(a, "used_by"))));
		table_add_row(&t, row);
	}
	return format_render(stdout, fmt, &t, list, err);
}

static int acl_list(int argc, char **argv, struct cove_error *err)
{
	return client_list_cmd(argc, argv, "/1.0/network-acls?recursion=1", acl_list_render, err);
}

/* as lxc: rule fields in LXD's struct order, not sorted */
static int acl_show(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	json_t *acl = NULL;
	int r = client_check_args(argc - 1, 1, 1, "cove network acl show <ACL>", err);

	if (r != 0)
		return r > 0 ? 0 : r;
	path = acl_path(argv[1]);
	r = api_get(path, &acl, NULL, err);
	if (r < 0)
		return r;
	client_sort_used_by(acl);
	client_sort_maps(json_object_get(acl, "config"));
	client_print_yaml(acl);
	json_decref(acl);
	return 0;
}

/* key=value pairs into obj; LXD's words for a bad one */
static int kv_into(json_t *obj, int argc, char **argv, struct cove_error *err)
{
	for (int i = 0; i < argc; i++) {
		_cleanup_free_ char *k = NULL, *v = NULL;

		if (client_split_kv(argv[i], &k, &v) < 0)
			return cove_err(err, -EINVAL, "Invalid key=value configuration: %s", argv[i]);
		json_object_set_new(obj, k, json_string(v));
	}
	return 0;
}

static int acl_create(int argc, char **argv, struct cove_error *err)
{
	json_t *cfg = json_object();
	int r;

	r = client_check_args(argc - 1, 1, -1, "cove network acl create <ACL> [key=value...]", err);
	if (r == 0)
		r = kv_into(cfg, argc - 2, argv + 2, err);
	if (r != 0) {
		json_decref(cfg);
		return r > 0 ? 0 : r;
	}
	r = call("POST", "/1.0/network-acls",
		 json_pack("{s:s, s:o, s:s, s:[], s:[]}", "name", argv[1], "config", cfg,
			   "description", "", "ingress", "egress"),
		 NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Network ACL %s created\n", argv[1]);
	return r;
}

static int acl_delete(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	int r = client_check_args(argc - 1, 1, 1, "cove network acl delete <ACL>", err);

	if (r != 0)
		return r > 0 ? 0 : r;
	path = acl_path(argv[1]);
	r = call("DELETE", path, NULL, NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Network ACL %s deleted\n", argv[1]);
	return r;
}

static int acl_rename(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	int r = client_check_args(argc - 1, 2, 2, "cove network acl rename <ACL> <new-name>", err);

	if (r != 0)
		return r > 0 ? 0 : r;
	path = acl_path(argv[1]);
	r = call("POST", path, json_pack("{s:s}", "name", argv[2]), NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Network ACL %s renamed to %s\n", argv[1], argv[2]);
	return r;
}

/* The writable part of an ACL (PUT body) */
static json_t *writable(json_t *acl)
{
	return json_pack("{s:O, s:O, s:O, s:O}", "description",
			 json_object_get(acl, "description") ?: json_string(""), "egress",
			 json_object_get(acl, "egress") ?: json_array(), "ingress",
			 json_object_get(acl, "ingress") ?: json_array(), "config",
			 json_object_get(acl, "config") ?: json_object());
}

static int acl_config(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL, *etag = NULL;
	bool get = streq(argv[0], "get"), unset = streq(argv[0], "unset");
	json_t *acl = NULL, *cfg;
	int r;

	r = client_check_args(argc - 1, 2, get || unset ? 2 : -1,
			      "cove network acl set|unset|get <ACL> <key> [<value>]", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	path = acl_path(argv[1]);
	r = api_get(path, &acl, &etag, err);
	if (r < 0)
		return r;
	cfg = json_object_get(acl, "config");
	if (!json_is_object(cfg))
		json_object_set_new(acl, "config", cfg = json_object());
	if (get) {
		printf("%s\n", json_string_value(json_object_get(cfg, argv[2])) ?: "");
		json_decref(acl);
		return 0;
	}
	if (unset)
		json_object_del(cfg, argv[2]);
	else if (argc == 4 && !strchr(argv[2], '='))
		json_object_set_new(cfg, argv[2], json_string(argv[3]));
	else
		r = kv_into(cfg, argc - 2, argv + 2, err);
	if (r >= 0)
		r = call("PUT", path, writable(acl), etag, err);
	json_decref(acl);
	return r;
}

static int acl_edit(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL, *etag = NULL;
	json_t *acl = NULL, *cur, *neu = NULL;
	int r = client_check_args(argc - 1, 1, 1, "cove network acl edit <ACL>", err);

	if (r != 0)
		return r > 0 ? 0 : r;
	path = acl_path(argv[1]);
	r = api_get(path, &acl, &etag, err);
	if (r < 0)
		return r;
	cur = json_pack("{s:O, s:O, s:O, s:O, s:O}", "name", json_object_get(acl, "name"),
			"description", json_object_get(acl, "description"), "egress",
			json_object_get(acl, "egress"), "ingress", json_object_get(acl, "ingress"),
			"config", json_object_get(acl, "config"));
	json_decref(acl);
	r = config_edit_text(cur, &neu, err);
	json_decref(cur);
	if (r < 0)
		return r;
	yaml_stringify_values(json_object_get(neu, "config"));
	r = call("PUT", path, writable(neu), NULL, err);
	json_decref(neu);
	return r;
}

/* rule add|remove <ACL> <direction> [key=value...] [--force] */
static int acl_rule(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, {} };
	_cleanup_free_ char *path = NULL, *etag = NULL;
	json_t *acl = NULL, *rule = json_object(), *rules;
	bool add, force = false;
	size_t matched = 0;
	int r;

	if (argc < 2 || (!streq(argv[1], "add") && !streq(argv[1], "remove"))) {
		json_decref(rule);
		return cove_err(err, -EINVAL, "Usage: cove network acl rule add|remove <ACL> <direction> [key=value...]");
	}
	add = streq(argv[1], "add");
	argc--;
	argv++;
	client_opt_reset();
	while ((r = client_getopt(argc, argv, "", opts, err)) != -1) {
		if (r < 0) {
			json_decref(rule);
			return r;
		}
		force = true;
	}
	r = client_check_args(argc - optind, 2, -1,
			      "cove network acl rule add|remove <ACL> <direction> [key=value...]", err);
	if (r == 0)
		r = kv_into(rule, argc - optind - 2, argv + optind + 2, err);
	if (r == 0 && !streq(argv[optind + 1], "ingress") && !streq(argv[optind + 1], "egress"))
		r = cove_err(err, -EINVAL, "The direction argument must be one of: ingress, egress");
	if (r != 0) {
		json_decref(rule);
		return r > 0 ? 0 : r;
	}
	path = acl_path(argv[optind]);
	r = api_get(path, &acl, &etag, err);
	if (r < 0) {
		json_decref(rule);
		return r;
	}
	rules = json_object_get(acl, argv[optind + 1]);
	if (!json_is_array(rules))
		json_object_set_new(acl, argv[optind + 1], rules = json_array());
	if (add) {
		json_t *full = json_object();

		for (const char *const *f = rule_fields; *f; f++)
			if (json_object_get(rule, *f))
				json_object_set(full, *f, json_object_get(rule, *f));
			else if (streq(*f, "state"))
				json_object_set_new(full, *f, json_string("enabled"));
		json_object_update(full, rule); /* unknown fields: the server's answer */
		json_array_append_new(rules, full);
	} else {
		for (size_t i = json_array_size(rules); i-- > 0;) {
			json_t *x = json_array_get(rules, i), *v;
			const char *k;
			bool match = true;

			json_object_foreach (rule, k, v)
				if (!json_equal(json_object_get(x, k) ?: json_string(""), v))
					match = false;
			if (match)
				matched++;
		}
		if (matched == 0)
			r = cove_err(err, -ENOENT, "No matching rule(s) found");
		else if (matched > 1 && !force)
			r = cove_err(err, -EINVAL, "Multiple rules match. Use --force to remove them all");
		for (size_t i = json_array_size(rules); r >= 0 && i-- > 0;) {
			json_t *x = json_array_get(rules, i), *v;
			const char *k;
			bool match = true;

			json_object_foreach (rule, k, v)
				if (!json_equal(json_object_get(x, k) ?: json_string(""), v))
					match = false;
			if (match)
				json_array_remove(rules, i);
		}
	}
	if (r >= 0)
		r = call("PUT", path, writable(acl), etag, err);
	json_decref(acl);
	json_decref(rule);
	return r;
}

int cmd_network_acl(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
		{ "create", acl_create, "Create new network ACLs" },
		{ "delete", acl_delete, "Delete network ACLs" },
		{ "edit", acl_edit, "Edit network ACL configurations as YAML" },
		{ "get", acl_config, "Get values for network ACL configuration keys" },
		{ "list", acl_list, "List available network ACLS" },
		{ "rename", acl_rename, "Rename network ACLs" },
		{ "rule", acl_rule, "Manage network ACL rules" },
		{ "set", acl_config, "Set network ACL configuration keys" },
		{ "show", acl_show, "Show network ACL configurations" },
		{ "unset", acl_config, "Unset network ACL configuration keys" },
		{}
	};
	return client_subcommand(sub, "network acl", argc, argv, err);
}
