/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove export NAME [FILE] and cove import FILE [NAME], with the requests of
 * `lxc export` (POST .../backups, wait, GET .../backups/<b>/export, DELETE
 * the backup) and `lxc import` (POST /1.0/instances with the tarball as the
 * body and X-LXD-name / X-LXD-pool). Backups stream to and from files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "client-internal.h"
#include "fileio.h"
#include "http.h"
#include "strutil.h"
#include "strv.h"
#include "yaml.h"

static char *expiry_tomorrow(void)
{
	time_t t = time(NULL) + 24 * 3600;
	struct tm tm;
	char buf[64];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* The backup's name from the operation's resources (".../backups/<name>"). */
static char *backup_name(json_t *op)
{
	const char *url = json_string_value(
	    json_array_get(json_object_get(json_object_get(op, "resources"), "backups"), 0));
	const char *slash = url ? strrchr(url, '/') : NULL;

	return slash ? xstrdup(slash + 1) : NULL;
}

static int download(const char *url, const char *target, char **ret_content_type,
		    struct cove_error *err)
{
	struct http_request req = {.method = "GET", .path = url, .download = true};
	struct http_response h = {};
	struct api_response ar = {};
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = streq(target, "-") ? dup(STDOUT_FILENO)
				: open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return cove_err(err, -errno, "open %s: %m", target);
	req.download_fd = fd;
	r = http_do(&req, &h, err);
	if (r >= 0 && h.status != 200) {
		r = api_parse(h.status, h.body, url, &ar, err);
		api_response_done(&ar);
		r = r < 0 ? r : cove_err(err, -EIO, "Failed to fetch %s", url);
	}
	if (r >= 0 && ret_content_type)
		*ret_content_type = TAKE_PTR(h.content_type);
	http_response_done(&h);
	if (r < 0 && !streq(target, "-"))
		(void)unlink(target);
	return r;
}

static int do_export(const char *name, const char *target, bool instance_only,
		     struct cove_error *err)
{
	_cleanup_free_ char *path = api_instance_path(name), *bpath = NULL,
			    *exp = expiry_tomorrow();
	_cleanup_free_ char *bname = NULL, *one = NULL, *url = NULL;
	json_t *req, *op = NULL;
	int r;

	bpath = xasprintf("%s/backups", path);
	req = json_pack("{ss ss sb sb sb ss}", "name", "", "expires_at", exp, "instance_only",
			instance_only, "container_only", instance_only, "optimized_storage", 0,
			"compression_algorithm", "");
	r = api_async("POST", bpath, req, NULL, "Backing up instance: ", &op, err);
	json_decref(req);
	if (r < 0)
		return r;
	bname = backup_name(op);
	json_decref(op);
	if (!bname)
		return cove_err(err, -EBADMSG, "The server did not name the backup");
	one = xasprintf("%s/%s", bpath, bname);
	url = xasprintf("%s/export", one);
	r = download(url, target, NULL, err);
	(void)api_async("DELETE", one, NULL, NULL, NULL, NULL, NULL);
	if (r >= 0 && !streq(target, "-") && !arg_quiet)
		printf("Backup exported successfully!\n");
	return r;
}

int cmd_export(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {{"instance-only", no_argument, NULL, 'i'},
					     {"optimized-storage", no_argument, NULL, 'o'},
					     {"compression", required_argument, NULL, 'c'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	bool instance_only = false;
	const char *name;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "h", opts, err)) != -1) {
		if (r < 0)
			return r;
		instance_only = instance_only || r == 'i';
	}
	r = client_check_args(argc - optind, 1, 2,
			      "cove export [<remote>:]<instance> [target] [flags]", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = client_local_name(argv[optind], &name, err);
	if (r < 0)
		return r;
	return do_export(name, optind + 1 < argc ? argv[optind + 1] : "backup.tar.gz",
			 instance_only, err);
}

int cmd_import(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {
	    {"storage", required_argument, NULL, 's'}, {"alias", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'}, {}};
	_cleanup_strv_free_ char **hdrs = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	const char *pool = NULL, *alias = NULL;
	struct stat st;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "s:h", opts, err)) != -1) {
		if (r < 0)
			return r;
		if (r == 's')
			pool = optarg;
		else if (r == 'a') /* the tutorial's --alias NAME: the new instance's name */
			alias = optarg;
	}
	r = client_check_args(argc - optind, 1, 2,
			      "cove import [<remote>:] <backup file> [<instance name>] [flags]",
			      err);
	if (r != 0)
		return r > 0 ? 0 : r;
	f = fopen(argv[optind], "re");
	if (!f || fstat(fileno(f), &st) < 0)
		return cove_err(err, -errno, "open %s: %m", argv[optind]);
	if (optind + 1 < argc)
		strv_push(&hdrs, xasprintf("X-LXD-name: %s", argv[optind + 1]));
	else if (alias)
		strv_push(&hdrs, xasprintf("X-LXD-name: %s", alias));
	if (pool)
		strv_push(&hdrs, xasprintf("X-LXD-pool: %s", pool));
	return api_upload("/1.0/instances", f, (uint64_t)st.st_size, hdrs,
			  "Importing instance: ", NULL, err);
}

