/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Instance backups (lxc export / lxc import) and the download of images:
 *
 * - /1.0/instances/NAME/backups: POST writes LXCPATH/NAME/backups/B.tar.gz
 *   in LXD's layout (backup/index.yaml, backup/container/backup.yaml,
 *   backup/container/rootfs/, backup/snapshots/S/rootfs/), the instance
 *   frozen meanwhile when it runs; GET lists, GET .../B shows, DELETE
 *   removes, GET .../B/export downloads it.
 * - POST /1.0/instances with an octet-stream body imports such a tarball:
 *   the safe extractor unpacks it in a hidden directory of LXCPATH
 *   (refusing "..", absolute paths, device nodes, links out of the root),
 *   which becomes the instance directory only when everything checked out.
 * - GET /1.0/images/FP/export: the image tarball.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "api-common.h"
#include "api-snapshots.h"
#include "daemon.h"
#include "db/db.h"
#include "events.h"
#include "fileio.h"
#include "images/image.h"
#include "instances/instance.h"
#include "instances/instance-archive.h"
#include "instances/instance-snapshot.h"
#include "instances/instance-storage.h"
#include "log.h"
#include "operations.h"
#include "router.h"
#include "strutil.h"
#include "strv.h"
#include "tar-extract.h"
#include "util.h"
#include "../client/yaml.h"

LOG_MODULE("api-backups");

#define BACKUP_YAML_MAX (4u << 20)
#define DOWNLOAD_MAX (1ull << 30)

static char *backups_dir(const char *instance)
{
	return xasprintf("%s/%s/backups", the_daemon->lxcpath, instance);
}

static char *backup_file(const char *instance, const char *b, const char *ext)
{
	return xasprintf("%s/%s/backups/%s.%s", the_daemon->lxcpath, instance, b, ext);
}

static bool backup_exists(const char *instance, const char *b)
{
	_cleanup_free_ char *p = backup_file(instance, b, "json");

	return snapshot_name_validate(b, NULL) >= 0 && access(p, F_OK) == 0;
}

static json_t *backup_to_json(const char *instance, const char *b)
{
	_cleanup_free_ char *p = backup_file(instance, b, "json"), *text = NULL;
	json_t *j;

	if (read_full_file(p, 65536, &text, NULL) < 0)
		return NULL;
	j = json_loads(text, 0, NULL);
	if (json_is_object(j))
		json_object_set_new(j, "name", json_string(b));
	return j;
}

/* Send a whole file as a raw 200 answer. */
static void reply_file(struct request *req, const char *path, const char *filename)
{
	char *data = NULL;
	size_t len = 0;
	int r = read_full_file(path, DOWNLOAD_MAX, &data, &len);

	if (r < 0) {
		reply_errno(req, r, r == -ENOENT ? "Not found" : "Failed to read the file");
		return;
	}
	strv_push(&req->headers, xasprintf("Content-Disposition: attachment; filename=%s", filename));
	reply_bytes(req, "application/octet-stream", "", 0);
	free(req->resp);
	req->resp = data;
	req->resp_len = len;
}

/* Write a tarball with instance frozen meanwhile if it runs (instance NULL: no freeze). */
static int archive_write_frozen(const char *instance, const char *path,
				const struct archive_item *items, size_t n, struct cove_error *err)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct cove_status st = { 0 };
	bool thaw = false;
	int r = 0;

	if (instance) {
		r = cove_container_new(the_daemon->lxcpath, instance, &ct, err);
		if (r >= 0 && cove_container_status(ct, &st, NULL, NULL) >= 0 &&
		    (st.state == COVE_STATE_RUNNING || st.state == COVE_STATE_THAWED)) {
			r = cove_container_freeze(ct, true, err);
			thaw = r >= 0;
		}
	}
	if (r >= 0)
		r = archive_write_tgz(path, items, n, err);
	if (thaw)
		(void)cove_container_freeze(ct, false, NULL);
	return r;
}

/* export */

struct backup_job {
	char *instance;
	char *name;
	char *index_yaml;
	char *backup_yaml;
	char **snapshots;
	json_t *info;
};

static void backup_job_free(void *p)
{
	struct backup_job *j = p;

	free(j->instance);
	free(j->name);
	free(j->index_yaml);
	free(j->backup_yaml);
	strv_free(j->snapshots);
	if (j->info)
		json_decref(j->info);
	free(j);
}

