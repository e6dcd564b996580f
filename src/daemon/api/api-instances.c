/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/instances: list (recursion 0/1/2, basic filter), create from an
 * image, show, replace (PUT with If-Match), patch, rename and delete.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "api-common.h"
#include "api-snapshots.h"
#include "daemon.h"
#include "images/image-template.h"
#include "db/db.h"
#include "events.h"
#include "fileio.h"
#include "images/image.h"
#include "instances/instance.h"
#include "networks/network.h"
#include "instances/instance-lifecycle.h"
#include "instances/instance-limits.h"
#include "instances/instance-storage.h"
#include "instances/instance-snapshot.h"
#include "log.h"
#include "operations.h"
#include "proxy/proxy.h"
#include "router.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

LOG_MODULE("api-instances");

static void list_instances(struct request *req, char **params)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_free_ char *filter = request_arg(req, "filter");
	struct cove_error err = { 0 };
	int recursion = request_recursion(req), r;
	json_t *list;

	r = db_instance_names(the_daemon->db, &names, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	list = json_array();
	STRV_FOREACH(n, names) {
		struct db_instance i = { 0 };
		json_t *obj;

		if (db_instance_get(the_daemon->db, *n, &i, NULL) < 0)
			continue;
		obj = instance_to_json(&i, recursion >= 2);
		db_instance_clear(&i);
		if (!api_filter_match(filter, obj)) {
			json_decref(obj);
			continue;
		}
		if (recursion == 0) {
			json_decref(obj);
			obj = json_sprintf("/1.0/instances/%s", *n);
		}
		json_array_append_new(list, obj);
	}
	reply_sync(req, list);
}

static bool load_or_404(struct request *req, const char *name, struct db_instance *ret)
{
	struct cove_error err = { 0 };
	int r = db_instance_get(the_daemon->db, name, ret, &err);

	if (r < 0)
		reply_errno(req, r, err.msg);
	return r >= 0;
}

static void get_instance(struct request *req, char **params)
{
	struct db_instance i = { 0 };
	json_t *etag;

	if (!load_or_404(req, params[0], &i))
		return;
	etag = instance_etag_json(&i);
	reply_sync_etag(req, instance_to_json(&i, request_recursion(req) >= 1), etag);
	json_decref(etag);
	db_instance_clear(&i);
}

/* create */

struct create_job {
	char *name;
	char *fingerprint; /* NULL: empty rootfs (source "none") */
	char *dir;
	char *volume; /* the instance volume in its root disk's pool (NULL: none) */
	char *copy_from;    /* source "copy": the instance */
	char *copy_snap;    /* and its snapshot, or NULL */
	bool instance_only; /* copy without the snapshots */
};

static void create_job_free(void *p)
{
	struct create_job *j = p;

	free(j->name);
	free(j->fingerprint);
	free(j->dir);
	free(j->volume);
	free(j->copy_from);
	free(j->copy_snap);
	free(j);
}

/*
 * What LXD's image templates do for /etc/hostname: the instance's name, if
 * the image has that file. The rootfs is untrusted: no symlink is followed.
 */
