/* SPDX-License-Identifier: GPL-2.0-or-later */
/* POST /1.0/instances/NAME/exec: checks the request and starts an exec session. */
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "daemon.h"
#include "exec/exec.h"
#include "instances/instance.h"
#include "operations.h"
#include "router.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

#define EXEC_ARGS_MAX 4096

static const char *const default_env[][2] = {
	{ "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
	{ "LANG", "C.UTF-8" },
	{ "HOME", "/root" },
	{ "USER", "root" },
};

static int parse_command(const json_t *body, struct exec_request *r, struct cove_error *err)
{
	const json_t *cmd = json_object_get(body, "command");
	size_t i;
	json_t *a;

	if (!json_is_array(cmd) || json_array_size(cmd) == 0)
		return cove_err(err, -EINVAL, "Command is required");
	if (json_array_size(cmd) > EXEC_ARGS_MAX)
		return cove_err(err, -E2BIG, "Too many arguments");
	json_array_foreach(cmd, i, a) {
		if (!json_is_string(a))
			return cove_err(err, -EINVAL, "json: cannot unmarshal command: not a string");
		strv_push_dup(&r->argv, json_string_value(a));
	}
	return 0;
}

static int parse_flags(const json_t *body, struct exec_request *r, struct cove_error *err)
{
	static const char *const bools[] = { "wait-for-websocket", "interactive", "record-output" };
	static const char *const ints[] = { "width", "height", "user", "group" };
	const json_t *cwd = json_object_get(body, "cwd");

	for (size_t i = 0; i < ELEMENTSOF(bools); i++) {
		const json_t *v = json_object_get(body, bools[i]);

		if (v && !json_is_null(v) && !json_is_boolean(v))
			return cove_err(err, -EINVAL, "json: cannot unmarshal %s: not a bool", bools[i]);
	}
	for (size_t i = 0; i < ELEMENTSOF(ints); i++) {
		const json_t *v = json_object_get(body, ints[i]);

		if (v && !json_is_null(v) && (!json_is_integer(v) || json_integer_value(v) < 0 ||
					      json_integer_value(v) > 0x7fffffff))
			return cove_err(err, -EINVAL, "json: cannot unmarshal %s: not a number", ints[i]);
	}
	if (cwd && !json_is_null(cwd) && !json_is_string(cwd))
		return cove_err(err, -EINVAL, "json: cannot unmarshal cwd: not a string");
	if (json_is_true(json_object_get(body, "record-output")))
		return cove_err(err, -EOPNOTSUPP, "Recording the output is not supported yet");
	r->wait_for_websocket = json_is_true(json_object_get(body, "wait-for-websocket"));
	r->interactive = json_is_true(json_object_get(body, "interactive"));
	r->width = (unsigned)json_integer_value(json_object_get(body, "width"));
	r->height = (unsigned)json_integer_value(json_object_get(body, "height"));
	r->uid = (uid_t)json_integer_value(json_object_get(body, "user"));
	r->gid = (gid_t)json_integer_value(json_object_get(body, "group"));
	if (!isempty(json_string_value(cwd)))
		r->cwd = xstrdup(json_string_value(cwd));
	return 0;
}

/* environment.* of the instance's expanded config, as LXD adds them to every exec */
static void instance_env(const struct db_instance *i, json_t *all)
{
	_cleanup_json_ json_t *config = NULL, *devices = NULL;
	const char *k;
	json_t *v;

	if (instance_expand(i, &config, &devices, NULL) < 0)
		return;
	json_object_foreach(config, k, v) {
		const char *var = startswith(k, "environment.");

		if (var && json_is_string(v))
			json_object_set(all, var, v);
	}
}

/*
 * The environment: LXD's defaults, then the instance's environment.*, then
 * the client's; returned as JSON for the metadata.
 */
static int parse_env(const json_t *body, const struct db_instance *i, struct exec_request *r,
		     json_t **ret, struct cove_error *err)
{
	const json_t *env = json_object_get(body, "environment");
	json_t *all = json_object();
	const char *k;
	json_t *v;

	if (env && !json_is_null(env) && !util_json_is_string_map(env)) {
		json_decref(all);
		return cove_err(err, -EINVAL, "json: cannot unmarshal environment: not a map of strings");
	}
	for (size_t n = 0; n < ELEMENTSOF(default_env); n++)
		json_object_set_new(all, default_env[n][0], json_string(default_env[n][1]));
	instance_env(i, all);
	if (json_is_object(env))
		json_object_update(all, (json_t *)env);
	json_object_foreach(all, k, v) {
		if (isempty(k) || strchr(k, '=')) {
			json_decref(all);
			return cove_err(err, -EINVAL, "Invalid environment variable name '%s'", k);
		}
		strv_push(&r->env, xasprintf("%s=%s", k, json_string_value(v)));
	}
	*ret = all;
	return 0;
}

static void exec_instance(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	struct exec_request r = { 0 };
	struct cove_error err = { 0 };
	struct db_instance i = { 0 };
	struct instance_state st;
	json_t *env = NULL;
	int k;

	if (!body)
		return;
	k = db_instance_get(the_daemon->db, params[0], &i, &err);
	if (k >= 0)
		k = parse_command(body, &r, &err);
	if (k >= 0)
		k = parse_flags(body, &r, &err);
	if (k >= 0)
		k = parse_env(body, &i, &r, &env, &err);
	db_instance_clear(&i);
	if (k >= 0) {
		instance_state_get(params[0], &st);
		if (st.state != COVE_STATE_RUNNING)
			k = cove_err(&err, -EINVAL, "Instance is not running");
	}
	if (k < 0) {
		reply_errno(req, k, err.msg);
		exec_request_clear(&r);
		if (env)
			json_decref(env);
		return;
	}
	r.instance = xstrdup(params[0]);
	reply_async(req, exec_session_new(&r, env));
}

const struct route api_exec_routes[] = {
	{ HTTP_POST, "/1.0/instances/*/exec", exec_instance },
	{ 0, NULL, NULL },
};
