/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove config show|get|set|unset|edit [NAME] ... and cove config device
 * add|set|unset|get|remove|show|list NAME ...: GET the instance (ETag), change
 * its writable part, PUT it back with If-Match and wait ("Updating
 * instance"), as `lxc config` does. Without an instance name (a first
 * argument holding '.' or '=') the server's config is meant: GET/PUT /1.0.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "remote.h"
#include "client-internal.h"
#include "strutil.h"
#include "yaml.h"

json_t *config_writable(json_t *inst, bool expanded)
{
	static const char *const keys[] = {"architecture", "config",   "devices",    "ephemeral",
					   "profiles",	   "stateful", "description"};
	json_t *w = json_object();

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		const char *k = keys[i];
		json_t *v = json_object_get(inst, k);
		if (expanded && streq(k, "config"))
			v = json_object_get(inst, "expanded_config");
		else if (expanded && streq(k, "devices"))
			v = json_object_get(inst, "expanded_devices");
		if (!v)
			v = streq(k, "config") || streq(k, "devices")	    ? json_object()
			    : streq(k, "profiles")			    ? json_array()
			    : streq(k, "ephemeral") || streq(k, "stateful") ? json_false()
									    : json_string("");
		else
			json_incref(v);
		json_object_set_new(w, k, v);
	}
	client_sort_maps(w);
	return w;
}

struct target {
	char *name; /* owned; NULL for the server */
	char *path; /* owned */
	json_t *obj;
	char *etag;
};

static void target_done(struct target *t)
{
	free(t->name);
	free(t->path);
	json_decref(t->obj);
	free(t->etag);
}

static bool is_server_arg(const char *a)
{
	return strchr(a, '.') || strchr(a, '=');
}

static int target_load(struct target *t, const char *arg, struct cove_error *err)
{
	const char *name;
	int r;

	*t = (struct target){};
	if (!arg || is_server_arg(arg) || streq(arg, "local:")) {
		t->path = xstrdup("/1.0");
	} else {
		r = client_local_name(arg, &name, err);
		if (r < 0)
			return r;
		t->name = xstrdup(name);
		t->path = api_instance_path(name);
	}
	return api_get(t->path, &t->obj, &t->etag, err);
}

static int target_save(struct target *t, struct cove_error *err)
{
	struct api_response resp = {};
	json_t *w;
	int r;

	if (!t->name) {
		w = json_pack("{sO}", "config", json_object_get(t->obj, "config") ?: json_object());
		r = api_request("PUT", "/1.0", w, t->etag, &resp, err);
		api_response_done(&resp);
	} else {
		w = config_writable(t->obj, false);
		r = api_async("PUT", t->path, w, t->etag, NULL, NULL, err);
	}
	json_decref(w);
	return r;
}

static json_t *target_config(struct target *t)
{
	json_t *c = json_object_get(t->obj, "config");

	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(t->obj, "config", c);
	}
	return c;
}

static int config_show(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {
	    {"expanded", no_argument, NULL, 'e'}, {"help", no_argument, NULL, 'h'}, {}};
	struct target t;
	bool expanded = false;
	json_t *w;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "eh", opts, err)) != -1) {
		if (r < 0)
			return r;
		expanded = expanded || r == 'e';
	}
	r = target_load(&t, optind < argc ? argv[optind] : NULL, err);
	if (r >= 0) {
		w = t.name ? config_writable(t.obj, expanded)
			   : json_pack("{sO}", "config",
				       json_object_get(t.obj, "config") ?: json_object());
		client_print_yaml(w);
		json_decref(w);
	}
	target_done(&t);
	return r;
}

