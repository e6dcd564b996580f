/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lxc.* key table: one row per key with its set/get/clear handlers.
 * Generic handlers work on a struct cove_conf field given by offset;
 * the rest parse their own values. Setters validate the whole value before
 * changing anything, so a rejected value leaves the config as it was.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>

#include "alloc.h"
#include "conf-internal.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("config");

#define FIELD(c, k, type)  ((type *)((char *)(c) + (k)->offset))
#define CFIELD(c, k, type) ((type const *)((const char *)(c) + (k)->offset))

int conf_invalid(struct cove_error *err, const char *key, const char *value, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return cove_err(err, -EINVAL, "Invalid value '%s' for key '%s': %s", value, key, why);
}

/* Generic: strings. */
static int key_set_str(struct cove_conf *c, const struct cove_key *k, const char *key,
		       const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	char **p = FIELD(c, k, char *);

	free(*p);
	*p = isempty(value) ? NULL : xstrdup(value);
	return 0;
}

static int key_get_str(const struct cove_conf *c, const struct cove_key *k, const char *key,
		       FILE *f)
{
	const char *s = *CFIELD(c, k, char *);

	if (s)
		fputs(s, f);
	return 0;
}

static int key_clr_str(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	char **p = FIELD(c, k, char *);

	free(*p);
	*p = NULL;
	return 0;
}

/* Generic: booleans ("1", "0", "true", ...); printed as 0 or 1. */
static int key_set_bool(struct cove_conf *c, const struct cove_key *k, const char *key,
			const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	bool b = false;

	if (!isempty(value) && parse_bool(value, &b) < 0)
		return conf_invalid(err, key, value, "expected 0 or 1");
	*FIELD(c, k, bool) = b;
	return 0;
}

static int key_get_bool(const struct cove_conf *c, const struct cove_key *k, const char *key,
			FILE *f)
{
	fputs(*CFIELD(c, k, bool) ? "1" : "0", f);
	return 0;
}

static int key_clr_bool(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	*FIELD(c, k, bool) = false;
	return 0;
}

/* lxc.rootfs.managed defaults to true. */
static int key_set_bool_true(struct cove_conf *c, const struct cove_key *k, const char *key,
			     const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	bool b = true;

	if (!isempty(value) && parse_bool(value, &b) < 0)
		return conf_invalid(err, key, value, "expected 0 or 1");
	*FIELD(c, k, bool) = b;
	return 0;
}

static int key_clr_bool_true(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	*FIELD(c, k, bool) = true;
	return 0;
}

/* Generic: tri-state int, -1 when unset. */
static int key_set_tri(struct cove_conf *c, const struct cove_key *k, const char *key,
		       const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	bool b;

	if (isempty(value)) {
		*FIELD(c, k, int) = -1;
		return 0;
	}
	if (parse_bool(value, &b) < 0)
		return conf_invalid(err, key, value, "expected 0 or 1");
	*FIELD(c, k, int) = b;
	return 0;
}

static int key_get_tri(const struct cove_conf *c, const struct cove_key *k, const char *key,
		       FILE *f)
{
	int v = *CFIELD(c, k, int);

	if (v >= 0)
		fprintf(f, "%d", v);
	return 0;
}

static int key_clr_tri(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	*FIELD(c, k, int) = -1;
	return 0;
}

/* Generic: unsigned and int numbers (0 when unset). */
static int key_set_uint(struct cove_conf *c, const struct cove_key *k, const char *key,
			const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	unsigned v = 0;

	if (!isempty(value) && safe_atou(value, &v) < 0)
		return conf_invalid(err, key, value, "expected a non-negative number");
	*FIELD(c, k, unsigned) = v;
	return 0;
}

static int key_get_uint(const struct cove_conf *c, const struct cove_key *k, const char *key,
			FILE *f)
{
	fprintf(f, "%u", *CFIELD(c, k, unsigned));
	return 0;
}

static int key_clr_uint(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	*FIELD(c, k, unsigned) = 0;
	return 0;
}

static int key_set_int(struct cove_conf *c, const struct cove_key *k, const char *key,
		       const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	int v = 0;

	if (!isempty(value) && safe_atoi(value, &v) < 0)
		return conf_invalid(err, key, value, "expected a number");
	*FIELD(c, k, int) = v;
	return 0;
}

static int key_get_int(const struct cove_conf *c, const struct cove_key *k, const char *key,
		       FILE *f)
{
	fprintf(f, "%d", *CFIELD(c, k, int));
	return 0;
}

