/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * YAML output written by hand (libfyaml's emitter has its own style, and
 * users diff `cove config show` against `lxc config show`), YAML input
 * through libfyaml. See yaml.h.
 */
#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "strutil.h"
#include "yaml.h"

static bool in_list(const char *s, const char *const *l)
{
	for (; *l; l++)
		if (streq(s, *l))
			return true;
	return false;
}

static bool resolves_null_or_bool(const char *s)
{
	static const char *const words[] = {
	    "",	     "~",     "null",  "Null",	"NULL",	 "y",	  "Y",	   "yes",   "Yes",
	    "YES",   "n",     "N",     "no",	"No",	 "NO",	  "true",  "True",  "TRUE",
	    "false", "False", "FALSE", "on",	"On",	 "ON",	  "off",   "Off",   "OFF",
	    ".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
	    ".nan",  ".NaN",  ".NAN",  "<<",	NULL};
	return in_list(s, words);
}

static bool is_int(const char *s)
{
	_cleanup_free_ char *c = xstrdup(s);
	char *o = c, *end;
	int base = 0;

	for (const char *p = s; *p; p++)
		if (*p != '_')
			*o++ = *p;
	*o = 0;
	o = c;
	if (*o == '+' || *o == '-')
		o++;
	if (!isdigit((unsigned char)*o))
		return false;
	if (startswith(o, "0b") || startswith(o, "0o")) {
		base = o[1] == 'b' ? 2 : 8;
		o += 2;
	}
	if (!*o)
		return false;
	errno = 0;
	(void)strtoull(o, &end, base);
	return *end == 0;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool is_float(const char *s)
{
	const char *p = s;
	bool digits = false;

	if (*p == '+' || *p == '-')
		p++;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
	}
	while (isdigit((unsigned char)*p)) {
		p++;
		digits = true;
	}
	if (*p == '.' && digits)
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (!digits && p == s)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == 0 && (digits || s[0] == '.' || s[1] == '.');
}

/* 2006-1-2 ... : a YAML timestamp, or base 60 (1:20), which yaml.v2 quotes. */
static bool is_time_like(const char *s)
{
	const char *p = s;
	int n = 0;

	while (isdigit((unsigned char)*p))
		p++, n++;
	if (n == 4 && *p == '-' && isdigit((unsigned char)p[1]))
		return true;
	if (n > 0 && *p == ':' && isdigit((unsigned char)p[1])) {
		for (p++; isdigit((unsigned char)*p) || *p == ':'; p++)
			;
		return *p == 0 || *p == '.';
	}
	return false;
}

static bool needs_double(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return resolves_null_or_bool(s) || is_int(s) || is_float(s) || is_time_like(s);
}

static bool plain_allowed(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || isspace((unsigned char)s[0]) || isspace((unsigned char)s[n - 1]))
		return false;
	if (startswith(s, "---") || startswith(s, "..."))
		return false;
	if (strchr("#,[]{}&*!|>'\"%@`", s[0]))
		return false;
	if (strchr("-?:", s[0]) && (s[1] == 0 || s[1] == ' '))
		return false;
	if (strstr(s, ": ") || strstr(s, " #") || s[n - 1] == ':')
		return false;
	return true;
}

static char *double_quote(const char *s)
{
	char *out = xmalloc(strlen(s) * 4 + 3), *o = out;

	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (*p == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (*p == '\t') {
			*o++ = '\\';
			*o++ = 't';
		} else if (*p < 0x20 || *p == 0x7f)
			o += sprintf(o, "\\x%02X", *p);
		else
			*o++ = (char)*p;
	}
	*o++ = '"';
	*o = 0;
	return out;
}

static char *single_quote(const char *s)
{
	char *out = xmalloc(strlen(s) * 2 + 3), *o = out;

	*o++ = '\'';
	for (; *s; s++) {
		if (*s == '\'')
			*o++ = '\'';
		*o++ = *s;
	}
	*o++ = '\'';
	*o = 0;
	return out;
}

