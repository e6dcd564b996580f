/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* struct cove_error helpers (see include/cove/error.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cove/error.h"

int cove_verr(struct cove_error *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int cove_err(struct cove_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = cove_verr(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int cove_err_prefix(struct cove_error *err, const char *fmt, ...)
{
	char prefix[COVE_ERROR_MAX], old[COVE_ERROR_MAX];
	va_list ap;

	if (!err)
		return -EIO;
	va_start(ap, fmt);
	(void)vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* using the result keeps gcc's -Wformat-truncation quiet: cutting is fine here */
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old) < 0)
		err->msg[0] = 0;
	return err->code;
}

const char *cove_err_msg(const struct cove_error *err, int code)
{
	if (err && err->msg[0])
		return err->msg;
	return strerror(code < 0 ? -code : code);
}
