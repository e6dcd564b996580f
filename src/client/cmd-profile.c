/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove profile list|show|create|delete|set|unset|get|edit|copy|rename|
 * assign|add|remove|device: /1.0/profiles as `lxc profile` uses it
 * (profile PUTs are sync; assign/add/remove PUT the instance, async).
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
#include "yaml.h"

static char *profile_path(const char *name)
{
	_cleanup_free_ char *e = http_escape(name);

	return xasprintf("/1.0/profiles/%s", e);
}

static json_t *profile_put(json_t *p)
{
	return json_pack("{sO sO sO}", "config", json_object_get(p, "config") ?: json_object(),
			 "description", json_object_get(p, "description") ?: json_string(""),
			 "devices", json_object_get(p, "devices") ?: json_object());
}

static int put_sync(const char *method, const char *path, json_t *body, const char *etag,
		    struct cove_error *err)
{
	struct api_response resp = {};
	int r = api_request(method, path, body, etag, &resp, err);

	api_response_done(&resp);
	return r;
}

static int need(int argc, int min, int max, const char *usage, struct cove_error *err)
{
	_cleanup_free_ char *u = xasprintf("cove profile %s", usage);

	return client_check_args(argc - 1, min, max, u, err);
}

#define NEED(min, max, usage)                                                                      \
	do {                                                                                       \
		int _r = need(argc, min, max, usage, err);                                         \
		if (_r != 0)                                                                       \
			return _r > 0 ? 0 : _r;                                                    \
	} while (0)

int profile_list_render(json_t *list, enum format fmt, struct cove_error *err)
{
	_cleanup_(table_done) struct table t = {};
	json_t *p;
	size_t i;
	int r;

	t.header = strv_split("NAME,DESCRIPTION,USED BY", ",");
	json_array_foreach (list, i, p) {
		char **row = NULL;
		strv_push_dup(&row, json_string_value(json_object_get(p, "name")) ?: "");
		strv_push_dup(&row, json_string_value(json_object_get(p, "description")) ?: "");
		strv_push(&row, xasprintf("%zu", json_array_size(json_object_get(p, "used_by"))));
		table_add_row(&t, row);
	}
	table_sort(&t, 0);
	r = format_render(stdout, fmt, &t, list, err);
	return r;
}

static int profile_list(int argc, char **argv, struct cove_error *err)
{
	return client_list_cmd(argc, argv, "/1.0/profiles?recursion=1", profile_list_render, err);
}

static int profile_show(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	json_t *p = NULL;
	int r;

	NEED(1, 1, "show [<remote>:]<profile>");
	path = profile_path(argv[1]);
	r = api_get(path, &p, NULL, err);
	if (r < 0)
		return r;
	client_print_object(p);
	json_decref(p);
	return 0;
}

static int profile_create(int argc, char **argv, struct cove_error *err)
{
	json_t *req;
	int r;

	NEED(1, 1, "create [<remote>:]<profile>");
	req = json_pack("{sn ss sn ss}", "config", "description", "", "devices", "name", argv[1]);
	r = put_sync("POST", "/1.0/profiles", req, NULL, err);
	json_decref(req);
	if (r >= 0 && !arg_quiet)
		printf("Profile %s created\n", argv[1]);
	return r;
}

