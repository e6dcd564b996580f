/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/instances/NAME/files?path=: pull (GET), push (POST) and delete
 * (DELETE) with LXD's X-LXD-uid/gid/mode/type/write headers.
 *
 * Every path is resolved on the instance's rootfs with openat2():
 * the parent directory with RESOLVE_IN_ROOT (symlinks and ".." are
 * interpreted as the container sees them, they cannot leave its root),
 * the last component with RESOLVE_BENEATH from that parent, so a symlink
 * there that points elsewhere (an absolute target, or ".." out of its
 * directory) is refused rather than followed. Magic links are never
 * followed. GET never follows a final symlink: it answers its target with
 * X-LXD-type: symlink, as LXD does. The rootfs holds container uids
 * (libcove gives running containers an idmapped mount of it), so uid/gid
 * are used as given. Mounts made inside a running container (tmpfs ...)
 * are not seen: this works on the rootfs directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "daemon.h"
#include "db/db.h"
#include "events.h"
#include "fileio.h"
#include "macro.h"
#include "request.h"
#include "router.h"
#include "strutil.h"
#include "strv.h"

#define FILE_MAX REQUEST_UPLOAD_MAX

static int openat2_fd(int dirfd, const char *path, int flags, mode_t mode, unsigned long long resolve)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = resolve | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : (int)fd;
}

/* The parent directory of PATH (absolute, in the container) as an O_PATH fd; *ret_base its last component. */
static int open_parent(const char *name, const char *path, char **ret_base, struct cove_error *err)
{
	_cleanup_free_ char *rootfs = xasprintf("%s/%s/rootfs", the_daemon->lxcpath, name);
	_cleanup_free_ char *copy = NULL;
	_cleanup_close_ int root = -1;
	char *slash, *base;
	int fd;

	if (!path || !*path)
		return cove_err(err, -EINVAL, "Missing path argument");
	/* LXD takes paths relative to the instance's root too (lxc file push sends them so) */
	copy = path[0] == '/' ? xstrdup(path) : xasprintf("/%s", path);
	/* drop trailing slashes */
	for (size_t n = strlen(copy); n > 1 && copy[n - 1] == '/'; n--)
		copy[n - 1] = 0;
	root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return cove_err(err, -errno, "Failed to open the instance's rootfs: %m");
	slash = strrchr(copy, '/');
	base = slash + 1;
	*slash = 0;
	if (streq(base, "") || streq(base, ".") || streq(base, "..")) {
		/* the root itself */
		*ret_base = xstrdup(".");
		return TAKE_FD(root);
	}
	fd = openat2_fd(root, *copy ? copy : "/", O_PATH | O_DIRECTORY, 0, RESOLVE_IN_ROOT);
	if (fd < 0)
		return cove_err(err, fd == -ENOTDIR || fd == -ENOENT ? -ENOENT : fd,
				"Parent directory of '%s' not found: %s", path, strerror(-fd));
	*ret_base = xstrdup(base);
	return fd;
}

static void add_stat_headers(struct request *req, const struct stat *st, const char *type)
{
	strv_push(&req->headers, xasprintf("X-LXD-uid: %u", (unsigned)st->st_uid));
	strv_push(&req->headers, xasprintf("X-LXD-gid: %u", (unsigned)st->st_gid));
	strv_push(&req->headers, xasprintf("X-LXD-mode: %04o", (unsigned)(st->st_mode & 07777)));
	strv_push(&req->headers, xasprintf("X-LXD-type: %s", type));
}

static bool instance_or_404(struct request *req, const char *name)
{
	struct db_instance i = { 0 };
	struct cove_error err = { 0 };
	int r = db_instance_get(the_daemon->db, name, &i, &err);

	if (r < 0)
		reply_errno(req, r, err.msg);
	db_instance_clear(&i);
	return r >= 0;
}

static int pull_dir(struct request *req, int fd, const struct stat *st, struct cove_error *err)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	json_t *list = json_array();
	struct dirent *de;
	DIR *d;

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		json_decref(list);
		return cove_err(err, -errno, "Failed to list directory: %m");
	}
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			json_array_append_new(list, json_string(de->d_name));
	closedir(d);
	add_stat_headers(req, st, "directory");
	reply_sync(req, list);
	return 0;
}

