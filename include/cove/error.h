/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct cove_error: how libcove reports a failure in words. Every API and
 * runtime-step function takes one last (it may be NULL); the innermost
 * failure writes the message, callers may add a prefix with cove_err_prefix().
 */
#pragma once

#include <stdarg.h>

#define COVE_ERROR_MAX 1024

struct cove_error {
	int code;		  /* -errno of the failure, 0 if none */
	char msg[COVE_ERROR_MAX]; /* one line, no trailing newline */
};

/*
 * Record a failure: code (a negative errno) and a printf-style message.
 * Returns code, so callers write "return cove_err(err, -EINVAL, ...);".
 * err may be NULL. Does not log.
 */
int cove_err(struct cove_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cove_verr(struct cove_error *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Put "prefix: " in front of the message already recorded. Returns err->code. */
int cove_err_prefix(struct cove_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The message, or strerror(-code) when none was written. Never NULL. */
const char *cove_err_msg(const struct cove_error *err, int code);