static int backup_run(void *userdata, struct cove_error *err)
{
	struct backup_job *j = userdata;
	_cleanup_free_ char *dir = backups_dir(j->instance), *out = NULL, *tmp = NULL;
	_cleanup_free_ char *rootfs = instance_rootfs_path(j->instance), *info = NULL;
	_cleanup_free_ struct archive_item *items = NULL;
	size_t n = 0;
	char **paths = NULL;
	int r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return cove_err(err, -errno, "Failed to create '%s': %m", dir);
	items = xnew0(struct archive_item, 3 + strv_length(j->snapshots));
	items[n++] = (struct archive_item){ "backup/index.yaml", j->index_yaml, strlen(j->index_yaml) };
	items[n++] = (struct archive_item){ "backup/container/backup.yaml", j->backup_yaml,
					    strlen(j->backup_yaml) };
	items[n++] = (struct archive_item){ .name = "backup/container/rootfs", .tree = rootfs };
	STRV_FOREACH(s, j->snapshots) {
		_cleanup_free_ char *sd = snapshot_dir(j->instance, *s);

		strv_push(&paths, xasprintf("%s/rootfs", sd));
		strv_push(&paths, xasprintf("backup/snapshots/%s/rootfs", *s));
	}
	for (size_t k = 0; paths && paths[k]; k += 2)
		items[n++] = (struct archive_item){ .name = paths[k + 1], .tree = paths[k] };
	out = backup_file(j->instance, j->name, "tar.gz");
	tmp = xasprintf("%s.tmp", out);
	(void)unlink(tmp);
	r = archive_write_frozen(j->instance, tmp, items, n, err);
	strv_free(paths);
	if (r >= 0 && rename(tmp, out) < 0)
		r = cove_err(err, -errno, "Failed to store the backup: %m");
	if (r < 0) {
		(void)unlink(tmp);
		return r;
	}
	info = json_dumps(j->info, JSON_SORT_KEYS);
	_cleanup_free_ char *ip = backup_file(j->instance, j->name, "json");
	r = write_file_atomic(ip, info, strlen(info), 0600);
	if (r < 0) {
		(void)unlink(out);
		return cove_err(err, r, "Failed to write '%s': %s", ip, strerror(-r));
	}
	return 0;
}

static void backup_done(struct operation *op, void *userdata, int r, const struct cove_error *err)
{
	struct backup_job *j = userdata;
	_cleanup_free_ char *src = xasprintf("/1.0/instances/%s/backups/%s", j->instance, j->name);

	if (r < 0) {
		operation_finish(op, cove_err_msg(err, r));
		return;
	}
	events_lifecycle("instance-backup-created", src, NULL);
	operation_finish(op, NULL);
}

static char *next_backup_name(const char *instance)
{
	for (unsigned n = 0; n < 100000; n++) {
		_cleanup_free_ char *b = xasprintf("backup%u", n);

		if (!backup_exists(instance, b))
			return TAKE_PTR(b);
	}
	return NULL;
}

/* backup.yaml and index.yaml of instance i, in LXD's layout */
static void backup_texts(struct backup_job *j, const struct db_instance *i, bool instance_only)
{
	_cleanup_json_ json_t *snaps = json_array(), *index = NULL, *doc = NULL;
	_cleanup_strv_free_ char **names = NULL;

	if (!instance_only)
		(void)snapshot_names(i->name, &names);
	STRV_FOREACH(n, names) {
		json_t *s = snapshot_to_json(i->name, *n);

		if (s) {
			json_array_append_new(snaps, s);
			strv_push_dup(&j->snapshots, *n);
		}
	}
	doc = json_pack("{s:o, s:O, s:{s:s, s:s}}", "container", instance_to_json(i, false),
			"snapshots", snaps, "pool", "name", "default", "driver", "dir");
	index = json_pack("{s:s, s:s, s:s, s:O, s:b, s:b, s:s}", "name", i->name, "backend", "dir",
			  "pool", "default", "snapshots", json_array(), "optimized", 0,
			  "optimized_header", 0, "type", "container");
	STRV_FOREACH(n, j->snapshots)
		json_array_append_new(json_object_get(index, "snapshots"), json_string(*n));
	j->index_yaml = yaml_dump(index);
	j->backup_yaml = yaml_dump(doc);
}

