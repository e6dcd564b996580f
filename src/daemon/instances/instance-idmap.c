/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unprivileged by default, like LXD: unless security.privileged=true the
 * generated config maps container root to root's grant in /etc/subuid and
 * /etc/subgid (the largest range of at least 65536 ids), or, when those
 * files grant root nothing, to LXD's default 1000000 + 1000000000.
 * libcove gives the container an idmapped rootfs: the image is not chowned.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fileio.h"
#include "instance-idmap.h"
#include "strutil.h"

#define IDMAP_DEFAULT_BASE 1000000ULL
#define IDMAP_DEFAULT_SIZE 1000000000ULL
#define IDMAP_MIN_SIZE 65536ULL

/* root's largest grant in FILE ("root:START:COUNT" or "0:START:COUNT") */
int idmap_root_range(const char *file, unsigned long long *base, unsigned long long *size)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	bool found = false;

	*base = IDMAP_DEFAULT_BASE;
	*size = IDMAP_DEFAULT_SIZE;
	if (read_full_file(file, 1 << 20, &text, NULL) < 0)
		return 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long s, c;
		char who[64];

		if (sscanf(l, "%63[^:]:%llu:%llu", who, &s, &c) != 3)
			continue;
		if (!streq(who, "root") && !streq(who, "0"))
			continue;
		if (c < IDMAP_MIN_SIZE || (found && c <= *size))
			continue;
		*base = s;
		*size = c;
		found = true;
	}
	return found ? 1 : 0;
}

char *idmap_lxc_config(const json_t *config)
{
	const char *p = json_string_value(json_object_get(config, "security.privileged"));
	unsigned long long ub, us, gb, gs;
	bool priv = false;

	if (!isempty(p) && parse_bool(p, &priv) == 0 && priv)
		return xstrdup("");
	idmap_root_range("/etc/subuid", &ub, &us);
	idmap_root_range("/etc/subgid", &gb, &gs);
	return xasprintf("lxc.idmap = u 0 %llu %llu\nlxc.idmap = g 0 %llu %llu\n", ub, us, gb, gs);
}
