/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/storage-pools/P/volumes: custom volumes (a directory
 * SOURCE/custom/default_NAME in a dir pool: create, show, replace, patch,
 * rename, delete) and the instance volumes of the pool (listed, shown).
 * "size" is accepted and kept but not enforced, as LXD's dir driver does
 * on a filesystem without project quotas.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "api-common.h"
#include "api-storage.h"
#include "daemon.h"
#include "db/db.h"
#include "events.h"
#include "fileio.h"
#include "instances/instance.h"
#include "instances/instance-limits.h"
#include "instances/instance-storage.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

/* Instances and profiles whose devices mount pool/volume. */
static json_t *volume_used_by(const char *pool, const char *volume)
{
	_cleanup_strv_free_ char **names = NULL, **profiles = NULL;
	json_t *list = json_array();

	(void)db_instance_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names) {
		_cleanup_json_ json_t *config = NULL, *devices = NULL;
		struct db_instance i = { 0 };

		if (db_instance_get(the_daemon->db, *n, &i, NULL) < 0)
			continue;
		if (instance_expand(&i, &config, &devices, NULL) >= 0 &&
		    storage_devices_use_volume(devices, pool, volume))
			json_array_append_new(list, json_sprintf("/1.0/instances/%s", *n));
		db_instance_clear(&i);
	}
	(void)db_profile_names(the_daemon->db, &profiles, NULL);
	STRV_FOREACH(n, profiles) {
		struct db_profile p = { 0 };

		if (db_profile_get(the_daemon->db, *n, &p, NULL) < 0)
			continue;
		if (storage_devices_use_volume(p.devices, pool, volume))
			json_array_append_new(list, json_sprintf("/1.0/profiles/%s", *n));
		db_profile_clear(&p);
	}
	return list;
}

static json_t *volume_json(const struct db_volume *v)
{
	return json_pack("{s:O, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s}", "config", v->config,
			 "description", v->description, "name", v->name, "type", v->type,
			 "used_by", volume_used_by(v->pool, v->name), "location", "none",
			 "content_type", v->content_type, "project", "default", "created_at",
			 v->created_at);
}

static json_t *volume_etag(const struct db_volume *v)
{
	return json_pack("{s:O, s:s}", "config", v->config, "description", v->description);
}

/* The instances whose rootfs is in pool, as container volumes. */
static json_t *instance_volumes(const char *pool, bool recursion)
{
	_cleanup_strv_free_ char **names = NULL;
	json_t *list = json_array();

	(void)db_instance_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names) {
		struct db_instance i = { 0 };

		if (db_instance_get(the_daemon->db, *n, &i, NULL) < 0)
			continue;
		if (!storage_instance_uses_pool(&i, pool))
			;
		else if (!recursion)
			json_array_append_new(list, json_sprintf("/1.0/storage-pools/%s/volumes/container/%s",
								 pool, *n));
		else
			json_array_append_new(list,
					      json_pack("{s:{}, s:s, s:s, s:s, s:[o], s:s, s:s, s:s, s:s}",
							"config", "description", "", "name", *n, "type",
							"container", "used_by",
							json_sprintf("/1.0/instances/%s", *n),
							"location", "none", "content_type", "filesystem",
							"project", "default", "created_at", i.created_at));
		db_instance_clear(&i);
	}
	return list;
}

static bool pool_or_404(struct request *req, const char *name, struct db_pool *p)
{
	struct cove_error err = { 0 };
	int r = db_pool_get(the_daemon->db, name, p, &err);

	if (r < 0)
		reply_errno(req, r, err.msg);
	return r >= 0;
}

static void list_volumes(struct request *req, const char *pool, const char *type)
{
	_cleanup_strv_free_ char **names = NULL;
	int recursion = request_recursion(req);
	json_t *list;
	struct db_pool p = { 0 };

	if (!pool_or_404(req, pool, &p))
		return;
	db_pool_clear(&p);
	if (type && !streq(type, "custom") && !streq(type, "container") && !streq(type, "image") &&
	    !streq(type, "virtual-machine")) {
		reply_error(req, 400, "Invalid storage volume type \"%s\"", type);
		return;
	}
	list = !type || streq(type, "container") ? instance_volumes(pool, recursion > 0)
						 : json_array();
	if (!type || streq(type, "custom"))
		(void)db_volume_names(the_daemon->db, pool, "custom", &names, NULL);
	STRV_FOREACH(n, names) {
		struct db_volume v = { 0 };

		if (recursion == 0) {
			json_array_append_new(list, json_sprintf("/1.0/storage-pools/%s/volumes/custom/%s",
								 pool, *n));
			continue;
		}
		if (db_volume_get(the_daemon->db, pool, "custom", *n, &v, NULL) < 0)
			continue;
		json_array_append_new(list, volume_json(&v));
		db_volume_clear(&v);
	}
	reply_sync(req, list);
}