static int key_clr_int(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	*FIELD(c, k, int) = 0;
	return 0;
}

/* Generic: repeatable keys kept as a strv; an empty value clears them all. */
static int key_set_strv(struct cove_conf *c, const struct cove_key *k, const char *key,
			const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	char ***l = FIELD(c, k, char **);

	if (isempty(value))
		*l = strv_free(*l);
	else
		strv_push_dup(l, value);
	return 0;
}

static int key_get_strv(const struct cove_conf *c, const struct cove_key *k, const char *key,
			FILE *f)
{
	fprint_strv(f, *CFIELD(c, k, char **), "\n");
	return 0;
}

static int key_clr_strv(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	char ***l = FIELD(c, k, char **);

	*l = strv_free(*l);
	return 0;
}

static int key_set_env(struct cove_conf *c, const struct cove_key *k, const char *key,
		       const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	const char *why;

	if (!isempty(value) && parse_env(value, &why) < 0)
		return conf_invalid(err, key, value, "%s", why);
	return key_set_strv(c, k, key, value, ctx, err);
}

/* lxc.group: a blank-separated list, one group per word (as LXC); empty clears. */
static int set_groups(struct cove_conf *c, const struct cove_key *k, const char *key,
		      const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	_cleanup_strv_free_ char **l = strv_split(value, " \t");
	char ***groups = FIELD(c, k, char **);

	if (isempty(value))
		return key_set_strv(c, k, key, value, ctx, err);
	STRV_FOREACH(g, l)
		if (!isempty(*g) && !strv_contains(*groups, *g))
			strv_push_dup(groups, *g);
	return 0;
}

/* Path-like strings that must be absolute. */
static int key_set_abspath(struct cove_conf *c, const struct cove_key *k, const char *key,
			   const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	if (!isempty(value) && value[0] != '/')
		return conf_invalid(err, key, value, "expected an absolute path");
	return key_set_str(c, k, key, value, ctx, err);
}

/* A single name, no blanks or slashes (lxc.tty.dir). */
static int key_set_name(struct cove_conf *c, const struct cove_key *k, const char *key,
			const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	if (!isempty(value) && (strpbrk(value, "/ \t") || streq(value, ".") || streq(value, "..")))
		return conf_invalid(err, key, value, "expected a plain name");
	return key_set_str(c, k, key, value, ctx, err);
}

static int set_utsname(struct cove_conf *c, const struct cove_key *k, const char *key,
		       const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	if (strlen(value) > 64)
		return conf_invalid(err, key, value, "longer than 64 characters");
	return key_set_str(c, k, key, value, ctx, err);
}

static int set_size(struct cove_conf *c, const struct cove_key *k, const char *key,
		    const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	uint64_t v = 0;

	if (streq(value, "auto"))
		v = 128 * 1024; /* what LXC picks for "auto" */
	else if (!isempty(value) && parse_size(value, &v) < 0)
		return conf_invalid(err, key, value, "expected 'auto' or a size such as 128K");
	*FIELD(c, k, uint64_t) = v;
	return 0;
}

static int get_size(const struct cove_conf *c, const struct cove_key *k, const char *key, FILE *f)
{
	fprintf(f, "%llu", (unsigned long long)*CFIELD(c, k, uint64_t));
	return 0;
}

static int clr_size(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	*FIELD(c, k, uint64_t) = 0;
	return 0;
}

/* lxc.init.uid / lxc.init.gid: the _set flag follows the id field. */
static int set_id(struct cove_conf *c, const struct cove_key *k, const char *key, const char *value,
		  struct conf_ctx *ctx, struct cove_error *err)
{
	bool *set = streq(key, "lxc.init.uid") ? &c->init_uid_set : &c->init_gid_set;
	unsigned v = 0;

	if (!isempty(value) && (safe_atou(value, &v) < 0 || v == (unsigned)-1))
		return conf_invalid(err, key, value, "expected a numeric id");
	*FIELD(c, k, unsigned) = v;
	*set = !isempty(value);
	return 0;
}

static int clr_id(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	*FIELD(c, k, unsigned) = 0;
	*(streq(key, "lxc.init.uid") ? &c->init_uid_set : &c->init_gid_set) = false;
	return 0;
}

