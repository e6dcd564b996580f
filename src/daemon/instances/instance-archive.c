/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gzip'd tarballs from memory and directory trees (libarchive). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "instance-archive.h"
#include "strutil.h"

static int arc_err(struct archive *a, struct cove_error *err, const char *what)
{
	return cove_err(err, -EIO, "Failed to write the tarball (%s): %s", what,
			archive_error_string(a) ? archive_error_string(a) : "unknown error");
}

static int write_data_entry(struct archive *w, const char *name, const char *data, size_t len,
			    struct cove_error *err)
{
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, time(NULL), 0);
	if (archive_write_header(w, e) != ARCHIVE_OK ||
	    archive_write_data(w, data, len) != (la_ssize_t)len)
		r = arc_err(w, err, name);
	archive_entry_free(e);
	return r;
}

static int copy_file_data(struct archive *w, const char *src, struct cove_error *err)
{
	_cleanup_close_ int fd = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return cove_err(err, -errno, "Failed to open '%s': %m", src);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(w, buf, (size_t)n) != n)
			return arc_err(w, err, src);
	return n < 0 ? cove_err(err, -errno, "Failed to read '%s': %m", src) : 0;
}

/* Write e (renamed already) and, for a regular file with data, its content. */
static int write_disk_entry(struct archive *w, struct archive_entry *e, struct cove_error *err)
{
	const char *src = archive_entry_sourcepath(e);

	if (archive_write_header(w, e) < ARCHIVE_WARN)
		return arc_err(w, err, archive_entry_pathname(e));
	if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0 &&
	    !archive_entry_hardlink(e))
		return copy_file_data(w, src, err);
	return 0;
}

static int write_tree(struct archive *w, struct archive_entry_linkresolver *lr, const char *tree,
		      const char *prefix, struct cove_error *err)
{
	struct archive *disk = archive_read_disk_new();
	size_t tl = strlen(tree);
	int r = 0;

	archive_read_disk_set_symlink_physical(disk);
	if (archive_read_disk_open(disk, tree) != ARCHIVE_OK) {
		r = cove_err(err, -EIO, "Failed to read '%s': %s", tree, archive_error_string(disk));
		goto out;
	}
	for (;;) {
		struct archive_entry *e = archive_entry_new(), *spare = NULL;
		const char *p;
		mode_t type;
		int k = archive_read_next_header2(disk, e);

		if (k == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (k < ARCHIVE_WARN) {
			r = cove_err(err, -EIO, "Failed to read '%s': %s", tree, archive_error_string(disk));
			archive_entry_free(e);
			break;
		}
		archive_read_disk_descend(disk);
		type = archive_entry_filetype(e);
		if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
			archive_entry_free(e);
			continue;
		}
		p = archive_entry_pathname(e);
		p = strlen(p) >= tl ? p + tl : "";
		{
			_cleanup_free_ char *name = xasprintf("%s%s", prefix, p);

			archive_entry_set_pathname(e, name);
		}
		archive_entry_set_uname(e, NULL);
		archive_entry_set_gname(e, NULL);
		archive_entry_linkify(lr, &e, &spare);
		if (e)
			r = write_disk_entry(w, e, err);
		if (r >= 0 && spare)
			r = write_disk_entry(w, spare, err);
		archive_entry_free(e);
		archive_entry_free(spare);
		if (r < 0)
			break;
	}
out:
	archive_read_free(disk);
	return r;
}

int archive_write_tgz(const char *path, const struct archive_item *items, size_t n,
		      struct cove_error *err)
{
	struct archive *w = archive_write_new();
	struct archive_entry_linkresolver *lr = archive_entry_linkresolver_new();
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int r = 0;

	if (fd < 0) {
		r = cove_err(err, -errno, "Failed to create '%s': %m", path);
		goto out;
	}
	archive_write_add_filter_gzip(w);
	archive_write_set_format_pax_restricted(w);
	archive_entry_linkresolver_set_strategy(lr, archive_format(w));
	if (archive_write_open_fd(w, fd) != ARCHIVE_OK) {
		r = arc_err(w, err, path);
		goto out;
	}
	for (size_t i = 0; i < n && r >= 0; i++)
		r = items[i].tree ? write_tree(w, lr, items[i].tree, items[i].name, err)
				  : write_data_entry(w, items[i].name, items[i].data, items[i].len,
						     err);
	if (r >= 0 && archive_write_close(w) != ARCHIVE_OK)
		r = arc_err(w, err, path);
out:
	archive_write_free(w);
	archive_entry_linkresolver_free(lr);
	if (r < 0 && fd >= 0)
		(void)unlink(path);
	return r;
}
