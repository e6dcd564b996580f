/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Instance snapshots on the filesystem (layout in instance-snapshot.h),
 * consistent rootfs copies of running instances (frozen while copied),
 * and the checks of the snapshots.* config keys.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "daemon.h"
#include "fileio.h"
#include "instance.h"
#include "instance-snapshot.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

#define SNAPSHOT_META_MAX (1u << 20)

int snapshot_name_validate(const char *name, struct cove_error *err)
{
	if (isempty(name))
		return cove_err(err, -EINVAL, "Invalid snapshot name: Snapshot name cannot be empty");
	if (strchr(name, '/'))
		return cove_err(err, -EINVAL, "Invalid snapshot name: Snapshot names cannot contain \"/\"");
	if (streq(name, ".") || streq(name, ".."))
		return cove_err(err, -EINVAL, "Invalid snapshot name: \"%s\"", name);
	if (strlen(name) > 200)
		return cove_err(err, -EINVAL, "Invalid snapshot name: too long");
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return cove_err(err, -EINVAL,
					"Invalid snapshot name: control characters are not allowed");
	return 0;
}

char *snapshot_dir(const char *instance, const char *snap)
{
	if (!snap)
		return xasprintf("%s/%s/snapshots", the_daemon->lxcpath, instance);
	return xasprintf("%s/%s/snapshots/%s", the_daemon->lxcpath, instance, snap);
}

bool snapshot_exists(const char *instance, const char *snap)
{
	_cleanup_free_ char *d = snapshot_dir(instance, snap);
	_cleanup_free_ char *m = xasprintf("%s/snapshot.json", d);

	return snapshot_name_validate(snap, NULL) >= 0 && access(m, F_OK) == 0;
}

int snapshot_meta_load(const char *instance, const char *snap, json_t **ret,
		       struct cove_error *err)
{
	_cleanup_free_ char *d = NULL, *m = NULL, *text = NULL;
	json_t *j;

	if (snapshot_name_validate(snap, NULL) < 0)
		return cove_err(err, -ENOENT, "Snapshot not found");
	d = snapshot_dir(instance, snap);
	m = xasprintf("%s/snapshot.json", d);
	if (read_full_file(m, SNAPSHOT_META_MAX, &text, NULL) < 0)
		return cove_err(err, -ENOENT, "Snapshot not found");
	j = json_loads(text, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return cove_err(err, -EIO, "Snapshot '%s/%s' has bad metadata", instance, snap);
	}
	*ret = j;
	return 0;
}

int snapshot_meta_save(const char *instance, const char *snap, const json_t *meta,
		       struct cove_error *err)
{
	_cleanup_free_ char *d = snapshot_dir(instance, snap);
	_cleanup_free_ char *m = xasprintf("%s/snapshot.json", d);
	_cleanup_free_ char *text = json_dumps(meta, JSON_SORT_KEYS | JSON_INDENT(1));
	int r = write_file_atomic(m, text, strlen(text), 0600);

	return r < 0 ? cove_err(err, r, "Failed to write '%s': %s", m, strerror(-r)) : 0;
}

json_t *snapshot_meta_new(const struct db_instance *i, const char *expires_at)
{
	_cleanup_free_ char *now = util_now_rfc3339();

	return json_pack("{s:s, s:O, s:O, s:O, s:b, s:s, s:s, s:s, s:b, s:s}", "architecture",
			 i->architecture, "config", i->config, "devices", i->devices, "profiles",
			 i->profiles, "ephemeral", i->ephemeral, "created_at", now, "expires_at",
			 expires_at ? expires_at : SNAPSHOT_ZERO_TIME, "description", "",
			 "stateful", 0, "last_used_at", i->last_used_at ? i->last_used_at : now);
}

static const char *meta_str(const json_t *meta, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(meta, key));

	return s ? s : def;
}

static json_t *meta_obj(const json_t *meta, const char *key, bool array)
{
	json_t *v = json_object_get(meta, key);

	if (array)
		return json_is_array(v) ? json_incref(v) : json_array();
	return json_is_object(v) ? json_incref(v) : json_object();
}

void snapshot_meta_to_instance(const json_t *meta, struct db_instance *i)
{
	i->architecture = xstrdup(meta_str(meta, "architecture", util_arch()));
	i->description = xstrdup(meta_str(meta, "description", ""));
	i->created_at = xstrdup(meta_str(meta, "created_at", SNAPSHOT_ZERO_TIME));
	i->last_used_at = xstrdup(meta_str(meta, "last_used_at", SNAPSHOT_ZERO_TIME));
	i->ephemeral = json_is_true(json_object_get(meta, "ephemeral"));
	i->config = meta_obj(meta, "config", false);
	i->devices = meta_obj(meta, "devices", false);
	i->profiles = meta_obj(meta, "profiles", true);
}

