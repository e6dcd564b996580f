/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state database: SQLite in WAL mode with foreign keys on, its schema
 * versioned by PRAGMA user_version and brought up to date by the
 * migrations in db-schema.c at open. Only the loop thread uses it.
 *
 * Config and device maps are stored as JSON text (one column each): they
 * are read and written whole, like LXD's API objects.
 */
#pragma once

#include <jansson.h>
#include <sqlite3.h>

#include "cove/error.h"

int db_open(const char *path, sqlite3 **ret, struct cove_error *err);
int db_migrate(sqlite3 *db, struct cove_error *err);
int db_schema_version(void);

/* Run SQL with no result rows; printf-free: use bound statements for values. */
int db_exec(sqlite3 *db, const char *sql, struct cove_error *err);
/* Prepare sql and bind the NULL-terminated text arguments (?1, ?2, ...). */
int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret, struct cove_error *err,
	       ...);
/* Run a statement to completion with text arguments; returns changes (>= 0). */
int db_run(sqlite3 *db, const char *sql, struct cove_error *err, ...);
/* A column as a JSON value (parsed from text; {} on NULL or garbage). */
json_t *db_column_json(sqlite3_stmt *st, int col);
/* JSON value as compact text (owned). */
char *db_json_text(const json_t *v);

/* Give back a statement of db_prepare (kept for reuse) or finalize any other. */
void db_stmt_done(sqlite3_stmt *st);
/* Finalize the kept statements of db, then close it. */
void db_close(sqlite3 *db);

static inline void sqlite3_finalizep(sqlite3_stmt **st)
{
	db_stmt_done(*st);
}
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

/* objects */
struct db_instance {
	char *name;
	char *architecture;
	char *description;
	char *created_at;
	char *last_used_at;
	int ephemeral;
	int stateful;
	json_t *config;	 /* object */
	json_t *devices; /* object */
	json_t *profiles; /* array of names */
};

void db_instance_clear(struct db_instance *i);
int db_instance_get(sqlite3 *db, const char *name, struct db_instance *ret, struct cove_error *err);
int db_instance_names(sqlite3 *db, char ***ret, struct cove_error *err);
int db_instance_insert(sqlite3 *db, const struct db_instance *i, struct cove_error *err);
int db_instance_update(sqlite3 *db, const struct db_instance *i, struct cove_error *err);
int db_instance_rename(sqlite3 *db, const char *old, const char *new_name, struct cove_error *err);
int db_instance_delete(sqlite3 *db, const char *name, struct cove_error *err);

struct db_profile {
	char *name;
	char *description;
	json_t *config;
	json_t *devices;
};
void db_profile_clear(struct db_profile *p);
int db_profile_get(sqlite3 *db, const char *name, struct db_profile *ret, struct cove_error *err);
int db_profile_names(sqlite3 *db, char ***ret, struct cove_error *err);
int db_profile_put(sqlite3 *db, const struct db_profile *p, struct cove_error *err);
int db_profile_insert(sqlite3 *db, const struct db_profile *p, struct cove_error *err);
int db_profile_delete(sqlite3 *db, const char *name, struct cove_error *err);
int db_profile_rename(sqlite3 *db, const char *old, const char *new_name, struct cove_error *err);

struct db_image {
	char *fingerprint;
	char *filename;
	char *architecture;
	char *created_at;
	char *uploaded_at;
	long long size;
	int public;
	json_t *properties;
	int auto_update;
	char *expires_at;   /* RFC 3339, 1970-01-01T00:00:00Z: never */
	char *last_used_at;
	json_t *profiles;   /* array of names */
};
void db_image_clear(struct db_image *i);
/* Write public, properties, auto_update, expires_at and profiles of i. */
int db_image_update(sqlite3 *db, const struct db_image *i, struct cove_error *err);
/* last_used_at = now (an instance was created from it). */
int db_image_touch(sqlite3 *db, const char *fingerprint, struct cove_error *err);
/* fingerprint may be a unique prefix */
int db_image_get(sqlite3 *db, const char *fingerprint, struct db_image *ret, struct cove_error *err);
int db_image_fingerprints(sqlite3 *db, char ***ret, struct cove_error *err);
int db_image_insert(sqlite3 *db, const struct db_image *i, struct cove_error *err);
int db_image_delete(sqlite3 *db, const char *fingerprint, struct cove_error *err);
int db_alias_get(sqlite3 *db, const char *name, char **ret_fp, char **ret_desc,
		 struct cove_error *err);
int db_alias_names(sqlite3 *db, const char *fingerprint, char ***ret, struct cove_error *err);
int db_alias_put(sqlite3 *db, const char *name, const char *fp, const char *desc,
		 struct cove_error *err);
int db_alias_delete(sqlite3 *db, const char *name, struct cove_error *err);

struct db_pool {
	char *name;
	char *driver;
	char *description;
	json_t *config;
};
void db_pool_clear(struct db_pool *p);
int db_pool_get(sqlite3 *db, const char *name, struct db_pool *ret, struct cove_error *err);
int db_pool_names(sqlite3 *db, char ***ret, struct cove_error *err);
int db_pool_insert(sqlite3 *db, const struct db_pool *p, struct cove_error *err);
/* storage pools: update (description, config) and delete (db-storage.c) */
int db_pool_update(sqlite3 *db, const struct db_pool *p, struct cove_error *err);
int db_pool_delete(sqlite3 *db, const char *name, struct cove_error *err);

struct db_volume {
	char *pool;
	char *name;
	char *type; /* "custom" */
	char *content_type;
	char *description;
	char *created_at;
	json_t *config;
};
void db_volume_clear(struct db_volume *v);
int db_volume_get(sqlite3 *db, const char *pool, const char *type, const char *name,
		  struct db_volume *ret, struct cove_error *err);
/* names of the volumes of pool (of type, or every type when type is NULL: "TYPE/NAME") */
int db_volume_names(sqlite3 *db, const char *pool, const char *type, char ***ret,
		    struct cove_error *err);
int db_volume_insert(sqlite3 *db, const struct db_volume *v, struct cove_error *err);
int db_volume_update(sqlite3 *db, const struct db_volume *v, struct cove_error *err);
int db_volume_rename(sqlite3 *db, const char *pool, const char *type, const char *old,
		     const char *new_name, struct cove_error *err);
int db_volume_delete(sqlite3 *db, const char *pool, const char *type, const char *name,
		     struct cove_error *err);
