/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * coved's request plumbing without a socket: route pattern matching,
 * de-chunking of request bodies, the head rewrite, query arguments, the
 * errno -> HTTP status table and ?filter=.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/api-common.h"
#include "listener.h"
#include "macro.h"
#include "request.h"
#include "router.h"

static void test_router_match(void **state)
{
	char *p[ROUTE_PARAMS_MAX] = { 0 };

	assert_true(router_match("/1.0", "/1.0", p));
	assert_false(router_match("/1.0", "/1.0/", p));
	assert_true(router_match("/1.0/instances/*/state", "/1.0/instances/c1/state", p));
	assert_string_equal(p[0], "c1");
	free(p[0]);
	p[0] = NULL;
	assert_false(router_match("/1.0/instances/*", "/1.0/instances/", p));
	assert_false(router_match("/1.0/instances/*", "/1.0/instances/a/b", p));
	assert_null(p[0]);
	assert_true(router_match("/1.0/operations/*/wait", "/1.0/operations/abc/wait", p));
	assert_string_equal(p[0], "abc");
	free(p[0]);
}

static int feed_all(struct dechunk *d, const char *s)
{
	return dechunk_feed(d, s, strlen(s));
}

static void test_dechunk(void **state)
{
	struct dechunk d = { .max = 1024 };

	assert_int_equal(feed_all(&d, "5\r\nhel"), 0);
	assert_int_equal(feed_all(&d, "lo\r\n6;ext=1\r\n world\r\n"), 0);
	assert_int_equal(feed_all(&d, "0\r\n\r\n"), 1);
	assert_int_equal(d.out_len, 11);
	assert_memory_equal(d.out, "hello world", 11);
	free(d.out);

	d = (struct dechunk){ .max = 1024 };
	assert_int_equal(feed_all(&d, "zz\r\n"), -EBADMSG);
	d = (struct dechunk){ .max = 4 };
	assert_int_equal(feed_all(&d, "10\r\n"), -EFBIG);
	d = (struct dechunk){ .max = 1024 };
	assert_int_equal(feed_all(&d, "ffffffffffffffffffff\r\n"), -EFBIG);
	d = (struct dechunk){ .max = 1024 };
	assert_int_equal(feed_all(&d, "1\r\nab"), -EBADMSG);
	free(d.out);
	d = (struct dechunk){ .max = 1024 };
	assert_int_equal(feed_all(&d, "0\r\nX-Trailer: 1\r\n\r\n"), 1);
	assert_int_equal(d.out_len, 0);
}

static void test_head_with_length(void **state)
{
	const char head[] = "POST /1.0/images HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
			    "X-LXD-filename: a.tar\r\n\r\n";
	char *h = head_with_length(head, strlen(head), 42);

	assert_string_equal(h, "POST /1.0/images HTTP/1.1\r\nHost: x\r\nX-LXD-filename: a.tar\r\n"
			       "Content-Length: 42\r\n\r\n");
	free(h);
}

static void test_request_arg(void **state)
{
	struct request req = { .query = (char *)"filter=&recursion=2&x" };
	char *v;

	v = request_arg(&req, "filter");
	assert_string_equal(v, "");
	free(v);
	assert_int_equal(request_recursion(&req), 2);
	v = request_arg(&req, "x");
	assert_string_equal(v, "");
	free(v);
	assert_null(request_arg(&req, "recursio"));
	req.query = (char *)"recursion=-1";
	assert_int_equal(request_recursion(&req), 0);
	req.query = (char *)"recursion=9";
	assert_int_equal(request_recursion(&req), 2);
}

static void test_status_table(void **state)
{
	assert_int_equal(http_status_from_errno(-ENOENT), 404);
	assert_int_equal(http_status_from_errno(-EINVAL), 400);
	assert_int_equal(http_status_from_errno(-EEXIST), 409);
	assert_int_equal(http_status_from_errno(-ESTALE), 412);
	assert_int_equal(http_status_from_errno(-EIO), 500);
}

static void test_filter(void **state)
{
	json_t *o = json_pack("{s:s, s:s, s:{s:s}}", "name", "c1", "status", "Running", "config",
			      "user.a", "b");

	assert_true(api_filter_match(NULL, o));
	assert_true(api_filter_match("", o));
	assert_true(api_filter_match("name eq c1", o));
	assert_false(api_filter_match("name eq c2", o));
	assert_true(api_filter_match("name eq c1 and status eq running", o));
	assert_true(api_filter_match("config.user.a eq b", o));
	assert_true(api_filter_match("name ne c2", o));
	assert_false(api_filter_match("name", o));
	assert_false(api_filter_match("name xx c1", o));
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_router_match),   cmocka_unit_test(test_dechunk),
		cmocka_unit_test(test_head_with_length), cmocka_unit_test(test_request_arg),
		cmocka_unit_test(test_status_table),   cmocka_unit_test(test_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
