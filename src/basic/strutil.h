/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* String parsing helpers. All return 0 or a negative errno; none log. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "macro.h"

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static inline bool isempty(const char *s)
{
	return !s || !*s;
}

/* Returns the rest of s after prefix, or NULL if s does not start with it. */
const char *startswith(const char *s, const char *prefix);
bool endswith(const char *s, const char *suffix);

/* Whole-string decimal parsers: no sign for unsigned, no trailing junk. */
int safe_atou64(const char *s, uint64_t *ret);
int safe_atou(const char *s, unsigned *ret);
int safe_atoi(const char *s, int *ret);
/* "1", "0", "true", "false", "yes", "no", "on", "off". */
int parse_bool(const char *s, bool *ret);
/* "512M", "1G", "1024", "64k" (binary units, optional "B"/"iB"). */
int parse_size(const char *s, uint64_t *ret);

/* Remove leading and trailing blanks in place; returns s. */
char *strstrip(char *s);
/* True if s holds a newline or other control character. */
bool string_has_cc(const char *s);
/* Join two path parts with exactly one '/'. New string. */
char *path_join(const char *a, const char *b);