static int set_arch(struct cove_conf *c, const struct cove_key *k, const char *key,
		    const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	unsigned long p = 0xffffffffUL;
	const char *why;

	if (!isempty(value) && parse_arch(value, &p, &why) < 0)
		return conf_invalid(err, key, value, "%s", why);
	free(c->arch);
	c->arch = isempty(value) ? NULL : xstrdup(value);
	c->personality = p;
	return 0;
}

static int get_arch(const struct cove_conf *c, const struct cove_key *k, const char *key, FILE *f)
{
	if (c->arch)
		fputs(arch_from_personality(c->personality), f);
	return 0;
}

static int clr_arch(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	c->arch = mfree(c->arch);
	c->personality = 0xffffffffUL;
	return 0;
}

static int set_idmap(struct cove_conf *c, const struct cove_key *k, const char *key,
		     const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	struct cove_idmap m;
	const char *why;

	if (isempty(value)) {
		c->idmaps = mfree(c->idmaps);
		c->n_idmaps = 0;
		return 0;
	}
	if (parse_idmap(value, &m, &why) < 0)
		return conf_invalid(err, key, value, "%s", why);
	if (c->n_idmaps >= 4096)
		return conf_invalid(err, key, value, "too many id maps");
	c->idmaps = xrealloc(c->idmaps, (c->n_idmaps + 1) * sizeof(*c->idmaps));
	c->idmaps[c->n_idmaps++] = m;
	return 0;
}

static int get_idmap(const struct cove_conf *c, const struct cove_key *k, const char *key, FILE *f)
{
	for (size_t i = 0; i < c->n_idmaps; i++)
		fprintf(f, "%s%c %lu %lu %lu", i ? "\n" : "", c->idmaps[i].type, c->idmaps[i].nsid,
			c->idmaps[i].hostid, c->idmaps[i].range);
	return 0;
}

static int clr_idmap(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	c->idmaps = mfree(c->idmaps);
	c->n_idmaps = 0;
	return 0;
}

static int clr_mount_auto(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	c->mount_auto = 0;
	c->shmounts_host = mfree(c->shmounts_host);
	c->shmounts_container = mfree(c->shmounts_container);
	return 0;
}

static int set_mount_auto(struct cove_conf *c, const struct cove_key *k, const char *key,
			  const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	const char *why;

	if (isempty(value))
		return clr_mount_auto(c, k, key);
	if (parse_mount_auto(value, &c->mount_auto, &c->shmounts_host, &c->shmounts_container,
			     &why) < 0)
		return conf_invalid(err, key, value, "%s", why);
	return 0;
}

static int get_mount_auto(const struct cove_conf *c, const struct cove_key *k, const char *key,
			  FILE *f)
{
	format_mount_auto(c->mount_auto, c->shmounts_host, c->shmounts_container, f);
	return 0;
}

static int clr_mount_entry(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	for (size_t i = 0; i < c->n_mount_entries; i++)
		mount_entry_done(&c->mount_entries[i]);
	c->mount_entries = mfree(c->mount_entries);
	c->n_mount_entries = 0;
	return 0;
}

static int set_mount_entry(struct cove_conf *c, const struct cove_key *k, const char *key,
			   const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	struct cove_mount_entry m;
	const char *why;

	if (isempty(value))
		return clr_mount_entry(c, k, key);
	if (c->n_mount_entries >= 65536)
		return conf_invalid(err, key, value, "too many mount entries");
	if (parse_mount_entry(value, &m, &why) < 0)
		return conf_invalid(err, key, value, "%s", why);
	c->mount_entries =
	    xrealloc(c->mount_entries, (c->n_mount_entries + 1) * sizeof(*c->mount_entries));
	c->mount_entries[c->n_mount_entries++] = m;
	return 0;
}

static int get_mount_entry(const struct cove_conf *c, const struct cove_key *k, const char *key,
			   FILE *f)
{
	for (size_t i = 0; i < c->n_mount_entries; i++) {
		if (i)
			fputc('\n', f);
		format_mount_entry(&c->mount_entries[i], f);
	}
	return 0;
}

/* lxc.cgroup.X / lxc.cgroup2.X / lxc.sysctl.X: arrays of key/value pairs. */
struct kv_list {
	struct cove_kv **items;
	size_t *n;
	const char *prefix; /* "lxc.cgroup." ... */
	bool replace;	    /* sysctl: one value per key */
};

