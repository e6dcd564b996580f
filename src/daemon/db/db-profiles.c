/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The profiles and storage_pools tables. */
#include <errno.h>

#include "alloc.h"
#include "db-internal.h"

void db_profile_clear(struct db_profile *p)
{
	free(p->name);
	free(p->description);
	if (p->config)
		json_decref(p->config);
	if (p->devices)
		json_decref(p->devices);
	*p = (struct db_profile){ 0 };
}

int db_profile_get(sqlite3 *db, const char *name, struct db_profile *ret, struct cove_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = db_prepare(db, "SELECT name, description, config, devices FROM profiles WHERE name = ?1",
		       &st, err, name, NULL);
	if (r < 0)
		return r;
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return cove_err(err, -ENOENT, "Profile not found");
	if (r != SQLITE_ROW)
		return cove_err(err, -EIO, "Database error: %s", sqlite3_errmsg(db));
	*ret = (struct db_profile){
		.name = db_column_str(st, 0),
		.description = db_column_str(st, 1),
		.config = db_column_json(st, 2),
		.devices = db_column_json(st, 3),
	};
	return 0;
}

int db_profile_names(sqlite3 *db, char ***ret, struct cove_error *err)
{
	return db_names(db, "SELECT name FROM profiles ORDER BY name", NULL, ret, err);
}

int db_profile_put(sqlite3 *db, const struct db_profile *p, struct cove_error *err)
{
	_cleanup_free_ char *config = db_json_text(p->config), *devices = db_json_text(p->devices);
	int r;

	r = db_run(db,
		   "INSERT INTO profiles (name, description, config, devices) VALUES (?1, ?2, ?3, ?4)"
		   " ON CONFLICT (name) DO UPDATE SET description = ?2, config = ?3, devices = ?4",
		   err, p->name, p->description, config, devices, NULL);
	return r < 0 ? r : 0;
}

int db_profile_insert(sqlite3 *db, const struct db_profile *p, struct cove_error *err)
{
	_cleanup_free_ char *config = db_json_text(p->config), *devices = db_json_text(p->devices);
	int r;

	r = db_run(db, "INSERT INTO profiles (name, description, config, devices) VALUES (?1, ?2, ?3, ?4)",
		   err, p->name, p->description, config, devices, NULL);
	if (r == -EEXIST)
		return cove_err(err, -EEXIST, "Error inserting %s into database: The profile already exists",
				p->name);
	return r < 0 ? r : 0;
}

int db_profile_delete(sqlite3 *db, const char *name, struct cove_error *err)
{
	int r = db_run(db, "DELETE FROM profiles WHERE name = ?1", err, name, NULL);

	return r < 0 ? r : 0;
}

int db_profile_rename(sqlite3 *db, const char *old, const char *new_name, struct cove_error *err)
{
	int r = db_run(db, "UPDATE profiles SET name = ?2 WHERE name = ?1", err, old, new_name, NULL);

	if (r == -EEXIST)
		return cove_err(err, -EEXIST, "Name \"%s\" already in use", new_name);
	return r < 0 ? r : 0;
}

void db_pool_clear(struct db_pool *p)
{
	free(p->name);
	free(p->driver);
	free(p->description);
	if (p->config)
		json_decref(p->config);
	*p = (struct db_pool){ 0 };
}

int db_pool_get(sqlite3 *db, const char *name, struct db_pool *ret, struct cove_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = db_prepare(db,
		       "SELECT name, driver, description, config FROM storage_pools WHERE name = ?1",
		       &st, err, name, NULL);
	if (r < 0)
		return r;
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return cove_err(err, -ENOENT, "Storage pool not found");
	if (r != SQLITE_ROW)
		return cove_err(err, -EIO, "Database error: %s", sqlite3_errmsg(db));
	*ret = (struct db_pool){
		.name = db_column_str(st, 0),
		.driver = db_column_str(st, 1),
		.description = db_column_str(st, 2),
		.config = db_column_json(st, 3),
	};
	return 0;
}

int db_pool_names(sqlite3 *db, char ***ret, struct cove_error *err)
{
	return db_names(db, "SELECT name FROM storage_pools ORDER BY name", NULL, ret, err);
}

int db_pool_insert(sqlite3 *db, const struct db_pool *p, struct cove_error *err)
{
	_cleanup_free_ char *config = db_json_text(p->config);
	int r;

	r = db_run(db,
		   "INSERT INTO storage_pools (name, driver, description, config)"
		   " VALUES (?1, ?2, ?3, ?4)",
		   err, p->name, p->driver, p->description, config, NULL);
	if (r == -EEXIST)
		return cove_err(err, -EEXIST, "Storage pool \"%s\" already exists", p->name);
	return r < 0 ? r : 0;
}
