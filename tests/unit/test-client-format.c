/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the cove CLI's output formats: LXD's table layout (checked
 * against the captured `lxc list` output), compact, csv, json escapes, the
 * size and date formats, the list columns and filters, and query's indented
 * JSON.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "client-internal.h"
#include "format.h"
#include "strv.h"

static char *render(enum format fmt, const struct table *t, json_t *raw)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(format_render(f, fmt, t, raw, NULL), 0);
	fclose(f);
	return buf;
}

static void fill(struct table *t)
{
	t->header = strv_split("NAME|STATE|IPV4|IPV6|TYPE|SNAPSHOTS", "|");
	table_add_row(t, strv_split("c1|RUNNING|10.87.123.29 (eth0)| |CONTAINER|0", "|"));
	t->rows[0][3][0] = 0; /* an empty cell */
}

static void test_table_like_lxc(void **state)
{
	struct table t = {};
	_cleanup_free_ char *out = NULL;

	fill(&t);
	out = render(FORMAT_TABLE, &t, NULL);
	assert_string_equal(
	    out, "+------+---------+---------------------+------+-----------+-----------+\n"
		 "| NAME |  STATE  |        IPV4         | IPV6 |   TYPE    | SNAPSHOTS |\n"
		 "+------+---------+---------------------+------+-----------+-----------+\n"
		 "| c1   | RUNNING | 10.87.123.29 (eth0) |      | CONTAINER | 0         |\n"
		 "+------+---------+---------------------+------+-----------+-----------+\n");
	table_done(&t);
}

static void test_table_empty(void **state)
{
	struct table t = {.header = strv_split("NAME|STATE|IPV4|IPV6|TYPE|SNAPSHOTS", "|")};
	_cleanup_free_ char *out = render(FORMAT_TABLE, &t, NULL);

	assert_string_equal(out, "+------+-------+------+------+------+-----------+\n"
				 "| NAME | STATE | IPV4 | IPV6 | TYPE | SNAPSHOTS |\n"
				 "+------+-------+------+------+------+-----------+\n");
	table_done(&t);
}

static void test_table_multiline_and_sort(void **state)
{
	struct table t = {.header = strv_split("A,B", ",")};
	_cleanup_free_ char *out = NULL;

	table_add_row(&t, strv_split("zz,x", ","));
	table_add_row(&t, strv_split("aa,1", ","));
	free(t.rows[1][1]);
	t.rows[1][1] = xstrdup("l1\nline2");
	table_sort(&t, 0);
	out = render(FORMAT_TABLE, &t, NULL);
	assert_string_equal(out, "+----+-------+\n"
				 "| A  |   B   |\n"
				 "+----+-------+\n"
				 "| aa | l1    |\n"
				 "|    | line2 |\n"
				 "+----+-------+\n"
				 "| zz | x     |\n"
				 "+----+-------+\n");
	table_done(&t);
}

static void test_compact_csv(void **state)
{
	struct table t = {};
	_cleanup_free_ char *compact = NULL, *csv = NULL;

	fill(&t);
	compact = render(FORMAT_COMPACT, &t, NULL);
	assert_string_equal(compact,
			    "  NAME   STATE          IPV4          IPV6    TYPE     SNAPSHOTS  \n"
			    "  c1    RUNNING  10.87.123.29 (eth0)        CONTAINER  0          \n");
	free(t.rows[0][0]);
	t.rows[0][0] = xstrdup("a,\"b\"");
	csv = render(FORMAT_CSV, &t, NULL);
	assert_string_equal(csv, "\"a,\"\"b\"\"\",RUNNING,10.87.123.29 (eth0),,CONTAINER,0\n");
	table_done(&t);
}

static void test_json_yaml_raw(void **state)
{
	json_t *v = json_pack("{ss si}", "name", "<a&b>", "n", 3);
	_cleanup_free_ char *j = render(FORMAT_JSON, NULL, v), *y = render(FORMAT_YAML, NULL, v);

	assert_string_equal(j, "{\"name\":\"\\u003ca\\u0026b\\u003e\",\"n\":3}\n");
	assert_string_equal(y, "name: <a&b>\n\"n\": 3\n"); /* "n" reads as a bool */
	assert_int_equal(format_from_string("table"), FORMAT_TABLE);
	assert_int_equal(format_from_string("compact"), FORMAT_COMPACT);
	assert_int_equal(format_from_string("xml"), _FORMAT_INVALID);
	assert_string_equal(format_to_string(FORMAT_CSV), "csv");
	json_decref(v);
}

