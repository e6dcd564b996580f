/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The networks table: managed networks (type bridge), config as JSON text. */
#pragma once

#include "db.h"

struct db_network {
	char *name;
	char *type;
	char *description;
	json_t *config;
};
void db_network_clear(struct db_network *n);
int db_network_get(sqlite3 *db, const char *name, struct db_network *ret, struct cove_error *err);
int db_network_names(sqlite3 *db, char ***ret, struct cove_error *err);
int db_network_insert(sqlite3 *db, const struct db_network *n, struct cove_error *err);
int db_network_update(sqlite3 *db, const struct db_network *n, struct cove_error *err);
int db_network_rename(sqlite3 *db, const char *old, const char *new_name, struct cove_error *err);
int db_network_delete(sqlite3 *db, const char *name, struct cove_error *err);
