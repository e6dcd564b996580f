/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/storage-pools: list, create, show, replace (If-Match), patch,
 * delete, and /resources. The dir driver only (a directory: the given
 * source, which must be empty, or COVE_DIR/storage-pools/NAME); other
 * drivers are refused by name. The volumes are in api-storage-volumes.c.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <fcntl.h>
#include <unistd.h>

#include "alloc.h"
#include "api-common.h"
#include "api-storage.h"
#include "daemon.h"
#include "db/db.h"
#include "events.h"
#include "fileio.h"
#include "instances/instance-limits.h"
#include "instances/instance-snapshot.h"
#include "instances/instance-storage.h"
#include "router.h"
#include "storage.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

json_t *storage_pool_used_by(const char *pool)
{
	_cleanup_strv_free_ char **names = NULL, **profiles = NULL, **vols = NULL;
	json_t *list = json_array();

	(void)db_instance_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names) {
		struct db_instance i = { 0 };

		if (db_instance_get(the_daemon->db, *n, &i, NULL) < 0)
			continue;
		if (storage_instance_uses_pool(&i, pool)) {
			_cleanup_strv_free_ char **snaps = NULL;

			json_array_append_new(list, json_sprintf("/1.0/instances/%s", *n));
			(void)snapshot_names(*n, &snaps);
			STRV_FOREACH(s, snaps)
				json_array_append_new(list, json_sprintf("/1.0/instances/%s/snapshots/%s",
									 *n, *s));
		}
		db_instance_clear(&i);
	}
	(void)db_profile_names(the_daemon->db, &profiles, NULL);
	STRV_FOREACH(n, profiles) {
		struct db_profile p = { 0 };
		const json_t *root;

		if (db_profile_get(the_daemon->db, *n, &p, NULL) < 0)
			continue;
		root = storage_root_device(p.devices, NULL);
		if (root && streq_ptr(json_string_value(json_object_get(root, "pool")), pool))
			json_array_append_new(list, json_sprintf("/1.0/profiles/%s", *n));
		db_profile_clear(&p);
	}
	(void)db_volume_names(the_daemon->db, pool, "custom", &vols, NULL);
	STRV_FOREACH(n, vols)
		json_array_append_new(list,
				      json_sprintf("/1.0/storage-pools/%s/volumes/custom/%s", pool, *n));
	return list;
}

static json_t *pool_json(const struct db_pool *p)
{
	return json_pack("{s:O, s:s, s:s, s:s, s:o, s:s, s:[s]}", "config", p->config,
			 "description", p->description, "name", p->name, "driver", p->driver,
			 "used_by", storage_pool_used_by(p->name), "status", "Created", "locations",
			 "none");
}

static json_t *pool_etag(const struct db_pool *p)
{
	return json_pack("{s:O, s:s}", "config", p->config, "description", p->description);
}

static void list_pools(struct request *req, char **params)
{
	_cleanup_strv_free_ char **names = NULL;
	int recursion = request_recursion(req);
	json_t *list = json_array();

	(void)db_pool_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names) {
		struct db_pool p = { 0 };

		if (recursion == 0) {
			json_array_append_new(list, json_sprintf("/1.0/storage-pools/%s", *n));
			continue;
		}
		if (db_pool_get(the_daemon->db, *n, &p, NULL) < 0)
			continue;
		json_array_append_new(list, pool_json(&p));
		db_pool_clear(&p);
	}
	reply_sync(req, list);
}

static void get_pool(struct request *req, char **params)
{
	struct db_pool p = { 0 };
	struct cove_error err = { 0 };
	int r = db_pool_get(the_daemon->db, params[0], &p, &err);
	json_t *etag;

	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	etag = pool_etag(&p);
	reply_sync_etag(req, pool_json(&p), etag);
	json_decref(etag);
	db_pool_clear(&p);
}

/* The dir driver's keys (LXD's names and value rules); "source" only at creation. */
static int check_pool_config(const json_t *config, const char *driver, bool create,
			     struct cove_error *err)
{
	const char *k;
	json_t *v;