static struct kv_list kv_list_of(struct cove_conf *c, const char *key)
{
	if (startswith(key, "lxc.cgroup2"))
		return (struct kv_list){&c->cgroup2, &c->n_cgroup2, "lxc.cgroup2.", false};
	if (startswith(key, "lxc.cgroup"))
		return (struct kv_list){&c->cgroup, &c->n_cgroup, "lxc.cgroup.", false};
	return (struct kv_list){&c->sysctls, &c->n_sysctls, "lxc.sysctl.", true};
}

/* Remove items whose key is sub (or all when sub is NULL). */
static void kv_remove(struct kv_list l, const char *sub)
{
	size_t j = 0;

	for (size_t i = 0; i < *l.n; i++) {
		struct cove_kv *kv = &(*l.items)[i];

		if (!sub || streq(kv->key, sub)) {
			free(kv->key);
			free(kv->value);
		} else
			(*l.items)[j++] = *kv;
	}
	*l.n = j;
	if (j == 0)
		*l.items = mfree(*l.items);
}

static int kv_set(struct cove_conf *c, const struct cove_key *k, const char *key, const char *value,
		  struct conf_ctx *ctx, struct cove_error *err)
{
	struct kv_list l = kv_list_of(c, key);
	const char *sub = startswith(key, l.prefix), *why;

	if (parse_subkey(sub, &why) < 0)
		return cove_err(err, -EINVAL, "Invalid configuration key '%s': %s", key, why);
	if (isempty(value) || l.replace)
		kv_remove(l, sub);
	if (isempty(value))
		return 0;
	if (*l.n >= 65536)
		return conf_invalid(err, key, value, "too many values");
	*l.items = xrealloc(*l.items, (*l.n + 1) * sizeof(**l.items));
	(*l.items)[(*l.n)++] = (struct cove_kv){xstrdup(sub), xstrdup(value)};
	return 0;
}

static int kv_get(const struct cove_conf *c, const struct cove_key *k, const char *key, FILE *f)
{
	struct kv_list l = kv_list_of((struct cove_conf *)c, key);
	const char *sub = startswith(key, l.prefix);
	const char *sep = "";

	for (size_t i = 0; i < *l.n; i++) {
		const struct cove_kv *kv = &(*l.items)[i];

		if (!sub)
			fprintf(f, "%s%s%s = %s", sep, l.prefix, kv->key, kv->value);
		else if (streq(kv->key, sub))
			fprintf(f, "%s%s", sep, kv->value);
		else
			continue;
		sep = "\n";
	}
	return 0;
}

static int kv_clr(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	struct kv_list l = kv_list_of(c, key);

	kv_remove(l, startswith(key, l.prefix));
	return 0;
}

/* lxc.cgroup, lxc.cgroup2, lxc.sysctl alone: only "" (clear all) is accepted. */
static int kv_set_all(struct cove_conf *c, const struct cove_key *k, const char *key,
		      const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	if (!isempty(value))
		return conf_invalid(err, key, value, "only an empty value (clear all) is allowed");
	return kv_clr(c, k, key);
}

static int set_caps(struct cove_conf *c, const struct cove_key *k, const char *key,
		    const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	char ***l = FIELD(c, k, char **);
	_cleanup_strv_free_ char **caps = NULL;
	const char *why;

	if (isempty(value)) {
		*l = strv_free(*l);
		return 0;
	}
	if (streq(k->name, "lxc.cap.keep") && streq(value, "none")) {
		*l = strv_free(*l);
		strv_push_dup(l, "none");
		return 0;
	}
	if (parse_caps(value, &caps, &why) < 0)
		return conf_invalid(err, key, value, "%s", why);
	if (strv_contains(*l, "none"))
		*l = strv_free(*l);
	STRV_FOREACH (i, caps)
		if (!strv_contains(*l, *i))
			strv_push_dup(l, *i);
	return 0;
}

static int get_caps(const struct cove_conf *c, const struct cove_key *k, const char *key, FILE *f)
{
	fprint_strv(f, *CFIELD(c, k, char **), " ");
	return 0;
}

static int hook_of(const char *key)
{
	const char *h = startswith(key, "lxc.hook.");

	return h ? cove_hook_from_string(h) : -EINVAL;
}

static int set_hook(struct cove_conf *c, const struct cove_key *k, const char *key,
		    const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	int h = hook_of(key);

	if (h < 0)
		return cove_err(err, -EINVAL, "Unknown configuration key '%s'", key);
	if (isempty(value))
		c->hooks[h] = strv_free(c->hooks[h]);
	else
		strv_push_dup(&c->hooks[h], value);
	return 0;
}

