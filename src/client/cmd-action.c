/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove start|stop|restart|pause|resume NAME... [--all] [-f] [--timeout N]
 * [--stateful]: PUT /1.0/instances/<name>/state {"action", "timeout",
 * "force", "stateful"} and wait, as `lxc` does (start first GETs the
 * instance and sends timeout 0; the others send --timeout, default -1).
 * One family, one file, as LXD's action.go.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "strutil.h"
#include "strv.h"

struct action {
	const char *command;	 /* "start" */
	const char *api;	 /* "start", "freeze" */
	const char *skip_status; /* --all skips instances already in this state */
};

static const struct action actions[] = {
    {"start", "start", "Running"},     {"stop", "stop", "Stopped"},
    {"restart", "restart", "Stopped"}, {"pause", "freeze", "Frozen"},
    {"resume", "unfreeze", "Running"},
};

static int do_one(const struct action *a, const char *name, int timeout, bool force, bool stateful,
		  struct cove_error *err)
{
	_cleanup_free_ char *path = api_instance_path(name), *spath = NULL;
	json_t *req;
	int r;

	if (streq(a->command, "start")) {
		json_t *inst = NULL;
		r = api_get(path, &inst, NULL, err);
		json_decref(inst);
		if (r < 0)
			return r;
		timeout = 0;
	}
	spath = xasprintf("%s/state", path);
	req = json_pack("{ss si sb sb}", "action", a->api, "timeout", timeout, "force", force,
			"stateful", stateful);
	r = api_async("PUT", spath, req, NULL, "", NULL, err);
	json_decref(req);
	if (r < 0 && streq(a->command, "start") && err) {
		char msg[COVE_ERROR_MAX];
		snprintf(msg, sizeof(msg), "%s", cove_err_msg(err, r));
		return cove_err(err, r, "%s\nTry `cove info --show-log %s` for more info", msg,
				name);
	}
	return r;
}

/* --all: every instance not yet in the target state. */
static int all_names(const struct action *a, char ***ret, struct cove_error *err)
{
	json_t *list = NULL, *inst;
	size_t i;
	int r;

	r = api_get("/1.0/instances?recursion=1", &list, NULL, err);
	if (r < 0)
		return r;
	json_array_foreach (list, i, inst) {
		const char *st = json_string_value(json_object_get(inst, "status")) ?: "";
		if (streq(st, a->skip_status))
			continue;
		strv_push_dup(ret, json_string_value(json_object_get(inst, "name")) ?: "");
	}
	json_decref(list);
	return 0;
}

static int run_many(const struct action *a, char **names, int timeout, bool force, bool stateful,
		    struct cove_error *err)
{
	size_t n = strv_length(names), failed = 0;
	int r;

	if (n == 1)
		return do_one(a, names[0], timeout, force, stateful, err);
	STRV_FOREACH (name, names) {
		struct cove_error e = {};
		r = do_one(a, *name, timeout, force, stateful, &e);
		if (r < 0) {
			fprintf(stderr, "error: %s: %s\n", *name, cove_err_msg(&e, r));
			failed++;
		}
	}
	if (failed)
		return cove_err(err, -EIO, "Some instances failed to %s", a->command);
	return 0;
}

static int run(const struct action *a, int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'},	       {"force", no_argument, NULL, 'f'},
	    {"timeout", required_argument, NULL, 't'}, {"stateful", no_argument, NULL, 's'},
	    {"stateless", no_argument, NULL, 'S'},     {"console", optional_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},	       {}};
	_cleanup_strv_free_ char **names = NULL;
	bool all = false, force = false, stateful = false;
	_cleanup_free_ char *usage = NULL;
	int timeout = -1, r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "fh", opts, err)) != -1) {
		if (r < 0)
			return r;
		if (r == 'a')
			all = true;
		else if (r == 'f')
			force = true;
		else if (r == 's')
			stateful = true;
		else if (r == 't' && safe_atoi(optarg, &timeout) < 0)
			return cove_err(err, -EINVAL,
					"invalid argument \"%s\" for \"--timeout\" flag", optarg);
	}
	if (all) {
		if (optind < argc)
			return cove_err(err, -EINVAL, "Both --all and instance name given");
		r = all_names(a, &names, err);
		return r < 0 ? r : names ? run_many(a, names, timeout, force, stateful, err) : 0;
	}
	usage = xasprintf("cove %s [<remote>:]<instance> [[<remote>:]<instance>...] [flags]",
			  a->command);
	r = client_check_args(argc - optind, 1, -1, usage, err);
	if (r != 0)
		return r > 0 ? 0 : r;
	for (int i = optind; i < argc; i++) {
		const char *name;
		r = client_local_name(argv[i], &name, err);
		if (r < 0)
			return r;
		strv_push_dup(&names, name);
	}
	return run_many(a, names, timeout, force, stateful, err);
}

int cmd_start(int argc, char **argv, struct cove_error *err)
{
	return run(&actions[0], argc, argv, err);
}

int cmd_stop(int argc, char **argv, struct cove_error *err)
{
	return run(&actions[1], argc, argv, err);
}

int cmd_restart(int argc, char **argv, struct cove_error *err)
{
	return run(&actions[2], argc, argv, err);
}

int cmd_pause(int argc, char **argv, struct cove_error *err)
{
	return run(&actions[3], argc, argv, err);
}

int cmd_resume(int argc, char **argv, struct cove_error *err)
{
	return run(&actions[4], argc, argv, err);
}
