/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/network-acls: LXD's network ACLs (networks/network-acl.c): list,
 * create, get (ETag), put, patch, rename, delete; events network-acl-*.
 */
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "api-common.h"
#include "daemon.h"
#include "events.h"
#include "networks/network-acl.h"
#include "router.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

static json_t *etag_of(const json_t *acl)
{
	return json_pack("{s:O, s:O, s:O, s:O}", "description", json_object_get(acl, "description"),
			 "ingress", json_object_get(acl, "ingress"), "egress",
			 json_object_get(acl, "egress"), "config", json_object_get(acl, "config"));
}

static void list_acls(struct request *req, char **params)
{
	_cleanup_strv_free_ char **names = NULL;
	json_t *list = json_array();

	(void)network_acl_names(&names, NULL);
	STRV_FOREACH (n, names) {
		if (request_recursion(req))
			json_array_append_new(list, network_acl_get(*n, NULL) ?: json_null());
		else
			json_array_append_new(list, json_sprintf("/1.0/network-acls/%s", *n));
	}
	reply_sync(req, list);
}

static void create_acl(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *loc = NULL;
	struct cove_error err = { 0 };
	int r;

	if (!body)
		return;
	r = network_acl_create(body, &err);
	if (r < 0) {
		reply_error(req, r == -EEXIST ? 409 : 400, "%s", err.msg);
		return;
	}
	loc = xasprintf("/1.0/network-acls/%s", json_string_value(json_object_get(body, "name")));
	reply_created(req, loc);
	events_lifecycle("network-acl-created", loc, NULL);
}

static json_t *get_or_404(struct request *req, const char *name)
{
	json_t *acl = network_acl_get(name, NULL);

	if (!acl)
		reply_error(req, 404, "Network ACL not found");
	return acl;
}

static void get_acl(struct request *req, char **params)
{
	_cleanup_json_ json_t *acl = get_or_404(req, params[0]), *e = NULL;

	if (!acl)
		return;
	e = etag_of(acl);
	reply_sync_etag(req, json_incref(acl), e);
}

static bool etag_ok(struct request *req, const json_t *acl)
{
	_cleanup_json_ json_t *e = etag_of(acl);

	return api_etag_ok(req, e);
}

static void update_acl(struct request *req, char **params, bool patch)
{
	_cleanup_json_ json_t *body = request_json(req), *acl = NULL, *neu = NULL;
	_cleanup_free_ char *src = NULL;
	struct cove_error err = { 0 };
	const char *k;
	json_t *v;
	int r;

	if (!body || !(acl = get_or_404(req, params[0])) || !etag_ok(req, acl))
		return;
	neu = patch ? etag_of(acl) : json_object();
	json_object_foreach (body, k, v)
		if (streq(k, "description") || streq(k, "ingress") || streq(k, "egress"))
			json_object_set(neu, k, v);
	if (json_is_object(json_object_get(body, "config"))) {
		if (patch)
			json_object_update(json_object_get(neu, "config"), json_object_get(body, "config"));
		else
			json_object_set(neu, "config", json_object_get(body, "config"));
	}
	r = network_acl_update(params[0], neu, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	src = xasprintf("/1.0/network-acls/%s", params[0]);
	reply_sync(req, NULL);
	events_lifecycle("network-acl-updated", src, NULL);
}

static void put_acl(struct request *req, char **params)
{
	update_acl(req, params, false);
}

static void patch_acl(struct request *req, char **params)
{
	update_acl(req, params, true);
}

static void rename_acl(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req), *acl = NULL;
	_cleanup_free_ char *loc = NULL;
	struct cove_error err = { 0 };
	const char *name;
	int r;

	if (!body || !(acl = get_or_404(req, params[0])))
		return;
	name = json_string_value(json_object_get(body, "name"));
	r = network_acl_rename(params[0], name ?: "", &err);
	if (r < 0) {
		reply_error(req, r == -EEXIST ? 409 : 400, "%s", err.msg);
		return;
	}
	loc = xasprintf("/1.0/network-acls/%s", name);
	reply_created(req, loc);
	events_lifecycle("network-acl-renamed", loc, json_pack("{s:s}", "old_name", params[0]));
}

static void delete_acl(struct request *req, char **params)
{
	_cleanup_json_ json_t *acl = get_or_404(req, params[0]);
	_cleanup_free_ char *src = NULL;
	struct cove_error err = { 0 };
	int r;

	if (!acl)
		return;
	r = network_acl_delete(params[0], &err);
	if (r < 0) {
		reply_error(req, 400, "%s", err.msg);
		return;
	}
	src = xasprintf("/1.0/network-acls/%s", params[0]);
	reply_sync(req, NULL);
	events_lifecycle("network-acl-deleted", src, NULL);
}

const struct route api_network_acls_routes[] = {
	{ HTTP_GET, "/1.0/network-acls", list_acls },
	{ HTTP_POST, "/1.0/network-acls", create_acl },
	{ HTTP_GET, "/1.0/network-acls/*", get_acl },
	{ HTTP_PUT, "/1.0/network-acls/*", put_acl },
	{ HTTP_PATCH, "/1.0/network-acls/*", patch_acl },
	{ HTTP_POST, "/1.0/network-acls/*", rename_acl },
	{ HTTP_DELETE, "/1.0/network-acls/*", delete_acl },
	{ 0, NULL, NULL },
};
