/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/networks: the host's interfaces, unmanaged (managed bridges are
 * issue 4). Read from /sys/class/net: nothing here changes the host.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "router.h"
#include "strutil.h"

static const char *net_type(const char *name)
{
	_cleanup_free_ char *p = NULL, *type = NULL;

	if (streq(name, "lo"))
		return "loopback";
	p = xasprintf("/sys/class/net/%s/bridge", name);
	if (access(p, F_OK) == 0)
		return "bridge";
	free(p);
	p = xasprintf("/sys/class/net/%s/type", name);
	if (read_one_line(p, &type) >= 0 && streq(type, "1"))
		return "physical";
	return "unknown";
}

static bool iface_exists(const char *name)
{
	_cleanup_free_ char *p = xasprintf("/sys/class/net/%s", name);

	return !strchr(name, '/') && !streq(name, "..") && !streq(name, ".") &&
	       access(p, F_OK) == 0;
}

static json_t *network_json(const char *name)
{
	return json_pack("{s:{}, s:s, s:s, s:s, s:[], s:b, s:s, s:n}", "config", "description", "",
			 "name", name, "type", net_type(name), "used_by", "managed", 0, "status",
			 "", "locations");
}

static void list_networks(struct request *req, char **params)
{
	_cleanup_closedir_ DIR *d = opendir("/sys/class/net");
	int recursion = request_recursion(req);
	json_t *list = json_array();
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		json_array_append_new(list, recursion ? network_json(de->d_name)
						      : json_sprintf("/1.0/networks/%s", de->d_name));
	}
	reply_sync(req, list);
}

static void get_network(struct request *req, char **params)
{
	if (!iface_exists(params[0])) {
		reply_error(req, 404, "Network not found");
		return;
	}
	reply_sync_etag(req, network_json(params[0]), NULL);
}

const struct route api_networks_routes[] = {
	{ HTTP_GET, "/1.0/networks", list_networks },
	{ HTTP_GET, "/1.0/networks/*", get_network },
	{ 0, NULL, NULL },
};
