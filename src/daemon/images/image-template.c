/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The template renderer: a single pass over the text with a stack of
 * {% if %} states; expressions are parsed by recursive descent and
 * evaluated to jansson values (strings, booleans, integers, null).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "image-template.h"
#include "macro.h"
#include "strutil.h"

#define IF_DEPTH_MAX 32
#define TEMPLATE_OUT_MAX (4u << 20)

struct tpl {
	const char *name; /* borrowed: for messages */
	const json_t *vars;
	unsigned line;	  /* of the tag being parsed */
	const char *p;	  /* expression cursor */
	const char *end;  /* end of the expression */
	struct cove_error *err;
	int r;
};

static int tpl_fail(struct tpl *t, const char *what, const char *detail)
{
	if (t->r == 0)
		t->r = cove_err(t->err, -EINVAL, "Template '%s' line %u: %s%s%s", t->name, t->line, what,
				detail ? " " : "", detail ?: "");
	return t->r;
}

static void skip_ws(struct tpl *t)
{
	while (t->p < t->end && isspace((unsigned char)*t->p))
		t->p++;
}

static bool accept(struct tpl *t, const char *tok)
{
	size_t n = strlen(tok);

	skip_ws(t);
	if ((size_t)(t->end - t->p) < n || strncmp(t->p, tok, n) != 0)
		return false;
	/* words must end at a non-identifier character */
	if (isalpha((unsigned char)tok[0]) && t->p + n < t->end &&
	    (isalnum((unsigned char)t->p[n]) || t->p[n] == '_'))
		return false;
	t->p += n;
	return true;
}

static char *ident(struct tpl *t)
{
	const char *s;

	skip_ws(t);
	s = t->p;
	if (s >= t->end || !(isalpha((unsigned char)*s) || *s == '_'))
		return NULL;
	while (t->p < t->end && (isalnum((unsigned char)*t->p) || *t->p == '_' || *t->p == '-'))
		t->p++;
	return xstrndup(s, (size_t)(t->p - s));
}

static json_t *string_literal(struct tpl *t)
{
	char q = *t->p++;
	_cleanup_free_ char *s = xmalloc((size_t)(t->end - t->p) + 1);
	size_t n = 0;

	while (t->p < t->end && *t->p != q) {
		char c = *t->p++;

		if (c == '\\' && t->p < t->end) {
			c = *t->p++;
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
		}
		s[n++] = c;
	}
	if (t->p >= t->end) {
		tpl_fail(t, "unterminated string literal", NULL);
		return NULL;
	}
	t->p++;
	s[n] = 0;
	return json_string(s);
}

static char *to_string(const json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_true(v))
		return xstrdup("True");
	if (json_is_false(v))
		return xstrdup("False");
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	return xstrdup("");
}

static bool truthy(const json_t *v)
{
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	return json_is_true(v);
}

static json_t *or_expr(struct tpl *t);

/* config_get("key", default) */
static json_t *call(struct tpl *t, const char *fn)
{
	json_t *args[2] = { NULL, NULL }, *v = NULL;
	const json_t *config = json_object_get(t->vars, "config");
	int n = 0;

	if (!streq(fn, "config_get")) {
		tpl_fail(t, "unsupported function", fn);
		return NULL;
	}
	while (!accept(t, ")")) {
		if (n == 2 || (n > 0 && !accept(t, ","))) {
			tpl_fail(t, "config_get takes two arguments", NULL);
			goto out;
		}
		args[n] = or_expr(t);
		if (!args[n++])
			goto out;
	}
	if (n != 2 || !json_is_string(args[0])) {
		tpl_fail(t, "config_get takes a key and a default", NULL);
		goto out;
	}
	v = json_object_get(config, json_string_value(args[0]));
	v = v ? json_incref(v) : json_incref(args[1]);
out:
	json_decref(args[0]);
	json_decref(args[1]);
	return v;
}

static json_t *variable(struct tpl *t, char *first)
{
	const json_t *v = json_object_get(t->vars, first);

	while (t->p < t->end && *t->p == '.') {
		_cleanup_free_ char *m = NULL;

		t->p++;
		m = ident(t);
		if (!m) {
			tpl_fail(t, "bad attribute after", first);
			return NULL;
		}
		v = json_object_get(v, m);
	}
	/* pongo2 renders a missing variable as nothing */
	return v ? json_incref((json_t *)v) : json_null();
}

