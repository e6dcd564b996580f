/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the tools' helpers: the tar entry checks of -t local
 * (paths, hard links, symlinks), the lxc-info size format, and the
 * static-ELF test of the busybox template.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cove/template.h"
#include "ct-stats.h"
#include "tar-extract.h"

static void test_tar_paths(void **state)
{
	static const char *const good[] = { "etc/passwd", "a", ".hidden", "a/..b", "a/b..", "x/...", NULL };
	static const char *const bad[] = { "/etc/passwd", "..", "../x", "a/../../x", "a/..", "a/../b", NULL };

	for (size_t i = 0; good[i]; i++)
		assert_int_equal(tar_check_entry(good[i], NULL, NULL, NULL), 0);
	for (size_t i = 0; bad[i]; i++)
		assert_int_equal(tar_check_entry(bad[i], NULL, NULL, NULL), -EPERM);
}

static void test_tar_links(void **state)
{
	struct cove_error err = {};

	/* hard links: archive paths, never absolute or climbing */
	assert_int_equal(tar_check_entry("bin/x", "bin/busybox", NULL, NULL), 0);
	assert_int_equal(tar_check_entry("bin/x", "/etc/shadow", NULL, &err), -EPERM);
	assert_non_null(strstr(err.msg, "hard link"));
	assert_int_equal(tar_check_entry("bin/x", "../../etc/shadow", NULL, NULL), -EPERM);
	/* symlinks: absolute targets resolve inside the container */
	assert_int_equal(tar_check_entry("etc/mtab", NULL, "/proc/self/mounts", NULL), 0);
	assert_int_equal(tar_check_entry("bin/sh", NULL, "busybox", NULL), 0);
	assert_int_equal(tar_check_entry("usr/lib/x/libz.so", NULL, "../../../lib/libz.so.1", NULL), 0);
	assert_int_equal(tar_check_entry("lib", NULL, "usr/lib", NULL), 0);
	assert_int_equal(tar_check_entry("a/b", NULL, "./../c", NULL), 0);
	/* relative targets that climb above the root */
	assert_int_equal(tar_check_entry("evil", NULL, "../outside", &err), -EPERM);
	assert_non_null(strstr(err.msg, "outside the root"));
	assert_int_equal(tar_check_entry("a/evil", NULL, "../../x", NULL), -EPERM);
	assert_int_equal(tar_check_entry("a/evil", NULL, "b/../../../x", NULL), -EPERM);
	assert_int_equal(tar_check_entry("./a/./evil", NULL, "../..", NULL), -EPERM);
}

static void test_size_string(void **state)
{
	char buf[64];

	assert_string_equal(ct_size_string(0, false, buf, sizeof(buf)), "0 bytes");
	assert_string_equal(ct_size_string(1023, false, buf, sizeof(buf)), "1023 bytes");
	assert_string_equal(ct_size_string(1024, false, buf, sizeof(buf)), "1.00 KiB");
	assert_string_equal(ct_size_string(655360, false, buf, sizeof(buf)), "640.00 KiB");
	assert_string_equal(ct_size_string(1098, false, buf, sizeof(buf)), "1.07 KiB");
	assert_string_equal(ct_size_string(3ull << 30, false, buf, sizeof(buf)), "3.00 GiB");
	assert_string_equal(ct_size_string(655360, true, buf, sizeof(buf)), "655360");
}

static void test_elf_static(void **state)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	/* this test binary is dynamically linked */
	assert_int_equal(cove_elf_is_static(fd), 0);
	close(fd);
	fd = open(TEST_DATA_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(cove_elf_is_static(fd) < 0);
	close(fd);
	fd = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* Debian's busybox-static is static; a dynamic busybox says 0 */
		assert_true(cove_elf_is_static(fd) >= 0);
		close(fd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tar_paths),
		cmocka_unit_test(test_tar_links),
		cmocka_unit_test(test_size_string),
		cmocka_unit_test(test_elf_static),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
