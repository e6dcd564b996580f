/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /1.0/storage-pools: list and show (the dir driver; more drivers later). */
#include <errno.h>

#include "alloc.h"
#include "daemon.h"
#include "db/db.h"
#include "router.h"
#include "fileio.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"
#include <string.h>

static json_t *pool_used_by(void)
{
	_cleanup_strv_free_ char **names = NULL;
	json_t *list = json_array();

	(void)db_instance_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names)
		json_array_append_new(list, json_sprintf("/1.0/instances/%s", *n));
	json_array_append_new(list, json_string("/1.0/profiles/default"));
	return list;
}

static json_t *pool_json(const struct db_pool *p)
{
	return json_pack("{s:O, s:s, s:s, s:s, s:o, s:s, s:[s]}", "config", p->config,
			 "description", p->description, "name", p->name, "driver", p->driver,
			 "used_by", pool_used_by(), "status", "Created", "locations", "none");
}

static void list_pools(struct request *req, char **params)
{
	_cleanup_strv_free_ char **names = NULL;
	int recursion = request_recursion(req);
	json_t *list = json_array();

	(void)db_pool_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names) {
		struct db_pool p = { 0 };

		if (recursion == 0) {
			json_array_append_new(list, json_sprintf("/1.0/storage-pools/%s", *n));
			continue;
		}
		if (db_pool_get(the_daemon->db, *n, &p, NULL) < 0)
			continue;
		json_array_append_new(list, pool_json(&p));
		db_pool_clear(&p);
	}
	reply_sync(req, list);
}

static void get_pool(struct request *req, char **params)
{
	struct db_pool p = { 0 };
	struct cove_error err = { 0 };
	int r = db_pool_get(the_daemon->db, params[0], &p, &err);

	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	reply_sync_etag(req, pool_json(&p), NULL);
	db_pool_clear(&p);
}

static void create_pool(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *source = NULL, *loc = NULL;
	struct cove_error err = { 0 };
	struct db_pool p = { 0 };
	const char *name, *driver;
	int r;

	if (!body)
		return;
	name = json_string_value(json_object_get(body, "name"));
	driver = json_string_value(json_object_get(body, "driver"));
	if (isempty(name) || strchr(name, '/') || streq(name, "..") || streq(name, ".")) {
		reply_error(req, 400, "Invalid pool name");
		return;
	}
	if (!streq_ptr(driver, "dir")) {
		reply_error(req, 400, "Storage driver \"%s\" is not supported", driver ? driver : "");
		return;
	}
	source = xasprintf("%s/storage-pools/%s", the_daemon->dir, name);
	r = mkdir_p(source, 0711);
	if (r < 0 && r != -EEXIST) {
		reply_errno(req, r, "Failed to create the pool directory");
		return;
	}
	p.name = (char *)name;
	p.driver = (char *)driver;
	p.description = (char *)(json_string_value(json_object_get(body, "description")) ?: "");
	p.config = json_pack("{s:s}", "source", source);
	r = db_pool_insert(the_daemon->db, &p, &err);
	json_decref(p.config);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	loc = xasprintf("/1.0/storage-pools/%s", name);
	reply_created(req, loc);
}

const struct route api_storage_routes[] = {
	{ HTTP_POST, "/1.0/storage-pools", create_pool },
	{ HTTP_GET, "/1.0/storage-pools", list_pools },
	{ HTTP_GET, "/1.0/storage-pools/*", get_pool },
	{ 0, NULL, NULL },
};
