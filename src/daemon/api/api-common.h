/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the API handlers: request field parsing and ?filter=. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "cove/error.h"
#include "db/db.h"
#include "request.h"

/*
 * ?filter= as LXD's basic form: "FIELD eq VALUE [and FIELD eq VALUE...]"
 * (also ne), FIELD a dotted path into obj ("name", "status",
 * "config.user.foo"). NULL or empty matches everything; a filter we cannot
 * parse matches nothing.
 */
bool api_filter_match(const char *filter, const json_t *obj);

/*
 * Read the writable instance fields of body into ret, checking their types
 * and values (config keys, devices, profiles that exist). With create,
 * also name and type, and defaults are filled in (profiles ["default"]).
 */
int api_instance_fields(const json_t *body, struct db_instance *ret, bool create,
			struct cove_error *err);
/* Apply parsed fields n (from body) to cur: PUT replaces, PATCH merges what body has. */
int api_instance_apply(struct db_instance *cur, struct db_instance *n, const json_t *body,
		       bool patch, struct cove_error *err);

/*
 * If-Match: true when the request has none or it matches the ETag of
 * etag_obj (the part of the object a PUT replaces); otherwise replies 412
 * with LXD's text and returns false.
 */
bool api_etag_ok(struct request *req, const json_t *etag_obj);
