/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PUT and PATCH /1.0/images/FP: LXD's ImagePut fields (public,
 * auto_update, properties, expires_at, profiles), with If-Match against
 * the ETag of those fields (what GET answers). PUT replaces them all,
 * PATCH only those given.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "api-common.h"
#include "daemon.h"
#include "db/db.h"
#include "events.h"
#include "images/image.h"
#include "request.h"
#include "router.h"
#include "strutil.h"
#include "util.h"

static bool etag_ok(struct request *req, const struct db_image *i)
{
	_cleanup_json_ json_t *e = image_put_json(i);

	return api_etag_ok(req, e);
}

static bool valid_time(const char *s)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (!end)
		return false;
	if (*end == '.')
		end += 1 + strspn(end + 1, "0123456789");
	return streq(end, "Z") || ((*end == '+' || *end == '-') && strlen(end) == 6);
}

static int check_fields(const json_t *body, struct cove_error *err)
{
	const json_t *props = json_object_get(body, "properties"), *profiles, *v;
	const json_t *exp = json_object_get(body, "expires_at");
	const char *k;
	size_t i;

	if (!json_is_object(body))
		return cove_err(err, -EINVAL, "Invalid JSON body");
	json_object_foreach((json_t *)body, k, v)
		if ((streq(k, "public") || streq(k, "auto_update")) && !json_is_boolean(v))
			return cove_err(err, -EINVAL, "json: cannot unmarshal %s into Go struct field ImagePut.%s of type bool",
					json_is_string(v) ? "string" : "value", k);
	if (props && !json_is_null(props) && !util_json_is_string_map(props))
		return cove_err(err, -EINVAL, "json: cannot unmarshal properties into Go struct field ImagePut.properties of type map[string]string");
	if (exp && !json_is_null(exp) && (!json_is_string(exp) || !valid_time(json_string_value(exp))))
		return cove_err(err, -EINVAL, "Invalid expires_at: not an RFC 3339 time");
	profiles = json_object_get(body, "profiles");
	if (profiles && !json_is_null(profiles) && !json_is_array(profiles))
		return cove_err(err, -EINVAL, "json: cannot unmarshal profiles into Go struct field ImagePut.profiles of type []string");
	json_array_foreach(profiles, i, v) {
		struct db_profile p = { 0 };

		if (!json_is_string(v))
			return cove_err(err, -EINVAL, "json: cannot unmarshal profiles into Go struct field ImagePut.profiles of type []string");
		if (db_profile_get(the_daemon->db, json_string_value(v), &p, NULL) < 0)
			return cove_err(err, -EINVAL, "Profile \"%s\" doesn't exist", json_string_value(v));
		db_profile_clear(&p);
	}
	return 0;
}

static void apply_fields(struct db_image *i, const json_t *body, bool patch)
{
	const json_t *v;

	if ((v = json_object_get(body, "public")) || !patch)
		i->public = json_is_true(v);
	if ((v = json_object_get(body, "auto_update")) || !patch)
		i->auto_update = json_is_true(v);
	if ((v = json_object_get(body, "properties")) || !patch) {
		if (patch && json_is_object(v))
			json_object_update(i->properties, (json_t *)v);
		else {
			json_decref(i->properties);
			i->properties = json_is_object(v) ? json_deep_copy(v) : json_object();
		}
	}
	if ((v = json_object_get(body, "expires_at")) || !patch) {
		free(i->expires_at);
		i->expires_at = xstrdup(json_string_value(v) ?: "1970-01-01T00:00:00Z");
	}
	if ((v = json_object_get(body, "profiles")) || !patch) {
		json_decref(i->profiles);
		i->profiles = json_is_array(v) ? json_deep_copy(v) : json_array();
	}
}

static void update_image(struct request *req, char **params, bool patch)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *src = NULL;
	struct db_image i = { 0 };
	struct cove_error err = { 0 };
	int r;

	if (!body)
		return;
	r = db_image_get(the_daemon->db, params[0], &i, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	if (!etag_ok(req, &i)) {
		db_image_clear(&i);
		return;
	}
	r = check_fields(body, &err);
	if (r >= 0) {
		apply_fields(&i, body, patch);
		r = db_image_update(the_daemon->db, &i, &err);
	}
	if (r < 0) {
		reply_errno(req, r, err.msg);
		db_image_clear(&i);
		return;
	}
	src = xasprintf("/1.0/images/%s", i.fingerprint);
	db_image_clear(&i);
	reply_sync(req, json_object());
	events_lifecycle("image-updated", src, NULL);
}

void api_image_put(struct request *req, char **params)
{
	update_image(req, params, false);
}

void api_image_patch(struct request *req, char **params)
{
	update_image(req, params, true);
}

void image_default_profiles(const char *fingerprint, json_t **profiles)
{
	struct db_image img = { 0 };
	json_t *list = json_array(), *v;
	size_t i;

	if (db_image_get(the_daemon->db, fingerprint, &img, NULL) < 0 || !json_is_array(img.profiles)) {
		json_decref(list);
		db_image_clear(&img);
		return;
	}
	/* LXD: the image's profiles when the request names none; vanished ones are skipped */
	json_array_foreach(img.profiles, i, v) {
		struct db_profile p = { 0 };

		if (json_is_string(v) &&
		    db_profile_get(the_daemon->db, json_string_value(v), &p, NULL) >= 0) {
			json_array_append(list, v);
			db_profile_clear(&p);
		}
	}
	json_decref(*profiles);
	*profiles = list;
	db_image_clear(&img);
}
