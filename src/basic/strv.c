/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NULL-terminated string vectors (see strv.h). */
#include <string.h>

#include "alloc.h"
#include "strv.h"

char **strv_free(char **l)
{
	if (!l)
		return NULL;
	for (char **s = l; *s; s++)
		free(*s);
	free(l);
	return NULL;
}

size_t strv_length(char *const *l)
{
	size_t n = 0;

	while (l && l[n])
		n++;
	return n;
}

void strv_push(char ***l, char *s)
{
	size_t n = strv_length(*l);

	*l = xrealloc(*l, sizeof(char *) * (n + 2));
	(*l)[n] = s;
	(*l)[n + 1] = NULL;
}

void strv_push_dup(char ***l, const char *s)
{
	strv_push(l, xstrdup(s));
}

char **strv_copy(char *const *l)
{
	char **r = xnew0(char *, strv_length(l) + 1);
	size_t i = 0;

	STRV_FOREACH(s, l)
		r[i++] = xstrdup(*s);
	return r;
}

bool strv_contains(char *const *l, const char *s)
{
	STRV_FOREACH(i, l)
		if (strcmp(*i, s) == 0)
			return true;
	return false;
}

char **strv_split(const char *s, const char *seps)
{
	char **r = xnew0(char *, 1);

	while (*s) {
		size_t n;

		s += strspn(s, seps);
		n = strcspn(s, seps);
		if (n == 0)
			break;
		strv_push(&r, xstrndup(s, n));
		s += n;
	}
	return r;
}

char *strv_join(char *const *l, const char *sep)
{
	size_t len = 1, seplen = strlen(sep);
	char *r, *p;

	STRV_FOREACH(s, l)
		len += strlen(*s) + seplen;
	r = p = xmalloc(len);
	*p = 0;
	STRV_FOREACH(s, l) {
		if (s != l)
			p = stpcpy(p, sep);
		p = stpcpy(p, *s);
	}
	return r;
}
