/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove storage list|show: /1.0/storage-pools as `lxc storage` shows them
 * (NAME, DRIVER, SOURCE, DESCRIPTION, USED BY, STATE).
 */
#include <errno.h>
#include <stdio.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "client-internal.h"
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

int storage_list_render(json_t *list, enum format fmt, struct cove_error *err)
{
	_cleanup_(table_done) struct table t = {};
	json_t *p;
	size_t i;
	int r;

	t.header = strv_split("NAME,DRIVER,SOURCE,DESCRIPTION,USED BY,STATE", ",");
	json_array_foreach (list, i, p) {
		char **row = NULL;
		strv_push_dup(&row, str(p, "name"));
		strv_push_dup(&row, str(p, "driver"));
		strv_push_dup(&row, str(json_object_get(p, "config"), "source"));
		strv_push_dup(&row, str(p, "description"));
		strv_push(&row, xasprintf("%zu", json_array_size(json_object_get(p, "used_by"))));
		strv_push(&row, upper(str(p, "status")));
		table_add_row(&t, row);
	}
	table_sort(&t, 0);
	r = format_render(stdout, fmt, &t, list, err);
	return r;
}

static int pool_list(int argc, char **argv, struct cove_error *err)
{
	return client_list_cmd(argc, argv, "/1.0/storage-pools?recursion=1", storage_list_render,
			       err);
}

static int pool_show(int argc, char **argv, struct cove_error *err)
{
	return client_show_cmd(argc, argv, "/1.0/storage-pools", "cove storage show [<remote>:]<pool>",
			       err);
}

static int sync_call(const char *method, const char *path, json_t *body, struct cove_error *err)
{
	struct api_response resp = {};
	int r = api_request(method, path, body, NULL, &resp, err);

	api_response_done(&resp);
	json_decref(body);
	return r;
}

static int pool_create(int argc, char **argv, struct cove_error *err)
{
	json_t *cfg;
	int r;

	r = client_check_args(argc - 1, 2, -1, "cove storage create <pool> <driver> [key=value...]",
			      err);
	if (r != 0)
		return r > 0 ? 0 : r;
	cfg = json_object();
	for (int i = 3; i < argc; i++) {
		_cleanup_free_ char *k = NULL, *v = NULL;
		if (client_split_kv(argv[i], &k, &v) < 0) {
			json_decref(cfg);
			return cove_err(err, -EINVAL, "Bad key=value pair: %s", argv[i]);
		}
		json_object_set_new(cfg, k, json_string(v));
	}
	r = sync_call("POST", "/1.0/storage-pools",
		      json_pack("{so ss ss ss}", "config", cfg, "description", "", "name", argv[1],
				"driver", argv[2]),
		      err);
	if (r >= 0 && !arg_quiet)
		printf("Storage pool %s created\n", argv[1]);
	return r;
}

static int pool_delete(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *e = NULL, *path = NULL;
	int r;

	r = client_check_args(argc - 1, 1, 1, "cove storage delete <pool>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	e = http_escape(argv[1]);
	path = xasprintf("/1.0/storage-pools/%s", e);
	r = sync_call("DELETE", path, NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Storage pool %s deleted\n", argv[1]);
	return r;
}

static char *volumes_path(const char *pool)
{
	_cleanup_free_ char *e = http_escape(pool);

	return xasprintf("/1.0/storage-pools/%s/volumes", e);
}

static int vol_create(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *base = NULL, *path = NULL;
	int r;

	r = client_check_args(argc - 1, 2, 2, "cove storage volume create <pool> <volume>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	base = volumes_path(argv[1]);
	path = xasprintf("%s/custom", base);
	r = sync_call("POST", path,
		      json_pack("{s{} ss ss ss s{ss ss ss ss sb sb} ss}", "config", "description",
				"", "name", argv[2], "type", "custom", "source", "name", "", "type",
				"", "pool", "", "certificate", "", "volume_only", 0, "refresh", 0,
				"content_type", "filesystem"),
		      err);
	if (r >= 0 && !arg_quiet)
		printf("Storage volume %s created\n", argv[2]);
	return r;
}

static int vol_delete(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *base = NULL, *e = NULL, *path = NULL;
	int r;

	r = client_check_args(argc - 1, 2, 2, "cove storage volume delete <pool> <volume>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	base = volumes_path(argv[1]);
	e = http_escape(argv[2]);
	path = xasprintf("%s/custom/%s", base, e);
	r = sync_call("DELETE", path, NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Storage volume %s deleted\n", argv[2]);
	return r;
}

static int vol_list(int argc, char **argv, struct cove_error *err)
{
	_cleanup_(table_done) struct table t = {};
	_cleanup_free_ char *base = NULL, *path = NULL;
	json_t *list = NULL, *v;
	size_t i;
	int r;

	r = client_check_args(argc - 1, 1, 1, "cove storage volume list <pool>", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	base = volumes_path(argv[1]);
	path = xasprintf("%s?recursion=1", base);
	r = api_get(path, &list, NULL, err);
	if (r < 0)
		return r;
	t.header = strv_split("TYPE,NAME,DESCRIPTION,CONTENT-TYPE,USED BY", ",");
	json_array_foreach (list, i, v) {
		char **row = NULL;
		strv_push_dup(&row, str(v, "type"));
		strv_push_dup(&row, str(v, "name"));
		strv_push_dup(&row, str(v, "description"));
		strv_push_dup(&row, str(v, "content_type"));
		strv_push(&row, xasprintf("%zu", json_array_size(json_object_get(v, "used_by"))));
		table_add_row(&t, row);
	}
	table_sort(&t, 0);
	format_table(stdout, FORMAT_TABLE, &t);
	json_decref(list);
	return 0;
}

static int pool_volume(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
	    {"create", vol_create, "Create new custom storage volumes"},
	    {"delete", vol_delete, "Delete storage volumes"},
	    {"list", vol_list, "List storage volumes"},
	    {}};
	return client_subcommand(sub, "storage volume", argc, argv, err);
}

int cmd_storage(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
	    {"create", pool_create, "Create storage pools"},
	    {"delete", pool_delete, "Delete storage pools"},
	    {"list", pool_list, "List available storage pools"},
	    {"show", pool_show, "Show storage pool configurations and resources"},
	    {"volume", pool_volume, "Manage storage volumes"},
	    {}};
	return client_subcommand(sub, "storage", argc, argv, err);
}
