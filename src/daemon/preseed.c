/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `coved init --preseed`: LXD's preseed YAML on stdin, applied through the
 * REST API of the running daemon like `lxd init --preseed`:
 *
 *   storage_pools: [{name, driver, config, description}]  created when missing
 *   networks: [{name, type, config, description}]         created when missing
 *   profiles: [{name, config, devices, description}]      created or replaced
 *
 * Pools come first, then networks, then profiles (their devices name pools
 * and networks). The first error stops, with the daemon's message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "fileio.h"
#include "init.h"
#include "log.h"
#include "strutil.h"
#include "util.h"
#include "../client/yaml.h"

LOG_MODULE("coved-init");

#define PRESEED_MAX (1u << 20)

static int exists(const char *collection, const char *name, bool *ret)
{
	_cleanup_free_ char *path = xasprintf("/1.0/%s/%s", collection, name);
	json_t *resp = NULL;
	int status = 0, r;

	r = init_http("GET", path, NULL, &status, &resp);
	if (resp)
		json_decref(resp);
	if (r < 0)
		return log_error_errno(r, "Failed to reach the daemon: %s", strerror(-r));
	*ret = status == 200;
	return 0;
}

/* one entry: POST when missing; PUT (replace) when present and replace is set */
static int apply_entry(const char *collection, const char *what, json_t *e, bool replace)
{
	const char *name = json_string_value(json_object_get(e, "name"));
	_cleanup_free_ char *path = NULL, *post = xasprintf("/1.0/%s", collection);
	_cleanup_free_ char *desc = NULL;
	json_t *resp = NULL, *body;
	bool there = false;
	int status = 0, r;

	if (!json_is_object(e) || isempty(name))
		return log_error_errno(-EINVAL, "Invalid preseed: every %s needs a name", what);
	r = exists(collection, name, &there);
	if (r < 0)
		return r;
	if (there && !replace) {
		log_info("The %s '%s' exists already, left as it is", what, name);
		return 0;
	}
	body = json_deep_copy(e);
	if (there) {
		path = xasprintf("/1.0/%s/%s", collection, name);
		json_object_del(body, "name");
	}
	r = init_http(there ? "PUT" : "POST", there ? path : post, body, &status, &resp);
	json_decref(body);
	desc = xasprintf("%s the %s '%s'", there ? "update" : "create", what, name);
	r = init_check(desc, r, status, resp);
	if (resp)
		json_decref(resp);
	return r;
}

static int apply_list(json_t *doc, const char *key, const char *collection, const char *what,
		      bool replace)
{
	json_t *list = json_object_get(doc, key), *e;
	size_t i;
	int r;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return log_error_errno(-EINVAL, "Invalid preseed: '%s' must be a list", key);
	json_array_foreach(list, i, e) {
		json_t *c = json_object_get(e, "config");

		if (c)
			yaml_stringify_values(c);
		r = apply_entry(collection, what, e, replace);
		if (r < 0)
			return r;
	}
	return 0;
}

static void stringify_devices(json_t *doc)
{
	json_t *profiles = json_object_get(doc, "profiles"), *p, *d;
	const char *k;
	size_t i;

	json_array_foreach(profiles, i, p)
		json_object_foreach(json_object_get(p, "devices"), k, d)
			yaml_stringify_values(d);
}

int init_preseed(void)
{
	_cleanup_free_ char *text = NULL;
	struct cove_error err = { 0 };
	json_t *doc = NULL;
	size_t len = 0;
	int r;

	r = read_full_fd(0, PRESEED_MAX, &text, &len);
	if (r < 0)
		return log_error_errno(r, "Failed to read the preseed from stdin: %s", strerror(-r));
	r = yaml_load(text, len, &doc, &err);
	if (r < 0)
		return log_error_errno(r, "Failed to parse the preseed: %s", err.msg);
	r = init_preseed_apply(doc);
	json_decref(doc);
	return r;
}

int init_preseed_apply(json_t *doc)
{
	static const char *const known[] = { "config", "networks", "storage_pools", "profiles",
					     "projects", "cluster" };
	json_t *v;
	const char *k;
	int r;

	if (!json_is_object(doc))
		return log_error_errno(-EINVAL, "Invalid preseed: not a map");
	json_object_foreach(doc, k, v) {
		bool ok = false;

		for (size_t i = 0; i < ELEMENTSOF(known); i++)
			ok = ok || streq(k, known[i]);
		if (!ok)
			return log_error_errno(-EINVAL, "Invalid preseed: unknown key '%s'", k);
	}
	stringify_devices(doc);
	r = apply_list(doc, "storage_pools", "storage-pools", "storage pool", false);
	if (r >= 0)
		r = apply_list(doc, "networks", "networks", "network", false);
	if (r >= 0)
		r = apply_list(doc, "profiles", "profiles", "profile", true);
	return r;
}
