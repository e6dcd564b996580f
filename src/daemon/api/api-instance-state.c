/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/instances/NAME/state: show, and start / stop / restart through
 * libcove on the thread pool. The container's monitor is not our child
 * and outlives the daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cove/container.h"
#include "daemon.h"
#include "images/image-template.h"
#include "events.h"
#include "fileio.h"
#include "instances/instance.h"
#include "instances/instance-lifecycle.h"
#include "log.h"
#include "operations.h"
#include "proxy/proxy.h"
#include "router.h"
#include "shutdown.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

LOG_MODULE("api-state");

enum state_action { ACTION_START, ACTION_STOP, ACTION_RESTART, ACTION_FREEZE, ACTION_UNFREEZE, _ACTION_MAX };

static const char *const action_names[_ACTION_MAX] = {
	[ACTION_START] = "start",   [ACTION_STOP] = "stop",	[ACTION_RESTART] = "restart",
	[ACTION_FREEZE] = "freeze", [ACTION_UNFREEZE] = "unfreeze",
};

static const char *const action_descriptions[_ACTION_MAX] = {
	[ACTION_START] = "Starting instance",	[ACTION_STOP] = "Stopping instance",
	[ACTION_RESTART] = "Restarting instance", [ACTION_FREEZE] = "Freezing instance",
	[ACTION_UNFREEZE] = "Unfreezing instance",
};

struct state_job {
	char *name;
	int action;
	int timeout; /* seconds, < 0: wait for a clean shutdown as long as it takes */
	bool force;
	bool ephemeral; /* stop: delete the instance once stopped */
};

static void state_job_free(void *p)
{
	struct state_job *j = p;

	free(j->name);
	free(j);
}

static void get_state(struct request *req, char **params)
{
	struct db_instance i = { 0 };
	struct cove_error err = { 0 };
	int r = db_instance_get(the_daemon->db, params[0], &i, &err);

	if (r < 0) {
		reply_errno(req, r, err.msg);
		return;
	}
	db_instance_clear(&i);
	reply_sync(req, instance_state_to_json(params[0]));
}

/*
 * As LXD: force or timeout 0 kill at once; timeout -1 waits for the clean
 * halt as long as it takes; timeout N waits N seconds, then fails and
 * leaves the instance running.
 */
static int do_stop(struct cove_container *ct, const struct state_job *j, struct cove_error *err)
{
	int r;

	if (j->force || j->timeout == 0)
		return cove_container_stop(ct, COVE_STOP_KILL, 0, false, false, err);
	r = cove_container_stop(ct, COVE_STOP_HALT, j->timeout < 0 ? -1 : j->timeout, true, false,
				err);
	if (r == -ETIMEDOUT)
		return cove_err(err, r, "Failed shutting down instance, status is \"Running\": "
				"context deadline exceeded");
	return r;
}

static int state_run(void *userdata, struct cove_error *err)
{
	const struct state_job *j = userdata;
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct cove_start_opts o = { 0 };
	int r;

	r = cove_container_new(the_daemon->lxcpath, j->name, &ct, err);
	if (r < 0)
		return r;
	switch (j->action) {
	case ACTION_START:
		return cove_container_start(ct, &o, err);
	case ACTION_STOP:
		r = do_stop(ct, j, err);
		if (r >= 0 && j->ephemeral) {
			r = instance_remove_files(ct->dir);
			if (r < 0)
				return cove_err(err, r, "Failed to delete ephemeral instance: %s", strerror(-r));
			r = 0;
		}
		return r;
	case ACTION_RESTART:
		r = do_stop(ct, j, err);
		if (r < 0)
			return r;
		return cove_container_start(ct, &o, err);
	case ACTION_FREEZE:
		return cove_container_freeze(ct, true, err);
	default:
		return cove_container_freeze(ct, false, err);
	}
}

static void kill_after_failed_start(const char *name)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;

	instance_unwatch(name);
	if (cove_container_new(the_daemon->lxcpath, name, &ct, NULL) >= 0)
		(void)cove_container_stop(ct, COVE_STOP_KILL, 0, false, false, NULL);
	proxy_stop_instance(name);
}

