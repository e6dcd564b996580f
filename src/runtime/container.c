/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container handles: names, paths and the LXC directory layout
 * (LXCPATH/NAME/config, LXCPATH/NAME/rootfs). See include/cove/container.h.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cove/container.h"
#include "strutil.h"

static const char *const state_names[_COVE_STATE_MAX] = {
	[COVE_STATE_STOPPED] = "STOPPED",   [COVE_STATE_STARTING] = "STARTING",
	[COVE_STATE_RUNNING] = "RUNNING",   [COVE_STATE_STOPPING] = "STOPPING",
	[COVE_STATE_ABORTING] = "ABORTING", [COVE_STATE_FREEZING] = "FREEZING",
	[COVE_STATE_FROZEN] = "FROZEN",	    [COVE_STATE_THAWED] = "THAWED",
};

const char *cove_state_to_string(int s)
{
	return s >= 0 && s < _COVE_STATE_MAX ? state_names[s] : NULL;
}

int cove_state_from_string(const char *s)
{
	for (int i = 0; i < _COVE_STATE_MAX; i++)
		if (strcasecmp(s, state_names[i]) == 0)
			return i;
	return _COVE_STATE_INVALID;
}

const char *cove_lxcpath(const char *arg)
{
	const char *e;

	if (!isempty(arg))
		return arg;
	e = getenv("COVE_LXCPATH");
	return isempty(e) ? COVE_DEFAULT_LXCPATH : e;
}

int cove_name_validate(const char *name, struct cove_error *err)
{
	if (isempty(name))
		return cove_err(err, -EINVAL, "Invalid container name: the name is empty");
	if (strlen(name) > COVE_NAME_MAX)
		return cove_err(err, -EINVAL, "Invalid container name '%.*s...': longer than %d characters",
				16, name, COVE_NAME_MAX);
	if (streq(name, ".") || streq(name, "..") || strchr(name, '/'))
		return cove_err(err, -EINVAL, "Invalid container name '%s': '/', '.' and '..' are not allowed",
				name);
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return cove_err(err, -EINVAL,
					"Invalid container name '%s': blanks and control characters are not allowed",
					name);
	return 0;
}

int cove_container_new(const char *lxcpath, const char *name, struct cove_container **ret,
		       struct cove_error *err)
{
	struct cove_container *ct;
	int r;

	r = cove_name_validate(name, err);
	if (r < 0)
		return r;
	lxcpath = cove_lxcpath(lxcpath);
	if (lxcpath[0] != '/')
		return cove_err(err, -EINVAL, "Invalid lxcpath '%s': not an absolute path", lxcpath);
	if (strlen(lxcpath) > PATH_MAX - 2 * COVE_NAME_MAX)
		return cove_err(err, -ENAMETOOLONG, "Invalid lxcpath: too long");
	ct = xnew0(struct cove_container, 1);
	ct->name = xstrdup(name);
	ct->lxcpath = xstrdup(lxcpath);
	ct->dir = path_join(lxcpath, name);
	ct->config_path = path_join(ct->dir, "config");
	*ret = ct;
	return 0;
}

struct cove_container *cove_container_free(struct cove_container *ct)
{
	if (!ct)
		return NULL;
	free(ct->name);
	free(ct->lxcpath);
	free(ct->dir);
	free(ct->config_path);
	cove_conf_free(ct->conf);
	free(ct);
	return NULL;
}

bool cove_container_exists(const struct cove_container *ct)
{
	return access(ct->config_path, F_OK) == 0;
}

int cove_container_require(const struct cove_container *ct, struct cove_error *err)
{
	if (!cove_container_exists(ct))
		return cove_err(err, -ENOENT, "Container '%s' does not exist in '%s'", ct->name,
				ct->lxcpath);
	return 0;
}

int cove_container_load_conf(struct cove_container *ct, struct cove_error *err)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = NULL;
	int r;

	r = cove_container_require(ct, err);
	if (r < 0)
		return r;
	c = cove_conf_new();
	r = cove_conf_load(c, ct->config_path, err);
	if (r < 0)
		return r;
	r = cove_conf_check(c, err);
	if (r < 0)
		return cove_err_prefix(err, "%s", ct->config_path);
	cove_conf_free(ct->conf);
	ct->conf = TAKE_PTR(c);
	return 0;
}

const char *cove_monitor_path(void)
{
	static char buf[PATH_MAX];
	const char *e = getenv("COVE_MONITOR");
	ssize_t n;
	char *slash;

	if (!isempty(e))
		return e;
	if (buf[0])
		return buf;
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 32);
	if (n > 0) {
		buf[n] = 0;
		slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash + 1, "cove-monitor");
			if (access(buf, X_OK) == 0)
				return buf;
			/* The build tree: src/tools/cove-x next to src/monitor/cove-monitor. */
			strcpy(slash + 1, "../monitor/cove-monitor");
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	snprintf(buf, sizeof(buf), "%s", COVE_LIBEXECDIR "/cove-monitor");
	return buf;
}
