/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * coved's snapshot rules: snapshots.schedule (cron fields, lists, ranges,
 * steps, @aliases; day-of-month/day-of-week as cron), snapshots.expiry,
 * snapshots.pattern, snapshot names and RFC 3339 times.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "instances/instance-snapshot.h"

static void test_schedule_syntax(void **state)
{
	static const char *const good[] = {
		"", "0 6 * * *", "*/15 * * * *", "0 0-23/2 1,15 * 1-5", "30 6 * 12 7",
		"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@annually", "@yearly",
		"@never", "@daily, @weekly", "0 6,18 * * *",
	};
	static const char *const bad[] = {
		"0 6 * *", "0 6 * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *",
		"* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "x * * * *",
		"@sometimes", "@daily, nope", "-1 * * * *",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (snapshot_check_schedule(good[i]) < 0)
			fail_msg("'%s' refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (snapshot_check_schedule(bad[i]) >= 0)
			fail_msg("'%s' accepted", bad[i]);
}

static struct tm at(int year, int mon, int mday, int hour, int min)
{
	struct tm t = { .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = mday,
			.tm_hour = hour, .tm_min = min };
	time_t tt = timegm(&t);

	gmtime_r(&tt, &t); /* fills tm_wday */
	return t;
}

static void test_schedule_due(void **state)
{
	struct tm mon_0600 = at(2026, 11, 30, 6, 0); /* a Monday */
	struct tm sun_0000 = at(2026, 11, 29, 0, 0); /* a Sunday */
	struct tm first_0000 = at(2026, 12, 1, 0, 0);

	assert_true(snapshot_schedule_due("0 6 * * *", &mon_0600));
	assert_false(snapshot_schedule_due("1 6 * * *", &mon_0600));
	assert_true(snapshot_schedule_due("*/15 * * * *", &mon_0600));
	assert_true(snapshot_schedule_due("0 0-12/3 * * 1", &mon_0600));
	assert_false(snapshot_schedule_due("0 0-12/4 * * *", &mon_0600));
	/* both day fields restricted: either matches (cron) */
	assert_true(snapshot_schedule_due("0 6 15 * 1", &mon_0600));
	assert_false(snapshot_schedule_due("0 6 15 * 2", &mon_0600));
	/* 7 is Sunday too */
	assert_true(snapshot_schedule_due("0 0 * * 7", &sun_0000));
	assert_true(snapshot_schedule_due("@weekly", &sun_0000));
	assert_false(snapshot_schedule_due("@weekly", &mon_0600));
	assert_true(snapshot_schedule_due("@daily", &first_0000));
	assert_true(snapshot_schedule_due("@monthly", &first_0000));
	assert_true(snapshot_schedule_due("@hourly, @yearly", &first_0000));
	assert_false(snapshot_schedule_due("@never", &first_0000));
	assert_false(snapshot_schedule_due("", &first_0000));
	assert_false(snapshot_schedule_due("not cron", &first_0000));
}

static void test_expiry_pattern_names(void **state)
{
	assert_int_equal(snapshot_check_expiry(""), 0);
	assert_int_equal(snapshot_check_expiry("7d"), 0);
	assert_int_equal(snapshot_check_expiry("1d 2H 30M"), 0);
	assert_int_equal(snapshot_check_expiry("2w 1m 1y"), 0);
	assert_true(snapshot_check_expiry("7 days") < 0);
	assert_true(snapshot_check_expiry("d") < 0);
	assert_true(snapshot_check_expiry("7x") < 0);
	assert_true(snapshot_check_expiry("-1d") < 0);
	assert_int_equal(snapshot_check_pattern("auto-%d"), 0);
	assert_int_equal(snapshot_check_pattern("nightly"), 0);
	assert_true(snapshot_check_pattern("a/%d") < 0);
	assert_true(snapshot_check_pattern("a\n%d") < 0);
	assert_int_equal(snapshot_name_validate("snap0", NULL), 0);
	assert_int_equal(snapshot_name_validate("pre-nginx-update", NULL), 0);
	assert_true(snapshot_name_validate("", NULL) < 0);
	assert_true(snapshot_name_validate(NULL, NULL) < 0);
	assert_true(snapshot_name_validate("a/b", NULL) < 0);
	assert_true(snapshot_name_validate("..", NULL) < 0);
	assert_true(snapshot_name_validate(".", NULL) < 0);
	assert_true(snapshot_name_validate("a\tb", NULL) < 0);
}

static void test_times(void **state)
{
	assert_int_equal(snapshot_parse_time("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(snapshot_parse_time("2030-01-02T03:04:05Z"), 1893553445LL);
	assert_int_equal(snapshot_parse_time("2030-01-02T03:04:05.123456789Z"), 1893553445LL);
	assert_int_equal(snapshot_parse_time("2030-01-02T05:04:05+02:00"), 1893553445LL);
	assert_int_equal(snapshot_parse_time("2030-01-01T22:04:05-05:00"), 1893553445LL);
	assert_true(snapshot_parse_time("tomorrow") < 0);
	assert_true(snapshot_parse_time("2030-01-02T03:04:05") < 0);
	assert_true(snapshot_parse_time("2030-01-02T03:04:05+2") < 0);
	assert_true(snapshot_parse_time(NULL) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule_syntax),
		cmocka_unit_test(test_schedule_due),
		cmocka_unit_test(test_expiry_pattern_names),
		cmocka_unit_test(test_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
