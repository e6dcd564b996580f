/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The instances table. */
#include <errno.h>

#include "alloc.h"
#include "db-internal.h"

void db_instance_clear(struct db_instance *i)
{
	free(i->name);
	free(i->architecture);
	free(i->description);
	free(i->created_at);
	free(i->last_used_at);
	if (i->config)
		json_decref(i->config);
	if (i->devices)
		json_decref(i->devices);
	if (i->profiles)
		json_decref(i->profiles);
	*i = (struct db_instance){ 0 };
}

int db_instance_get(sqlite3 *db, const char *name, struct db_instance *ret, struct cove_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = db_prepare(db,
		       "SELECT name, architecture, description, created_at, last_used_at, ephemeral,"
		       " stateful, config, devices, profiles FROM instances WHERE name = ?1",
		       &st, err, name, NULL);
	if (r < 0)
		return r;
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return cove_err(err, -ENOENT, "Instance not found");
	if (r != SQLITE_ROW)
		return cove_err(err, -EIO, "Database error: %s", sqlite3_errmsg(db));
	*ret = (struct db_instance){
		.name = db_column_str(st, 0),
		.architecture = db_column_str(st, 1),
		.description = db_column_str(st, 2),
		.created_at = db_column_str(st, 3),
		.last_used_at = db_column_str(st, 4),
		.ephemeral = sqlite3_column_int(st, 5),
		.stateful = sqlite3_column_int(st, 6),
		.config = db_column_json(st, 7),
		.devices = db_column_json(st, 8),
		.profiles = db_column_json(st, 9),
	};
	return 0;
}

int db_instance_names(sqlite3 *db, char ***ret, struct cove_error *err)
{
	return db_names(db, "SELECT name FROM instances ORDER BY name", NULL, ret, err);
}

int db_instance_insert(sqlite3 *db, const struct db_instance *i, struct cove_error *err)
{
	_cleanup_free_ char *config = db_json_text(i->config), *devices = db_json_text(i->devices),
			    *profiles = db_json_text(i->profiles);
	int r;

	r = db_run(db,
		   "INSERT INTO instances (name, architecture, description, created_at,"
		   " last_used_at, ephemeral, stateful, config, devices, profiles)"
		   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
		   err, i->name, i->architecture, i->description, i->created_at, i->last_used_at,
		   i->ephemeral ? "1" : "0", i->stateful ? "1" : "0", config, devices, profiles,
		   NULL);
	if (r == -EEXIST)
		return cove_err(err, -EEXIST, "Instance \"%s\" already exists", i->name);
	return r < 0 ? r : 0;
}

int db_instance_update(sqlite3 *db, const struct db_instance *i, struct cove_error *err)
{
	_cleanup_free_ char *config = db_json_text(i->config), *devices = db_json_text(i->devices),
			    *profiles = db_json_text(i->profiles);
	int r;

	r = db_run(db,
		   "UPDATE instances SET architecture = ?2, description = ?3, last_used_at = ?4,"
		   " ephemeral = ?5, stateful = ?6, config = ?7, devices = ?8, profiles = ?9"
		   " WHERE name = ?1",
		   err, i->name, i->architecture, i->description, i->last_used_at,
		   i->ephemeral ? "1" : "0", i->stateful ? "1" : "0", config, devices, profiles,
		   NULL);
	if (r == 0)
		return cove_err(err, -ENOENT, "Instance not found");
	return r < 0 ? r : 0;
}

int db_instance_rename(sqlite3 *db, const char *old, const char *new_name, struct cove_error *err)
{
	int r = db_run(db, "UPDATE instances SET name = ?2 WHERE name = ?1", err, old, new_name,
		       NULL);

	if (r == -EEXIST)
		return cove_err(err, -EEXIST, "Name \"%s\" already in use", new_name);
	if (r == 0)
		return cove_err(err, -ENOENT, "Instance not found");
	return r < 0 ? r : 0;
}

int db_instance_delete(sqlite3 *db, const char *name, struct cove_error *err)
{
	int r = db_run(db, "DELETE FROM instances WHERE name = ?1", err, name, NULL);

	return r < 0 ? r : 0;
}
