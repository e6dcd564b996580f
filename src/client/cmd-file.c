/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove file push|pull|delete|edit: /1.0/instances/<name>/files?path=, raw
 * bodies with X-LXD-type/uid/gid/mode headers, as `lxc file` sends them.
 * push -r creates directories (X-LXD-type: directory) then files; pull of a
 * directory needs -r and walks the JSON listing the server returns. edit
 * pulls the file, runs $VISUAL/$EDITOR on it (or, when stdin is not a
 * terminal, takes the new content from stdin, as lxc does) and pushes it
 * back with its mode.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "fileio.h"
#include "http.h"
#include "strutil.h"
#include "strv.h"

struct file_opts {
	bool recursive, create_dirs;
	int uid, gid, mode; /* -1: from the source */
};

/* "c1/root/x" -> instance "c1", path "/root/x". */
static int split_target(const char *arg, char **ret_name, char **ret_path, struct cove_error *err)
{
	const char *name, *slash;
	int r = client_local_name(arg, &name, err);

	if (r < 0)
		return r;
	slash = strchr(name, '/');
	if (!slash || slash == name)
		return cove_err(err, -EINVAL, "Invalid target %s", arg);
	*ret_name = xstrndup(name, (size_t)(slash - name));
	*ret_path = xstrdup(slash);
	return 0;
}

static char *files_url(const char *name, const char *path)
{
	_cleanup_free_ char *ip = api_instance_path(name), *e = http_escape(path);

	return xasprintf("%s/files?path=%s", ip, e);
}

static int finish(struct http_response *h, const char *url, struct cove_error *err)
{
	struct api_response ar = {};
	int r = api_parse(h->status, h->body, url, &ar, err);

	api_response_done(&ar);
	http_response_done(h);
	return r;
}

static int push_one(const char *name, const char *dst, const char *src, const struct stat *st,
		    const struct file_opts *o, struct cove_error *err)
{
	_cleanup_free_ char *url = files_url(name, dst);
	_cleanup_strv_free_ char **hdrs = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	struct http_request req = {.method = "POST", .path = url};
	struct http_response h = {};
	bool dir = S_ISDIR(st->st_mode);
	int r;

	strv_push(&hdrs, xasprintf("X-LXD-type: %s", dir ? "directory" : "file"));
	strv_push(&hdrs, xasprintf("X-LXD-uid: %d", o->uid >= 0 ? o->uid : (int)st->st_uid));
	strv_push(&hdrs, xasprintf("X-LXD-gid: %d", o->gid >= 0 ? o->gid : (int)st->st_gid));
	strv_push(&hdrs,
		  xasprintf("X-LXD-mode: %04o",
			    o->mode >= 0 ? (unsigned)o->mode : (unsigned)(st->st_mode & 07777)));
	req.headers = hdrs;
	if (!dir) {
		f = fopen(src, "re");
		if (!f)
			return cove_err(err, -errno, "open %s: %m", src);
		req.upload = f;
		req.upload_size = (uint64_t)st->st_size;
	} else {
		req.body = "";
		req.body_len = 0;
		req.content_type = "application/octet-stream";
	}
	r = http_do(&req, &h, err);
	return r < 0 ? r : finish(&h, url, err);
}

static int push_tree(const char *name, const char *dst, const char *src, const struct file_opts *o,
		     struct cove_error *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	int r;

	if (lstat(src, &st) < 0)
		return cove_err(err, -errno, "stat %s: %m", src);
	if (S_ISLNK(st.st_mode))
		return 0; /* symlinks are not pushed (file_symlinks is not advertised) */
	r = push_one(name, dst, src, &st, o, err);
	if (r < 0 || !S_ISDIR(st.st_mode))
		return r;
	d = opendir(src);
	if (!d)
		return cove_err(err, -errno, "opendir %s: %m", src);
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		_cleanup_free_ char *s = path_join(src, de->d_name),
				    *t = path_join(dst, de->d_name);
		r = push_tree(name, t, s, o, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* -p: create the missing parents of dst (directories 0755, root-owned, as lxc does). */
static int push_parents(const char *name, const char *dst, struct cove_error *err)
{
	static const struct file_opts po = {.uid = -1, .gid = -1, .mode = -1};
	_cleanup_free_ char *copy = xstrdup(dst);
	struct stat st = {.st_mode = S_IFDIR | 0755};
	char *slash;
	int r;

	slash = strrchr(copy, '/');
	if (!slash || slash == copy)
		return 0;
	*slash = 0;
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != 0)
			continue;
		char c = *p;

		*p = 0;
		r = push_one(name, copy, NULL, &st, &po, err);
		*p = c;
		if (r < 0)
			return r;
		if (c == 0)
			return 0;
	}
}

