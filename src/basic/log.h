/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging for programs (tools, monitor, daemon). libcove code logs only at
 * debug level and reports failures through struct cove_error instead.
 * Levels are syslog's (LOG_ERR ... LOG_DEBUG) plus COVE_LOG_TRACE.
 */
#pragma once

#include <syslog.h>

#include "macro.h"

#define COVE_LOG_TRACE (LOG_DEBUG + 1)

#define LOG_MODULE(name) static const char *const log_module _unused_ = name

void log_set_ident(const char *ident);
void log_set_max_level(int level);
int log_get_max_level(void);
/* Log to this fd (borrowed; -1 means stderr). Lines carry a timestamp when not stderr. */
void log_set_fd(int fd);
/*
 * Also hand every message at or above hook_level (LOG_ERR ... COVE_LOG_TRACE,
 * independent of the max level, which only limits what is printed) to hook,
 * after formatting. NULL removes it. coved turns its log into events.
 */
typedef void (*log_hook_fn)(int level, const char *module, const char *msg);
void log_set_hook(log_hook_fn hook, int hook_level);
/* Parse "trace", "debug", "info", "notice", "warn", "error", "crit", "alert", "fatal" or 0-8 (LXC's). */
int log_parse_level(const char *s);

/* Returns error (which should be negative), so callers can "return log_error_errno(r, ...)". */
int log_internal(int level, int error, const char *module, const char *fmt, ...) _printf_(4, 5);

#define log_full_errno(level, error, ...) \
	({ \
		int _l_ = (level), _e_ = (error); \
		_l_ <= log_get_max_level() ? log_internal(_l_, _e_, log_module, __VA_ARGS__) : _e_; \
	})

#define log_trace(...) (void)log_full_errno(COVE_LOG_TRACE, 0, __VA_ARGS__)
#define log_debug(...) (void)log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) (void)log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) (void)log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) (void)log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) (void)log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)