static int profile_delete(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	int r;

	NEED(1, 1, "delete [<remote>:]<profile>");
	path = profile_path(argv[1]);
	r = put_sync("DELETE", path, NULL, NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Profile %s deleted\n", argv[1]);
	return r;
}

/* GET, let change() edit, PUT with If-Match. */
static int profile_update(const char *name, int (*change)(json_t *p, void *u), void *u,
			  struct cove_error *err)
{
	_cleanup_free_ char *path = profile_path(name), *etag = NULL;
	json_t *p = NULL, *put;
	int r;

	r = api_get(path, &p, &etag, err);
	if (r < 0)
		return r;
	r = change(p, u);
	if (r >= 0) {
		put = profile_put(p);
		r = put_sync("PUT", path, put, etag, err);
		json_decref(put);
	}
	json_decref(p);
	return r;
}

struct kv_change {
	int argc;
	char **argv;
	bool unset;
	struct cove_error *err;
};

static int change_config(json_t *p, void *u)
{
	struct kv_change *c = u;
	json_t *cfg = json_object_get(p, "config");

	if (!json_is_object(cfg)) {
		cfg = json_object();
		json_object_set_new(p, "config", cfg);
	}
	if (c->unset) {
		if (json_object_del(cfg, c->argv[0]) < 0)
			return cove_err(c->err, -ENOENT,
					"Can't unset key '%s', it's not currently set", c->argv[0]);
		return 0;
	}
	if (c->argc == 2 && !strchr(c->argv[0], '=')) {
		json_object_set_new(cfg, c->argv[0], json_string(c->argv[1]));
		return 0;
	}
	for (int i = 0; i < c->argc; i++) {
		_cleanup_free_ char *k = NULL, *v = NULL;
		if (client_split_kv(c->argv[i], &k, &v) < 0)
			return cove_err(c->err, -EINVAL, "Invalid key=value configuration: %s",
					c->argv[i]);
		json_object_set_new(cfg, k, json_string(v));
	}
	return 0;
}

static int profile_set(int argc, char **argv, struct cove_error *err)
{
	struct kv_change c = {.argc = argc - 2, .argv = argv + 2, .err = err};

	NEED(2, -1, "set [<remote>:]<profile> <key><value>...");
	return profile_update(argv[1], change_config, &c, err);
}

static int profile_unset(int argc, char **argv, struct cove_error *err)
{
	struct kv_change c = {.argc = 1, .argv = argv + 2, .unset = true, .err = err};

	NEED(2, 2, "unset [<remote>:]<profile> <key>");
	return profile_update(argv[1], change_config, &c, err);
}

static int profile_get(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	json_t *p = NULL;
	int r;

	NEED(2, 2, "get [<remote>:]<profile> <key>");
	path = profile_path(argv[1]);
	r = api_get(path, &p, NULL, err);
	if (r < 0)
		return r;
	printf("%s\n",
	       json_string_value(json_object_get(json_object_get(p, "config"), argv[2])) ?: "");
	json_decref(p);
	return 0;
}

static int profile_edit(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	json_t *p = NULL, *neu = NULL, *put;
	int r;

	NEED(1, 1, "edit [<remote>:]<profile>");
	path = profile_path(argv[1]);
	r = api_get(path, &p, NULL, err);
	if (r < 0)
		return r;
	r = config_edit_text(p, &neu, err);
	json_decref(p);
	if (r < 0)
		return r;
	yaml_stringify_values(json_object_get(neu, "config"));
	put = profile_put(neu);
	r = put_sync("PUT", path, put, NULL, err);
	json_decref(put);
	json_decref(neu);
	return r;
}

static int profile_copy(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	json_t *p = NULL, *req;
	int r;

	NEED(2, 2, "copy [<remote>:]<profile> [<remote>:]<profile>");
	path = profile_path(argv[1]);
	r = api_get(path, &p, NULL, err);
	if (r < 0)
		return r;
	req = profile_put(p);
	json_object_set_new(req, "name", json_string(argv[2]));
	r = put_sync("POST", "/1.0/profiles", req, NULL, err);
	json_decref(req);
	json_decref(p);
	return r;
}

static int profile_rename(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	json_t *req;
	int r;

	NEED(2, 2, "rename [<remote>:]<profile> <new-name>");
	path = profile_path(argv[1]);
	req = json_pack("{ss}", "name", argv[2]);
	r = put_sync("POST", path, req, NULL, err);
	json_decref(req);
	if (r >= 0 && !arg_quiet)
		printf("Profile %s renamed to %s\n", argv[1], argv[2]);
	return r;
}

/* assign/add/remove: change the instance's profile list. */
static int instance_profiles(const char *name, const char *verb, const char *arg,
			     struct cove_error *err)
{
	_cleanup_free_ char *path = api_instance_path(name), *etag = NULL;
	_cleanup_strv_free_ char **want = NULL;
	json_t *inst = NULL, *l, *w, *v;
	size_t i;
	int r;

	r = api_get(path, &inst, &etag, err);
	if (r < 0)
		return r;
	l = json_object_get(inst, "profiles");
	json_array_foreach (l, i, v)
		strv_push_dup(&want, json_string_value(v));
	if (streq(verb, "assign")) {
		strv_free(want);
		want = strv_split(arg, ",");
	} else if (streq(verb, "add")) {
		if (strv_contains(want, arg))
			r = cove_err(err, -EEXIST, "Profile %s is already applied to %s", arg,
				     name);
		strv_push_dup(&want, arg);
	} else if (!strv_contains(want, arg))
		r = cove_err(err, -ENOENT, "Profile %s isn't currently applied to %s", arg, name);
	if (r >= 0) {
		json_t *nl = json_array();
		STRV_FOREACH (p, want)
			if (!streq(verb, "remove") || !streq(*p, arg))
				json_array_append_new(nl, json_string(*p));
		json_object_set_new(inst, "profiles", nl);
		w = config_writable(inst, false);
		r = api_async("PUT", path, w, etag, NULL, NULL, err);
		json_decref(w);
	}
	json_decref(inst);
	return r;
}

static int profile_assign(int argc, char **argv, struct cove_error *err)
{
	int r;

	NEED(2, 2, "assign [<remote>:]<instance> <profiles>");
	r = instance_profiles(argv[1], argv[0], argv[2], err);
	if (r < 0 || arg_quiet)
		return r;
	if (streq(argv[0], "assign") && isempty(argv[2]))
		printf("All profiles removed from %s\n", argv[1]);
	else if (streq(argv[0], "assign"))
		printf("Profiles %s applied to %s\n", argv[2], argv[1]);
	else
		printf("Profile %s %s %s\n", argv[2],
		       streq(argv[0], "add") ? "added to" : "removed from", argv[1]);
	return 0;
}

int cmd_profile(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
	    {"add", profile_assign, "Add profiles to instances"},
	    {"assign", profile_assign, "Assign sets of profiles to instances"},
	    {"copy", profile_copy, "Copy profiles"},
	    {"create", profile_create, "Create profiles"},
	    {"delete", profile_delete, "Delete profiles"},
	    {"device", profile_device, "Manage devices"},
	    {"edit", profile_edit, "Edit profile configurations as YAML"},
	    {"get", profile_get, "Get values for profile configuration keys"},
	    {"list", profile_list, "List profiles"},
	    {"remove", profile_assign, "Remove profiles from instances"},
	    {"rename", profile_rename, "Rename profiles"},
	    {"set", profile_set, "Set profile configuration keys"},
	    {"show", profile_show, "Show profile configurations"},
	    {"unset", profile_unset, "Unset profile configuration keys"},
	    {}};
	return client_subcommand(sub, "profile", argc, argv, err);
}
