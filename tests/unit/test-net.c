/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the pure parts of container networking: hwaddr parsing and
 * filling, libnl error mapping, which configs need the monitor's network
 * setup. No privileges needed (nothing here touches an interface).
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <netlink/errno.h>

#include "cove/conf.h"
#include "macro.h"
#include "net-link.h"
#include "net.h"

static void test_parse_mac(void **state)
{
	unsigned char m[6];

	assert_int_equal(parse_mac("00:16:3e:AB:cd:0f", m), 0);
	assert_memory_equal(m, ((unsigned char[]){0x00, 0x16, 0x3e, 0xab, 0xcd, 0x0f}), 6);
	for (const char *const *bad =
		 (const char *const[]){"", "00:16:3e:ab:cd", "00:16:3e:ab:cd:0f:1",
				       "00-16-3e-ab-cd-0f", "00:16:3e:ab:cd:xx", NULL};
	     *bad; bad++)
		assert_int_equal(parse_mac(*bad, m), -EINVAL);
}

static void test_fill_hwaddr(void **state)
{
	char a[] = "00:16:3e:xx:xx:xx", b[] = "xx:xx:xx:xx:xx:xx";
	unsigned char m[6];

	net_fill_hwaddr(a);
	assert_int_equal(strncmp(a, "00:16:3e:", 9), 0);
	assert_int_equal(parse_mac(a, m), 0);
	for (int i = 0; i < 20; i++) {
		strcpy(b, "xx:xx:xx:xx:xx:xx");
		net_fill_hwaddr(b);
		assert_int_equal(parse_mac(b, m), 0);
		assert_int_equal(m[0] & 1, 0); /* unicast */
		assert_int_equal(m[0] & 2, 2); /* locally administered */
	}
}

static void test_nl_to_errno(void **state)
{
	assert_int_equal(nl_to_errno(0), 0);
	assert_int_equal(nl_to_errno(-NLE_EXIST), -EEXIST);
	assert_int_equal(nl_to_errno(-NLE_NODEV), -ENODEV);
	assert_int_equal(nl_to_errno(-NLE_OPNOTSUPP), -EOPNOTSUPP);
	assert_int_equal(nl_to_errno(-NLE_FAILURE), -EIO);
}

static void test_net_wanted(void **state)
{
	static const struct {
		const char *text;
		bool wanted;
	} t[] = {
	    {"", false},
	    {"lxc.net.0.type = empty\n", false},
	    {"lxc.net.0.type = none\n", false},
	    {"lxc.net.0.type = empty\nlxc.net.0.script.up = /bin/true\n", true},
	    {"lxc.net.0.type = veth\n", true},
	    {"lxc.net.0.type = empty\nlxc.net.1.type = phys\nlxc.net.1.link = x\n", true},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();

		assert_int_equal(cove_conf_load_string(c, "test", t[i].text, NULL), 0);
		assert_int_equal(cove_net_wanted(c), t[i].wanted);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_mac),
	    cmocka_unit_test(test_fill_hwaddr),
	    cmocka_unit_test(test_nl_to_errno),
	    cmocka_unit_test(test_net_wanted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
