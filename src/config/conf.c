/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading and saving LXC-format config files: line splitting (LXC's rules:
 * '#' comments, "key = value", blanks trimmed, one pair of surrounding
 * quotes removed, no trailing comments), lxc.include of files and
 * directories, the raw lines of top-level files for cove_conf_write(), the
 * public get/set/clear entry points, and the checks that span keys.
 * The only host access is reading config files and included files.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "conf-internal.h"
#include "fileio.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("config");

#define CONF_FILE_MAX	  (4u * 1024 * 1024)
#define INCLUDE_DEPTH_MAX 16
#define CONF_LINES_MAX	  1000000

struct cove_conf *cove_conf_new(void)
{
	struct cove_conf *c = xnew0(struct cove_conf, 1);

	c->rootfs_managed = true;
	c->personality = 0xffffffffUL;
	c->apparmor_allow_nesting = -1;
	c->autodev = -1;
	c->log_level = -1;
	return c;
}

static void kv_free(struct cove_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

struct cove_conf *cove_conf_free(struct cove_conf *c)
{
	if (!c)
		return NULL;
	free(c->path);
	free(c->utsname);
	free(c->rootfs_path);
	free(c->rootfs_mount);
	free(c->rootfs_options);
	free(c->arch);
	net_free_all(c);
	free(c->idmaps);
	free(c->shmounts_host);
	free(c->shmounts_container);
	for (size_t i = 0; i < c->n_mount_entries; i++)
		mount_entry_done(&c->mount_entries[i]);
	free(c->mount_entries);
	free(c->mount_fstab);
	kv_free(c->cgroup, c->n_cgroup);
	kv_free(c->cgroup2, c->n_cgroup2);
	free(c->cgroup_dir);
	strv_free(c->cap_drop);
	strv_free(c->cap_keep);
	free(c->seccomp_profile);
	free(c->apparmor_profile);
	free(c->tty_dir);
	free(c->console_path);
	free(c->console_logfile);
	strv_free(c->environment);
	free(c->init_cmd);
	free(c->init_cwd);
	strv_free(c->groups);
	for (int i = 0; i < _COVE_HOOK_MAX; i++)
		strv_free(c->hooks[i]);
	free(c->log_file);
	for (size_t i = 0; i < c->n_prlimits; i++)
		free(c->prlimits[i].name);
	free(c->prlimits);
	kv_free(c->sysctls, c->n_sysctls);
	for (size_t i = 0; i < c->n_lines; i++) {
		free(c->lines[i].key);
		free(c->lines[i].text);
	}
	free(c->lines);
	free(c);
	return NULL;
}

static void lines_append(struct cove_conf *c, const char *key, const char *text)
{
	c->lines = xrealloc(c->lines, (c->n_lines + 1) * sizeof(*c->lines));
	c->lines[c->n_lines++] = (struct cove_conf_line){
	    .key = key ? xstrdup(key) : NULL,
	    .text = xstrdup(text),
	};
}

/* Does the recorded line with key lk belong to key (as cleared by cove_conf_clear)? */
static bool line_matches(const char *lk, const char *key)
{
	const char *rest;

	if (!lk)
		return false;
	if (streq(lk, key))
		return true;
	if (!conf_key_is_group(key))
		return false;
	rest = startswith(lk, key);
	return rest && rest[0] == '.' && conf_key_lookup(lk)->match == COVE_KEY_PREFIX;
}

/* Remove matching lines; returns the index of the first one removed, or -1. */
static ssize_t lines_remove(struct cove_conf *c, const char *key, bool exact)
{
	ssize_t first = -1;
	size_t j = 0;

	for (size_t i = 0; i < c->n_lines; i++) {
		struct cove_conf_line *l = &c->lines[i];

		if (exact ? streq_ptr(l->key, key) : line_matches(l->key, key)) {
			if (first < 0)
				first = (ssize_t)j;
			free(l->key);
			free(l->text);
		} else
			c->lines[j++] = *l;
	}
	c->n_lines = j;
	return first;
}

static int check_key_value(const char *key, const char *value, struct cove_error *err)
{
	if (isempty(key) || string_has_cc(key) || strpbrk(key, " \t"))
		return cove_err(err, -EINVAL, "Invalid configuration key '%s'", key ?: "");
	if (value && string_has_cc(value))
		return cove_err(err, -EINVAL,
				"Invalid value for key '%s': contains a control character", key);
	return 0;
}

static int apply(struct cove_conf *c, const char *key, const char *value, struct conf_ctx *ctx,
		 struct cove_error *err)
{
	const struct cove_key *k;
	int r;

	r = check_key_value(key, value, err);
	if (r < 0)
		return r;
	k = conf_key_lookup(key);
	return k->set(c, k, key, value ?: "", ctx, err);
}

/* Split one line by LXC's rules. Returns 1 for a key line, 0 for a raw line. */
static int split_line(char *line, char **ret_key, char **ret_value, struct cove_error *err)
{
	char *s = line, *eq, *v;
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '#')
		return 0; /* comments and blank lines are kept as they are */
	/* LXC skips lines that do not start with "lxc."; we reject them: no key is ignored. */
	eq = strchr(s, '=');
	if (!eq)
		return cove_err(err, -EINVAL,
				"Invalid configuration line '%s': expected 'key = value'", s);
	*eq = 0;
	v = eq + 1;
	while (isspace((unsigned char)*v))
		v++;
	n = strlen(v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		v[--n] = 0;
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = 0;
		v++;
	}
	*ret_key = strstrip(s);
	*ret_value = v;
	return 1;
}

