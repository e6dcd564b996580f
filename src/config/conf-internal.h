/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals of the config parser shared by conf.c (files, lines, includes),
 * conf-keys.c (the key table), conf-net.c (lxc.net.N.*) and conf-parse.c
 * (value parsers). Nothing here touches the host except include reading.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "cove/conf.h"

struct cove_key;

/* Where a value comes from while loading: used for includes and messages. */
struct conf_ctx {
	const char *file; /* borrowed: file being parsed, NULL for API calls */
	unsigned line;
	unsigned depth; /* include nesting */
	char **stack;	/* owned strv: canonical paths being loaded (loop check) */
	bool prefixed;	/* err already carries "FILE:LINE: " */
};

typedef int (*cove_key_set_fn)(struct cove_conf *c, const struct cove_key *k, const char *key,
			       const char *value, struct conf_ctx *ctx, struct cove_error *err);
/* Getters print the value to f; multi-valued keys one value a line, no final newline. */
typedef int (*cove_key_get_fn)(const struct cove_conf *c, const struct cove_key *k, const char *key,
			       FILE *f);
typedef int (*cove_key_clr_fn)(struct cove_conf *c, const struct cove_key *k, const char *key);

enum cove_key_match {
	COVE_KEY_EXACT,
	COVE_KEY_PREFIX, /* name ends with '.', the key has a non-empty rest */
};

struct cove_key {
	const char *name;
	enum cove_key_match match;
	cove_key_set_fn set;
	cove_key_get_fn get;
	cove_key_clr_fn clr;
	size_t offset;	  /* field of struct cove_conf for generic handlers */
	const char *hint; /* for legacy/unsupported rows: the replacement */
};

#define OFF(field) offsetof(struct cove_conf, field)

static inline void *mfree(void *p)
{
	free(p);
	return NULL;
}

/* conf-keys.c: the table itself (for tests). */
const struct cove_key *conf_key_table(size_t *ret_n);
/* conf-keys.c: never returns NULL; unknown keys get a row that rejects. */
const struct cove_key *conf_key_lookup(const char *key);
bool conf_key_is_known(const struct cove_key *k);
/* True if clearing key also clears key.* (lxc.net, lxc.net.0, lxc.cgroup, ...). */
bool conf_key_is_group(const char *key);

/* Format "Invalid value 'V' for key 'K': reason" into err; returns -EINVAL. */
int conf_invalid(struct cove_error *err, const char *key, const char *value, const char *fmt, ...)
    _printf_(4, 5);

/* conf.c: lxc.include handling. */
int conf_include(struct cove_conf *c, const char *value, struct conf_ctx *ctx,
		 struct cove_error *err);

/* conf-net.c */
int net_set(struct cove_conf *c, const struct cove_key *k, const char *key, const char *value,
	    struct conf_ctx *ctx, struct cove_error *err);
int net_get(const struct cove_conf *c, const struct cove_key *k, const char *key, FILE *f);
int net_clr(struct cove_conf *c, const struct cove_key *k, const char *key);
int net_set_all(struct cove_conf *c, const struct cove_key *k, const char *key, const char *value,
		struct conf_ctx *ctx, struct cove_error *err);
int net_get_all(const struct cove_conf *c, const struct cove_key *k, const char *key, FILE *f);
int net_clr_all(struct cove_conf *c, const struct cove_key *k, const char *key);
void net_free_all(struct cove_conf *c);
int net_check(const struct cove_conf *c, struct cove_error *err);

/* conf-parse.c: value parsers. Each returns 0 or -EINVAL and a reason in *ret_why. */
int parse_arch(const char *s, unsigned long *ret_personality, const char **ret_why);
const char *arch_from_personality(unsigned long p);
int parse_idmap(const char *s, struct cove_idmap *ret, const char **ret_why);
/* lxc.mount.auto: *flags updated in place (category by category), shmounts paths too. */
int parse_mount_auto(const char *s, unsigned *flags, char **shm_host, char **shm_cont,
		     const char **ret_why);
void format_mount_auto(unsigned flags, const char *shm_host, const char *shm_cont, FILE *f);
int parse_mount_entry(const char *s, struct cove_mount_entry *ret, const char **ret_why);
void format_mount_entry(const struct cove_mount_entry *m, FILE *f);
void mount_entry_done(struct cove_mount_entry *m);
int prlimit_resource_from_name(const char *name);
int parse_prlimit(const char *s, uint64_t *ret_soft, uint64_t *ret_hard, const char **ret_why);
/* Parse a space-separated capability list into lowercase names without "cap_". */
int parse_caps(const char *s, char ***ret, const char **ret_why);
int parse_env(const char *s, const char **ret_why);
int parse_ifname(const char *s, const char **ret_why);
int parse_hwaddr(const char *s, const char **ret_why);
int parse_ipv4_addr(const char *s, bool with_prefix, const char **ret_why);
int parse_ipv6_addr(const char *s, bool with_prefix, const char **ret_why);
/* Key names under a prefix (cgroup file, sysctl): no '/', no "..", printable. */
int parse_subkey(const char *s, const char **ret_why);

/* Print values of a strv one a line. */
void fprint_strv(FILE *f, char *const *l, const char *sep);
