/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove list [-f FORMAT] [-c COLUMNS] [FILTERS...]: one
 * GET /1.0/instances?filter=&recursion=2, then columns, filters and formats
 * as `lxc list` has them. Default columns "ns46tS".
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "client-internal.h"
#include "format.h"
#include "strutil.h"
#include "strv.h"

static const struct {
	char c;
	const char *header;
} columns[] = {
    {'4', "IPV4"},	 {'6', "IPV6"},		{'a', "ARCHITECTURE"}, {'b', "STORAGE POOL"},
    {'c', "CREATED AT"}, {'d', "DESCRIPTION"},	{'e', "PROJECT"},      {'l', "LAST USED AT"},
    {'L', "LOCATION"},	 {'m', "MEMORY USAGE"}, {'n', "NAME"},	       {'N', "PROCESSES"},
    {'p', "PID"},	 {'P', "PROFILES"},	{'s', "STATE"},	       {'S', "SNAPSHOTS"},
    {'t', "TYPE"},	 {'u', "CPU USAGE"},
};

static const char *column_header_of(char c)
{
	for (size_t i = 0; i < ELEMENTSOF(columns); i++)
		if (columns[i].c == c)
			return columns[i].header;
	return NULL;
}

/* "ns46" or "n,s,user.note" -> one entry per column (a char or a config key). */
int list_parse_columns(const char *spec, char ***ret, struct cove_error *err)
{
	_cleanup_strv_free_ char **parts = strv_split(spec, ",");
	_cleanup_strv_free_ char **cols = NULL;

	STRV_FOREACH (p, parts) {
		if (strchr(*p, '.')) {
			strv_push_dup(&cols, *p);
			continue;
		}
		for (const char *c = *p; *c; c++) {
			char s[2] = {*c, 0};
			if (!column_header_of(*c))
				return cove_err(err, -EINVAL,
						"Unknown column shorthand char '%c' in '%s'", *c,
						*p);
			strv_push_dup(&cols, s);
		}
	}
	if (!cols)
		return cove_err(err, -EINVAL, "Can't specify column L when not clustered");
	*ret = TAKE_PTR(cols);
	return 0;
}

char *list_column_header(const char *col)
{
	const char *h;

	if (strlen(col) == 1 && (h = column_header_of(col[0])))
		return xstrdup(h);
	h = strchr(col, ':');
	if (h) /* config key with a header: "user.note:NOTE" */
		return xstrdup(h + 1);
	return xstrdup(col);
}

static bool is_active(json_t *inst)
{
	json_int_t code = json_integer_value(json_object_get(inst, "status_code"));

	return code != 102 && code != 112 && code != 0;
}

static char *addresses(json_t *inst, const char *family)
{
	json_t *net = json_object_get(json_object_get(inst, "state"), "network");
	_cleanup_strv_free_ char **l = NULL;
	const char *ifname;
	json_t *nic, *a;
	size_t i;

	if (!is_active(inst) || !json_is_object(net))
		return xstrdup("");
	json_object_foreach (net, ifname, nic) {
		if (streq_ptr(json_string_value(json_object_get(nic, "type")), "loopback"))
			continue;
		json_array_foreach (json_object_get(nic, "addresses"), i, a) {
			const char *scope = json_string_value(json_object_get(a, "scope")) ?: "";
			if (streq(scope, "link") || streq(scope, "local") ||
			    !streq_ptr(json_string_value(json_object_get(a, "family")), family))
				continue;
			strv_push(&l, xasprintf("%s (%s)",
						json_string_value(json_object_get(a, "address")),
						ifname));
		}
	}
	if (!l)
		return xstrdup("");
	/* Reverse-sorted, as lxc prints them. */
	for (size_t x = 0; l[x]; x++)
		for (size_t y = x + 1; l[y]; y++)
			if (strcmp(l[x], l[y]) < 0) {
				char *t = l[x];
				l[x] = l[y];
				l[y] = t;
			}
	return strv_join(l, "\n");
}