static int get_hook(const struct cove_conf *c, const struct cove_key *k, const char *key, FILE *f)
{
	int h = hook_of(key);
	const char *sep = "";

	if (h >= 0) {
		fprint_strv(f, c->hooks[h], "\n");
		return 0;
	}
	if (!streq(key, "lxc.hook"))
		return -ENOENT;
	for (int i = 0; i < _COVE_HOOK_MAX; i++)
		STRV_FOREACH (s, c->hooks[i]) {
			fprintf(f, "%slxc.hook.%s = %s", sep, cove_hook_to_string(i), *s);
			sep = "\n";
		}
	return 0;
}

static int clr_hook(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	int h = hook_of(key);

	for (int i = 0; i < _COVE_HOOK_MAX; i++)
		if (h < 0 || h == i)
			c->hooks[i] = strv_free(c->hooks[i]);
	return 0;
}

static int set_hook_all(struct cove_conf *c, const struct cove_key *k, const char *key,
			const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	if (!isempty(value))
		return conf_invalid(err, key, value, "only an empty value (clear all) is allowed");
	return clr_hook(c, k, key);
}

static int set_hook_version(struct cove_conf *c, const struct cove_key *k, const char *key,
			    const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	unsigned v = 0;

	if (!isempty(value) && (safe_atou(value, &v) < 0 || v > 1))
		return conf_invalid(err, key, value, "expected 0 or 1");
	c->hook_version = v;
	return 0;
}

static int set_log_level(struct cove_conf *c, const struct cove_key *k, const char *key,
			 const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	int l = -1;

	if (!isempty(value) && (l = log_parse_level(value)) < 0)
		return conf_invalid(err, key, value,
				    "expected trace, debug, info, notice, warn, "
				    "error, crit, alert, fatal or 0-8");
	c->log_level = l;
	return 0;
}

static int get_log_level(const struct cove_conf *c, const struct cove_key *k, const char *key,
			 FILE *f)
{
	static const char *const names[] = {"FATAL",  "ALERT", "CRIT",	"ERROR", "WARN",
					    "NOTICE", "INFO",  "DEBUG", "TRACE"};

	if (c->log_level >= 0 && (size_t)c->log_level < ELEMENTSOF(names))
		fputs(names[c->log_level], f);
	return 0;
}

static int set_signal(struct cove_conf *c, const struct cove_key *k, const char *key,
		      const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	int s = 0;

	if (!isempty(value) && (s = cove_signal_from_string(value)) < 0)
		return conf_invalid(err, key, value,
				    "expected a signal such as SIGPWR, 30 or "
				    "SIGRTMIN+3");
	*FIELD(c, k, int) = s;
	return 0;
}

static void prlimit_remove(struct cove_conf *c, int resource)
{
	size_t j = 0;

	for (size_t i = 0; i < c->n_prlimits; i++)
		if (resource < 0 || c->prlimits[i].resource == resource)
			free(c->prlimits[i].name);
		else
			c->prlimits[j++] = c->prlimits[i];
	c->n_prlimits = j;
	if (j == 0)
		c->prlimits = mfree(c->prlimits);
}

static int set_prlimit(struct cove_conf *c, const struct cove_key *k, const char *key,
		       const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	const char *name = startswith(key, "lxc.prlimit."), *why;
	uint64_t soft, hard;
	int r;

	r = name ? prlimit_resource_from_name(name) : -EINVAL;
	if (r < 0)
		return cove_err(err, -EINVAL,
				"Unknown configuration key '%s': not a resource limit", key);
	if (!isempty(value) && parse_prlimit(value, &soft, &hard, &why) < 0)
		return conf_invalid(err, key, value, "%s", why);
	prlimit_remove(c, r);
	if (isempty(value))
		return 0;
	c->prlimits = xrealloc(c->prlimits, (c->n_prlimits + 1) * sizeof(*c->prlimits));
	c->prlimits[c->n_prlimits++] =
	    (struct cove_prlimit){.resource = r, .name = xstrdup(name), .soft = soft, .hard = hard};
	return 0;
}

static void fprint_rlim(FILE *f, uint64_t v)
{
	if (v == RLIM_INFINITY)
		fputs("unlimited", f);
	else
		fprintf(f, "%llu", (unsigned long long)v);
}

