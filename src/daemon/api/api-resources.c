/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GET /1.0/resources (`lxc info --resources`): the host's CPUs (sockets,
 * cores, threads, caches, frequency from /proc/cpuinfo and sysfs), memory
 * (/proc/meminfo), disks (/sys/class/block) and DMI system data, in LXD
 * 5.0's Resources struct. GPUs, network cards, USB and PCI devices are
 * listed empty: coved does not pass host devices to instances.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "router.h"
#include "strutil.h"
#include "util.h"

#define SYS_CPU "/sys/devices/system/cpu"

/* First line of a small sysfs file, or "" (owned). */
static char *sysfs_str(const char *fmt, ...) _printf_(1, 2);
static char *sysfs_str(const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t len = 0;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&path, fmt, ap) < 0)
		path = NULL;
	va_end(ap);
	if (!path || read_full_file(path, 4096, &text, &len) < 0)
		return xstrdup("");
	text[strcspn(text, "\n")] = 0;
	return xstrdup(strstrip(text));
}

static uint64_t sysfs_u64(const char *fmt, ...) _printf_(1, 2);
static uint64_t sysfs_u64(const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t len = 0;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&path, fmt, ap) < 0)
		path = NULL;
	va_end(ap);
	if (!path || read_full_file(path, 4096, &text, &len) < 0)
		return 0;
	return strtoull(text, NULL, 10);
}

static json_t *own_str(char *s)
{
	json_t *j = json_string(s);

	free(s);
	return j;
}

static int thread_numa_node(unsigned cpu)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ char *dir = xasprintf(SYS_CPU "/cpu%u", cpu);
	struct dirent *de;
	unsigned n;

	d = opendir(dir);
	while (d && (de = readdir(d)))
		if (startswith(de->d_name, "node") && safe_atou(de->d_name + 4, &n) == 0)
			return (int)n;
	return 0;
}

static json_t *cpu_caches(unsigned cpu)
{
	json_t *caches = json_array();

	for (unsigned i = 0;; i++) {
		_cleanup_free_ char *base = xasprintf(SYS_CPU "/cpu%u/cache/index%u", cpu, i);
		_cleanup_free_ char *level = NULL, *type = NULL, *size = NULL;
		uint64_t bytes = 0;

		if (access(base, F_OK) < 0)
			break;
		level = sysfs_str("%s/level", base);
		type = sysfs_str("%s/type", base);
		size = sysfs_str("%s/size", base);
		if (parse_size(size, &bytes) < 0)
			bytes = 0;
		json_array_append_new(caches, json_pack("{s:I, s:s, s:I}", "level",
							(json_int_t)strtoul(level, NULL, 10),
							"type", type, "size", (json_int_t)bytes));
	}
	return caches;
}

/* The socket object for physical id SOCKET (created on first use). */
static json_t *socket_of(json_t *sockets, unsigned socket, const char *vendor, const char *name,
			 unsigned cpu)
{
	json_t *s;
	size_t i;

	json_array_foreach(sockets, i, s)
		if (json_integer_value(json_object_get(s, "socket")) == socket)
			return s;
	s = json_pack("{s:s, s:s, s:I, s:o, s:[], s:I, s:I, s:I}", "name", name, "vendor", vendor,
		      "socket", (json_int_t)socket, "cache", cpu_caches(cpu), "cores", "frequency",
		      (json_int_t)0, "frequency_minimum",
		      (json_int_t)(sysfs_u64(SYS_CPU "/cpu0/cpufreq/cpuinfo_min_freq") / 1000),
		      "frequency_turbo",
		      (json_int_t)(sysfs_u64(SYS_CPU "/cpu0/cpufreq/cpuinfo_max_freq") / 1000));
	json_array_append_new(sockets, s);
	return s;
}

static json_t *core_of(json_t *socket, unsigned core, json_int_t mhz)
{
	json_t *cores = json_object_get(socket, "cores"), *c;
	size_t i;

	json_array_foreach(cores, i, c)
		if (json_integer_value(json_object_get(c, "core")) == core)
			return c;
	c = json_pack("{s:I, s:I, s:[], s:I}", "core", (json_int_t)core, "die", (json_int_t)0,
		      "threads", "frequency", mhz);
	json_array_append_new(cores, c);
	if (mhz > json_integer_value(json_object_get(socket, "frequency")))
		json_object_set_new(socket, "frequency", json_integer(mhz));
	return c;
}

struct cpu_line {
	unsigned processor, physical_id, core_id;
	double mhz;
	char vendor[64], name[128];
};

