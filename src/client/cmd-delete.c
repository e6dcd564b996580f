/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove delete NAME[/SNAPSHOT]... [-f]: as `lxc delete`: GET the instance;
 * a running one is refused without -f, with -f it is stopped first
 * (PUT .../state {"action":"stop","force":true}, wait); then DELETE, wait.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "http.h"
#include "strutil.h"

static int delete_snapshot(const char *name, struct cove_error *err)
{
	_cleanup_free_ char *inst = xstrndup(name, strcspn(name, "/"));
	_cleanup_free_ char *snap = http_escape(strchr(name, '/') + 1);
	_cleanup_free_ char *ipath = api_instance_path(inst);
	_cleanup_free_ char *path = xasprintf("%s/snapshots/%s", ipath, snap);

	return api_async("DELETE", path, NULL, NULL, NULL, NULL, err);
}

static int stop_force(const char *path, struct cove_error *err)
{
	_cleanup_free_ char *spath = xasprintf("%s/state", path);
	json_t *req =
	    json_pack("{ss si sb sb}", "action", "stop", "timeout", -1, "force", 1, "stateful", 0);
	int r;

	r = api_async("PUT", spath, req, NULL, NULL, NULL, err);
	json_decref(req);
	return r;
}

static int delete_one(const char *name, bool force, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	json_t *inst = NULL;
	json_int_t code;
	bool ephemeral;
	int r;

	if (strchr(name, '/'))
		return delete_snapshot(name, err);
	path = api_instance_path(name);
	r = api_get(path, &inst, NULL, err);
	if (r < 0)
		return r;
	code = json_integer_value(json_object_get(inst, "status_code"));
	ephemeral = json_is_true(json_object_get(inst, "ephemeral"));
	json_decref(inst);
	if (code != 102 && code != 112) {
		if (!force)
			return cove_err(err, -EBUSY,
					"The instance is currently running, stop it "
					"first or pass --force");
		r = stop_force(path, err);
		if (r < 0 || ephemeral)
			return r; /* as lxc: the stop deleted an ephemeral instance */
	}
	return api_async("DELETE", path, NULL, NULL, NULL, NULL, err);
}

int cmd_delete(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
					     {"interactive", no_argument, NULL, 'i'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	bool force = false;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "fih", opts, err)) != -1) {
		if (r < 0)
			return r;
		if (r == 'f')
			force = true;
	}
	r = client_check_args(argc - optind, 1, -1,
			      "cove delete [<remote>:]<instance>[/<snapshot>] "
			      "[[<remote>:]<instance>[/<snapshot>]...] [flags]",
			      err);
	if (r != 0)
		return r > 0 ? 0 : r;
	for (int i = optind; i < argc; i++) {
		const char *name;
		r = client_local_name(argv[i], &name, err);
		if (r >= 0)
			r = delete_one(name, force, err);
		if (r < 0)
			return r;
	}
	return 0;
}