static json_t *primary(struct tpl *t)
{
	_cleanup_free_ char *id = NULL;
	json_t *v;

	skip_ws(t);
	if (t->p >= t->end) {
		tpl_fail(t, "missing expression", NULL);
		return NULL;
	}
	if (*t->p == '"' || *t->p == '\'')
		return string_literal(t);
	if (isdigit((unsigned char)*t->p)) {
		long long n = 0;

		while (t->p < t->end && isdigit((unsigned char)*t->p))
			n = n * 10 + (*t->p++ - '0');
		return json_integer(n);
	}
	if (accept(t, "(")) {
		v = or_expr(t);
		if (v && !accept(t, ")")) {
			json_decref(v);
			tpl_fail(t, "missing ')'", NULL);
			return NULL;
		}
		return v;
	}
	id = ident(t);
	if (!id) {
		_cleanup_free_ char *tok = xstrndup(t->p, strcspn(t->p, " \t\n%}"));
		tpl_fail(t, "unsupported syntax", tok);
		return NULL;
	}
	if (streq(id, "true") || streq(id, "True"))
		return json_true();
	if (streq(id, "false") || streq(id, "False"))
		return json_false();
	if (accept(t, "("))
		return call(t, id);
	return variable(t, id);
}

static json_t *apply_filter(struct tpl *t, json_t *v, const char *f, json_t *arg)
{
	_cleanup_free_ char *s = to_string(v);

	if (streq(f, "default")) {
		if (!arg)
			return tpl_fail(t, "filter default needs an argument", NULL), NULL;
		return json_incref(truthy(v) ? v : arg);
	}
	if (arg)
		return tpl_fail(t, "filter takes no argument:", f), NULL;
	if (streq(f, "safe"))
		return json_incref(v);
	if (streq(f, "lower") || streq(f, "upper") || streq(f, "capfirst") || streq(f, "title")) {
		for (char *c = s; *c; c++) {
			bool first = c == s || (streq(f, "title") && !isalnum((unsigned char)c[-1]));

			if (streq(f, "upper") || (first && (streq(f, "capfirst") || streq(f, "title"))))
				*c = (char)toupper((unsigned char)*c);
			else if (streq(f, "lower") || streq(f, "title"))
				*c = (char)tolower((unsigned char)*c);
		}
		return json_string(s);
	}
	if (streq(f, "trim"))
		return json_string(strstrip(s));
	return tpl_fail(t, "unsupported filter", f), NULL;
}

static json_t *filtered(struct tpl *t)
{
	json_t *v = primary(t);

	while (v && accept(t, "|")) {
		_cleanup_free_ char *f = ident(t);
		json_t *arg = NULL, *nv;

		if (!f) {
			json_decref(v);
			return tpl_fail(t, "missing filter name", NULL), NULL;
		}
		if (t->p < t->end && *t->p == ':') {
			t->p++;
			arg = primary(t);
			if (!arg) {
				json_decref(v);
				return NULL;
			}
		}
		nv = apply_filter(t, v, f, arg);
		json_decref(arg);
		json_decref(v);
		v = nv;
	}
	return v;
}

static json_t *comparison(struct tpl *t)
{
	json_t *a = filtered(t), *b;
	_cleanup_free_ char *sa = NULL, *sb = NULL;
	bool ne;

	if (!a)
		return NULL;
	if (accept(t, "=="))
		ne = false;
	else if (accept(t, "!="))
		ne = true;
	else
		return a;
	b = filtered(t);
	if (!b) {
		json_decref(a);
		return NULL;
	}
	sa = to_string(a);
	sb = to_string(b);
	json_decref(a);
	json_decref(b);
	return json_boolean(streq(sa, sb) != ne);
}

static json_t *not_expr(struct tpl *t)
{
	json_t *v;
	bool b;

	if (!accept(t, "not"))
		return comparison(t);
	v = not_expr(t);
	if (!v)
		return NULL;
	b = truthy(v);
	json_decref(v);
	return json_boolean(!b);
}

static json_t *bool_chain(struct tpl *t, const char *op, json_t *(*sub)(struct tpl *))
{
	json_t *a = sub(t), *b;
	bool r;

	while (a && accept(t, op)) {
		b = sub(t);
		if (!b) {
			json_decref(a);
			return NULL;
		}
		r = streq(op, "and") ? truthy(a) && truthy(b) : truthy(a) || truthy(b);
		json_decref(a);
		json_decref(b);
		a = json_boolean(r);
	}
	return a;
}

static json_t *and_expr(struct tpl *t)
{
	return bool_chain(t, "and", not_expr);
}

static json_t *or_expr(struct tpl *t)
{
	return bool_chain(t, "or", and_expr);
}

/* Evaluate [s, e) as a whole expression. */
static json_t *eval(struct tpl *t, const char *s, const char *e)
{
	json_t *v;

	t->p = s;
	t->end = e;
	v = or_expr(t);
	skip_ws(t);
	if (v && t->p < t->end) {
		_cleanup_free_ char *rest = xstrndup(t->p, (size_t)(t->end - t->p));
		json_decref(v);
		tpl_fail(t, "unsupported syntax", rest);
		return NULL;
	}
	return v;
}