static int parse_text(struct cove_conf *c, const char *text, struct conf_ctx *ctx, bool record,
		      struct cove_error *err)
{
	const char *p = text;

	for (ctx->line = 1; *p; ctx->line++) {
		size_t len = strcspn(p, "\n"), n = len;
		_cleanup_free_ char *line = xstrndup(p, n);
		_cleanup_free_ char *raw = NULL;
		char *key = NULL, *value = NULL;
		int r;

		while (n > 0 &&
		       line[n - 1] == '\r') /* CRLF files; all of them, so a save is stable */
			line[--n] = 0;
		raw = record ? xstrdup(line) : NULL;
		p += len + (p[len] == '\n');
		if (ctx->line > CONF_LINES_MAX)
			return cove_err(err, -E2BIG, "%s: too many lines", ctx->file);
		r = split_line(line, &key, &value, err);
		if (r == 0) {
			if (record)
				lines_append(c, NULL, raw);
			continue;
		}
		if (r > 0)
			r = apply(c, key, value, ctx, err);
		if (r < 0) {
			if (!ctx->prefixed)
				(void)cove_err_prefix(err, "%s:%u", ctx->file, ctx->line);
			ctx->prefixed = true;
			return r;
		}
		if (record)
			lines_append(c, key, value);
	}
	return 0;
}

static int load_file(struct cove_conf *c, const char *path, struct conf_ctx *parent, bool record,
		     struct cove_error *err)
{
	_cleanup_free_ char *text = NULL, *real = NULL;
	_cleanup_strv_free_ char **stack = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct conf_ctx ctx = {.file = path};
	size_t len;
	int r;

	if (parent && parent->depth >= INCLUDE_DEPTH_MAX)
		return cove_err(err, -ELOOP, "Includes nested too deeply at '%s'", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to read config file '%s': %m", path);
	if (fd_realpath(fd, &real) < 0 && !(real = realpath(path, NULL)))
		return cove_err(err, -errno, "Failed to read config file '%s': %m", path);
	if (parent && strv_contains(parent->stack, real))
		return cove_err(err, -ELOOP, "Include loop: '%s' is already being read", path);
	r = read_full_fd(fd, CONF_FILE_MAX, &text, &len);
	if (r < 0)
		return cove_err(err, r, "Failed to read config file '%s': %s", path, strerror(-r));
	if (strlen(text) != len)
		return cove_err(err, -EINVAL, "%s: contains a NUL byte", path);
	stack = parent ? strv_copy(parent->stack) : NULL;
	strv_push(&stack, TAKE_PTR(real));
	ctx.stack = stack;
	ctx.depth = parent ? parent->depth + 1 : 0;
	r = parse_text(c, text, &ctx, record, err);
	if (r < 0 && parent)
		parent->prefixed = ctx.prefixed;
	return r;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int include_dir(struct cove_conf *c, const char *dir, struct conf_ctx *ctx,
		       struct cove_error *err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	_cleanup_strv_free_ char **names = NULL;
	struct dirent *de;
	size_t n;

	if (!d)
		return cove_err(err, -errno, "Failed to open include directory '%s': %m", dir);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l < 6 || !endswith(de->d_name, ".conf"))
			continue;
		if (strv_length(names) >= 4096)
			return cove_err(err, -E2BIG, "Too many files in '%s'", dir);
		strv_push(&names, path_join(dir, de->d_name));
	}
	n = strv_length(names);
	if (n > 1)
		qsort(names, n, sizeof(char *), name_cmp);
	STRV_FOREACH (f, names) {
		int r = load_file(c, *f, ctx, false, err);

		if (r < 0)
			return r;
	}
	return 0;
}

