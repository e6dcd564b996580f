/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove operation list|show|delete: /1.0/operations as `lxc operation`
 * shows them (ID, TYPE, DESCRIPTION, STATUS, CANCELABLE, CREATED).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "format.h"
#include "http.h"
#include "strutil.h"
#include "strv.h"

static char *upper(const char *s)
{
	char *u = xstrdup(s ?: "");

	for (char *p = u; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	return u;
}

static char **op_row(json_t *op)
{
	char **row = NULL;

	strv_push_dup(&row, json_string_value(json_object_get(op, "id")) ?: "");
	strv_push(&row, upper(json_string_value(json_object_get(op, "class"))));
	strv_push_dup(&row, json_string_value(json_object_get(op, "description")) ?: "");
	strv_push(&row, upper(json_string_value(json_object_get(op, "status"))));
	strv_push_dup(&row, json_is_true(json_object_get(op, "may_cancel")) ? "YES" : "NO");
	strv_push(&row, format_time(json_string_value(json_object_get(op, "created_at")),
				    "%Y/%m/%d %H:%M %Z"));
	return row;
}

static int op_list(int argc, char **argv, struct cove_error *err)
{
	_cleanup_(table_done) struct table t = {};
	enum format fmt = FORMAT_TABLE;
	json_t *groups = NULL, *all = json_array(), *l, *op;
	const char *k;
	size_t i;
	int r;

	client_opt_reset();
	while ((r = client_getopt(
		    argc, argv,
		    "f:", (const struct option[]){{"format", required_argument, NULL, 'f'}, {}},
		    err)) != -1) {
		if (r < 0 || (fmt = format_from_string(optarg)) < 0) {
			json_decref(all);
			return r < 0 ? r : cove_err(err, -EINVAL, "Invalid format \"%s\"", optarg);
		}
	}
	r = api_get("/1.0/operations?recursion=1", &groups, NULL, err);
	if (r < 0) {
		json_decref(all);
		return r;
	}
	t.header = strv_split("ID,TYPE,DESCRIPTION,STATUS,CANCELABLE,CREATED", ",");
	json_object_foreach (groups, k, l)
		json_array_foreach (l, i, op) {
			json_array_append(all, op);
			table_add_row(&t, op_row(op));
		}
	table_sort(&t, 0);
	r = format_render(stdout, fmt, &t, all, err);
	json_decref(groups);
	json_decref(all);
	return r;
}

static int op_show(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *e = NULL, *path = NULL;
	json_t *op = NULL;
	int r;

	r = client_check_args(argc - 1, 1, 1, "cove operation show [<remote>:]<operation>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	e = http_escape(argv[1]);
	path = xasprintf("/1.0/operations/%s", e);
	if (streq(argv[0], "delete")) {
		struct api_response resp = {};
		r = api_request("DELETE", path, NULL, NULL, &resp, err);
		api_response_done(&resp);
		return r;
	}
	r = api_get(path, &op, NULL, err);
	if (r < 0)
		return r;
	client_print_yaml(op);
	json_decref(op);
	return 0;
}

int cmd_operation(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
	    {"delete", op_show, "Delete a background operation (will attempt to cancel)"},
	    {"list", op_list, "List background operations"},
	    {"show", op_show, "Show details on a background operation"},
	    {}};
	return client_subcommand(sub, "operation", argc, argv, err);
}