char *yaml_scalar(const char *s)
{
	if (needs_double(s))
		return double_quote(s);
	if (!plain_allowed(s))
		return single_quote(s);
	return xstrdup(s);
}

struct out {
	char *buf;
	size_t len, cap;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->len + n + 1 > o->cap) {
		o->cap = MAX(o->cap * 2, o->len + n + 256);
		o->buf = xrealloc(o->buf, o->cap);
	}
	memcpy(o->buf + o->len, s, n + 1);
	o->len += n;
}

static void indent(struct out *o, int n)
{
	for (int i = 0; i < n; i++)
		put(o, " ");
}

static char *format_real(double d)
{
	char buf[64];

	if (isnan(d))
		return xstrdup(".nan");
	if (isinf(d))
		return xstrdup(d > 0 ? "+.inf" : "-.inf");
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return xstrdup(buf);
}

static char *scalar_text(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return yaml_scalar(json_string_value(v));
	case JSON_INTEGER:
		return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		return format_real(json_real_value(v));
	case JSON_TRUE:
		return xstrdup("true");
	case JSON_FALSE:
		return xstrdup("false");
	default:
		return xstrdup("null");
	}
}

static bool is_multiline(json_t *v)
{
	return json_is_string(v) && strchr(json_string_value(v), '\n');
}

static void emit_literal(struct out *o, const char *s, int ind)
{
	size_t n = strlen(s);
	_cleanup_free_ char *copy = xstrdup(s);
	char *line, *save = NULL;

	put(o, n > 0 && s[n - 1] == '\n' ? "|\n" : "|-\n");
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		indent(o, ind);
		put(o, line);
		put(o, "\n");
	}
}

static void emit(struct out *o, json_t *v, int ind, bool inline_first);

/* After "key:" or "- ": the value on the same line, or below it. */
static void emit_value(struct out *o, json_t *v, int ind, bool in_seq)
{
	if (json_is_object(v) && json_object_size(v) > 0) {
		if (in_seq) {
			emit(o, v, ind + 2, true);
			return;
		}
		put(o, "\n");
		emit(o, v, ind + 2, false);
	} else if (json_is_array(v) && json_array_size(v) > 0) {
		if (in_seq) {
			emit(o, v, ind + 2, true);
			return;
		}
		put(o, "\n");
		emit(o, v, ind, false);
	} else if (is_multiline(v)) {
		put(o, in_seq ? "" : " ");
		emit_literal(o, json_string_value(v), ind + 2);
	} else {
		_cleanup_free_ char *t = json_is_object(v)  ? xstrdup("{}")
					 : json_is_array(v) ? xstrdup("[]")
							    : scalar_text(v);
		put(o, in_seq ? "" : " ");
		put(o, t);
		put(o, "\n");
	}
}

static void emit(struct out *o, json_t *v, int ind, bool inline_first)
{
	const char *key;
	json_t *item;
	size_t i;
	bool first = true;

	if (json_is_object(v) && json_object_size(v) > 0) {
		json_object_foreach (v, key, item) {
			_cleanup_free_ char *k = yaml_scalar(key);
			if (!(first && inline_first))
				indent(o, ind);
			first = false;
			put(o, k);
			put(o, ":");
			emit_value(o, item, ind, false);
		}
	} else if (json_is_array(v) && json_array_size(v) > 0) {
		json_array_foreach (v, i, item) {
			if (!(first && inline_first))
				indent(o, ind);
			first = false;
			put(o, "- ");
			emit_value(o, item, ind, true);
		}
	} else
		emit_value(o, v, ind, true);
}

char *yaml_dump(json_t *v)
{
	struct out o = {};

	emit(&o, v, 0, false);
	if (!o.buf)
		put(&o, "");
	return o.buf;
}

