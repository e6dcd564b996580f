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
#include <stdbool.h>

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
/* dir (metadata.yaml, rootfs/) and its tarball become the image named by the tarball's sha256. */
int image_commit(const char *images_dir, const char *dir, const char *tarball,
		 struct image_result *res, struct cove_error *err);

/* Progress of work on the thread pool, published in the operation's metadata as {key: text}. */
struct operation;
struct image_progress;
struct image_progress *image_progress_new(struct operation *op, const char *key);
/* From any thread; p may be NULL. */
void image_progress_set(struct image_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* On the loop thread, once the work is done: no more updates are published. */
void image_progress_free(struct image_progress *p);

/* Build a Debian image with the debian template (debootstrap, offline from the host's mirror or cache). */
bool image_release_valid(const char *release);
int image_build_debian(const char *images_dir, const char *release, struct image_progress *p,
		       struct image_result *ret, struct cove_error *err);

/* Import an uploaded unified tarball (moved into the image store on success). */
int image_import_tarball(const char *images_dir, const char *upload, struct image_result *ret,
			 struct cove_error *err);
/* Import a split image: metadata and rootfs tarballs (both moved into the store, or removed). */
int image_import_split(const char *images_dir, const char *meta, const char *rootfs,
		       struct image_result *ret, struct cove_error *err);
/*
 * A multipart/form-data upload (parts "metadata" and "rootfs") saved into
 * two temporary files of the image store: 1 and the paths; 0 if the request
 * is not multipart; < 0 with err on a bad upload (nothing left behind).
 */
struct request;
int image_split_upload(struct request *req, char **ret_meta, char **ret_rootfs,
		       char **ret_filename, struct cove_error *err);
/* The X-LXD-fingerprint, X-LXD-public and X-LXD-properties headers of an upload. */
struct image_upload_opts {
	char *fingerprint;  /* owned: expected, or NULL */
	bool public;
	json_t *properties; /* owned: added to the image's */
};
int image_upload_options(struct request *req, struct image_upload_opts *o, struct cove_error *err);
/* GET /1.0/images/FP/export of a split image: both files as multipart/form-data (false: not split). */
bool image_split_export(struct request *req, const struct db_image *img);
/* Read dir/metadata.yaml into res (architecture, created_at, properties). */
int image_parse_metadata(const char *dir, struct image_result *res, struct cove_error *err);

/* multipart/form-data: fill data/len of the parts whose name matches (borrowed from body). */
struct image_part {
	const char *name;
	const char *data;
	size_t len;
};
int image_multipart_parse(const char *body, size_t len, const char *content_type,
			  struct image_part *parts, size_t n_parts, struct cove_error *err);

/* Copy an image's rootfs (and its metadata.yaml and templates/ next to dest) to dest (which must not exist). */
int image_copy_rootfs(const char *images_dir, const char *fingerprint, const char *dest,
		      struct cove_error *err);
/* Remove an image's files. */
int image_remove_files(const char *images_dir, const char *fingerprint);

json_t *image_to_json(const struct db_image *i);
/* The ImagePut fields (auto_update, properties, public, expires_at, profiles): the ETag's source. */
json_t *image_put_json(const struct db_image *i);

/* PUT and PATCH /1.0/images/FP (api/api-images-edit.c) */
void api_image_put(struct request *req, char **params);
void api_image_patch(struct request *req, char **params);
/* An instance created from the image without profiles in its request gets the image's. */
void image_default_profiles(const char *fingerprint, json_t **profiles);
/* At start-up: remove temporary files and images without a database row. */
void image_store_cleanup(const char *images_dir);