json_t *snapshot_to_json(const char *instance, const char *snap)
{
	_cleanup_json_ json_t *meta = NULL, *ec = NULL, *ed = NULL;
	struct db_instance i = { 0 };
	json_t *j;

	if (snapshot_meta_load(instance, snap, &meta, NULL) < 0)
		return NULL;
	snapshot_meta_to_instance(meta, &i);
	i.name = xstrdup(instance);
	if (instance_expand(&i, &ec, &ed, NULL) < 0) {
		ec = json_object();
		ed = json_object();
	}
	j = json_pack("{s:s, s:O, s:O, s:b, s:O, s:b, s:s, s:s, s:s, s:O, s:O, s:s, s:s, s:I}",
		      "architecture", i.architecture, "config", i.config, "devices", i.devices,
		      "ephemeral", i.ephemeral, "profiles", i.profiles, "stateful",
		      json_is_true(json_object_get(meta, "stateful")), "description",
		      i.description, "created_at", i.created_at, "expires_at",
		      meta_str(meta, "expires_at", SNAPSHOT_ZERO_TIME), "expanded_config", ec,
		      "expanded_devices", ed, "name", snap, "last_used_at", i.last_used_at, "size",
		      (json_int_t)-1);
	db_instance_clear(&i);
	return j;
}

static int cmp_created(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* names sorted by creation time: sort "CREATED\tNAME" strings, then cut */
int snapshot_names(const char *instance, char ***ret)
{
	_cleanup_free_ char *dir = snapshot_dir(instance, NULL);
	_cleanup_closedir_ DIR *d = opendir(dir);
	_cleanup_strv_free_ char **keyed = NULL;
	char **names = NULL;
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_json_ json_t *meta = NULL;

		if (de->d_name[0] == '.' || snapshot_meta_load(instance, de->d_name, &meta, NULL) < 0)
			continue;
		strv_push(&keyed, xasprintf("%s\t%s", meta_str(meta, "created_at", ""), de->d_name));
	}
	if (keyed)
		qsort(keyed, strv_length(keyed), sizeof(char *), cmp_created);
	STRV_FOREACH(k, keyed)
		strv_push_dup(&names, strchr(*k, '\t') + 1);
	*ret = names ? names : xnew0(char *, 1);
	return 0;
}

json_t *snapshots_to_json(const char *instance, int recursion)
{
	_cleanup_strv_free_ char **names = NULL;
	json_t *list;

	(void)snapshot_names(instance, &names);
	if (!names || !names[0])
		return NULL;
	list = json_array();
	STRV_FOREACH(n, names) {
		json_t *o = recursion ? snapshot_to_json(instance, *n)
				      : json_sprintf("/1.0/instances/%s/snapshots/%s", instance, *n);
		if (o)
			json_array_append_new(list, o);
	}
	return list;
}

char *snapshot_next_name(const char *instance, const char *pattern)
{
	const char *p = isempty(pattern) ? "snap%d" : pattern;
	const char *pct = strstr(p, "%d");

	if (!pct)
		return snapshot_exists(instance, p) ? NULL : xstrdup(p);
	for (unsigned n = 0; n < 100000; n++) {
		_cleanup_free_ char *name = xasprintf("%.*s%u%s", (int)(pct - p), p, n, pct + 2);

		if (!snapshot_exists(instance, name))
			return TAKE_PTR(name);
	}
	return NULL;
}

/* "1d 2H": seconds, or -EINVAL */
static long long expiry_seconds(const char *v)
{
	_cleanup_strv_free_ char **parts = strv_split(v, " ");
	long long total = 0;

	STRV_FOREACH(p, parts) {
		char *end = NULL;
		long long n;

		if (!**p)
			continue;
		n = strtoll(*p, &end, 10);
		if (end == *p || n < 0 || n > 100000 || strlen(end) != 1)
			return -EINVAL;
		switch (*end) {
		case 'M': total += n * 60; break;
		case 'H': total += n * 3600; break;
		case 'd': total += n * 86400; break;
		case 'w': total += n * 7 * 86400; break;
		case 'm': total += n * 30 * 86400; break;
		case 'y': total += n * 365 * 86400; break;
		default: return -EINVAL;
		}
	}
	return total;
}

int snapshot_check_expiry(const char *v)
{
	return isempty(v) ? 0 : expiry_seconds(v) < 0 ? -EINVAL : 0;
}

