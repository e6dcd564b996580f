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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "api.h"
#include "client-internal.h"
#include "client.h"
#include "fileio.h"
#include "http.h"
#include "remote-copy.h"
#include "remote.h"
#include "strutil.h"
#include "strv.h"

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

/* cove image copy [<remote>:]<image> <remote>: [--alias A]... [--copy-aliases] */

static int cmp_size(const void *a, const void *b)
{
	struct stat x, y;

	if (stat(*(char *const *)a, &x) < 0 || stat(*(char *const *)b, &y) < 0)
		return 0;
	return x.st_size < y.st_size ? -1 : x.st_size > y.st_size;
}

/* the files an export left in dir, smallest (a split image's metadata) first */
static char **exported_files(const char *dir)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	char **files = NULL;
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			strv_push(&files, path_join(dir, de->d_name));
	if (files)
		qsort(files, strv_length(files), sizeof(char *), cmp_size);
	return files;
}

static int image_aliases(const char *image, char ***aliases, struct cove_error *err)
{
	_cleanup_free_ char *e = http_escape(image), *apath = xasprintf("/1.0/images/aliases/%s", e);
	_cleanup_free_ char *ipath = NULL;
	json_t *alias = NULL, *img = NULL, *a;
	const char *fp;
	size_t i;
	int r;

	fp = api_get(apath, &alias, NULL, NULL) >= 0 ?
		     json_string_value(json_object_get(alias, "target")) : NULL;
	free(e);
	e = http_escape(fp ?: image);
	ipath = xasprintf("/1.0/images/%s", e);
	json_decref(alias);
	r = api_get(ipath, &img, NULL, err);
	if (r < 0)
		return r;
	json_array_foreach(json_object_get(img, "aliases"), i, a)
		strv_push_dup(aliases, json_string_value(json_object_get(a, "name")) ?: "");
	json_decref(img);
	return 0;
}

static int transfer_image(const char *srcarg, const char *dst_remote, char **aliases,
			  struct cove_error *err)
{
	char tmpl[] = "/tmp/cove-image.XXXXXX";
	_cleanup_strv_free_ char **files = NULL, **argv = NULL;
	bool quiet = arg_quiet;
	int r;

	if (!mkdtemp(tmpl))
		return cove_err(err, -errno, "Failed to create a temporary directory: %m");
	arg_quiet = true;
	{
		char *eargv[] = { "export", (char *)srcarg, tmpl, NULL };

		r = image_export(3, eargv, err);
	}
	if (r >= 0)
		r = remote_use(dst_remote, err);
	if (r >= 0) {
		files = exported_files(tmpl);
		strv_push_dup(&argv, "image");
		strv_push_dup(&argv, "import");
		STRV_FOREACH(f, files)
			strv_push_dup(&argv, *f);
		STRV_FOREACH(a, aliases) {
			strv_push_dup(&argv, "--alias");
			strv_push_dup(&argv, *a);
		}
		r = cmd_image((int)strv_length(argv), argv, err);
	}
	arg_quiet = quiet;
	(void)rm_rf(tmpl);
	return r < 0 ? r : 0;
}

int cmd_image_copy(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {
		{ "alias", required_argument, NULL, 'a' }, { "copy-aliases", no_argument, NULL, 'c' },
		{ "auto-update", no_argument, NULL, 'u' }, { "mode", required_argument, NULL, 'm' },
		{ "public", no_argument, NULL, 'p' },	   {}
	};
	_cleanup_strv_free_ char **aliases = NULL;
	_cleanup_free_ char *sr = NULL, *dr = NULL, *srcarg = NULL;
	const char *image, *rest;
	bool copy_aliases = false;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "", opts, err)) != -1) {
		if (r < 0)
			return r;
		if (r == 'a')
			strv_push_dup(&aliases, optarg);
		else if (r == 'c')
			copy_aliases = true;
	}
	r = client_check_args(argc - optind, 2, 2,
			      "cove image copy [<remote>:]<image> <remote>: [flags]", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = remote_split(argv[optind], &sr, &image, err);
	if (r >= 0)
		r = remote_split(argv[optind + 1], &dr, &rest, err);
	if (r < 0)
		return r;
	if (!dr || *rest)
		return cove_err(err, -EINVAL, "The target must be a remote (\"<remote>:\")");
	if (streq(sr ?: remote_current(), dr))
		return cove_err(err, -EINVAL, "The source and target servers must be different");
	r = remote_use(sr ?: remote_current(), err);
	if (r >= 0 && copy_aliases)
		r = image_aliases(image, &aliases, err);
	if (r < 0)
		return r;
	srcarg = xasprintf("%s:%s", sr ?: remote_current(), image);
	r = transfer_image(srcarg, dr, aliases, err);
	if (r >= 0 && !arg_quiet)
		printf("Image copied successfully!\n");
	return r;
}

/* origin of a pointer into one of argv's strings: that whole argument */
static const char *arg_of(int argc, char **argv, const char *p)
{
	for (int i = 0; p && i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return argv[i];
	return NULL;
}

int remote_launch_prepare(int argc, char **argv, const char *def, const char *image,
			  const char *name, struct cove_error *err)
{
	_cleanup_free_ char *ir = NULL, *nr = NULL, *alias_path = NULL, *e = NULL, *srcarg = NULL;
	_cleanup_strv_free_ char **aliases = NULL;
	const char *iarg = arg_of(argc, argv, image), *narg = arg_of(argc, argv, name), *rest;
	json_t *found = NULL;
	int r;

	r = iarg ? remote_split(iarg, &ir, &rest, err) : 0;
	if (r >= 0 && narg)
		r = remote_split(narg, &nr, &rest, err);
	if (r < 0)
		return r;
	/* the instance goes to its name's remote, else the default one (as lxc) */
	r = remote_use(nr ?: def, err);
	if (r < 0 || !image || streq(ir ?: def, nr ?: def))
		return r;
	/* an image of another server: copied over unless it is there (by alias or fingerprint) */
	e = http_escape(image);
	alias_path = xasprintf("/1.0/images/aliases/%s", e);
	if (api_get(alias_path, &found, NULL, NULL) >= 0) {
		json_decref(found);
		return 0;
	}
	free(alias_path);
	alias_path = xasprintf("/1.0/images/%s", e);
	if (api_get(alias_path, &found, NULL, NULL) >= 0) {
		json_decref(found);
		return 0;
	}
	r = remote_use(ir ?: def, err);
	if (r < 0)
		return r;
	free(alias_path);
	alias_path = xasprintf("/1.0/images/aliases/%s", e);
	if (api_get(alias_path, &found, NULL, NULL) >= 0)
		strv_push_dup(&aliases, image);
	json_decref(found);
	srcarg = xasprintf("%s:%s", ir ?: def, image);
	r = transfer_image(srcarg, nr ?: def, aliases, err);
	return r < 0 ? r : 0;
}