static void create_backup(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	struct db_instance i = { 0 };
	struct cove_error err = { 0 };
	_cleanup_free_ char *now = util_now_rfc3339();
	struct backup_job *j;
	struct operation *op;
	const char *name, *exp;
	bool only;
	int r;

	if (!body)
		return;
	r = db_instance_get(the_daemon->db, params[0], &i, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	name = json_string_value(json_object_get(body, "name"));
	exp = json_string_value(json_object_get(body, "expires_at"));
	only = json_is_true(json_object_get(body, "instance_only")) ||
	       json_is_true(json_object_get(body, "container_only"));
	j = xzalloc(sizeof(*j));
	j->instance = xstrdup(params[0]);
	j->name = isempty(name) ? next_backup_name(params[0]) : xstrdup(name);
	if (!j->name || snapshot_name_validate(j->name, &err) < 0 || backup_exists(params[0], j->name)) {
		reply_error(req, err.code ? 400 : 409, "%s",
			    err.code ? err.msg : "Backup name already in use");
		backup_job_free(j);
		db_instance_clear(&i);
		return;
	}
	backup_texts(j, &i, only);
	db_instance_clear(&i);
	j->info = json_pack("{s:s, s:s, s:b, s:b}", "created_at", "", "expires_at",
			    exp ? exp : SNAPSHOT_ZERO_TIME, "instance_only", only, "container_only",
			    only);
	json_object_set_new(j->info, "created_at", json_string(now));
	op = operation_new(OP_CLASS_TASK, "Backing up instance",
			   operation_instance_resources(params[0]));
	/* LXD's (odd) resource URL, which its client cuts the name out of */
	json_object_set_new(op->resources, "backups",
			    json_pack("[o]", json_sprintf("/1.0/backups/%s", j->name)));
	operation_run(op, backup_run, backup_done, j, backup_job_free);
	reply_async(req, op);
}

static bool backup_or_404(struct request *req, const char *instance, const char *b)
{
	struct db_instance i = { 0 };
	struct cove_error err = { 0 };
	int r = db_instance_get(the_daemon->db, instance, &i, &err);

	if (r < 0) {
		reply_errno(req, r, err.msg);
		return false;
	}
	db_instance_clear(&i);
	if (b && !backup_exists(instance, b)) {
		reply_error(req, 404, "Backup not found");
		return false;
	}
	return true;
}

void api_backups_prune(const char *instance, long long now)
{
	_cleanup_free_ char *dir = backups_dir(instance);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *b = NULL, *t = NULL, *m = NULL;
		_cleanup_json_ json_t *info = NULL;
		const char *dot = strrchr(de->d_name, '.'), *exp;
		long long when;

		if (!dot || !streq(dot, ".json") || de->d_name[0] == '.')
			continue;
		b = xstrndup(de->d_name, (size_t)(dot - de->d_name));
		info = backup_to_json(instance, b);
		exp = json_string_value(json_object_get(info, "expires_at"));
		when = exp ? snapshot_parse_time(exp) : -1;
		if (!exp || startswith(exp, "0001-") || when < 0 || when > now)
			continue;
		log_info("Backup '%s/%s' expired (%s): deleting it", instance, b, exp);
		t = backup_file(instance, b, "tar.gz");
		m = backup_file(instance, b, "json");
		(void)unlink(t);
		(void)unlink(m);
	}
}

static void list_backups(struct request *req, char **params)
{
	_cleanup_free_ char *dir = backups_dir(params[0]);
	_cleanup_closedir_ DIR *d = NULL;
	int recursion = request_recursion(req);
	json_t *list;
	struct dirent *de;

	if (!backup_or_404(req, params[0], NULL))
		return;
	list = json_array();
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *b = NULL;
		const char *dot = strrchr(de->d_name, '.');

		if (!dot || !streq(dot, ".json") || de->d_name[0] == '.')
			continue;
		b = xstrndup(de->d_name, (size_t)(dot - de->d_name));
		json_array_append_new(list, recursion ? backup_to_json(params[0], b)
						      : json_sprintf("/1.0/instances/%s/backups/%s",
								     params[0], b));
	}
	reply_sync(req, list);
}

