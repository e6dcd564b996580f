/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/profiles: list, create, show, replace (If-Match), patch, rename and
 * delete. A change re-writes the generated config of the instances that
 * use the profile (their expanded config changes with it).
 */
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "api-common.h"
#include "daemon.h"
#include "db/db.h"
#include "events.h"
#include "instances/instance.h"
#include "instances/instance-limits.h"
#include "instances/instance-storage.h"
#include "util.h"
#include "router.h"
#include "strutil.h"
#include "strv.h"
#include "proxy/proxy.h"

static bool instance_uses(const struct db_instance *i, const char *profile)
{
	size_t k;
	json_t *p;

	json_array_foreach(i->profiles, k, p)
		if (json_is_string(p) && streq(json_string_value(p), profile))
			return true;
	return false;
}

/* The names of the instances using profile (NULL when none). */
static char **users_of(const char *profile)
{
	_cleanup_strv_free_ char **names = NULL;
	char **ret = NULL;

	(void)db_instance_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names) {
		struct db_instance i = { 0 };

		if (db_instance_get(the_daemon->db, *n, &i, NULL) < 0)
			continue;
		if (instance_uses(&i, profile))
			strv_push_dup(&ret, *n);
		db_instance_clear(&i);
	}
	return ret;
}

static json_t *used_by(const char *profile)
{
	_cleanup_strv_free_ char **users = users_of(profile);
	json_t *list = json_array();

	STRV_FOREACH(n, users)
		json_array_append_new(list, json_sprintf("/1.0/instances/%s", *n));
	return list;
}

static json_t *profile_json(const struct db_profile *p)
{
	return json_pack("{s:O, s:s, s:O, s:s, s:o}", "config", p->config, "description",
			 p->description, "devices", p->devices, "name", p->name, "used_by",
			 used_by(p->name));
}

static json_t *profile_etag(const struct db_profile *p)
{
	return json_pack("{s:O, s:s, s:O}", "config", p->config, "description", p->description,
			 "devices", p->devices);
}

/* LXD's profile name rules. */
static int profile_name_validate(const json_t *v, struct cove_error *err)
{
	const char *name = json_string_value(v);

	if (v && !json_is_string(v))
		return cove_err(err, -EINVAL, "json: cannot unmarshal name: not a string");
	if (!name || !*name)
		return cove_err(err, -EINVAL, "No name provided");
	if (strchr(name, '/'))
		return cove_err(err, -EINVAL, "Profile names may not contain slashes");
	if (strpbrk(name, " \t\n"))
		return cove_err(err, -EINVAL, "Profile names may not contain spaces");
	if (streq(name, ".") || streq(name, "..") || strlen(name) > 253)
		return cove_err(err, -EINVAL, "Invalid profile name \"%s\"", name);
	return 0;
}

/*
 * Rewrite the generated config of every instance using profile; limits.*
 * also take effect at once on the running ones, as an instance update does.
 */
static void reexpand_users(const char *profile)
{
	_cleanup_strv_free_ char **users = users_of(profile);

	STRV_FOREACH(n, users) {
		_cleanup_json_ json_t *config = NULL, *devices = NULL;
		struct db_instance i = { 0 };

		(void)instance_write_initial_config(*n, NULL);
		if (db_instance_get(the_daemon->db, *n, &i, NULL) < 0)
			continue;
		if (instance_expand(&i, &config, &devices, NULL) >= 0)
			(void)limits_apply_running(the_daemon->lxcpath, *n, config, NULL);
		db_instance_clear(&i);
		proxy_sync_instance(*n); /* proxy devices of the profile, live */
	}
}

static void list_profiles(struct request *req, char **params)
{
	_cleanup_strv_free_ char **names = NULL;
	int recursion = request_recursion(req);
	json_t *list = json_array();

	(void)db_profile_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names) {
		struct db_profile p = { 0 };

		if (recursion == 0) {
			json_array_append_new(list, json_sprintf("/1.0/profiles/%s", *n));
			continue;
		}
		if (db_profile_get(the_daemon->db, *n, &p, NULL) < 0)
			continue;
		json_array_append_new(list, profile_json(&p));
		db_profile_clear(&p);
	}
	reply_sync(req, list);
}

