/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/instances/NAME/snapshots: list, take (POST), show, update
 * (PUT/PATCH: expires_at, description), rename (POST), delete; and the
 * restore that PUT /1.0/instances/NAME {"restore": SNAP} asks for.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "api-snapshots.h"
#include "daemon.h"
#include "db/db.h"
#include "events.h"
#include "instances/instance.h"
#include "instances/instance-snapshot.h"
#include "log.h"
#include "operations.h"
#include "router.h"
#include "strutil.h"
#include "util.h"

LOG_MODULE("api-snapshots");

struct snap_job {
	char *instance;
	char *snap;
	char *new_name; /* rename */
	json_t *meta;	/* take */
	bool restart;	/* restore of a running instance */
};

static void snap_job_free(void *p)
{
	struct snap_job *j = p;

	free(j->instance);
	free(j->snap);
	free(j->new_name);
	if (j->meta)
		json_decref(j->meta);
	free(j);
}

static struct snap_job *snap_job_new(const char *instance, const char *snap)
{
	struct snap_job *j = xzalloc(sizeof(*j));

	j->instance = xstrdup(instance);
	j->snap = xstrdup(snap);
	return j;
}

static bool instance_or_404(struct request *req, const char *name, struct db_instance *ret)
{
	struct cove_error err = { 0 };
	int r = db_instance_get(the_daemon->db, name, ret, &err);

	if (r < 0)
		reply_errno(req, r, err.msg);
	return r >= 0;
}

static bool snapshot_or_404(struct request *req, const char *instance, const char *snap)
{
	struct db_instance i = { 0 };

	if (!instance_or_404(req, instance, &i))
		return false;
	db_instance_clear(&i);
	if (!snapshot_exists(instance, snap)) {
		reply_error(req, 404, "Snapshot not found");
		return false;
	}
	return true;
}

static char *snap_source(const char *instance, const char *snap)
{
	return xasprintf("/1.0/instances/%s/snapshots/%s", instance, snap);
}

/* A time stamp as LXD takes it: RFC 3339 (or null / "" = no expiry). */
static int parse_expires(const json_t *v, char **ret, struct cove_error *err)
{
	const char *s = json_string_value(v);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!s)
		return cove_err(err, -EINVAL, "json: cannot unmarshal expires_at: not a string");
	if (!*s)
		return 0;
	if (snapshot_parse_time(s) < 0 && !startswith(s, "0001-"))
		return cove_err(err, -EINVAL, "parsing time \"%s\": not an RFC 3339 time", s);
	*ret = xstrdup(s);
	return 0;
}

static void list_snapshots(struct request *req, char **params)
{
	struct db_instance i = { 0 };
	json_t *l;

	if (!instance_or_404(req, params[0], &i))
		return;
	db_instance_clear(&i);
	l = snapshots_to_json(params[0], request_recursion(req));
	reply_sync(req, l ? l : json_array());
}

/* take */

static int take_run(void *userdata, struct cove_error *err)
{
	struct snap_job *j = userdata;

	return snapshot_take_run(j->instance, j->snap, j->meta, err);
}

static void take_done(struct operation *op, void *userdata, int r, const struct cove_error *err)
{
	struct snap_job *j = userdata;
	_cleanup_free_ char *src = snap_source(j->instance, j->snap);

	if (r < 0) {
		operation_finish(op, cove_err_msg(err, r));
		return;
	}
	events_lifecycle("instance-snapshot-created", src, NULL);
	operation_finish(op, NULL);
}

