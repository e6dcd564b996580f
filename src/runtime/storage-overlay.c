/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "overlay" backing store: a copy-on-write clone of another container's
 * rootfs (lxc-copy -s on a non-btrfs lxcpath). The clone's
 * lxc.rootfs.path is overlay:LOWER:DIR/overlay/delta0; its changes land in
 * delta0. The overlayfs is mounted by the container's start on DIR/rootfs
 * inside the container's own mount namespace, so nothing is left mounted on
 * the host when it stops. The lower rootfs must not change while clones use
 * it (as with LXC).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "log.h"
#include "storage-internal.h"
#include "strutil.h"

LOG_MODULE("storage-overlay");

void cove_overlay_spec_for(const char *lower, const char *dir, struct cove_rootfs_spec *ret)
{
	*ret = (struct cove_rootfs_spec){
	    .kind = COVE_STORAGE_OVERLAY,
	    .path = path_join(dir, "rootfs"),
	    .lower = xstrdup(lower),
	    .upper = xasprintf("%s/overlay/delta0", dir),
	    .work = xasprintf("%s/overlay/work", dir),
	};
}

static bool has_bad_chars(const char *p)
{
	/* overlayfs options are comma separated, with ':' between lower layers */
	return strpbrk(p, ",:\\") != NULL;
}

int cove_overlay_mount(const struct cove_rootfs_spec *spec, struct cove_error *err)
{
	_cleanup_free_ char *opts = NULL;
	const char *dirs[] = {spec->lower, spec->upper, spec->work, spec->path};

	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		struct stat st;

		if (has_bad_chars(dirs[i]))
			return cove_err(err, -EINVAL, "Overlay path '%s' contains ',', ':' or '\\'",
					dirs[i]);
		if (i == 2 && mkdir(dirs[i], 0700) < 0 && errno != EEXIST)
			return cove_err(err, -errno, "Failed to create '%s': %m", dirs[i]);
		if (stat(dirs[i], &st) < 0)
			return cove_err(err, -errno, "Failed to find overlay directory '%s': %m",
					dirs[i]);
		if (!S_ISDIR(st.st_mode))
			return cove_err(err, -ENOTDIR, "Overlay path '%s' is not a directory",
					dirs[i]);
	}
	opts =
	    xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", spec->lower, spec->upper, spec->work);
	if (mount("overlay", spec->path, "overlay", 0, opts) < 0)
		return cove_err(err, -errno, "Failed to mount the overlay rootfs on '%s': %m",
				spec->path);
	return 0;
}
