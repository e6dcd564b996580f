/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `coved init` without options: the questions of `lxd init` (LXD 5.0), in
 * its order, with its defaults and answer parsing (yes/y/no/n in any case,
 * an empty answer takes the default, a bad answer is asked again), building
 * the same preseed document that `coved init --preseed` applies. What coved
 * does not have (clustering, MAAS, a network listener, storage drivers
 * other than the daemon's) is refused and asked again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "alloc.h"
#include "init.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"
#include "../client/yaml.h"

LOG_MODULE("coved-init");

/* Print the question, read one line: -EIO at the end of the input. */
static int ask(const char *question, const char *def, char **ret)
{
	_cleanup_free_ char *line = NULL;
	size_t n = 0;
	ssize_t len;

	fputs(question, stdout);
	fflush(stdout);
	len = getline(&line, &n, stdin);
	if (len < 0)
		return log_error_errno(-EIO, "Failed to read an answer: EOF");
	line[strcspn(line, "\r\n")] = 0;
	*ret = xstrdup(isempty(strstrip(line)) ? def : strstrip(line));
	return 0;
}

static void invalid(const char *fmt, ...) _printf_(1, 2);
static void invalid(const char *fmt, ...)
{
	va_list ap;

	if (!fmt) {
		fputs("Invalid input, try again.\n\n", stderr);
		return;
	}
	fputs("Invalid input: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
}

static int ask_bool(const char *question, const char *def, bool *ret)
{
	for (;;) {
		_cleanup_free_ char *a = NULL;
		int r = ask(question, def, &a);

		if (r < 0)
			return r;
		if (strcasecmp(a, "yes") == 0 || strcasecmp(a, "y") == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(a, "no") == 0 || strcasecmp(a, "n") == 0) {
			*ret = false;
			return 0;
		}
		invalid(NULL);
	}
}

/* A yes/no question whose "yes" coved cannot do: asked until the answer is no. */
static int ask_no(const char *question, const char *why)
{
	for (;;) {
		bool yes;
		int r = ask_bool(question, "no", &yes);

		if (r < 0 || !yes)
			return r;
		invalid("%s", why);
	}
}

typedef const char *(*check_fn)(const char *v); /* NULL: fine, else why not */

static int ask_string(const char *question, const char *def, check_fn check, char **ret)
{
	for (;;) {
		_cleanup_free_ char *a = NULL;
		const char *why;
		int r = ask(question, def, &a);

		if (r < 0)
			return r;
		why = check ? check(a) : NULL;
		if (!why && !isempty(a)) {
			*ret = TAKE_PTR(a);
			return 0;
		}
		if (why)
			invalid("%s", why);
		else
			invalid(NULL);
	}
}

static bool exists(const char *collection, const char *name)
{
	_cleanup_free_ char *path = xasprintf("/1.0/%s/%s", collection, name);
	json_t *resp = NULL;
	int status = 0;

	(void)init_http("GET", path, NULL, &status, &resp);
	if (resp)
		json_decref(resp);
	return status == 200;
}

static const char *check_name(const char *v)
{
	static char why[128];

	if (strlen(v) > 15)
		return "Network name too long";
	if (streq(v, ".") || streq(v, "..") || v[0] == '-')
		return "Invalid network name";
	for (const char *c = v; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.')) {
			snprintf(why, sizeof(why), "Network name contains invalid character '%c'", *c);
			return why;
		}
	}
	return NULL;
}

/* "auto", "none" or ADDRESS/PREFIX of a host in the subnet */
static const char *check_cidr(const char *v, int family)
{
	static char why[256];
	unsigned char buf[16];
	const char *slash = strchr(v, '/');
	_cleanup_free_ char *addr = NULL;
	unsigned prefix;

	if (streq(v, "auto") || streq(v, "none"))
		return NULL;
	snprintf(why, sizeof(why), "Not an IP%s address in CIDR notation \"%s\"",
		 family == AF_INET ? "v4" : "v6", v);
	if (!slash || safe_atou(slash + 1, &prefix) < 0 || prefix > (family == AF_INET ? 32u : 128u))
		return why;
	addr = xstrndup(v, (size_t)(slash - v));
	if (inet_pton(family, addr, buf) != 1)
		return why;
	return NULL;
}

static const char *check_v4(const char *v)
{
	return check_cidr(v, AF_INET);
}

static const char *check_v6(const char *v)
{
	return check_cidr(v, AF_INET6);
}

static int ask_storage(json_t *pools, json_t *devices)
{
	_cleanup_free_ char *name = NULL, *driver = NULL;
	bool yes;
	int r;

	r = ask_bool("Do you want to configure a new storage pool? (yes/no) [default=yes]: ", "yes", &yes);
	if (r < 0 || !yes)
		return r;
	for (;;) {
		free(name);
		name = NULL;
		r = ask_string("Name of the new storage pool [default=default]: ", "default", NULL, &name);
		if (r < 0)
			return r;
		if (!exists("storage-pools", name))
			break;
		printf("The requested storage pool \"%s\" already exists. Please choose another name.\n", name);
	}
	for (;;) {
		r = ask_string("Name of the storage backend to use (btrfs, dir, lvm, zfs) [default=dir]: ",
			       "dir", NULL, &driver);
		if (r < 0)
			return r;
		if (streq(driver, "dir"))
			break;
		invalid("the storage backend \"%s\" is not available (coved has: dir)", driver);
		driver = (free(driver), NULL);
	}
	json_array_append_new(pools, json_pack("{s:{}, s:s, s:s, s:s}", "config", "description", "",
					       "name", name, "driver", driver));
	json_object_set_new(devices, "root", json_pack("{s:s, s:s, s:s}", "path", "/", "pool", name,
						       "type", "disk"));
	return 0;
}

static int ask_address(json_t *config, const char *v, const char *nat_question, const char *key)
{
	bool nat;
	int r;

	if (streq(v, "auto") || streq(v, "none"))
		return 0;
	r = ask_bool(nat_question, "yes", &nat);
	if (r >= 0)
		json_object_set_new(config, key, json_string(nat ? "true" : "false"));
	return r;
}

static int ask_bridge(json_t *networks, json_t *devices)
{
	_cleanup_free_ char *name = NULL, *v4 = NULL, *v6 = NULL;
	json_t *config;
	int r;

	for (;;) {
		name = (free(name), NULL);
		r = ask_string("What should the new bridge be called? [default=lxdbr0]: ", "lxdbr0",
			       check_name, &name);
		if (r < 0)
			return r;
		if (!exists("networks", name))
			break;
		printf("The requested network bridge \"%s\" already exists. Please choose another name.\n", name);
	}
	r = ask_string("What IPv4 address should be used? (CIDR subnet notation, \xe2\x80\x9c" "auto\xe2\x80\x9d or "
		       "\xe2\x80\x9cnone\xe2\x80\x9d) [default=auto]: ", "auto", check_v4, &v4);
	if (r < 0)
		return r;
	config = json_pack("{s:s}", "ipv4.address", v4);
	r = ask_address(config, v4, "Would you like LXD to NAT IPv4 traffic on your bridge? [default=yes]: ",
			"ipv4.nat");
	if (r >= 0)
		r = ask_string("What IPv6 address should be used? (CIDR subnet notation, \xe2\x80\x9c" "auto\xe2\x80\x9d or "
			       "\xe2\x80\x9cnone\xe2\x80\x9d) [default=auto]: ", "auto", check_v6, &v6);
	if (r >= 0) {
		json_object_set_new(config, "ipv6.address", json_string(v6));
		r = ask_address(config, v6, "Would you like LXD to NAT IPv6 traffic on your bridge? [default=yes]: ",
				"ipv6.nat");
	}
	if (r < 0) {
		json_decref(config);
		return r;
	}
	json_array_append_new(networks, json_pack("{s:o, s:s, s:s, s:s, s:s}", "config", config,
						  "description", "", "name", name, "type", "",
						  "project", "default"));
	json_object_set_new(devices, "eth0", json_pack("{s:s, s:s, s:s}", "name", "eth0", "network",
						       name, "type", "nic"));
	return 0;
}

/* No new bridge: maybe an existing bridge or host interface (macvlan, or bridged). */
static int ask_existing(json_t *devices)
{
	_cleanup_free_ char *ifname = NULL;
	bool yes;
	int r;

	r = ask_bool("Would you like to configure LXD to use an existing bridge or host interface? (yes/no) [default=no]: ",
		     "no", &yes);
	if (r < 0 || !yes)
		return r;
	for (;;) {
		_cleanup_free_ char *sys = NULL, *br = NULL;

		ifname = (free(ifname), NULL);
		r = ask_string("Name of the existing bridge or host interface: ", "", check_name, &ifname);
		if (r < 0)
			return r;
		sys = xasprintf("/sys/class/net/%s", ifname);
		if (access(sys, F_OK) < 0) {
			printf("The requested interface doesn't exist. Please choose another one.\n");
			continue;
		}
		br = xasprintf("%s/bridge", sys);
		json_object_set_new(devices, "eth0",
				    json_pack("{s:s, s:s, s:s, s:s}", "name", "eth0", "nictype",
					      access(br, F_OK) == 0 ? "bridged" : "macvlan", "parent",
					      ifname, "type", "nic"));
		return 0;
	}
}

static int ask_all(json_t *doc, json_t *devices)
{
	bool yes;
	int r;

	r = ask_no("Would you like to use LXD clustering? (yes/no) [default=no]: ",
		   "coved does not do clustering");
	if (r >= 0)
		r = ask_storage(json_object_get(doc, "storage_pools"), devices);
	if (r >= 0)
		r = ask_no("Would you like to connect to a MAAS server? (yes/no) [default=no]: ",
			   "coved cannot connect to MAAS");
	if (r >= 0)
		r = ask_bool("Would you like to create a new local network bridge? (yes/no) [default=yes]: ",
			     "yes", &yes);
	if (r >= 0)
		r = yes ? ask_bridge(json_object_get(doc, "networks"), devices) : ask_existing(devices);
	if (r >= 0)
		r = ask_no("Would you like the LXD server to be available over the network? (yes/no) [default=no]: ",
			   "coved listens on its local unix socket only");
	if (r >= 0)
		r = ask_bool("Would you like stale cached images to be updated automatically? (yes/no) [default=yes]: ",
			     "yes", &yes);
	if (r >= 0 && !yes)
		json_object_set_new(json_object_get(doc, "config"), "images.auto_update_interval",
				    json_string("0"));
	return r;
}

/* The default profile as it is, with the answers' devices over its own (as lxd init merges). */
static json_t *merged_default_profile(json_t *devices)
{
	json_t *resp = NULL, *meta, *config, *devs;
	int status = 0;

	(void)init_http("GET", "/1.0/profiles/default", NULL, &status, &resp);
	meta = status == 200 ? json_object_get(resp, "metadata") : NULL;
	config = json_is_object(json_object_get(meta, "config")) ? json_deep_copy(json_object_get(meta, "config"))
								 : json_object();
	devs = json_is_object(json_object_get(meta, "devices")) ? json_deep_copy(json_object_get(meta, "devices"))
								: json_object();
	json_object_update(devs, devices);
	config = json_pack("{s:o, s:s, s:o, s:s}", "config", config, "description",
			   json_string_value(json_object_get(meta, "description")) ?: "", "devices",
			   devs, "name", "default");
	if (resp)
		json_decref(resp);
	return config;
}

/* A copy with the keys sorted, as Go's YAML prints maps. */
static json_t *sorted(const json_t *o)
{
	_cleanup_free_ char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);

	return json_loads(s, 0, NULL);
}

int init_interactive(void)
{
	_cleanup_json_ json_t *doc = NULL, *apply = NULL;
	json_t *devices = json_object();
	bool print;
	int r;

	doc = json_pack("{s:{}, s:[], s:[], s:[], s:[], s:n}", "config", "networks", "storage_pools",
			"profiles", "projects", "cluster");
	r = ask_all(doc, devices);
	if (r >= 0)
		r = ask_bool("Would you like a YAML \"lxd init\" preseed to be printed? (yes/no) [default=no]: ",
			     "no", &print);
	if (r < 0) {
		json_decref(devices);
		return r;
	}
	json_array_append_new(json_object_get(doc, "profiles"),
			      json_pack("{s:{}, s:s, s:o, s:s}", "config", "description", "", "devices",
					sorted(devices), "name", "default"));
	if (print) {
		_cleanup_free_ char *y = yaml_dump(doc);

		printf("%s\n", y);
		fflush(stdout);
	}
	apply = json_deep_copy(doc);
	json_array_clear(json_object_get(apply, "profiles"));
	json_array_append_new(json_object_get(apply, "profiles"), merged_default_profile(devices));
	json_decref(devices);
	return init_preseed_apply(apply);
}