	if (!config || json_is_null(config))
		return 0;
	if (!json_is_object(config))
		return cove_err(err, -EINVAL, "json: cannot unmarshal config: not a map");
	json_object_foreach((json_t *)config, k, v) {
		const char *s = json_string_value(v);
		uint64_t n;
		bool b;

		if (!json_is_string(v))
			return cove_err(err, -EINVAL,
					"json: cannot unmarshal %s into Go value of type string (key '%s')",
					json_is_number(v) ? "number" : json_is_boolean(v) ? "bool" : "value",
					k);
		if (streq(k, "source") || streq(k, "volatile.initial_source")) {
			if (!create)
				return cove_err(err, -EINVAL, "Pool source cannot be changed");
			continue;
		}
		if (startswith(k, "user."))
			continue;
		if (streq(k, "rsync.compression") || streq(k, "volume.security.shifted") ||
		    streq(k, "volume.security.unmapped")) {
			if (!isempty(s) && parse_bool(s, &b) < 0)
				return cove_err(err, -EINVAL,
						"Invalid value for option \"%s\": Invalid value for a boolean \"%s\"",
						k, s);
			continue;
		}
		if (streq_ptr(driver, "btrfs") && streq(k, "btrfs.mount_options"))
			continue;
		if (streq_ptr(driver, "btrfs") && streq(k, "size")) {
			if (!create)
				return cove_err(err, -EINVAL, "Pool size cannot be changed");
			if (limits_parse_bytes(s, &n) < 0 || n < (256ULL << 20))
				return cove_err(err, -EINVAL,
						"Invalid value for option \"size\": \"%s\" (at least 256MiB)", s);
			continue;
		}
		if (streq(k, "rsync.bwlimit") || streq(k, "volume.size")) {
			if (!isempty(s) && limits_parse_bytes(s, &n) < 0)
				return cove_err(err, -EINVAL, "Invalid value for option \"%s\": \"%s\"", k, s);
			continue;
		}
		return cove_err(err, -EINVAL, "Invalid option \"%s\"", k);
	}
	return 0;
}

static int check_pool_name(const char *name, struct cove_error *err)
{
	if (isempty(name))
		return cove_err(err, -EINVAL, "No name provided");
	if (strchr(name, '/'))
		return cove_err(err, -EINVAL, "Storage pool names may not contain slashes");
	if (streq(name, ".") || streq(name, "..") || strpbrk(name, " \t\n") || string_has_cc(name) ||
	    strlen(name) > 64)
		return cove_err(err, -EINVAL, "Invalid storage pool name \"%s\"", name);
	return 0;
}

static bool have_mkfs_btrfs(void)
{
	return access("/usr/sbin/mkfs.btrfs", X_OK) == 0 || access("/sbin/mkfs.btrfs", X_OK) == 0 ||
	       access("/usr/bin/mkfs.btrfs", X_OK) == 0;
}

/*
 * A btrfs pool without a source: a sparse image COVE_DIR/disks/NAME.img
 * (config size, 5GiB by default, as LXD's loop pools), mkfs.btrfs, mounted
 * on COVE_DIR/storage-pools/NAME. *ret_image gets the image path.
 */
static int make_loop_pool(const char *name, const char *size, char **ret_image,
			  struct cove_error *err)
{
	_cleanup_free_ char *disks = xasprintf("%s/disks", the_daemon->dir);
	_cleanup_free_ char *img = xasprintf("%s/%s.img", disks, name);
	_cleanup_free_ char *mp = storage_pool_mountpoint(name);
	_cleanup_close_ int fd = -EBADF;
	struct db_pool p = { .name = (char *)name, .driver = (char *)"btrfs" };
	uint64_t bytes = 5ULL << 30;
	int r;

	if (!isempty(size))
		(void)limits_parse_bytes(size, &bytes);
	(void)mkdir(disks, 0711);
	fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to create '%s': %m", img);
	if (ftruncate(fd, (off_t)bytes) < 0) {
		r = cove_err(err, -errno, "Failed to size '%s': %m", img);
		goto fail;
	}
	r = util_run((char *[]){ "mkfs.btrfs", "-q", "-f", img, NULL }, err);
	if (r < 0)
		goto fail;
	p.config = json_pack("{s:s}", "source", img);
	r = storage_pool_mount(&p, err);
	json_decref(p.config);
	if (r < 0)
		goto fail;
	*ret_image = TAKE_PTR(img);
	return 0;
fail:
	(void)unlink(img);
	(void)rmdir(mp);
	return r;
}

