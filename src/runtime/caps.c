/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capability dropping for container processes (see caps.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "alloc.h"
#include "caps.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("caps");

static void cap_freep(cap_t *c)
{
	if (*c)
		(void)cap_free(*c);
}

const char *const cove_caps_default_drop[] = {
	"mac_admin", "mac_override", "sys_module", "sys_rawio", "sys_time", NULL,
};

/* "sys_admin" or "21" -> the number, -EINVAL when unknown. */
static int cap_number(const char *name)
{
	_cleanup_free_ char *full = NULL;
	cap_value_t v;
	unsigned n;

	if (safe_atou(name, &n) == 0)
		return n <= 63 ? (int)n : -EINVAL;
	full = xasprintf("cap_%s", name);
	if (cap_from_name(full, &v) < 0)
		return -EINVAL;
	return (int)v;
}

static bool in_list(char **l, int cap)
{
	STRV_FOREACH(i, l)
		if (cap_number(*i) == cap)
			return true;
	return false;
}

/* The default drops only hold when neither cap.drop nor cap.keep say otherwise. */
static bool dropped(const struct cove_conf *c, int cap)
{
	if (c->cap_keep && c->cap_keep[0])
		return !in_list(c->cap_keep, cap);
	if (in_list(c->cap_drop, cap))
		return true;
	return in_list((char **)cove_caps_default_drop, cap);
}

bool cove_caps_dropped(const struct cove_conf *c, const char *name)
{
	int cap = cap_number(name);

	return cap >= 0 && dropped(c, cap);
}

static int check_names(char **l, const char *key, struct cove_error *err)
{
	STRV_FOREACH(i, l)
		if (!streq(*i, "none") && cap_number(*i) < 0)
			return cove_err(err, -EINVAL, "Unknown capability in %s: '%s'", key, *i);
	return 0;
}

int cove_caps_apply(const struct cove_conf *c, struct cove_error *err)
{
	_cleanup_(cap_freep) cap_t caps = NULL;
	int last = (int)cap_max_bits() - 1, r;

	r = check_names(c->cap_drop, "lxc.cap.drop", err);
	if (r >= 0)
		r = check_names(c->cap_keep, "lxc.cap.keep", err);
	if (r < 0)
		return r;
	caps = cap_get_proc();
	if (!caps)
		return cove_err(err, -errno, "Failed to read our capabilities: %m");
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int cap = 0; cap <= last; cap++) {
		cap_value_t v = (cap_value_t)cap;

		if (!dropped(c, cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return cove_err(err, -errno, "Failed to drop capability %d: %m", cap);
		if (cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_CLEAR) < 0)
			return cove_err(err, -errno, "Failed to clear capability %d: %m", cap);
	}
	if (cap_set_proc(caps) < 0)
		return cove_err(err, -errno, "Failed to set our capabilities: %m");
	return 0;
}
