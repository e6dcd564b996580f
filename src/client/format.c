/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tables as LXD's client draws them (the layout of the Go tablewriter it
 * uses), csv as Go's encoding/csv writes it, json as Go's json.Encoder and
 * yaml through yaml.c. Sizes and dates in LXD's formats.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "format.h"
#include "strutil.h"
#include "strv.h"
#include "yaml.h"

static const char *const format_names[_FORMAT_MAX] = {
    [FORMAT_TABLE] = "table", [FORMAT_COMPACT] = "compact", [FORMAT_CSV] = "csv",
    [FORMAT_JSON] = "json",   [FORMAT_YAML] = "yaml",
};

enum format format_from_string(const char *s)
{
	for (int i = 0; i < _FORMAT_MAX; i++)
		if (streq(s, format_names[i]))
			return (enum format)i;
	return _FORMAT_INVALID;
}

const char *format_to_string(enum format f)
{
	return f >= 0 && f < _FORMAT_MAX ? format_names[f] : NULL;
}

void table_add_row(struct table *t, char **row)
{
	t->rows = xrealloc(t->rows, sizeof(char **) * (t->n_rows + 1));
	t->rows[t->n_rows++] = row;
}

static size_t sort_column;

static int row_cmp(const void *a, const void *b)
{
	char **ra = *(char ***)a, **rb = *(char ***)b;
	const char *x = strv_length(ra) > sort_column ? ra[sort_column] : "";
	const char *y = strv_length(rb) > sort_column ? rb[sort_column] : "";

	return strcmp(x, y);
}

void table_sort(struct table *t, size_t column)
{
	sort_column = column;
	if (t->n_rows > 1)
		qsort(t->rows, t->n_rows, sizeof(char **), row_cmp);
}

void table_done(struct table *t)
{
	strv_free(t->header);
	for (size_t i = 0; i < t->n_rows; i++)
		strv_free(t->rows[i]);
	free(t->rows);
	*t = (struct table){};
}

