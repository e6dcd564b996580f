/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Images: COVE_DIR/images/<fingerprint> is the unified tarball (the
 * fingerprint is its sha256), COVE_DIR/images/<fingerprint>.unpacked/ its
 * contents (metadata.yaml, rootfs/), unpacked once and copied to each new
 * instance. The work functions run on the thread pool and touch only the
 * filesystem; the caller records the result in the database.
 */
#pragma once

#include <jansson.h>

#include "cove/error.h"
#include "db/db.h"

struct image_result {
	char fingerprint[65];
	long long size;
	char *architecture; /* owned */
	char *created_at;   /* owned */
	json_t *properties; /* owned */
	char *filename;     /* owned */
};
void image_result_clear(struct image_result *r);

/* Build the busybox image from the host's static busybox (offline). */
int image_build_busybox(const char *images_dir, struct image_result *ret, struct cove_error *err);
/* Import an uploaded unified tarball (moved into the image store on success). */
int image_import_tarball(const char *images_dir, const char *upload, struct image_result *ret,
			 struct cove_error *err);
/* Copy an image's rootfs to dest (which must not exist). */
int image_copy_rootfs(const char *images_dir, const char *fingerprint, const char *dest,
		      struct cove_error *err);
/* Remove an image's files. */
int image_remove_files(const char *images_dir, const char *fingerprint);

json_t *image_to_json(const struct db_image *i);
/* At start-up: remove temporary files and images without a database row. */
void image_store_cleanup(const char *images_dir);
