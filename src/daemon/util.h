/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small daemon helpers: time stamps, ids, secrets, hashing, JSON text. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cove/error.h"
#include "macro.h"

/* RFC 3339 with nanoseconds in UTC, as LXD prints: "2026-11-28T23:29:30.731483416Z". */
char *util_now_rfc3339(void);
/* A random UUID v4 string (36 characters). */
void util_uuid(char ret[static 37]);
/* 64 hex characters of randomness (exec websocket secrets). */
void util_secret(char ret[static 65]);
/* sha256 of data as 64 lowercase hex characters. */
void util_sha256_hex(const void *data, size_t len, char ret[static 65]);
/* The ETag of a JSON value: sha256 of its compact, key-sorted text. */
char *util_json_etag(const json_t *v);
/* A JSON object mapping strings to strings (config maps); false otherwise. */
bool util_json_is_string_map(const json_t *v);
/* Host architecture name as LXD spells it (uname machine). */
const char *util_arch(void);

/* json_decrefp() comes with jansson >= 2.9 */
#define _cleanup_json_ _cleanup_(json_decrefp)

/* Run argv (PATH lookup) and wait; fails with the program's name and status. Blocks. */
int util_run(char *const argv[], struct cove_error *err);