static int get_prlimit(const struct cove_conf *c, const struct cove_key *k, const char *key,
		       FILE *f)
{
	const char *name = startswith(key, "lxc.prlimit.");
	const char *sep = "";

	if (name && prlimit_resource_from_name(name) < 0)
		return -ENOENT;
	for (size_t i = 0; i < c->n_prlimits; i++) {
		const struct cove_prlimit *p = &c->prlimits[i];

		if (name && prlimit_resource_from_name(name) != p->resource)
			continue;
		fputs(sep, f);
		if (!name)
			fprintf(f, "lxc.prlimit.%s = ", p->name);
		fprint_rlim(f, p->soft);
		if (p->hard != p->soft) {
			fputc(':', f);
			fprint_rlim(f, p->hard);
		}
		sep = "\n";
	}
	return 0;
}

static int clr_prlimit(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	const char *name = startswith(key, "lxc.prlimit.");

	prlimit_remove(c, name ? prlimit_resource_from_name(name) : -1);
	return 0;
}

static int set_prlimit_all(struct cove_conf *c, const struct cove_key *k, const char *key,
			   const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	if (!isempty(value))
		return conf_invalid(err, key, value, "only an empty value (clear all) is allowed");
	prlimit_remove(c, -1);
	return 0;
}

static int set_include(struct cove_conf *c, const struct cove_key *k, const char *key,
		       const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	if (isempty(value))
		return 0;
	return conf_include(c, value, ctx, err);
}

static int get_include(const struct cove_conf *c, const struct cove_key *k, const char *key,
		       FILE *f)
{
	const char *sep = "";

	for (size_t i = 0; i < c->n_lines; i++)
		if (streq_ptr(c->lines[i].key, "lxc.include")) {
			fprintf(f, "%s%s", sep, c->lines[i].text);
			sep = "\n";
		}
	return 0;
}

static int clr_nothing(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	return 0;
}

/* Rows for keys we do not know, LXC 2 names and LXC keys cove does not implement. */
static int set_reject(struct cove_conf *c, const struct cove_key *k, const char *key,
		      const char *value, struct conf_ctx *ctx, struct cove_error *err)
{
	if (k->hint && k->hint[0])
		return cove_err(err, -EINVAL,
				"Unknown configuration key '%s': LXC 2 key, use '%s' instead", key,
				k->hint);
	if (k->hint)
		return cove_err(err, -EINVAL, "Unsupported configuration key '%s'", key);
	return cove_err(err, -EINVAL, "Unknown configuration key '%s'", key);
}

static int get_reject(const struct cove_conf *c, const struct cove_key *k, const char *key, FILE *f)
{
	return -ENOENT;
}

static int clr_reject(struct cove_conf *c, const struct cove_key *k, const char *key)
{
	return -ENOENT;
}

#define E    COVE_KEY_EXACT
#define P    COVE_KEY_PREFIX
#define STR  key_set_str, key_get_str, key_clr_str
#define BOOL key_set_bool, key_get_bool, key_clr_bool
#define UINT key_set_uint, key_get_uint, key_clr_uint
#define STRV key_set_strv, key_get_strv, key_clr_strv
#define LEGACY(old, new)                                                                           \
	{                                                                                          \
		old, E, set_reject, get_reject, clr_reject, 0, new                                 \
	}
#define LEGACY_P(old, new)                                                                         \
	{                                                                                          \
		old, P, set_reject, get_reject, clr_reject, 0, new                                 \
	}
#define UNSUPPORTED(name, m)                                                                       \
	{                                                                                          \
		name, m, set_reject, get_reject, clr_reject, 0, ""                                 \
	}