static void remove_loop_pool(const char *name, const char *image)
{
	_cleanup_free_ char *mp = storage_pool_mountpoint(name);

	if (umount2(mp, 0) < 0 && errno != EINVAL && errno != ENOENT)
		(void)umount2(mp, MNT_DETACH);
	(void)rmdir(mp);
	(void)unlink(image);
}

static int check_driver(const char *driver, struct cove_error *err)
{
	static const char *const known[] = { "ceph", "cephfs", "cephobject", "lvm", "zfs" };

	if (isempty(driver))
		return cove_err(err, -EINVAL, "No driver provided");
	if (streq(driver, "dir"))
		return 0;
	if (streq(driver, "btrfs"))
		return have_mkfs_btrfs() ? 0
					 : cove_err(err, -EINVAL,
						    "Storage pool driver \"btrfs\" is not available (mkfs.btrfs not found)");
	for (size_t i = 0; i < ELEMENTSOF(known); i++)
		if (streq(driver, known[i]))
			return cove_err(err, -EINVAL,
					"Storage pool driver \"%s\" is not supported by coved (only \"dir\" and \"btrfs\" are available)",
					driver);
	return cove_err(err, -EINVAL, "Driver \"%s\" is unknown (only \"dir\" and \"btrfs\" are available)",
			driver);
}

static bool dir_empty(const char *path)
{
	_cleanup_closedir_ DIR *d = opendir(path);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			return false;
	return d != NULL;
}

/* A btrfs pool's source directory must be on btrfs (or be made on it). */
static int check_btrfs_source(const char *driver, const char *source, struct cove_error *err)
{
	_cleanup_free_ char *parent = NULL;
	char *slash;

	if (!streq(driver, "btrfs") || source[0] != '/')
		return 0;
	parent = xstrdup(source);
	while (access(parent, F_OK) < 0 && (slash = strrchr(parent, '/')) && slash != parent)
		*slash = 0;
	if (!cove_storage_on_btrfs(parent))
		return cove_err(err, -EINVAL, "Source path \"%s\" isn't on a btrfs filesystem", source);
	return 0;
}

/* Make (or check) the pool directory; *created tells whether we made it. */
static int prepare_source(const char *source, bool *created, struct cove_error *err)
{
	struct stat st;
	int r;

	*created = false;
	if (source[0] != '/' || strstr(source, "/../") || endswith(source, "/.."))
		return cove_err(err, -EINVAL, "Source path \"%s\" must be absolute", source);
	if (stat(source, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return cove_err(err, -EINVAL, "Source path \"%s\" isn't a directory", source);
		if (!dir_empty(source))
			return cove_err(err, -EINVAL, "Source path \"%s\" isn't empty", source);
	} else {
		r = mkdir_p(source, 0711);
		if (r < 0 && r != -EEXIST)
			return cove_err(err, r, "Failed to create the pool directory \"%s\": %s", source,
					strerror(-r));
		*created = true;
	}
	(void)chmod(source, 0711);
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *sub = xasprintf("%s/%s", source, i ? "custom" : "containers");

		if (mkdir(sub, 0711) < 0 && errno != EEXIST) {
			r = -errno;
			if (*created)
				(void)rm_rf(source);
			return cove_err(err, r, "Failed to create \"%s\": %s", sub, strerror(-r));
		}
	}
	return 0;
}

