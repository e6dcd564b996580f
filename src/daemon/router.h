/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Routes: one table per resource (src/daemon/api/api-<resource>.c), each row
 * a method, a path pattern ('*' matches one path segment) and a handler.
 * Handlers run on the loop thread and answer with one reply_*() call.
 */
#pragma once

#include "request.h"

#define ROUTE_PARAMS_MAX 4

typedef void (*route_fn)(struct request *req, char **params);

struct route {
	int method; /* enum http_method */
	const char *pattern;
	route_fn fn;
};

/* Find the route for req and run it; 404 / 501 envelopes otherwise. */
void router_dispatch(struct request *req);
/* Match path against pattern; params get owned copies of the '*' segments. */
bool router_match(const char *pattern, const char *path, char **params);

/* The tables, NULL-pattern terminated. */
extern const struct route api_root_routes[];
extern const struct route api_certificates_routes[];
/* the server config as GET /1.0 shows it (api-certificates.c) */
json_t *api_server_config(void);
extern const struct route api_operations_routes[];
extern const struct route api_instances_routes[];
extern const struct route api_instance_state_routes[];
extern const struct route api_exec_routes[];
extern const struct route api_images_routes[];
extern const struct route api_profiles_routes[];
extern const struct route api_files_routes[];
extern const struct route api_console_routes[];
struct ws_conn;
/* A websocket of a console operation (api-console.c); -ENOENT when op_id is not one. */
int console_ws_attach(struct ws_conn *c, const char *op_id, const char *query);
extern const struct route api_storage_routes[];
extern const struct route api_networks_routes[];
extern const struct route api_network_acls_routes[];
extern const struct route api_resources_routes[];
