/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Instances and storage (see instance-storage.h).
 *
 * Custom volumes are bind-mounted (lxc.mount.entry) at the next start.
 * They are not idmapped: for an unprivileged instance an empty volume's
 * top directory is handed to the container's root (as LXD shifts a
 * volume on its first attach). limits.read/limits.write of the root disk
 * become one lxc.cgroup2.io.max line on the whole disk under the pool
 * (libcove writes blkio.throttle.* on a v1 host); a pool on a filesystem
 * without a block device (tmpfs, overlay) refuses them at start.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "alloc.h"
#include "daemon.h"
#include "fileio.h"
#include "instance-idmap.h"
#include "instance-limits.h"
#include "instance-storage.h"
#include "instance.h"
#include "log.h"
#include "storage.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

LOG_MODULE("storage");

static const char *config_source(const struct db_pool *p)
{
	return json_string_value(json_object_get(p->config, "source")) ?: "";
}

bool storage_pool_is_loop(const struct db_pool *p)
{
	struct stat st;

	return streq_ptr(p->driver, "btrfs") && stat(config_source(p), &st) == 0 &&
	       S_ISREG(st.st_mode);
}

char *storage_pool_mountpoint(const char *pool)
{
	return xasprintf("%s/storage-pools/%s", the_daemon->dir, pool);
}

