/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Capabilities of a container's processes (libcap): lxc.cap.drop removes
 * capabilities, lxc.cap.keep keeps only the ones named ("none": nothing).
 * Without either key a privileged container loses the few capabilities
 * that reach past it (cove_caps_default_drop). Applied to the bounding,
 * inheritable and ambient sets just before exec: the effective set is kept
 * until then so that the remaining setup steps (setuid, seccomp) work, and
 * exec computes the new permitted set from the bounding set.
 */
#pragma once

#include <stdbool.h>

#include "cove/conf.h"
#include "cove/error.h"

/* Names of the capabilities dropped by default (LXC's common.conf set). */
extern const char *const cove_caps_default_drop[];

/* Does the container end up without capability name ("sys_admin")? */
bool cove_caps_dropped(const struct cove_conf *c, const char *name);
/* In the child (start or attach), before setuid and exec. */
int cove_caps_apply(const struct cove_conf *c, struct cove_error *err);
