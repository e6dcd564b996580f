/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * coved's metadata.yaml template renderer (the pongo2 subset of LXD
 * images): variables, config_get, if/elif/else, filters, the templates of
 * Debian/Ubuntu images, and bad templates failing with the line; the
 * multipart parser of split image uploads.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "images/image-template.h"
#include "images/image.h"

static json_t *vars(void)
{
	json_t *c = json_pack("{s:s, s:s, s:b, s:s}", "name", "c1", "architecture", "x86_64",
			      "privileged", 0, "type", "container");

	return json_pack("{s:s, s:s, s:O, s:o, s:{s:s, s:s}, s:{s:s}}", "trigger", "create", "path",
			 "/etc/hostname", "container", c, "instance", c, "config", "user.k", "v1",
			 "user.empty", "", "properties", "default", "#cloud-config\n{}");
}

static void expect(const char *tpl, const char *out)
{
	json_t *v = vars();
	char *s = NULL;
	struct cove_error err = { 0 };
	int r = image_template_render("t.tpl", tpl, v, &s, &err);

	if (r < 0)
		fail_msg("render of '%s' failed: %s", tpl, err.msg);
	assert_string_equal(s, out);
	free(s);
	json_decref(v);
}

static void expect_fail(const char *tpl, const char *msg_part)
{
	json_t *v = vars();
	char *s = NULL;
	struct cove_error err = { 0 };
	int r = image_template_render("bad.tpl", tpl, v, &s, &err);

	assert_int_equal(r, -EINVAL);
	assert_null(s);
	assert_non_null(strstr(err.msg, "bad.tpl"));
	if (!strstr(err.msg, msg_part))
		fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
	json_decref(v);
}

static void test_variables(void **state)
{
	expect("plain text\n", "plain text\n");
	expect("{{ container.name }}\n", "c1\n");
	expect("{{instance.name}}-{{ container.architecture }}", "c1-x86_64");
	expect("{{ trigger }} {{ path }}", "create /etc/hostname");
	expect("[{{ nosuch.var }}]", "[]");
	expect("{{ container.privileged }}", "False");
	expect("{{ properties.default }}", "#cloud-config\n{}");
	expect("a { b } c", "a { b } c");
	expect("{# a comment #}x", "x");
}

static void test_config_get(void **state)
{
	expect("{{ config_get(\"user.k\", \"d\") }}", "v1");
	expect("{{ config_get(\"user.none\", \"d\") }}", "d");
	expect("{{ config_get('user.none', properties.default) }}", "#cloud-config\n{}");
	expect("{{ config_get(\"user.empty\", \"d\") }}", "");
}

static void test_if(void **state)
{
	expect("{% if container.name == \"c1\" %}yes{% else %}no{% endif %}", "yes");
	expect("{% if container.name != \"c1\" %}yes{% else %}no{% endif %}", "no");
	expect("{% if config_get(\"user.empty\", \"\") == \"\" %}A{% elif true %}B{% endif %}", "A");
	expect("{% if false %}A{% elif container.name == 'c1' %}B{% else %}C{% endif %}", "B");
	expect("{% if not container.privileged %}u{% endif %}", "u");
	expect("{% if container.name == 'c1' and trigger == 'create' %}1{% endif %}", "1");
	expect("{% if container.name == 'x' or (trigger == 'create') %}1{% endif %}", "1");
	expect("{% if true %}{% if false %}a{% else %}b{% endif %}{% endif %}", "b");
	expect("{% if false %}{% if true %}a{% endif %}{% else %}c{% endif %}", "c");
}

static void test_filters(void **state)
{
	expect("{{ container.name|upper }}", "C1");
	expect("{{ \"ABC\" | lower }}", "abc");
	expect("{{ config_get(\"user.empty\", \"\")|default:\"dflt\" }}", "dflt");
	expect("{{ \"hello world\"|title }}", "Hello World");
	expect("{{ \"  x \"|trim }}", "x");
	expect("{{ container.name|safe }}", "c1");
}

