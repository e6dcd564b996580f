/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output formats of the LXD client: "table" (+---+ borders, a line under
 * every row, headers centred), "compact" (no borders), "csv" (no header),
 * "json" and "yaml" (the raw objects). Also LXD's size and date formats.
 */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "cove/error.h"

enum format {
	FORMAT_TABLE,
	FORMAT_COMPACT,
	FORMAT_CSV,
	FORMAT_JSON,
	FORMAT_YAML,
	_FORMAT_MAX,
	_FORMAT_INVALID = -EINVAL,
};

enum format format_from_string(const char *s);
const char *format_to_string(enum format f);

/* A table: header cells and rows of cells (strings may hold '\n' for
 * multi-line cells, as LXD's list does for several addresses). */
struct table {
	char **header; /* owned strv */
	char ***rows;  /* owned: array of owned strv */
	size_t n_rows;
};

void table_add_row(struct table *t, char **row /* owned */);
void table_sort(struct table *t, size_t column);
void table_done(struct table *t);

/* Render to f. raw is what json/yaml print (borrowed; may be NULL). */
int format_render(FILE *f, enum format fmt, const struct table *t, json_t *raw,
		  struct cove_error *err);
/* Render only the table kinds (table/compact/csv). */
void format_table(FILE *f, enum format fmt, const struct table *t);
/* JSON as Go's encoder prints it (compact, one line, HTML escapes). */
void format_json(FILE *f, json_t *v);

/* 1024000 -> "1.02MB" (decimal units; below 1000 "999B"). */
char *format_size(uint64_t n, int precision);
/* 1024 * 616 -> "616.00KiB" (binary units). */
char *format_size_iec(uint64_t n, int precision);
/* RFC 3339 -> the Go layout given ("2006/01/02 15:04 MST" etc. are
 * handled by the names below), in local time. NULL or a zero time -> "". */
char *format_time(const char *rfc3339, const char *strftime_fmt);
/* "Nov 28, 2026 at 11:47pm (UTC)", as `lxc image list` shows dates. */
char *format_time_image(const char *rfc3339);
