/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Applying metadata.yaml templates to an instance's rootfs (see
 * image-template.h). The rootfs is untrusted: every target path is opened
 * with openat2(RESOLVE_IN_ROOT), so symlinks and ".." resolve inside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../client/yaml.h"
#include "alloc.h"
#include "daemon.h"
#include "db/db.h"
#include "fileio.h"
#include "image-template.h"
#include "macro.h"
#include "strutil.h"
#include "util.h"

#define METADATA_MAX (1u << 20)
#define TEMPLATE_MAX (1u << 20)

static int open_in_root(int root, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	do
		fd = syscall(SYS_openat2, root, path, &how, sizeof(how));
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : (int)fd;
}

/* dir/sub/name (sub may be NULL), read without following any symlink: image files are untrusted. */
int image_read_nofollow(const char *dir, const char *sub, const char *name, size_t max, char **ret,
			size_t *ret_len)
{
	_cleanup_close_ int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int s = -EBADF, fd = -EBADF;
	struct stat st;

	if (d < 0)
		return -errno;
	if (sub) {
		s = openat(d, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0)
			return -errno;
	}
	fd = openat(sub ? s : d, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -EPERM : -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EPERM;
	return read_full_fd(fd, max, ret, ret_len);
}

static json_t *template_vars(const char *trigger, const char *path, const char *name,
			     const json_t *config, const json_t *properties)
{
	const char *priv = json_string_value(json_object_get(config, "security.privileged"));
	bool privileged = false;
	json_t *inst, *cfg = json_object();

	(void)parse_bool(priv ?: "false", &privileged);
	if (json_is_object(config))
		json_object_update(cfg, (json_t *)config);
	inst = json_pack("{s:s, s:s, s:b, s:b, s:s}", "name", name, "architecture", util_arch(),
			 "privileged", privileged, "ephemeral", 0, "type", "container");
	return json_pack("{s:s, s:s, s:O, s:o, s:o, s:O}", "trigger", trigger, "path", path,
			 "container", inst, "instance", inst, "config", cfg, "properties",
			 json_is_object(properties) ? properties : json_object());
}

static bool wants(const json_t *entry, const char *trigger)
{
	const json_t *w;
	size_t i;

	json_array_foreach(json_object_get(entry, "when"), i, w)
		if (streq_ptr(json_string_value(w), trigger))
			return true;
	return false;
}

static int write_target(int root, const char *path, const json_t *entry, const char *data,
			struct cove_error *err)
{
	const char *mode_s = json_string_value(json_object_get(entry, "mode"));
	unsigned mode = 0644;
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (mode_s && (sscanf(mode_s, "%o", &mode) != 1 || mode > 07777))
		return cove_err(err, -EINVAL, "Template for '%s': invalid mode '%s'", path, mode_s);
	if (json_is_true(json_object_get(entry, "create_only"))) {
		fd = open_in_root(root, path, O_PATH, 0);
		if (fd >= 0)
			return 0;
	}
	fd = open_in_root(root, path, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_NONBLOCK,
			  (mode_t)mode);
	if (fd < 0)
		return cove_err(err, fd, "Failed to write template target '%s': %s", path,
				strerror(-fd));
	r = loop_write(fd, data, strlen(data));
	if (r < 0)
		return cove_err(err, r, "Failed to write template target '%s': %s", path,
				strerror(-r));
	return 0;
}

static int apply_one(const char *dir, int root, const char *path, const json_t *entry,
		     const char *trigger, const char *name, const json_t *config,
		     struct cove_error *err)
{
	const char *tname = json_string_value(json_object_get(entry, "template"));
	_cleanup_free_ char *text = NULL, *out = NULL;
	_cleanup_json_ json_t *vars = NULL;
	int r;

	if (isempty(tname) || strchr(tname, '/') || streq(tname, "..") || streq(tname, "."))
		return cove_err(err, -EINVAL, "Template for '%s': invalid template name '%s'", path,
				tname ?: "");
	if (path[0] != '/')
		return cove_err(err, -EINVAL, "Template target '%s' is not an absolute path", path);
	r = image_read_nofollow(dir, "templates", tname, TEMPLATE_MAX, &text, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to read template '%s': %s", tname, strerror(-r));
	vars = template_vars(trigger, path, name, config, json_object_get(entry, "properties"));
	r = image_template_render(tname, text, vars, &out, err);
	if (r < 0)
		return r;
	return write_target(root, path, entry, out, err);
}

int image_templates_apply(const char *dir, const char *trigger, const char *name,
			  const json_t *config, struct cove_error *err)
{
	_cleanup_free_ char *meta = xasprintf("%s/metadata.yaml", dir), *text = NULL;
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir);
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_close_ int root = -EBADF;
	const json_t *tpls, *entry;
	const char *path;
	size_t len = 0;
	int r;

	r = image_read_nofollow(dir, NULL, "metadata.yaml", METADATA_MAX, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return cove_err(err, r, "Failed to read '%s': %s", meta, strerror(-r));
	r = yaml_load(text, len, &doc, err);
	if (r < 0)
		return cove_err_prefix(err, "Invalid metadata.yaml"), r;
	tpls = json_object_get(doc, "templates");
	if (!tpls || json_object_size(tpls) == 0)
		return 0;
	if (!json_is_object(tpls))
		return cove_err(err, -EINVAL, "Invalid metadata.yaml: templates is not a map");
	root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return cove_err(err, -errno, "Failed to open '%s': %m", rootfs);
	json_object_foreach((json_t *)tpls, path, entry) {
		if (!json_is_object(entry) || !wants(entry, trigger))
			continue;
		r = apply_one(dir, root, path, entry, trigger, name, config, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int image_templates_copy(const char *from, const char *dir, struct cove_error *err)
{
	_cleanup_free_ char *meta = xasprintf("%s/metadata.yaml", from);
	_cleanup_free_ char *tpls = xasprintf("%s/templates", from);
	int r;

	if (access(meta, F_OK) < 0)
		return 0;
	r = util_run((char *[]){ "cp", "-a", meta, (char *)dir, NULL }, err);
	if (r >= 0 && access(tpls, F_OK) == 0)
		r = util_run((char *[]){ "cp", "-a", tpls, (char *)dir, NULL }, err);
	return r;
}

int instance_templates_start(struct db_instance *i, const json_t *config, struct cove_error *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", the_daemon->lxcpath, i->name);
	const char *pending = json_string_value(json_object_get(i->config, "volatile.apply_template"));
	int r;

	if (!isempty(pending)) {
		r = image_templates_apply(dir, pending, i->name, config, err);
		if (r < 0)
			return r;
		json_object_del(i->config, "volatile.apply_template");
	}
	return image_templates_apply(dir, "start", i->name, config, err);
}

int instance_templates_copied(const char *from, const char *dir, struct cove_error *err)
{
	_cleanup_free_ char *src = xasprintf("%s/%s", the_daemon->lxcpath, from);

	return image_templates_copy(src, dir, err);
}

void instance_templates_renamed(const char *name)
{
	struct db_instance i = { 0 };

	if (db_instance_get(the_daemon->db, name, &i, NULL) < 0)
		return;
	/* a pending create or copy trigger renders with the new name anyway */
	if (!json_object_get(i.config, "volatile.apply_template")) {
		json_object_set_new(i.config, "volatile.apply_template", json_string("rename"));
		(void)db_instance_update(the_daemon->db, &i, NULL);
	}
	db_instance_clear(&i);
}
