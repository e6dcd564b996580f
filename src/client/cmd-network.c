/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove network list|show: /1.0/networks as `lxc network` shows them
 * (NAME, TYPE, MANAGED, IPV4, IPV6, DESCRIPTION, USED BY, STATE).
 */
#include <errno.h>
#include <stdio.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "format.h"
#include "http.h"
#include "strv.h"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

static char *upper(const char *s)
{
	char *u = xstrdup(s);

	for (char *p = u; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	return u;
}

static int net_list(int argc, char **argv, struct cove_error *err)
{
	_cleanup_(table_done) struct table t = {};
	enum format fmt = FORMAT_TABLE;
	json_t *list = NULL, *p;
	size_t i;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "f:", (const struct option[]){
		{ "format", required_argument, NULL, 'f' }, {} }, err)) != -1)
		if (r < 0 || (fmt = format_from_string(optarg)) < 0)
			return r < 0 ? r : cove_err(err, -EINVAL, "Invalid format \"%s\"", optarg);
	r = api_get("/1.0/networks?recursion=1", &list, NULL, err);
	if (r < 0)
		return r;
	t.header = strv_split("NAME,TYPE,MANAGED,IPV4,IPV6,DESCRIPTION,USED BY,STATE", ",");
	json_array_foreach(list, i, p) {
		char **row = NULL;
		strv_push_dup(&row, str(p, "name"));
		strv_push_dup(&row, str(p, "type"));
		strv_push_dup(&row, json_is_true(json_object_get(p, "managed")) ? "YES" : "NO");
		strv_push_dup(&row, str(json_object_get(p, "config"), "ipv4.address"));
		strv_push_dup(&row, str(json_object_get(p, "config"), "ipv6.address"));
		strv_push_dup(&row, str(p, "description"));
		strv_push(&row, xasprintf("%zu", json_array_size(json_object_get(p, "used_by"))));
		strv_push(&row, upper(str(p, "status")));
		table_add_row(&t, row);
	}
	table_sort(&t, 0);
	r = format_render(stdout, fmt, &t, list, err);
	json_decref(list);
	return r;
}

static int net_show(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *e = NULL, *path = NULL;
	json_t *p = NULL;
	int r;

	r = client_check_args(argc - 1, 1, 1, "cove network show [<remote>:]<network>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	e = http_escape(argv[1]);
	path = xasprintf("/1.0/networks/%s", e);
	r = api_get(path, &p, NULL, err);
	if (r < 0)
		return r;
	client_print_yaml(p);
	json_decref(p);
	return 0;
}

int cmd_network(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
		{ "list", net_list, "List available networks" },
		{ "show", net_show, "Show network configurations" },
		{}
	};
	return client_subcommand(sub, "network", argc, argv, err);
}
