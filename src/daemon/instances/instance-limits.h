/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "cove/error.h"

/* value checks for the limits.* keys: 0 or -EINVAL (empty is valid) */
int limits_check_memory(const char *v);
int limits_check_enforce(const char *v);
int limits_check_cpu(const char *v);
int limits_check_allowance(const char *v);
int limits_check_priority(const char *v);
int limits_check_processes(const char *v);
int limits_parse_bytes(const char *s, uint64_t *ret);

/* the lxc.cgroup2.* lines ("" when no limit is set); free() it */
char *limits_lxc_config(const json_t *config);

/* set them on the cgroup of a running instance (nothing if it is stopped) */
int limits_apply_running(const char *lxcpath, const char *name, const json_t *config,
			 struct cove_error *err);