static int config_get(int argc, char **argv, struct cove_error *err)
{
	const char *key, *v;
	struct target t;
	int r;

	r = client_check_args(argc - 1, 1, 2, "cove config get [<remote>:][<instance>] <key>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	key = argv[argc - 1];
	r = target_load(&t, argc == 3 ? argv[1] : NULL, err);
	if (r >= 0) {
		v = json_string_value(json_object_get(target_config(&t), key));
		if (!v && json_object_get(target_config(&t), key))
			v = "true"; /* write-only server keys are shown as true */
		printf("%s\n", v ?: "");
	}
	target_done(&t);
	return r;
}

static int config_set(int argc, char **argv, struct cove_error *err)
{
	struct target t;
	int first, r;

	r = client_check_args(argc - 1, 1, -1,
			      "cove config set [<remote>:][<instance>] <key>=<value>...", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	first = is_server_arg(argv[1]) ? 1 : 2;
	if (first >= argc)
		return cove_err(err, -EINVAL, "Invalid number of arguments");
	r = target_load(&t, first == 2 ? argv[1] : NULL, err);
	if (r < 0)
		goto out;
	if (argc - first == 2 && !strchr(argv[first], '='))
		json_object_set_new(target_config(&t), argv[first], json_string(argv[first + 1]));
	else
		for (int i = first; i < argc; i++) {
			_cleanup_free_ char *k = NULL, *v = NULL;
			if (client_split_kv(argv[i], &k, &v) < 0) {
				r = cove_err(err, -EINVAL, "Invalid key=value configuration: %s",
					     argv[i]);
				goto out;
			}
			json_object_set_new(target_config(&t), k, json_string(v));
		}
	r = target_save(&t, err);
out:
	target_done(&t);
	return r;
}

static int config_unset(int argc, char **argv, struct cove_error *err)
{
	const char *key;
	struct target t;
	int r;

	r = client_check_args(argc - 1, 1, 2, "cove config unset [<remote>:][<instance>] <key>",
			      err);
	if (r != 0)
		return r > 0 ? 0 : r;
	key = argv[argc - 1];
	r = target_load(&t, argc == 3 ? argv[1] : NULL, err);
	if (r >= 0 && !json_object_get(target_config(&t), key))
		r = cove_err(err, -ENOENT, "Can't unset key '%s', it's not currently set", key);
	if (r >= 0) {
		json_object_del(target_config(&t), key);
		r = target_save(&t, err);
	}
	target_done(&t);
	return r;
}

static const char edit_header[] = "### This is a YAML representation of the configuration.\n"
				  "### Any line starting with a '# will be ignored.\n###\n";

int config_edit_text(json_t *current, json_t **ret, struct cove_error *err)
{
	_cleanup_free_ char *text = NULL, *yaml = NULL, *edited = NULL;
	size_t len;
	int r;

	if (!isatty(STDIN_FILENO)) {
		r = client_read_stdin(&text, &len, err);
		return r < 0 ? r : yaml_load(text, len, ret, err);
	}
	yaml = yaml_dump(current);
	text = xasprintf("%s%s", edit_header, yaml);
	r = client_edit_text(text, &edited, err);
	if (r < 0)
		return r;
	return yaml_load(edited, strlen(edited), ret, err);
}

static int config_edit(int argc, char **argv, struct cove_error *err)
{
	struct target t;
	json_t *cur, *neu = NULL;
	int r;

	r = target_load(&t, argc > 1 ? argv[1] : NULL, err);
	if (r < 0)
		goto out;
	cur = t.name
		  ? config_writable(t.obj, false)
		  : json_pack("{sO}", "config", json_object_get(t.obj, "config") ?: json_object());
	r = config_edit_text(cur, &neu, err);
	json_decref(cur);
	if (r < 0)
		goto out;
	yaml_stringify_values(json_object_get(neu, "config"));
	json_decref(t.obj);
	t.obj = neu;
	free(t.etag); /* lxc sends no If-Match for an edit from stdin */
	t.etag = NULL;
	r = target_save(&t, err);
out:
	target_done(&t);
	return r;
}

int cmd_config(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
	    {"device", config_device, "Manage devices"},
	    {"edit", config_edit, "Edit instance or server configurations as YAML"},
	    {"get", config_get, "Get values for instance or server configuration keys"},
	    {"set", config_set, "Set instance or server configuration keys"},
	    {"show", config_show, "Show instance or server configurations"},
	    {"trust", cmd_config_trust, "Manage trusted clients"},
	    {"unset", config_unset, "Unset instance or server configuration keys"},
	    {}};
	return client_subcommand(sub, "config", argc, argv, err);
}