static bool is_mounted(const char *path)
{
	_cleanup_free_ char *parent = xasprintf("%s/..", path);
	struct stat a, b;

	return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

int storage_pool_mount(const struct db_pool *p, struct cove_error *err)
{
	_cleanup_free_ char *mp = NULL, *opts = NULL;
	const char *extra = json_string_value(json_object_get(p->config, "btrfs.mount_options"));
	int r;

	if (!storage_pool_is_loop(p))
		return 0;
	mp = storage_pool_mountpoint(p->name);
	if (is_mounted(mp))
		return 0;
	r = mkdir_p(mp, 0711);
	if (r < 0 && r != -EEXIST)
		return cove_err(err, r, "Failed to create '%s': %s", mp, strerror(-r));
	opts = xasprintf("loop%s%s", isempty(extra) ? "" : ",", isempty(extra) ? "" : extra);
	return util_run((char *[]){ "mount", "-t", "btrfs", "-o", opts, (char *)config_source(p),
				    mp, NULL },
			err);
}

const char *storage_pool_source(const struct db_pool *p)
{
	static char buf[PATH_MAX];
	_cleanup_free_ char *mp = NULL;

	if (!storage_pool_is_loop(p))
		return config_source(p);
	/* a loop-backed pool: its mount point (mounted again after a reboot) */
	mp = storage_pool_mountpoint(p->name);
	(void)storage_pool_mount(p, NULL);
	snprintf(buf, sizeof(buf), "%s", mp);
	return buf;
}

int storage_remove_volume(const char *path)
{
	return cove_storage_rm_tree(path);
}

int storage_make_volume(const char *path, struct cove_error *err)
{
	_cleanup_free_ char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');
	struct stat st;

	if (slash && slash != parent)
		*slash = 0;
	if (lstat(path, &st) == 0)
		return cove_err(err, -EEXIST, "'%s' already exists", path);
	if (cove_storage_on_btrfs(parent))
		return cove_storage_btrfs_ops.create(path, err);
	if (mkdir(path, 0711) < 0)
		return cove_err(err, -errno, "Failed to create '%s': %m", path);
	return 0;
}

char *storage_volume_dir(const struct db_pool *p, const char *volume)
{
	return xasprintf("%s/custom/default_%s", storage_pool_source(p), volume);
}

char *storage_instance_dir(const struct db_pool *p, const char *instance)
{
	return xasprintf("%s/containers/%s", storage_pool_source(p), instance);
}

static const char *dev_str(const json_t *dev, const char *key)
{
	return json_string_value(json_object_get(dev, key));
}

static bool is_disk(const json_t *dev)
{
	return streq_ptr(dev_str(dev, "type"), "disk");
}

json_t *storage_root_device(const json_t *devices, const char **ret_name)
{
	const char *k;
	json_t *d;

	json_object_foreach((json_t *)devices, k, d)
		if (is_disk(d) && streq_ptr(dev_str(d, "path"), "/") && !dev_str(d, "source")) {
			if (ret_name)
				*ret_name = k;
			return d;
		}
	return NULL;
}

/* LXD's disk limits: bytes per second ("20MB") or "NNNiops". */
static int check_io_limit(const char *v, uint64_t *ret_bps, uint64_t *ret_iops)
{
	const char *iops = v && endswith(v, "iops") ? v : NULL;
	uint64_t n = 0;

	if (ret_bps)
		*ret_bps = 0;
	if (ret_iops)
		*ret_iops = 0;
	if (isempty(v))
		return 0;
	if (iops) {
		_cleanup_free_ char *num = xstrndup(v, strlen(v) - 4);

		if (isempty(num) || strspn(num, "0123456789") != strlen(num) ||
		    safe_atou64(num, &n) < 0 || n == 0)
			return -EINVAL;
		if (ret_iops)
			*ret_iops = n;
		return 0;
	}
	if (limits_parse_bytes(v, &n) < 0 || n == 0)
		return -EINVAL;
	if (ret_bps)
		*ret_bps = n;
	return 0;
}

static int check_bool_key(const char *v)
{
	bool b;

	return isempty(v) ? 0 : parse_bool(v, &b);
}

static const char *const disk_keys[] = {
	"type",	    "path",	   "source",	    "pool",	    "readonly",
	"required", "optional",	   "recursive",	    "propagation",  "shift",
	"size",	    "limits.read", "limits.write", "limits.max",   "raw.mount.options",
};

static bool bad_path(const char *p)
{
	return strstr(p, "/../") || endswith(p, "/..") || startswith(p, "../") || streq(p, "..") ||
	       strpbrk(p, " \t\n\\") || string_has_cc(p);
}

static int check_values(const char *name, const json_t *dev, struct cove_error *err)
{
	static const char *const bools[] = { "readonly", "required", "optional", "recursive",
					     "shift" };
	static const char *const limits[] = { "limits.read", "limits.write", "limits.max" };
	const char *prop = dev_str(dev, "propagation"), *size = dev_str(dev, "size");
	uint64_t n;

	for (size_t i = 0; i < ELEMENTSOF(bools); i++)
		if (check_bool_key(dev_str(dev, bools[i])) < 0)
			return cove_err(err, -EINVAL,
					"Invalid devices: Device validation failed for \"%s\": Invalid value for device option \"%s\": Invalid value for a boolean \"%s\"",
					name, bools[i], dev_str(dev, bools[i]));
	for (size_t i = 0; i < ELEMENTSOF(limits); i++)
		if (check_io_limit(dev_str(dev, limits[i]), NULL, NULL) < 0)
			return cove_err(err, -EINVAL,
					"Invalid devices: Device validation failed for \"%s\": Invalid value for device option \"%s\": Invalid value \"%s\"",
					name, limits[i], dev_str(dev, limits[i]));
	if (!isempty(prop) && !streq(prop, "private") && !streq(prop, "shared") &&
	    !streq(prop, "slave") && !streq(prop, "unbindable") && !streq(prop, "rprivate") &&
	    !streq(prop, "rshared") && !streq(prop, "rslave") && !streq(prop, "runbindable"))
		return cove_err(err, -EINVAL,
				"Invalid devices: Device validation failed for \"%s\": Invalid value for device option \"propagation\": Invalid value \"%s\"",
				name, prop);
	if (!isempty(size) && limits_parse_bytes(size, &n) < 0)
		return cove_err(err, -EINVAL,
				"Invalid devices: Device validation failed for \"%s\": Invalid value for device option \"size\": Invalid value \"%s\"",
				name, size);
	return 0;
}

int storage_disk_validate(const char *name, const json_t *dev, struct cove_error *err)
{
	const char *path = dev_str(dev, "path"), *source = dev_str(dev, "source");
	const char *pool = dev_str(dev, "pool");
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)dev, k, v) {
		bool known = startswith(k, "user.") != NULL;

		for (size_t i = 0; i < ELEMENTSOF(disk_keys) && !known; i++)
			known = streq(k, disk_keys[i]);
		if (!known)
			return cove_err(err, -EINVAL,
					"Invalid devices: Device validation failed for \"%s\": Invalid device option \"%s\"",
					name, k);
	}
	if (isempty(path))
		return cove_err(err, -EINVAL,
				"Invalid devices: Device validation failed for \"%s\": Disk entry is missing the required \"path\" property",
				name);
	if (path[0] != '/' || bad_path(path))
		return cove_err(err, -EINVAL,
				"Invalid devices: Device validation failed for \"%s\": Invalid value for device option \"path\": \"%s\"",
				name, path);
	if (streq(path, "/") && !isempty(source))
		return cove_err(err, -EINVAL,
				"Invalid devices: Device validation failed for \"%s\": Root disk entry may not have a \"source\" property set",
				name);
	if (streq(path, "/") && isempty(pool))
		return cove_err(err, -EINVAL,
				"Invalid devices: Device validation failed for \"%s\": Root disk entry must have a \"pool\" property set",
				name);
	if (!streq(path, "/") && isempty(source))
		return cove_err(err, -EINVAL,
				"Invalid devices: Device validation failed for \"%s\": Disk entry is missing the required \"source\" property",
				name);
	if (!isempty(source) && bad_path(source))
		return cove_err(err, -EINVAL,
				"Invalid devices: Device validation failed for \"%s\": Invalid value for device option \"source\": \"%s\"",
				name, source);
	if (!isempty(pool) && !isempty(source) &&
	    (source[0] == '/' || strchr(source, '/')))
		return cove_err(err, -EINVAL,
				"Invalid devices: Device validation failed for \"%s\": Storage volumes cannot be specified as absolute paths",
				name);
	if (isempty(pool) && !isempty(source) && source[0] != '/')
		return cove_err(err, -EINVAL,
				"Invalid devices: Device validation failed for \"%s\": Source path \"%s\" must be absolute (or set \"pool\" for a storage volume)",
				name, source);
	if (!streq(path, "/") && (dev_str(dev, "limits.read") || dev_str(dev, "limits.write") ||
				  dev_str(dev, "limits.max")) && isempty(pool))
		return cove_err(err, -EINVAL,
				"Invalid devices: Device validation failed for \"%s\": Disk limits are only supported on the root disk and storage volumes",
				name);
	return check_values(name, dev, err);
}

