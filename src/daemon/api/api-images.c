/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/images and /1.0/images/aliases. POST /1.0/images takes either a raw
 * unified tarball (the body, as `lxc image import` sends it) or the cove
 * extension {"source":{"type":"cove-build","template":"busybox"},
 * "aliases":[{"name":"busybox"}]} which builds the image offline
 * (api extension "cove_image_build").
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "api-snapshots.h"
#include "daemon.h"
#include "db/db.h"
#include "events.h"
#include "fileio.h"
#include "images/image.h"
#include "log.h"
#include "operations.h"
#include "router.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

LOG_MODULE("api-images");

static void list_images(struct request *req, char **params)
{
	_cleanup_strv_free_ char **fps = NULL;
	struct cove_error err = { 0 };
	int recursion = request_recursion(req), r;
	json_t *list;

	r = db_image_fingerprints(the_daemon->db, &fps, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	list = json_array();
	STRV_FOREACH(fp, fps) {
		struct db_image i = { 0 };

		if (recursion == 0) {
			json_array_append_new(list, json_sprintf("/1.0/images/%s", *fp));
			continue;
		}
		if (db_image_get(the_daemon->db, *fp, &i, NULL) < 0)
			continue;
		json_array_append_new(list, image_to_json(&i));
		db_image_clear(&i);
	}
	reply_sync(req, list);
}

static void get_image(struct request *req, char **params)
{
	struct db_image i = { 0 };
	struct cove_error err = { 0 };
	int r = db_image_get(the_daemon->db, params[0], &i, &err);
	json_t *j, *etag;

	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	j = image_to_json(&i);
	etag = image_put_json(&i);
	reply_sync_etag(req, j, etag);
	json_decref(etag);
	db_image_clear(&i);
}

static int remove_run(void *userdata, struct cove_error *err)
{
	(void)image_remove_files(the_daemon->images_dir, userdata);
	return 0;
}

static void remove_done(struct operation *op, void *userdata, int r, const struct cove_error *err)
{
	_cleanup_free_ char *src = xasprintf("/1.0/images/%s", (const char *)userdata);

	events_lifecycle("image-deleted", src, NULL);
	operation_finish(op, NULL);
}

static void delete_image(struct request *req, char **params)
{
	struct db_image i = { 0 };
	struct cove_error err = { 0 };
	struct operation *op;
	int r = db_image_get(the_daemon->db, params[0], &i, &err);

	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	r = db_image_delete(the_daemon->db, i.fingerprint, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		db_image_clear(&i);
		return;
	}
	/* a big rootfs takes a while to remove: on the thread pool, not the loop */
	op = operation_new(OP_CLASS_TASK, "Deleting image",
			   json_pack("{s:[o]}", "images", json_sprintf("/1.0/images/%s", i.fingerprint)));
	operation_run(op, remove_run, remove_done, xstrdup(i.fingerprint), free);
	reply_async(req, op);
	db_image_clear(&i);
}

/* creation: build or import on the thread pool, record on the loop */

struct image_job {
	char *upload;	 /* owned: uploaded tarball, NULL for a build */
	char *upload_rootfs; /* owned: rootfs tarball of a split upload, or NULL */
	char **aliases;	 /* owned */
	char *filename;	 /* owned: of an upload */
	char *release;	 /* owned: a debian build's release, NULL for busybox */
	struct image_progress *progress; /* owned: a build's progress */
	struct image_upload_opts opts;	 /* of an upload */
	struct image_result res;
};

static void image_job_free(void *p)
{
	struct image_job *j = p;

	if (j->upload)
		(void)unlink(j->upload);
	if (j->upload_rootfs)
		(void)unlink(j->upload_rootfs);
	free(j->upload);
	free(j->upload_rootfs);
	free(j->filename);
	free(j->release);
	free(j->opts.fingerprint);
	if (j->opts.properties)
		json_decref(j->opts.properties);
	image_progress_free(j->progress);
	strv_free(j->aliases);
	image_result_clear(&j->res);
	free(j);
}

static int image_run(void *userdata, struct cove_error *err)
{
	struct image_job *j = userdata;

	int r;

	if (j->upload) {
		j->res.filename = xstrdup(j->filename);
		r = j->upload_rootfs ? image_import_split(the_daemon->images_dir, j->upload,
							  j->upload_rootfs, &j->res, err)
				     : image_import_tarball(the_daemon->images_dir, j->upload,
							    &j->res, err);
		if (r >= 0 && j->opts.fingerprint && !streq(j->opts.fingerprint, j->res.fingerprint)) {
			(void)image_remove_files(the_daemon->images_dir, j->res.fingerprint);
			r = cove_err(err, -EINVAL, "Fingerprints don't match, got %s expected %s",
				     j->res.fingerprint, j->opts.fingerprint);
		}
		return r;
	}
	if (j->release)
		return image_build_debian(the_daemon->images_dir, j->release, j->progress, &j->res,
					  err);
	return image_build_busybox(the_daemon->images_dir, &j->res, err);
}

static void image_done(struct operation *op, void *userdata, int r, const struct cove_error *err)
{
	struct image_job *j = userdata;
	_cleanup_free_ char *now = util_now_rfc3339();
	struct cove_error e = { 0 };
	struct db_image img = {
		.fingerprint = j->res.fingerprint, .filename = j->res.filename,
		.architecture = j->res.architecture, .created_at = j->res.created_at,
		.uploaded_at = now, .size = j->res.size, .properties = j->res.properties,
	};

	img.public = j->opts.public;
	if (j->opts.properties && img.properties)
		json_object_update(img.properties, j->opts.properties);
	/* no progress update after this point */
	image_progress_free(j->progress);
	j->progress = NULL;
	if (r < 0) {
		operation_finish(op, cove_err_msg(err, r));
		return;
	}
	r = db_image_insert(the_daemon->db, &img, &e);
	if (r < 0) {
		/* the files are another image's when the fingerprint exists */
		if (r != -EEXIST)
			(void)image_remove_files(the_daemon->images_dir, j->res.fingerprint);
		operation_finish(op, e.msg);
		return;
	}
	STRV_FOREACH(a, j->aliases)
		if (db_alias_put(the_daemon->db, *a, j->res.fingerprint, "", &e) < 0)
			log_warning("Failed to add alias '%s': %s, ignoring", *a, e.msg);
	operation_set_metadata(op, json_pack("{s:s, s:o}", "fingerprint", j->res.fingerprint,
					     "size", json_sprintf("%lld", j->res.size)));
	events_send("lifecycle", json_pack("{s:s, s:o, s:{s:s}}", "action", "image-created",
					   "source", json_sprintf("/1.0/images/%s", j->res.fingerprint),
					   "context", "type", "container"));
	operation_finish(op, NULL);
}

static int parse_build(struct request *req, struct image_job *j, struct cove_error *err)
{
	_cleanup_json_ json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
	const json_t *src = json_object_get(body, "source"), *aliases = json_object_get(body, "aliases");
	const char *type = json_string_value(json_object_get(src, "type"));
	const char *tmpl = json_string_value(json_object_get(src, "template"));
	size_t i;
	json_t *a;

	if (!body)
		return cove_err(err, -EINVAL, "Invalid JSON body");
	if (!streq_ptr(type, "cove-build"))
		return cove_err(err, -EINVAL, "Unknown source type %s", type ? type : "");
	if (streq_ptr(tmpl, "debian")) {
		const json_t *rel = json_object_get(src, "release");

		if (rel && !json_is_string(rel))
			return cove_err(err, -EINVAL, "Invalid Debian release: not a string");
		j->release = xstrdup(rel ? json_string_value(rel) : "bookworm");
		if (!image_release_valid(j->release))
			return cove_err(err, -EINVAL, "Invalid Debian release '%s'", j->release);
	} else if (!streq_ptr(tmpl, "busybox"))
		return cove_err(err, -EINVAL,
				"Unknown image template '%s' (built in: busybox, debian)",
				tmpl ? tmpl : "");
	json_array_foreach(aliases, i, a) {
		const char *n = json_string_value(json_object_get(a, "name"));

		if (isempty(n) || strchr(n, '/'))
			return cove_err(err, -EINVAL, "Invalid alias name");
		strv_push_dup(&j->aliases, n);
	}
	return 0;
}

static int save_upload(struct request *req, struct image_job *j, struct cove_error *err)
{
	_cleanup_free_ char *path = xasprintf("%s/.upload.XXXXXX", the_daemon->images_dir);
	_cleanup_close_ int fd = mkostemp(path, O_CLOEXEC);
	int r;

	if (fd < 0)
		return cove_err(err, -errno, "Failed to store the upload: %m");
	r = loop_write(fd, req->body, req->body_len);
	if (r < 0) {
		(void)unlink(path);
		return cove_err(err, r, "Failed to store the upload: %s", strerror(-r));
	}
	j->upload = TAKE_PTR(path);
	j->filename = request_header(req, "X-LXD-filename");
	if (!j->filename || strchr(j->filename, '/') || string_has_cc(j->filename)) {
		free(j->filename);
		j->filename = xstrdup("image.tar.gz");
	}
	return 0;
}

static bool is_json_body(const struct request *req)
{
	size_t k = strspn(req->body ? req->body : "", " \t\r\n");

	return req->body && req->body[k] == '{';
}

static void create_image(struct request *req, char **params)
{
	struct image_job *j = xzalloc(sizeof(*j));
	struct cove_error err = { 0 };
	struct operation *op;
	int r;

	if (is_json_body(req) && api_publish_try(req)) {
		image_job_free(j);
		return;
	}
	if (!req->body || req->body_len == 0)
		r = cove_err(&err, -EINVAL, "Empty request body");
	else if (!is_json_body(req) && (r = image_upload_options(req, &j->opts, &err)) < 0)
		; /* a bad X-LXD-* header: r and err are set */
	else if ((r = image_split_upload(req, &j->upload, &j->upload_rootfs, &j->filename,
					 &err)) != 0)
		r = r < 0 ? r : 0;
	else if (is_json_body(req))
		r = parse_build(req, j, &err);
	else
		r = save_upload(req, j, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		image_job_free(j);
		return;
	}
	op = operation_new(OP_CLASS_TASK, "Downloading image", json_object());
	if (j->release)
		j->progress = image_progress_new(op, "create_image_progress");
	operation_run(op, image_run, image_done, j, image_job_free);
	reply_async(req, op);
}

/* aliases */

static json_t *alias_json(const char *name)
{
	_cleanup_free_ char *fp = NULL, *desc = NULL;

	if (db_alias_get(the_daemon->db, name, &fp, &desc, NULL) < 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s}", "description", desc, "target", fp, "name", name,
			 "type", "container");
}