void storage_volumes_list(struct request *req, char **params)
{
	list_volumes(req, params[0], NULL);
}

void storage_volumes_list_type(struct request *req, char **params)
{
	list_volumes(req, params[0], params[1]);
}

static int check_volume_name(const json_t *v, struct cove_error *err)
{
	const char *name = json_string_value(v);

	if (v && !json_is_string(v))
		return cove_err(err, -EINVAL, "json: cannot unmarshal name: not a string");
	if (isempty(name))
		return cove_err(err, -EINVAL, "No name provided");
	if (strchr(name, '/'))
		return cove_err(err, -EINVAL, "Invalid volume name \"%s\": Storage volume names may not contain slashes", name);
	if (streq(name, ".") || streq(name, "..") || strpbrk(name, " \t\n\\") ||
	    string_has_cc(name) || strlen(name) > 200)
		return cove_err(err, -EINVAL, "Invalid volume name \"%s\"", name);
	return 0;
}

/* The dir driver's custom volume keys, as LXD checks them. */
static int check_volume_config(const json_t *config, struct cove_error *err)
{
	static const char *const bools[] = { "security.shifted", "security.unmapped" };
	static const char *const strs[] = { "snapshots.expiry", "snapshots.schedule",
					    "snapshots.pattern" };
	const char *k;
	json_t *v;

	if (!config || json_is_null(config))
		return 0;
	if (!json_is_object(config))
		return cove_err(err, -EINVAL, "json: cannot unmarshal config: not a map");
	json_object_foreach((json_t *)config, k, v) {
		const char *s = json_string_value(v);
		bool known = startswith(k, "user.") != NULL, b;
		uint64_t n;

		if (!json_is_string(v))
			return cove_err(err, -EINVAL,
					"json: cannot unmarshal %s into Go value of type string (key '%s')",
					json_is_number(v) ? "number" : json_is_boolean(v) ? "bool" : "value",
					k);
		if (streq(k, "size")) {
			if (!isempty(s) && limits_parse_bytes(s, &n) < 0)
				return cove_err(err, -EINVAL, "Invalid value for option \"size\": \"%s\"", s);
			continue;
		}
		for (size_t i = 0; i < ELEMENTSOF(bools); i++)
			if (streq(k, bools[i])) {
				if (!isempty(s) && parse_bool(s, &b) < 0)
					return cove_err(err, -EINVAL,
							"Invalid value for option \"%s\": Invalid value for a boolean \"%s\"",
							k, s);
				known = true;
			}
		for (size_t i = 0; i < ELEMENTSOF(strs); i++)
			known = known || streq(k, strs[i]);
		if (!known)
			return cove_err(err, -EINVAL, "Invalid option \"%s\"", k);
	}
	return 0;
}

static int check_create_body(const json_t *body, struct cove_error *err)
{
	const json_t *desc = json_object_get(body, "description");
	const char *ct = json_string_value(json_object_get(body, "content_type"));
	const char *stype = json_string_value(json_object_get(json_object_get(body, "source"), "type"));
	int r;

	r = check_volume_name(json_object_get(body, "name"), err);
	if (r < 0)
		return r;
	if (!isempty(ct) && !streq(ct, "filesystem")) {
		if (streq(ct, "block"))
			return cove_err(err, -EINVAL, "Block volumes are not supported by the dir driver of coved");
		return cove_err(err, -EINVAL, "Invalid content type \"%s\"", ct);
	}
	if (!isempty(stype))
		return cove_err(err, -EOPNOTSUPP, "Volume source type \"%s\" is not supported", stype);
	if (desc && !json_is_null(desc) && !json_is_string(desc))
		return cove_err(err, -EINVAL, "json: cannot unmarshal description: not a string");
	return check_volume_config(json_object_get(body, "config"), err);
}