/* First match wins: specific rows come before the prefix rows that would also match. */
/* clang-format off */
static const struct cove_key keys[] = {
	{ "lxc.uts.name", E, set_utsname, key_get_str, key_clr_str, OFF(utsname) },
	{ "lxc.rootfs.path", E, STR, OFF(rootfs_path) },
	{ "lxc.rootfs.mount", E, STR, OFF(rootfs_mount) },
	{ "lxc.rootfs.options", E, STR, OFF(rootfs_options) },
	{ "lxc.rootfs.managed", E, key_set_bool_true, key_get_bool, key_clr_bool_true,
	  OFF(rootfs_managed) },
	{ "lxc.include", E, set_include, get_include, clr_nothing, 0 },
	{ "lxc.arch", E, set_arch, get_arch, clr_arch, 0 },
	{ "lxc.net", E, net_set_all, net_get_all, net_clr_all, 0 },
	{ "lxc.net.", P, net_set, net_get, net_clr, 0 },
	{ "lxc.idmap", E, set_idmap, get_idmap, clr_idmap, 0 },
	{ "lxc.mount.auto", E, set_mount_auto, get_mount_auto, clr_mount_auto, 0 },
	{ "lxc.mount.entry", E, set_mount_entry, get_mount_entry, clr_mount_entry, 0 },
	{ "lxc.mount.fstab", E, STR, OFF(mount_fstab) },
	{ "lxc.cgroup.dir", E, STR, OFF(cgroup_dir) },
	UNSUPPORTED("lxc.cgroup.dir.", P),
	UNSUPPORTED("lxc.cgroup.relative", E),
	{ "lxc.cgroup", E, kv_set_all, kv_get, kv_clr, 0 },
	{ "lxc.cgroup.", P, kv_set, kv_get, kv_clr, 0 },
	{ "lxc.cgroup2", E, kv_set_all, kv_get, kv_clr, 0 },
	{ "lxc.cgroup2.", P, kv_set, kv_get, kv_clr, 0 },
	{ "lxc.cap.drop", E, set_caps, get_caps, key_clr_strv, OFF(cap_drop) },
	{ "lxc.cap.keep", E, set_caps, get_caps, key_clr_strv, OFF(cap_keep) },
	{ "lxc.seccomp.profile", E, STR, OFF(seccomp_profile) },
	{ "lxc.apparmor.profile", E, STR, OFF(apparmor_profile) },
	{ "lxc.apparmor.allow_nesting", E, key_set_tri, key_get_tri, key_clr_tri,
	  OFF(apparmor_allow_nesting) },
	{ "lxc.no_new_privs", E, BOOL, OFF(no_new_privs) },
	{ "lxc.tty.max", E, UINT, OFF(tty_max) },
	{ "lxc.tty.dir", E, key_set_name, key_get_str, key_clr_str, OFF(tty_dir) },
	{ "lxc.pty.max", E, UINT, OFF(pty_max) },
	{ "lxc.console.path", E, STR, OFF(console_path) },
	{ "lxc.console.logfile", E, STR, OFF(console_logfile) },
	{ "lxc.console.buffer.size", E, set_size, get_size, clr_size, OFF(console_buffer_size) },
	{ "lxc.console.size", E, set_size, get_size, clr_size, OFF(console_size) },
	{ "lxc.console.rotate", E, BOOL, OFF(console_rotate) },
	{ "lxc.environment", E, key_set_env, key_get_strv, key_clr_strv, OFF(environment) },
	{ "lxc.init.cmd", E, STR, OFF(init_cmd) },
	{ "lxc.init.uid", E, set_id, key_get_uint, clr_id, OFF(init_uid) },
	{ "lxc.init.gid", E, set_id, key_get_uint, clr_id, OFF(init_gid) },
	{ "lxc.init.cwd", E, key_set_abspath, key_get_str, key_clr_str, OFF(init_cwd) },
	{ "lxc.start.auto", E, BOOL, OFF(start_auto) },
	{ "lxc.start.delay", E, UINT, OFF(start_delay) },
	{ "lxc.start.order", E, key_set_int, key_get_int, key_clr_int, OFF(start_order) },
	{ "lxc.group", E, set_groups, key_get_strv, key_clr_strv, OFF(groups) },
	{ "lxc.hook.version", E, set_hook_version, key_get_uint, key_clr_uint, OFF(hook_version) },
	{ "lxc.hook", E, set_hook_all, get_hook, clr_hook, 0 },
	{ "lxc.hook.", P, set_hook, get_hook, clr_hook, 0 },
	{ "lxc.autodev", E, key_set_tri, key_get_tri, key_clr_tri, OFF(autodev) },
	{ "lxc.log.file", E, STR, OFF(log_file) },
	{ "lxc.log.level", E, set_log_level, get_log_level, key_clr_tri, OFF(log_level) },
	{ "lxc.signal.halt", E, set_signal, key_get_int, key_clr_int, OFF(signal_halt) },
	{ "lxc.signal.stop", E, set_signal, key_get_int, key_clr_int, OFF(signal_stop) },
	{ "lxc.signal.reboot", E, set_signal, key_get_int, key_clr_int, OFF(signal_reboot) },
	{ "lxc.prlimit", E, set_prlimit_all, get_prlimit, clr_prlimit, 0 },
	{ "lxc.prlimit.", P, set_prlimit, get_prlimit, clr_prlimit, 0 },
	{ "lxc.sysctl", E, kv_set_all, kv_get, kv_clr, 0 },
	{ "lxc.sysctl.", P, kv_set, kv_get, kv_clr, 0 },
	{ "lxc.ephemeral", E, BOOL, OFF(ephemeral) },

	/* LXC 2 names. */
	LEGACY("lxc.utsname", "lxc.uts.name"),
	LEGACY("lxc.rootfs", "lxc.rootfs.path"),
	LEGACY("lxc.rootfs.backend", ""),
	LEGACY("lxc.network", "lxc.net"),
	LEGACY_P("lxc.network.", "lxc.net.N.*"),
	LEGACY("lxc.id_map", "lxc.idmap"),
	LEGACY("lxc.tty", "lxc.tty.max"),
	LEGACY("lxc.pts", "lxc.pty.max"),
	LEGACY("lxc.devttydir", "lxc.tty.dir"),
	LEGACY("lxc.aa_profile", "lxc.apparmor.profile"),
	LEGACY("lxc.aa_allow_incomplete", "lxc.apparmor.allow_incomplete"),
	LEGACY("lxc.se_context", "lxc.selinux.context"),
	LEGACY("lxc.seccomp", "lxc.seccomp.profile"),
	LEGACY("lxc.console", "lxc.console.path"),
	LEGACY("lxc.init_cmd", "lxc.init.cmd"),
	LEGACY("lxc.init_uid", "lxc.init.uid"),
	LEGACY("lxc.init_gid", "lxc.init.gid"),
	LEGACY("lxc.logfile", "lxc.log.file"),
	LEGACY("lxc.loglevel", "lxc.log.level"),
	LEGACY("lxc.mount", "lxc.mount.fstab"),
	LEGACY_P("lxc.limit.", "lxc.prlimit.*"),
	LEGACY("lxc.haltsignal", "lxc.signal.halt"),
	LEGACY("lxc.rebootsignal", "lxc.signal.reboot"),
	LEGACY("lxc.stopsignal", "lxc.signal.stop"),
	LEGACY("lxc.syslog", "lxc.log.syslog"),
	LEGACY("lxc.kmsg", ""),
	LEGACY("lxc.pivotdir", ""),

	/* LXC 5 keys that cove does not implement. */
	UNSUPPORTED("lxc.selinux.context", E),
	UNSUPPORTED("lxc.selinux.context.keyring", E),
	UNSUPPORTED("lxc.apparmor.allow_incomplete", E),
	UNSUPPORTED("lxc.apparmor.raw", E),
	UNSUPPORTED("lxc.log.syslog", E),
	UNSUPPORTED("lxc.monitor.", P),
	UNSUPPORTED("lxc.namespace.", P),
	UNSUPPORTED("lxc.proc.", P),
	UNSUPPORTED("lxc.keyring.session", E),
	UNSUPPORTED("lxc.seccomp.allow_nesting", E),
	UNSUPPORTED("lxc.seccomp.notify.", P),
	UNSUPPORTED("lxc.execute.cmd", E),
	UNSUPPORTED("lxc.sched.core", E),
	UNSUPPORTED("lxc.time.", P),
};
/* clang-format on */

static const struct cove_key unknown_key = {"", E, set_reject, get_reject, clr_reject, 0, NULL};

const struct cove_key *conf_key_table(size_t *ret_n)
{
	*ret_n = ELEMENTSOF(keys);
	return keys;
}

const struct cove_key *conf_key_lookup(const char *key)
{
	for (size_t i = 0; key && i < ELEMENTSOF(keys); i++) {
		const char *rest;

		if (keys[i].match == COVE_KEY_EXACT) {
			if (streq(key, keys[i].name))
				return &keys[i];
		} else if ((rest = startswith(key, keys[i].name)) && *rest)
			return &keys[i];
	}
	return &unknown_key;
}

bool conf_key_is_known(const struct cove_key *k)
{
	return k->set != set_reject;
}

bool conf_key_is_group(const char *key)
{
	static const char *const groups[] = {"lxc.net",	 "lxc.cgroup",	"lxc.cgroup2",
					     "lxc.hook", "lxc.prlimit", "lxc.sysctl"};
	const char *n;
	unsigned idx;

	for (size_t i = 0; i < ELEMENTSOF(groups); i++)
		if (streq(key, groups[i]))
			return true;
	n = startswith(key, "lxc.net.");
	return n && safe_atou(n, &idx) == 0;
}
