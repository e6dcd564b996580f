/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <jansson.h>

/* root's largest grant of FILE (/etc/subuid, /etc/subgid); 1 found, 0 the default */
int idmap_root_range(const char *file, unsigned long long *base, unsigned long long *size);

/* the lxc.idmap lines for an expanded config ("" when privileged); free() it */
char *idmap_lxc_config(const json_t *config);