static void state_done(struct operation *op, void *userdata, int r, const struct cove_error *err)
{
	const struct state_job *j = userdata;
	_cleanup_free_ char *src = xasprintf("/1.0/instances/%s", j->name);
	static const char *const events[_ACTION_MAX] = {
		[ACTION_START] = "instance-started", [ACTION_STOP] = "instance-shutdown",
		[ACTION_RESTART] = "instance-restarted", [ACTION_FREEZE] = "instance-paused",
		[ACTION_UNFREEZE] = "instance-resumed",
	};

	if (j->action == ACTION_STOP || j->action == ACTION_RESTART)
		instance_watch_set_stopping(j->name, false);
	if (r < 0) {
		log_warning("Failed to %s instance '%s': %s", action_names[j->action], j->name,
			    cove_err_msg(err, r));
		instance_watch(j->name); /* whatever state it is in now */
		operation_finish(op, cove_err_msg(err, r));
		return;
	}
	if (j->action == ACTION_START || j->action == ACTION_RESTART) {
		struct cove_error e = { 0 };

		if (proxy_start_instance(j->name, &e) < 0) {
			/* as LXD: a device that cannot start fails the start */
			kill_after_failed_start(j->name);
			operation_finish(op, e.msg);
			return;
		}
	}
	if (j->action == ACTION_STOP)
		proxy_stop_instance(j->name);
	log_info("%s instance '%s'", j->action == ACTION_START	   ? "Started"
				   : j->action == ACTION_STOP	   ? "Stopped"
				   : j->action == ACTION_RESTART   ? "Restarted"
				   : j->action == ACTION_FREEZE	   ? "Froze"
								   : "Unfroze",
		 j->name);
	if (j->action == ACTION_STOP && j->force)
		events_lifecycle("instance-stopped", src, NULL);
	else if (events[j->action])
		events_lifecycle(events[j->action], src, NULL);
	if (j->action == ACTION_STOP)
		instance_unwatch(j->name);
	if (j->action == ACTION_STOP && j->ephemeral) {
		(void)db_instance_delete(the_daemon->db, j->name, NULL);
		events_lifecycle("instance-deleted", src, NULL);
	}
	if (j->action == ACTION_START || j->action == ACTION_RESTART) {
		instance_unwatch(j->name); /* the old monitor's */
		if (!instance_watch(j->name))
			instance_stopped_outside(j->name); /* it stopped already */
	}
	operation_finish(op, NULL);
}

static int parse_action(const json_t *body, struct state_job *j, struct cove_error *err)
{
	const char *a = json_string_value(json_object_get(body, "action"));
	const json_t *t = json_object_get(body, "timeout"), *f = json_object_get(body, "force");

	j->action = -1;
	for (int i = 0; a && i < _ACTION_MAX; i++)
		if (streq(a, action_names[i]))
			j->action = i;
	if (j->action < 0)
		return cove_err(err, -EINVAL, "Unknown action %s", a ? a : "");
	if (t && !json_is_null(t) && !json_is_integer(t))
		return cove_err(err, -EINVAL, "json: cannot unmarshal timeout: not a number");
	if (f && !json_is_null(f) && !json_is_boolean(f))
		return cove_err(err, -EINVAL, "json: cannot unmarshal force: not a bool");
	j->timeout = t && !json_is_null(t) ? (int)json_integer_value(t) : -1;
	j->force = json_is_true(f);
	return 0;
}

/* Checks that LXD answers synchronously, before an operation exists. */
static int check_state(const struct state_job *j, struct cove_error *err)
{
	struct instance_state s;

	instance_state_get(j->name, &s);
	if (j->action == ACTION_START && s.state != COVE_STATE_STOPPED)
		return cove_err(err, -EINVAL, "The instance is already running");
	if ((j->action == ACTION_STOP || j->action == ACTION_RESTART) &&
	    s.state == COVE_STATE_STOPPED)
		return cove_err(err, -EINVAL, "The instance is already stopped");
	if (j->action == ACTION_FREEZE && s.status_code != 103)
		return cove_err(err, -EINVAL, "The instance isn't running");
	if (j->action == ACTION_UNFREEZE && s.status_code != 110)
		return cove_err(err, -EINVAL, "The instance is not frozen");
	return 0;
}

