/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove storage: pools (list, show, create, delete, set, unset, get, edit,
 * info) and custom volumes (storage volume create, list, show, delete,
 * rename, set, unset, get, edit, attach, detach), as LXD 5.0's
 * `lxc storage` prints and sends them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "client-internal.h"
#include "format.h"
#include "http.h"
#include "strutil.h"
#include "strv.h"
#include "yaml.h"

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

static int need(int argc, int min, int max, const char *usage, struct cove_error *err)
{
	_cleanup_free_ char *u = xasprintf("cove storage %s", usage);

	return client_check_args(argc - 1, min, max, u, err);
}

#define NEED(min, max, usage)                                                                      \
	do {                                                                                       \
		int _r = need(argc, min, max, usage, err);                                         \
		if (_r != 0)                                                                       \
			return _r > 0 ? 0 : _r;                                                    \
	} while (0)

static char *pool_path(const char *pool)
{
	_cleanup_free_ char *e = http_escape(pool);

	return xasprintf("/1.0/storage-pools/%s", e);
}

static char *volume_path(const char *pool, const char *volume)
{
	_cleanup_free_ char *p = pool_path(pool), *e = http_escape(volume);

	return xasprintf("%s/volumes/custom/%s", p, e);
}

static int sync_call(const char *method, const char *path, json_t *body, const char *etag,
		     struct cove_error *err)
{
	struct api_response resp = {};
	int r = api_request(method, path, body, etag, &resp, err);

	api_response_done(&resp);
	json_decref(body);
	return r;
}

/* KEY=VALUE... (or KEY VALUE) into obj. */
static int kv_into(json_t *obj, int argc, char **argv, struct cove_error *err)
{
	if (argc == 2 && !strchr(argv[0], '=')) {
		json_object_set_new(obj, argv[0], json_string(argv[1]));
		return 0;
	}
	for (int i = 0; i < argc; i++) {
		_cleanup_free_ char *k = NULL, *v = NULL;

		if (client_split_kv(argv[i], &k, &v) < 0)
			return cove_err(err, -EINVAL, "Bad key=value pair: %s", argv[i]);
		json_object_set_new(obj, k, json_string(v));
	}
	return 0;
}

/* pools */