static int file_push(int argc, char **argv, const struct file_opts *o, struct cove_error *err)
{
	_cleanup_free_ char *name = NULL, *path = NULL;
	bool to_dir;
	int r;

	r = client_check_args(argc, 2, -1,
			      "cove file push <source path>... [<remote>:]<instance>/<path>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = split_target(argv[argc - 1], &name, &path, err);
	if (r < 0)
		return r;
	to_dir = endswith(path, "/") || argc > 2;
	for (int i = 0; i < argc - 1; i++) {
		_cleanup_free_ char *copy = xstrdup(argv[i]), *dst = NULL;
		struct stat st;
		dst = to_dir ? path_join(path, basename(copy)) : xstrdup(path);
		if (stat(argv[i], &st) < 0)
			return cove_err(err, -errno, "stat %s: %m", argv[i]);
		if (S_ISDIR(st.st_mode) && !o->recursive)
			return cove_err(err, -EISDIR, "Path %s is a directory (use -r)", argv[i]);
		if (o->create_dirs) {
			r = push_parents(name, dst, err);
			if (r < 0)
				return r;
		}
		r = o->recursive ? push_tree(name, dst, argv[i], o, err)
				 : push_one(name, dst, argv[i], &st, o, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int pull_one(const char *name, const char *src, const char *dst, bool recursive,
		    struct cove_error *err);

static int pull_dir(const char *name, const char *src, const char *dst, const char *listing,
		    struct cove_error *err)
{
	json_t *root = json_loads(listing, 0, NULL), *v;
	size_t i;
	int r = 0;

	if (mkdir(dst, 0755) < 0 && errno != EEXIST)
		r = cove_err(err, -errno, "mkdir %s: %m", dst);
	json_array_foreach (json_object_get(root, "metadata"), i, v) {
		if (r < 0 || !json_string_value(v))
			break;
		_cleanup_free_ char *s = path_join(src, json_string_value(v));
		_cleanup_free_ char *t = path_join(dst, json_string_value(v));
		r = pull_one(name, s, t, true, err);
	}
	json_decref(root);
	return r;
}

static int write_out(const char *dst, struct http_response *h, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	unsigned mode = 0644;
	int r;

	if (streq(dst, "-"))
		return loop_write(STDOUT_FILENO, h->body, h->len);
	if (h->lxd_mode)
		(void)sscanf(h->lxd_mode, "%o", &mode);
	fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 07777);
	if (fd < 0)
		return cove_err(err, -errno, "open %s: %m", dst);
	r = loop_write(fd, h->body, h->len);
	if (r < 0)
		return cove_err(err, r, "write %s: %s", dst, strerror(-r));
	return 0;
}

static int pull_one(const char *name, const char *src, const char *dst, bool recursive,
		    struct cove_error *err)
{
	_cleanup_free_ char *url = files_url(name, src);
	struct http_request req = {.method = "GET", .path = url};
	struct http_response h = {};
	int r;

	r = http_do(&req, &h, err);
	if (r < 0)
		return r;
	if (h.status != 200)
		return finish(&h, url, err);
	if (streq_ptr(h.lxd_type, "directory")) {
		r = recursive ? pull_dir(name, src, dst, h.body, err)
			      : cove_err(err, -EISDIR, "Path %s is a directory (use -r)", src);
	} else
		r = write_out(dst, &h, err);
	http_response_done(&h);
	return r;
}

static int file_pull(int argc, char **argv, const struct file_opts *o, struct cove_error *err)
{
	struct stat st;
	int r;

	r = client_check_args(argc, 2, -1,
			      "cove file pull [<remote>:]<instance>/<path>... <target path>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	bool into = (stat(argv[argc - 1], &st) == 0 && S_ISDIR(st.st_mode)) || argc > 2;
	for (int i = 0; i < argc - 1; i++) {
		_cleanup_free_ char *name = NULL, *path = NULL, *dst = NULL;
		r = split_target(argv[i], &name, &path, err);
		if (r < 0)
			return r;
		_cleanup_free_ char *copy = xstrdup(path);
		dst = into ? path_join(argv[argc - 1], basename(copy)) : xstrdup(argv[argc - 1]);
		r = pull_one(name, path, dst, o->recursive, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int file_delete(int argc, char **argv, struct cove_error *err)
{
	int r;

	r = client_check_args(argc, 1, -1, "cove file delete [<remote>:]<instance>/<path>...", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	for (int i = 0; i < argc; i++) {
		_cleanup_free_ char *name = NULL, *path = NULL, *url = NULL;
		struct api_response ar = {};
		r = split_target(argv[i], &name, &path, err);
		if (r < 0)
			return r;
		url = files_url(name, path);
		r = api_request("DELETE", url, NULL, NULL, &ar, err);
		api_response_done(&ar);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The new content: stdin when it is not a terminal, else the editor on the old one. */
static int edit_content(const struct http_response *old, char **ret, size_t *ret_len,
			struct cove_error *err)
{
	if (!isatty(STDIN_FILENO)) {
		int r = read_full_fd(STDIN_FILENO, 64u << 20, ret, ret_len);

		return r < 0 ? cove_err(err, r, "Failed to read from stdin: %s", strerror(-r)) : 0;
	}
	if (memchr(old->body, 0, old->len))
		return cove_err(err, -EINVAL, "Cannot edit a binary file");
	int r = client_edit_text(old->body, ret, err);

	if (r >= 0)
		*ret_len = strlen(*ret);
	return r;
}

static int file_edit(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *name = NULL, *path = NULL, *url = NULL, *text = NULL;
	char tmp[] = "/tmp/cove_file_edit_XXXXXX";
	_cleanup_close_ int fd = -EBADF;
	struct http_request req = {.method = "GET"};
	struct http_response h = {};
	struct file_opts o = {.uid = -1, .gid = -1, .mode = -1};
	struct stat st;
	size_t len = 0;
	unsigned mode = 0644;
	int r;

	r = client_check_args(argc, 1, 1, "cove file edit [<remote>:]<instance>/<path>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = split_target(argv[0], &name, &path, err);
	if (r < 0)
		return r;
	url = files_url(name, path);
	req.path = url;
	r = http_do(&req, &h, err);
	if (r < 0)
		return r;
	if (h.status != 200)
		return finish(&h, url, err);
	if (streq_ptr(h.lxd_type, "directory")) {
		http_response_done(&h);
		return cove_err(err, -EISDIR, "Path %s is a directory", path);
	}
	if (h.lxd_mode)
		(void)sscanf(h.lxd_mode, "%o", &mode);
	o.mode = (int)(mode & 07777);
	r = edit_content(&h, &text, &len, err);
	http_response_done(&h);
	if (r < 0)
		return r;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to create a temporary file: %m");
	r = loop_write(fd, text, len);
	if (r >= 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return cove_err(err, r, "Failed to write '%s': %s", tmp, strerror(-r));
	}
	r = push_one(name, path, tmp, &st, &o, err);
	(void)unlink(tmp);
	return r;
}

static int parse_id(const char *s, int *ret, int base, struct cove_error *err)
{
	char *end;
	long v = strtol(s, &end, base);

	if (*s == 0 || *end || v < 0 || v > 0x7fffffff)
		return cove_err(err, -EINVAL, "Invalid value '%s'", s);
	*ret = (int)v;
	return 0;
}

int cmd_file(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {{"recursive", no_argument, NULL, 'r'},
					     {"create-dirs", no_argument, NULL, 'p'},
					     {"uid", required_argument, NULL, 'u'},
					     {"gid", required_argument, NULL, 'g'},
					     {"mode", required_argument, NULL, 'm'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	struct file_opts o = {.uid = -1, .gid = -1, .mode = -1};
	const char *verb;
	int r;

	if (argc < 2 || !strv_contains((char *[]){"push", "pull", "delete", "edit", NULL}, argv[1])) {
		printf("Usage:\n  cove file [push|pull|delete|edit] ...\n");
		return argc < 2 ? 0 : cove_err(err, -EINVAL, "unknown command \"%s\"", argv[1]);
	}
	verb = argv[1];
	client_opt_reset();
	while ((r = client_getopt(argc - 1, argv + 1, "rph", opts, err)) != -1) {
		if (r < 0)
			return r;
		if (r == 'r')
			o.recursive = true;
		else if (r == 'p')
			o.create_dirs = true;
		else if ((r == 'u' && parse_id(optarg, &o.uid, 10, err) < 0) ||
			 (r == 'g' && parse_id(optarg, &o.gid, 10, err) < 0) ||
			 (r == 'm' && parse_id(optarg, &o.mode, 8, err) < 0))
			return -EINVAL;
	}
	argc -= 1 + optind;
	argv += 1 + optind;
	if (streq(verb, "push"))
		return file_push(argc, argv, &o, err);
	if (streq(verb, "pull"))
		return file_pull(argc, argv, &o, err);
	if (streq(verb, "edit"))
		return file_edit(argc, argv, err);
	return file_delete(argc, argv, err);
}
