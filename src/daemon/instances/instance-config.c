/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Instance config keys: one table row per key (or key prefix) with its
 * value check, and the translation of an expanded config into the LXC
 * config libcove runs. Error texts follow LXD's.
 *
 * limits.* become lxc.cgroup2.* lines (instance-limits.c).
 * Containers are unprivileged unless security.privileged=true
 * (lxc.idmap lines from instance-idmap.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cove/conf.h"
#include "daemon.h"
#include "instance.h"
#include "instance-idmap.h"
#include "instance-limits.h"
#include "instance-snapshot.h"
#include "instance-storage.h"
#include "networks/network.h"
#include "proxy/proxy.h"
#include "strutil.h"
#include "util.h"

typedef int (*value_check_fn)(const char *v);

static int check_any(const char *v)
{
	return 0;
}

static int check_bool(const char *v)
{
	bool b;

	return isempty(v) ? 0 : parse_bool(v, &b);
}

static int check_int(const char *v)
{
	int i;

	return isempty(v) ? 0 : safe_atoi(v, &i);
}

static bool config_true(const json_t *config, const char *key)
{
	const char *v = json_string_value(json_object_get(config, key));
	bool b = false;

	return v && parse_bool(v, &b) >= 0 && b;
}

static struct cove_error raw_lxc_err; /* why the last check_raw_lxc() failed */

static int check_raw_lxc(const char *v)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();

	raw_lxc_err = (struct cove_error){ 0 };
	return cove_conf_load_string(c, "raw.lxc", v ? v : "", &raw_lxc_err);
}

static const struct {
	const char *key;
	bool prefix;
	value_check_fn check;
} keys[] = {
	{ "boot.autostart", false, check_bool },
	{ "boot.autostart.delay", false, check_int },
	{ "boot.autostart.priority", false, check_int },
	{ "boot.host_shutdown_timeout", false, check_int },
	{ "boot.stop.priority", false, check_int },
	{ "limits.cpu", false, limits_check_cpu },
	{ "limits.cpu.allowance", false, limits_check_allowance },
	{ "limits.cpu.priority", false, limits_check_priority },
	{ "limits.memory", false, limits_check_memory },
	{ "limits.memory.enforce", false, limits_check_enforce },
	{ "limits.memory.swap", false, check_bool },
	{ "limits.processes", false, limits_check_processes },
	{ "raw.lxc", false, check_raw_lxc },
	{ "security.nesting", false, check_bool },
	{ "security.privileged", false, check_bool },
	{ "snapshots.expiry", false, snapshot_check_expiry },
	{ "snapshots.pattern", false, snapshot_check_pattern },
	{ "snapshots.schedule", false, snapshot_check_schedule },
	{ "snapshots.schedule.stopped", false, check_bool },
	{ "environment.", true, check_any },
	{ "image.", true, check_any },
	{ "user.", true, check_any },
	{ "volatile.", true, check_any },
};

int instance_config_validate(const json_t *config, struct cove_error *err)
{
	const char *k;
	json_t *v;

	if (!config || json_is_null(config))
		return 0;
	if (!json_is_object(config))
		return cove_err(err, -EINVAL, "Invalid config: config must be a map");
	json_object_foreach((json_t *)config, k, v) {
		bool known = false;

		if (!json_is_string(v))
			return cove_err(err, -EINVAL,
					"json: cannot unmarshal %s into Go value of type string (key '%s')",
					json_is_number(v) ? "number" : json_is_boolean(v) ? "bool" : "value", k);
		for (size_t i = 0; i < ELEMENTSOF(keys) && !known; i++) {
			bool match = keys[i].prefix ? startswith(k, keys[i].key) && strlen(k) > strlen(keys[i].key)
						    : streq(k, keys[i].key);

			if (!match)
				continue;
			known = true;
			if (keys[i].check(json_string_value(v)) < 0 && keys[i].check == check_raw_lxc)
				return cove_err(err, -EINVAL, "Invalid config: Invalid value for \"%s\": %s", k,
						raw_lxc_err.msg);
			if (keys[i].check(json_string_value(v)) < 0)
				return cove_err(err, -EINVAL,
						"Invalid config: Invalid value for \"%s\": \"%s\"", k,
						json_string_value(v));
		}
		if (!known)
			return cove_err(err, -EINVAL, "Invalid config: Unknown configuration key: %s", k);
	}
	return 0;
}

int instance_devices_validate(const json_t *devices, struct cove_error *err)
{
	const char *k;
	json_t *d;

	if (!devices || json_is_null(devices))
		return 0;
	if (!json_is_object(devices))
		return cove_err(err, -EINVAL, "Invalid devices: devices must be a map");
	json_object_foreach((json_t *)devices, k, d) {
		const char *type = json_string_value(json_object_get(d, "type"));

		if (!util_json_is_string_map(d))
			return cove_err(err, -EINVAL, "Invalid devices: device '%s' must be a map of strings", k);
		if (isempty(type))
			return cove_err(err, -EINVAL, "Invalid devices: Missing device type for device \"%s\"", k);
		if (!streq(type, "disk") && !streq(type, "none") && !streq(type, "nic") &&
		    !streq(type, "proxy"))
			return cove_err(err, -EOPNOTSUPP,
					"Invalid devices: Device type \"%s\" is not supported yet", type);
		if (streq(type, "disk") && storage_disk_validate(k, d, err) < 0)
			return -EINVAL;
		if (streq(type, "nic") && network_nic_validate(k, d, err) < 0)
			return -EINVAL;
		if (streq(type, "proxy") && proxy_device_validate(k, d, err) < 0)
			return -EINVAL;
	}
	return 0;
}

