/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The storage_pools (update, delete) and storage_volumes tables. */
#include <errno.h>

#include "alloc.h"
#include "db-internal.h"
#include "strv.h"

int db_pool_update(sqlite3 *db, const struct db_pool *p, struct cove_error *err)
{
	_cleanup_free_ char *config = db_json_text(p->config);
	int r;

	r = db_run(db, "UPDATE storage_pools SET description = ?2, config = ?3 WHERE name = ?1", err,
		   p->name, p->description, config, NULL);
	if (r == 0)
		return cove_err(err, -ENOENT, "Storage pool not found");
	return r < 0 ? r : 0;
}

int db_pool_delete(sqlite3 *db, const char *name, struct cove_error *err)
{
	int r = db_run(db, "DELETE FROM storage_pools WHERE name = ?1", err, name, NULL);

	return r < 0 ? r : 0;
}

void db_volume_clear(struct db_volume *v)
{
	free(v->pool);
	free(v->name);
	free(v->type);
	free(v->content_type);
	free(v->description);
	free(v->created_at);
	if (v->config)
		json_decref(v->config);
	*v = (struct db_volume){ 0 };
}

int db_volume_get(sqlite3 *db, const char *pool, const char *type, const char *name,
		  struct db_volume *ret, struct cove_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = db_prepare(db,
		       "SELECT pool, name, type, content_type, description, created_at, config"
		       " FROM storage_volumes WHERE pool = ?1 AND type = ?2 AND name = ?3",
		       &st, err, pool, type, name, NULL);
	if (r < 0)
		return r;
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return cove_err(err, -ENOENT, "Storage volume not found");
	if (r != SQLITE_ROW)
		return cove_err(err, -EIO, "Database error: %s", sqlite3_errmsg(db));
	*ret = (struct db_volume){
		.pool = db_column_str(st, 0),
		.name = db_column_str(st, 1),
		.type = db_column_str(st, 2),
		.content_type = db_column_str(st, 3),
		.description = db_column_str(st, 4),
		.created_at = db_column_str(st, 5),
		.config = db_column_json(st, 6),
	};
	return 0;
}

int db_volume_names(sqlite3 *db, const char *pool, const char *type, char ***ret,
		    struct cove_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	char **names = NULL;
	int r;

	if (type)
		r = db_prepare(db,
			       "SELECT name FROM storage_volumes WHERE pool = ?1 AND type = ?2"
			       " ORDER BY name",
			       &st, err, pool, type, NULL);
	else
		r = db_prepare(db,
			       "SELECT type || '/' || name FROM storage_volumes WHERE pool = ?1"
			       " ORDER BY type, name",
			       &st, err, pool, NULL);
	if (r < 0)
		return r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		strv_push(&names, db_column_str(st, 0));
	if (r != SQLITE_DONE) {
		strv_free(names);
		return cove_err(err, -EIO, "Database error: %s", sqlite3_errmsg(db));
	}
	*ret = names;
	return 0;
}

int db_volume_insert(sqlite3 *db, const struct db_volume *v, struct cove_error *err)
{
	_cleanup_free_ char *config = db_json_text(v->config);
	int r;

	r = db_run(db,
		   "INSERT INTO storage_volumes (pool, name, type, content_type, description,"
		   " created_at, config) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		   err, v->pool, v->name, v->type, v->content_type, v->description, v->created_at,
		   config, NULL);
	if (r == -EEXIST)
		return cove_err(err, -EEXIST, "Volume by that name already exists");
	return r < 0 ? r : 0;
}

int db_volume_update(sqlite3 *db, const struct db_volume *v, struct cove_error *err)
{
	_cleanup_free_ char *config = db_json_text(v->config);
	int r;

	r = db_run(db,
		   "UPDATE storage_volumes SET description = ?4, config = ?5"
		   " WHERE pool = ?1 AND type = ?2 AND name = ?3",
		   err, v->pool, v->type, v->name, v->description, config, NULL);
	return r < 0 ? r : 0;
}

int db_volume_rename(sqlite3 *db, const char *pool, const char *type, const char *old,
		     const char *new_name, struct cove_error *err)
{
	int r = db_run(db,
		       "UPDATE storage_volumes SET name = ?4 WHERE pool = ?1 AND type = ?2 AND name = ?3",
		       err, pool, type, old, new_name, NULL);

	if (r == -EEXIST)
		return cove_err(err, -EEXIST, "Volume by that name already exists");
	return r < 0 ? r : 0;
}

int db_volume_delete(sqlite3 *db, const char *pool, const char *type, const char *name,
		     struct cove_error *err)
{
	int r = db_run(db, "DELETE FROM storage_volumes WHERE pool = ?1 AND type = ?2 AND name = ?3",
		       err, pool, type, name, NULL);

	return r < 0 ? r : 0;
}
