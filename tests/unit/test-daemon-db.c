/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * coved's database and instance rules on a temporary SQLite file: schema
 * migrations, instance/profile/image/alias rows, and the config key and
 * name checks with LXD's error texts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon.h"
#include "db/db.h"
#include "fileio.h"
#include "instances/instance.h"
#include "netsvc.h"
#include "strv.h"

static char dir[] = "/tmp/test-daemon-db.XXXXXX";

static int setup(void **state)
{
	char *path;

	assert_non_null(mkdtemp(dir));
	path = malloc(strlen(dir) + 16);
	sprintf(path, "%s/local.db", dir);
	assert_int_equal(db_open(path, &the_daemon->db, NULL), 0);
	free(path);
	return 0;
}

static int teardown(void **state)
{
	db_close(the_daemon->db);
	the_daemon->db = NULL;
	rm_rf(dir);
	return 0;
}

static void test_migrations(void **state)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(the_daemon->db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), db_schema_version());
	sqlite3_finalize(st);
	/* idempotent */
	assert_int_equal(db_migrate(the_daemon->db, NULL), 0);
	assert_int_equal(sqlite3_prepare_v2(the_daemon->db, "PRAGMA foreign_keys", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
}

static void test_instances(void **state)
{
	struct db_instance i = {
		.name = (char *)"c1", .architecture = (char *)"x86_64", .description = (char *)"",
		.created_at = (char *)"2026-01-01T00:00:00Z", .last_used_at = (char *)"1970-01-01T00:00:00Z",
		.config = json_pack("{s:s}", "user.a", "b"), .devices = json_object(),
		.profiles = json_pack("[s]", "default"),
	}, got = { 0 };
	struct cove_error err = { 0 };
	char **names = NULL;

	assert_int_equal(db_instance_insert(the_daemon->db, &i, NULL), 0);
	assert_int_equal(db_instance_insert(the_daemon->db, &i, &err), -EEXIST);
	assert_string_equal(err.msg, "Instance \"c1\" already exists");
	assert_int_equal(db_instance_get(the_daemon->db, "c1", &got, NULL), 0);
	assert_string_equal(json_string_value(json_object_get(got.config, "user.a")), "b");
	db_instance_clear(&got);
	assert_int_equal(db_instance_rename(the_daemon->db, "c1", "c2", NULL), 0);
	assert_int_equal(db_instance_get(the_daemon->db, "c1", &got, &err), -ENOENT);
	assert_string_equal(err.msg, "Instance not found");
	assert_int_equal(db_instance_names(the_daemon->db, &names, NULL), 0);
	assert_string_equal(names[0], "c2");
	strv_free(names);
	assert_int_equal(db_instance_delete(the_daemon->db, "c2", NULL), 0);
	json_decref(i.config);
	json_decref(i.devices);
	json_decref(i.profiles);
}

static void test_images_aliases(void **state)
{
	const char *fp = "aaaa000000000000000000000000000000000000000000000000000000000001";
	struct db_image img = {
		.fingerprint = (char *)fp, .filename = (char *)"x.tar", .architecture = (char *)"x86_64",
		.created_at = (char *)"t", .uploaded_at = (char *)"t", .size = 10,
		.properties = json_object(),
	}, got = { 0 };
	char *target = NULL;

	assert_int_equal(db_image_insert(the_daemon->db, &img, NULL), 0);
	assert_int_equal(db_image_get(the_daemon->db, "aaaa", &got, NULL), 0);
	assert_string_equal(got.fingerprint, fp);
	db_image_clear(&got);
	assert_int_equal(db_image_get(the_daemon->db, "zz", &got, NULL), -ENOENT);
	assert_int_equal(db_alias_put(the_daemon->db, "bb", fp, "", NULL), 0);
	assert_int_equal(db_alias_put(the_daemon->db, "bb", fp, "", NULL), -EEXIST);
	assert_int_equal(db_alias_get(the_daemon->db, "bb", &target, NULL, NULL), 0);
	assert_string_equal(target, fp);
	free(target);
	/* aliases go with their image (foreign key, ON DELETE CASCADE) */
	assert_int_equal(db_image_delete(the_daemon->db, fp, NULL), 0);
	assert_int_equal(db_alias_get(the_daemon->db, "bb", NULL, NULL, NULL), -ENOENT);
	json_decref(img.properties);
}

static int check_key(const char *k, const char *v, char *msg, size_t n)
{
	json_t *c = json_pack("{s:s}", k, v);
	struct cove_error err = { 0 };
	int r = instance_config_validate(c, &err);

	json_decref(c);
	snprintf(msg, n, "%s", err.msg);
	return r;
}

static void test_config_keys(void **state)
{
	char msg[COVE_ERROR_MAX];
	static const char *const good[][2] = {
		{ "user.foo", "x" },	       { "environment.FOO", "bar" }, { "limits.memory", "256MB" },
		{ "limits.memory", "50%" },    { "limits.cpu", "0-1" },	     { "limits.processes", "100" },
		{ "boot.autostart", "true" },  { "security.privileged", "false" },
		{ "raw.lxc", "lxc.tty.max = 2" }, { "volatile.uuid", "x" },
	};
	static const char *const bad[][2] = {
		{ "foo.bar", "1" },	      { "limits.memory", "lots" }, { "limits.cpu", "two" },
		{ "limits.processes", "x" },  { "boot.autostart", "maybe" },
		{ "raw.lxc", "lxc.nosuch = 1" }, { "user.", "x" },
	};

	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		assert_int_equal(check_key(good[i][0], good[i][1], msg, sizeof(msg)), 0);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_int_equal(check_key(bad[i][0], bad[i][1], msg, sizeof(msg)), -EINVAL);
	check_key("foo.bar", "1", msg, sizeof(msg));
	assert_string_equal(msg, "Invalid config: Unknown configuration key: foo.bar");
}

static void test_names(void **state)
{
	static const char *const good[] = { "c1", "web-server", "A9" };
	static const char *const bad[] = { "", "a/b", "..", ".", "1abc", "-a", "a-", "a_b", "a b",
					   "0123456789012345678901234567890123456789012345678901234567890123" };

	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		assert_int_equal(instance_name_validate(good[i], NULL), 0);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_int_equal(instance_name_validate(bad[i], NULL), -EINVAL);
}

/* The automatic IPv6 subnet is stored as `ip addr` prints it (CI once got
 * "fd42:c594:5ed0:0::1/64" where the bridge showed "fd42:c594:5ed0::1/64"). */
static void test_subnet6_text(void **state)
{
	static const struct {
		uint16_t w[3];
		const char *text;
	} cases[] = {
		{ { 0xc594, 0x5ed0, 0 }, "fd42:c594:5ed0::1/64" },
		{ { 0, 0x12, 0x3 }, "fd42:0:12:3::1/64" },
		{ { 0, 0, 0 }, "fd42::1/64" },
		{ { 0xffff, 0xab, 0x1 }, "fd42:ffff:ab:1::1/64" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char *t = netsvc_format_subnet6(cases[i].w);

		assert_string_equal(t, cases[i].text);
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrations),  cmocka_unit_test(test_instances),
		cmocka_unit_test(test_images_aliases), cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_names), cmocka_unit_test(test_subnet6_text),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
