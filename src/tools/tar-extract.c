/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Safe tarball extraction with libarchive (see tar-extract.h). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "log.h"
#include "strutil.h"
#include "tar-extract.h"

LOG_MODULE("tar");

/* Strip leading "./" and "/" runs of "./": "./etc/x" -> "etc/x", "./" -> "". */
static const char *skip_dot_slash(const char *p)
{
	while (p[0] == '.' && p[1] == '/') {
		p += 2;
		while (*p == '/')
			p++;
	}
	return p;
}

static bool has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")); s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == 0 || s[2] == '/'))
			return true;
	return false;
}

/* Depth of the directory holding path ("a/b/c" -> 2), ignoring "." and "" parts. */
static int parent_depth(const char *path)
{
	int depth = 0;
	const char *s = path;

	while (*s) {
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);

		if (*e == 0)
			break; /* the last component is the entry itself */
		if (n > 0 && !(n == 1 && s[0] == '.'))
			depth++;
		s = e + 1;
	}
	return depth;
}

/* Does a relative symlink target, seen from the directory of path, climb above the root? */
static bool symlink_escapes(const char *path, const char *target)
{
	int depth = parent_depth(path);
	const char *s = target;

	while (*s) {
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);

		if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (--depth < 0)
				return true;
		} else if (n > 0 && !(n == 1 && s[0] == '.')) {
			depth++;
		}
		s = *e ? e + 1 : e;
	}
	return false;
}

int tar_check_entry(const char *path, const char *hardlink, const char *symlink,
		    struct cove_error *err)
{
	if (path[0] == '/')
		return cove_err(err, -EPERM, "Refusing tar entry '%s': absolute path", path);
	if (has_dotdot(path))
		return cove_err(err, -EPERM, "Refusing tar entry '%s': path contains '..'", path);
	if (hardlink) {
		if (hardlink[0] == '/')
			return cove_err(err, -EPERM,
					"Refusing tar entry '%s': hard link to absolute path '%s'", path,
					hardlink);
		if (has_dotdot(hardlink))
			return cove_err(err, -EPERM,
					"Refusing tar entry '%s': hard link target '%s' contains '..'",
					path, hardlink);
	}
	/* absolute symlink targets resolve inside the container's root: fine */
	if (symlink && symlink[0] != '/' && symlink_escapes(path, symlink))
		return cove_err(err, -EPERM,
				"Refusing tar entry '%s': symlink target '%s' points outside the root",
				path, symlink);
	return 0;
}

static bool excluded(const char *path, char *const *excludes)
{
	for (size_t i = 0; excludes && excludes[i]; i++) {
		const char *pat = skip_dot_slash(excludes[i]);
		_cleanup_free_ char *p = xstrdup(path);

		if (isempty(pat))
			continue;
		/* like tar --anchored --exclude: the name or one of its leading directories */
		for (char *s = p;; s++) {
			if (*s == '/' || *s == 0) {
				char c = *s;

				*s = 0;
				if (fnmatch(pat, p, 0) == 0)
					return true;
				*s = c;
				if (c == 0)
					break;
			}
		}
	}
	return false;
}

static int copy_data(struct archive *in, struct archive *out, const char *path,
		     struct cove_error *err)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	for (;;) {
		r = archive_read_data_block(in, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return cove_err(err, -EIO, "Failed to read '%s' from the tarball: %s", path,
					archive_error_string(in));
		if (archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN)
			return cove_err(err, -EIO, "Failed to write '%s': %s", path,
					archive_error_string(out));
	}
}

/* Prepare one entry (normalise its names, check it). 1: extract, 0: skip, < 0: refuse. */
static int prepare_entry(struct archive_entry *e, const struct tar_extract_opts *o,
			 struct cove_error *err)
{
	const char *raw = archive_entry_pathname(e), *hl, *sl;
	_cleanup_free_ char *path = NULL;
	mode_t type = archive_entry_filetype(e);
	int r;