static void test_sizes(void **state)
{
	static const struct {
		uint64_t n;
		bool iec;
		const char *want;
	} cases[] = {
	    {0, false, "0B"},
	    {999, false, "999B"},
	    {1000, false, "1.00kB"},
	    {2190, false, "2.19kB"},
	    {1038126, false, "1.04MB"},
	    {630784, true, "616.00KiB"},
	    {2002780, true, "1.91MiB"},
	    {1023, true, "1023B"},
	    {5368709120ULL, true, "5.00GiB"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *s =
		    cases[i].iec ? format_size_iec(cases[i].n, 2) : format_size(cases[i].n, 2);
		assert_string_equal(s, cases[i].want);
	}
}

static void test_times(void **state)
{
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;

	setenv("TZ", "UTC", 1);
	a = format_time("2026-11-28T23:47:27.128696464Z", "%Y/%m/%d %H:%M %Z");
	assert_string_equal(a, "2026/11/28 23:47 UTC");
	b = format_time_image("2026-11-28T23:47:27Z");
	assert_string_equal(b, "Nov 28, 2026 at 11:47pm (UTC)");
	c = format_time("2026-11-28T01:05:00+02:00", "%H:%M");
	assert_string_equal(c, "23:05");
	d = format_time("0001-01-01T00:00:00Z", "%Y");
	assert_string_equal(d, "");
	e = format_time_image("2026-01-02T00:03:00Z");
	assert_string_equal(e, "Jan 2, 2026 at 12:03am (UTC)");
}

static json_t *instance(void)
{
	return json_loads(
	    "{\"name\":\"c1\",\"status\":\"Running\",\"status_code\":103,\"type\":\"container\","
	    "\"ephemeral\":true,\"profiles\":[\"default\",\"web\"],"
	    "\"expanded_config\":{\"user.note\":\"hi\",\"limits.cpu\":\"2\"},"
	    "\"snapshots\":[{},{}],\"state\":{\"pid\":42,\"network\":{"
	    "\"eth0\":{\"type\":\"broadcast\",\"addresses\":["
	    "{\"family\":\"inet\",\"address\":\"10.0.0.2\",\"scope\":\"global\"},"
	    "{\"family\":\"inet\",\"address\":\"10.0.0.9\",\"scope\":\"global\"},"
	    "{\"family\":\"inet6\",\"address\":\"fe80::1\",\"scope\":\"link\"}]},"
	    "\"lo\":{\"type\":\"loopback\",\"addresses\":[{\"family\":\"inet\","
	    "\"address\":\"127.0.0.1\",\"scope\":\"local\"}]}}}}",
	    0, NULL);
}

static void test_list_columns(void **state)
{
	_cleanup_strv_free_ char **cols = NULL, **cols2 = NULL;
	json_t *inst = instance();
	static const char *const want[] = {
	    "c1", "RUNNING", "10.0.0.9 (eth0)\n10.0.0.2 (eth0)", "", "CONTAINER (EPHEMERAL)", "2"};
	struct cove_error err = {};

	assert_int_equal(list_parse_columns("ns46tS", &cols, NULL), 0);
	assert_int_equal(strv_length(cols), 6);
	for (size_t i = 0; i < 6; i++) {
		_cleanup_free_ char *v = list_column_value(inst, cols[i]);
		assert_string_equal(v, want[i]);
	}
	assert_int_equal(list_parse_columns("n,user.note:NOTE,p,P", &cols2, NULL), 0);
	_cleanup_free_ char *h = list_column_header(cols2[1]),
			    *v = list_column_value(inst, cols2[1]);
	assert_string_equal(h, "NOTE");
	assert_string_equal(v, "hi");
	_cleanup_free_ char *pid = list_column_value(inst, "p"), *pr = list_column_value(inst, "P");
	assert_string_equal(pid, "42");
	assert_string_equal(pr, "default\nweb");
	char **bad = NULL;
	assert_int_equal(list_parse_columns("nX", &bad, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'X'"));
	json_decref(inst);
}

static void test_list_filters(void **state)
{
	json_t *inst = instance();

	assert_true(list_match_filters(inst, NULL));
	assert_true(list_match_filters(inst, (char *[]){"c", NULL}));
	assert_true(list_match_filters(inst, (char *[]){"c[0-9]", NULL}));
	assert_false(list_match_filters(inst, (char *[]){"web", NULL}));
	assert_true(list_match_filters(inst, (char *[]){"status=running", NULL}));
	assert_false(list_match_filters(inst, (char *[]){"status=stopped", NULL}));
	assert_true(list_match_filters(inst, (char *[]){"user.note=hi", "cpu=2", NULL}));
	assert_false(list_match_filters(inst, (char *[]){"user.note=ho", NULL}));
	json_decref(inst);
}

static void test_query_json(void **state)
{
	json_t *v = json_loads("{\"a\":[1,{\"b\":\"<\"}],\"e\":{}}", 0, NULL);
	_cleanup_free_ char *s = query_format_json(v);

	assert_string_equal(s, "{\n\t\"a\": [\n\t\t1,\n\t\t{\n\t\t\t\"b\": \"\\u003c\"\n\t\t}\n"
			       "\t],\n\t\"e\": {}\n}");
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_like_lxc),
	    cmocka_unit_test(test_table_empty),
	    cmocka_unit_test(test_table_multiline_and_sort),
	    cmocka_unit_test(test_compact_csv),
	    cmocka_unit_test(test_json_yaml_raw),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_times),
	    cmocka_unit_test(test_list_columns),
	    cmocka_unit_test(test_list_filters),
	    cmocka_unit_test(test_query_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
