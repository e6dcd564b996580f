/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The images and images_aliases tables. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "db-internal.h"
#include "util.h"
#include "strv.h"

void db_image_clear(struct db_image *i)
{
	free(i->fingerprint);
	free(i->filename);
	free(i->architecture);
	free(i->created_at);
	free(i->uploaded_at);
	free(i->expires_at);
	free(i->last_used_at);
	if (i->properties)
		json_decref(i->properties);
	if (i->profiles)
		json_decref(i->profiles);
	*i = (struct db_image){ 0 };
}

int db_image_get(sqlite3 *db, const char *fingerprint, struct db_image *ret, struct cove_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ char *pattern = NULL;
	int r;

	if (strlen(fingerprint) == 0 || strspn(fingerprint, "0123456789abcdef") != strlen(fingerprint))
		return cove_err(err, -ENOENT, "Image not found");
	pattern = xasprintf("%s%%", fingerprint);
	r = db_prepare(db,
		       "SELECT fingerprint, filename, architecture, created_at, uploaded_at, size,"
		       " public, properties, auto_update, expires_at, last_used_at, profiles"
		       " FROM images WHERE fingerprint LIKE ?1",
		       &st, err, pattern, NULL);
	if (r < 0)
		return r;
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return cove_err(err, -ENOENT, "Image not found");
	if (r != SQLITE_ROW)
		return cove_err(err, -EIO, "Database error: %s", sqlite3_errmsg(db));
	*ret = (struct db_image){
		.fingerprint = db_column_str(st, 0),
		.filename = db_column_str(st, 1),
		.architecture = db_column_str(st, 2),
		.created_at = db_column_str(st, 3),
		.uploaded_at = db_column_str(st, 4),
		.size = sqlite3_column_int64(st, 5),
		.public = sqlite3_column_int(st, 6),
		.properties = db_column_json(st, 7),
		.auto_update = sqlite3_column_int(st, 8),
		.expires_at = db_column_str(st, 9),
		.last_used_at = db_column_str(st, 10),
		.profiles = db_column_json(st, 11),
	};
	if (sqlite3_step(st) == SQLITE_ROW) {
		db_image_clear(ret);
		return cove_err(err, -EINVAL, "More than one image matches");
	}
	return 0;
}

int db_image_fingerprints(sqlite3 *db, char ***ret, struct cove_error *err)
{
	return db_names(db, "SELECT fingerprint FROM images ORDER BY id", NULL, ret, err);
}

int db_image_insert(sqlite3 *db, const struct db_image *i, struct cove_error *err)
{
	_cleanup_free_ char *props = db_json_text(i->properties);
	char size[32];
	int r;

	snprintf(size, sizeof(size), "%lld", i->size);
	r = db_run(db,
		   "INSERT INTO images (fingerprint, filename, architecture, created_at,"
		   " uploaded_at, size, public, properties) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		   err, i->fingerprint, i->filename, i->architecture, i->created_at,
		   i->uploaded_at, size, i->public ? "1" : "0", props, NULL);
	if (r == -EEXIST)
		return cove_err(err, -EEXIST, "Image with same fingerprint already exists");
	return r < 0 ? r : 0;
}

int db_image_delete(sqlite3 *db, const char *fingerprint, struct cove_error *err)
{
	int r = db_run(db, "DELETE FROM images WHERE fingerprint = ?1", err, fingerprint, NULL);

	return r < 0 ? r : 0;
}

int db_alias_get(sqlite3 *db, const char *name, char **ret_fp, char **ret_desc,
		 struct cove_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = db_prepare(db,
		       "SELECT images.fingerprint, images_aliases.description FROM images_aliases"
		       " JOIN images ON images.id = images_aliases.image_id"
		       " WHERE images_aliases.name = ?1",
		       &st, err, name, NULL);
	if (r < 0)
		return r;
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return cove_err(err, -ENOENT, "Image alias not found");
	if (r != SQLITE_ROW)
		return cove_err(err, -EIO, "Database error: %s", sqlite3_errmsg(db));
	if (ret_fp)
		*ret_fp = db_column_str(st, 0);
	if (ret_desc)
		*ret_desc = db_column_str(st, 1);
	return 0;
}

int db_alias_names(sqlite3 *db, const char *fingerprint, char ***ret, struct cove_error *err)
{
	if (!fingerprint)
		return db_names(db, "SELECT name FROM images_aliases ORDER BY name", NULL, ret, err);
	return db_names(db,
			"SELECT images_aliases.name FROM images_aliases JOIN images ON"
			" images.id = images_aliases.image_id WHERE images.fingerprint = ?1"
			" ORDER BY images_aliases.name",
			fingerprint, ret, err);
}

int db_alias_put(sqlite3 *db, const char *name, const char *fp, const char *desc,
		 struct cove_error *err)
{
	int r = db_run(db,
		       "INSERT INTO images_aliases (name, image_id, description)"
		       " SELECT ?1, id, ?3 FROM images WHERE fingerprint = ?2",
		       err, name, fp, desc ? desc : "", NULL);

	if (r == -EEXIST)
		return cove_err(err, -EEXIST, "Alias \"%s\" already exists", name);
	if (r == 0)
		return cove_err(err, -ENOENT, "Image not found");
	return r < 0 ? r : 0;
}

int db_alias_delete(sqlite3 *db, const char *name, struct cove_error *err)
{
	int r = db_run(db, "DELETE FROM images_aliases WHERE name = ?1", err, name, NULL);

	if (r == 0)
		return cove_err(err, -ENOENT, "Image alias not found");
	return r < 0 ? r : 0;
}

int db_image_update(sqlite3 *db, const struct db_image *i, struct cove_error *err)
{
	_cleanup_free_ char *props = db_json_text(i->properties);
	_cleanup_free_ char *profiles = db_json_text(i->profiles);

	return db_run(db,
		      "UPDATE images SET public = ?2, properties = ?3, auto_update = ?4,"
		      " expires_at = ?5, profiles = ?6 WHERE fingerprint = ?1",
		      err, i->fingerprint, i->public ? "1" : "0", props, i->auto_update ? "1" : "0",
		      i->expires_at, profiles, NULL);
}

int db_image_touch(sqlite3 *db, const char *fingerprint, struct cove_error *err)
{
	_cleanup_free_ char *now = util_now_rfc3339();

	return db_run(db, "UPDATE images SET last_used_at = ?2 WHERE fingerprint = ?1", err,
		      fingerprint, now, NULL);
}
