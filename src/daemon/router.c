/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Request routing. The legacy /1.0/containers paths (pylxd uses them) are
 * served by the same handlers as /1.0/instances.
 */
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "api/api-snapshots.h"
#include "events.h"
#include "exec/exec.h"
#include "log.h"
#include "router.h"
#include "server.h"
#include "strutil.h"

LOG_MODULE("router");

static const struct route *const tables[] = {
	api_root_routes,     api_operations_routes, api_instances_routes,
	api_instance_state_routes, api_exec_routes, api_images_routes,
	api_profiles_routes, api_storage_routes,    api_networks_routes, api_network_acls_routes,
	api_files_routes,    api_console_routes,
	api_snapshots_routes, api_backups_routes, api_resources_routes, api_certificates_routes,
};

bool router_match(const char *pattern, const char *path, char **params)
{
	size_t n = 0;

	for (;;) {
		if (*pattern == '*') {
			size_t seg = strcspn(path, "/");

			if (seg == 0 || n >= ROUTE_PARAMS_MAX)
				goto fail;
			params[n++] = xstrndup(path, seg);
			path += seg;
			pattern++;
			continue;
		}
		if (*pattern != *path)
			goto fail;
		if (!*pattern)
			return true;
		pattern++;
		path++;
	}
fail:
	for (size_t i = 0; i < n; i++)
		{
		free(params[i]);
		params[i] = NULL;
	}
	return false;
}

/* /1.0/containers... -> /1.0/instances... */
static char *canonical_path(const char *path)
{
	const char *rest = startswith(path, "/1.0/containers");

	if (rest && (*rest == 0 || *rest == '/'))
		return xasprintf("/1.0/instances%s", rest);
	return xstrdup(path);
}

void router_dispatch(struct request *req)
{
	_cleanup_free_ char *path = canonical_path(req->path);
	bool path_known = false;

	log_debug("%s %s?%s", http_method_to_string(req->method) ?: "?", req->path, req->query);
	/* an untrusted TLS client may only look at the server and ask to be trusted (as LXD) */
	if (req->untrusted && !(req->method == HTTP_GET && (streq(path, "/") || streq(path, "/1.0"))) &&
	    !(req->method == HTTP_POST && streq(path, "/1.0/certificates"))) {
		reply_error(req, 403, "not authorized");
		return;
	}
	for (size_t t = 0; t < ELEMENTSOF(tables); t++) {
		for (const struct route *r = tables[t]; r->pattern; r++) {
			char *params[ROUTE_PARAMS_MAX] = { 0 };

			if (!router_match(r->pattern, path, params))
				continue;
			if (r->method != req->method) {
				path_known = true;
				for (size_t i = 0; i < ROUTE_PARAMS_MAX; i++)
					free(params[i]);
				continue;
			}
			r->fn(req, params);
			for (size_t i = 0; i < ROUTE_PARAMS_MAX; i++)
				free(params[i]);
			return;
		}
	}
	if (path_known)
		reply_error(req, 405, "method not allowed");
	else
		reply_error(req, 404, "not found");
}

int server_ws_attach(struct ws_conn *c, const char *path, const char *query)
{
	char *params[ROUTE_PARAMS_MAX] = { 0 };
	int r = -ENOENT;

	if (streq(path, "/1.0/events"))
		return events_ws_attach(c, query);
	if (router_match("/1.0/operations/*/websocket", path, params)) {
		r = console_ws_attach(c, params[0], query);
		if (r == -ENOENT)
			r = exec_ws_attach(c, params[0], query);
		free(params[0]);
	}
	return r;
}
