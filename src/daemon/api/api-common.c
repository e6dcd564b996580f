/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the API handlers: request field parsing and ?filter=. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "api-common.h"
#include "daemon.h"
#include "instances/instance.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

static const json_t *field(const json_t *obj, const char *path)
{
	const char *dot;

	/* config keys contain dots themselves: "config.user.foo" is config["user.foo"] */
	if ((dot = startswith(path, "config.")) || (dot = startswith(path, "expanded_config.")))
		return json_object_get(json_object_get(obj, startswith(path, "config.") ? "config" : "expanded_config"), dot);
	return json_object_get(obj, path);
}

static bool term_match(const json_t *obj, const char *key, const char *op, const char *value)
{
	const json_t *v = field(obj, key);
	_cleanup_free_ char *s = NULL;
	bool eq;

	if (json_is_string(v))
		s = xstrdup(json_string_value(v));
	else if (v)
		s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	eq = s && strcasecmp(s, value) == 0;
	return streq(op, "ne") ? !eq : eq;
}

bool api_filter_match(const char *filter, const json_t *obj)
{
	_cleanup_strv_free_ char **w = NULL;
	size_t n;

	if (isempty(filter))
		return true;
	w = strv_split(filter, " ");
	n = strv_length(w);
	for (size_t i = 0; i < n; i += 4) {
		if (i + 2 >= n || (!streq(w[i + 1], "eq") && !streq(w[i + 1], "ne")))
			return false;
		if (!term_match(obj, w[i], w[i + 1], w[i + 2]))
			return false;
		if (i + 3 < n && !streq(w[i + 3], "and"))
			return false;
	}
	return true;
}

static int get_string(const json_t *body, const char *key, char **ret, const char *def,
		      struct cove_error *err)
{
	const json_t *v = json_object_get(body, key);

	if (v && !json_is_null(v) && !json_is_string(v))
		return cove_err(err, -EINVAL,
				"json: cannot unmarshal %s into Go struct field .%s of type string",
				json_is_number(v) ? "number" : "value", key);
	*ret = xstrdup(json_is_string(v) ? json_string_value(v) : def);
	return 0;
}

static int get_bool(const json_t *body, const char *key, int *ret, struct cove_error *err)
{
	const json_t *v = json_object_get(body, key);

	if (v && !json_is_null(v) && !json_is_boolean(v))
		return cove_err(err, -EINVAL,
				"json: cannot unmarshal %s into Go struct field .%s of type bool",
				json_is_string(v) ? "string" : "value", key);
	*ret = json_is_true(v);
	return 0;
}

static int get_profiles(const json_t *body, json_t **ret, bool create, struct cove_error *err)
{
	const json_t *v = json_object_get(body, "profiles");
	size_t i;
	json_t *p;

	if (!v || json_is_null(v)) {
		*ret = create ? json_pack("[s]", "default") : NULL;
		return 0;
	}
	if (!json_is_array(v))
		return cove_err(err, -EINVAL, "json: cannot unmarshal profiles: not an array");
	json_array_foreach(v, i, p) {
		struct db_profile prof = { 0 };

		if (!json_is_string(p))
			return cove_err(err, -EINVAL, "json: cannot unmarshal profiles: not a string");
		if (db_profile_get(the_daemon->db, json_string_value(p), &prof, NULL) < 0)
			return cove_err(err, -EINVAL, "Requested profile '%s' doesn't exist",
					json_string_value(p));
		db_profile_clear(&prof);
	}
	*ret = json_deep_copy(v);
	return 0;
}

static int get_map(const json_t *body, const char *key, json_t **ret, struct cove_error *err)
{
	const json_t *v = json_object_get(body, key);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return cove_err(err, -EINVAL, "json: cannot unmarshal %s: not a map", key);
	*ret = json_deep_copy(v);
	return 0;
}

int api_instance_fields(const json_t *body, struct db_instance *ret, bool create,
			struct cove_error *err)
{
	_cleanup_free_ char *type = NULL;
	int r;

	r = get_string(body, "name", &ret->name, "", err);
	if (r >= 0)
		r = get_string(body, "architecture", &ret->architecture, "", err);
	if (r >= 0)
		r = get_string(body, "description", &ret->description, "", err);
	if (r >= 0)
		r = get_string(body, "type", &type, "", err);
	if (r >= 0)
		r = get_bool(body, "ephemeral", &ret->ephemeral, err);
	if (r >= 0)
		r = get_bool(body, "stateful", &ret->stateful, err);
	if (r >= 0)
		r = get_map(body, "config", &ret->config, err);
	if (r >= 0)
		r = get_map(body, "devices", &ret->devices, err);
	if (r >= 0)
		r = get_profiles(body, &ret->profiles, create, err);
	if (r >= 0)
		r = instance_config_validate(ret->config, err);
	if (r >= 0)
		r = instance_devices_validate(ret->devices, err);
	if (r < 0)
		return r;
	if (create && !isempty(type) && !streq(type, "container"))
		return cove_err(err, -EINVAL, "Instance type \"%s\" is not supported", type);
	if (ret->stateful)
		return cove_err(err, -EOPNOTSUPP, "Stateful instances are not supported");
	if (create) {
		if (isempty(ret->architecture)) {
			free(ret->architecture);
			ret->architecture = xstrdup(util_arch());
		}
		if (!ret->config)
			ret->config = json_object();
		if (!ret->devices)
			ret->devices = json_object();
	}
	return 0;
}

static void take_json(json_t **dst, json_t **src)
{
	if (!*src)
		return;
	if (*dst)
		json_decref(*dst);
	*dst = *src;
	*src = NULL;
}

static void take_str(char **dst, char **src, bool present)
{
	if (!present)
		return;
	free(*dst);
	*dst = *src;
	*src = NULL;
}

int api_instance_apply(struct db_instance *cur, struct db_instance *n, const json_t *body,
		       bool patch, struct cove_error *err)
{
	if (json_object_get(body, "restore"))
		return cove_err(err, -EOPNOTSUPP, "Snapshots are not supported yet");
	if (patch) {
		if (n->config)
			json_object_update(cur->config, n->config);
		if (n->devices)
			json_object_update(cur->devices, n->devices);
	} else {
		if (!n->config)
			n->config = json_object();
		if (!n->devices)
			n->devices = json_object();
		take_json(&cur->config, &n->config);
		take_json(&cur->devices, &n->devices);
	}
	take_json(&cur->profiles, &n->profiles);
	take_str(&cur->description, &n->description, !patch || json_object_get(body, "description"));
	if (!patch || json_object_get(body, "ephemeral"))
		cur->ephemeral = n->ephemeral;
	return 0;
}

bool api_etag_ok(struct request *req, const json_t *etag_obj)
{
	_cleanup_free_ char *cur = NULL, *sent = NULL;
	size_t n;

	if (!req->if_match)
		return true;
	cur = util_json_etag((json_t *)etag_obj);
	sent = xstrdup(req->if_match);
	n = strlen(sent);
	if (n >= 2 && sent[0] == '"' && sent[n - 1] == '"') {
		sent[n - 1] = 0;
		memmove(sent, sent + 1, n - 1);
	}
	if (streq(cur, sent))
		return true;
	reply_error(req, 412, "ETag doesn't match: %s vs %s", cur, sent);
	return false;
}
