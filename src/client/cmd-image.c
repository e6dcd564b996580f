/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove image list|info|show|delete|import|build|alias create|list|delete.
 * Images are named by alias or fingerprint (prefix), as `lxc image` does.
 * `image build TEMPLATE --alias A` is a cove extension: POST /1.0/images
 * {"source":{"type":"cove-build","template":T},"aliases":[{"name":A}]}.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "remote-copy.h"
#include "client-internal.h"
#include "format.h"
#include "http.h"
#include "strutil.h"
#include "strv.h"
#include "yaml.h"

#define TIME_FMT "%Y/%m/%d %H:%M %Z"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

/* Alias, else fingerprint (prefix): the image object. */
static int image_get(const char *arg, json_t **ret, struct cove_error *err)
{
	_cleanup_free_ char *e = NULL, *path = NULL, *fpe = NULL, *ipath = NULL;
	const char *name, *fp;
	json_t *alias = NULL;
	int r;

	r = client_local_name(arg, &name, err);
	if (r < 0)
		return r;
	e = http_escape(name);
	path = xasprintf("/1.0/images/aliases/%s", e);
	fp = name;
	if (api_get(path, &alias, NULL, NULL) >= 0 && !isempty(str(alias, "target")))
		fp = str(alias, "target");
	fpe = http_escape(fp);
	ipath = xasprintf("/1.0/images/%s", fpe);
	r = api_get(ipath, ret, NULL, err);
	json_decref(alias);
	return r;
}

static char *shortest_alias(json_t *img)
{
	json_t *aliases = json_object_get(img, "aliases"), *a;
	const char *best = NULL;
	size_t i;

	json_array_foreach (aliases, i, a)
		if (!best || strlen(str(a, "name")) < strlen(best))
			best = str(a, "name");
	if (!best)
		return xstrdup("");
	if (json_array_size(aliases) > 1)
		return xasprintf("%s (%zu more)", best, json_array_size(aliases) - 1);
	return xstrdup(best);
}

static char *upper(const char *s)
{
	char *u = xstrdup(s);

	for (char *p = u; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	return u;
}

static char **image_row(json_t *img)
{
	char **row = NULL;
	json_t *props = json_object_get(img, "properties");

	strv_push(&row, shortest_alias(img));
	strv_push(&row, xstrndup(str(img, "fingerprint"), 12));
	strv_push_dup(&row, json_is_true(json_object_get(img, "public")) ? "yes" : "no");
	strv_push_dup(&row, str(props, "description"));
	strv_push_dup(&row, str(img, "architecture"));
	strv_push(&row, upper(str(img, "type")));
	strv_push(&row,
		  xasprintf("%.2fMB", (double)json_integer_value(json_object_get(img, "size")) /
					  1024.0 / 1024.0));
	strv_push(&row, format_time_image(str(img, "uploaded_at")));
	return row;
}

int image_list_render(json_t *list, enum format fmt, struct cove_error *err)
{
	_cleanup_(table_done) struct table t = {};
	json_t *img;
	size_t i;

	t.header = strv_split("ALIAS|FINGERPRINT|PUBLIC|DESCRIPTION|ARCHITECTURE|TYPE|SIZE|"
			      "UPLOAD DATE",
			      "|");
	json_array_foreach (list, i, img)
		table_add_row(&t, image_row(img));
	table_sort(&t, 0);
	return format_render(stdout, fmt, &t, list, err);
}

static int image_list(int argc, char **argv, struct cove_error *err)
{
	enum format fmt = FORMAT_TABLE;
	json_t *list = NULL;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "f:c:",
				  (const struct option[]){{"format", required_argument, NULL, 'f'},
							  {"columns", required_argument, NULL, 'c'},
							  {}},
				  err)) != -1) {
		if (r < 0)
			return r;
		if (r == 'f' && (fmt = format_from_string(optarg)) < 0)
			return cove_err(err, -EINVAL, "Invalid format \"%s\"", optarg);
	}
	r = api_get("/1.0/images?filter=&recursion=1", &list, NULL, err);
	if (r < 0)
		return r;
	r = image_list_render(list, fmt, err);
	json_decref(list);
	return r;
}

static void print_time(const char *label, const char *v, const char *none)
{
	_cleanup_free_ char *t = format_time(v, TIME_FMT);

	printf("    %s: %s\n", label, *t ? t : none);
}