static void list_aliases(struct request *req, char **params)
{
	_cleanup_strv_free_ char **names = NULL;
	int recursion = request_recursion(req);
	json_t *list = json_array();

	(void)db_alias_names(the_daemon->db, NULL, &names, NULL);
	STRV_FOREACH(n, names) {
		json_t *a = recursion ? alias_json(*n) : json_sprintf("/1.0/images/aliases/%s", *n);

		if (a)
			json_array_append_new(list, a);
	}
	reply_sync(req, list);
}

static void get_alias(struct request *req, char **params)
{
	json_t *a = alias_json(params[0]);

	if (!a) {
		reply_error(req, 404, "Image alias not found");
		return;
	}
	reply_sync_etag(req, a, NULL);
}

static void create_alias(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *loc = NULL;
	struct db_image img = { 0 };
	struct cove_error err = { 0 };
	const char *name, *target, *desc;
	int r;

	if (!body)
		return;
	name = json_string_value(json_object_get(body, "name"));
	target = json_string_value(json_object_get(body, "target"));
	desc = json_string_value(json_object_get(body, "description"));
	if (isempty(name) || strchr(name, '/') || isempty(target)) {
		reply_error(req, 400, "Alias name and target are required");
		return;
	}
	r = db_image_get(the_daemon->db, target, &img, &err);
	if (r >= 0)
		r = db_alias_put(the_daemon->db, name, img.fingerprint, desc, &err);
	db_image_clear(&img);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	loc = xasprintf("/1.0/images/aliases/%s", name);
	reply_created(req, loc);
}

static void delete_alias(struct request *req, char **params)
{
	struct cove_error err = { 0 };
	int r = db_alias_delete(the_daemon->db, params[0], &err);

	if (r < 0)
		reply_errno(req, r, err.msg);
	else
		reply_sync(req, json_object());
}

const struct route api_images_routes[] = {
	{ HTTP_GET, "/1.0/images", list_images },
	{ HTTP_POST, "/1.0/images", create_image },
	{ HTTP_GET, "/1.0/images/aliases", list_aliases },
	{ HTTP_POST, "/1.0/images/aliases", create_alias },
	{ HTTP_GET, "/1.0/images/aliases/*", get_alias },
	{ HTTP_DELETE, "/1.0/images/aliases/*", delete_alias },
	{ HTTP_GET, "/1.0/images/*", get_image },
	{ HTTP_DELETE, "/1.0/images/*", delete_image },
	{ HTTP_PUT, "/1.0/images/*", api_image_put },
	{ HTTP_PATCH, "/1.0/images/*", api_image_patch },
	{ 0, NULL, NULL },
};
