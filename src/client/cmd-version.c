/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove version: the client's version and the server's (GET /1.0), or
 * "unreachable" when coved does not answer, as `lxc version` prints them.
 */
#include <stdio.h>

#include "api.h"
#include "client.h"

int cmd_version(int argc, char **argv, struct cove_error *err)
{
	json_t *meta = NULL;
	const char *v = NULL;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "h", (const struct option[]){{}}, err)) != -1)
		if (r < 0)
			return r;
	if (argc - optind > 1)
		return client_check_args(argc - optind, 0, 1, "cove version [<remote>:]", err);
	printf("Client version: %s\n", COVE_VERSION);
	r = api_get("/1.0", &meta, NULL, NULL);
	if (r >= 0)
		v = json_string_value(
		    json_object_get(json_object_get(meta, "environment"), "server_version"));
	printf("Server version: %s\n", v ?: "unreachable");
	json_decref(meta);
	return 0;
}
