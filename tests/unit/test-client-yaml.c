/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the CLI's YAML module: output in the style of LXD's client
 * (the captured `lxc config show` and `lxc profile show`), scalar quoting,
 * and YAML -> JSON -> YAML round trips, bad documents.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "yaml.h"

static void test_profile_show(void **state)
{
	json_t *p = json_loads(
	    "{\"config\":{},\"description\":\"Default LXD profile\",\"devices\":{\"eth0\":"
	    "{\"name\":\"eth0\",\"network\":\"lxdbr0\",\"type\":\"nic\"},\"root\":{\"path\":\"/\","
	    "\"pool\":\"default\",\"type\":\"disk\"}},\"name\":\"default\",\"used_by\":"
	    "[\"/1.0/instances/c1\",\"/1.0/instances/c2\"]}",
	    0, NULL);
	char *y = yaml_dump(p);

	assert_string_equal(y, "config: {}\n"
			       "description: Default LXD profile\n"
			       "devices:\n"
			       "  eth0:\n"
			       "    name: eth0\n"
			       "    network: lxdbr0\n"
			       "    type: nic\n"
			       "  root:\n"
			       "    path: /\n"
			       "    pool: default\n"
			       "    type: disk\n"
			       "name: default\n"
			       "used_by:\n"
			       "- /1.0/instances/c1\n"
			       "- /1.0/instances/c2\n");
	free(y);
	json_decref(p);
}

static void test_scalars(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"x86_64", "x86_64"},
	    {"0", "\"0\""},
	    {"true", "\"true\""},
	    {"", "\"\""},
	    {"RUNNING", "RUNNING"},
	    {"@", "'@'"},
	    {"[{\"Isuid\":true}]", "'[{\"Isuid\":true}]'"},
	    {"2026-11-28T23:49:39.074038623Z", "\"2026-11-28T23:49:39.074038623Z\""},
	    {"1.5", "\"1.5\""},
	    {"256MB", "256MB"},
	    {"a: b", "'a: b'"},
	    {"it's", "it's"},
	    {"- x", "'- x'"},
	    {"tab\there", "\"tab\\there\""},
	    {"no", "\"no\""},
	    {"/var/lib/cove", "/var/lib/cove"},
	    {"10.87.123.1/24", "10.87.123.1/24"},
	    {"1:20", "\"1:20\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = yaml_scalar(cases[i].in);
		assert_string_equal(s, cases[i].out);
		free(s);
	}
}

static void test_types_and_lists(void **state)
{
	json_t *v = json_loads("{\"e\":false,\"n\":null,\"i\":-3,\"f\":0.5,\"l\":[],"
			       "\"m\":[{\"a\":1,\"b\":[\"x\"]},\"s\"],\"t\":\"l1\\nl2\\n\"}",
			       0, NULL);
	char *y = yaml_dump(v);

	assert_string_equal(y, "e: false\n\"n\": null\ni: -3\nf: 0.5\nl: []\n"
			       "m:\n- a: 1\n  b:\n  - x\n- s\nt: |\n  l1\n  l2\n");
	free(y);
	json_decref(v);
}

static void test_load(void **state)
{
	const char *text = "### comment\nconfig:\n  limits.cpu: 2\n  limits.memory: 256MB\n"
			   "  security.nesting: true\n  user.q: \"true\"\ndescription: web\n"
			   "devices: {}\nephemeral: false\nprofiles:\n- default\n- web\n";
	json_t *v = NULL, *c;

	assert_int_equal(yaml_load(text, strlen(text), &v, NULL), 0);
	c = json_object_get(v, "config");
	assert_int_equal(json_integer_value(json_object_get(c, "limits.cpu")), 2);
	assert_true(json_is_true(json_object_get(c, "security.nesting")));
	assert_string_equal(json_string_value(json_object_get(c, "user.q")), "true");
	assert_true(json_is_false(json_object_get(v, "ephemeral")));
	assert_int_equal(json_array_size(json_object_get(v, "profiles")), 2);
	assert_int_equal(json_object_size(json_object_get(v, "devices")), 0);
	yaml_stringify_values(c);
	assert_string_equal(json_string_value(json_object_get(c, "limits.cpu")), "2");
	assert_string_equal(json_string_value(json_object_get(c, "security.nesting")), "true");
	assert_string_equal(json_string_value(json_object_get(c, "limits.memory")), "256MB");
	json_decref(v);
}

static void test_roundtrip(void **state)
{
	json_t *v =
	    json_loads("{\"config\":{\"volatile.idmap.base\":\"0\",\"x\":\"'q'\","
		       "\"y\":\"a: b\",\"z\":\"\"},\"description\":\"multi\\nline\","
		       "\"devices\":{\"root\":{\"path\":\"/\"}},\"profiles\":[\"default\"]}",
		       0, NULL);
	char *y = yaml_dump(v), *y2;
	json_t *back = NULL;

	assert_int_equal(yaml_load(y, strlen(y), &back, NULL), 0);
	assert_true(json_equal(v, back));
	y2 = yaml_dump(back);
	assert_string_equal(y, y2);
	free(y);
	free(y2);
	json_decref(v);
	json_decref(back);
}

static void test_bad_and_empty(void **state)
{
	struct cove_error err = {};
	json_t *v = NULL;

	assert_int_equal(yaml_load("a: [1, 2\nb: {", 14, &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "yaml: line "));
	assert_int_equal(yaml_load("key: value\n  bad: indent\n", 25, &v, NULL), -EINVAL);
	assert_int_equal(yaml_load("", 0, &v, NULL), 0);
	assert_true(json_is_object(v));
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_profile_show),    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_types_and_lists), cmocka_unit_test(test_load),
	    cmocka_unit_test(test_roundtrip),	    cmocka_unit_test(test_bad_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
