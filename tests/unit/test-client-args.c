/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the CLI's argument parsing and request bodies: launch/init
 * (flags after the positionals, repeated -p/-c, remotes refused), exec
 * (--env/--user/--group/--cwd, "--", the body `lxc exec` sends), LXD-style
 * flag errors, the argument count check, response envelopes, and the
 * writable object `config show` prints.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "client-internal.h"
#include "session.h"
#include "strv.h"

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define ARGC(a)	  ((int)(sizeof(a) / sizeof(a[0]) - 1))

/* Usage text goes to stdout, as lxc prints it; keep it out of the TAP. */
static int saved_stdout = -1;

static void quiet(bool on)
{
	fflush(stdout);
	if (on) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		saved_stdout = dup(STDOUT_FILENO);
		dup2(null, STDOUT_FILENO);
		close(null);
	} else {
		dup2(saved_stdout, STDOUT_FILENO);
		close(saved_stdout);
	}
}

static char *dump(json_t *v)
{
	return json_dumps(v, JSON_COMPACT);
}

static void test_launch(void **state)
{
	char **argv = ARGV("launch", "busybox", "c1", "-p", "default", "--profile", "web", "-c",
			   "limits.memory=256MB", "--ephemeral");
	struct launch_args a;
	_cleanup_free_ char *body = NULL;
	json_t *req;

	assert_int_equal(launch_parse(10, argv, &a, NULL), 0);
	assert_string_equal(a.image, "busybox");
	assert_string_equal(a.name, "c1");
	assert_int_equal(strv_length(a.profiles), 2);
	assert_true(a.ephemeral);
	req = launch_request(&a, "abc");
	body = dump(req);
	assert_string_equal(
	    body, "{\"architecture\":\"\",\"config\":{\"limits.memory\":\"256MB\"},\"devices\":{},"
		  "\"ephemeral\":true,\"profiles\":[\"default\",\"web\"],\"stateful\":false,"
		  "\"description\":\"\",\"name\":\"c1\",\"source\":{\"type\":\"image\","
		  "\"certificate\":\"\",\"fingerprint\":\"abc\",\"allow_inconsistent\":false},"
		  "\"instance_type\":\"\",\"type\":\"container\"}");
	json_decref(req);
	launch_args_done(&a);
}

static void test_launch_defaults_and_errors(void **state)
{
	struct launch_args a;
	struct cove_error err = {};
	_cleanup_free_ char *body = NULL;
	json_t *req;

	assert_int_equal(launch_parse(2, ARGV("init", "local:busybox"), &a, NULL), 0);
	assert_string_equal(a.image, "busybox");
	assert_null(a.name);
	req = launch_request(&a, "f");
	body = dump(req);
	assert_non_null(strstr(body, "\"profiles\":null"));
	assert_non_null(strstr(body, "\"name\":\"\""));
	json_decref(req);
	launch_args_done(&a);

	assert_int_equal(launch_parse(3, ARGV("launch", "images:debian/12", "d"), &a, &err),
			 -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "images:debian/12"));
	launch_args_done(&a);
	assert_int_equal(launch_parse(4, ARGV("launch", "busybox", "-c", "novalue"), &a, &err),
			 -EINVAL);
	launch_args_done(&a);
	quiet(true);
	assert_int_equal(launch_parse(4, ARGV("launch", "a", "b", "c"), &a, &err), -EINVAL);
	quiet(false);
	assert_string_equal(err.msg, "Invalid number of arguments");
	launch_args_done(&a);
	assert_int_equal(launch_parse(3, ARGV("launch", "a", "--bogus"), &a, &err), -EINVAL);
	assert_string_equal(err.msg, "unknown flag: --bogus");
	launch_args_done(&a);
	assert_int_equal(launch_parse(3, ARGV("launch", "a", "-z"), &a, &err), -EINVAL);
	assert_string_equal(err.msg, "unknown shorthand flag: 'z' in -z");
	launch_args_done(&a);
}

static void test_exec(void **state)
{
	char **argv = ARGV("exec", "c1", "--env", "FOO=bar", "--cwd", "/tmp", "--user", "1000",
			   "--group", "100", "-T", "--", "sh", "-c", "echo $FOO; pwd");
	struct exec_args a;
	_cleanup_free_ char *body = NULL;
	json_t *req;

	setenv("TERM", "xterm", 1);
	assert_int_equal(exec_parse(15, argv, &a, NULL), 0);
	assert_string_equal(a.name, "c1");
	assert_int_equal(a.mode, -1);
	assert_int_equal(strv_length(a.command), 3);
	assert_string_equal(a.command[2], "echo $FOO; pwd");
	req = exec_request(&a, false, 0, 0);
	body = dump(req);
	assert_string_equal(
	    body, "{\"command\":[\"sh\",\"-c\",\"echo $FOO; pwd\"],\"wait-for-websocket\":true,"
		  "\"interactive\":false,\"environment\":{\"TERM\":\"xterm\",\"FOO\":\"bar\"},"
		  "\"width\":0,\"height\":0,\"record-output\":false,\"user\":1000,\"group\":100,"
		  "\"cwd\":\"/tmp\"}");
	json_decref(req);
	json_decref(a.env);
}