/* Display width of a UTF-8 string: code points. */
static size_t width_of(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* Line number `line` of a cell (lines split on '\n'): start and length. */
static bool cell_line(const char *cell, size_t line, const char **ret, size_t *ret_len)
{
	const char *p = cell ?: "";

	for (size_t i = 0; i < line; i++) {
		p = strchr(p, '\n');
		if (!p)
			return false;
		p++;
	}
	*ret = p;
	*ret_len = strchrnul(p, '\n') - p;
	return true;
}

static size_t cell_height(const char *cell)
{
	size_t h = 1;

	for (const char *p = cell ?: ""; (p = strchr(p, '\n')); p++)
		h++;
	return h;
}

static size_t *column_widths(const struct table *t, size_t ncols)
{
	size_t *w = xnew0(size_t, ncols);

	for (size_t c = 0; c < ncols; c++) {
		w[c] = width_of(t->header[c], strlen(t->header[c]));
		for (size_t r = 0; r < t->n_rows; r++) {
			const char *s;
			size_t len;
			if (c >= strv_length(t->rows[r]))
				continue;
			for (size_t l = 0; cell_line(t->rows[r][c], l, &s, &len); l++)
				w[c] = MAX(w[c], width_of(s, len));
		}
	}
	return w;
}

static void pad(FILE *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fputc(' ', f);
}

static void rule(FILE *f, const size_t *w, size_t ncols)
{
	fputc('+', f);
	for (size_t c = 0; c < ncols; c++) {
		for (size_t i = 0; i < w[c] + 2; i++)
			fputc('-', f);
		fputc('+', f);
	}
	fputc('\n', f);
}

static void header_line(FILE *f, const struct table *t, const size_t *w, size_t ncols, bool border)
{
	fputs(border ? "|" : " ", f);
	for (size_t c = 0; c < ncols; c++) {
		size_t hw = width_of(t->header[c], strlen(t->header[c]));
		size_t gap = w[c] - hw;
		fputc(' ', f);
		pad(f, gap / 2);
		fputs(t->header[c], f);
		pad(f, gap - gap / 2);
		fputc(' ', f);
		fputs(border ? "|" : (c + 1 == ncols ? " " : ""), f);
	}
	fputc('\n', f);
}

static void row_lines(FILE *f, char **row, const size_t *w, size_t ncols, bool border)
{
	size_t h = 1, n = strv_length(row);

	for (size_t c = 0; c < n && c < ncols; c++)
		h = MAX(h, cell_height(row[c]));
	for (size_t l = 0; l < h; l++) {
		fputs(border ? "|" : " ", f);
		for (size_t c = 0; c < ncols; c++) {
			const char *s = "";
			size_t len = 0;
			if (c < n)
				(void)cell_line(row[c], l, &s, &len);
			fputc(' ', f);
			fwrite(s, 1, len, f);
			pad(f, w[c] - width_of(s, len));
			fputc(' ', f);
			fputs(border ? "|" : "", f);
		}
		fputs(border ? "\n" : " \n", f);
	}
}

static void csv_field(FILE *f, const char *s)
{
	bool quote = *s == ' ' || *s == '\t' || strpbrk(s, ",\"\r\n");

	if (!quote) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void format_table(FILE *f, enum format fmt, const struct table *t)
{
	size_t ncols = strv_length(t->header);
	_cleanup_free_ size_t *w = column_widths(t, ncols);
	bool border = fmt == FORMAT_TABLE;

	if (fmt == FORMAT_CSV) {
		for (size_t r = 0; r < t->n_rows; r++) {
			for (size_t c = 0; c < ncols; c++) {
				if (c)
					fputc(',', f);
				csv_field(f, c < strv_length(t->rows[r]) ? t->rows[r][c] : "");
			}
			fputc('\n', f);
		}
		return;
	}
	if (border)
		rule(f, w, ncols);
	header_line(f, t, w, ncols, border);
	if (border)
		rule(f, w, ncols);
	for (size_t r = 0; r < t->n_rows; r++) {
		row_lines(f, t->rows[r], w, ncols, border);
		if (border && r + 1 < t->n_rows)
			rule(f, w, ncols);
	}
	if (border && t->n_rows > 0)
		rule(f, w, ncols);
}

void format_json(FILE *f, json_t *v)
{
	_cleanup_free_ char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	for (const char *p = s ?: "null"; *p; p++) {
		if (*p == '<')
			fputs("\\u003c", f);
		else if (*p == '>')
			fputs("\\u003e", f);
		else if (*p == '&')
			fputs("\\u0026", f);
		else
			fputc(*p, f);
	}
	fputc('\n', f);
}

int format_render(FILE *f, enum format fmt, const struct table *t, json_t *raw,
		  struct cove_error *err)
{
	switch (fmt) {
	case FORMAT_TABLE:
	case FORMAT_COMPACT:
	case FORMAT_CSV:
		format_table(f, fmt, t);
		return 0;
	case FORMAT_JSON:
		format_json(f, raw ?: json_null());
		return 0;
	case FORMAT_YAML: {
		_cleanup_free_ char *y = yaml_dump(raw ?: json_null());
		fputs(y, f);
		return 0;
	}
	default:
		return cove_err(err, -EINVAL, "Invalid format %d", fmt);
	}
}

static char *size_str(uint64_t n, int precision, unsigned base, const char *const *units)
{
	double v = (double)n;
	int u = 0;

	if (n < base)
		return xasprintf("%" PRIu64 "B", n);
	while (v >= base && units[u + 1]) {
		v /= base;
		u++;
		if (v < base)
			break;
	}
	return xasprintf("%.*f%s", precision, v, units[u]);
}

char *format_size(uint64_t n, int precision)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", NULL};

	return size_str(n, precision, 1000, units);
}

char *format_size_iec(uint64_t n, int precision)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", NULL};

	return size_str(n, precision, 1024, units);
}

/* RFC 3339 to a time_t; false for the zero time or a parse failure. */
static bool parse_rfc3339(const char *s, time_t *ret)
{
	struct tm tm = {};
	const char *p;
	long off = 0;

	if (isempty(s) || startswith(s, "0001-01-01") || startswith(s, "1970-01-01T00:00:00"))
		return false;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return false;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == '+' || *p == '-') {
		unsigned h = 0, m = 0;
		if (sscanf(p + 1, "%2u:%2u", &h, &m) != 2)
			return false;
		off = (long)(h * 3600 + m * 60) * (*p == '-' ? -1 : 1);
	}
	*ret = timegm(&tm) - off;
	return true;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
char *format_time(const char *rfc3339, const char *strftime_fmt)
{
	struct tm tm;
	time_t t;
	char buf[128];

	if (!parse_rfc3339(rfc3339, &t) || !localtime_r(&t, &tm))
		return xstrdup("");
	if (strftime(buf, sizeof(buf), strftime_fmt, &tm) == 0)
		return xstrdup("");
	return xstrdup(buf);
}
#pragma GCC diagnostic pop

char *format_time_image(const char *rfc3339)
{
	struct tm tm;
	time_t t;
	char mon[8], zone[16];
	int h;

	if (!parse_rfc3339(rfc3339, &t) || !localtime_r(&t, &tm))
		return xstrdup("");
	strftime(mon, sizeof(mon), "%b", &tm);
	strftime(zone, sizeof(zone), "%Z", &tm);
	h = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
	return xasprintf("%s %d, %d at %d:%02d%s (%s)", mon, tm.tm_mday, tm.tm_year + 1900, h,
			 tm.tm_min, tm.tm_hour < 12 ? "am" : "pm", zone);
}