static void get_backup(struct request *req, char **params)
{
	json_t *b;

	if (!backup_or_404(req, params[0], params[1]))
		return;
	b = backup_to_json(params[0], params[1]);
	if (b)
		reply_sync(req, b);
	else
		reply_error(req, 404, "Backup not found");
}

static void delete_backup(struct request *req, char **params)
{
	_cleanup_free_ char *t = NULL, *m = NULL, *src = NULL;
	struct operation *op;

	if (!backup_or_404(req, params[0], params[1]))
		return;
	t = backup_file(params[0], params[1], "tar.gz");
	m = backup_file(params[0], params[1], "json");
	(void)unlink(t);
	(void)unlink(m);
	op = operation_new(OP_CLASS_TASK, "Removing instance backup",
			   json_pack("{s:[o]}", "backups",
				     json_sprintf("/1.0/instances/%s/backups/%s", params[0], params[1])));
	operation_set_running(op);
	reply_async(req, op);
	src = xasprintf("/1.0/instances/%s/backups/%s", params[0], params[1]);
	events_lifecycle("instance-backup-deleted", src, NULL);
	operation_finish(op, NULL);
}

static void export_backup(struct request *req, char **params)
{
	_cleanup_free_ char *t = NULL, *fn = NULL;

	if (!backup_or_404(req, params[0], params[1]))
		return;
	t = backup_file(params[0], params[1], "tar.gz");
	fn = xasprintf("%s.tar.gz", params[1]);
	reply_file(req, t, fn);
}

/* image download */

/*
 * A split image as LXD sends it: multipart/form-data with parts "metadata"
 * (named meta-FILENAME) and "rootfs" (FILENAME), FILENAME the image's.
 */
static void reply_split(struct request *req, const char *meta, const char *rootfs,
			const char *filename)
{
	static const char boundary[] = "cove-image-export-boundary";
	_cleanup_free_ char *m = NULL, *r = NULL, *head1 = NULL, *head2 = NULL, *tail = NULL;
	size_t ml = 0, rl = 0, h1, h2, tl, total;
	char *body;

	if (read_full_file(meta, DOWNLOAD_MAX, &m, &ml) < 0 ||
	    read_full_file(rootfs, DOWNLOAD_MAX, &r, &rl) < 0) {
		reply_error(req, 500, "Failed to read the image files");
		return;
	}
	head1 = xasprintf("--%s\r\nContent-Disposition: form-data; name=\"metadata\"; "
			  "filename=\"meta-%s\"\r\nContent-Type: application/octet-stream"
			  "\r\n\r\n", boundary, filename);
	head2 = xasprintf("\r\n--%s\r\nContent-Disposition: form-data; name=\"rootfs\"; "
			  "filename=\"%s\"\r\nContent-Type: application/octet-stream"
			  "\r\n\r\n", boundary, filename);
	tail = xasprintf("\r\n--%s--\r\n", boundary);
	h1 = strlen(head1);
	h2 = strlen(head2);
	tl = strlen(tail);
	total = h1 + ml + h2 + rl + tl;
	body = xmalloc(total + 1);
	memcpy(body, head1, h1);
	memcpy(body + h1, m, ml);
	memcpy(body + h1 + ml, head2, h2);
	memcpy(body + h1 + ml + h2, r, rl);
	memcpy(body + h1 + ml + h2 + rl, tail, tl);
	reply_bytes(req, "multipart/form-data; boundary=cove-image-export-boundary", "", 0);
	free(req->resp);
	req->resp = body;
	req->resp_len = total;
}

static void export_image(struct request *req, char **params)
{
	struct db_image img = { 0 };
	struct cove_error err = { 0 };
	_cleanup_free_ char *path = NULL, *fn = NULL, *rootfs = NULL;
	int r = db_image_get(the_daemon->db, params[0], &img, &err);

	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	if (image_split_export(req, &img)) {
		db_image_clear(&img);
		return;
	}
	path = xasprintf("%s/%s", the_daemon->images_dir, img.fingerprint);
	rootfs = xasprintf("%s.rootfs", path);
	fn = xasprintf("%s.tar.gz", img.fingerprint);
	if (access(rootfs, F_OK) == 0)
		reply_split(req, path, rootfs, isempty(img.filename) ? fn : img.filename);
	else
		reply_file(req, path, fn);
	db_image_clear(&img);
}

/* import */