int conf_include(struct cove_conf *c, const char *value, struct conf_ctx *ctx,
		 struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	struct conf_ctx api = {};
	const char *base = ctx && ctx->file ? ctx->file : c->path;
	struct stat st;

	if (!ctx)
		ctx = &api;
	if (value[0] != '/' && base && strchr(base, '/')) {
		_cleanup_free_ char *dir = xstrndup(base, strrchr(base, '/') - base);

		path = path_join(dir[0] ? dir : "/", value);
	} else
		path = xstrdup(value);
	if (stat(path, &st) < 0) {
		/* A drop-in directory that does not exist ("userns.conf.d/") is fine. */
		if (errno == ENOENT && endswith(value, "/"))
			return 0;
		return cove_err(err, -errno, "Failed to include '%s': %m", path);
	}
	if (S_ISDIR(st.st_mode))
		return include_dir(c, path, ctx, err);
	return load_file(c, path, ctx, false, err);
}

int cove_conf_load(struct cove_conf *c, const char *path, struct cove_error *err)
{
	int r;

	free(c->path);
	c->path = xstrdup(path);
	r = load_file(c, path, NULL, true, err);
	return r;
}

int cove_conf_load_string(struct cove_conf *c, const char *path, const char *text,
			  struct cove_error *err)
{
	struct conf_ctx ctx = {.file = path ?: "(string)"};

	return parse_text(c, text, &ctx, true, err);
}

int cove_conf_set(struct cove_conf *c, const char *key, const char *value, struct cove_error *err)
{
	int r;

	r = apply(c, key, value, NULL, err);
	if (r < 0)
		return r;
	lines_append(c, key, value ?: "");
	return 0;
}

int cove_conf_clear(struct cove_conf *c, const char *key, struct cove_error *err)
{
	const struct cove_key *k = conf_key_lookup(key);
	int r;

	if (!key)
		return cove_err(err, -ENOENT, "Unknown configuration key ''");
	if (!conf_key_is_known(k)) {
		(void)k->set(c, k, key, "", NULL, err); /* writes the message */
		return -ENOENT;
	}
	r = k->clr(c, k, key);
	if (r < 0)
		return cove_err(err, r, "Unknown configuration key '%s'", key);
	(void)lines_remove(c, key, false);
	return 0;
}

