/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NULL-terminated string vectors. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
/* Append a copy of s; *l may be NULL. */
void strv_push_dup(char ***l, const char *s);
/* Append s, taking ownership. */
void strv_push(char ***l, char *s);
char **strv_copy(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* Split s on any of the separator characters, dropping empty fields. */
char **strv_split(const char *s, const char *seps);
/* Join with sep; returns a new string. */
char *strv_join(char *const *l, const char *sep);

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)