struct import_job {
	char *upload;	   /* owned: the tarball; removed with the job */
	char *stage;	   /* owned: LXCPATH/.import.XXXXXX; removed with the job */
	char *name;	   /* the X-LXD-name override, or NULL */
	json_t *container; /* from backup.yaml */
	json_t *snapshots;
};

/* The work files go as soon as the import is over (the job lives on with its operation). */
static void import_cleanup(struct import_job *j)
{
	if (j->upload)
		(void)unlink(j->upload);
	if (j->stage)
		(void)rm_rf(j->stage);
	free(j->upload);
	free(j->stage);
	j->upload = j->stage = NULL;
}

static void import_job_free(void *p)
{
	struct import_job *j = p;

	import_cleanup(j);
	free(j->name);
	if (j->container)
		json_decref(j->container);
	if (j->snapshots)
		json_decref(j->snapshots);
	free(j);
}

static int move_dir(const char *from, const char *to, struct cove_error *err)
{
	struct stat st;

	if (lstat(from, &st) < 0 || !S_ISDIR(st.st_mode))
		return cove_err(err, -EINVAL, "Invalid backup: '%s' is not a directory",
				strstr(from, "/x/") ? strstr(from, "/x/") + 3 : from);
	if (rename(from, to) < 0)
		return cove_err(err, -errno, "Failed to move '%s': %m", from);
	return 0;
}

static int import_snapshot(struct import_job *j, const json_t *s, struct cove_error *err)
{
	const char *name = json_string_value(json_object_get(s, "name"));
	_cleanup_free_ char *from = NULL, *dir = NULL, *to = NULL, *m = NULL, *text = NULL;
	json_t *meta;
	int r;

	if (snapshot_name_validate(name, NULL) < 0)
		return cove_err(err, -EINVAL, "Invalid backup: bad snapshot name");
	from = xasprintf("%s/x/backup/snapshots/%s/rootfs", j->stage, name);
	dir = xasprintf("%s/inst/snapshots/%s", j->stage, name);
	to = xasprintf("%s/rootfs", dir);
	r = mkdir_p(dir, 0700);
	if (r < 0)
		return cove_err(err, r, "Failed to create '%s'", dir);
	r = move_dir(from, to, err);
	if (r < 0)
		return r;
	meta = json_deep_copy(s);
	json_object_del(meta, "name");
	json_object_del(meta, "expanded_config");
	json_object_del(meta, "expanded_devices");
	if (json_is_object(json_object_get(meta, "config")))
		yaml_stringify_values(json_object_get(meta, "config"));
	text = json_dumps(meta, JSON_SORT_KEYS | JSON_INDENT(1));
	json_decref(meta);
	m = xasprintf("%s/snapshot.json", dir);
	r = write_file_atomic(m, text, strlen(text), 0600);
	return r < 0 ? cove_err(err, r, "Failed to write '%s'", m) : 0;
}

/* "Invalid backup: " + the message of the failure r (400 whatever it was) */
static int invalid_backup(struct cove_error *err, int r, const char *what)
{
	char msg[sizeof(err->msg)];

	snprintf(msg, sizeof(msg), "%s", cove_err_msg(err, r));
	return cove_err(err, -EINVAL, "Invalid backup: %s%s", what ? what : "", msg);
}