struct if_state {
	bool parent; /* the enclosing block is output */
	bool taken;  /* a branch of this if was true */
	bool active; /* the current branch is output */
	bool in_else;
};

static unsigned count_lines(const char *from, const char *to)
{
	unsigned n = 0;

	for (; from < to; from++)
		n += *from == '\n';
	return n;
}

static int branch(struct tpl *t, struct if_state *st, int *depth, const char *kw, const char *s,
		  const char *e)
{
	bool active = *depth == 0 || st[*depth - 1].active;
	json_t *v = NULL;

	if (streq(kw, "if") || streq(kw, "elif")) {
		v = eval(t, s, e);
		if (!v)
			return t->r;
	} else {
		t->p = s;
		t->end = e;
		skip_ws(t);
		if (t->p != e)
			return tpl_fail(t, "unexpected text after", kw);
	}
	if (streq(kw, "if")) {
		if (*depth == IF_DEPTH_MAX)
			return json_decref(v), tpl_fail(t, "too many nested ifs", NULL);
		st[*depth] = (struct if_state){ .parent = active, .taken = truthy(v) };
		st[*depth].active = active && st[*depth].taken;
		(*depth)++;
		json_decref(v);
		return 0;
	}
	if (*depth == 0 || (st[*depth - 1].in_else && !streq(kw, "endif")))
		return json_decref(v), tpl_fail(t, "unexpected", kw);
	st += *depth - 1;
	if (streq(kw, "endif"))
		(*depth)--;
	else if (streq(kw, "else")) {
		st->active = st->parent && !st->taken;
		st->in_else = true;
	} else {
		st->active = st->parent && !st->taken && truthy(v);
		st->taken = st->taken || truthy(v);
	}
	json_decref(v);
	return 0;
}

/* One {% ... %} tag; s..e is its inside. */
static int tag(struct tpl *t, struct if_state *st, int *depth, const char *s, const char *e)
{
	_cleanup_free_ char *kw = NULL;

	t->p = s;
	t->end = e;
	kw = ident(t);
	if (!kw || !(streq(kw, "if") || streq(kw, "elif") || streq(kw, "else") || streq(kw, "endif")))
		return tpl_fail(t, "unsupported tag", kw ?: "");
	return branch(t, st, depth, kw, t->p, e);
}

static int emit(struct tpl *t, FILE *out, const char *s, size_t n, size_t *total)
{
	*total += n;
	if (*total > TEMPLATE_OUT_MAX)
		return tpl_fail(t, "output too large", NULL);
	fwrite(s, 1, n, out);
	return 0;
}

static int render_loop(struct tpl *t, const char *text, FILE *out)
{
	struct if_state st[IF_DEPTH_MAX];
	const char *p = text;
	size_t total = 0;
	int depth = 0, r = 0;

	t->line = 1;
	while (*p && r == 0) {
		const char *open = strpbrk(p, "{"), *close;
		bool active = depth == 0 || st[depth - 1].active;
		const char *closer;

		while (open && open[1] != '{' && open[1] != '%' && open[1] != '#')
			open = strchr(open + 1, '{');
		if (!open) {
			if (active)
				r = emit(t, out, p, strlen(p), &total);
			break;
		}
		if (active)
			r = emit(t, out, p, (size_t)(open - p), &total);
		t->line += count_lines(p, open);
		closer = open[1] == '{' ? "}}" : open[1] == '%' ? "%}" : "#}";
		close = strstr(open + 2, closer);
		if (!close)
			return tpl_fail(t, "unterminated tag", NULL);
		if (r < 0)
			break;
		if (open[1] == '{') {
			json_t *v = eval(t, open + 2, close);
			_cleanup_free_ char *s = v ? to_string(v) : NULL;

			json_decref(v);
			if (!v)
				return t->r;
			if (active)
				r = emit(t, out, s, strlen(s), &total);
		} else if (open[1] == '%')
			r = tag(t, st, &depth, open + 2, close);
		t->line += count_lines(open, close);
		p = close + 2;
	}
	if (r == 0 && depth > 0)
		return tpl_fail(t, "missing endif", NULL);
	return r < 0 ? r : t->r;
}

int image_template_render(const char *name, const char *text, const json_t *vars, char **ret,
			  struct cove_error *err)
{
	struct tpl t = { .name = name, .vars = vars, .err = err };
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int r;

	if (!out)
		return cove_err(err, -ENOMEM, "Out of memory");
	r = render_loop(&t, text, out);
	fclose(out);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(buf);
	return 0;
}