static void create_pool(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *source = NULL, *loc = NULL, *image = NULL;
	struct cove_error err = { 0 };
	struct db_pool p = { 0 };
	const json_t *config, *desc;
	const char *name, *driver, *src;
	bool created = false;
	int r;

	if (!body)
		return;
	name = json_string_value(json_object_get(body, "name"));
	driver = json_string_value(json_object_get(body, "driver"));
	config = json_object_get(body, "config");
	desc = json_object_get(body, "description");
	r = check_pool_name(name, &err);
	if (r >= 0)
		r = check_driver(driver, &err);
	if (r >= 0)
		r = check_pool_config(config, driver, true, &err);
	if (r >= 0 && desc && !json_is_null(desc) && !json_is_string(desc))
		r = cove_err(&err, -EINVAL, "json: cannot unmarshal description: not a string");
	if (r >= 0 && db_pool_get(the_daemon->db, name, &p, NULL) >= 0) {
		db_pool_clear(&p);
		r = cove_err(&err, -EEXIST, "Storage pool \"%s\" already exists", name);
	}
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	src = json_string_value(json_object_get(config, "source"));
	if (streq(driver, "btrfs") && isempty(src)) {
		_cleanup_free_ char *mp = storage_pool_mountpoint(name);

		r = make_loop_pool(name, json_string_value(json_object_get(config, "size")), &image,
				   &err);
		if (r >= 0) {
			r = prepare_source(mp, &created, &err);
			if (r < 0)
				remove_loop_pool(name, image);
		}
		source = xstrdup(image ?: "");
	} else {
		source = isempty(src) ? xasprintf("%s/storage-pools/%s", the_daemon->dir, name)
				      : xstrdup(src);
		r = check_btrfs_source(driver, source, &err);
		if (r >= 0)
			r = prepare_source(source, &created, &err);
	}
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	p.name = (char *)name;
	p.driver = (char *)driver;
	p.description = (char *)(json_string_value(desc) ?: "");
	p.config = json_is_object(config) ? json_deep_copy(config) : json_object();
	json_object_set_new(p.config, "source", json_string(source));
	if (image && !json_object_get(p.config, "size"))
		json_object_set_new(p.config, "size", json_string("5GiB"));
	if (!isempty(src))
		json_object_set_new(p.config, "volatile.initial_source", json_string(src));
	r = db_pool_insert(the_daemon->db, &p, &err);
	json_decref(p.config);
	if (r < 0) {
		if (image)
			remove_loop_pool(name, image);
		else if (created)
			(void)rm_rf(source);
		reply_errno(req, r, err.msg);
		return;
	}
	loc = xasprintf("/1.0/storage-pools/%s", name);
	reply_created(req, loc);
	events_lifecycle("storage-pool-created", loc, NULL);
}

static bool etag_ok(struct request *req, const struct db_pool *p)
{
	_cleanup_json_ json_t *e = pool_etag(p);

	return api_etag_ok(req, e);
}

/*
 * PUT replaces the config (source and volatile.* are kept: LXD refuses to
 * change them, and a PUT of what GET gave is fine), PATCH merges.
 */
static int apply_pool_fields(struct db_pool *p, const json_t *body, bool patch,
			     struct cove_error *err)
{
	_cleanup_json_ json_t *cfg = json_deep_copy(json_object_get(body, "config"));
	const json_t *desc = json_object_get(body, "description");
	const char *k;
	json_t *v;
	void *tmp;
	int r;

	if (cfg && !json_is_object(cfg) && !json_is_null(cfg))
		return cove_err(err, -EINVAL, "json: cannot unmarshal config: not a map");
	if (desc && !json_is_null(desc) && !json_is_string(desc))
		return cove_err(err, -EINVAL, "json: cannot unmarshal description: not a string");
	if (!json_is_object(cfg)) {
		json_decref(cfg);
		cfg = json_object();
	}
	json_object_foreach_safe(cfg, tmp, k, v) {
		if ((streq(k, "source") || streq(k, "volatile.initial_source")) &&
		    json_equal(v, json_object_get(p->config, k)))
			json_object_del(cfg, k);
	}
	r = check_pool_config(cfg, p->driver, false, err);
	if (r < 0)
		return r;
	if (!patch) {
		json_object_foreach_safe(p->config, tmp, k, v)
			if (!streq(k, "source") && !startswith(k, "volatile."))
				json_object_del(p->config, k);
	}
	json_object_update(p->config, cfg);
	if (!patch || json_is_string(desc)) {
		free(p->description);
		p->description = xstrdup(json_string_value(desc) ?: "");
	}
	return 0;
}