static int import_run(void *userdata, struct cove_error *err)
{
	struct import_job *j = userdata;
	struct tar_extract_opts o = { .refuse_dev = true };
	_cleanup_free_ char *x = xasprintf("%s/x", j->stage), *inst = xasprintf("%s/inst", j->stage);
	_cleanup_free_ char *yp = NULL, *text = NULL, *from = NULL, *to = NULL;
	_cleanup_json_ json_t *doc = NULL;
	size_t k;
	json_t *s;
	int r;

	if (mkdir(x, 0700) < 0 || mkdir(inst, 0711) < 0)
		return cove_err(err, -errno, "Failed to create '%s': %m", x);
	r = tar_extract(j->upload, x, &o, err);
	if (r < 0)
		return invalid_backup(err, r, NULL);
	yp = xasprintf("%s/backup/container/backup.yaml", x);
	if (read_full_file(yp, BACKUP_YAML_MAX, &text, NULL) < 0)
		return cove_err(err, -EINVAL, "Invalid backup: no backup/container/backup.yaml");
	r = yaml_load(text, strlen(text), &doc, err);
	if (r < 0)
		return invalid_backup(err, r, "backup.yaml: ");
	j->container = json_incref(json_object_get(doc, "container"));
	if (!json_is_object(j->container))
		return cove_err(err, -EINVAL, "Invalid backup: backup.yaml has no container");
	from = xasprintf("%s/backup/container/rootfs", x);
	to = xasprintf("%s/rootfs", inst);
	r = move_dir(from, to, err);
	if (r < 0)
		return r;
	j->snapshots = json_incref(json_object_get(doc, "snapshots"));
	json_array_foreach(j->snapshots, k, s) {
		r = import_snapshot(j, s, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The instance row from backup.yaml's container (checked like a create request). */
static int import_row(struct import_job *j, struct db_instance *i, struct cove_error *err)
{
	static const char *const fields[] = { "architecture", "config", "devices", "profiles",
					      "description" };
	const json_t *c = j->container;
	const char *name = j->name ? j->name : json_string_value(json_object_get(c, "name"));
	_cleanup_json_ json_t *body = NULL;
	_cleanup_free_ char *now = util_now_rfc3339();
	const char *created = json_string_value(json_object_get(c, "created_at"));
	int r;

	if (json_is_object(json_object_get(c, "config")))
		yaml_stringify_values(json_object_get(c, "config"));
	body = json_pack("{s:s, s:s, s:b}", "name", name ? name : "", "type", "container",
			 "ephemeral", json_is_true(json_object_get(c, "ephemeral")));
	for (size_t k = 0; k < ELEMENTSOF(fields); k++)
		if (json_object_get(c, fields[k]) && !json_is_null(json_object_get(c, fields[k])))
			json_object_set(body, fields[k], json_object_get(c, fields[k]));
	r = api_instance_fields(body, i, true, err);
	if (r >= 0)
		r = instance_name_validate(i->name, err);
	if (r < 0)
		return r;
	i->created_at = xstrdup(created ? created : now);
	i->last_used_at = xstrdup("1970-01-01T00:00:00Z");
	return 0;
}

/*
 * The unpacked instance directory becomes the instance: in the instance
 * volume of its root disk's pool (LXCPATH/NAME a link to it, as created
 * instances are) or, without one, LXCPATH/NAME itself.
 */
static int import_place(const struct db_instance *i, const char *inst, const char *dest,
			struct cove_error *err)
{
	_cleanup_json_ json_t *ec = NULL, *ed = NULL;
	_cleanup_free_ char *volume = NULL;
	int r;

	r = instance_expand(i, &ec, &ed, err);
	if (r >= 0)
		r = storage_instance_volume(i->name, ed, &volume, err);
	if (r < 0)
		return r;
	if (access(dest, F_OK) == 0 || (volume && access(volume, F_OK) == 0))
		return cove_err(err, -EEXIST, "Instance \"%s\" already exists", i->name);
	if (volume && rename(inst, volume) == 0) {
		if (symlink(volume, dest) == 0)
			return 0;
		r = cove_err(err, -errno, "Failed to create instance directory '%s': %m", dest);
		(void)rm_rf(volume);
		return r;
	}
	if (rename(inst, dest) < 0)
		return cove_err(err, errno == ENOTEMPTY ? -EEXIST : -errno,
				"Failed to create instance directory '%s': %m", dest);
	return 0;
}

static void import_done(struct operation *op, void *userdata, int r, const struct cove_error *err)
{
	struct import_job *j = userdata;
	_cleanup_free_ char *inst = xasprintf("%s/inst", j->stage), *dest = NULL, *src = NULL;
	struct db_instance i = { 0 };
	struct cove_error e = { 0 };

	if (r < 0) {
		import_cleanup(j);
		operation_finish(op, cove_err_msg(err, r));
		return;
	}
	r = import_row(j, &i, &e);
	if (r >= 0)
		r = db_instance_insert(the_daemon->db, &i, &e);
	if (r >= 0) {
		dest = xasprintf("%s/%s", the_daemon->lxcpath, i.name);
		r = import_place(&i, inst, dest, &e);
		if (r >= 0 && (r = instance_write_initial_config(i.name, &e)) < 0) {
			_cleanup_free_ char *vol = storage_instance_volume_of(dest);

			if (vol)
				(void)rm_rf(vol);
			(void)rm_rf(dest);
		}
		if (r < 0)
			(void)db_instance_delete(the_daemon->db, i.name, NULL);
	}
	import_cleanup(j);
	if (r < 0) {
		operation_finish(op, cove_err_msg(&e, r));
		db_instance_clear(&i);
		return;
	}
	src = xasprintf("/1.0/instances/%s", i.name);
	events_lifecycle("instance-created", src, NULL);
	db_instance_clear(&i);
	operation_finish(op, NULL);
}

bool api_backup_upload(const struct request *req)
{
	_cleanup_free_ char *ct = request_header(req, "Content-Type");
	size_t k = strspn(req->body ? req->body : "", " \t\r\n");

	if (ct)
		return startswith(ct, "application/octet-stream") != NULL;
	return req->body && req->body_len > 0 && req->body[k] != '{';
}

void api_backup_import(struct request *req)
{
	struct import_job *j = xzalloc(sizeof(*j));
	_cleanup_close_ int fd = -EBADF;
	struct cove_error err = { 0 };
	struct operation *op;
	int r = 0;

	j->name = request_header(req, "X-LXD-name");
	if (j->name && instance_name_validate(j->name, &err) < 0)
		r = -EINVAL;
	else if (!req->body || req->body_len == 0)
		r = cove_err(&err, -EINVAL, "Empty request body");
	if (r >= 0) {
		j->upload = xasprintf("%s/.upload.XXXXXX", the_daemon->lxcpath);
		fd = mkostemp(j->upload, O_CLOEXEC);
		if (fd < 0) {
			r = cove_err(&err, -errno, "Failed to store the upload: %m");
			free(j->upload);
			j->upload = NULL;
		} else if ((r = loop_write(fd, req->body, req->body_len)) < 0)
			cove_err(&err, r, "Failed to store the upload: %s", strerror(-r));
	}
	if (r >= 0) {
		j->stage = xasprintf("%s/.import.XXXXXX", the_daemon->lxcpath);
		if (!mkdtemp(j->stage)) {
			r = cove_err(&err, -errno, "Failed to make an import directory: %m");
			free(j->stage);
			j->stage = NULL;
		}
	}
	if (r < 0) {
		reply_errno(req, r, err.msg);
		import_job_free(j);
		return;
	}
	op = operation_new(OP_CLASS_TASK, "Restoring backup", json_object());
	operation_run(op, import_run, import_done, j, import_job_free);
	reply_async(req, op);
}

/* publish: POST /1.0/images {"source": {"type": "instance"|"container"|"snapshot", "name"}} */

struct publish_job {
	char *instance;
	char *snap; /* or NULL */
	char *metadata;
	char **aliases;
	bool public;
	struct image_result res;
};

static void publish_job_free(void *p)
{
	struct publish_job *j = p;

	free(j->instance);
	free(j->snap);
	free(j->metadata);
	strv_free(j->aliases);
	image_result_clear(&j->res);
	free(j);
}

static int publish_run(void *userdata, struct cove_error *err)
{
	struct publish_job *j = userdata;
	_cleanup_free_ char *rootfs = NULL, *tarball = NULL;
	char uuid[37];
	int r;

	if (j->snap) {
		_cleanup_free_ char *sd = snapshot_dir(j->instance, j->snap);

		rootfs = xasprintf("%s/rootfs", sd);
	} else
		rootfs = instance_rootfs_path(j->instance);
	util_uuid(uuid);
	tarball = xasprintf("%s/.publish.%s", the_daemon->images_dir, uuid);
	struct archive_item items[] = {
		{ "metadata.yaml", j->metadata, strlen(j->metadata), NULL },
		{ .name = "rootfs", .tree = rootfs },
	};
	r = archive_write_frozen(j->snap ? NULL : j->instance, tarball, items, ELEMENTSOF(items), err);
	if (r < 0)
		return r;
	j->res.filename = xstrdup("");
	return image_import_tarball(the_daemon->images_dir, tarball, &j->res, err);
}

static void publish_done(struct operation *op, void *userdata, int r, const struct cove_error *err)
{
	struct publish_job *j = userdata;
	_cleanup_free_ char *now = util_now_rfc3339();
	struct cove_error e = { 0 };
	struct db_image img = {
		.fingerprint = j->res.fingerprint, .filename = j->res.filename,
		.architecture = j->res.architecture, .created_at = j->res.created_at,
		.uploaded_at = now, .size = j->res.size, .properties = j->res.properties,
		.public = j->public,
	};

	if (r < 0) {
		operation_finish(op, cove_err_msg(err, r));
		return;
	}
	r = db_image_insert(the_daemon->db, &img, &e);
	if (r < 0) {
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

/* metadata.yaml: the instance's image.* keys as properties, then the request's */
static char *publish_metadata(const struct db_instance *i, const json_t *props)
{
	_cleanup_json_ json_t *md = NULL;
	json_t *p = json_object(), *v;
	const char *k, *s;

	json_object_foreach(i->config, k, v)
		if ((s = startswith(k, "image.")) && *s && json_is_string(v))
			json_object_set(p, s, v);
	json_object_foreach((json_t *)props, k, v)
		if (json_is_string(v))
			json_object_set(p, k, v);
	md = json_pack("{s:s, s:I, s:o}", "architecture", i->architecture, "creation_date",
		       (json_int_t)time(NULL), "properties", p);
	return yaml_dump(md);
}

static int publish_parse(const json_t *body, struct publish_job *j, struct db_instance *i,
			 struct cove_error *err)
{
	const json_t *src = json_object_get(body, "source"), *aliases = json_object_get(body, "aliases");
	const json_t *props = json_object_get(body, "properties");
	const char *name = json_string_value(json_object_get(src, "name")), *slash;
	size_t k;
	json_t *a;
	int r;

	if (isempty(name))
		return cove_err(err, -EINVAL, "Missing source name");
	if (props && !json_is_null(props) && !util_json_is_string_map(props))
		return cove_err(err, -EINVAL, "json: cannot unmarshal properties: not a string map");
	slash = strchr(name, '/');
	j->instance = slash ? xstrndup(name, (size_t)(slash - name)) : xstrdup(name);
	r = db_instance_get(the_daemon->db, j->instance, i, err);
	if (r < 0)
		return r;
	if (slash) {
		j->snap = xstrdup(slash + 1);
		if (!snapshot_exists(j->instance, j->snap))
			return cove_err(err, -ENOENT, "Snapshot not found");
	}
	json_array_foreach(aliases, k, a) {
		const char *n = json_string_value(json_object_get(a, "name"));
		_cleanup_free_ char *fp = NULL;

		if (isempty(n) || strchr(n, '/') || string_has_cc(n))
			return cove_err(err, -EINVAL, "Invalid alias name");
		if (db_alias_get(the_daemon->db, n, &fp, NULL, NULL) >= 0)
			return cove_err(err, -EEXIST, "Alias \"%s\" already exists", n);
		strv_push_dup(&j->aliases, n);
	}
	j->public = json_is_true(json_object_get(body, "public"));
	j->metadata = publish_metadata(i, props);
	return 0;
}

bool api_publish_try(struct request *req)
{
	_cleanup_json_ json_t *body = req->body ? json_loadb(req->body, req->body_len, 0, NULL) : NULL;
	const char *type = json_string_value(json_object_get(json_object_get(body, "source"), "type"));
	struct publish_job *j;
	struct db_instance i = { 0 };
	struct cove_error err = { 0 };
	struct operation *op;
	int r;

	if (!streq_ptr(type, "instance") && !streq_ptr(type, "container") &&
	    !streq_ptr(type, "snapshot"))
		return false;
	j = xzalloc(sizeof(*j));
	r = publish_parse(body, j, &i, &err);
	db_instance_clear(&i);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		publish_job_free(j);
		return true;
	}
	op = operation_new(OP_CLASS_TASK, "Publishing instance",
			   operation_instance_resources(j->instance));
	operation_run(op, publish_run, publish_done, j, publish_job_free);
	reply_async(req, op);
	return true;
}

const struct route api_backups_routes[] = {
	{ HTTP_GET, "/1.0/instances/*/backups", list_backups },
	{ HTTP_POST, "/1.0/instances/*/backups", create_backup },
	{ HTTP_GET, "/1.0/instances/*/backups/*", get_backup },
	{ HTTP_DELETE, "/1.0/instances/*/backups/*", delete_backup },
	{ HTTP_GET, "/1.0/instances/*/backups/*/export", export_backup },
	{ HTTP_GET, "/1.0/images/*/export", export_image },
	{ 0, NULL, NULL },
};
