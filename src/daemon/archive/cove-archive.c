/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-archive: coved's tarball work in a process of its own, so the
 * daemon never loads libarchive and the libraries it pulls in (libxml2,
 * ICU, libstdc++, nettle ...: ~2.5 MiB of the idle daemon's RSS).
 *
 *   cove-archive extract [--no-dev] [--refuse-dev] [--exclude PATTERN]... TARBALL DEST
 *   cove-archive write-tgz PATH ITEM...
 *       ITEM: tree:NAME=DIR (a directory tree under NAME/) or
 *             fd:NAME=FD (a regular file NAME with the contents of FD)
 *
 * On failure: the message as one line on stderr, exit status the errno.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "instances/instance-archive.h"
#include "macro.h"
#include "strutil.h"
#include "strv.h"
#include "tar-extract.h"

static int fail(int r, const struct cove_error *err)
{
	fprintf(stderr, "%s\n", cove_err_msg(err, r));
	return r < 0 && -r < 256 ? -r : EIO;
}

static int do_extract(int argc, char **argv)
{
	_cleanup_strv_free_ char **excludes = NULL;
	struct tar_extract_opts o = { 0 };
	struct cove_error err = { 0 };
	int i, r;

	for (i = 0; i < argc && startswith(argv[i], "--"); i++) {
		if (streq(argv[i], "--no-dev"))
			o.no_dev = true;
		else if (streq(argv[i], "--refuse-dev"))
			o.refuse_dev = true;
		else if (streq(argv[i], "--exclude") && i + 1 < argc)
			strv_push_dup(&excludes, argv[++i]);
		else
			return fail(cove_err(&err, -EINVAL, "Unknown option '%s'", argv[i]), &err);
	}
	if (argc - i != 2)
		return fail(cove_err(&err, -EINVAL, "extract takes TARBALL DEST"), &err);
	o.excludes = excludes;
	r = tar_extract(argv[i], argv[i + 1], &o, &err);
	return r < 0 ? fail(r, &err) : 0;
}

/* fd:NAME=FD: read the whole file behind FD */
static int item_data(const char *spec, struct archive_item *it, struct cove_error *err)
{
	const char *eq = strrchr(spec, '=');
	unsigned fd;
	char *data = NULL;
	size_t len = 0;
	int r;

	if (!eq || safe_atou(eq + 1, &fd) < 0)
		return cove_err(err, -EINVAL, "Bad item '%s'", spec);
	r = read_full_fd((int)fd, SIZE_MAX, &data, &len);
	if (r < 0)
		return cove_err(err, r, "Failed to read item '%s': %s", spec, strerror(-r));
	it->name = xstrndup(spec, eq - spec);
	it->data = data;
	it->len = len;
	return 0;
}

static int do_write(int argc, char **argv)
{
	struct cove_error err = { 0 };
	struct archive_item *items;
	int r;

	if (argc < 1)
		return fail(cove_err(&err, -EINVAL, "write-tgz takes PATH ITEM..."), &err);
	items = xnew0(struct archive_item, argc);
	for (int i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		if (startswith(argv[i], "tree:") && eq) {
			items[i - 1].name = xstrndup(argv[i] + 5, eq - argv[i] - 5);
			items[i - 1].tree = eq + 1;
		} else if (startswith(argv[i], "fd:")) {
			r = item_data(argv[i] + 3, &items[i - 1], &err);
			if (r < 0)
				return fail(r, &err);
		} else {
			return fail(cove_err(&err, -EINVAL, "Bad item '%s'", argv[i]), &err);
		}
	}
	r = archive_write_tgz(argv[0], items, argc - 1, &err);
	return r < 0 ? fail(r, &err) : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && streq(argv[1], "extract"))
		return do_extract(argc - 2, argv + 2);
	if (argc >= 2 && streq(argv[1], "write-tgz"))
		return do_write(argc - 2, argv + 2);
	fprintf(stderr, "usage: cove-archive extract|write-tgz ...\n");
	return EINVAL;
}
