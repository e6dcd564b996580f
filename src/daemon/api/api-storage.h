/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by api-storage.c (pools) and api-storage-volumes.c (volumes). */
#pragma once

#include <jansson.h>

#include "router.h"

/* instances (root disk), profiles (root disk) and custom volumes of pool, as URLs */
json_t *storage_pool_used_by(const char *pool);

void storage_volumes_list(struct request *req, char **params);
void storage_volumes_list_type(struct request *req, char **params);
void storage_volume_create(struct request *req, char **params);
void storage_volume_create_any(struct request *req, char **params);
void storage_volume_get(struct request *req, char **params);
void storage_volume_put(struct request *req, char **params);
void storage_volume_patch(struct request *req, char **params);
void storage_volume_rename(struct request *req, char **params);
void storage_volume_delete(struct request *req, char **params);
void storage_volume_state(struct request *req, char **params);

#define STORAGE_VOLUME_ROUTES                                                          \
	{ HTTP_GET, "/1.0/storage-pools/*/volumes", storage_volumes_list },            \
	{ HTTP_POST, "/1.0/storage-pools/*/volumes", storage_volume_create_any },      \
	{ HTTP_GET, "/1.0/storage-pools/*/volumes/*", storage_volumes_list_type },     \
	{ HTTP_POST, "/1.0/storage-pools/*/volumes/*", storage_volume_create },        \
	{ HTTP_GET, "/1.0/storage-pools/*/volumes/*/*/state", storage_volume_state },  \
	{ HTTP_GET, "/1.0/storage-pools/*/volumes/*/*", storage_volume_get },          \
	{ HTTP_PUT, "/1.0/storage-pools/*/volumes/*/*", storage_volume_put },          \
	{ HTTP_PATCH, "/1.0/storage-pools/*/volumes/*/*", storage_volume_patch },      \
	{ HTTP_POST, "/1.0/storage-pools/*/volumes/*/*", storage_volume_rename },      \
	{ HTTP_DELETE, "/1.0/storage-pools/*/volumes/*/*", storage_volume_delete }