/*
 * --metadata FILE (the tutorial's; LXD 5.0 has no such flag): the
 * properties of a metadata.yaml become the image's properties.
 */
static int metadata_properties(const char *path, json_t *props, struct cove_error *err)
{
	_cleanup_free_ char *text = NULL;
	json_t *doc = NULL, *p, *v;
	const char *k;
	size_t len = 0;
	int r;

	r = read_full_file(path, 1u << 20, &text, &len);
	if (r < 0)
		return cove_err(err, r, "open %s: %s", path, strerror(-r));
	r = yaml_load(text, len, &doc, err);
	if (r < 0)
		return r;
	p = json_object_get(doc, "properties");
	yaml_stringify_values(p);
	json_object_foreach (p, k, v)
		if (json_is_string(v))
			json_object_set(props, k, v);
	json_decref(doc);
	return 0;
}

int cmd_publish(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {
	    {"alias", required_argument, NULL, 'a'}, {"public", no_argument, NULL, 'p'},
	    {"force", no_argument, NULL, 'f'},	     {"compression", required_argument, NULL, 'c'},
	    {"metadata", required_argument, NULL, 'm'}, {"help", no_argument, NULL, 'h'},
	    {}};
	json_t *aliases = json_array(), *props = json_object(), *req, *op = NULL;
	bool public = false;
	const char *name, *metadata = NULL;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "fh", opts, err)) != -1) {
		if (r < 0)
			goto out;
		if (r == 'a')
			json_array_append_new(
			    aliases, json_pack("{ss ss}", "name", optarg, "description", ""));
		public = public || r == 'p';
		if (r == 'm')
			metadata = optarg;
	}
	r = client_check_args(argc - optind, 1, -1,
			      "cove publish [<remote>:]<instance>[/<snapshot>] [key=value...]",
			      err);
	if (r == 0)
		r = client_local_name(argv[optind], &name, err);
	if (r == 0 && metadata)
		r = metadata_properties(metadata, props, err);
	for (int i = optind + 1; r == 0 && i < argc; i++) {
		_cleanup_free_ char *k = NULL, *v = NULL;
		if (client_split_kv(argv[i], &k, &v) < 0)
			r = cove_err(err, -EINVAL, "Bad key=value pair: %s", argv[i]);
		else
			json_object_set_new(props, k, json_string(v));
	}
	if (r != 0)
		goto out;
	req = json_pack("{s{ss ss} sb sO sO}", "source", "type",
			strchr(name, '/') ? "snapshot" : "instance", "name", name, "public", public,
			"properties", props, "aliases", aliases);
	r = api_async("POST", "/1.0/images", req, NULL, "Publishing instance: ", &op, err);
	json_decref(req);
	if (r >= 0)
		printf("Instance published with fingerprint: %s\n",
		       json_string_value(
			   json_object_get(json_object_get(op, "metadata"), "fingerprint"))
			   ?: "");
	json_decref(op);
out:
	json_decref(aliases);
	json_decref(props);
	return r > 0 ? 0 : r;
}

/* a part of a multipart body: its name and filename parameters, its data */
static const char *part_param(const char *head, size_t hl, const char *key, char **ret)
{
	_cleanup_free_ char *h = xstrndup(head, hl), *k = xasprintf("%s=\"", key);
	const char *p = strstr(h, k), *q;

	*ret = NULL;
	if (!p)
		return NULL;
	p += strlen(k);
	q = strchr(p, '"');
	if (q)
		*ret = xstrndup(p, (size_t)(q - p));
	return *ret;
}