/* the templates shipped by Debian/Ubuntu images (distrobuilder) */
static void test_real_images(void **state)
{
	expect("127.0.1.1\t{{ container.name }}\n127.0.0.1\tlocalhost\n", "127.0.1.1\tc1\n127.0.0.1\tlocalhost\n");
	expect("instance-id: {{ container.name }}\nlocal-hostname: {{ container.name }}\n"
	       "{{ config_get(\"user.meta-data\", \"\") }}\n",
	       "instance-id: c1\nlocal-hostname: c1\n\n");
	expect("{% if config_get(\"user.network-config\", \"\") == \"\" %}version: 1\n"
	       "config:\n  - type: physical\n    name: {% if instance.type == \"virtual-machine\" "
	       "%}enp5s0{% else %}eth0{% endif %}\n    subnets:\n      - type: {% if "
	       "config_get(\"user.network_mode\", \"\") == \"link-local\" %}manual{% else %}dhcp{% "
	       "endif %}\n{% else %}{{ config_get(\"user.network-config\", \"\") }}{% endif %}\n",
	       "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n"
	       "      - type: dhcp\n\n");
}

static void test_bad(void **state)
{
	expect_fail("line1\n{% for x in y %}{% endfor %}", "line 2: unsupported tag for");
	expect_fail("{{ container.name|nosuch }}", "unsupported filter nosuch");
	expect_fail("{{ lookup(\"x\") }}", "unsupported function lookup");
	expect_fail("a\nb\n{% if true %}x", "missing endif");
	expect_fail("{% endif %}", "unexpected endif");
	expect_fail("{% if true %}{% else %}{% else %}{% endif %}", "unexpected else");
	expect_fail("{{ container.name ", "line 1: unterminated tag");
	expect_fail("{{ \"abc }}", "unterminated string");
	expect_fail("{{ container.name + 1 }}", "unsupported syntax");
	expect_fail("{{ }}", "missing expression");
	expect_fail("{{ config_get(\"a\") }}", "config_get");
	expect_fail("{% include \"x\" %}", "unsupported tag include");
	expect_fail("{% if a == %}{% endif %}", "missing expression");
	expect_fail("{% else x %}", "unexpected");
}

static void test_multipart(void **state)
{
	static const char body[] = "--B1\r\nContent-Disposition: form-data; name=\"metadata\"; "
				   "filename=\"m.tar\"\r\nContent-Type: application/octet-stream\r\n\r\n"
				   "META\r\n--B1\r\nContent-Disposition: form-data; name=\"rootfs\"\r\n\r\n"
				   "RO\r\nOT\r\n--B1--\r\n";
	struct image_part parts[] = { { .name = "metadata" }, { .name = "rootfs" }, { .name = "x" } };
	struct cove_error err = { 0 };

	assert_int_equal(image_multipart_parse(body, sizeof(body) - 1,
					       "multipart/form-data; boundary=B1", parts, 3, &err), 0);
	assert_int_equal(parts[0].len, 4);
	assert_memory_equal(parts[0].data, "META", 4);
	assert_int_equal(parts[1].len, 6);
	assert_memory_equal(parts[1].data, "RO\r\nOT", 6);
	assert_null(parts[2].data);
	/* quoted boundary */
	parts[0].data = NULL;
	assert_int_equal(image_multipart_parse(body, sizeof(body) - 1,
					       "multipart/form-data; boundary=\"B1\"", parts, 1, &err), 0);
	assert_non_null(parts[0].data);
	/* no boundary, another content type, no closing delimiter, garbage */
	assert_int_equal(image_multipart_parse(body, sizeof(body) - 1, "multipart/form-data", parts, 1,
					       &err), -EINVAL);
	assert_int_equal(image_multipart_parse(body, sizeof(body) - 1, "text/plain; boundary=B1",
					       parts, 1, &err), -EINVAL);
	assert_int_equal(image_multipart_parse(body, sizeof(body) - 10,
					       "multipart/form-data; boundary=B1", parts, 1, &err), -EINVAL);
	assert_int_equal(image_multipart_parse("garbage", 7, "multipart/form-data; boundary=B1", parts,
					       1, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variables), cmocka_unit_test(test_config_get),
		cmocka_unit_test(test_if),	  cmocka_unit_test(test_filters),
		cmocka_unit_test(test_real_images), cmocka_unit_test(test_bad),
		cmocka_unit_test(test_multipart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