static void create_volume(struct request *req, const char *pool, const char *type)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *dir = NULL, *src = NULL;
	struct cove_error err = { 0 };
	struct db_pool p = { 0 };
	struct db_volume v = { 0 };
	const json_t *config;
	int r;

	if (!body || !pool_or_404(req, pool, &p))
		return;
	if (!streq_ptr(type, "custom")) {
		db_pool_clear(&p);
		reply_error(req, 400, "Currently not allowed to create storage volumes of type %s",
			    type ? type : "\"\"");
		return;
	}
	r = check_create_body(body, &err);
	if (r < 0) {
		db_pool_clear(&p);
		reply_errno(req, r, err.msg);
		return;
	}
	config = json_object_get(body, "config");
	v = (struct db_volume){
		.pool = xstrdup(pool),
		.name = xstrdup(json_string_value(json_object_get(body, "name"))),
		.type = xstrdup("custom"),
		.content_type = xstrdup("filesystem"),
		.description = xstrdup(json_string_value(json_object_get(body, "description")) ?: ""),
		.created_at = util_now_rfc3339(),
		.config = json_is_object(config) ? json_deep_copy(config) : json_object(),
	};
	dir = storage_volume_dir(&p, v.name);
	db_pool_clear(&p);
	r = db_volume_insert(the_daemon->db, &v, &err);
	if (r >= 0) {
		r = storage_make_volume(dir, &err);
		if (r < 0)
			(void)db_volume_delete(the_daemon->db, pool, "custom", v.name, NULL);
	}
	if (r < 0) {
		db_volume_clear(&v);
		reply_errno(req, r, err.msg);
		return;
	}
	/* LXD answers 200 with an empty object here (not 201) */
	reply_sync(req, json_object());
	src = xasprintf("/1.0/storage-pools/%s/volumes/custom/%s", pool, v.name);
	events_lifecycle("storage-volume-created", src, NULL);
	db_volume_clear(&v);
}

void storage_volume_create(struct request *req, char **params)
{
	create_volume(req, params[0], params[1]);
}

void storage_volume_create_any(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	const char *type;

	if (!body)
		return;
	type = json_string_value(json_object_get(body, "type"));
	/* request_json() keeps the parsed body: create_volume reads it again */
	create_volume(req, params[0], isempty(type) ? "custom" : type);
}

static bool volume_or_404(struct request *req, char **params, struct db_volume *v)
{
	struct cove_error err = { 0 };
	struct db_pool p = { 0 };
	int r;

	if (!pool_or_404(req, params[0], &p))
		return false;
	db_pool_clear(&p);
	if (!streq(params[1], "custom")) {
		reply_error(req, streq(params[1], "container") ? 501 : 400,
			    streq(params[1], "container")
				    ? "Instance volumes are managed through /1.0/instances"
				    : "Invalid storage volume type \"%s\"",
			    params[1]);
		return false;
	}
	r = db_volume_get(the_daemon->db, params[0], "custom", params[2], v, &err);
	if (r < 0)
		reply_errno(req, r, err.msg);
	return r >= 0;
}

void storage_volume_get(struct request *req, char **params)
{
	struct db_volume v = { 0 };
	json_t *etag;

	if (!volume_or_404(req, params, &v))
		return;
	etag = volume_etag(&v);
	reply_sync_etag(req, volume_json(&v), etag);
	json_decref(etag);
	db_volume_clear(&v);
}

void storage_volume_state(struct request *req, char **params)
{
	struct db_volume v = { 0 };

	if (!volume_or_404(req, params, &v))
		return;
	/* no per-volume usage without project quotas: LXD's dir driver answers null too */
	reply_sync(req, json_pack("{s:n}", "usage"));
	db_volume_clear(&v);
}

static bool etag_ok(struct request *req, const struct db_volume *v)
{
	_cleanup_json_ json_t *e = volume_etag(v);

	return api_etag_ok(req, e);
}

static void update_volume(struct request *req, char **params, bool patch)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *src = NULL;
	struct cove_error err = { 0 };
	struct db_volume v = { 0 };
	const json_t *config, *desc;
	int r;

	if (!body || !volume_or_404(req, params, &v))
		return;
	if (!etag_ok(req, &v)) {
		db_volume_clear(&v);
		return;
	}
	config = json_object_get(body, "config");
	desc = json_object_get(body, "description");
	r = check_volume_config(config, &err);
	if (r >= 0 && desc && !json_is_null(desc) && !json_is_string(desc))
		r = cove_err(&err, -EINVAL, "json: cannot unmarshal description: not a string");
	if (r < 0) {
		db_volume_clear(&v);
		reply_errno(req, r, err.msg);
		return;
	}
	if (!patch) {
		json_decref(v.config);
		v.config = json_object();
	}
	if (json_is_object(config))
		json_object_update(v.config, (json_t *)config);
	if (!patch || json_is_string(desc)) {
		free(v.description);
		v.description = xstrdup(json_string_value(desc) ?: "");
	}
	r = db_volume_update(the_daemon->db, &v, &err);
	db_volume_clear(&v);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	reply_sync(req, json_object());
	src = xasprintf("/1.0/storage-pools/%s/volumes/custom/%s", params[0], params[2]);
	events_lifecycle("storage-volume-updated", src, NULL);
}

void storage_volume_put(struct request *req, char **params)
{
	update_volume(req, params, false);
}

void storage_volume_patch(struct request *req, char **params)
{
	update_volume(req, params, true);
}

