/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove info [NAME] [--resources] [--show-log]: an instance as `lxc info`
 * prints it (GET /1.0/instances/<name>?recursion=1), or without a name the
 * server (GET /1.0 as YAML), or with --resources the host's resources
 * (GET /1.0/resources).
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

#define TIME_FMT "%Y/%m/%d %H:%M %Z"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

static json_int_t num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void print_size(const char *label, json_int_t v, bool iec, int ind)
{
	_cleanup_free_ char *s =
	    iec ? format_size_iec((uint64_t)v, 2) : format_size((uint64_t)v, 2);

	printf("%*s%s: %s\n", ind, "", label, s);
}

static void print_addresses(json_t *nic)
{
	json_t *a;
	size_t i;

	if (json_array_size(json_object_get(nic, "addresses")) == 0)
		return;
	printf("      IP addresses:\n");
	json_array_foreach (json_object_get(nic, "addresses"), i, a) {
		const char *fam = str(a, "family");
		printf("        %s:%s%s/%s (%s)\n", fam, streq(fam, "inet") ? "  " : " ",
		       str(a, "address"), str(a, "netmask"), str(a, "scope"));
	}
}

static void print_network(json_t *net)
{
	const char *ifname;
	json_t *nic;

	if (json_object_size(net) == 0)
		return;
	printf("  Network usage:\n");
	json_object_foreach (net, ifname, nic) {
		json_t *c = json_object_get(nic, "counters");
		_cleanup_free_ char *st = xstrdup(str(nic, "state"));
		for (char *p = st; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		printf("    %s:\n      Type: %s\n      State: %s\n", ifname, str(nic, "type"), st);
		if (!isempty(str(nic, "host_name")))
			printf("      Host interface: %s\n", str(nic, "host_name"));
		if (!isempty(str(nic, "hwaddr")))
			printf("      MAC address: %s\n", str(nic, "hwaddr"));
		printf("      MTU: %" JSON_INTEGER_FORMAT "\n", num(nic, "mtu"));
		print_size("Bytes received", num(c, "bytes_received"), false, 6);
		print_size("Bytes sent", num(c, "bytes_sent"), false, 6);
		printf("      Packets received: %" JSON_INTEGER_FORMAT "\n",
		       num(c, "packets_received"));
		printf("      Packets sent: %" JSON_INTEGER_FORMAT "\n", num(c, "packets_sent"));
		print_addresses(nic);
	}
}

static void print_resources(json_t *state)
{
	json_t *mem = json_object_get(state, "memory");

	printf("\nResources:\n  Processes: %" JSON_INTEGER_FORMAT "\n", num(state, "processes"));
	printf("  CPU usage:\n    CPU usage (in seconds): %" JSON_INTEGER_FORMAT "\n",
	       num(json_object_get(state, "cpu"), "usage") / 1000000000);
	if (num(mem, "usage") > 0) {
		printf("  Memory usage:\n");
		print_size("Memory (current)", num(mem, "usage"), true, 4);
		if (num(mem, "usage_peak") > 0)
			print_size("Memory (peak)", num(mem, "usage_peak"), true, 4);
		if (num(mem, "swap_usage") > 0)
			print_size("Swap (current)", num(mem, "swap_usage"), true, 4);
	}
	print_network(json_object_get(state, "network"));
}

/* LXD 5.0's table: NAME, TAKEN AT, EXPIRES AT (empty when none), STATEFUL */
static void print_snapshots(json_t *snaps)
{
	_cleanup_(table_done) struct table t = {};
	json_t *s;
	size_t i;

	if (json_array_size(snaps) == 0)
		return;
	t.header = strv_copy((char *const[]){"NAME", "TAKEN AT", "EXPIRES AT", "STATEFUL", NULL});
	json_array_foreach (snaps, i, s) {
		const char *exp = str(s, "expires_at");
		char **row = NULL;

		strv_push_dup(&row, str(s, "name"));
		strv_push(&row, format_time(str(s, "created_at"), TIME_FMT));
		strv_push(&row, startswith(exp, "0001-") ? xstrdup("") : format_time(exp, TIME_FMT));
		strv_push_dup(&row, json_is_true(json_object_get(s, "stateful")) ? "YES" : "NO");
		table_add_row(&t, row);
	}
	printf("\nSnapshots:\n");
	format_table(stdout, FORMAT_TABLE, &t);
}

void info_print_instance(json_t *inst)
{
	json_t *state = json_object_get(inst, "state");
	_cleanup_free_ char *created = format_time(str(inst, "created_at"), TIME_FMT);
	_cleanup_free_ char *used = format_time(str(inst, "last_used_at"), TIME_FMT);
	_cleanup_free_ char *status = xstrdup(str(inst, "status"));

	for (char *p = status; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	printf("Name: %s\nStatus: %s\n", str(inst, "name"), status);
	printf("Type: %s%s\n", str(inst, "type"),
	       json_is_true(json_object_get(inst, "ephemeral")) ? " (ephemeral)" : "");
	printf("Architecture: %s\n", str(inst, "architecture"));
	if (num(state, "pid") > 0)
		printf("PID: %" JSON_INTEGER_FORMAT "\n", num(state, "pid"));
	if (*created)
		printf("Created: %s\n", created);
	if (*used)
		printf("Last Used: %s\n", used);
	if (num(state, "pid") > 0)
		print_resources(state);
	print_snapshots(json_object_get(inst, "snapshots"));
}

/* The log is a raw download, not an envelope. */
static int show_log(const char *name, struct cove_error *err)
{
	_cleanup_free_ char *path = api_instance_path(name), *lpath = NULL;
	struct http_request req = {.method = "GET"};
	struct http_response resp = {};
	int r;

	lpath = xasprintf("%s/logs/lxc.log", path);
	req.path = lpath;
	r = http_do(&req, &resp, err);
	if (r < 0)
		return r;
	if (resp.status != 200) {
		struct api_response ar = {};
		r = api_parse(resp.status, resp.body, lpath, &ar, err);
		api_response_done(&ar);
		http_response_done(&resp);
		return r < 0 ? r : cove_err(err, -EIO, "Failed to fetch the log");
	}
	printf("\nLog:\n\n%s\n", resp.body);
	http_response_done(&resp);
	return 0;
}

/* lxc info --resources: one CPU socket (renderCPU) */
static void print_cpu(json_t *cpu, const char *p)
{
	json_t *v, *core, *t;
	size_t i, j;

	if (*str(cpu, "vendor"))
		printf("%sVendor: %s\n", p, str(cpu, "vendor"));
	if (*str(cpu, "name"))
		printf("%sName: %s\n", p, str(cpu, "name"));
	if (json_array_size(json_object_get(cpu, "cache"))) {
		printf("%sCaches:\n", p);
		json_array_foreach (json_object_get(cpu, "cache"), i, v) {
			_cleanup_free_ char *s = format_size_iec((uint64_t)num(v, "size"), 0);
			printf("%s  - Level %" JSON_INTEGER_FORMAT " (type: %s): %s\n", p, num(v, "level"),
			       str(v, "type"), s);
		}
	}
	printf("%sCores:\n", p);
	json_array_foreach (json_object_get(cpu, "cores"), i, core) {
		printf("%s  - Core %" JSON_INTEGER_FORMAT "\n", p, num(core, "core"));
		printf("%s    Frequency: %" JSON_INTEGER_FORMAT "Mhz\n", p, num(core, "frequency"));
		printf("%s    Threads:\n", p);
		json_array_foreach (json_object_get(core, "threads"), j, t)
			printf("%s      - %" JSON_INTEGER_FORMAT " (id: %" JSON_INTEGER_FORMAT
			       ", online: %s, NUMA node: %" JSON_INTEGER_FORMAT ")\n",
			       p, num(t, "thread"), num(t, "id"),
			       json_is_true(json_object_get(t, "online")) ? "true" : "false",
			       num(t, "numa_node"));
	}
	if (num(cpu, "frequency") > 0 && num(cpu, "frequency_turbo") > 0 &&
	    num(cpu, "frequency_minimum") > 0)
		printf("%sFrequency: %" JSON_INTEGER_FORMAT "Mhz (min: %" JSON_INTEGER_FORMAT
		       "Mhz, max: %" JSON_INTEGER_FORMAT "Mhz)\n",
		       p, num(cpu, "frequency"), num(cpu, "frequency_minimum"),
		       num(cpu, "frequency_turbo"));
	else if (num(cpu, "frequency") > 0)
		printf("%sFrequency: %" JSON_INTEGER_FORMAT "Mhz\n", p, num(cpu, "frequency"));
}

/* renderDisk */
static void print_disk(json_t *d, int ind)
{
	json_t *part;
	size_t i;

	printf("%*sNUMA node: %" JSON_INTEGER_FORMAT "\n", ind, "", num(d, "numa_node"));
	printf("%*sID: %s\n%*sDevice: %s\n", ind, "", str(d, "id"), ind, "", str(d, "device"));
	if (*str(d, "model"))
		printf("%*sModel: %s\n", ind, "", str(d, "model"));
	if (*str(d, "type"))
		printf("%*sType: %s\n", ind, "", str(d, "type"));
	print_size("Size", num(d, "size"), true, ind);
	if (*str(d, "wwn"))
		printf("%*sWWN: %s\n", ind, "", str(d, "wwn"));
	printf("%*sRead-Only: %s\n", ind, "", json_is_true(json_object_get(d, "read_only")) ? "true" : "false");
	printf("%*sRemovable: %s\n", ind, "", json_is_true(json_object_get(d, "removable")) ? "true" : "false");
	if (json_array_size(json_object_get(d, "partitions")) == 0)
		return;
	printf("%*sPartitions:\n", ind, "");
	json_array_foreach (json_object_get(d, "partitions"), i, part) {
		printf("%*s  - Partition %" JSON_INTEGER_FORMAT "\n", ind, "", num(part, "partition"));
		printf("%*s    ID: %s\n%*s    Device: %s\n", ind, "", str(part, "id"), ind, "",
		       str(part, "device"));
		printf("%*s    Read-Only: %s\n", ind, "",
		       json_is_true(json_object_get(part, "read_only")) ? "true" : "false");
		print_size("Size", num(part, "size"), true, ind + 4);
	}
}

static void print_resources_host(json_t *res)
{
	json_t *cpu = json_object_get(res, "cpu"), *mem = json_object_get(res, "memory");
	json_t *sockets = json_object_get(cpu, "sockets"), *disks;
	json_t *v;
	size_t i;

	if (json_array_size(sockets) == 1) {
		printf("CPU (%s):\n", str(cpu, "architecture"));
		print_cpu(json_array_get(sockets, 0), "  ");
	} else if (json_array_size(sockets) > 1) {
		printf("CPUs (%s):\n", str(cpu, "architecture"));
		json_array_foreach (sockets, i, v) {
			printf("  Socket %" JSON_INTEGER_FORMAT ":\n", num(v, "socket"));
			print_cpu(v, "    ");
		}
	}
	printf("\nMemory:\n");
	if (num(mem, "hugepages_total") > 0) {
		printf("  Hugepages:\n");
		print_size("Free", num(mem, "hugepages_total") - num(mem, "hugepages_used"), true, 4);
		print_size("Used", num(mem, "hugepages_used"), true, 4);
		print_size("Total", num(mem, "hugepages_total"), true, 4);
	}
	print_size("Free", num(mem, "total") - num(mem, "used"), true, 2);
	print_size("Used", num(mem, "used"), true, 2);
	print_size("Total", num(mem, "total"), true, 2);
	disks = json_object_get(json_object_get(res, "storage"), "disks");
	if (json_array_size(disks) == 1) {
		printf("\nDisk:\n");
		print_disk(json_array_get(disks, 0), 2);
	} else if (json_array_size(disks) > 1) {
		printf("\nDisks:\n");
		json_array_foreach (disks, i, v) {
			printf("  Disk %zu:\n", i);
			print_disk(v, 4);
		}
	}
}

static int info_server(bool resources, struct cove_error *err)
{
	json_t *meta = NULL;
	int r;

	r = api_get(resources ? "/1.0/resources" : "/1.0", &meta, NULL, err);
	if (r < 0)
		return r;
	if (resources)
		print_resources_host(meta);
	else
		client_print_yaml(meta);
	json_decref(meta);
	return 0;
}

/* cove info NAME/SNAP: the snapshot's details (the tutorial's "lxc info c1/snap") */
static int info_snapshot(const char *name, struct cove_error *err)
{
	_cleanup_free_ char *inst = xstrndup(name, strcspn(name, "/"));
	_cleanup_free_ char *snap = http_escape(strchr(name, '/') + 1);
	_cleanup_free_ char *ipath = api_instance_path(inst), *path = NULL;
	_cleanup_free_ char *created = NULL, *expires = NULL;
	json_t *s = NULL;
	int r;

	path = xasprintf("%s/snapshots/%s", ipath, snap);
	r = api_get(path, &s, NULL, err);
	if (r < 0)
		return r;
	created = format_time(str(s, "created_at"), TIME_FMT);
	expires = format_time(str(s, "expires_at"), TIME_FMT);
	printf("Name: %s/%s\n", inst, str(s, "name"));
	if (*created)
		printf("Created: %s\n", created);
	if (*expires && !startswith(str(s, "expires_at"), "0001-"))
		printf("Expires: %s\n", expires);
	printf("Stateful: %s\n", json_is_true(json_object_get(s, "stateful")) ? "yes" : "no");
	if (*str(s, "description"))
		printf("Description: %s\n", str(s, "description"));
	json_decref(s);
	return 0;
}

int cmd_info(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {{"resources", no_argument, NULL, 'r'},
					     {"show-log", no_argument, NULL, 'l'},
					     {"target", required_argument, NULL, 't'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	_cleanup_free_ char *path = NULL, *full = NULL;
	bool resources = false, log = false;
	const char *name;
	json_t *inst = NULL;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "h", opts, err)) != -1) {
		if (r < 0)
			return r;
		if (r == 'r')
			resources = true;
		else if (r == 'l')
			log = true;
	}
	if (argc - optind > 1)
		return client_check_args(argc - optind, 0, 1, "cove info [<remote>:][<instance>]",
					 err);
	if (optind == argc || streq(argv[optind], "local:"))
		return info_server(resources, err);
	r = client_local_name(argv[optind], &name, err);
	if (r < 0)
		return r;
	if (!*name) /* "REMOTE:": that server */
		return info_server(resources, err);
	if (strchr(name, '/'))
		return info_snapshot(name, err);
	path = api_instance_path(name);
	full = xasprintf("%s?recursion=1", path);
	r = api_get(full, &inst, NULL, err);
	if (r < 0)
		return r;
	info_print_instance(inst);
	json_decref(inst);
	return log ? show_log(name, err) : 0;
}