void image_print_info(json_t *img)
{
	json_t *v, *a;
	const char *k;
	size_t i;

	printf("Fingerprint: %s\n", str(img, "fingerprint"));
	printf("Size: %.2fMB\n",
	       (double)json_integer_value(json_object_get(img, "size")) / 1024.0 / 1024.0);
	printf("Architecture: %s\nType: %s\n", str(img, "architecture"), str(img, "type"));
	printf("Public: %s\nTimestamps:\n",
	       json_is_true(json_object_get(img, "public")) ? "yes" : "no");
	print_time("Created", str(img, "created_at"), "");
	print_time("Uploaded", str(img, "uploaded_at"), "");
	print_time("Expires", str(img, "expires_at"), "never");
	print_time("Last used", str(img, "last_used_at"), "never");
	printf("Properties:\n");
	/* lxc prints them in Go's random map order; sorted is as good. */
	_cleanup_free_ char *props =
	    json_dumps(json_object_get(img, "properties"), JSON_SORT_KEYS | JSON_COMPACT);
	json_t *sorted = json_loads(props ?: "{}", 0, NULL);
	json_object_foreach (sorted, k, v)
		printf("    %s: %s\n", k, json_string_value(v) ?: "");
	json_decref(sorted);
	printf("Aliases:\n");
	json_array_foreach (json_object_get(img, "aliases"), i, a)
		printf("    - %s\n", str(a, "name"));
	printf("Cached: %s\n", json_is_true(json_object_get(img, "cached")) ? "yes" : "no");
	printf("Auto update: %s\n",
	       json_is_true(json_object_get(img, "auto_update")) ? "enabled" : "disabled");
	printf("Profiles:\n");
	json_array_foreach (json_object_get(img, "profiles"), i, a)
		printf("    - %s\n", json_string_value(a) ?: "");
}