char *snapshot_expiry_from(const char *expiry)
{
	long long s = isempty(expiry) ? -1 : expiry_seconds(expiry);
	struct tm tm;
	time_t t;
	char buf[64];

	if (s <= 0)
		return NULL;
	t = time(NULL) + (time_t)s;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

int snapshot_check_pattern(const char *v)
{
	return isempty(v) || (!strchr(v, '/') && !string_has_cc(v) && strlen(v) <= 200) ? 0 : -EINVAL;
}

/* work on the thread pool */

char *instance_rootfs_path(const char *instance)
{
	_cleanup_free_ char *p = xasprintf("%s/%s/rootfs", the_daemon->lxcpath, instance);
	char *real = realpath(p, NULL);

	return real ? real : TAKE_PTR(p);
}

static int cp_tree(const char *src, const char *dest, struct cove_error *err)
{
	return util_run((char *[]){ "cp", "-a", "--reflink=auto", "--", (char *)src, (char *)dest,
				    NULL },
			err);
}

int instance_rootfs_copy(const char *instance, const char *dest, struct cove_error *err)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	_cleanup_free_ char *src = instance_rootfs_path(instance);
	struct cove_status st = { 0 };
	bool thaw = false;
	int r;

	r = cove_container_new(the_daemon->lxcpath, instance, &ct, err);
	if (r < 0)
		return r;
	if (cove_container_status(ct, &st, NULL, NULL) >= 0 &&
	    (st.state == COVE_STATE_RUNNING || st.state == COVE_STATE_THAWED)) {
		r = cove_container_freeze(ct, true, err);
		if (r < 0)
			return cove_err_prefix(err, "Failed to freeze instance '%s'", instance);
		thaw = true;
	}
	r = cp_tree(src, dest, err);
	if (thaw)
		(void)cove_container_freeze(ct, false, NULL);
	if (r < 0)
		(void)rm_rf(dest);
	return r;
}

int snapshot_take_run(const char *instance, const char *snap, const json_t *meta,
		      struct cove_error *err)
{
	_cleanup_free_ char *dir = snapshot_dir(instance, NULL), *tmp = NULL, *rootfs = NULL;
	_cleanup_free_ char *m = NULL, *final = snapshot_dir(instance, snap);
	_cleanup_free_ char *text = json_dumps(meta, JSON_SORT_KEYS | JSON_INDENT(1));
	int r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return cove_err(err, -errno, "Failed to create '%s': %m", dir);
	tmp = xasprintf("%s/.new.XXXXXX", dir);
	if (!mkdtemp(tmp))
		return cove_err(err, -errno, "Failed to create a directory in '%s': %m", dir);
	rootfs = xasprintf("%s/rootfs", tmp);
	m = xasprintf("%s/snapshot.json", tmp);
	r = instance_rootfs_copy(instance, rootfs, err);
	if (r >= 0) {
		r = write_file_atomic(m, text, strlen(text), 0600);
		if (r < 0)
			cove_err(err, r, "Failed to write '%s': %s", m, strerror(-r));
	}
	if (r >= 0 && rename(tmp, final) < 0)
		r = cove_err(err, errno == ENOTEMPTY ? -EEXIST : -errno,
			     "Failed to store snapshot '%s': %m", snap);
	if (r < 0)
		(void)rm_rf(tmp);
	return r;
}

int snapshot_delete_run(const char *instance, const char *snap, struct cove_error *err)
{
	_cleanup_free_ char *dir = snapshot_dir(instance, NULL), *final = snapshot_dir(instance, snap);
	_cleanup_free_ char *tmp = xasprintf("%s/.del.XXXXXX", dir);
	int r;

	/* out of sight first: a half-deleted snapshot is never listed */
	if (!mkdtemp(tmp))
		return cove_err(err, -errno, "Failed to delete snapshot '%s': %m", snap);
	(void)rmdir(tmp);
	if (rename(final, tmp) < 0)
		return cove_err(err, -errno, "Failed to delete snapshot '%s': %m", snap);
	r = rm_rf(tmp);
	return r < 0 ? cove_err(err, r, "Failed to delete snapshot '%s': %s", snap, strerror(-r)) : 0;
}

