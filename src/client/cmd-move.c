/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove move OLD NEW and cove rename OLD NEW: a rename on the same server,
 * POST /1.0/instances/<old> {"name": <new>, ...} as `lxc move` sends it
 * (wait); OLD/SNAP NEW-SNAP renames a snapshot. Moving to another server
 * ("srv:") is a copy through a backup, then a delete (cmd-remote-copy.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "remote-copy.h"
#include "http.h"
#include "strutil.h"

static int rename_snapshot(const char *from, const char *to, struct cove_error *err)
{
	_cleanup_free_ char *inst = xstrndup(from, strcspn(from, "/"));
	_cleanup_free_ char *snap = http_escape(strchr(from, '/') + 1);
	_cleanup_free_ char *ipath = api_instance_path(inst);
	_cleanup_free_ char *path = xasprintf("%s/snapshots/%s", ipath, snap);
	const char *slash = strchr(to, '/');
	json_t *req = json_pack("{ss}", "name", slash ? slash + 1 : to);
	int r = api_async("POST", path, req, NULL, NULL, NULL, err);

	json_decref(req);
	return r;
}

static int do_move(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	const char *from, *to;
	json_t *req;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "h",
				  (const struct option[]){{"instance-only", no_argument, NULL, 'i'},
							  {"mode", required_argument, NULL, 'm'},
							  {"stateless", no_argument, NULL, 's'},
							  {}},
				  err)) != -1) {
		if (r < 0)
			return r;
		/* the tutorial's --mode=push: every transfer is pushed by the client */
		if (r == 'm' && !streq(optarg, "push") && !streq(optarg, "pull") &&
		    !streq(optarg, "relay"))
			return cove_err(err, -EINVAL, "Invalid transfer mode \"%s\"", optarg);
	}
	r = client_check_args(
	    argc - optind, 2, 2,
	    "cove move [<remote>:]<instance>[/<snapshot>] [<remote>:][<instance>[/<snapshot>]]",
	    err);
	if (r != 0)
		return r > 0 ? 0 : r;
	/* to another server: a backup carried over by the client (cmd-remote-copy.c) */
	r = remote_copy_args(argv[optind], argv[optind + 1], true, false, err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = client_local_name(argv[optind], &from, err);
	if (r >= 0)
		r = client_local_name(argv[optind + 1], &to, err);
	if (r < 0)
		return r;
	if (isempty(to))
		return cove_err(err, -EINVAL, "Moving to another server is not supported");
	if (strchr(from, '/'))
		return rename_snapshot(from, to, err);
	path = api_instance_path(from);
	req = json_pack("{ss sb sb sb sb sn ss ss sb}", "name", to, "migration", 0, "live", 0,
			"instance_only", 0, "container_only", 0, "target", "pool", "", "project",
			"", "allow_inconsistent", 0);
	r = api_async("POST", path, req, NULL, NULL, NULL, err);
	json_decref(req);
	return r;
}

int cmd_move(int argc, char **argv, struct cove_error *err)
{
	return do_move(argc, argv, err);
}

int cmd_rename(int argc, char **argv, struct cove_error *err)
{
	return do_move(argc, argv, err);
}