static void update_pool(struct request *req, char **params, bool patch)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *src = NULL;
	struct db_pool p = { 0 };
	struct cove_error err = { 0 };
	int r;

	if (!body)
		return;
	r = db_pool_get(the_daemon->db, params[0], &p, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	if (!etag_ok(req, &p)) {
		db_pool_clear(&p);
		return;
	}
	r = apply_pool_fields(&p, body, patch, &err);
	if (r >= 0)
		r = db_pool_update(the_daemon->db, &p, &err);
	db_pool_clear(&p);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	reply_sync(req, json_object());
	src = xasprintf("/1.0/storage-pools/%s", params[0]);
	events_lifecycle("storage-pool-updated", src, NULL);
}

static void put_pool(struct request *req, char **params)
{
	update_pool(req, params, false);
}

static void patch_pool(struct request *req, char **params)
{
	update_pool(req, params, true);
}

static void delete_pool(struct request *req, char **params)
{
	_cleanup_json_ json_t *users = NULL;
	_cleanup_free_ char *src = NULL, *source = NULL, *initial = NULL, *image = NULL;
	struct db_pool p = { 0 };
	struct cove_error err = { 0 };
	int r;

	r = db_pool_get(the_daemon->db, params[0], &p, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	source = xstrdup(storage_pool_source(&p));
	initial = xstrdup(json_string_value(json_object_get(p.config, "volatile.initial_source")) ?: "");
	if (storage_pool_is_loop(&p))
		image = xstrdup(json_string_value(json_object_get(p.config, "source")));
	db_pool_clear(&p);
	users = storage_pool_used_by(params[0]);
	if (json_array_size(users) > 0) {
		reply_error(req, 400, "The storage pool is currently in use");
		return;
	}
	r = db_pool_delete(the_daemon->db, params[0], &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	/* a user's source directory stays (emptied), ours goes */
	if (image || *initial) {
		_cleanup_free_ char *c = xasprintf("%s/containers", source);
		_cleanup_free_ char *v = xasprintf("%s/custom", source);

		(void)rmdir(c);
		(void)rmdir(v);
		if (image)
			remove_loop_pool(params[0], image);
	} else
		(void)rm_rf(source);
	reply_sync(req, json_object());
	src = xasprintf("/1.0/storage-pools/%s", params[0]);
	events_lifecycle("storage-pool-deleted", src, NULL);
}

static void get_resources(struct request *req, char **params)
{
	struct db_pool p = { 0 };
	struct cove_error err = { 0 };
	struct statvfs sv;
	int r = db_pool_get(the_daemon->db, params[0], &p, &err);

	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	if (statvfs(storage_pool_source(&p), &sv) < 0) {
		reply_error(req, 500, "Failed to get the pool's usage: %s", strerror(errno));
		db_pool_clear(&p);
		return;
	}
	db_pool_clear(&p);
	reply_sync(req, json_pack("{s:{s:I, s:I}, s:{s:I, s:I}}", "space", "used",
				  (json_int_t)((sv.f_blocks - sv.f_bfree) * sv.f_frsize), "total",
				  (json_int_t)(sv.f_blocks * sv.f_frsize), "inodes", "used",
				  (json_int_t)(sv.f_files - sv.f_ffree), "total",
				  (json_int_t)sv.f_files));
}

const struct route api_storage_routes[] = {
	{ HTTP_POST, "/1.0/storage-pools", create_pool },
	{ HTTP_GET, "/1.0/storage-pools", list_pools },
	{ HTTP_GET, "/1.0/storage-pools/*/resources", get_resources },
	{ HTTP_GET, "/1.0/storage-pools/*", get_pool },
	{ HTTP_PUT, "/1.0/storage-pools/*", put_pool },
	{ HTTP_PATCH, "/1.0/storage-pools/*", patch_pool },
	{ HTTP_DELETE, "/1.0/storage-pools/*", delete_pool },
	STORAGE_VOLUME_ROUTES,
	{ 0, NULL, NULL },
};