static void set_hostname_file(const char *rootfs, const char *name)
{
	_cleanup_close_ int root = open(rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int etc = -EBADF, fd = -EBADF;
	_cleanup_free_ char *line = xasprintf("%s\n", name);

	if (root < 0)
		return;
	etc = openat(root, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (etc < 0)
		return;
	fd = openat(etc, "hostname", O_WRONLY | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		(void)loop_write(fd, line, strlen(line));
}

static int create_run(void *userdata, struct cove_error *err)
{
	struct create_job *j = userdata;
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", j->dir);
	int r;

	r = storage_instance_make_dir(j->dir, j->volume, err);
	if (r < 0)
		return r;
	if (j->copy_from) {
		r = instance_copy_run(j->copy_from, j->copy_snap, j->instance_only, j->dir, err);
		if (r >= 0)
			r = instance_templates_copied(j->copy_from, j->dir, err);
		if (r >= 0)
			set_hostname_file(rootfs, j->name);
		return r;
	}
	if (!j->fingerprint)
		return mkdir(rootfs, 0755) < 0 ? cove_err(err, -errno, "Failed to create '%s': %m", rootfs) : 0;
	r = image_copy_rootfs(the_daemon->images_dir, j->fingerprint, rootfs, err);
	if (r < 0)
		return r;
	set_hostname_file(rootfs, j->name);
	return 0;
}

static void create_done(struct operation *op, void *userdata, int r, const struct cove_error *err)
{
	struct create_job *j = userdata;
	_cleanup_free_ char *src = xasprintf("/1.0/instances/%s", j->name);
	struct cove_error e2 = { 0 };

	if (r >= 0)
		r = instance_write_initial_config(j->name, &e2);
	else
		e2 = *err;
	if (r < 0) {
		if (r != -EEXIST && r != -ENOTEMPTY) {
			_cleanup_free_ char *vol = storage_instance_volume_of(j->dir);

			if (vol)
				(void)storage_remove_volume(vol);
			(void)rm_rf(j->dir);
		}
		(void)db_instance_delete(the_daemon->db, j->name, NULL);
		operation_finish(op, cove_err_msg(&e2, r));
		return;
	}
	events_lifecycle("instance-created", src, NULL);
	operation_finish(op, NULL);
}

static int resolve_source(json_t *source, char **ret_fp, struct cove_error *err)
{
	const char *type = json_string_value(json_object_get(source, "type"));
	const char *alias = json_string_value(json_object_get(source, "alias"));
	const char *fp = json_string_value(json_object_get(source, "fingerprint"));
	struct db_image img = { 0 };
	_cleanup_free_ char *target = NULL;
	int r;

	*ret_fp = NULL;
	if (streq_ptr(type, "none"))
		return 0;
	if (!streq_ptr(type, "image"))
		return cove_err(err, -EINVAL, "Unknown source type %s", type ? type : "");
	if (!isempty(alias)) {
		r = db_alias_get(the_daemon->db, alias, &target, NULL, err);
		if (r < 0)
			return r;
		fp = target;
	}
	if (isempty(fp))
		return cove_err(err, -EINVAL, "Must specify one of alias, fingerprint or properties for init from image");
	r = db_image_get(the_daemon->db, fp, &img, err);
	if (r < 0)
		return r;
	*ret_fp = TAKE_PTR(img.fingerprint);
	db_image_clear(&img);
	return 0;
}

static void image_config(const char *fp, json_t *config)
{
	struct db_image img = { 0 };
	const char *k;
	json_t *v;

	json_object_set_new(config, "volatile.base_image", json_string(fp));
	(void)db_image_touch(the_daemon->db, fp, NULL);
	/* the image's "create" templates are rendered at the first start, as LXD does */
	json_object_set_new(config, "volatile.apply_template", json_string("create"));
	if (db_image_get(the_daemon->db, fp, &img, NULL) < 0)
		return;
	json_object_foreach(img.properties, k, v) {
		_cleanup_free_ char *key = xasprintf("image.%s", k);

		json_object_set(config, key, v);
	}
	db_image_clear(&img);
}

static void create_instance(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = NULL;
	struct db_instance i = { 0 };
	struct cove_error err = { 0 };
	_cleanup_free_ char *fp = NULL, *now = NULL, *copy_from = NULL, *copy_snap = NULL;
	_cleanup_free_ char *volume = NULL;
	json_t *source;
	struct create_job *job;
	struct operation *op;
	char uuid[37];
	int r;

	if (api_backup_upload(req)) {
		api_backup_import(req);
		return;
	}
	body = request_json(req);
	if (!body)
		return;
	source = json_object_get(body, "source");
	r = api_instance_fields(body, &i, true, &err);
	if (r >= 0 && isempty(i.name)) {
		free(i.name);
		i.name = NULL;
		r = instance_pick_name(&i.name, &err);
	}
	if (r >= 0)
		r = instance_name_validate(i.name, &err);
	if (r >= 0 && streq_ptr(json_string_value(json_object_get(source, "type")), "copy"))
		r = instance_copy_source(source, i.config, &copy_from, &copy_snap, &err);
	else if (r >= 0)
		r = resolve_source(source, &fp, &err);
	if (r >= 0 && fp && !json_is_array(json_object_get(body, "profiles")))
		image_default_profiles(fp, &i.profiles);
	if (r >= 0) {
		_cleanup_json_ json_t *ec = NULL, *ed = NULL;

		r = instance_expand(&i, &ec, &ed, &err);
		if (r >= 0)
			r = storage_instance_volume(i.name, ed, &volume, &err);
	}
	if (r < 0) {
		reply_errno(req, r, err.msg);
		db_instance_clear(&i);
		return;
	}
	now = util_now_rfc3339();
	i.created_at = xstrdup(now);
	i.last_used_at = xstrdup("1970-01-01T00:00:00Z");
	util_uuid(uuid);
	json_object_set_new(i.config, "volatile.uuid", json_string(uuid));
	if (fp)
		image_config(fp, i.config);
	if (copy_from)
		json_object_set_new(i.config, "volatile.apply_template", json_string("copy"));
	r = db_instance_insert(the_daemon->db, &i, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		db_instance_clear(&i);
		return;
	}
	job = xzalloc(sizeof(*job));
	job->name = xstrdup(i.name);
	job->fingerprint = TAKE_PTR(fp);
	job->copy_from = TAKE_PTR(copy_from);
	job->copy_snap = TAKE_PTR(copy_snap);
	job->instance_only = json_is_true(json_object_get(source, "instance_only"));
	job->dir = xasprintf("%s/%s", the_daemon->lxcpath, i.name);
	job->volume = TAKE_PTR(volume);
	op = operation_new(OP_CLASS_TASK, "Creating instance", operation_instance_resources(i.name));
	operation_run(op, create_run, create_done, job, create_job_free);
	reply_async(req, op);
	db_instance_clear(&i);
}

/* update */

static bool etag_ok(struct request *req, const struct db_instance *i)
{
	_cleanup_json_ json_t *e = instance_etag_json(i);

	return api_etag_ok(req, e);
}

/* limits.* take effect at once on a running instance, as in LXD */
static int apply_limits_live(const struct db_instance *i, struct cove_error *err)
{
	_cleanup_json_ json_t *config = NULL, *devices = NULL;
	int r;

	r = instance_expand(i, &config, &devices, err);
	if (r < 0)
		return r;
	r = limits_apply_running(the_daemon->lxcpath, i->name, config, err);
	return r < 0 ? cove_err_prefix(err, "Failed to apply limits") : 0;
}

static void update_instance(struct request *req, char **params, bool patch)
{
	_cleanup_json_ json_t *body = request_json(req), *old_devices = NULL;
	struct db_instance i = { 0 }, n = { 0 };
	struct cove_error err = { 0 };
	struct operation *op;
	int r;

	if (!body || !load_or_404(req, params[0], &i))
		return;
	if (!etag_ok(req, &i)) {
		db_instance_clear(&i);
		return;
	}
	old_devices = proxy_expanded_devices(&i);
	r = api_instance_fields(body, &n, false, &err);
	if (r >= 0)
		r = api_instance_apply(&i, &n, body, patch, &err);
	if (r >= 0) /* proxy devices added/removed on a running instance */
		r = proxy_update_instance(&i, old_devices, &err);
	if (r >= 0) /* disk devices mounted/unmounted in a running instance */
		r = storage_update_instance(&i, old_devices, &err);
	if (r >= 0)
		r = db_instance_update(the_daemon->db, &i, &err);
	if (r >= 0)
		r = apply_limits_live(&i, &err);
	if (r >= 0) /* a nic's ipv4.address: dnsmasq re-reads its hosts now, not racing the next start */
		networks_sync_static_leases();
	if (r < 0) {
		reply_errno(req, r, err.msg);
	} else {
		_cleanup_free_ char *src = xasprintf("/1.0/instances/%s", i.name);

		op = operation_new(OP_CLASS_TASK, "Updating instance",
				   operation_instance_resources(i.name));
		operation_set_running(op);
		reply_async(req, op);
		events_lifecycle("instance-updated", src, NULL);
		operation_finish(op, NULL);
	}
	db_instance_clear(&i);
	db_instance_clear(&n);
}

static void put_instance(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = req->body ? json_loadb(req->body, req->body_len, 0, NULL) : NULL;

	if (json_object_get(body, "restore")) {
		api_snapshot_restore(req, params[0], body);
		return;
	}
	update_instance(req, params, false);
}

static void patch_instance(struct request *req, char **params)
{
	update_instance(req, params, true);
}

/* rename */

static void rename_instance(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *old_dir = NULL, *new_dir = NULL, *src = NULL;
	struct db_instance i = { 0 };
	struct cove_error err = { 0 };
	struct instance_state s;
	struct operation *op;
	const char *name;
	int r;

	if (!body || !load_or_404(req, params[0], &i))
		return;
	db_instance_clear(&i);
	if (json_is_true(json_object_get(body, "migration"))) {
		reply_error(req, 501, "Migration is not supported");
		return;
	}
	name = json_string_value(json_object_get(body, "name"));
	r = instance_name_validate(name, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	instance_state_get(params[0], &s);
	if (s.state != COVE_STATE_STOPPED) {
		reply_error(req, 400, "Renaming of running instance not allowed");
		return;
	}
	old_dir = xasprintf("%s/%s", the_daemon->lxcpath, params[0]);
	new_dir = xasprintf("%s/%s", the_daemon->lxcpath, name);
	if (access(new_dir, F_OK) == 0) {
		reply_error(req, 409, "Name \"%s\" already in use", name);
		return;
	}
	r = db_instance_rename(the_daemon->db, params[0], name, &err);
	if (r >= 0 && rename(old_dir, new_dir) < 0) {
		r = cove_err(&err, -errno, "Failed to rename instance directory: %m");
		(void)db_instance_rename(the_daemon->db, name, params[0], NULL);
	}
	if (r >= 0)
		r = storage_instance_rename(new_dir, name, &err);
	if (r >= 0)
		r = instance_write_initial_config(name, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	instance_templates_renamed(name);
	op = operation_new(OP_CLASS_TASK, "Renaming instance", operation_instance_resources(params[0]));
	operation_set_running(op);
	reply_async(req, op);
	src = xasprintf("/1.0/instances/%s", name);
	events_lifecycle("instance-renamed", src, json_pack("{s:s}", "old_name", params[0]));
	operation_finish(op, NULL);
}

/* delete */

static int delete_run(void *userdata, struct cove_error *err)
{
	const char *dir = userdata;
	_cleanup_free_ char *vol = storage_instance_volume_of(dir);
	int r;

	cove_container_forget_socket(dir);
	r = vol ? storage_remove_volume(vol) : 0;
	if (r < 0 && r != -ENOENT)
		return cove_err(err, r, "Failed to remove '%s': %s", vol, strerror(-r));
	r = rm_rf(dir);
	return r < 0 && r != -ENOENT ? cove_err(err, r, "Failed to remove '%s': %s", dir, strerror(-r)) : 0;
}

static void delete_done(struct operation *op, void *userdata, int r, const struct cove_error *err)
{
	const char *dir = userdata;
	const char *name = strrchr(dir, '/') + 1;
	_cleanup_free_ char *src = xasprintf("/1.0/instances/%s", name);

	if (r < 0) {
		operation_finish(op, cove_err_msg(err, r));
		return;
	}
	(void)db_instance_delete(the_daemon->db, name, NULL);
	events_lifecycle("instance-deleted", src, NULL);
	operation_finish(op, NULL);
}

static void delete_instance(struct request *req, char **params)
{
	struct db_instance i = { 0 };
	struct instance_state s;
	struct operation *op;

	if (!load_or_404(req, params[0], &i))
		return;
	db_instance_clear(&i);
	instance_state_get(params[0], &s);
	if (s.state != COVE_STATE_STOPPED) {
		reply_error(req, 400, "Instance is running");
		return;
	}
	op = operation_new(OP_CLASS_TASK, "Deleting instance", operation_instance_resources(params[0]));
	operation_run(op, delete_run, delete_done, xasprintf("%s/%s", the_daemon->lxcpath, params[0]),
		      free);
	reply_async(req, op);
}

const struct route api_instances_routes[] = {
	{ HTTP_GET, "/1.0/instances", list_instances },
	{ HTTP_POST, "/1.0/instances", create_instance },
	{ HTTP_GET, "/1.0/instances/*", get_instance },
	{ HTTP_PUT, "/1.0/instances/*", put_instance },
	{ HTTP_PATCH, "/1.0/instances/*", patch_instance },
	{ HTTP_POST, "/1.0/instances/*", rename_instance },
	{ HTTP_DELETE, "/1.0/instances/*", delete_instance },
	{ 0, NULL, NULL },
};