static int pull(struct request *req, const char *name, const char *path, struct cove_error *err)
{
	_cleanup_free_ char *base = NULL, *data = NULL;
	_cleanup_close_ int parent = -1, fd = -1;
	struct stat st;
	size_t len = 0;
	int r;

	parent = open_parent(name, path, &base, err);
	if (parent < 0)
		return parent;
	fd = openat2_fd(parent, base, O_PATH | O_NOFOLLOW, 0, RESOLVE_BENEATH);
	if (fd < 0)
		return cove_err(err, fd, "Failed to open '%s': %s", path, strerror(-fd));
	if (fstat(fd, &st) < 0)
		return cove_err(err, -errno, "Failed to stat '%s': %m", path);
	if (S_ISDIR(st.st_mode))
		return pull_dir(req, fd, &st, err);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(fd, "", target, sizeof(target));

		if (n < 0)
			return cove_err(err, -errno, "Failed to read link '%s': %m", path);
		add_stat_headers(req, &st, "symlink");
		reply_bytes(req, "application/octet-stream", target, (size_t)n);
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return cove_err(err, -EINVAL, "'%s' is not a regular file, a directory or a symlink", path);
	fd = safe_close(fd);
	fd = openat2_fd(parent, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0, RESOLVE_BENEATH);
	if (fd < 0)
		return cove_err(err, fd, "Failed to open '%s': %s", path, strerror(-fd));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return cove_err(err, -EINVAL, "'%s' is not a regular file", path);
	r = read_full_fd(fd, FILE_MAX, &data, &len);
	if (r < 0)
		return cove_err(err, r, "Failed to read '%s': %s", path, strerror(-r));
	add_stat_headers(req, &st, "file");
	reply_bytes(req, "application/octet-stream", data ?: "", len);
	return 0;
}

/* An X-LXD-* number header: -1 when absent, -EINVAL when bad. */
static long long header_num(struct request *req, const char *name, int base)
{
	_cleanup_free_ char *v = request_header(req, name);
	unsigned long long n;
	char *end;

	if (!v || !*v || streq(v, "-1"))
		return -1;
	errno = 0;
	n = strtoull(v, &end, base);
	if (errno || *end || n > 0xFFFFFFFFull)
		return -EINVAL;
	return (long long)n;
}

static int escape_err(int r, const char *path, struct cove_error *err)
{
	if (r == -EXDEV || r == -ELOOP)
		return cove_err(err, -EINVAL, "Refusing '%s': a symlink there leads out of its directory",
				path);
	if (r == -ENXIO || r == -EISDIR)
		return cove_err(err, -EINVAL, "'%s' is not a regular file", path);
	return cove_err(err, r, "Failed to open '%s': %s", path, strerror(-r));
}

static int push_file(struct request *req, int parent, const char *base, const char *path,
		     long long mode, bool append, struct cove_error *err)
{
	int flags = O_WRONLY | O_CREAT | O_NOCTTY | O_NONBLOCK | (append ? O_APPEND : O_TRUNC);
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	fd = openat2_fd(parent, base, flags, mode >= 0 ? (mode_t)mode : 0644, RESOLVE_BENEATH);
	if (fd < 0)
		return escape_err(fd, path, err);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return cove_err(err, -EINVAL, "'%s' is not a regular file", path);
	r = loop_write(fd, req->body ?: "", req->body_len);
	if (r < 0)
		return cove_err(err, r, "Failed to write '%s': %s", path, strerror(-r));
	return TAKE_FD(fd);
}

