/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The logging sink shared by cove's programs (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "strutil.h"

static const char *log_ident = "cove";
static int log_max_level = LOG_WARNING;
static int log_fd = -1;
static log_hook_fn log_hook;
static int log_hook_level = -1;

void log_set_ident(const char *ident)
{
	log_ident = ident;
}

void log_set_max_level(int level)
{
	log_max_level = level;
}

int log_get_max_level(void)
{
	return log_hook && log_hook_level > log_max_level ? log_hook_level : log_max_level;
}

void log_set_hook(log_hook_fn hook, int hook_level)
{
	log_hook = hook;
	log_hook_level = hook ? hook_level : -1;
}

void log_set_fd(int fd)
{
	log_fd = fd;
}

int log_parse_level(const char *s)
{
	/* LXC's names and numbers: 0 trace ... 8 fatal. */
	static const struct {
		const char *name;
		int level;
	} t[] = {
		{ "trace", COVE_LOG_TRACE }, { "debug", LOG_DEBUG },  { "info", LOG_INFO },
		{ "notice", LOG_NOTICE },    { "warn", LOG_WARNING }, { "error", LOG_ERR },
		{ "crit", LOG_CRIT },	     { "alert", LOG_ALERT },  { "fatal", LOG_EMERG },
	};
	unsigned n;

	if (safe_atou(s, &n) == 0)
		return n < ELEMENTSOF(t) ? t[n].level : -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(t); i++)
		if (strcasecmp(s, t[i].name) == 0)
			return t[i].level;
	if (strcasecmp(s, "warning") == 0)
		return LOG_WARNING;
	return -EINVAL;
}

static const char *level_name(int level)
{
	static const char *const names[] = { "FATAL", "ALERT", "CRIT",	"ERROR", "WARN",
					     "NOTICE", "INFO", "DEBUG", "TRACE" };

	return level >= 0 && level <= COVE_LOG_TRACE ? names[level] : "?";
}

int log_internal(int level, int error, const char *module, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_hook && level <= log_hook_level)
		log_hook(level, module, msg);
	if (level > log_max_level) {
		errno = saved;
		return error;
	}
	if (log_fd < 0) {
		if (level <= LOG_WARNING)
			fprintf(stderr, "%s: %s\n", log_ident, msg);
		else
			fprintf(stderr, "%s: %s %s: %s\n", log_ident, level_name(level), module, msg);
	} else {
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
		dprintf(log_fd, "%s %s.%03ld %-6s %s - %s\n", log_ident, stamp, ts.tv_nsec / 1000000,
			level_name(level), module, msg);
	}
	errno = saved;
	return error;
}
