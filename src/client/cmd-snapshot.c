/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove snapshot NAME [SNAP] [--stateful] [--no-expiry] [--reuse] [--comment TEXT] and cove restore NAME SNAP, with
 * the requests of `lxc snapshot` (POST .../snapshots {"name","stateful",
 * "expires_at"}) and `lxc restore` (PUT the instance with "restore").
 */
#include <errno.h>
#include <stdio.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "http.h"

int cmd_snapshot(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {{"stateful", no_argument, NULL, 's'},
					     {"reuse", no_argument, NULL, 'r'},
					     {"no-expiry", no_argument, NULL, 'n'},
					     {"comment", required_argument, NULL, 'c'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	_cleanup_free_ char *path = NULL, *spath = NULL;
	bool stateful = false, no_expiry = false, reuse = false;
	const char *name, *comment = NULL;
	json_t *req;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "h", opts, err)) != -1) {
		if (r < 0)
			return r;
		stateful = stateful || r == 's';
		no_expiry = no_expiry || r == 'n';
		reuse = reuse || r == 'r';
		if (r == 'c')
			comment = optarg;
	}
	r = client_check_args(argc - optind, 1, 2,
			      "cove snapshot [<remote>:]<instance> [<snapshot name>] [flags]", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = client_local_name(argv[optind], &name, err);
	if (r < 0)
		return r;
	path = api_instance_path(name);
	spath = xasprintf("%s/snapshots", path);
	req = json_pack("{ss sb sn}", "name", optind + 1 < argc ? argv[optind + 1] : "", "stateful",
			stateful, "expires_at");
	if (no_expiry)
		json_object_set_new(req, "expires_at", json_string("0001-01-01T00:00:00Z"));
	/* --comment (the tutorial's; not in LXD 5.0): the snapshot's description */
	if (comment)
		json_object_set_new(req, "description", json_string(comment));
	/* --reuse: a snapshot of that name goes first, as lxc does */
	if (reuse && optind + 1 < argc) {
		_cleanup_free_ char *e = http_escape(argv[optind + 1]);
		_cleanup_free_ char *one = xasprintf("%s/%s", spath, e);
		json_t *old = NULL;

		if (api_get(one, &old, NULL, NULL) >= 0) {
			json_decref(old);
			r = api_async("DELETE", one, NULL, NULL, NULL, NULL, err);
			if (r < 0) {
				json_decref(req);
				return r;
			}
		}
	}
	r = api_async("POST", spath, req, NULL, NULL, NULL, err);
	json_decref(req);
	return r;
}

int cmd_restore(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL, *restore = NULL;
	const char *name;
	json_t *req;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "h",
				  (const struct option[]){{"stateful", no_argument, NULL, 's'}, {}},
				  err)) != -1)
		if (r < 0)
			return r;
	r = client_check_args(argc - optind, 2, 2, "cove restore [<remote>:]<instance> <snapshot>",
			      err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = client_local_name(argv[optind], &name, err);
	if (r < 0)
		return r;
	path = api_instance_path(name);
	restore = xstrdup(argv[optind + 1]); /* the snapshot's name, as lxc sends it */
	req = json_pack("{ss sn sn sb sn ss sb ss}", "architecture", "", "config", "devices",
			"ephemeral", 0, "profiles", "restore", restore, "stateful", 0,
			"description", "");
	r = api_async("PUT", path, req, NULL, NULL, NULL, err);
	json_decref(req);
	return r;
}
