/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/networks: managed bridges (networks/network.c, the networks table)
 * and, read-only, the other interfaces of the host (managed false, read
 * through netlink). Create, update, rename and delete act on the
 * bridge, its dnsmasq and its nftables table at once; leases and state.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "api-common.h"
#include "daemon.h"
#include "db/db-networks.h"
#include "events.h"
#include "fileio.h"
#include "networks/network.h"
#include "router.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

static bool iface_exists(const char *name)
{
	return !strchr(name, '/') && strlen(name) < IFNAMSIZ && if_nametoindex(name) > 0;
}

static json_t *unmanaged_json(const char *name)
{
	return json_pack("{s:{}, s:s, s:s, s:s, s:[], s:b, s:s, s:n}", "config", "description", "",
			 "name", name, "type", network_iface_type(name), "used_by", "managed", 0, "status",
			 "", "locations");
}

static json_t *managed_json(const struct db_network *n)
{
	return json_pack("{s:O, s:s, s:s, s:s, s:o, s:b, s:s, s:[s]}", "config", n->config,
			 "description", n->description, "name", n->name, "type", "bridge",
			 "used_by", network_used_by(n->name), "managed", 1, "status", "Created",
			 "locations", "none");
}

static json_t *etag_json(const struct db_network *n)
{
	return json_pack("{s:O, s:s}", "config", n->config, "description", n->description);
}

static void list_networks(struct request *req, char **params)
{
	_cleanup_strv_free_ char **names = NULL, **ifaces = network_host_ifaces();
	int recursion = request_recursion(req);
	json_t *list = json_array();

	(void)db_network_names(the_daemon->db, &names, NULL);
	STRV_FOREACH (n, names) {
		struct db_network net = { 0 };

		if (!recursion) {
			json_array_append_new(list, json_sprintf("/1.0/networks/%s", *n));
			continue;
		}
		if (db_network_get(the_daemon->db, *n, &net, NULL) < 0)
			continue;
		json_array_append_new(list, managed_json(&net));
		db_network_clear(&net);
	}
	STRV_FOREACH (i, ifaces) {
		if (strv_contains(names, *i))
			continue;
		json_array_append_new(list, recursion ? unmanaged_json(*i)
						      : json_sprintf("/1.0/networks/%s", *i));
	}
	reply_sync(req, list);
}

static void get_network(struct request *req, char **params)
{
	struct db_network n = { 0 };
	json_t *etag;

	if (db_network_get(the_daemon->db, params[0], &n, NULL) >= 0) {
		etag = etag_json(&n);
		reply_sync_etag(req, managed_json(&n), etag);
		json_decref(etag);
		db_network_clear(&n);
		return;
	}
	if (!iface_exists(params[0])) {
		reply_error(req, 404, "Network not found");
		return;
	}
	reply_sync_etag(req, unmanaged_json(params[0]), NULL);
}

static void create_network(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *loc = NULL;
	struct cove_error err = { 0 };
	struct db_network old = { 0 };
	const char *name, *type, *desc;
	json_t *config;
	int r;

	if (!body)
		return;
	name = json_string_value(json_object_get(body, "name"));
	type = json_string_value(json_object_get(body, "type"));
	desc = json_string_value(json_object_get(body, "description"));
	config = json_object_get(body, "config");
	if (json_object_get(body, "type") && !type && !json_is_null(json_object_get(body, "type"))) {
		reply_error(req, 400, "Invalid request: type must be a string");
		return;
	}
	if (config && !json_is_null(config) && !json_is_object(config)) {
		reply_error(req, 400, "Invalid request: config must be a map");
		return;
	}
	if (!isempty(type) && !streq(type, "bridge")) {
		/* LXD's drivers are bridge, macvlan, sriov, ovn and physical; any other is its "Unknown driver" */
		if (!streq(type, "macvlan") && !streq(type, "sriov") && !streq(type, "ovn") &&
		    !streq(type, "physical"))
			reply_error(req, 400, "Unknown driver");
		else
			reply_error(req, 400, "Network type \"%s\" is not supported (cove: bridge only)",
				    type);
		return;
	}
	if (!isempty(name) && db_network_get(the_daemon->db, name, &old, NULL) >= 0) {
		db_network_clear(&old);
		reply_error(req, 409, "The network already exists");
		return;
	}
	r = network_create(name, desc, config, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	loc = xasprintf("/1.0/networks/%s", name);
	reply_created(req, loc);
	events_lifecycle("network-created", loc, NULL);
}

static bool etag_ok(struct request *req, const struct db_network *n)
{
	_cleanup_json_ json_t *e = etag_json(n);

	return api_etag_ok(req, e);
}

/* The managed network params[0], or an answer (404, or 400 for a host interface). */
static int get_managed(struct request *req, const char *name, struct db_network *ret)
{
	if (db_network_get(the_daemon->db, name, ret, NULL) >= 0)
		return 0;
	if (iface_exists(name))
		reply_error(req, 400, "Only managed networks can be modified");
	else
		reply_error(req, 404, "Network not found");
	return -ENOENT;
}

static void update_network(struct request *req, char **params, bool patch)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *src = NULL;
	struct db_network old = { 0 }, n = { 0 };
	struct cove_error err = { 0 };
	json_t *config, *desc;
	int r;

	if (!body || get_managed(req, params[0], &old) < 0)
		return;
	if (!etag_ok(req, &old)) {
		db_network_clear(&old);
		return;
	}
	config = json_object_get(body, "config");
	desc = json_object_get(body, "description");
	n.name = xstrdup(old.name);
	n.type = xstrdup(old.type);
	n.description = xstrdup(json_is_string(desc) ? json_string_value(desc)
			       : patch		     ? old.description
						     : "");
	n.config = patch ? json_deep_copy(old.config) : json_object();
	if (json_is_object(config))
		json_object_update(n.config, config);
	r = network_config_validate(n.name, n.config, &err);
	if (r >= 0)
		r = network_config_resolve_auto(n.config, &err);
	if (r >= 0 && (config && !json_is_null(config) && !json_is_object(config)))
		r = cove_err(&err, -EINVAL, "Invalid request: config must be a map");
	if (r >= 0 && !json_equal(old.config, n.config))
		r = network_reconfigure(&old, &n, &err);
	if (r >= 0)
		r = db_network_update(the_daemon->db, &n, &err);
	if (r < 0)
		reply_errno(req, r, err.msg);
	else {
		reply_sync(req, json_object());
		src = xasprintf("/1.0/networks/%s", n.name);
		events_lifecycle("network-updated", src, NULL);
	}
	db_network_clear(&old);
	db_network_clear(&n);
}

