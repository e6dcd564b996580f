/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the storage backends (storage*.c) only. */
#pragma once

#include "storage.h"

/* Run argv (PATH lookup), its stderr kept; a failure's first stderr line becomes the message. */
int storage_run(char *const argv[], struct cove_error *err);
/* Delete the subvolume name below dfd (path is for messages); -errno, no message. */
int btrfs_subvolume_delete_at(int dfd, const char *name, const char *path);
/* cp -a the contents of src into the existing directory dst. */
int storage_copy_tree(const char *src, const char *dst, struct cove_error *err);