int cove_conf_set_defines(struct cove_conf *c, char *const *defines, struct cove_error *err)
{
	STRV_FOREACH(d, defines) {
		_cleanup_free_ char *k = xstrdup(*d);
		char *eq = strchr(k, '=');
		int r;

		if (!eq)
			return cove_err(err, -EINVAL, "Invalid -s '%s': expected KEY=VALUE", *d);
		*eq = 0;
		r = cove_conf_set(c, strstrip(k), strstrip(eq + 1), err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cove_conf_set_item(struct cove_conf *c, const char *key, const char *value,
		       struct cove_error *err)
{
	_cleanup_(cove_conf_freep) struct cove_conf *scratch = cove_conf_new();
	const struct cove_key *k;
	ssize_t pos;
	int r;

	if (isempty(value))
		return cove_conf_clear(c, key, err);
	/* Validate on a scratch config first, so a bad value changes nothing. */
	scratch->path = c->path ? xstrdup(c->path) : NULL;
	r = apply(scratch, key, value, NULL, err);
	if (r < 0)
		return r;
	k = conf_key_lookup(key);
	(void)k->clr(c, k, key);
	r = apply(c, key, value, NULL, err);
	if (r < 0)
		return r;
	pos = lines_remove(c, key, true);
	lines_append(c, key, value);
	if (pos >= 0 && (size_t)pos < c->n_lines - 1) {
		struct cove_conf_line l = c->lines[c->n_lines - 1];

		memmove(c->lines + pos + 1, c->lines + pos,
			(c->n_lines - 1 - pos) * sizeof(*c->lines));
		c->lines[pos] = l;
	}
	return 0;
}

int cove_conf_get(const struct cove_conf *c, const char *key, char *buf, size_t size,
		  struct cove_error *err)
{
	const struct cove_key *k = key ? conf_key_lookup(key) : NULL;
	_cleanup_free_ char *s = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!k || !conf_key_is_known(k))
		return cove_err(err, -ENOENT, "Unknown configuration key '%s'", key ?: "");
	f = open_memstream(&s, &len);
	if (!f)
		return cove_err(err, -ENOMEM, "Out of memory");
	r = k->get(c, k, key, f);
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return cove_err(err, r, "Unknown configuration key '%s'", key);
	if (buf && size > 0) {
		size_t n = MIN(len, size - 1);

		memcpy(buf, s, n);
		buf[n] = 0;
	}
	return len > INT_MAX ? INT_MAX : (int)len;
}

static int check_idmaps(const struct cove_conf *c, struct cove_error *err)
{
	bool root_u = false, root_g = false;

	if (c->n_idmaps == 0)
		return 0;
	for (size_t i = 0; i < c->n_idmaps; i++) {
		const struct cove_idmap *a = &c->idmaps[i];

		if (a->nsid == 0 && a->type == 'u')
			root_u = true;
		if (a->nsid == 0 && a->type == 'g')
			root_g = true;
		for (size_t j = 0; j < i; j++) {
			const struct cove_idmap *b = &c->idmaps[j];

			if (a->type != b->type)
				continue;
			if ((a->nsid < b->nsid + b->range && b->nsid < a->nsid + a->range) ||
			    (a->hostid < b->hostid + b->range && b->hostid < a->hostid + a->range))
				return cove_err(
				    err, -EINVAL,
				    "Overlapping id maps 'lxc.idmap = %c %lu %lu %lu' and "
				    "'lxc.idmap = %c %lu %lu %lu'",
				    b->type, b->nsid, b->hostid, b->range, a->type, a->nsid,
				    a->hostid, a->range);
		}
	}
	if (!root_u || !root_g)
		return cove_err(err, -EINVAL, "'lxc.idmap' must map %s id 0 of the container",
				!root_u ? "user" : "group");
	return 0;
}

static int check_all(const struct cove_conf *c, struct cove_error *err)
{
	int r;

	r = net_check(c, err);
	if (r < 0)
		return r;
	r = check_idmaps(c, err);
	if (r < 0)
		return r;
	if (c->cap_drop && c->cap_keep)
		return cove_err(err, -EINVAL,
				"Use either 'lxc.cap.drop' or 'lxc.cap.keep', not both");
	return 0;
}

int cove_conf_check(const struct cove_conf *c, struct cove_error *err)
{
	int r = check_all(c, err);

	if (r < 0 && c->path)
		(void)cove_err_prefix(err, "%s", c->path);
	return r;
}

/* Values that LXC would change on reading (blanks at the ends, a quote pair) get quoted. */
static bool value_needs_quotes(const char *v)
{
	size_t n = strlen(v);

	if (n == 0)
		return false;
	if (isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1]))
		return true;
	return n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0];
}

int cove_conf_write(const struct cove_conf *c, FILE *f)
{
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct cove_conf_line *l = &c->lines[i];

		if (!l->key)
			fprintf(f, "%s\n", l->text);
		else if (!l->text[0])
			fprintf(f, "%s =\n", l->key);
		else if (value_needs_quotes(l->text))
			fprintf(f, "%s = \"%s\"\n", l->key, l->text);
		else
			fprintf(f, "%s = %s\n", l->key, l->text);
	}
	return ferror(f) ? -EIO : 0;
}

int cove_conf_save(const struct cove_conf *c, const char *path, struct cove_error *err)
{
	_cleanup_free_ char *s = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	f = open_memstream(&s, &len);
	if (!f)
		return cove_err(err, -ENOMEM, "Out of memory");
	r = cove_conf_write(c, f);
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return cove_err(err, r, "Failed to format config for '%s'", path);
	r = write_file_atomic(path, s, len, 0644);
	if (r < 0)
		return cove_err(err, r, "Failed to write config file '%s': %s", path, strerror(-r));
	return 0;
}

const char *cove_conf_rootfs_dir(const struct cove_conf *c)
{
	const char *p;

	if (!c->rootfs_path)
		return NULL;
	p = startswith(c->rootfs_path, "dir:");
	return p ?: c->rootfs_path;
}

int cove_conf_signal_halt(const struct cove_conf *c)
{
	return c->signal_halt > 0 ? c->signal_halt : SIGPWR;
}

int cove_conf_signal_reboot(const struct cove_conf *c)
{
	return c->signal_reboot > 0 ? c->signal_reboot : SIGINT;
}

int cove_conf_signal_stop(const struct cove_conf *c)
{
	return c->signal_stop > 0 ? c->signal_stop : SIGKILL;
}

bool cove_conf_is_unprivileged(const struct cove_conf *c)
{
	return c->n_idmaps > 0;
}