static void add_thread(json_t *sockets, const struct cpu_line *l)
{
	_cleanup_free_ char *online = sysfs_str(SYS_CPU "/cpu%u/online", l->processor);
	json_t *s = socket_of(sockets, l->physical_id, l->vendor, l->name, l->processor);
	json_t *c = core_of(s, l->core_id, (json_int_t)l->mhz);
	json_t *threads = json_object_get(c, "threads");

	json_array_append_new(threads,
			      json_pack("{s:I, s:I, s:I, s:b, s:b}", "id", (json_int_t)l->processor,
					"numa_node", (json_int_t)thread_numa_node(l->processor),
					"thread", (json_int_t)json_array_size(threads), "online",
					!streq(online, "0"), "isolated", 0));
}

static json_t *cpu_json(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/cpuinfo", "re");
	json_t *sockets = json_array();
	struct cpu_line l = { 0 };
	bool have = false;
	size_t total = 0;
	char line[1024];

	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		const char *v = colon ? strstrip(colon + 1) : "";

		line[strcspn(line, "\n")] = 0;
		if (startswith(line, "processor")) {
			if (have)
				add_thread(sockets, &l);
			l = (struct cpu_line){ .processor = (unsigned)strtoul(v, NULL, 10) };
			have = true;
			total++;
		} else if (startswith(line, "physical id"))
			l.physical_id = (unsigned)strtoul(v, NULL, 10);
		else if (startswith(line, "core id"))
			l.core_id = (unsigned)strtoul(v, NULL, 10);
		else if (startswith(line, "cpu MHz"))
			l.mhz = strtod(v, NULL);
		else if (startswith(line, "vendor_id"))
			snprintf(l.vendor, sizeof(l.vendor), "%s", v);
		else if (startswith(line, "model name"))
			snprintf(l.name, sizeof(l.name), "%s", v);
	}
	if (have)
		add_thread(sockets, &l);
	return json_pack("{s:s, s:o, s:I}", "architecture", util_arch(), "sockets", sockets,
			 "total", (json_int_t)total);
}

static json_t *memory_json(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
	unsigned long long total = 0, avail = 0, hp_total = 0, hp_free = 0, hp_size = 0, v;
	char key[64];

	while (f && fscanf(f, "%63s %llu%*[^\n]", key, &v) == 2) {
		if (streq(key, "MemTotal:"))
			total = v * 1024;
		else if (streq(key, "MemAvailable:"))
			avail = v * 1024;
		else if (streq(key, "HugePages_Total:"))
			hp_total = v;
		else if (streq(key, "HugePages_Free:"))
			hp_free = v;
		else if (streq(key, "Hugepagesize:"))
			hp_size = v * 1024;
	}
	return json_pack("{s:[{s:I, s:I, s:I, s:I, s:I}], s:I, s:I, s:I, s:I, s:I}", "nodes",
			 "numa_node", (json_int_t)0, "hugepages_used",
			 (json_int_t)((hp_total - hp_free) * hp_size), "hugepages_total",
			 (json_int_t)(hp_total * hp_size), "used", (json_int_t)(total - avail),
			 "total", (json_int_t)total, "hugepages_total", (json_int_t)(hp_total * hp_size),
			 "hugepages_used", (json_int_t)((hp_total - hp_free) * hp_size),
			 "hugepages_size", (json_int_t)hp_size, "used", (json_int_t)(total - avail),
			 "total", (json_int_t)total);
}

static json_t *partitions(const char *disk)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ char *dir = xasprintf("/sys/class/block/%s", disk);
	json_t *parts = json_array();
	struct dirent *de;

	d = opendir(dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = xasprintf("%s/%s/partition", dir, de->d_name);
		_cleanup_free_ char *dev = NULL, *ro = NULL;

		if (!startswith(de->d_name, disk) || access(p, F_OK) < 0)
			continue;
		dev = sysfs_str("%s/%s/dev", dir, de->d_name);
		ro = sysfs_str("%s/%s/ro", dir, de->d_name);
		json_array_append_new(parts, json_pack("{s:s, s:s, s:b, s:I, s:I}", "id", de->d_name,
						       "device", dev, "read_only", streq(ro, "1"), "size",
						       (json_int_t)(sysfs_u64("%s/%s/size", dir, de->d_name) * 512),
						       "partition", (json_int_t)sysfs_u64("%s", p)));
	}
	return parts;
}

