/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Database handle, statement helpers. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "alloc.h"
#include "db-internal.h"
#include "strutil.h"
#include "strv.h"

int db_exec(sqlite3 *db, const char *sql, struct cove_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int r = cove_err(err, -EIO, "Database error: %s", msg ? msg : sqlite3_errmsg(db));

		sqlite3_free(msg);
		return r;
	}
	return 0;
}

int db_open(const char *path, sqlite3 **ret, struct cove_error *err)
{
	sqlite3 *db = NULL;
	int r;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		r = cove_err(err, -EIO, "Failed to open database '%s': %s", path,
			     db ? sqlite3_errmsg(db) : "out of memory");
		db_close(db);
		return r;
	}
	sqlite3_busy_timeout(db, 5000);
	r = db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;",
		    err);
	if (r >= 0)
		r = db_migrate(db, err);
	if (r < 0) {
		db_close(db);
		return r;
	}
	*ret = db;
	return 0;
}

/*
 * Prepared statements are kept for reuse: compiling the SQL was a tenth of
 * the daemon's time in GET /1.0/instances (a few queries per instance). A
 * statement is taken out of the cache while in use (a second user of the
 * same SQL gets one of its own) and reset when given back (db_stmt_done).
 */
#define STMT_CACHE_MAX 48

static struct stmt_slot {
	sqlite3 *db;
	char *sql;
	sqlite3_stmt *st;
	bool busy;
} stmt_cache[STMT_CACHE_MAX];
static pthread_mutex_t stmt_lock = PTHREAD_MUTEX_INITIALIZER;

static sqlite3_stmt *cache_take(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	pthread_mutex_lock(&stmt_lock);
	for (size_t i = 0; i < STMT_CACHE_MAX && stmt_cache[i].db; i++) {
		struct stmt_slot *c = &stmt_cache[i];

		if (c->db == db && !c->busy && streq(c->sql, sql)) {
			c->busy = true;
			st = c->st;
			break;
		}
	}
	pthread_mutex_unlock(&stmt_lock);
	return st;
}

static void cache_put(sqlite3 *db, const char *sql, sqlite3_stmt *st)
{
	pthread_mutex_lock(&stmt_lock);
	for (size_t i = 0; i < STMT_CACHE_MAX; i++)
		if (!stmt_cache[i].db) {
			stmt_cache[i] = (struct stmt_slot){ db, xstrdup(sql), st, true };
			break;
		}
	pthread_mutex_unlock(&stmt_lock);
}

void db_stmt_done(sqlite3_stmt *st)
{
	if (!st)
		return;
	pthread_mutex_lock(&stmt_lock);
	for (size_t i = 0; i < STMT_CACHE_MAX && stmt_cache[i].db; i++)
		if (stmt_cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			stmt_cache[i].busy = false;
			pthread_mutex_unlock(&stmt_lock);
			return;
		}
	pthread_mutex_unlock(&stmt_lock);
	sqlite3_finalize(st);
}

void db_close(sqlite3 *db)
{
	size_t n = 0;

	pthread_mutex_lock(&stmt_lock);
	for (size_t i = 0; i < STMT_CACHE_MAX && stmt_cache[i].db; i++) {
		if (stmt_cache[i].db == db) {
			sqlite3_finalize(stmt_cache[i].st);
			free(stmt_cache[i].sql);
		} else
			stmt_cache[n++] = stmt_cache[i];
	}
	for (size_t i = n; i < STMT_CACHE_MAX; i++)
		stmt_cache[i] = (struct stmt_slot){ 0 };
	pthread_mutex_unlock(&stmt_lock);
	sqlite3_close(db);
}

static int vprepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret, struct cove_error *err,
		    va_list ap)
{
	sqlite3_stmt *st = cache_take(db, sql);
	const char *a;
	int i = 1;

	if (!st) {
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			return cove_err(err, -EIO, "Database error: %s", sqlite3_errmsg(db));
		cache_put(db, sql, st);
	}
	while ((a = va_arg(ap, const char *)))
		sqlite3_bind_text(st, i++, a, -1, SQLITE_TRANSIENT);
	*ret = st;
	return 0;
}

int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret, struct cove_error *err, ...)
{
	va_list ap;
	int r;

	va_start(ap, err);
	r = vprepare(db, sql, ret, err, ap);
	va_end(ap);
	return r;
}

int db_run(sqlite3 *db, const char *sql, struct cove_error *err, ...)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	va_list ap;
	int r;

	va_start(ap, err);
	r = vprepare(db, sql, &st, err, ap);
	va_end(ap);
	if (r < 0)
		return r;
	r = sqlite3_step(st);
	if (r == SQLITE_CONSTRAINT) {
		int x = sqlite3_extended_errcode(db);

		return cove_err(err, x == SQLITE_CONSTRAINT_UNIQUE || x == SQLITE_CONSTRAINT_PRIMARYKEY ? -EEXIST : -EINVAL,
				"Database constraint: %s", sqlite3_errmsg(db));
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return cove_err(err, -EIO, "Database error: %s", sqlite3_errmsg(db));
	return sqlite3_changes(db);
}

json_t *db_column_json(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	json_t *j = t ? json_loads(t, JSON_DECODE_ANY, NULL) : NULL;

	return j ? j : json_object();
}

char *db_json_text(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	return s ? s : xstrdup("{}");
}

char *db_column_str(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	return xstrdup(t ? t : "");
}

int db_names(sqlite3 *db, const char *sql, const char *arg, char ***ret, struct cove_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_strv_free_ char **l = NULL;
	int r;

	r = db_prepare(db, sql, &st, err, arg, NULL);
	if (r < 0)
		return r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		strv_push(&l, db_column_str(st, 0));
	if (r != SQLITE_DONE)
		return cove_err(err, -EIO, "Database error: %s", sqlite3_errmsg(db));
	*ret = TAKE_PTR(l);
	return 0;
}