static int image_info(int argc, char **argv, struct cove_error *err)
{
	json_t *img = NULL;
	int r;

	r = client_check_args(argc - 1, 1, 1, "cove image info [<remote>:]<image>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = image_get(argv[1], &img, err);
	if (r < 0)
		return r;
	if (streq(argv[0], "show"))
		client_print_object(img);
	else
		image_print_info(img);
	json_decref(img);
	return 0;
}

static int image_delete(int argc, char **argv, struct cove_error *err)
{
	int r;

	r = client_check_args(argc - 1, 1, -1, "cove image delete [<remote>:]<image>...", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	for (int i = 1; i < argc; i++) {
		_cleanup_free_ char *path = NULL;
		json_t *img = NULL;
		r = image_get(argv[i], &img, err);
		if (r < 0)
			return r;
		path = xasprintf("/1.0/images/%s", str(img, "fingerprint"));
		json_decref(img);
		r = api_async("DELETE", path, NULL, NULL, NULL, NULL, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int alias_add(const char *name, const char *fp, const char *desc, struct cove_error *err)
{
	struct api_response resp = {};
	json_t *req =
	    json_pack("{ss ss ss ss}", "description", desc, "target", fp, "name", name, "type", "");
	int r;

	r = api_request("POST", "/1.0/images/aliases", req, NULL, &resp, err);
	api_response_done(&resp);
	json_decref(req);
	return r;
}

static bool arg_public;

static int parse_aliases(int argc, char **argv, char ***ret, int max_args, const char *usage,
			 struct cove_error *err)
{
	int r;

	arg_public = false;
	client_opt_reset();
	while ((r = client_getopt(argc, argv, "",
				  (const struct option[]){{"alias", required_argument, NULL, 'a'},
							  {"public", no_argument, NULL, 'p'},
							  {}},
				  err)) != -1) {
		if (r < 0)
			return r;
		if (r == 'a')
			strv_push_dup(ret, optarg);
		if (r == 'p')
			arg_public = true;
	}
	r = client_check_args(argc - optind, 1, max_args, usage, err);
	return r;
}

static int copy_into(FILE *out, const char *path, struct cove_error *err)
{
	_cleanup_fclose_ FILE *in = fopen(path, "re");
	char buf[65536];
	size_t n;

	if (!in)
		return cove_err(err, -errno, "open %s: %m", path);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			return cove_err(err, -EIO, "Failed to buffer the upload: %m");
	if (ferror(in))
		return cove_err(err, -EIO, "read %s: %m", path);
	return 0;
}

/* A split image: multipart/form-data with parts "metadata" and "rootfs", as lxc sends it. */
static int import_split(const char *meta, const char *rootfs, char *const *hdrs, json_t **ret_op,
			struct cove_error *err)
{
	_cleanup_fclose_ FILE *body = tmpfile();
	_cleanup_free_ char *ct = NULL, *m = xstrdup(meta), *rf = xstrdup(rootfs);
	char boundary[33];
	long size;
	int r;

	if (!body)
		return cove_err(err, -errno, "Failed to buffer the upload: %m");
	for (int i = 0; i < 32; i++)
		boundary[i] = "0123456789abcdef"[random() % 16];
	boundary[32] = 0;
	fprintf(body,
		"--%s\r\nContent-Disposition: form-data; name=\"metadata\"; filename=\"%s\"\r\n"
		"Content-Type: application/octet-stream\r\n\r\n",
		boundary, basename(m));
	r = copy_into(body, meta, err);
	if (r < 0)
		return r;
	fprintf(body,
		"\r\n--%s\r\nContent-Disposition: form-data; name=\"rootfs\"; filename=\"%s\"\r\n"
		"Content-Type: application/octet-stream\r\n\r\n",
		boundary, basename(rf));
	r = copy_into(body, rootfs, err);
	if (r < 0)
		return r;
	fprintf(body, "\r\n--%s--\r\n", boundary);
	if (fflush(body) != 0 || (size = ftell(body)) < 0)
		return cove_err(err, -EIO, "Failed to buffer the upload: %m");
	rewind(body);
	ct = xasprintf("multipart/form-data; boundary=%s", boundary);
	return api_upload_type("/1.0/images", body, (uint64_t)size, ct, hdrs,
			       "Transferring image: ", ret_op, err);
}

static int image_import(int argc, char **argv, struct cove_error *err)
{
	_cleanup_strv_free_ char **aliases = NULL, **hdrs = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *copy = NULL;
	json_t *op = NULL;
	const char *fp;
	struct stat st;
	int r;

	_cleanup_strv_free_ char **files = NULL, **props = NULL;
	_cleanup_free_ char *pj = NULL;

	r = parse_aliases(argc, argv, &aliases, -1,
			  "cove image import <tarball>|<metadata tarball> [<rootfs tarball>] "
			  "[key=value...] [flags]",
			  err);
	if (r != 0)
		return r > 0 ? 0 : r;
	/* key=value arguments are properties (X-LXD-properties, URL-encoded) */
	for (int i = optind; i < argc; i++) {
		if (strchr(argv[i], '=')) {
			const char *eq = strchr(argv[i], '=');
			_cleanup_free_ char *k = xstrndup(argv[i], (size_t)(eq - argv[i]));
			_cleanup_free_ char *ke = http_escape(k), *ve = http_escape(eq + 1);

			strv_push(&props, xasprintf("%s=%s", ke, ve));
		} else
			strv_push_dup(&files, argv[i]);
	}
	if (strv_length(files) < 1 || strv_length(files) > 2)
		return cove_err(err, -EINVAL, "Invalid number of arguments");
	if (props) {
		pj = strv_join(props, "&");
		strv_push(&hdrs, xasprintf("X-LXD-properties: %s", pj));
	}
	if (arg_public)
		strv_push_dup(&hdrs, "X-LXD-public: true");
	if (strv_length(files) == 2) {
		srandom((unsigned)getpid() ^ (unsigned)time(NULL));
		r = import_split(files[0], files[1], hdrs, &op, err);
		if (r < 0)
			return r;
		goto done;
	}
	f = fopen(files[0], "re");
	if (!f || fstat(fileno(f), &st) < 0)
		return cove_err(err, -errno, "open %s: %m", files[0]);
	copy = xstrdup(files[0]);
	strv_push(&hdrs, xasprintf("X-LXD-filename: %s", basename(copy)));
	r = api_upload("/1.0/images", f, (uint64_t)st.st_size, hdrs, "Transferring image: ", &op,
		       err);
	if (r < 0)
		return r;
done:
	fp = str(json_object_get(op, "metadata"), "fingerprint");
	printf("Image imported with fingerprint: %s\n", fp);
	STRV_FOREACH (a, aliases)
		if (r >= 0)
			r = alias_add(*a, fp, "", err);
	json_decref(op);
	return r;
}

static int image_build(int argc, char **argv, struct cove_error *err)
{
	_cleanup_strv_free_ char **aliases = NULL;
	json_t *req, *al = json_array(), *op = NULL;
	int r;

	r = parse_aliases(argc, argv, &aliases, 2,
			  "cove image build <template> [release=RELEASE] [--alias ALIAS]", err);
	if (r != 0) {
		json_decref(al);
		return r > 0 ? 0 : r;
	}
	STRV_FOREACH (a, aliases)
		json_array_append_new(al, json_pack("{ss}", "name", *a));
	req = json_pack("{s{ss ss} so}", "source", "type", "cove-build", "template", argv[optind],
			"aliases", al);
	if (optind + 1 < argc) {
		const char *rel = startswith(argv[optind + 1], "release=");

		if (!rel) {
			json_decref(req);
			return cove_err(err, -EINVAL, "Invalid argument \"%s\" (expected release=RELEASE)",
					argv[optind + 1]);
		}
		json_object_set_new(json_object_get(req, "source"), "release", json_string(rel));
	}
	r = api_async("POST", "/1.0/images", req, NULL, "Building image: ", &op, err);
	json_decref(req);
	if (r < 0)
		return r;
	printf("Image built with fingerprint: %s\n",
	       str(json_object_get(op, "metadata"), "fingerprint"));
	json_decref(op);
	return 0;
}

static int alias_create(int argc, char **argv, struct cove_error *err)
{
	json_t *img = NULL;
	int r;

	r = client_check_args(argc - 1, 2, 2, "cove image alias create <alias> <fingerprint>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = image_get(argv[2], &img, err);
	if (r >= 0)
		r = alias_add(argv[1], str(img, "fingerprint"), "", err);
	json_decref(img);
	return r;
}

int alias_list_render(json_t *list, enum format fmt, struct cove_error *err)
{
	_cleanup_(table_done) struct table t = {};
	json_t *a;
	size_t i;
	int r;

	t.header = strv_split("ALIAS,FINGERPRINT,TYPE,DESCRIPTION", ",");
	json_array_foreach (list, i, a) {
		char **row = NULL;
		strv_push_dup(&row, str(a, "name"));
		strv_push(&row, xstrndup(str(a, "target"), 12));
		strv_push(&row, upper(isempty(str(a, "type")) ? "container" : str(a, "type")));
		strv_push_dup(&row, str(a, "description"));
		table_add_row(&t, row);
	}
	table_sort(&t, 0);
	r = format_render(stdout, fmt, &t, list, err);
	return r;
}

static int alias_list(int argc, char **argv, struct cove_error *err)
{
	enum format fmt = FORMAT_TABLE;
	json_t *list = NULL;
	int r;

	r = api_get("/1.0/images/aliases?recursion=1", &list, NULL, err);
	if (r < 0)
		return r;
	r = alias_list_render(list, fmt, err);
	json_decref(list);
	return r;
}

static int alias_delete(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *e = NULL, *path = NULL;
	struct api_response resp = {};
	int r;

	r = client_check_args(argc - 1, 1, 1, "cove image alias delete <alias>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	e = http_escape(argv[1]);
	path = xasprintf("/1.0/images/aliases/%s", e);
	r = api_request("DELETE", path, NULL, NULL, &resp, err);
	api_response_done(&resp);
	return r;
}

static int image_alias(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
	    {"create", alias_create, "Create aliases for existing images"},
	    {"delete", alias_delete, "Delete image aliases"},
	    {"list", alias_list, "List image aliases"},
	    {}};
	return client_subcommand(sub, "image alias", argc, argv, err);
}

/* One part of a multipart body: its data, by name="NAME". */
static bool find_part(const char *buf, size_t len, const char *delim, const char *name,
		      const char **ret, size_t *ret_len)
{
	_cleanup_free_ char *want = xasprintf("name=\"%s\"", name);
	size_t dl = strlen(delim);
	const char *p = memmem(buf, len, delim, dl), *end = buf + len;

	while (p) {
		const char *head = p + dl, *data, *next;

		data = memmem(head, (size_t)(end - head), "\r\n\r\n", 4);
		if (!data)
			return false;
		next = memmem(data, (size_t)(end - data), delim, dl);
		if (!next || next - data < 6)
			return false;
		if (memmem(head, (size_t)(data - head), want, strlen(want))) {
			*ret = data + 4;
			*ret_len = (size_t)(next - 2 - (data + 4));
			return true;
		}
		p = next;
	}
	return false;
}

static int write_all(const char *path, const char *data, size_t len, struct cove_error *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "we");

	if (!f || fwrite(data, 1, len, f) != len || fflush(f) != 0)
		return cove_err(err, -errno ?: -EIO, "write %s: %m", path);
	return 0;
}

int image_export_split(const char *target, struct cove_error *err)
{
	_cleanup_fclose_ FILE *f = fopen(target, "re");
	_cleanup_free_ char *buf = NULL, *delim = NULL, *root = NULL;
	const char *meta, *rootfs;
	size_t len = 0, ml, rl, n;
	char head[128];

	if (!f)
		return 0;
	n = fread(head, 1, sizeof(head) - 1, f);
	head[n] = 0;
	if (n < 4 || !startswith(head, "--") || !strstr(head, "\r\nContent-Disposition: form-data"))
		return 0;
	delim = xstrndup(head, strcspn(head, "\r"));
	rewind(f);
	buf = xmalloc(1);
	for (char chunk[65536]; (n = fread(chunk, 1, sizeof(chunk), f)) > 0; len += n) {
		buf = xrealloc(buf, len + n);
		memcpy(buf + len, chunk, n);
	}
	if (!find_part(buf, len, delim, "metadata", &meta, &ml) ||
	    !find_part(buf, len, delim, "rootfs", &rootfs, &rl))
		return cove_err(err, -EBADMSG, "Invalid multipart image export");
	/* as lxc does: TARGET is the metadata tarball, TARGET.root the rootfs */
	root = xasprintf("%s.root", target);
	if (write_all(root, rootfs, rl, err) < 0)
		return -EIO;
	return write_all(target, meta, ml, err);
}

/* The writable part (LXD's ImagePut) as `lxc image edit` shows it. */
static json_t *image_put(json_t *img)
{
	json_t *put = json_object();

	json_object_set(put, "auto_update", json_object_get(img, "auto_update") ?: json_false());
	json_object_set(put, "properties", json_object_get(img, "properties") ?: json_object());
	json_object_set(put, "public", json_object_get(img, "public") ?: json_false());
	json_object_set(put, "expires_at",
			json_object_get(img, "expires_at") ?: json_string("1970-01-01T00:00:00Z"));
	json_object_set(put, "profiles", json_object_get(img, "profiles") ?: json_array());
	return put;
}

static int image_put_sync(json_t *img, json_t *put, struct cove_error *err)
{
	_cleanup_free_ char *path = xasprintf("/1.0/images/%s", str(img, "fingerprint"));
	struct api_response resp = {};
	int r = api_request("PUT", path, put, NULL, &resp, err);

	api_response_done(&resp);
	return r;
}

static int image_edit(int argc, char **argv, struct cove_error *err)
{
	json_t *img = NULL, *cur, *neu = NULL;
	int r;

	r = client_check_args(argc - 1, 1, 1, "cove image edit [<remote>:]<image>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = image_get(argv[1], &img, err);
	if (r < 0)
		return r;
	cur = image_put(img);
	r = config_edit_text(cur, &neu, err);
	json_decref(cur);
	if (r >= 0 && !json_is_object(neu))
		r = cove_err(err, -EINVAL, "The edited image is not a YAML map");
	if (r >= 0) {
		yaml_stringify_values(json_object_get(neu, "properties"));
		r = image_put_sync(img, neu, err);
	}
	json_decref(neu);
	json_decref(img);
	return r;
}

/* get-property, set-property, unset-property */
static int image_property(int argc, char **argv, struct cove_error *err)
{
	bool get = streq(argv[0], "get-property"), set = streq(argv[0], "set-property");
	_cleanup_free_ char *usage = xasprintf("cove image %s [<remote>:]<image> <key>%s", argv[0],
					       set ? " <value>" : "");
	json_t *img = NULL, *put, *props;
	int r;

	r = client_check_args(argc - 1, set ? 3 : 2, set ? 3 : 2, usage, err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = image_get(argv[1], &img, err);
	if (r < 0)
		return r;
	put = image_put(img);
	props = json_object_get(put, "properties");
	if (get) {
		printf("%s\n", str(props, argv[2]));
	} else {
		if (set)
			json_object_set_new(props, argv[2], json_string(argv[3]));
		else if (json_object_del(props, argv[2]) < 0)
			r = cove_err(err, -ENOENT, "Property %s not found", argv[2]);
		if (r >= 0)
			r = image_put_sync(img, put, err);
	}
	json_decref(put);
	json_decref(img);
	return r;
}

int cmd_image(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
	    {"alias", image_alias, "Manage image aliases"},
	    {"build", image_build, "Build an image offline (busybox)"},
	    {"copy", cmd_image_copy, "Copy images between servers"},
	    {"delete", image_delete, "Delete images"},
	    {"edit", image_edit, "Edit image properties"},
	    {"export", image_export, "Export and download images"},
	    {"get-property", image_property, "Get image properties"},
	    {"import", image_import, "Import images into the image store"},
	    {"info", image_info, "Show useful information about images"},
	    {"list", image_list, "List images"},
	    {"set-property", image_property, "Set image properties"},
	    {"show", image_info, "Show image properties"},
	    {"unset-property", image_property, "Unset image properties"},
	    {}};
	return client_subcommand(sub, "image", argc, argv, err);
}