int storage_instance_volume(const char *name, const json_t *devices, char **ret,
			    struct cove_error *err)
{
	const json_t *root = storage_root_device(devices, NULL);
	struct db_pool p = { 0 };
	int r;

	*ret = NULL;
	if (!root)
		return 0;
	r = db_pool_get(the_daemon->db, dev_str(root, "pool"), &p, NULL);
	if (r < 0)
		return cove_err(err, -ENOENT,
				"Failed creating instance record: Failed loading storage pool \"%s\": Storage pool not found",
				dev_str(root, "pool"));
	*ret = storage_instance_dir(&p, name);
	db_pool_clear(&p);
	return 0;
}

int storage_instance_make_dir(const char *dir, const char *volume, struct cove_error *err)
{
	int r;

	if (!volume)
		return mkdir(dir, 0711) < 0 ? cove_err(err, -errno,
						       "Failed to create instance directory '%s': %m", dir)
					    : 0;
	r = storage_make_volume(volume, err);
	if (r < 0) {
		(void)cove_err_prefix(err, "Failed to create the instance volume");
		return r == -EEXIST ? -ENOTEMPTY : r;
	}
	if (symlink(volume, dir) < 0) {
		r = -errno;
		(void)cove_storage_rm_tree(volume);
		return cove_err(err, r, "Failed to create instance directory '%s': %s", dir,
				strerror(-r));
	}
	return 0;
}

char *storage_instance_volume_of(const char *dir)
{
	char target[PATH_MAX];
	ssize_t n = readlink(dir, target, sizeof(target) - 1);

	if (n <= 0 || target[0] != '/')
		return NULL;
	target[n] = 0;
	return xstrdup(target);
}