/* Replace the instance's rootfs by a copy of the snapshot's (the instance is stopped). */
int snapshot_restore_run(const char *instance, const char *snap, struct cove_error *err)
{
	_cleanup_free_ char *sdir = snapshot_dir(instance, snap), *src = NULL;
	_cleanup_free_ char *real = instance_rootfs_path(instance), *tmp = NULL, *old = NULL;
	int r;

	src = xasprintf("%s/rootfs", sdir);
	tmp = xasprintf("%s.restore-new", real);
	old = xasprintf("%s.restore-old", real);
	(void)rm_rf(tmp);
	(void)rm_rf(old);
	r = cp_tree(src, tmp, err);
	if (r < 0) {
		(void)rm_rf(tmp);
		return cove_err_prefix(err, "Failed to restore snapshot '%s'", snap);
	}
	if (rename(real, old) < 0) {
		r = cove_err(err, -errno, "Failed to restore snapshot '%s': %m", snap);
		(void)rm_rf(tmp);
		return r;
	}
	if (rename(tmp, real) < 0) {
		r = cove_err(err, -errno, "Failed to restore snapshot '%s': %m", snap);
		(void)rename(old, real);
		(void)rm_rf(tmp);
		return r;
	}
	(void)rm_rf(old);
	return 0;
}

int snapshots_copy_run(const char *src, const char *dst_dir, struct cove_error *err)
{
	_cleanup_free_ char *from = snapshot_dir(src, NULL);
	_cleanup_free_ char *to = xasprintf("%s/snapshots", dst_dir);

	if (access(from, F_OK) < 0)
		return 0;
	return cp_tree(from, to, err);
}

int instance_copy_source(const json_t *source, json_t *config, char **ret_instance,
			 char **ret_snap, struct cove_error *err)
{
	const char *s = json_string_value(json_object_get(source, "source"));
	_cleanup_free_ char *inst = NULL, *snap = NULL;
	struct db_instance i = { 0 };
	const char *slash, *k;
	void *tmp;
	json_t *v;
	int r;

	if (isempty(s))
		return cove_err(err, -EINVAL, "Missing copy source");
	slash = strchr(s, '/');
	inst = slash ? xstrndup(s, (size_t)(slash - s)) : xstrdup(s);
	r = db_instance_get(the_daemon->db, inst, &i, err);
	if (r < 0)
		return r;
	db_instance_clear(&i);
	if (slash) {
		snap = xstrdup(slash + 1);
		if (!snapshot_exists(inst, snap))
			return cove_err(err, -ENOENT, "Snapshot not found");
	}
	json_object_foreach_safe(config, tmp, k, v)
		if (startswith(k, "volatile.") && !streq(k, "volatile.base_image"))
			json_object_del(config, k);
	*ret_instance = TAKE_PTR(inst);
	*ret_snap = TAKE_PTR(snap);
	return 0;
}

int instance_copy_run(const char *src, const char *snap, bool instance_only, const char *dir,
		      struct cove_error *err)
{
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir);
	int r;

	if (snap) {
		_cleanup_free_ char *sdir = snapshot_dir(src, snap);
		_cleanup_free_ char *from = xasprintf("%s/rootfs", sdir);

		return cp_tree(from, rootfs, err);
	}
	r = instance_rootfs_copy(src, rootfs, err);
	if (r >= 0 && !instance_only)
		r = snapshots_copy_run(src, dir, err);
	return r;
}

/* Remove the hidden work files in dir (".new.*", ".del.*", "*.tmp"). */
static void clean_hidden(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (!startswith(de->d_name, ".new.") && !startswith(de->d_name, ".del.") &&
		    !endswith(de->d_name, ".tmp"))
			continue;
		p = path_join(dir, de->d_name);
		(void)rm_rf(p);
	}
}

static void clean_instance(const char *dir)
{
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir);
	_cleanup_free_ char *snaps = xasprintf("%s/snapshots", dir);
	_cleanup_free_ char *backups = xasprintf("%s/backups", dir);
	_cleanup_free_ char *old = xasprintf("%s.restore-old", rootfs);
	_cleanup_free_ char *new = xasprintf("%s.restore-new", rootfs);

	/* a restore cut short between its two renames: put the old rootfs back */
	if (access(rootfs, F_OK) < 0 && access(old, F_OK) == 0)
		(void)rename(old, rootfs);
	(void)rm_rf(old);
	(void)rm_rf(new);
	clean_hidden(snaps);
	clean_hidden(backups);
}

void snapshot_store_cleanup(void)
{
	_cleanup_closedir_ DIR *d = opendir(the_daemon->lxcpath);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		p = path_join(the_daemon->lxcpath, de->d_name);
		if (startswith(de->d_name, ".upload.") || startswith(de->d_name, ".import."))
			(void)rm_rf(p);
		else if (de->d_name[0] != '.')
			clean_instance(p);
	}
}