/* YAML 1.1 resolution of a plain scalar, as Go's yaml.v2 reads it. */
static json_t *plain_scalar(const char *s)
{
	static const char *const t[] = {"y",	"Y",	"yes", "Yes", "YES", "true",
					"True", "TRUE", "on",  "On",  "ON",  NULL};
	static const char *const f[] = {"n",	 "N",	  "no",	 "No",	"NO",  "false",
					"False", "FALSE", "off", "Off", "OFF", NULL};
	static const char *const nul[] = {"", "~", "null", "Null", "NULL", NULL};
	long long ll;
	char *end;

	if (in_list(s, nul))
		return json_null();
	if (in_list(s, t))
		return json_true();
	if (in_list(s, f))
		return json_false();
	if (is_int(s) && !strchr(s, '_')) {
		errno = 0;
		ll = strtoll(s, &end, 0);
		if (errno == 0 && *end == 0)
			return json_integer(ll);
	}
	if (is_float(s))
		return json_real(strtod(s, NULL));
	return json_string(s);
}

static json_t *node_to_json(struct fy_node *n)
{
	void *iter = NULL;
	json_t *v;

	if (!n)
		return json_null();
	switch (fy_node_get_type(n)) {
	case FYNT_MAPPING: {
		struct fy_node_pair *p;
		v = json_object();
		while ((p = fy_node_mapping_iterate(n, &iter))) {
			struct fy_node *k = fy_node_pair_key(p);
			size_t kl = 0;
			const char *ks = k ? fy_node_get_scalar(k, &kl) : NULL;
			_cleanup_free_ char *key = ks ? xstrndup(ks, kl) : xstrdup("");
			json_object_set_new(v, key, node_to_json(fy_node_pair_value(p)));
		}
		return v;
	}
	case FYNT_SEQUENCE: {
		struct fy_node *it;
		v = json_array();
		while ((it = fy_node_sequence_iterate(n, &iter)))
			json_array_append_new(v, node_to_json(it));
		return v;
	}
	default: {
		size_t l = 0;
		const char *s = fy_node_get_scalar(n, &l);
		_cleanup_free_ char *str = xstrndup(s ?: "", s ? l : 0);
		if (fy_node_get_style(n) == FYNS_PLAIN)
			return plain_scalar(str);
		return json_string(str);
	}
	}
}

static bool blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			return false;
	return true;
}

/* The first collected error, as "yaml: line N: message" (Go's style). */
static int parse_error(struct fy_diag *diag, struct cove_error *err)
{
	void *iter = NULL;
	struct fy_diag_error *e = fy_diag_errors_iterate(diag, &iter);

	if (!e)
		return cove_err(err, -EINVAL, "yaml: invalid YAML document");
	return cove_err(err, -EINVAL, "yaml: line %d: %s", e->line + 1, e->msg);
}

int yaml_load(const char *text, size_t len, json_t **ret, struct cove_error *err)
{
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag;
	struct fy_document *d;
	json_t *v;
	int r = 0;

	if (blank(text, len)) {
		*ret = json_object();
		return 0;
	}
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = NULL;
	diag = fy_diag_create(&dcfg);
	if (!diag)
		return cove_err(err, -ENOMEM, "Failed to set up the YAML parser");
	fy_diag_set_collect_errors(diag, true);
	struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG, .diag = diag};
	d = fy_document_build_from_string(&cfg, text, len);
	if (!d)
		r = parse_error(diag, err);
	fy_diag_destroy(diag);
	if (r < 0)
		return r;
	v = node_to_json(fy_document_root(d));
	fy_document_destroy(d);
	if (json_is_null(v))
		v = json_object();
	*ret = v;
	return 0;
}

void yaml_stringify_values(json_t *obj)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return;
	json_object_foreach (obj, key, v) {
		if (json_is_string(v))
			continue;
		if (json_is_null(v)) {
			json_object_set_new(obj, key, json_string(""));
			continue;
		}
		_cleanup_free_ char *s = json_is_true(v) ? xstrdup("true")
					 : json_is_false(v)
					     ? xstrdup("false")
					     : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		json_object_set_new(obj, key, json_string(s));
	}
}
