/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove config device ... and cove profile device ...: add, set, unset, get,
 * remove, show, list. The object is fetched (ETag), its "devices" changed
 * and the writable part PUT back with If-Match (async for instances, sync
 * for profiles), as `lxc config device` does. Setting a key of a device that
 * only comes from a profile first copies the expanded device locally.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "client-internal.h"
#include "http.h"
#include "strutil.h"
#include "strv.h"

struct dev_target {
	bool profile;
	const char *name;
	char *path;
	json_t *obj;
	char *etag;
};

static void dev_target_done(struct dev_target *t)
{
	free(t->path);
	json_decref(t->obj);
	free(t->etag);
}

static int dev_load(struct dev_target *t, const char *arg, bool profile, struct cove_error *err)
{
	_cleanup_free_ char *e = NULL;
	int r;

	*t = (struct dev_target){.profile = profile};
	r = client_local_name(arg, &t->name, err);
	if (r < 0)
		return r;
	e = http_escape(t->name);
	t->path = profile ? xasprintf("/1.0/profiles/%s", e) : api_instance_path(t->name);
	return api_get(t->path, &t->obj, &t->etag, err);
}

static json_t *dev_devices(struct dev_target *t)
{
	json_t *d = json_object_get(t->obj, "devices");

	if (!json_is_object(d)) {
		d = json_object();
		json_object_set_new(t->obj, "devices", d);
	}
	return d;
}

static int dev_save(struct dev_target *t, struct cove_error *err)
{
	struct api_response resp = {};
	json_t *w;
	int r;

	if (t->profile) {
		w = json_pack("{sO sO sO}", "config",
			      json_object_get(t->obj, "config") ?: json_object(), "description",
			      json_object_get(t->obj, "description") ?: json_string(""), "devices",
			      dev_devices(t));
		r = api_request("PUT", t->path, w, t->etag, &resp, err);
		api_response_done(&resp);
	} else {
		w = config_writable(t->obj, false);
		r = api_async("PUT", t->path, w, t->etag, NULL, NULL, err);
	}
	json_decref(w);
	return r;
}

static int kv_into(json_t *dev, int argc, char **argv, int first, struct cove_error *err)
{
	if (argc - first == 2 && !strchr(argv[first], '=')) {
		json_object_set_new(dev, argv[first], json_string(argv[first + 1]));
		return 0;
	}
	for (int i = first; i < argc; i++) {
		_cleanup_free_ char *k = NULL, *v = NULL;
		if (client_split_kv(argv[i], &k, &v) < 0)
			return cove_err(err, -EINVAL, "No value found in %s", argv[i]);
		json_object_set_new(dev, k, json_string(v));
	}
	return 0;
}

static int dev_add(struct dev_target *t, int argc, char **argv, struct cove_error *err)
{
	json_t *dev;
	int r;

	if (argc < 4)
		return cove_err(err, -EINVAL, "Invalid number of arguments");
	if (json_object_get(dev_devices(t), argv[2]))
		return cove_err(err, -EEXIST, "The device already exists");
	dev = json_pack("{ss}", "type", argv[3]);
	r = kv_into(dev, argc, argv, 4, err);
	if (r >= 0) {
		json_object_set(dev_devices(t), argv[2], dev);
		r = dev_save(t, err);
	}
	json_decref(dev);
	if (r >= 0 && !arg_quiet)
		printf("Device %s added to %s\n", argv[2], t->name);
	return r;
}

static int dev_remove(struct dev_target *t, int argc, char **argv, struct cove_error *err)
{
	for (int i = 2; i < argc; i++) {
		if (!json_object_get(dev_devices(t), argv[i])) {
			if (!t->profile &&
			    json_object_get(json_object_get(t->obj, "expanded_devices"), argv[i]))
				return cove_err(err, -EINVAL,
						"Device from profile(s) cannot be "
						"removed from individual instance. "
						"Override device or modify profile "
						"instead");
			return cove_err(err, -ENOENT, "Device doesn't exist");
		}
		json_object_del(dev_devices(t), argv[i]);
	}
	int r = dev_save(t, err);
	if (r >= 0 && !arg_quiet)
		for (int i = 2; i < argc; i++)
			printf("Device %s removed from %s\n", argv[i], t->name);
	return r;
}

static int dev_set(struct dev_target *t, int argc, char **argv, bool unset, struct cove_error *err)
{
	json_t *dev;
	int r;

	if (argc < 4)
		return cove_err(err, -EINVAL, "Invalid number of arguments");
	dev = json_object_get(dev_devices(t), argv[2]);
	if (!dev) {
		json_t *exp = json_object_get(json_object_get(t->obj, "expanded_devices"), argv[2]);
		if (!exp || t->profile)
			return cove_err(err, -ENOENT, "Device doesn't exist");
		dev = json_deep_copy(exp);
		json_object_set_new(dev_devices(t), argv[2], dev);
	}
	if (unset)
		json_object_del(dev, argv[3]);
	else {
		r = kv_into(dev, argc, argv, 3, err);
		if (r < 0)
			return r;
	}
	return dev_save(t, err);
}

static int dev_show(struct dev_target *t, int argc, char **argv, struct cove_error *err)
{
	json_t *d = dev_devices(t);

	if (argc > 2 && streq(argv[0], "get")) {
		json_t *dev = json_object_get(d, argv[2]);
		if (!dev)
			return cove_err(err, -ENOENT, "Device doesn't exist");
		printf("%s\n",
		       argc > 3 ? json_string_value(json_object_get(dev, argv[3])) ?: "" : "");
		return 0;
	}
	if (streq(argv[0], "list")) {
		const char *k;
		json_t *v;
		json_object_foreach (d, k, v)
			printf("%s\n", k);
		return 0;
	}
	json_t *tmp = json_pack("{sO}", "devices", d);
	client_sort_maps(tmp);
	client_print_yaml(json_object_get(tmp, "devices"));
	json_decref(tmp);
	return 0;
}

static int device_command(int argc, char **argv, bool profile, struct cove_error *err)
{
	static const char *const verbs[] = {"add", "remove", "rm",   "set",	 "unset",
					    "get", "show",   "list", "override", NULL};
	struct dev_target t;
	int r;

	if (argc < 2 || !strv_contains((char **)verbs, argv[1])) {
		printf("Usage:\n  cove %s device [add|remove|set|unset|get|show|list] ...\n",
		       profile ? "profile" : "config");
		return argc < 2 ? 0 : cove_err(err, -EINVAL, "unknown command \"%s\"", argv[1]);
	}
	if (argc < 3)
		return cove_err(err, -EINVAL, "Invalid number of arguments");
	r = dev_load(&t, argv[2], profile, err);
	if (r >= 0) {
		const char *v = argv[1];
		/* argv from here: verb, name, device, ... */
		char **a = argv + 1;
		int n = argc - 1;
		if (streq(v, "add"))
			r = dev_add(&t, n, a, err);
		else if (streq(v, "remove") || streq(v, "rm"))
			r = dev_remove(&t, n, a, err);
		else if (streq(v, "set") || streq(v, "override"))
			r = dev_set(&t, n, a, false, err);
		else if (streq(v, "unset"))
			r = dev_set(&t, n, a, true, err);
		else
			r = dev_show(&t, n, a, err);
	}
	dev_target_done(&t);
	return r;
}

int config_device(int argc, char **argv, struct cove_error *err)
{
	return device_command(argc, argv, false, err);
}

int profile_device(int argc, char **argv, struct cove_error *err)
{
	return device_command(argc, argv, true, err);
}