static void get_profile(struct request *req, char **params)
{
	struct db_profile p = { 0 };
	struct cove_error err = { 0 };
	int r = db_profile_get(the_daemon->db, params[0], &p, &err);
	json_t *etag;

	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	etag = profile_etag(&p);
	reply_sync_etag(req, profile_json(&p), etag);
	json_decref(etag);
	db_profile_clear(&p);
}

/* Check the writable fields of body (config, devices, description). */
static int check_fields(const json_t *body, struct cove_error *err)
{
	const json_t *desc = json_object_get(body, "description");
	const json_t *devices = json_object_get(body, "devices");
	int r;

	r = instance_config_validate(json_object_get(body, "config"), err);
	if (r < 0)
		return r;
	if (devices && !json_is_null(devices) && !json_is_object(devices))
		return cove_err(err, -EINVAL, "Invalid devices: devices must be a map");
	r = instance_devices_validate(devices, err);
	if (r < 0)
		return r;
	if (desc && !json_is_null(desc) && !json_is_string(desc))
		return cove_err(err, -EINVAL, "json: cannot unmarshal description: not a string");
	return 0;
}

static void create_profile(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *loc = NULL;
	struct cove_error err = { 0 };
	const json_t *config, *devices;
	struct db_profile p = { 0 };
	int r;

	if (!body)
		return;
	r = profile_name_validate(json_object_get(body, "name"), &err);
	if (r >= 0)
		r = check_fields(body, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	config = json_object_get(body, "config");
	devices = json_object_get(body, "devices");
	p = (struct db_profile){
		.name = xstrdup(json_string_value(json_object_get(body, "name"))),
		.description = xstrdup(json_string_value(json_object_get(body, "description")) ?: ""),
		.config = json_is_object(config) ? json_deep_copy(config) : json_object(),
		.devices = json_is_object(devices) ? json_deep_copy(devices) : json_object(),
	};
	r = db_profile_insert(the_daemon->db, &p, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
	} else {
		loc = xasprintf("/1.0/profiles/%s", p.name);
		reply_created(req, loc);
		events_lifecycle("profile-created", loc, NULL);
	}
	db_profile_clear(&p);
}

static bool etag_ok(struct request *req, const struct db_profile *p)
{
	_cleanup_json_ json_t *e = profile_etag(p);

	return api_etag_ok(req, e);
}

/* PUT replaces config, devices and description; PATCH merges what body has. */
static void apply_fields(struct db_profile *p, const json_t *body, bool patch)
{
	const json_t *config = json_object_get(body, "config");
	const json_t *devices = json_object_get(body, "devices");
	const json_t *desc = json_object_get(body, "description");

	if (!patch || json_is_object(config)) {
		if (patch)
			json_object_update(p->config, (json_t *)config);
		else {
			json_decref(p->config);
			p->config = json_is_object(config) ? json_deep_copy(config) : json_object();
		}
	}
	if (!patch || json_is_object(devices)) {
		if (patch)
			json_object_update(p->devices, (json_t *)devices);
		else {
			json_decref(p->devices);
			p->devices = json_is_object(devices) ? json_deep_copy(devices) : json_object();
		}
	}
	if (!patch || json_is_string(desc)) {
		free(p->description);
		p->description = xstrdup(json_string_value(desc) ?: "");
	}
}

static void update_profile(struct request *req, char **params, bool patch)
{
	_cleanup_json_ json_t *body = request_json(req), *before = NULL;
	_cleanup_free_ char *src = NULL;
	struct db_profile p = { 0 };
	struct cove_error err = { 0 };
	int r;

	if (!body)
		return;
	r = db_profile_get(the_daemon->db, params[0], &p, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	if (!etag_ok(req, &p)) {
		db_profile_clear(&p);
		return;
	}
	r = check_fields(body, &err);
	if (r >= 0) {
		/* disk devices of the running users change live after the update */
		before = storage_profile_users_devices(params[0]);
		apply_fields(&p, body, patch);
		r = db_profile_put(the_daemon->db, &p, &err);
	}
	db_profile_clear(&p);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	reexpand_users(params[0]);
	storage_profile_users_apply(before);
	reply_sync(req, json_object());
	src = xasprintf("/1.0/profiles/%s", params[0]);
	events_lifecycle("profile-updated", src, NULL);
}

static void put_profile(struct request *req, char **params)
{
	update_profile(req, params, false);
}

static void patch_profile(struct request *req, char **params)
{
	update_profile(req, params, true);
}

static void delete_profile(struct request *req, char **params)
{
	_cleanup_strv_free_ char **users = NULL;
	_cleanup_free_ char *src = NULL;
	struct db_profile p = { 0 };
	struct cove_error err = { 0 };
	int r;

	r = db_profile_get(the_daemon->db, params[0], &p, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	db_profile_clear(&p);
	if (streq(params[0], "default")) {
		reply_error(req, 403, "The 'default' profile cannot be deleted");
		return;
	}
	users = users_of(params[0]);
	if (users) {
		reply_error(req, 400, "Profile is currently in use");
		return;
	}
	r = db_profile_delete(the_daemon->db, params[0], &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	reply_sync(req, json_object());
	src = xasprintf("/1.0/profiles/%s", params[0]);
	events_lifecycle("profile-deleted", src, NULL);
}

/* Replace old by new_name in the profiles list of every instance using it. */
static void rename_in_instances(const char *old, const char *new_name)
{
	_cleanup_strv_free_ char **users = users_of(old);

	STRV_FOREACH(n, users) {
		struct db_instance i = { 0 };
		size_t k;
		json_t *v;

		if (db_instance_get(the_daemon->db, *n, &i, NULL) < 0)
			continue;
		json_array_foreach(i.profiles, k, v)
			if (json_is_string(v) && streq(json_string_value(v), old))
				json_array_set_new(i.profiles, k, json_string(new_name));
		(void)db_instance_update(the_daemon->db, &i, NULL);
		db_instance_clear(&i);
	}
}

static void rename_profile(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *src = NULL;
	struct db_profile p = { 0 };
	struct cove_error err = { 0 };
	const char *name;
	int r;

	if (!body)
		return;
	r = db_profile_get(the_daemon->db, params[0], &p, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	db_profile_clear(&p);
	if (streq(params[0], "default")) {
		reply_error(req, 403, "The 'default' profile cannot be renamed");
		return;
	}
	r = profile_name_validate(json_object_get(body, "name"), &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	name = json_string_value(json_object_get(body, "name"));
	if (db_profile_get(the_daemon->db, name, &p, NULL) >= 0) {
		db_profile_clear(&p);
		reply_error(req, 409, "Name \"%s\" already in use", name);
		return;
	}
	r = db_profile_rename(the_daemon->db, params[0], name, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	rename_in_instances(params[0], name);
	src = xasprintf("/1.0/profiles/%s", name);
	reply_created(req, src);
	events_lifecycle("profile-renamed", src, json_pack("{s:s}", "old_name", params[0]));
}

const struct route api_profiles_routes[] = {
	{ HTTP_GET, "/1.0/profiles", list_profiles },
	{ HTTP_POST, "/1.0/profiles", create_profile },
	{ HTTP_GET, "/1.0/profiles/*", get_profile },
	{ HTTP_PUT, "/1.0/profiles/*", put_profile },
	{ HTTP_PATCH, "/1.0/profiles/*", patch_profile },
	{ HTTP_POST, "/1.0/profiles/*", rename_profile },
	{ HTTP_DELETE, "/1.0/profiles/*", delete_profile },
	{ 0, NULL, NULL },
};