static int prepare_start(const char *name, struct cove_error *err)
{
	_cleanup_json_ json_t *config = NULL, *devices = NULL;
	struct db_instance i = { 0 };
	int r;

	r = db_instance_get(the_daemon->db, name, &i, err);
	if (r < 0)
		return r;
	r = instance_expand(&i, &config, &devices, err);
	if (r >= 0)
		r = instance_templates_start(&i, config, err);
	if (r >= 0)
		r = instance_write_lxc_config(name, config, true, err);
	if (r >= 0) {
		free(i.last_used_at);
		i.last_used_at = util_now_rfc3339();
		(void)db_instance_update(the_daemon->db, &i, NULL);
	}
	db_instance_clear(&i);
	return r;
}

static void put_state(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	struct state_job *j;
	struct db_instance i = { 0 };
	struct cove_error err = { 0 };
	struct operation *op;
	int r;

	if (!body)
		return;
	r = db_instance_get(the_daemon->db, params[0], &i, &err);
	j = xzalloc(sizeof(*j));
	j->name = xstrdup(params[0]);
	j->ephemeral = i.ephemeral;
	db_instance_clear(&i);
	if (r >= 0)
		r = parse_action(body, j, &err);
	if (r >= 0)
		r = check_state(j, &err);
	if (r < 0) {
		reply_errno(req, r, err.msg);
		state_job_free(j);
		return;
	}
	op = operation_new(OP_CLASS_TASK, action_descriptions[j->action],
			   json_pack("{s:[o]}", "instances",
				     json_sprintf("/1.0/instances/%s", params[0])));
	if (j->action == ACTION_START || j->action == ACTION_RESTART) {
		r = prepare_start(j->name, &err);
		if (r < 0) {
			operation_set_running(op);
			reply_async(req, op);
			operation_finish(op, err.msg);
			state_job_free(j);
			return;
		}
	}
	if (j->action != ACTION_STOP)
		j->ephemeral = false;
	if (j->action == ACTION_STOP || j->action == ACTION_RESTART)
		instance_watch_set_stopping(j->name, true);
	operation_run(op, state_run, state_done, j, state_job_free);
	reply_async(req, op);
}

/* true (and the mark removed) when `coved shutdown` stopped I */
static bool resume_after_shutdown(struct db_instance *i)
{
	const char *v = json_string_value(json_object_get(i->config, INSTANCE_LAST_STATE_KEY));

	if (!v || !streq(v, "RUNNING"))
		return false;
	json_object_del(i->config, INSTANCE_LAST_STATE_KEY);
	(void)db_instance_update(the_daemon->db, i, NULL);
	return true;
}

/*
 * boot.autostart at daemon start-up, in LXD's order: higher
 * boot.autostart.priority first (then by name), waiting
 * boot.autostart.delay seconds after each start. One job on the thread pool
 * runs them in turn.
 */
struct autostart_entry {
	char *name;
	int priority;
	int delay;
	int r;
	char msg[COVE_ERROR_MAX];
};

struct autostart_job {
	struct autostart_entry *e;
	size_t n;
};

static void autostart_job_free(void *p)
{
	struct autostart_job *j = p;

	for (size_t k = 0; k < j->n; k++)
		free(j->e[k].name);
	free(j->e);
	free(j);
}

