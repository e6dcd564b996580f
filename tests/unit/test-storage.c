/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the rootfs backing-store syntax (lxc.rootfs.path: dir:,
 * btrfs:, overlay:LOWER:UPPER) and of the config rewrite of a clone
 * (cove-copy, cove-snapshot): rootfs path, name, MACs, paths in the old
 * directory; comments and other lines kept.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clone.h"
#include "storage.h"

static void test_kind_table(void **state)
{
	for (int k = 0; k < _COVE_STORAGE_KIND_MAX; k++)
		assert_int_equal(cove_storage_kind_from_string(cove_storage_kind_to_string(k)), k);
	assert_int_equal(cove_storage_kind_from_string("overlayfs"), COVE_STORAGE_OVERLAY);
	assert_int_equal(cove_storage_kind_from_string("lvm"), _COVE_STORAGE_KIND_INVALID);
	assert_int_equal(cove_storage_kind_from_string(NULL), _COVE_STORAGE_KIND_INVALID);
	assert_null(cove_storage_kind_to_string(_COVE_STORAGE_KIND_MAX));
}

static void parse_ok(const char *in, enum cove_storage_kind kind, const char *path, const char *out)
{
	struct cove_rootfs_spec s;
	struct cove_error err = {};
	char *f;

	assert_int_equal(cove_rootfs_spec_parse(in, &s, &err), 0);
	assert_int_equal(s.kind, kind);
	assert_string_equal(s.path, path);
	f = cove_rootfs_spec_format(&s);
	assert_string_equal(f, out);
	free(f);
	cove_rootfs_spec_done(&s);
}

static void test_parse(void **state)
{
	struct cove_rootfs_spec s;
	struct cove_error err = {};
	const char *bad[] = {"",	   "relative/path", "dir:relative", "zfs:/x",
			     "overlay:/a", "overlay::/b",   "overlay:/a:",  "overlay:/a:/b:/c",
			     "btrfs:"};

	parse_ok("/var/lib/cove/c/rootfs", COVE_STORAGE_DIR, "/var/lib/cove/c/rootfs",
		 "dir:/var/lib/cove/c/rootfs");
	parse_ok("dir:/x/rootfs", COVE_STORAGE_DIR, "/x/rootfs", "dir:/x/rootfs");
	parse_ok("btrfs:/x/rootfs", COVE_STORAGE_BTRFS, "/x/rootfs", "btrfs:/x/rootfs");
	parse_ok("overlay:/l/a/rootfs:/l/b/overlay/delta0", COVE_STORAGE_OVERLAY, "/l/b/rootfs",
		 "overlay:/l/a/rootfs:/l/b/overlay/delta0");
	parse_ok("overlayfs:/l/a/rootfs:/l/b/overlay/delta0", COVE_STORAGE_OVERLAY, "/l/b/rootfs",
		 "overlay:/l/a/rootfs:/l/b/overlay/delta0");
	assert_int_equal(
	    cove_rootfs_spec_parse("overlay:/l/a/rootfs:/l/b/overlay/delta0", &s, &err), 0);
	assert_string_equal(s.lower, "/l/a/rootfs");
	assert_string_equal(s.upper, "/l/b/overlay/delta0");
	assert_string_equal(s.work, "/l/b/overlay/work");
	cove_rootfs_spec_done(&s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = (struct cove_error){};
		assert_true(cove_rootfs_spec_parse(bad[i], &s, &err) < 0);
		assert_true(err.msg[0] != 0);
	}
	assert_true(cove_rootfs_spec_parse(NULL, &s, &err) < 0);
}

static void test_overlay_spec_for(void **state)
{
	struct cove_rootfs_spec s;

	cove_overlay_spec_for("/p/base/rootfs", "/p/clone", &s);
	assert_int_equal(s.kind, COVE_STORAGE_OVERLAY);
	assert_string_equal(s.path, "/p/clone/rootfs");
	assert_string_equal(s.upper, "/p/clone/overlay/delta0");
	assert_string_equal(s.work, "/p/clone/overlay/work");
	cove_rootfs_spec_done(&s);
}

static void test_clone_config(void **state)
{
	const char *in = "# a comment\n"
			 "lxc.rootfs.path = dir:/p/a/rootfs\n"
			 "lxc.uts.name = a\n"
			 "lxc.net.0.type = veth\n"
			 "lxc.net.0.hwaddr = 00:16:3e:aa:bb:cc\n"
			 "lxc.net.1.hwaddr = 00:16:3e:xx:xx:xx\n"
			 "lxc.mount.fstab = /p/a/fstab\n"
			 "lxc.log.file = /p/ab/log\n"
			 "\n"
			 "lxc.tty.max = 4\n";
	struct cove_rootfs_spec s = {.kind = COVE_STORAGE_BTRFS, .path = (char *)"/q/b/rootfs"};
	struct clone_opts o = {.kind = -1, .utsname = "b", .new_mac = true};
	char *out = clone_config(in, "/p/a", "/q/b", &s, &o);

	assert_non_null(strstr(out, "# a comment\n"));
	assert_non_null(strstr(out, "lxc.rootfs.path = btrfs:/q/b/rootfs\n"));
	assert_non_null(strstr(out, "lxc.uts.name = b\n"));
	assert_null(strstr(out, "aa:bb:cc"));
	assert_non_null(strstr(out, "lxc.net.0.hwaddr = 00:16:3e:"));
	/* a template MAC stays a template */
	assert_non_null(strstr(out, "lxc.net.1.hwaddr = 00:16:3e:xx:xx:xx\n"));
	assert_non_null(strstr(out, "lxc.mount.fstab = /q/b/fstab\n"));
	/* only whole path components of the old directory move */
	assert_non_null(strstr(out, "lxc.log.file = /p/ab/log\n"));
	assert_non_null(strstr(out, "\n\nlxc.tty.max = 4\n"));
	free(out);

	/* keep the name and the MACs (a snapshot); a config without lxc.uts.name gets one */
	o = (struct clone_opts){.kind = -1};
	out = clone_config(in, "/p/a", "/q/b", &s, &o);
	assert_non_null(strstr(out, "lxc.uts.name = a\n"));
	assert_non_null(strstr(out, "aa:bb:cc"));
	free(out);
	o.utsname = "c";
	out = clone_config("lxc.rootfs.path = /p/a/rootfs\n", "/p/a", "/q/b", &s, &o);
	assert_string_equal(out, "lxc.rootfs.path = btrfs:/q/b/rootfs\nlxc.uts.name = c\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kind_table),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_overlay_spec_for),
	    cmocka_unit_test(test_clone_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