static void put_network(struct request *req, char **params)
{
	update_network(req, params, false);
}

static void patch_network(struct request *req, char **params)
{
	update_network(req, params, true);
}

static void delete_network(struct request *req, char **params)
{
	_cleanup_json_ json_t *users = NULL;
	_cleanup_free_ char *src = NULL;
	struct db_network n = { 0 };
	struct cove_error err = { 0 };
	int r;

	if (get_managed(req, params[0], &n) < 0)
		return;
	users = network_used_by(n.name);
	if (json_array_size(users) > 0) {
		db_network_clear(&n);
		reply_error(req, 400, "The network is currently in use");
		return;
	}
	network_stop(&n, true);
	r = db_network_delete(the_daemon->db, n.name, &err);
	db_network_clear(&n);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	reply_sync(req, json_object());
	src = xasprintf("/1.0/networks/%s", params[0]);
	events_lifecycle("network-deleted", src, NULL);
}

static void rename_network(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req), *users = NULL;
	_cleanup_free_ char *src = NULL;
	struct db_network n = { 0 }, other = { 0 };
	struct cove_error err = { 0 };
	const char *name;
	int r;

	if (!body || get_managed(req, params[0], &n) < 0)
		return;
	name = json_string_value(json_object_get(body, "name"));
	r = network_name_validate(name, &err);
	if (r >= 0 && (db_network_get(the_daemon->db, name, &other, NULL) >= 0 || iface_exists(name))) {
		db_network_clear(&other);
		r = cove_err(&err, -EEXIST, "Network \"%s\" already exists", name);
	}
	users = r >= 0 ? network_used_by(n.name) : NULL;
	if (r >= 0 && json_array_size(users) > 0)
		r = cove_err(&err, -EBUSY, "Network is in use");
	if (r >= 0) {
		network_stop(&n, true);
		r = db_network_rename(the_daemon->db, n.name, name, &err);
		free(n.name);
		n.name = xstrdup(r >= 0 ? name : params[0]);
		if (network_start(&n, r >= 0 ? &err : NULL) < 0 && r >= 0)
			r = -EIO;
	}
	db_network_clear(&n);
	if (r < 0) {
		if (r == -EBUSY)
			reply_error(req, 400, "%s", err.msg);
		else
			reply_errno(req, r, err.msg);
		return;
	}
	src = xasprintf("/1.0/networks/%s", name);
	reply_created(req, src);
	events_lifecycle("network-renamed", src, json_pack("{s:s}", "old_name", params[0]));
}

static void get_leases(struct request *req, char **params)
{
	struct db_network n = { 0 };

	if (db_network_get(the_daemon->db, params[0], &n, NULL) < 0) {
		reply_error(req, 404, "Network not found");
		return;
	}
	db_network_clear(&n);
	reply_sync(req, network_leases(params[0]));
}

static void get_state(struct request *req, char **params)
{
	json_t *st;

	if (!iface_exists(params[0]) || !(st = network_iface_state(params[0]))) {
		reply_error(req, 404, "Network not found");
		return;
	}
	reply_sync(req, st);
}

const struct route api_networks_routes[] = {
	{ HTTP_GET, "/1.0/networks", list_networks },
	{ HTTP_POST, "/1.0/networks", create_network },
	{ HTTP_GET, "/1.0/networks/*/leases", get_leases },
	{ HTTP_GET, "/1.0/networks/*/state", get_state },
	{ HTTP_GET, "/1.0/networks/*", get_network },
	{ HTTP_PUT, "/1.0/networks/*", put_network },
	{ HTTP_PATCH, "/1.0/networks/*", patch_network },
	{ HTTP_POST, "/1.0/networks/*", rename_network },
	{ HTTP_DELETE, "/1.0/networks/*", delete_network },
	{ 0, NULL, NULL },
};
