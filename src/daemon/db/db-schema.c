/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Schema migrations: migrations[i] takes the schema from version i to i + 1.
 * Append only; never edit a released step. Each runs in one transaction
 * together with the user_version bump.
 */
#include <errno.h>
#include <stdio.h>

#include "db.h"
#include "macro.h"

static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE instances ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  architecture TEXT NOT NULL DEFAULT '',"
	"  type TEXT NOT NULL DEFAULT 'container',"
	"  ephemeral INTEGER NOT NULL DEFAULT 0,"
	"  stateful INTEGER NOT NULL DEFAULT 0,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  created_at TEXT NOT NULL,"
	"  last_used_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00Z',"
	"  config TEXT NOT NULL DEFAULT '{}',"
	"  devices TEXT NOT NULL DEFAULT '{}',"
	"  profiles TEXT NOT NULL DEFAULT '[]');"
	"CREATE TABLE profiles ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  config TEXT NOT NULL DEFAULT '{}',"
	"  devices TEXT NOT NULL DEFAULT '{}');"
	"CREATE TABLE images ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  fingerprint TEXT NOT NULL UNIQUE,"
	"  filename TEXT NOT NULL DEFAULT '',"
	"  size INTEGER NOT NULL DEFAULT 0,"
	"  public INTEGER NOT NULL DEFAULT 0,"
	"  architecture TEXT NOT NULL DEFAULT '',"
	"  created_at TEXT NOT NULL,"
	"  uploaded_at TEXT NOT NULL,"
	"  properties TEXT NOT NULL DEFAULT '{}');"
	"CREATE TABLE images_aliases ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,"
	"  description TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE storage_pools ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  driver TEXT NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  config TEXT NOT NULL DEFAULT '{}');"
	"CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	/* 1 -> 2: managed networks */
	"CREATE TABLE networks ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  type TEXT NOT NULL DEFAULT 'bridge',"
	"  description TEXT NOT NULL DEFAULT '',"
	"  config TEXT NOT NULL DEFAULT '{}');",
	/* image fields of LXD's ImagePut and last use */
	"ALTER TABLE images ADD COLUMN auto_update INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE images ADD COLUMN expires_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00Z';"
	"ALTER TABLE images ADD COLUMN last_used_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00Z';"
	"ALTER TABLE images ADD COLUMN profiles TEXT NOT NULL DEFAULT '[\"default\"]';",
	/* the trust store of the network listener (api-certificates.c) */
	"CREATE TABLE certificates ("
	"  fingerprint TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  type TEXT NOT NULL DEFAULT 'client',"
	"  certificate TEXT NOT NULL,"
	"  restricted INTEGER NOT NULL DEFAULT 0,"
	"  projects TEXT NOT NULL DEFAULT '[]');",
	/* network ACLs (networks/network-acl.c) */
	"CREATE TABLE network_acls ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  ingress TEXT NOT NULL DEFAULT '[]',"
	"  egress TEXT NOT NULL DEFAULT '[]',"
	"  config TEXT NOT NULL DEFAULT '{}');",
	/* custom storage volumes (IF NOT EXISTS: it was step 1 -> 2 in some builds) */
	"CREATE TABLE IF NOT EXISTS storage_volumes ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  pool TEXT NOT NULL REFERENCES storage_pools (name) ON DELETE CASCADE ON UPDATE CASCADE,"
	"  name TEXT NOT NULL,"
	"  type TEXT NOT NULL DEFAULT 'custom',"
	"  content_type TEXT NOT NULL DEFAULT 'filesystem',"
	"  description TEXT NOT NULL DEFAULT '',"
	"  created_at TEXT NOT NULL,"
	"  config TEXT NOT NULL DEFAULT '{}',"
	"  UNIQUE (pool, type, name));",
};

int db_schema_version(void)
{
	return (int)ELEMENTSOF(migrations);
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int db_migrate(sqlite3 *db, struct cove_error *err)
{
	int v = user_version(db), r;

	if (v < 0)
		return cove_err(err, -EIO, "Failed to read the schema version: %s", sqlite3_errmsg(db));
	if (v > db_schema_version())
		return cove_err(err, -EPROTO,
				"The database schema (version %d) is newer than this coved (%d)", v,
				db_schema_version());
	for (; v < db_schema_version(); v++) {
		char bump[64];

		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d;", v + 1);
		r = db_exec(db, "BEGIN IMMEDIATE;", err);
		if (r < 0)
			return r;
		r = db_exec(db, migrations[v], err);
		if (r >= 0)
			r = db_exec(db, bump, err);
		if (r < 0) {
			(void)db_exec(db, "ROLLBACK;", NULL);
			return cove_err_prefix(err, "Failed to update the schema to version %d", v + 1);
		}
		r = db_exec(db, "COMMIT;", err);
		if (r < 0)
			return r;
	}
	return 0;
}
