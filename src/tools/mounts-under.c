/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Find mount points below a directory (see mounts-under.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "mounts-under.h"
#include "strutil.h"

/* mountinfo escapes blanks, tabs, newlines and backslashes as \ooo */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

int mounts_under(const char *dir, char **ret_first)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *real = realpath(dir, NULL);
	char *line = NULL;
	size_t n = 0, len;
	int found = 0;

	if (!real)
		return errno == ENOENT ? 0 : -errno;
	len = strlen(real);
	f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		free(line);
		return -errno;
	}
	while (!found && getline(&line, &n, f) > 0) {
		char mp[PATH_MAX];

		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		unescape(mp);
		if (strncmp(mp, real, len) == 0 && (mp[len] == 0 || mp[len] == '/')) {
			found = 1;
			if (ret_first)
				*ret_first = xstrdup(mp);
		}
	}
	free(line);
	return found;
}