int storage_instance_rename(const char *new_dir, const char *new_name, struct cove_error *err)
{
	_cleanup_free_ char *vol = storage_instance_volume_of(new_dir), *parent = NULL;
	_cleanup_free_ char *new_vol = NULL;
	char *slash;

	if (!vol)
		return 0;
	parent = xstrdup(vol);
	slash = strrchr(parent, '/');
	*slash = 0;
	new_vol = xasprintf("%s/%s", parent, new_name);
	if (rename(vol, new_vol) < 0)
		return cove_err(err, -errno, "Failed to rename the instance volume '%s': %m", vol);
	if (unlink(new_dir) < 0 || symlink(new_vol, new_dir) < 0)
		return cove_err(err, -errno, "Failed to link '%s' to '%s': %m", new_dir, new_vol);
	return 0;
}

bool storage_instance_uses_pool(const struct db_instance *i, const char *pool)
{
	_cleanup_json_ json_t *config = NULL, *devices = NULL;
	const json_t *root;

	if (instance_expand(i, &config, &devices, NULL) < 0)
		return false;
	root = storage_root_device(devices, NULL);
	return root && streq_ptr(dev_str(root, "pool"), pool);
}

bool storage_devices_use_volume(const json_t *devices, const char *pool, const char *volume)
{
	const char *k;
	json_t *d;

	json_object_foreach((json_t *)devices, k, d)
		if (is_disk(d) && streq_ptr(dev_str(d, "pool"), pool) &&
		    streq_ptr(dev_str(d, "source"), volume))
			return true;
	return false;
}

/* The mapped uid/gid of the container's root ("u 0 BASE N"); false when privileged. */
static bool mapped_root(const json_t *config, uid_t *uid, gid_t *gid)
{
	_cleanup_free_ char *text = idmap_lxc_config(config);
	const char *u = strstr(text, "= u 0 "), *g = strstr(text, "= g 0 ");
	unsigned long long a, b;

	if (!u || !g || sscanf(u, "= u 0 %llu", &a) != 1 || sscanf(g, "= g 0 %llu", &b) != 1)
		return false;
	*uid = (uid_t)a;
	*gid = (gid_t)b;
	return true;
}

static bool dir_is_empty(const char *path)
{
	_cleanup_closedir_ DIR *d = opendir(path);
	struct dirent *de;

	if (!d)
		return false;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			return false;
	return true;
}

/* The host path a disk device mounts (custom volume or host path); NULL + error. */
static char *disk_source(const char *name, const json_t *dev, const json_t *config,
			 bool for_start, struct cove_error *err)
{
	const char *pool = dev_str(dev, "pool"), *source = dev_str(dev, "source");
	struct db_pool p = { 0 };
	struct db_volume v = { 0 };
	char *path;
	struct stat st;
	uid_t uid;
	gid_t gid;

	if (isempty(pool))
		return xstrdup(source);
	if (db_pool_get(the_daemon->db, pool, &p, NULL) < 0) {
		cove_err(err, -ENOENT, "Failed to start device \"%s\": Storage pool \"%s\" not found",
			 name, pool);
		return NULL;
	}
	if (db_volume_get(the_daemon->db, pool, "custom", source, &v, NULL) < 0) {
		cove_err(err, -ENOENT,
			 "Failed to start device \"%s\": Storage volume \"%s\" not found in pool \"%s\"",
			 name, source, pool);
		db_pool_clear(&p);
		return NULL;
	}
	path = storage_volume_dir(&p, source);
	/* first use by an unprivileged instance: its root owns the empty volume */
	if (for_start && mapped_root(config, &uid, &gid) && stat(path, &st) == 0 &&
	    st.st_uid == 0 && st.st_gid == 0 && dir_is_empty(path))
		(void)chown(path, uid, gid);
	db_volume_clear(&v);
	db_pool_clear(&p);
	return path;
}

