/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Allocators that abort on out-of-memory: callers bound every size that
 * comes from users before allocating, so OOM here is not a user error.
 */
#pragma once

#include <stddef.h>
#include <stdarg.h>

#include "macro.h"

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
char *xvasprintf(const char *fmt, va_list ap) _printf_(1, 0);

#define xnew0(type, n) ((type *)xzalloc(sizeof(type) * (n)))
