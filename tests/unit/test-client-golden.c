/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Golden tests: the JSON the real LXD 5.0.2 sent (tests/data/client/*.json,
 * taken from ../shared/reference/captures) rendered by cove's code must give
 * exactly what the real `lxc` printed (*.out): list, info, config show,
 * profile/network/storage show, image info and image list. TZ=UTC, as in
 * the captures.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "client.h"
#include "client-internal.h"
#include "fileio.h"
#include "strv.h"
#include "yaml.h"

static json_t *load(const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/client/%s.json", TEST_DATA_DIR, name);
	json_t *v = json_load_file(p, 0, NULL);

	assert_non_null(v);
	return v;
}

static char *expected(const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/client/%s.out", TEST_DATA_DIR, name);
	char *s = NULL;

	assert_int_equal(read_full_file(p, 1 << 20, &s, NULL), 0);
	return s;
}

/* Run fn(v) with stdout going to a temporary file; return what it wrote. */
static char *capture(void (*fn)(json_t *v), json_t *v)
{
	char path[] = "/tmp/cove-golden.XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC), saved;
	char *s = NULL;

	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	fn(v);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	assert_int_equal(read_full_file(path, 1 << 20, &s, NULL), 0);
	unlink(path);
	return s;
}

static void check(const char *name, void (*fn)(json_t *v))
{
	json_t *v = load(name);
	_cleanup_free_ char *got = capture(fn, v), *want = expected(name);

	assert_string_equal(got, want);
	json_decref(v);
}

static void print_list(json_t *v)
{
	_cleanup_strv_free_ char **cols = NULL;

	assert_int_equal(list_parse_columns("ns46tS", &cols, NULL), 0);
	assert_int_equal(list_render(v, cols, FORMAT_TABLE, NULL, NULL), 0);
}

static void print_yaml(json_t *v)
{
	client_print_object(v);
}

static void print_config(json_t *v)
{
	json_t *w = config_writable(v, false);

	client_print_yaml(w);
	json_decref(w);
}

static void print_image_list(json_t *v)
{
	assert_int_equal(image_list_render(v, FORMAT_TABLE, NULL), 0);
}

#define LIST_PRINTER(name, fn)                                                                     \
	static void name(json_t *v)                                                                \
	{                                                                                          \
		assert_int_equal(fn(v, FORMAT_TABLE, NULL), 0);                                    \
	}
LIST_PRINTER(print_profiles, profile_list_render)
LIST_PRINTER(print_pools, storage_list_render)
LIST_PRINTER(print_networks, network_list_render)
LIST_PRINTER(print_aliases, alias_list_render)

static void print_query(json_t *v)
{
	_cleanup_free_ char *s = query_format_json(v);

	printf("%s\n", s);
}

static void test_other_lists(void **state)
{
	check("profile-list", print_profiles);
	check("storage-list", print_pools);
	check("network-list", print_networks);
	check("image-alias-list", print_aliases);
}

/* The capture kept the first 4000 bytes of `lxc query /1.0`. */
static void test_query(void **state)
{
	json_t *v = load("query-1.0");
	_cleanup_free_ char *got = capture(print_query, v), *want = expected("query-1.0");

	assert_true(strlen(want) > 3900);
	assert_memory_equal(got, want, 3900);
	json_decref(v);
}

static void test_list(void **state)
{
	check("list-1", print_list);
}

static void test_info(void **state)
{
	check("info", info_print_instance);
}

static void test_config_show(void **state)
{
	check("config-show", print_config);
}

static void test_shows(void **state)
{
	check("profile-show", print_yaml);
	check("network-show", print_yaml);
	check("storage-show", print_yaml);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* lxc prints image properties in Go's random map order: compare the
 * lines as sets, and the part before "Properties:" exactly. */
static void test_image_info(void **state)
{
	json_t *v = load("image-info");
	_cleanup_free_ char *got = capture(image_print_info, v), *want = expected("image-info");
	_cleanup_strv_free_ char **g = strv_split(got, "\n"), **w = strv_split(want, "\n");

	assert_memory_equal(got, want, strstr(want, "Properties:") - want);
	assert_int_equal(strv_length(g), strv_length(w));
	qsort(g, strv_length(g), sizeof(char *), cmp_lines);
	qsort(w, strv_length(w), sizeof(char *), cmp_lines);
	for (size_t i = 0; w[i]; i++)
		assert_string_equal(g[i], w[i]);
	json_decref(v);
}

static void test_image_list(void **state)
{
	check("image-list", print_image_list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list),	cmocka_unit_test(test_info),
	    cmocka_unit_test(test_config_show), cmocka_unit_test(test_shows),
	    cmocka_unit_test(test_image_info),	cmocka_unit_test(test_image_list),
	    cmocka_unit_test(test_other_lists), cmocka_unit_test(test_query),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
