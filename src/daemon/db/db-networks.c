/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The networks table. */
#include <errno.h>

#include "alloc.h"
#include "db-internal.h"
#include "db-networks.h"

void db_network_clear(struct db_network *n)
{
	free(n->name);
	free(n->type);
	free(n->description);
	if (n->config)
		json_decref(n->config);
	*n = (struct db_network){ 0 };
}

int db_network_get(sqlite3 *db, const char *name, struct db_network *ret, struct cove_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = db_prepare(db, "SELECT name, type, description, config FROM networks WHERE name = ?1",
		       &st, err, name, NULL);
	if (r < 0)
		return r;
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return cove_err(err, -ENOENT, "Network not found");
	if (r != SQLITE_ROW)
		return cove_err(err, -EIO, "Database error: %s", sqlite3_errmsg(db));
	*ret = (struct db_network){
		.name = db_column_str(st, 0),
		.type = db_column_str(st, 1),
		.description = db_column_str(st, 2),
		.config = db_column_json(st, 3),
	};
	return 0;
}

int db_network_names(sqlite3 *db, char ***ret, struct cove_error *err)
{
	return db_names(db, "SELECT name FROM networks ORDER BY name", NULL, ret, err);
}

int db_network_insert(sqlite3 *db, const struct db_network *n, struct cove_error *err)
{
	_cleanup_free_ char *config = db_json_text(n->config);
	int r;

	r = db_run(db,
		   "INSERT INTO networks (name, type, description, config) VALUES (?1, ?2, ?3, ?4)",
		   err, n->name, n->type, n->description, config, NULL);
	if (r == -EEXIST)
		return cove_err(err, -EEXIST, "The network already exists");
	return r < 0 ? r : 0;
}

int db_network_update(sqlite3 *db, const struct db_network *n, struct cove_error *err)
{
	_cleanup_free_ char *config = db_json_text(n->config);
	int r;

	r = db_run(db, "UPDATE networks SET description = ?2, config = ?3 WHERE name = ?1", err,
		   n->name, n->description, config, NULL);
	return r < 0 ? r : 0;
}

int db_network_rename(sqlite3 *db, const char *old, const char *new_name, struct cove_error *err)
{
	int r = db_run(db, "UPDATE networks SET name = ?2 WHERE name = ?1", err, old, new_name,
		       NULL);

	if (r == -EEXIST)
		return cove_err(err, -EEXIST, "Network \"%s\" already exists", new_name);
	return r < 0 ? r : 0;
}

int db_network_delete(sqlite3 *db, const char *name, struct cove_error *err)
{
	int r = db_run(db, "DELETE FROM networks WHERE name = ?1", err, name, NULL);

	return r < 0 ? r : 0;
}
