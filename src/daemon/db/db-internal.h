/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "db.h"

char *db_column_str(sqlite3_stmt *st, int col);
/* One text column per row into a strv (may be NULL when empty); arg binds ?1 (may be NULL). */
int db_names(sqlite3 *db, const char *sql, const char *arg, char ***ret, struct cove_error *err);