/* Whole disks: block devices with a device behind them (no loop, ram, dm). */
static json_t *storage_json(void)
{
	_cleanup_closedir_ DIR *d = opendir("/sys/class/block");
	json_t *disks = json_array();
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *dev = NULL, *model = NULL, *ro = NULL, *rm = NULL, *wwn = NULL;
		_cleanup_free_ char *serial = NULL, *fw = NULL, *dpath = NULL;
		const char *n = de->d_name;
		const char *type = startswith(n, "vd") ? "virtio" : startswith(n, "nvme") ? "nvme"
				 : startswith(n, "sd") ? "scsi" : "";

		if (n[0] == '.' || sysfs_u64("/sys/class/block/%s/partition", n) > 0)
			continue;
		dpath = xasprintf("/sys/class/block/%s/device", n);
		if (access(dpath, F_OK) < 0)
			continue;
		dev = sysfs_str("/sys/class/block/%s/dev", n);
		model = sysfs_str("/sys/class/block/%s/device/model", n);
		ro = sysfs_str("/sys/class/block/%s/ro", n);
		rm = sysfs_str("/sys/class/block/%s/removable", n);
		wwn = sysfs_str("/sys/class/block/%s/device/wwid", n);
		serial = sysfs_str("/sys/class/block/%s/device/serial", n);
		fw = sysfs_str("/sys/class/block/%s/device/firmware_rev", n);
		json_array_append_new(disks, json_pack(
			"{s:s, s:s, s:s, s:s, s:b, s:I, s:b, s:s, s:I, s:s, s:I, s:s, s:I, s:s, s:s, s:o}",
			"id", n, "device", dev, "model", model, "type", type, "read_only", streq(ro, "1"),
			"size", (json_int_t)(sysfs_u64("/sys/class/block/%s/size", n) * 512),
			"removable", streq(rm, "1"), "wwn", wwn, "numa_node", (json_int_t)0,
			"device_path", "", "block_size",
			(json_int_t)sysfs_u64("/sys/class/block/%s/queue/logical_block_size", n),
			"firmware_version", fw, "rpm", (json_int_t)0, "serial", serial, "device_id", "",
			"partitions", partitions(n)));
	}
	return json_pack("{s:o, s:I}", "disks", disks, "total", (json_int_t)json_array_size(disks));
}

static json_t *system_json(void)
{
#define DMI(f) sysfs_str("/sys/class/dmi/id/" f)
	_cleanup_free_ char *vendor = DMI("sys_vendor"), *product = DMI("product_name");
	_cleanup_free_ char *hv = NULL;
	json_t *sys;

	size_t hv_len = 0;

	(void)read_full_file("/proc/cpuinfo", 1u << 20, &hv, &hv_len);
	sys = json_pack("{s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:s}", "uuid", json_string_nocheck(""),
			"vendor", vendor, "product", product, "family", own_str(DMI("product_family")),
			"version", own_str(DMI("product_version")), "sku",
			own_str(DMI("product_sku")), "serial", json_string_nocheck(""), "type",
			hv && strstr(hv, " hypervisor") ? "virtual-machine" : "physical");
	json_object_set_new(sys, "firmware",
			    json_pack("{s:o, s:o, s:o}", "vendor", own_str(DMI("bios_vendor")),
				      "date", own_str(DMI("bios_date")), "version",
				      own_str(DMI("bios_version"))));
	json_object_set_new(sys, "chassis",
			    json_pack("{s:o, s:o, s:s, s:o}", "vendor", own_str(DMI("chassis_vendor")),
				      "type", own_str(DMI("chassis_type")), "serial", "",
				      "version", own_str(DMI("chassis_version"))));
	json_object_set_new(sys, "motherboard",
			    json_pack("{s:o, s:o, s:s, s:o}", "vendor", own_str(DMI("board_vendor")),
				      "product", own_str(DMI("board_name")), "serial", "",
				      "version", own_str(DMI("board_version"))));
	return sys;
#undef DMI
}

static void get_resources(struct request *req, char **params)
{
	reply_sync(req, json_pack("{s:o, s:o, s:{s:[], s:i}, s:{s:[], s:i}, s:o, s:{s:[], s:i}, "
				  "s:{s:[], s:i}, s:o}",
				  "cpu", cpu_json(), "memory", memory_json(), "gpu", "cards", "total", 0,
				  "network", "cards", "total", 0, "storage", storage_json(), "usb",
				  "devices", "total", 0, "pci", "devices", "total", 0, "system",
				  system_json()));
}

const struct route api_resources_routes[] = {
	{ HTTP_GET, "/1.0/resources", get_resources },
	{ 0, NULL, NULL },
};