static void test_exec_errors(void **state)
{
	struct exec_args a;
	struct cove_error err = {};

	assert_int_equal(exec_parse(4, ARGV("exec", "c1", "--user", "x"), &a, &err), -EINVAL);
	json_decref(a.env);
	quiet(true);
	assert_int_equal(exec_parse(2, ARGV("exec", "c1"), &a, &err), -EINVAL);
	quiet(false);
	json_decref(a.env);
	assert_int_equal(exec_parse(4, ARGV("exec", "c1", "--env", "X"), &a, &err), -EINVAL);
	json_decref(a.env);
	/* Flags after "--" belong to the command. */
	assert_int_equal(exec_parse(5, ARGV("exec", "c1", "--", "ls", "-l"), &a, NULL), 0);
	assert_string_equal(a.command[1], "-l");
	json_decref(a.env);
}

static void test_check_args(void **state)
{
	struct cove_error err = {};

	quiet(true);
	assert_int_equal(client_check_args(1, 1, 1, "x", &err), 0);
	assert_int_equal(client_check_args(0, 1, 1, "x", &err), 1);
	assert_int_equal(client_check_args(3, 1, 2, "x", &err), -EINVAL);
	assert_int_equal(client_check_args(9, 1, -1, "x", &err), 0);
	quiet(false);
}

static void test_envelopes(void **state)
{
	struct api_response r = {};
	struct cove_error err = {};

	assert_int_equal(api_parse(200,
				   "{\"type\":\"sync\",\"status\":\"Success\",\"status_code\":"
				   "200,\"metadata\":[\"/1.0\"]}",
				   "/", &r, NULL),
			 0);
	assert_false(r.async);
	assert_int_equal(json_array_size(r.metadata), 1);
	api_response_done(&r);
	assert_int_equal(
	    api_parse(202, "{\"type\":\"async\",\"metadata\":{\"id\":\"x\"}}", "/1.0/x", &r, NULL),
	    0);
	assert_true(r.async);
	api_response_done(&r);
	assert_int_equal(api_parse(404,
				   "{\"type\":\"error\",\"error_code\":404,\"error\":"
				   "\"Instance not found\",\"metadata\":null}",
				   "/1.0/instances/x", &r, &err),
			 -ENOENT);
	assert_string_equal(err.msg, "Instance not found");
	assert_int_equal(api_parse(400, "Bad Request", "/1.0/events", &r, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "Failed to fetch http://unix.socket/1.0/events: 400 Bad Request");
	assert_int_equal(api_parse(200, "{\"type\":\"weird\"}", "/", &r, &err), -EBADMSG);
}

static void test_config_writable(void **state)
{
	json_t *inst = json_loads("{\"name\":\"c1\",\"status\":\"Running\",\"architecture\":"
				  "\"x86_64\",\"config\":{\"a\":\"1\"},\"expanded_config\":{\"a\":"
				  "\"1\",\"b\":\"2\"},\"devices\":{},\"profiles\":[\"default\"],"
				  "\"ephemeral\":false,\"stateful\":false}",
				  0, NULL);
	json_t *w = config_writable(inst, false), *e = config_writable(inst, true);
	_cleanup_free_ char *ws = dump(w), *es = dump(e);

	assert_string_equal(ws, "{\"architecture\":\"x86_64\",\"config\":{\"a\":\"1\"},\"devices\":"
				"{},\"ephemeral\":false,\"profiles\":[\"default\"],\"stateful\":"
				"false,\"description\":\"\"}");
	assert_non_null(strstr(es, "\"b\":\"2\""));
	/* Go prints maps sorted: so does config show. */
	json_t *unsorted = json_loads("{\"config\":{\"z\":\"1\",\"a\":\"2\"}}", 0, NULL);
	json_t *ws2 = config_writable(unsorted, false);
	_cleanup_free_ char *s2 = dump(json_object_get(ws2, "config"));
	assert_string_equal(s2, "{\"a\":\"2\",\"z\":\"1\"}");
	json_decref(ws2);
	json_decref(unsorted);
	json_decref(w);
	json_decref(e);
	json_decref(inst);
}

static void test_local_name(void **state)
{
	const char *n;
	struct cove_error err = {};

	assert_int_equal(client_local_name("c1", &n, NULL), 0);
	assert_string_equal(n, "c1");
	assert_int_equal(client_local_name("local:c1", &n, NULL), 0);
	assert_string_equal(n, "c1");
	assert_int_equal(client_local_name("srv2:c1", &n, &err), -EOPNOTSUPP);
	assert_string_equal(err.msg, "The remote \"srv2\" doesn't exist");
}

static void test_detach_keys(void **state)
{
	struct session s = {};

	assert_false(session_detach_seen(&s, "abc q", 5));
	assert_false(session_detach_seen(&s, "x\001", 2));
	assert_true(session_detach_seen(&s, "q", 1)); /* split across reads */
	s.saw_ctrl_a = false;
	assert_false(session_detach_seen(&s, "\001\001x q", 5));
	assert_true(session_detach_seen(&s, "ls\001q", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_launch),
	    cmocka_unit_test(test_launch_defaults_and_errors),
	    cmocka_unit_test(test_exec),
	    cmocka_unit_test(test_exec_errors),
	    cmocka_unit_test(test_check_args),
	    cmocka_unit_test(test_envelopes),
	    cmocka_unit_test(test_config_writable),
	    cmocka_unit_test(test_local_name),
	    cmocka_unit_test(test_detach_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