static int write_part(const char *path, const char *data, size_t len, struct cove_error *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || loop_write(fd, data, len) < 0)
		return cove_err(err, -errno, "write %s: %m", path);
	return 0;
}

/*
 * A split image arrives as multipart/form-data (parts "metadata" and
 * "rootfs"): into a directory they go as the parts' file names, else as
 * TARGET (metadata) and TARGET.root, as lxc does.
 */
static int split_multipart(const char *target, const char *ctype, const char *dir,
			   struct cove_error *err)
{
	const char *b = strstr(ctype, "boundary=");
	_cleanup_free_ char *data = NULL, *delim = NULL;
	size_t len = 0, dl;
	const char *p, *end;
	int r;

	if (!b)
		return cove_err(err, -EBADMSG, "multipart answer without a boundary");
	delim = xasprintf("\r\n--%s", b + strlen("boundary="));
	dl = strlen(delim);
	r = read_full_file(target, (size_t)1 << 31, &data, &len);
	if (r < 0)
		return cove_err(err, r, "read %s: %s", target, strerror(-r));
	(void)unlink(target);
	end = data + len;
	p = memmem(data, len, delim + 2, dl - 2);
	while (p && (p += dl - 2) < end && strncmp(p, "--", 2) != 0) {
		const char *hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4), *next;
		_cleanup_free_ char *name = NULL, *fn = NULL, *path = NULL;

		if (!hend)
			break;
		next = memmem(hend + 4, (size_t)(end - hend - 4), delim, dl);
		if (!next)
			break;
		part_param(p, (size_t)(hend - p), "name", &name);
		part_param(p, (size_t)(hend - p), "filename", &fn);
		if (fn && (strchr(fn, '/') || streq(fn, "..") || !*fn)) {
			free(fn);
			fn = NULL;
		}
		if (dir && fn)
			path = xasprintf("%s/%s", dir, fn);
		else
			path = streq_ptr(name, "metadata") ? xstrdup(target) : xasprintf("%s.root", target);
		r = write_part(path, hend + 4, (size_t)(next - hend - 4), err);
		if (r < 0)
			return r;
		p = next + 2;
	}
	return 0;
}

/* cove image export IMAGE [TARGET]: GET /1.0/images/<fp>/export into
 * TARGET (a directory gets <fingerprint>.tar.gz). */
int image_export(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *e = NULL, *apath = NULL, *ipath = NULL, *url = NULL, *target = NULL;
	_cleanup_free_ char *ctype = NULL;
	bool is_dir = false;
	json_t *alias = NULL, *img = NULL;
	const char *fp, *dir, *name;
	struct stat st;
	int r;

	r = client_check_args(argc - 1, 1, 2, "cove image export [<remote>:]<image> [<target>]",
			      err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = client_local_name(argv[1], &name, err);
	if (r < 0)
		return r;
	e = http_escape(name);
	apath = xasprintf("/1.0/images/aliases/%s", e);
	fp = api_get(apath, &alias, NULL, NULL) >= 0
		 ? json_string_value(json_object_get(alias, "target"))
		 : NULL;
	free(e);
	e = http_escape(fp ?: name);
	ipath = xasprintf("/1.0/images/%s", e);
	r = api_get(ipath, &img, NULL, err);
	json_decref(alias);
	if (r < 0)
		return r;
	fp = json_string_value(json_object_get(img, "fingerprint")) ?: name;
	dir = argc > 2 ? argv[2] : ".";
	is_dir = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	if (is_dir)
		target = xasprintf("%s/%s.tar.gz", dir, fp);
	else
		target = xstrdup(dir);
	url = xasprintf("/1.0/images/%s/export", fp);
	json_decref(img);
	r = download(url, target, &ctype, err);
	if (r >= 0 && ctype && startswith(ctype, "multipart/"))
		r = split_multipart(target, ctype, is_dir ? dir : NULL, err);
	if (r >= 0 && !streq(target, "-"))
		r = image_export_split(target, err);
	if (r >= 0 && !arg_quiet)
		printf("Image exported successfully!\n");
	return r;
}