static int take_request(const json_t *body, const struct db_instance *i, char **ret_name,
			char **ret_expires, struct cove_error *err)
{
	const json_t *name = json_object_get(body, "name"), *st = json_object_get(body, "stateful");
	_cleanup_free_ char *n = NULL, *exp = NULL;
	int r;

	if (st && !json_is_boolean(st) && !json_is_null(st))
		return cove_err(err, -EINVAL, "json: cannot unmarshal stateful: not a bool");
	if (json_is_true(st))
		return cove_err(err, -EOPNOTSUPP,
				"Unable to create a stateful snapshot: CRIU isn't available here");
	if (name && !json_is_null(name) && !json_is_string(name))
		return cove_err(err, -EINVAL, "json: cannot unmarshal name: not a string");
	if (isempty(json_string_value(name))) {
		n = snapshot_next_name(i->name, json_string_value(json_object_get(
							    i->config, "snapshots.pattern")));
		if (!n)
			return cove_err(err, -EEXIST, "No free snapshot name for snapshots.pattern");
	} else
		n = xstrdup(json_string_value(name));
	r = snapshot_name_validate(n, err);
	if (r < 0)
		return r;
	if (snapshot_exists(i->name, n))
		return cove_err(err, -EEXIST, "Snapshot \"%s\" already exists", n);
	r = parse_expires(json_object_get(body, "expires_at"), &exp, err);
	if (r < 0)
		return r;
	if (!json_object_get(body, "expires_at") || json_is_null(json_object_get(body, "expires_at")))
		exp = snapshot_expiry_from(
			json_string_value(json_object_get(i->config, "snapshots.expiry")));
	*ret_name = TAKE_PTR(n);
	*ret_expires = TAKE_PTR(exp);
	return 0;
}

static void take_snapshot(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *name = NULL, *exp = NULL;
	struct db_instance i = { 0 };
	struct cove_error err = { 0 };
	struct snap_job *j;
	struct operation *op;
	int r;

	if (!body || !instance_or_404(req, params[0], &i))
		return;
	r = take_request(body, &i, &name, &exp, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		db_instance_clear(&i);
		return;
	}
	j = snap_job_new(params[0], name);
	j->meta = snapshot_meta_new(&i, exp);
	if (json_is_string(json_object_get(body, "description")))
		json_object_set(j->meta, "description", json_object_get(body, "description"));
	db_instance_clear(&i);
	op = operation_new(OP_CLASS_TASK, "Snapshotting instance",
			   operation_instance_resources(params[0]));
	operation_run(op, take_run, take_done, j, snap_job_free);
	reply_async(req, op);
}

/* show, update */

static void get_snapshot(struct request *req, char **params)
{
	json_t *s;

	if (!snapshot_or_404(req, params[0], params[1]))
		return;
	s = snapshot_to_json(params[0], params[1]);
	if (!s) {
		reply_error(req, 404, "Snapshot not found");
		return;
	}
	reply_sync_etag(req, s, json_object_get(s, "expires_at"));
}