static char *str_upper(const char *s)
{
	char *u = xstrdup(s ?: "");

	for (char *p = u; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return u;
}

static char *type_value(json_t *inst)
{
	_cleanup_free_ char *t = str_upper(json_string_value(json_object_get(inst, "type")));

	if (json_is_true(json_object_get(inst, "ephemeral")))
		return xasprintf("%s (EPHEMERAL)", t);
	return TAKE_PTR(t);
}

static char *state_number(json_t *inst, const char *key)
{
	json_t *v = json_object_get(json_object_get(inst, "state"), key);

	if (!is_active(inst) || !json_is_integer(v))
		return xstrdup("");
	return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
}

static char *profiles_value(json_t *inst)
{
	_cleanup_strv_free_ char **l = NULL;
	json_t *p;
	size_t i;

	json_array_foreach (json_object_get(inst, "profiles"), i, p)
		strv_push_dup(&l, json_string_value(p) ?: "");
	return l ? strv_join(l, "\n") : xstrdup("");
}

static char *memory_value(json_t *inst)
{
	json_t *m = json_object_get(json_object_get(inst, "state"), "memory");
	json_int_t u = json_integer_value(json_object_get(m, "usage"));

	if (!is_active(inst) || u <= 0)
		return xstrdup("");
	return format_size_iec((uint64_t)u, 2);
}

static char *config_value(json_t *inst, const char *col)
{
	_cleanup_free_ char *key = xstrndup(col, strcspn(col, ":"));
	const char *v =
	    json_string_value(json_object_get(json_object_get(inst, "expanded_config"), key));

	return xstrdup(v ?: "");
}

static char *str_field(json_t *inst, const char *key)
{
	return xstrdup(json_string_value(json_object_get(inst, key)) ?: "");
}

char *list_column_value(json_t *inst, const char *col)
{
	if (strlen(col) != 1)
		return config_value(inst, col);
	switch (col[0]) {
	case 'n':
		return str_field(inst, "name");
	case 's':
		return str_upper(json_string_value(json_object_get(inst, "status")));
	case '4':
		return addresses(inst, "inet");
	case '6':
		return addresses(inst, "inet6");
	case 't':
		return type_value(inst);
	case 'S':
		return xasprintf("%zu", json_array_size(json_object_get(inst, "snapshots")));
	case 'a':
		return str_field(inst, "architecture");
	case 'c':
		return format_time(json_string_value(json_object_get(inst, "created_at")),
				   "%Y/%m/%d %H:%M %Z");
	case 'l':
		return format_time(json_string_value(json_object_get(inst, "last_used_at")),
				   "%Y/%m/%d %H:%M %Z");
	case 'd':
		return str_field(inst, "description");
	case 'e':
		return str_field(inst, "project");
	case 'L':
		return str_field(inst, "location");
	case 'p':
		return state_number(inst, "pid");
	case 'N':
		return state_number(inst, "processes");
	case 'P':
		return profiles_value(inst);
	case 'm':
		return memory_value(inst);
	case 'b': {
		json_t *root = json_object_get(json_object_get(inst, "expanded_devices"), "root");
		return xstrdup(json_string_value(json_object_get(root, "pool")) ?: "");
	}
	default:
		return xstrdup("");
	}
}

/* "key=value": a field or a config key (namespace may be shortened). */
static bool match_kv(json_t *inst, const char *key, const char *value)
{
	json_t *cfg = json_object_get(inst, "expanded_config");
	const char *k;
	json_t *v;

	if (streq(key, "status") || streq(key, "state"))
		return strcasecmp(json_string_value(json_object_get(inst, "status")) ?: "",
				  value) == 0;
	if (streq(key, "type") || streq(key, "name") || streq(key, "architecture") ||
	    streq(key, "location") || streq(key, "description"))
		return streq_ptr(json_string_value(json_object_get(inst, key)), value);
	json_object_foreach (cfg, k, v) {
		const char *dot = strchr(k, '.');
		if (streq(k, key) || (dot && streq(dot + 1, key)))
			return streq_ptr(json_string_value(v), value);
	}
	return isempty(value);
}

static bool match_name(const char *name, const char *filter)
{
	_cleanup_free_ char *anchored = NULL;
	regex_t re;
	bool m;

	if (startswith(name, filter))
		return true;
	anchored = xasprintf("^(%s)$", filter);
	if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	m = regexec(&re, name, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

bool list_match_filters(json_t *inst, char *const *filters)
{
	const char *name = json_string_value(json_object_get(inst, "name")) ?: "";

	STRV_FOREACH (f, filters) {
		_cleanup_free_ char *k = NULL, *v = NULL;
		if (client_split_kv(*f, &k, &v) >= 0) {
			if (!match_kv(inst, k, v))
				return false;
		} else if (!match_name(name, *f))
			return false;
	}
	return true;
}

int list_render(json_t *list, char **cols, enum format fmt, char **filters, struct cove_error *err)
{
	_cleanup_(table_done) struct table t = {};
	json_t *shown = json_array(), *inst;
	size_t i;
	int r;

	STRV_FOREACH (c, cols)
		strv_push(&t.header, list_column_header(*c));
	json_array_foreach (list, i, inst) {
		char **row = NULL;
		if (!list_match_filters(inst, filters))
			continue;
		json_array_append(shown, inst);
		STRV_FOREACH (c, cols)
			strv_push(&row, list_column_value(inst, *c));
		table_add_row(&t, row);
	}
	table_sort(&t, 0);
	r = format_render(stdout, fmt, &t, shown, err);
	json_decref(shown);
	return r;
}

int cmd_list(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"columns", required_argument, NULL, 'c'},
	    {"fast", no_argument, NULL, 'F'},	      {"all-projects", no_argument, NULL, 'A'},
	    {"help", no_argument, NULL, 'h'},	      {}};
	_cleanup_strv_free_ char **cols = NULL, **filters = NULL;
	const char *spec = "ns46tS";
	enum format fmt = FORMAT_TABLE;
	json_t *list = NULL;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "f:c:h", opts, err)) != -1) {
		if (r < 0)
			return r;
		if (r == 'f') {
			fmt = format_from_string(optarg);
			if (fmt < 0)
				return cove_err(err, -EINVAL, "Invalid format \"%s\"", optarg);
		} else if (r == 'c')
			spec = optarg;
		else if (r == 'F')
			spec = "nsacPt";
	}
	r = list_parse_columns(spec, &cols, err);
	if (r < 0)
		return r;
	for (int i = optind; i < argc; i++) {
		const char *f = argv[i];
		if (streq(f, "local:"))
			continue;
		r = client_local_name(f, &f, err);
		if (r < 0)
			return r;
		strv_push_dup(&filters, f);
	}
	r = api_get("/1.0/instances?filter=&recursion=2", &list, NULL, err);
	if (r < 0)
		return r;
	r = list_render(list, cols, fmt, filters, err);
	json_decref(list);
	return r;
}