int storage_list_render(json_t *list, enum format fmt, struct cove_error *err)
{
	_cleanup_(table_done) struct table t = {};
	json_t *p;
	size_t i;

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
	return format_render(stdout, fmt, &t, list, err);
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

static int pool_create(int argc, char **argv, struct cove_error *err)
{
	json_t *cfg = json_object();
	int r;

	NEED(2, -1, "create [<remote>:]<pool> <driver> [key=value...]");
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
		      NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Storage pool %s created\n", argv[1]);
	return r;
}

static int pool_delete(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	int r;

	NEED(1, 1, "delete [<remote>:]<pool>");
	path = pool_path(argv[1]);
	r = sync_call("DELETE", path, NULL, NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Storage pool %s deleted\n", argv[1]);
	return r;
}

static json_t *writable(json_t *o)
{
	return json_pack("{sO sO}", "config", json_object_get(o, "config") ?: json_object(),
			 "description", json_object_get(o, "description") ?: json_string(""));
}

/* GET path, set or unset config keys, PUT with If-Match. */
static int update_config(const char *path, int argc, char **argv, bool unset,
			 struct cove_error *err)
{
	_cleanup_free_ char *etag = NULL;
	json_t *o = NULL, *cfg;
	int r;

	r = api_get(path, &o, &etag, err);
	if (r < 0)
		return r;
	cfg = json_object_get(o, "config");
	if (!json_is_object(cfg)) {
		cfg = json_object();
		json_object_set_new(o, "config", cfg);
	}
	if (unset) {
		for (int i = 0; i < argc && r >= 0; i++)
			if (json_object_del(cfg, argv[i]) < 0)
				r = cove_err(err, -ENOENT, "Can't unset key '%s', it's not currently set",
					     argv[i]);
	} else
		r = kv_into(cfg, argc, argv, err);
	if (r >= 0)
		r = sync_call("PUT", path, writable(o), etag, err);
	json_decref(o);
	return r;
}

static int pool_set(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;

	NEED(2, -1, "set [<remote>:]<pool> <key> <value>");
	path = pool_path(argv[1]);
	return update_config(path, argc - 2, argv + 2, false, err);
}

static int pool_unset(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;

	NEED(2, 2, "unset [<remote>:]<pool> <key>");
	path = pool_path(argv[1]);
	return update_config(path, 1, argv + 2, true, err);
}

static int print_key(const char *path, const char *key, struct cove_error *err)
{
	json_t *o = NULL;
	int r = api_get(path, &o, NULL, err);

	if (r < 0)
		return r;
	printf("%s\n", str(json_object_get(o, "config"), key));
	json_decref(o);
	return 0;
}

static int pool_get(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;

	NEED(2, 2, "get [<remote>:]<pool> <key>");
	path = pool_path(argv[1]);
	return print_key(path, argv[2], err);
}

/* YAML from stdin or $EDITOR, then PUT config and description. */
static int edit_object(const char *path, struct cove_error *err)
{
	json_t *o = NULL, *neu = NULL;
	int r;

	r = api_get(path, &o, NULL, err);
	if (r < 0)
		return r;
	r = config_edit_text(o, &neu, err);
	json_decref(o);
	if (r < 0)
		return r;
	yaml_stringify_values(json_object_get(neu, "config"));
	r = sync_call("PUT", path, writable(neu), NULL, err);
	json_decref(neu);
	return r;
}

static int pool_edit(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;

	NEED(1, 1, "edit [<remote>:]<pool>");
	path = pool_path(argv[1]);
	return edit_object(path, err);
}

/* LXD's GetByteSizeStringIEC(n, 2): 18.80GiB */
static char *human(long long n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)n;
	size_t i = 0;

	if (n < 1024)
		return xasprintf("%lldB", n);
	while (v >= 1024 && i + 1 < ELEMENTSOF(units)) {
		v /= 1024;
		i++;
	}
	return xasprintf("%.2f%s", v, units[i]);
}

/* used_by grouped as `lxc storage info` prints it: images, instances, profiles, volumes */
static void print_used_by(json_t *used_by)
{
	static const struct {
		const char *group, *prefix;
	} groups[] = {
		{ "images", "/1.0/images/" },
		{ "instances", "/1.0/instances/" },
		{ "profiles", "/1.0/profiles/" },
		{ "volumes", "/volumes/custom/" },
	};
	json_t *u;
	size_t k;

	printf("used by:\n");
	for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
		bool header = false;

		json_array_foreach (used_by, k, u) {
			const char *url = json_string_value(u) ?: "";
			const char *name = g == 3 ? strstr(url, groups[g].prefix)
						  : startswith(url, groups[g].prefix);

			if (!name)
				continue;
			if (g == 3)
				name += strlen(groups[g].prefix);
			if (!header)
				printf("  %s:\n", groups[g].group);
			header = true;
			printf("  - %s\n", name);
		}
	}
}

static int pool_info(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL, *res = NULL, *used = NULL, *total = NULL;
	json_t *p = NULL, *rs = NULL;
	int r;

	NEED(1, 1, "info [<remote>:]<pool>");
	path = pool_path(argv[1]);
	r = api_get(path, &p, NULL, err);
	if (r < 0)
		return r;
	res = xasprintf("%s/resources", path);
	r = api_get(res, &rs, NULL, err);
	if (r < 0) {
		json_decref(p);
		return r;
	}
	used = human(json_integer_value(json_object_get(json_object_get(rs, "space"), "used")));
	total = human(json_integer_value(json_object_get(json_object_get(rs, "space"), "total")));
	printf("info:\n  description: \"%s\"\n  driver: %s\n  name: %s\n  space used: %s\n"
	       "  total space: %s\n",
	       str(p, "description"), str(p, "driver"), str(p, "name"), used, total);
	client_sort_used_by(p);
	print_used_by(json_object_get(p, "used_by"));
	json_decref(p);
	json_decref(rs);
	return 0;
}

/* volumes */