static void update_snapshot(struct request *req, char **params, bool patch)
{
	_cleanup_json_ json_t *body = request_json(req), *meta = NULL;
	_cleanup_free_ char *exp = NULL, *src = NULL;
	const json_t *desc;
	struct cove_error err = { 0 };
	struct operation *op;
	int r;

	if (!body || !snapshot_or_404(req, params[0], params[1]))
		return;
	desc = json_object_get(body, "description");
	r = snapshot_meta_load(params[0], params[1], &meta, &err);
	if (r >= 0)
		r = parse_expires(json_object_get(body, "expires_at"), &exp, &err);
	if (r >= 0 && desc && !json_is_string(desc) && !json_is_null(desc))
		r = cove_err(&err, -EINVAL, "json: cannot unmarshal description: not a string");
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	if (!patch || json_object_get(body, "expires_at"))
		json_object_set_new(meta, "expires_at", json_string(exp ? exp : SNAPSHOT_ZERO_TIME));
	if (!patch || desc)
		json_object_set_new(meta, "description",
				    json_string(json_is_string(desc) ? json_string_value(desc) : ""));
	r = snapshot_meta_save(params[0], params[1], meta, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	op = operation_new(OP_CLASS_TASK, "Updating snapshot", operation_instance_resources(params[0]));
	operation_set_running(op);
	reply_async(req, op);
	src = snap_source(params[0], params[1]);
	events_lifecycle("instance-snapshot-updated", src, NULL);
	operation_finish(op, NULL);
}

static void put_snapshot(struct request *req, char **params)
{
	update_snapshot(req, params, false);
}

static void patch_snapshot(struct request *req, char **params)
{
	update_snapshot(req, params, true);
}

/* rename, delete */

static void rename_snapshot(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *from = NULL, *to = NULL, *src = NULL;
	struct cove_error err = { 0 };
	struct operation *op;
	const char *name;
	int r;

	if (!body || !snapshot_or_404(req, params[0], params[1]))
		return;
	if (json_is_true(json_object_get(body, "migration"))) {
		reply_error(req, 501, "Migration is not supported");
		return;
	}
	name = json_string_value(json_object_get(body, "name"));
	r = snapshot_name_validate(name, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	if (snapshot_exists(params[0], name)) {
		reply_error(req, 409, "Name \"%s\" already in use", name);
		return;
	}
	from = snapshot_dir(params[0], params[1]);
	to = snapshot_dir(params[0], name);
	if (rename(from, to) < 0) {
		reply_error(req, 500, "Failed to rename snapshot: %m");
		return;
	}
	op = operation_new(OP_CLASS_TASK, "Renaming snapshot", operation_instance_resources(params[0]));
	operation_set_running(op);
	reply_async(req, op);
	src = snap_source(params[0], name);
	events_lifecycle("instance-snapshot-renamed", src,
			 json_pack("{s:s}", "old_name", params[1]));
	operation_finish(op, NULL);
}

static int delete_run(void *userdata, struct cove_error *err)
{
	struct snap_job *j = userdata;

	return snapshot_delete_run(j->instance, j->snap, err);
}

static void delete_done(struct operation *op, void *userdata, int r, const struct cove_error *err)
{
	struct snap_job *j = userdata;
	_cleanup_free_ char *src = snap_source(j->instance, j->snap);

	if (r < 0) {
		operation_finish(op, cove_err_msg(err, r));
		return;
	}
	events_lifecycle("instance-snapshot-deleted", src, NULL);
	operation_finish(op, NULL);
}

static void delete_snapshot(struct request *req, char **params)
{
	struct operation *op;

	if (!snapshot_or_404(req, params[0], params[1]))
		return;
	op = operation_new(OP_CLASS_TASK, "Deleting snapshot", operation_instance_resources(params[0]));
	operation_run(op, delete_run, delete_done, snap_job_new(params[0], params[1]), snap_job_free);
	reply_async(req, op);
}

/* restore */

static int restore_run(void *userdata, struct cove_error *err)
{
	struct snap_job *j = userdata;
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct cove_start_opts o = { 0 };
	int r;

	r = cove_container_new(the_daemon->lxcpath, j->instance, &ct, err);
	if (r < 0)
		return r;
	if (j->restart) {
		r = cove_container_stop(ct, COVE_STOP_KILL, 0, false, false, err);
		if (r < 0)
			return r;
	}
	r = snapshot_restore_run(j->instance, j->snap, err);
	if (r >= 0 && j->restart)
		r = cove_container_start(ct, &o, err);
	return r;
}

static void restore_done(struct operation *op, void *userdata, int r, const struct cove_error *err)
{
	struct snap_job *j = userdata;
	_cleanup_free_ char *src = xasprintf("/1.0/instances/%s", j->instance);
	_cleanup_free_ char *ctx = xasprintf("%s/%s", j->instance, j->snap);

	if (r < 0) {
		log_warning("Failed to restore '%s': %s", ctx, cove_err_msg(err, r));
		operation_finish(op, cove_err_msg(err, r));
		return;
	}
	events_lifecycle("instance-restored", src, json_pack("{s:s}", "snapshot", ctx));
	operation_finish(op, NULL);
}

/* The snapshot's config, devices and profiles; the instance keeps its volatile.* keys. */
static int restore_row(struct db_instance *i, const json_t *meta, struct cove_error *err)
{
	struct db_instance s = { 0 };
	const char *k;
	json_t *v;
	void *tmp;
	int r;

	snapshot_meta_to_instance(meta, &s);
	json_object_foreach(i->config, k, v)
		if (startswith(k, "volatile."))
			json_object_set(s.config, k, v);
	json_object_foreach_safe(s.config, tmp, k, v)
		if (startswith(k, "volatile.") && !json_object_get(i->config, k))
			json_object_del(s.config, k);
	json_decref(i->config);
	json_decref(i->devices);
	json_decref(i->profiles);
	i->config = TAKE_PTR(s.config);
	i->devices = TAKE_PTR(s.devices);
	i->profiles = TAKE_PTR(s.profiles);
	i->ephemeral = s.ephemeral;
	db_instance_clear(&s);
	r = db_instance_update(the_daemon->db, i, err);
	if (r >= 0)
		r = instance_write_initial_config(i->name, err);
	return r;
}

void api_snapshot_restore(struct request *req, const char *instance, const json_t *body)
{
	const char *snap = json_string_value(json_object_get(body, "restore")), *slash;
	_cleanup_json_ json_t *meta = NULL;
	struct db_instance i = { 0 };
	struct cove_error err = { 0 };
	struct instance_state s;
	struct operation *op;
	struct snap_job *j;
	int r;

	if (!snap) {
		reply_error(req, 400, "json: cannot unmarshal restore: not a string");
		return;
	}
	/* "c1/snap0" (older clients) or "snap0" */
	slash = strchr(snap, '/');
	if (slash && strncmp(snap, instance, (size_t)(slash - snap)) == 0 &&
	    strlen(instance) == (size_t)(slash - snap))
		snap = slash + 1;
	if (json_is_true(json_object_get(body, "stateful"))) {
		reply_error(req, 400, "Stateful restore needs CRIU, which isn't available here");
		return;
	}
	if (!snapshot_or_404(req, instance, snap) || !instance_or_404(req, instance, &i))
		return;
	r = snapshot_meta_load(instance, snap, &meta, &err);
	if (r >= 0)
		r = restore_row(&i, meta, &err);
	db_instance_clear(&i);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	j = snap_job_new(instance, snap);
	instance_state_get(instance, &s);
	j->restart = s.state != COVE_STATE_STOPPED;
	op = operation_new(OP_CLASS_TASK, "Restoring snapshot", operation_instance_resources(instance));
	operation_run(op, restore_run, restore_done, j, snap_job_free);
	reply_async(req, op);
}

/* the scheduler's */

void api_snapshot_take_scheduled(const struct db_instance *i, const char *pattern,
				 const char *expiry)
{
	_cleanup_free_ char *name = snapshot_next_name(i->name, pattern);
	_cleanup_free_ char *exp = snapshot_expiry_from(expiry);
	struct operation *op;
	struct snap_job *j;

	if (!name || snapshot_name_validate(name, NULL) < 0) {
		log_warning("No free snapshot name for '%s' (snapshots.pattern)", i->name);
		return;
	}
	log_info("Scheduled snapshot of '%s': %s", i->name, name);
	j = snap_job_new(i->name, name);
	j->meta = snapshot_meta_new(i, exp);
	op = operation_new(OP_CLASS_TASK, "Snapshotting instance",
			   operation_instance_resources(i->name));
	operation_run(op, take_run, take_done, j, snap_job_free);
}

void api_snapshot_delete_async(const char *instance, const char *snap)
{
	struct operation *op;

	op = operation_new(OP_CLASS_TASK, "Deleting snapshot", operation_instance_resources(instance));
	operation_run(op, delete_run, delete_done, snap_job_new(instance, snap), snap_job_free);
}

const struct route api_snapshots_routes[] = {
	{ HTTP_GET, "/1.0/instances/*/snapshots", list_snapshots },
	{ HTTP_POST, "/1.0/instances/*/snapshots", take_snapshot },
	{ HTTP_GET, "/1.0/instances/*/snapshots/*", get_snapshot },
	{ HTTP_PUT, "/1.0/instances/*/snapshots/*", put_snapshot },
	{ HTTP_PATCH, "/1.0/instances/*/snapshots/*", patch_snapshot },
	{ HTTP_POST, "/1.0/instances/*/snapshots/*", rename_snapshot },
	{ HTTP_DELETE, "/1.0/instances/*/snapshots/*", delete_snapshot },
	{ 0, NULL, NULL },
};
