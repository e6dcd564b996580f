/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Database handle, statement helpers. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "alloc.h"
#include "db-internal.h"
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
		sqlite3_close(db);
		return r;
	}
	sqlite3_busy_timeout(db, 5000);
	r = db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;",
		    err);
	if (r >= 0)
		r = db_migrate(db, err);
	if (r < 0) {
		sqlite3_close(db);
		return r;
	}
	*ret = db;
	return 0;
}

static int vprepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret, struct cove_error *err,
		    va_list ap)
{
	sqlite3_stmt *st = NULL;
	const char *a;
	int i = 1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return cove_err(err, -EIO, "Database error: %s", sqlite3_errmsg(db));
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