static int vol_create(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *base = NULL, *path = NULL;
	json_t *cfg = json_object();
	int r;

	NEED(2, -1, "volume create [<remote>:]<pool> <volume> [key=value...]");
	r = kv_into(cfg, argc - 3, argv + 3, err);
	if (r < 0) {
		json_decref(cfg);
		return r;
	}
	base = pool_path(argv[1]);
	path = xasprintf("%s/volumes/custom", base);
	r = sync_call("POST", path,
		      json_pack("{so ss ss ss s{ss ss ss ss sb sb} ss}", "config", cfg, "description",
				"", "name", argv[2], "type", "custom", "source", "name", "", "type",
				"", "pool", "", "certificate", "", "volume_only", 0, "refresh", 0,
				"content_type", "filesystem"),
		      NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Storage volume %s created\n", argv[2]);
	return r;
}

/* "custom/NAME" or "NAME" -> NAME; other types are refused. */
static int vol_name(const char *arg, const char **ret, struct cove_error *err)
{
	const char *rest = startswith(arg, "custom/");

	if (rest) {
		*ret = rest;
		return 0;
	}
	if (strchr(arg, '/'))
		return cove_err(err, -EINVAL, "Only custom volumes can be managed here: %s", arg);
	*ret = arg;
	return 0;
}

static int vol_delete(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	const char *name = NULL;
	int r;

	NEED(2, 2, "volume delete [<remote>:]<pool> <volume>");
	r = vol_name(argv[2], &name, err);
	if (r < 0)
		return r;
	path = volume_path(argv[1], name);
	r = sync_call("DELETE", path, NULL, NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Storage volume %s deleted\n", name);
	return r;
}

static int vol_list_render(json_t *list, enum format fmt, struct cove_error *err)
{
	_cleanup_(table_done) struct table t = {};
	json_t *v;
	size_t i;

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
	table_sort(&t, 1);
	table_sort(&t, 0);
	return format_render(stdout, fmt, &t, list, err);
}

static int vol_list(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *base = NULL, *path = NULL;
	int pos = 0;

	/* the pool is the first non-option argument; client_list_cmd parses -f */
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-' && (i == 1 || (!streq(argv[i - 1], "-f") &&
						     !streq(argv[i - 1], "--format")))) {
			pos = i;
			break;
		}
	if (pos == 0)
		return need(1, 1, 1, "volume list [<remote>:]<pool>", err) > 0 ? 0 : -EINVAL;
	for (int i = pos + 1; i < argc; i++)
		if (argv[i][0] != '-' && !streq(argv[i - 1], "-f") && !streq(argv[i - 1], "--format"))
			return cove_err(err, -EINVAL, "Invalid number of arguments");
	base = pool_path(argv[pos]);
	path = xasprintf("%s/volumes?recursion=1", base);
	for (int i = pos; i + 1 < argc; i++)
		argv[i] = argv[i + 1];
	return client_list_cmd(argc - 1, argv, path, vol_list_render, err);
}

static int vol_show(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	const char *name = NULL;
	json_t *v = NULL;
	int r;

	NEED(2, 2, "volume show [<remote>:]<pool> <volume>");
	r = vol_name(argv[2], &name, err);
	if (r < 0)
		return r;
	path = volume_path(argv[1], name);
	r = api_get(path, &v, NULL, err);
	if (r < 0)
		return r;
	client_print_object(v);
	json_decref(v);
	return 0;
}

static int vol_rename(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	const char *name = NULL;
	int r;

	NEED(3, 3, "volume rename [<remote>:]<pool> <old name> <new name>");
	r = vol_name(argv[2], &name, err);
	if (r < 0)
		return r;
	path = volume_path(argv[1], name);
	r = sync_call("POST", path, json_pack("{ss ss}", "name", argv[3], "pool", ""), NULL, err);
	if (r >= 0 && !arg_quiet)
		printf("Renamed storage volume from \"%s\" to \"%s\"\n", name, argv[3]);
	return r;
}

static int vol_set_unset(int argc, char **argv, bool unset, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	const char *name = NULL;
	int r;

	r = vol_name(argv[2], &name, err);
	if (r < 0)
		return r;
	path = volume_path(argv[1], name);
	return update_config(path, argc - 3, argv + 3, unset, err);
}

static int vol_set(int argc, char **argv, struct cove_error *err)
{
	NEED(3, -1, "volume set [<remote>:]<pool> <volume> <key>=<value>...");
	return vol_set_unset(argc, argv, false, err);
}

static int vol_unset(int argc, char **argv, struct cove_error *err)
{
	NEED(3, 3, "volume unset [<remote>:]<pool> <volume> <key>");
	return vol_set_unset(argc, argv, true, err);
}

