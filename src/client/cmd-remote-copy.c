/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove copy|move SRC DST where SRC and DST are on different servers: the
 * client takes a backup of SRC on its server (POST .../backups, then the
 * export download, as `cove export`) and imports it on the other one (as
 * `cove import`), so the instance keeps its config, devices, profiles and
 * snapshots as a backup carries them. LXD's migration websockets are not
 * used. A move stops a running source first, starts the copy, then deletes
 * the source.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "remote-copy.h"
#include "remote.h"
#include "strutil.h"

static int state_action(const char *name, const char *action, struct cove_error *err)
{
	_cleanup_free_ char *p = api_instance_path(name), *path = xasprintf("%s/state", p);
	json_t *req = json_pack("{ss si sb sb}", "action", action, "timeout", 30, "force", 0,
				"stateful", 0);
	int r = api_async("PUT", path, req, NULL, NULL, NULL, err);

	json_decref(req);
	return r < 0 ? r : 0;
}

static int transfer(const char *src_remote, const char *src, const char *dst_remote,
		    const char *dst, bool instance_only, struct cove_error *err)
{
	_cleanup_free_ char *tmp = NULL, *srcarg = NULL;
	const char *tmpdir = getenv("TMPDIR");
	bool quiet = arg_quiet;
	int fd, r;

	tmp = xasprintf("%s/cove-transfer.XXXXXX", !isempty(tmpdir) ? tmpdir : "/tmp");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to create a temporary file: %m");
	close(fd);
	srcarg = xasprintf("%s:%s", src_remote, src);
	arg_quiet = true;
	{
		char *argv[] = { "export", srcarg, tmp, instance_only ? "--instance-only" : NULL,
				 NULL };

		r = cmd_export(instance_only ? 4 : 3, argv, err);
	}
	if (r >= 0)
		r = remote_use(dst_remote, err);
	if (r >= 0) {
		char *argv[] = { "import", tmp, (char *)dst, NULL };

		r = cmd_import(3, argv, err);
	}
	arg_quiet = quiet;
	(void)unlink(tmp);
	return r < 0 ? r : 0;
}

int remote_copy(const char *src_remote, const char *src, const char *dst_remote, const char *dst,
		bool move, bool instance_only, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	json_t *inst = NULL;
	bool running;
	int r;

	if (strchr(src, '/'))
		return cove_err(err, -EOPNOTSUPP,
				"Copying a snapshot to another server is not supported");
	if (isempty(dst))
		dst = src;
	if (strchr(dst, '/'))
		return cove_err(err, -EINVAL, "Invalid target name \"%s\"", dst);
	r = remote_use(dst_remote, err);
	if (r < 0)
		return r;
	path = api_instance_path(dst);
	if (api_get(path, &inst, NULL, NULL) >= 0) {
		json_decref(inst);
		return cove_err(err, -EEXIST, "Instance \"%s\" already exists on \"%s\"", dst,
				dst_remote);
	}
	r = remote_use(src_remote, err);
	if (r < 0)
		return r;
	free(path);
	path = api_instance_path(src);
	r = api_get(path, &inst, NULL, err);
	if (r < 0)
		return r;
	running = streq(json_string_value(json_object_get(inst, "status")) ?: "", "Running");
	json_decref(inst);
	if (move && running) {
		r = state_action(src, "stop", err);
		if (r < 0)
			return r;
	}
	r = transfer(src_remote, src, dst_remote, dst, instance_only, err);
	if (r < 0)
		return r;
	if (move && running) {
		r = remote_use(dst_remote, err);
		if (r >= 0)
			r = state_action(dst, "start", err);
		if (r < 0)
			return r;
	}
	if (move) {
		r = remote_use(src_remote, err);
		if (r >= 0)
			r = api_async("DELETE", path, NULL, NULL, NULL, NULL, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int remote_copy_args(const char *from, const char *to, bool move, bool instance_only,
		     struct cove_error *err)
{
	_cleanup_free_ char *fr = NULL, *tr = NULL;
	const char *fn, *tn;
	int r;

	r = remote_split(from, &fr, &fn, err);
	if (r >= 0)
		r = remote_split(to, &tr, &tn, err);
	if (r < 0)
		return r;
	if (streq(fr ?: remote_current(), tr ?: remote_current()))
		return 0; /* one server: the caller does it */
	r = remote_copy(fr ?: remote_current(), fn, tr ?: remote_current(), tn, move,
			instance_only, err);
	return r < 0 ? r : 1;
}