static int autostart_cmp(const void *a, const void *b)
{
	const struct autostart_entry *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int autostart_run(void *userdata, struct cove_error *err)
{
	struct autostart_job *j = userdata;

	for (size_t k = 0; k < j->n; k++) {
		_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
		struct cove_start_opts o = { 0 };
		struct cove_error e = { 0 };

		j->e[k].r = cove_container_new(the_daemon->lxcpath, j->e[k].name, &ct, &e);
		if (j->e[k].r >= 0)
			j->e[k].r = cove_container_start(ct, &o, &e);
		snprintf(j->e[k].msg, sizeof(j->e[k].msg), "%s", e.msg);
		if (j->e[k].r >= 0 && j->e[k].delay > 0 && k + 1 < j->n)
			(void)sleep((unsigned)j->e[k].delay);
	}
	return 0;
}

static void autostart_done(struct operation *op, void *userdata, int r, const struct cove_error *err)
{
	struct autostart_job *j = userdata;

	for (size_t k = 0; k < j->n; k++) {
		_cleanup_free_ char *src = xasprintf("/1.0/instances/%s", j->e[k].name);
		struct cove_error e = { 0 };

		if (j->e[k].r < 0) {
			log_warning("Failed to autostart '%s': %s", j->e[k].name, j->e[k].msg);
			continue;
		}
		if (proxy_start_instance(j->e[k].name, &e) < 0) {
			log_warning("Failed to autostart '%s': %s", j->e[k].name, e.msg);
			kill_after_failed_start(j->e[k].name);
			continue;
		}
		events_lifecycle("instance-started", src, NULL);
		if (!instance_watch(j->e[k].name))
			instance_stopped_outside(j->e[k].name);
	}
	operation_finish(op, NULL);
}

/* Should *n start now? Fills e (priority, delay) when it should. */
static bool autostart_wanted(const char *n, struct autostart_entry *e)
{
	_cleanup_json_ json_t *config = NULL, *devices = NULL;
	struct db_instance i = { 0 };
	struct state_job probe = { .name = (char *)n, .action = ACTION_START };
	struct cove_error err = { 0 };
	bool yes = false, ran;

	if (db_instance_get(the_daemon->db, n, &i, NULL) < 0)
		return false;
	(void)instance_expand(&i, &config, &devices, NULL);
	ran = resume_after_shutdown(&i);
	db_instance_clear(&i);
	if (!ran &&
	    (parse_bool(json_string_value(json_object_get(config, "boot.autostart")) ?: "", &yes) < 0 || !yes))
		return false;
	if (check_state(&probe, &err) < 0)
		return false; /* already running: it kept running without us */
	if (prepare_start(n, &err) < 0) {
		if (err.msg[0])
			log_warning("Failed to autostart '%s': %s, ignoring", n, err.msg);
		return false;
	}
	(void)safe_atoi(json_string_value(json_object_get(config, "boot.autostart.priority")) ?: "0",
			&e->priority);
	(void)safe_atoi(json_string_value(json_object_get(config, "boot.autostart.delay")) ?: "0",
			&e->delay);
	log_info("Starting instance '%s' (%s, priority %d)", n,
		 ran ? "running at shutdown" : "boot.autostart", e->priority);
	return true;
}

/* boot.autostart: start the stopped instances that ask for it (daemon start-up). */
void instances_autostart(void)
{
	_cleanup_strv_free_ char **names = NULL;
	struct autostart_job *j = xzalloc(sizeof(*j));
	json_t *urls = json_array();

	(void)db_instance_names(the_daemon->db, &names, NULL);
	j->e = xnew0(struct autostart_entry, strv_length(names) + 1);
	STRV_FOREACH(n, names) {
		struct autostart_entry e = { 0 };

		if (!autostart_wanted(*n, &e))
			continue;
		e.name = xstrdup(*n);
		j->e[j->n++] = e;
		json_array_append_new(urls, json_sprintf("/1.0/instances/%s", *n));
	}
	if (j->n == 0) {
		autostart_job_free(j);
		json_decref(urls);
		return;
	}
	qsort(j->e, j->n, sizeof(*j->e), autostart_cmp);
	operation_run(operation_new(OP_CLASS_TASK, "Starting instances",
				    json_pack("{s:o}", "instances", urls)),
		      autostart_run, autostart_done, j, autostart_job_free);
}

const struct route api_instance_state_routes[] = {
	{ HTTP_GET, "/1.0/instances/*/state", get_state },
	{ HTTP_PUT, "/1.0/instances/*/state", put_state },
	{ 0, NULL, NULL },
};