static int mount_line(const char *name, const json_t *dev, const json_t *config, bool for_start,
		      char **text, struct cove_error *err)
{
	_cleanup_free_ char *src = disk_source(name, dev, config, for_start, err), *opts = NULL;
	const char *path = dev_str(dev, "path"), *prop = dev_str(dev, "propagation");
	bool ro = false, rec = false, optional = false, req = true;
	struct stat st;
	char *n;

	if (!src)
		return -ENOENT;
	(void)parse_bool(dev_str(dev, "readonly") ?: "false", &ro);
	(void)parse_bool(dev_str(dev, "recursive") ?: "false", &rec);
	(void)parse_bool(dev_str(dev, "optional") ?: "false", &optional);
	(void)parse_bool(dev_str(dev, "required") ?: "true", &req);
	optional = optional || !req;
	if (stat(src, &st) < 0) {
		if (optional)
			return 0;
		if (!for_start)
			st.st_mode = S_IFDIR;
		else
			return cove_err(err, -ENOENT, "Missing source path \"%s\" for disk \"%s\"", src,
					name);
	}
	opts = xasprintf("%s,create=%s%s%s%s%s", rec ? "rbind" : "bind",
			 S_ISDIR(st.st_mode) ? "dir" : "file", ro ? ",ro" : "",
			 optional ? ",optional" : "", prop ? "," : "", prop ? prop : "");
	n = xasprintf("%slxc.mount.entry = %s %s none %s 0 0\n", *text, src, path + 1, opts);
	free(*text);
	*text = n;
	return 0;
}

/* The whole disk (MAJ:MIN) holding path; -ENODEV with the filesystem type in err otherwise. */
static int block_device_of(const char *path, dev_t *ret, struct cove_error *err)
{
	_cleanup_free_ char *real = realpath(path, NULL), *text = NULL, *fstype = NULL;
	_cleanup_free_ char *source = NULL, *sys = NULL, *parent = NULL, *devs = NULL;
	size_t best = 0;
	struct stat st;
	char *save = NULL;
	unsigned ma, mi;

	if (!real || read_full_file("/proc/self/mountinfo", 1 << 22, &text, NULL) < 0)
		return cove_err(err, -errno ?: -EIO, "Failed to find the mount of '%s'", path);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char mp[PATH_MAX], fs[64], src[PATH_MAX];
		const char *sep = strstr(l, " - ");
		size_t n;

		if (!sep || sscanf(l, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    sscanf(sep, " - %63s %4095s", fs, src) != 2)
			continue;
		n = strlen(mp);
		if (!(streq(mp, "/") || (startswith(real, mp) && (real[n] == '/' || real[n] == 0))))
			continue;
		if (n >= best) {
			best = n;
			free(fstype);
			free(source);
			fstype = xstrdup(fs);
			source = xstrdup(src);
		}
	}
	if (!source || !startswith(source, "/dev/") || stat(source, &st) < 0 || !S_ISBLK(st.st_mode))
		return cove_err(err, -ENODEV, "%s filesystem (%s) with no block device",
				fstype ?: "unknown", source ?: "?");
	/* a partition: throttle its disk */
	sys = xasprintf("/sys/dev/block/%u:%u/partition", major(st.st_rdev), minor(st.st_rdev));
	if (access(sys, F_OK) == 0) {
		parent = xasprintf("/sys/dev/block/%u:%u/../dev", major(st.st_rdev), minor(st.st_rdev));
		if (read_one_line(parent, &devs) >= 0 && sscanf(devs, "%u:%u", &ma, &mi) == 2) {
			*ret = makedev(ma, mi);
			return 0;
		}
	}
	*ret = st.st_rdev;
	return 0;
}

static int root_limits(const char *name, const json_t *root, bool for_start, char **text,
		       struct cove_error *err)
{
	const char *rd = dev_str(root, "limits.read"), *wr = dev_str(root, "limits.write");
	const char *mx = dev_str(root, "limits.max");
	uint64_t rbps = 0, riops = 0, wbps = 0, wiops = 0;
	struct cove_error e2 = { 0 };
	struct db_pool p = { 0 };
	dev_t dev;
	char *n;
	int r;

	if (isempty(rd) && isempty(wr) && isempty(mx))
		return 0;
	if (!isempty(mx))
		rd = wr = mx;
	(void)check_io_limit(rd, &rbps, &riops);
	(void)check_io_limit(wr, &wbps, &wiops);
	if (db_pool_get(the_daemon->db, dev_str(root, "pool"), &p, NULL) < 0)
		return for_start ? cove_err(err, -ENOENT, "Storage pool \"%s\" not found",
					    dev_str(root, "pool"))
				 : 0;
	r = block_device_of(storage_pool_source(&p), &dev, &e2);
	if (r < 0) {
		r = for_start ? cove_err(err, r,
					 "Cannot apply limits.read/limits.write of disk \"%s\": storage pool \"%s\" (%s) is on a %s",
					 name, p.name, storage_pool_source(&p), e2.msg)
			      : 0;
		db_pool_clear(&p);
		return r;
	}
	db_pool_clear(&p);
	n = xasprintf("%slxc.cgroup2.io.max = %u:%u", *text, major(dev), minor(dev));
	free(*text);
	*text = n;
#define ADD(key, val)                                                       \
	if (val) {                                                          \
		n = xasprintf("%s %s=%llu", *text, key, (unsigned long long)val); \
		free(*text);                                                \
		*text = n;                                                  \
	}
	ADD("rbps", rbps);
	ADD("wbps", wbps);
	ADD("riops", riops);
	ADD("wiops", wiops);
#undef ADD
	n = xasprintf("%s\n", *text);
	free(*text);
	*text = n;
	return 0;
}