	if (!raw)
		return cove_err(err, -EPERM, "Refusing tar entry without a name");
	if (raw[0] == '/')
		return cove_err(err, -EPERM, "Refusing tar entry '%s': absolute path", raw);
	path = xstrdup(skip_dot_slash(raw));
	hl = archive_entry_hardlink(e);
	if (hl)
		hl = skip_dot_slash(hl);
	sl = type == AE_IFLNK ? archive_entry_symlink(e) : NULL;
	r = tar_check_entry(path, hl, sl, err);
	if (r < 0)
		return r;
	if (isempty(path))
		archive_entry_set_pathname(e, ".");
	else
		archive_entry_set_pathname(e, path);
	if (hl)
		archive_entry_set_hardlink(e, hl);
	if (!isempty(path) && excluded(path, o ? o->excludes : NULL))
		return 0;
	if (o && o->refuse_dev && (type == AE_IFCHR || type == AE_IFBLK))
		return cove_err(err, -EPERM, "Refusing tar entry '%s': device node", path);
	if (o && o->no_dev && (type == AE_IFCHR || type == AE_IFBLK))
		return 0;
	return 1;
}

#define EXTRACT_FLAGS                                                                      \
	(ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |             \
	 ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SPARSE |            \
	 ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |               \
	 ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS)

/* Runs in the child, with the destination as working directory. */
static int extract_here(const char *tarball, const struct tar_extract_opts *o,
			struct cove_error *err)
{
	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	struct archive_entry *e;
	int r = 0, k;

	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	archive_write_disk_set_options(out, EXTRACT_FLAGS);
	if (archive_read_open_filename(in, tarball, 1 << 16) != ARCHIVE_OK) {
		r = cove_err(err, -EINVAL, "Failed to open tarball '%s': %s", tarball,
			     archive_error_string(in));
		goto out;
	}
	for (;;) {
		k = archive_read_next_header(in, &e);
		if (k == ARCHIVE_EOF)
			break;
		if (k < ARCHIVE_WARN) {
			r = cove_err(err, -EINVAL, "Failed to read tarball '%s': %s", tarball,
				     archive_error_string(in));
			break;
		}
		r = prepare_entry(e, o, err);
		if (r < 0)
			break;
		if (r == 0) {
			(void)archive_read_data_skip(in);
			continue;
		}
		if (archive_write_header(out, e) < ARCHIVE_WARN) {
			r = cove_err(err, -EIO, "Failed to extract '%s': %s",
				     archive_entry_pathname(e), archive_error_string(out));
			break;
		}
		if (archive_entry_size(e) > 0) {
			r = copy_data(in, out, archive_entry_pathname(e), err);
			if (r < 0)
				break;
		}
		if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
			r = cove_err(err, -EIO, "Failed to extract '%s': %s",
				     archive_entry_pathname(e), archive_error_string(out));
			break;
		}
		r = 0;
	}
	/* close applies the deferred directory modes and times */
	if (archive_write_close(out) < ARCHIVE_WARN && r >= 0)
		r = cove_err(err, -EIO, "Failed to finish extraction: %s",
			     archive_error_string(out));
out:
	archive_read_free(in);
	archive_write_free(out);
	return r;
}

int tar_extract(const char *tarball, const char *dest, const struct tar_extract_opts *o,
		struct cove_error *err)
{
	_cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
	struct cove_error cerr = {};
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	if (access(tarball, R_OK) < 0)
		return cove_err(err, -errno, "Failed to open tarball '%s': %m", tarball);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return cove_err(err, -errno, "Failed to create a pipe: %m");
	rfd = pipefd[0], wfd = pipefd[1];
	pid = fork();
	if (pid < 0)
		return cove_err(err, -errno, "Failed to fork: %m");
	if (pid == 0) {
		/* the child reads the untrusted archive: a crash costs only this extraction */
		int r;

		rfd = safe_close(rfd);
		umask(022);
		if (chdir(dest) < 0)
			r = cove_err(&cerr, -errno, "Failed to enter '%s': %m", dest);
		else
			r = extract_here(tarball, o, &cerr);
		if (r < 0)
			(void)loop_write(wfd, &cerr, sizeof(cerr));
		_exit(r < 0 ? 1 : 0);
	}
	wfd = safe_close(wfd);
	n = loop_read(rfd, &cerr, sizeof(cerr));
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0)
		return cove_err(err, -errno, "Failed to wait for the extraction: %m");
	if (n == (ssize_t)sizeof(cerr) && cerr.code < 0) {
		cerr.msg[sizeof(cerr.msg) - 1] = 0;
		return cove_err(err, cerr.code, "%s", cerr.msg);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cove_err(err, -EIO, "Extraction of '%s' failed (the extractor died)",
				tarball);
	return 0;
}
