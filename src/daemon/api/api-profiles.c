/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /1.0/profiles: list and show (editing comes with the rest of issue 6). */
#include <errno.h>

#include "alloc.h"
#include "daemon.h"
#include "db/db.h"
#include "instances/instance.h"
#include "util.h"
#include "router.h"
#include "strutil.h"
#include "strv.h"

static json_t *used_by(const char *profile)
{
	_cleanup_strv_free_ char **names = NULL;
	json_t *list = json_array();

	(void)db_instance_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names) {
		struct db_instance i = { 0 };
		size_t k;
		json_t *p;

		if (db_instance_get(the_daemon->db, *n, &i, NULL) < 0)
			continue;
		json_array_foreach(i.profiles, k, p)
			if (json_is_string(p) && streq(json_string_value(p), profile)) {
				json_array_append_new(list, json_sprintf("/1.0/instances/%s", *n));
				break;
			}
		db_instance_clear(&i);
	}
	return list;
}

static json_t *profile_json(const struct db_profile *p)
{
	return json_pack("{s:O, s:s, s:O, s:s, s:o}", "config", p->config, "description",
			 p->description, "devices", p->devices, "name", p->name, "used_by",
			 used_by(p->name));
}

static void list_profiles(struct request *req, char **params)
{
	_cleanup_strv_free_ char **names = NULL;
	int recursion = request_recursion(req);
	json_t *list = json_array();

	(void)db_profile_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names) {
		struct db_profile p = { 0 };

		if (recursion == 0) {
			json_array_append_new(list, json_sprintf("/1.0/profiles/%s", *n));
			continue;
		}
		if (db_profile_get(the_daemon->db, *n, &p, NULL) < 0)
			continue;
		json_array_append_new(list, profile_json(&p));
		db_profile_clear(&p);
	}
	reply_sync(req, list);
}

static void get_profile(struct request *req, char **params)
{
	struct db_profile p = { 0 };
	struct cove_error err = { 0 };
	int r = db_profile_get(the_daemon->db, params[0], &p, &err);
	json_t *etag;

	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	etag = json_pack("{s:O, s:s, s:O}", "config", p.config, "description", p.description,
			 "devices", p.devices);
	reply_sync_etag(req, profile_json(&p), etag);
	json_decref(etag);
	db_profile_clear(&p);
}

static void put_profile(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	struct db_profile p = { 0 };
	struct cove_error err = { 0 };
	const json_t *config, *devices, *desc;
	int r;

	if (!body)
		return;
	r = db_profile_get(the_daemon->db, params[0], &p, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	config = json_object_get(body, "config");
	devices = json_object_get(body, "devices");
	desc = json_object_get(body, "description");
	r = instance_config_validate(config, &err);
	if (r >= 0)
		r = instance_devices_validate(devices, &err);
	if (r >= 0 && desc && !json_is_string(desc))
		r = cove_err(&err, -EINVAL, "json: cannot unmarshal description: not a string");
	if (r >= 0) {
		json_decref(p.config);
		json_decref(p.devices);
		p.config = json_is_object(config) ? json_deep_copy(config) : json_object();
		p.devices = json_is_object(devices) ? json_deep_copy(devices) : json_object();
		free(p.description);
		p.description = xstrdup(json_string_value(desc) ?: "");
		r = db_profile_put(the_daemon->db, &p, &err);
	}
	db_profile_clear(&p);
	if (r < 0)
		reply_errno(req, r, err.msg);
	else
		reply_sync(req, json_object());
}

const struct route api_profiles_routes[] = {
	{ HTTP_PUT, "/1.0/profiles/*", put_profile },
	{ HTTP_GET, "/1.0/profiles", list_profiles },
	{ HTTP_GET, "/1.0/profiles/*", get_profile },
	{ 0, NULL, NULL },
};