/* Point the disk devices using pool/old at new_name (instances and profiles). */
static void rename_references(const char *pool, const char *old, const char *new_name)
{
	_cleanup_strv_free_ char **names = NULL, **profiles = NULL;
	const char *k;
	json_t *d;

	(void)db_instance_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names) {
		struct db_instance i = { 0 };

		if (db_instance_get(the_daemon->db, *n, &i, NULL) < 0)
			continue;
		if (storage_devices_use_volume(i.devices, pool, old)) {
			json_object_foreach(i.devices, k, d)
				if (streq_ptr(json_string_value(json_object_get(d, "pool")), pool) &&
				    streq_ptr(json_string_value(json_object_get(d, "source")), old))
					json_object_set_new(d, "source", json_string(new_name));
			(void)db_instance_update(the_daemon->db, &i, NULL);
		}
		db_instance_clear(&i);
	}
	(void)db_profile_names(the_daemon->db, &profiles, NULL);
	STRV_FOREACH(n, profiles) {
		struct db_profile p = { 0 };

		if (db_profile_get(the_daemon->db, *n, &p, NULL) < 0)
			continue;
		if (storage_devices_use_volume(p.devices, pool, old)) {
			json_object_foreach(p.devices, k, d)
				if (streq_ptr(json_string_value(json_object_get(d, "pool")), pool) &&
				    streq_ptr(json_string_value(json_object_get(d, "source")), old))
					json_object_set_new(d, "source", json_string(new_name));
			(void)db_profile_put(the_daemon->db, &p, NULL);
		}
		db_profile_clear(&p);
	}
}

/* Is one of the instances in used_by running? */
static bool used_by_running(const json_t *users)
{
	size_t i;
	json_t *u;

	json_array_foreach(users, i, u) {
		const char *name = startswith(json_string_value(u) ?: "", "/1.0/instances/");
		struct instance_state s;

		if (!name)
			continue;
		instance_state_get(name, &s);
		if (s.state != COVE_STATE_STOPPED)
			return true;
	}
	return false;
}

void storage_volume_rename(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req), *users = NULL;
	_cleanup_free_ char *from = NULL, *to = NULL, *loc = NULL;
	struct cove_error err = { 0 };
	struct db_volume v = { 0 };
	struct db_pool p = { 0 };
	const char *name, *pool;
	int r;

	if (!body || !volume_or_404(req, params, &v))
		return;
	db_volume_clear(&v);
	pool = json_string_value(json_object_get(body, "pool"));
	if (json_is_true(json_object_get(body, "migration")) || (!isempty(pool) && !streq(pool, params[0]))) {
		reply_error(req, 501, "Moving a storage volume to another pool is not supported");
		return;
	}
	r = check_volume_name(json_object_get(body, "name"), &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	name = json_string_value(json_object_get(body, "name"));
	users = volume_used_by(params[0], params[2]);
	if (used_by_running(users)) {
		reply_error(req, 400, "Volume is still in use by running instances");
		return;
	}
	if (!pool_or_404(req, params[0], &p))
		return;
	from = storage_volume_dir(&p, params[2]);
	to = storage_volume_dir(&p, name);
	db_pool_clear(&p);
	r = db_volume_rename(the_daemon->db, params[0], "custom", params[2], name, &err);
	if (r >= 0 && rename(from, to) < 0) {
		r = cove_err(&err, -errno, "Failed to rename '%s': %m", from);
		(void)db_volume_rename(the_daemon->db, params[0], "custom", name, params[2], NULL);
	}
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	rename_references(params[0], params[2], name);
	loc = xasprintf("/1.0/storage-pools/%s/volumes/custom/%s", params[0], name);
	reply_created(req, loc);
	events_lifecycle("storage-volume-renamed", loc, json_pack("{s:s}", "old_name", params[2]));
}

void storage_volume_delete(struct request *req, char **params)
{
	_cleanup_json_ json_t *users = NULL;
	_cleanup_free_ char *dir = NULL, *src = NULL;
	struct cove_error err = { 0 };
	struct db_volume v = { 0 };
	struct db_pool p = { 0 };
	int r;

	if (!volume_or_404(req, params, &v))
		return;
	db_volume_clear(&v);
	users = volume_used_by(params[0], params[2]);
	if (json_array_size(users) > 0) {
		reply_error(req, 400, "The storage volume is still in use");
		return;
	}
	if (!pool_or_404(req, params[0], &p))
		return;
	dir = storage_volume_dir(&p, params[2]);
	db_pool_clear(&p);
	r = storage_remove_volume(dir);
	if (r < 0 && r != -ENOENT) {
		reply_error(req, 500, "Failed to remove '%s': %s", dir, strerror(-r));
		return;
	}
	r = db_volume_delete(the_daemon->db, params[0], "custom", params[2], &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	reply_sync(req, json_object());
	src = xasprintf("/1.0/storage-pools/%s/volumes/custom/%s", params[0], params[2]);
	events_lifecycle("storage-volume-deleted", src, NULL);
}