int storage_lxc_config(const char *name, const json_t *config, const json_t *devices,
		       bool for_start, char **ret, struct cove_error *err)
{
	_cleanup_free_ char *text = xstrdup("");
	const char *rootname = NULL;
	const json_t *root = storage_root_device(devices, &rootname);
	const char *k;
	json_t *d;
	int r;

	json_object_foreach((json_t *)devices, k, d) {
		if (!is_disk(d) || d == root)
			continue;
		r = mount_line(k, d, config, for_start, &text, err);
		if (r < 0 && for_start)
			return r;
	}
	if (root && for_start) {
		struct db_pool p = { 0 };

		/* a loop-backed pool is mounted again after a reboot */
		if (db_pool_get(the_daemon->db, dev_str(root, "pool"), &p, NULL) >= 0) {
			r = storage_pool_mount(&p, err);
			db_pool_clear(&p);
			if (r < 0)
				return r;
		}
	}
	if (root) {
		r = root_limits(rootname, root, for_start, &text, err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(text);
	return 0;
}

int storage_append_lxc_config(const char *name, const json_t *config, bool for_start, char **text,
			      struct cove_error *err)
{
	_cleanup_json_ json_t *ec = NULL, *devices = NULL;
	_cleanup_free_ char *lines = NULL;
	struct db_instance i = { 0 };
	char *n;
	int r;

	if (db_instance_get(the_daemon->db, name, &i, NULL) < 0)
		return 0;
	r = instance_expand(&i, &ec, &devices, err);
	db_instance_clear(&i);
	if (r < 0)
		return r;
	r = storage_lxc_config(name, config, devices, for_start, &lines, err);
	if (r < 0)
		return r;
	if (!*lines)
		return 0;
	n = xasprintf("%s# disk devices\n%s", *text, lines);
	free(*text);
	*text = n;
	return 0;
}

/*
 * Live disk devices: a clone of the source tree (open_tree) moved into the
 * running container's mount namespace by a child that joined it (its root
 * and cwd become the container's: the target path resolves inside it).
 * Missing directories of the target are made and given to the container's
 * root. Removal detaches the mount there.
 */
static int in_mntns(pid_t pid, int tree, const char *path, uid_t uid, gid_t gid)
{
	char buf[PATH_MAX], nspath[64];
	_cleanup_close_ int ns = -EBADF;
	int status;
	pid_t child;

	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/mnt", (int)pid);
	ns = open(nspath, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || strlen(path) >= sizeof(buf))
		return ns < 0 ? -errno : -ENAMETOOLONG;
	memcpy(buf, path, strlen(path) + 1);
	child = fork();
	if (child < 0)
		return -errno;
	if (child == 0) {
		/* exit status: 0 or the errno */
		if (setns(ns, CLONE_NEWNS) < 0)
			_exit(errno & 0xff);
		if (tree < 0)
			_exit(umount2(buf, MNT_DETACH) < 0 ? errno & 0xff : 0);
		/* as the container's root: the rootfs is an idmapped mount */
		(void)setfsgid(gid);
		(void)setfsuid(uid);
		for (char *p = buf + 1;; p++) {
			char c = *p;

			if (c != '/' && c != 0)
				continue;
			*p = 0;
			(void)mkdir(buf, 0755);
			*p = c;
			if (c == 0)
				break;
		}
		(void)setfsuid(0);
		(void)setfsgid(0);
		_exit(move_mount(tree, "", AT_FDCWD, buf, MOVE_MOUNT_F_EMPTY_PATH) < 0 ? errno & 0xff : 0);
	}
	if (waitpid(child, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status))
		return -EIO;
	return -WEXITSTATUS(status);
}

static bool same_device(const json_t *a, const json_t *b)
{
	return a && b && json_equal((json_t *)a, (json_t *)b);
}

static int live_mount(pid_t pid, const char *name, const json_t *dev, const json_t *config,
		      struct cove_error *err)
{
	_cleanup_free_ char *src = disk_source(name, dev, config, true, err);
	_cleanup_close_ int tree = -EBADF;
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
	bool ro = false, rec = false;
	uid_t uid = 0;
	gid_t gid = 0;
	int r;

	if (!src)
		return -ENOENT;
	if (access(src, F_OK) < 0)
		return cove_err(err, -ENOENT, "Missing source path \"%s\" for disk \"%s\"", src, name);
	(void)parse_bool(dev_str(dev, "readonly") ?: "false", &ro);
	(void)parse_bool(dev_str(dev, "recursive") ?: "false", &rec);
	(void)mapped_root(config, &uid, &gid);
	tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
	if (tree < 0)
		return cove_err(err, -errno, "Failed to clone the mount of '%s': %m", src);
	if (ro && mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
		return cove_err(err, -errno, "Failed to make '%s' read-only: %m", src);
	r = in_mntns(pid, tree, dev_str(dev, "path"), uid, gid);
	if (r < 0)
		return cove_err(err, r, "Failed to mount disk \"%s\" on '%s' in the running instance: %s",
				name, dev_str(dev, "path"), strerror(-r));
	return 0;
}

int storage_devices_live(const char *instance, const json_t *old_devices,
			 const json_t *new_devices, const json_t *config, struct cove_error *err)
{
	struct instance_state s;
	const char *k;
	json_t *d;
	int r;

	instance_state_get(instance, &s);
	if (s.status_code != 103 || s.pid <= 0)
		return 0;
	/* removed or changed: detach first */
	json_object_foreach((json_t *)old_devices, k, d) {
		const json_t *n = json_object_get(new_devices, k);

		if (!is_disk(d) || streq_ptr(dev_str(d, "path"), "/") || same_device(d, n))
			continue;
		(void)in_mntns(s.pid, -EBADF, dev_str(d, "path"), 0, 0);
	}
	json_object_foreach((json_t *)new_devices, k, d) {
		if (!is_disk(d) || streq_ptr(dev_str(d, "path"), "/") ||
		    same_device(d, json_object_get(old_devices, k)))
			continue;
		r = live_mount(s.pid, k, d, config, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int storage_update_instance(const struct db_instance *i, const json_t *old_devices,
			    struct cove_error *err)
{
	_cleanup_json_ json_t *config = NULL, *devices = NULL;
	int r;

	r = instance_expand(i, &config, &devices, err);
	if (r < 0)
		return r;
	return storage_devices_live(i->name, old_devices, devices, config, err);
}

json_t *storage_profile_users_devices(const char *profile)
{
	_cleanup_strv_free_ char **names = NULL;
	json_t *ret = json_object();

	(void)db_instance_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names) {
		_cleanup_json_ json_t *config = NULL, *devices = NULL;
		struct db_instance i = { 0 };
		struct instance_state s;
		bool uses = false;
		size_t k;
		json_t *p;

		if (db_instance_get(the_daemon->db, *n, &i, NULL) < 0)
			continue;
		json_array_foreach(i.profiles, k, p)
			uses = uses || streq_ptr(json_string_value(p), profile);
		instance_state_get(*n, &s);
		if (uses && s.status_code == 103 && instance_expand(&i, &config, &devices, NULL) >= 0)
			json_object_set(ret, *n, devices);
		db_instance_clear(&i);
	}
	return ret;
}

void storage_profile_users_apply(const json_t *before)
{
	const char *name;
	json_t *old;

	json_object_foreach((json_t *)before, name, old) {
		struct cove_error err = { 0 };
		struct db_instance i = { 0 };

		if (db_instance_get(the_daemon->db, name, &i, NULL) < 0)
			continue;
		if (storage_update_instance(&i, old, &err) < 0)
			log_warning("%s: %s", name, err.msg);
		db_instance_clear(&i);
	}
}