static int push(struct request *req, const char *name, const char *path, struct cove_error *err)
{
	_cleanup_free_ char *base = NULL, *type = request_header(req, "X-LXD-type");
	_cleanup_free_ char *write = request_header(req, "X-LXD-write");
	long long uid = header_num(req, "X-LXD-uid", 10), gid = header_num(req, "X-LXD-gid", 10);
	long long mode = header_num(req, "X-LXD-mode", 8);
	_cleanup_close_ int parent = -1, fd = -1;

	if (uid == -EINVAL || gid == -EINVAL || mode == -EINVAL || (mode > 07777))
		return cove_err(err, -EINVAL, "Bad X-LXD-uid, X-LXD-gid or X-LXD-mode header");
	if (write && !streq(write, "overwrite") && !streq(write, "append"))
		return cove_err(err, -EINVAL, "Bad X-LXD-write header: %s", write);
	if (type && !streq(type, "file") && !streq(type, "directory") && !streq(type, "symlink"))
		return cove_err(err, -EINVAL, "Bad file type: %s", type);
	parent = open_parent(name, path, &base, err);
	if (parent < 0)
		return parent;
	if (streq(base, "."))
		return cove_err(err, -EINVAL, "Cannot push to the root directory");
	if (type && streq(type, "directory")) {
		if (mkdirat(parent, base, mode >= 0 ? (mode_t)mode : 0755) < 0 && errno != EEXIST)
			return cove_err(err, -errno, "Failed to create directory '%s': %m", path);
		fd = openat2_fd(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, RESOLVE_BENEATH);
		if (fd < 0)
			return escape_err(fd, path, err);
	} else if (type && streq(type, "symlink")) {
		_cleanup_free_ char *target = xstrndup(req->body ?: "", req->body_len);
		struct stat st;

		if (!*target || strlen(target) != req->body_len)
			return cove_err(err, -EINVAL, "Bad symlink target");
		if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			(void)unlinkat(parent, base, 0);
		if (symlinkat(target, parent, base) < 0)
			return cove_err(err, -errno, "Failed to create symlink '%s': %m", path);
		if ((uid >= 0 || gid >= 0) &&
		    fchownat(parent, base, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0)
			return cove_err(err, -errno, "Failed to chown '%s': %m", path);
		return 0;
	} else {
		fd = push_file(req, parent, base, path, mode,
			       write && streq(write, "append"), err);
		if (fd < 0)
			return fd;
	}
	if ((uid >= 0 || gid >= 0) && fchown(fd, (uid_t)uid, (gid_t)gid) < 0)
		return cove_err(err, -errno, "Failed to chown '%s': %m", path);
	if (mode >= 0 && fchmod(fd, (mode_t)mode) < 0)
		return cove_err(err, -errno, "Failed to chmod '%s': %m", path);
	return 0;
}

static int delete(const char *name, const char *path, struct cove_error *err)
{
	_cleanup_free_ char *base = NULL;
	_cleanup_close_ int parent = -1;
	struct stat st;

	parent = open_parent(name, path, &base, err);
	if (parent < 0)
		return parent;
	if (streq(base, "."))
		return cove_err(err, -EINVAL, "Cannot delete the root directory");
	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cove_err(err, -errno, "Failed to stat '%s': %m", path);
	if (unlinkat(parent, base, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
		return cove_err(err, -errno, "Failed to remove '%s': %m", path);
	return 0;
}

static void files(struct request *req, char **params)
{
	_cleanup_free_ char *path = request_arg(req, "path");
	struct cove_error err = { 0 };
	int r;

	if (!instance_or_404(req, params[0]))
		return;
	if (!path) {
		reply_error(req, 400, "Missing path argument");
		return;
	}
	if (req->method == HTTP_GET)
		r = pull(req, params[0], path, &err);
	else if (req->method == HTTP_POST)
		r = push(req, params[0], path, &err);
	else
		r = delete(params[0], path, &err);
	if (r < 0) {
		req->headers = strv_free(req->headers);
		reply_errno(req, r, err.msg);
	} else if (req->method != HTTP_GET)
		reply_sync(req, json_object());
}

const struct route api_files_routes[] = {
	{ HTTP_GET, "/1.0/instances/*/files", files },
	{ HTTP_POST, "/1.0/instances/*/files", files },
	{ HTTP_DELETE, "/1.0/instances/*/files", files },
	{ 0, NULL, NULL },
};