int instance_name_validate(const char *name, struct cove_error *err)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0)
		return cove_err(err, -EINVAL, "Invalid instance name: Name is required");
	if (cove_name_validate(name, NULL) < 0 || n > 63)
		return cove_err(err, -EINVAL, "Invalid instance name: Name must be 1-63 characters and contain no '/'");
	if (name[0] == '-' || name[n - 1] == '-' || (name[0] >= '0' && name[0] <= '9'))
		return cove_err(err, -EINVAL,
				"Invalid instance name: Name must not start with a digit or a dash, or end with a dash");
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
			return cove_err(err, -EINVAL,
					"Invalid instance name: Name can only contain alphanumeric and hyphen characters");
	}
	return 0;
}

static void merge(json_t *into, json_t *from)
{
	if (json_is_object(from))
		json_object_update(into, from);
}

int instance_expand(const struct db_instance *i, json_t **ret_config, json_t **ret_devices,
		    struct cove_error *err)
{
	json_t *config = json_object(), *devices = json_object(), *p;
	size_t idx;

	json_array_foreach(i->profiles, idx, p) {
		struct db_profile prof = { 0 };

		if (!json_is_string(p) ||
		    db_profile_get(the_daemon->db, json_string_value(p), &prof, NULL) < 0)
			continue; /* a deleted profile no longer applies */
		merge(config, prof.config);
		merge(devices, prof.devices);
		db_profile_clear(&prof);
	}
	merge(config, i->config);
	merge(devices, i->devices);
	*ret_config = config;
	*ret_devices = devices;
	return 0;
}

static void append(char **text, const char *fmt, const char *a, const char *b)
{
	char *n = xasprintf("%s%s = %s%s\n", *text, fmt, a, b ? b : "");

	free(*text);
	*text = n;
}

static char *lxc_config_text(const char *name, const json_t *config)
{
	_cleanup_free_ char *rootfs = xasprintf("dir:%s/%s/rootfs", the_daemon->lxcpath, name);
	_cleanup_free_ char *log = xasprintf("%s/%s/lxc.log", the_daemon->lxcpath, name);
	_cleanup_free_ char *console = xasprintf("%s/%s/console.log", the_daemon->lxcpath, name);
	_cleanup_free_ char *lim = NULL, *idmap = NULL;
	char *t = xstrdup("# Generated by coved from the instance config: edits are overwritten\n");
	const char *k;
	json_t *v;

	append(&t, "lxc.uts.name", name, NULL);
	append(&t, "lxc.rootfs.path", rootfs, NULL);
	append(&t, "lxc.log.file", log, NULL);
	append(&t, "lxc.console.logfile", console, NULL);
	append(&t, "lxc.autodev", "1", NULL);
	append(&t, "lxc.tty.max", "4", NULL);
	append(&t, "lxc.pty.max", "1024", NULL);
	append(&t, "lxc.signal.halt", "SIGPWR", NULL);
	append(&t, "lxc.mount.auto", "proc:mixed sys:mixed cgroup:mixed", NULL);
	append(&t, "lxc.mount.entry", "shm dev/shm tmpfs defaults,create=dir 0 0", NULL);
	append(&t, "lxc.mount.entry", "mqueue dev/mqueue mqueue defaults,optional,create=dir 0 0",
	       NULL);
	if (config_true(config, "security.nesting")) {
		/* as LXD: a proc and a sysfs the nested container manager can bind from */
		append(&t, "lxc.mount.entry", "proc dev/.lxc/proc proc create=dir,optional 0 0", NULL);
		append(&t, "lxc.mount.entry", "sys dev/.lxc/sys sysfs create=dir,optional 0 0", NULL);
	}
	json_object_foreach((json_t *)config, k, v) {
		const char *var = startswith(k, "environment.");
		_cleanup_free_ char *kv = NULL;

		if (!var)
			continue;
		kv = xasprintf("%s=%s", var, json_string_value(v));
		append(&t, "lxc.environment", kv, NULL);
	}
	idmap = idmap_lxc_config(config);
	if (*idmap) {
		char *n = xasprintf("%s%s", t, idmap);

		free(t);
		t = n;
	}
	lim = limits_lxc_config(config);
	if (*lim) {
		char *n = xasprintf("%s# limits.*\n%s", t, lim);

		free(t);
		t = n;
	}
	v = json_object_get(config, "raw.lxc");
	if (json_is_string(v)) {
		char *n = xasprintf("%s# raw.lxc\n%s\n", t, json_string_value(v));

		free(t);
		t = n;
	}
	return t;
}

int instance_write_lxc_config(const char *name, const json_t *expanded_config, bool for_start,
			      struct cove_error *err)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	_cleanup_free_ char *path = xasprintf("%s/%s/config", the_daemon->lxcpath, name);
	_cleanup_free_ char *text = NULL;
	int r;

	text = lxc_config_text(name, expanded_config);
	r = storage_append_lxc_config(name, expanded_config, for_start, &text, err);
	if (r < 0)
		return r;
	network_append_lxc_config(name, for_start, &text);
	r = cove_conf_load_string(c, path, text, err);
	if (r < 0)
		return cove_err_prefix(err, "Invalid raw.lxc");
	r = cove_conf_check(c, err);
	if (r < 0)
		return r;
	return cove_conf_save(c, path, err);
}

int instance_write_initial_config(const char *name, struct cove_error *err)
{
	_cleanup_json_ json_t *config = NULL, *devices = NULL;
	struct db_instance i = { 0 };
	int r;

	r = db_instance_get(the_daemon->db, name, &i, err);
	if (r < 0)
		return r;
	r = instance_expand(&i, &config, &devices, err);
	db_instance_clear(&i);
	if (r < 0)
		return r;
	return instance_write_lxc_config(name, config, false, err);
}