static int vol_get(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	const char *name = NULL;
	int r;

	NEED(3, 3, "volume get [<remote>:]<pool> <volume> <key>");
	r = vol_name(argv[2], &name, err);
	if (r < 0)
		return r;
	path = volume_path(argv[1], name);
	return print_key(path, argv[3], err);
}

static int vol_edit(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	const char *name = NULL;
	int r;

	NEED(2, 2, "volume edit [<remote>:]<pool> <volume>");
	r = vol_name(argv[2], &name, err);
	if (r < 0)
		return r;
	path = volume_path(argv[1], name);
	return edit_object(path, err);
}

/* attach POOL VOLUME INSTANCE [DEVICE] PATH: a disk device named DEVICE (default VOLUME) */
static int vol_attach(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *pool = NULL, *src = NULL, *p = NULL;
	const char *name = NULL, *dev, *path;
	bool quiet = arg_quiet;
	int r;

	NEED(4, 5, "volume attach [<remote>:]<pool> <volume> <instance> [<device name>] <path>");
	r = vol_name(argv[2], &name, err);
	if (r < 0)
		return r;
	dev = argc == 6 ? argv[4] : name;
	path = argv[argc - 1];
	pool = xasprintf("pool=%s", argv[1]);
	src = xasprintf("source=%s", name);
	p = xasprintf("path=%s", path);
	arg_quiet = true;
	r = config_device(8,
			  (char *[]){ "device", "add", argv[3], (char *)dev, "disk", pool, src, p,
				      NULL },
			  err);
	arg_quiet = quiet;
	return r;
}

static int vol_detach(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *ipath = NULL;
	const char *name = NULL, *dev = NULL, *k;
	json_t *inst = NULL, *d;
	bool quiet = arg_quiet;
	int r;

	NEED(3, 4, "volume detach [<remote>:]<pool> <volume> <instance> [<device name>]");
	r = vol_name(argv[2], &name, err);
	if (r < 0)
		return r;
	ipath = api_instance_path(argv[3]);
	r = api_get(ipath, &inst, NULL, err);
	if (r < 0)
		return r;
	if (argc == 5)
		dev = argv[4];
	else
		json_object_foreach (json_object_get(inst, "devices"), k, d)
			if (streq(str(d, "type"), "disk") && streq(str(d, "pool"), argv[1]) &&
			    streq(str(d, "source"), name)) {
				dev = k;
				break;
			}
	if (!dev) {
		json_decref(inst);
		return cove_err(err, -ENOENT, "No device found for this storage volume");
	}
	dev = xstrdup(dev);
	json_decref(inst);
	arg_quiet = true;
	r = config_device(4, (char *[]){ "device", "remove", argv[3], (char *)dev, NULL }, err);
	arg_quiet = quiet;
	free((char *)dev);
	return r;
}

static int pool_volume(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
	    {"attach", vol_attach, "Attach new storage volumes to instances"},
	    {"create", vol_create, "Create new custom storage volumes"},
	    {"delete", vol_delete, "Delete storage volumes"},
	    {"detach", vol_detach, "Detach storage volumes from instances"},
	    {"edit", vol_edit, "Edit storage volume configurations as YAML"},
	    {"get", vol_get, "Get values for storage volume configuration keys"},
	    {"list", vol_list, "List storage volumes"},
	    {"rename", vol_rename, "Rename storage volumes"},
	    {"set", vol_set, "Set storage volume configuration keys"},
	    {"show", vol_show, "Show storage volume configurations"},
	    {"unset", vol_unset, "Unset storage volume configuration keys"},
	    {}};
	return client_subcommand(sub, "storage volume", argc, argv, err);
}

int cmd_storage(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
	    {"create", pool_create, "Create storage pools"},
	    {"delete", pool_delete, "Delete storage pools"},
	    {"edit", pool_edit, "Edit storage pool configurations as YAML"},
	    {"get", pool_get, "Get values for storage pool configuration keys"},
	    {"info", pool_info, "Show useful information about storage pools"},
	    {"list", pool_list, "List available storage pools"},
	    {"set", pool_set, "Set storage pool configuration keys"},
	    {"show", pool_show, "Show storage pool configurations and resources"},
	    {"unset", pool_unset, "Unset storage pool configuration keys"},
	    {"volume", pool_volume, "Manage storage volumes"},
	    {}};
	return client_subcommand(sub, "storage", argc, argv, err);
}
