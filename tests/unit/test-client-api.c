/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the CLI's REST layer against a tiny fake LXD server on a
 * unix socket (one thread per connection): sync and error envelopes, ETag,
 * async operations finished through /1.0/events (success and failure), the
 * /wait fallback when the events stream is refused, and a raw upload.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "api.h"
#include "fileio.h"
#include "http.h"
#include "ws.h"

static char sock_path[108];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int events_fds[8], n_events;
static bool refuse_events, fail_op;
static size_t last_upload;

static const char *op_json(const char *status, int code, const char *err)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "{\"id\":\"op1\",\"class\":\"task\",\"status\":\"%s\",\"status_code\":%d,"
		 "\"err\":\"%s\",\"metadata\":{\"fingerprint\":\"abc\"}}",
		 status, code, err);
	return buf;
}

static void reply(int fd, int status, const char *extra, const char *body)
{
	char head[512];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n%sContent-Length: %zu\r\n\r\n",
		 status, extra, strlen(body));
	(void)loop_write(fd, head, strlen(head));
	(void)loop_write(fd, body, strlen(body));
}

static void reply_sync(int fd, const char *meta)
{
	_cleanup_free_ char *b = xasprintf("{\"type\":\"sync\",\"status\":\"Success\","
					   "\"status_code\":200,\"metadata\":%s}",
					   meta);
	reply(fd, 200, "Etag: \"e1\"\r\n", b);
}

static void send_event(const char *op)
{
	_cleanup_free_ char *ev = xasprintf("{\"type\":\"operation\",\"metadata\":%s}", op);
	_cleanup_free_ uint8_t *f = xmalloc(ws_frame_size(strlen(ev), false));
	size_t n = ws_frame_encode(f, WS_OP_TEXT, true, NULL, ev, strlen(ev));

	pthread_mutex_lock(&lock);
	for (int i = 0; i < n_events; i++)
		(void)loop_write(events_fds[i], f, n);
	pthread_mutex_unlock(&lock);
}

/* Read one request: head into buf, the body length from Content-Length. */
static size_t read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0, body = 0;
	char *end = NULL, *cl;
	ssize_t n;

	while (!end && len + 1 < cap) {
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			return 0;
		len += (size_t)n;
		buf[len] = 0;
		end = strstr(buf, "\r\n\r\n");
	}
	cl = strcasestr(buf, "Content-Length:");
	if (cl)
		body = strtoul(cl + 15, NULL, 10);
	for (size_t have = len - (size_t)(end + 4 - buf); have < body;) {
		char tmp[65536];
		n = read(fd, tmp, sizeof(tmp));
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	return body;
}

static void *serve_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[8192];
	size_t body = read_request(fd, buf, sizeof(buf));

	if (strncmp(buf, "GET /1.0/events ", 16) == 0) {
		if (refuse_events) {
			reply(fd, 400, "", "Bad Request");
			close(fd);
			return NULL;
		}
		const char *ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
				 "Connection: Upgrade\r\n\r\n";
		(void)loop_write(fd, ok, strlen(ok));
		pthread_mutex_lock(&lock);
		events_fds[n_events++] = fd; /* closed at exit */
		pthread_mutex_unlock(&lock);
		return NULL;
	}
	if (strncmp(buf, "GET /1.0/chunked ", 17) == 0) {
		const char *a = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				"19\r\n{\"type\":\"sync\",\"metadata\"\r\n"
				"8;ext=1\r\n:[1,2,3]\r\n1\r\n}\r\n0\r\n\r\n";
		(void)loop_write(fd, a, strlen(a));
	} else if (strncmp(buf, "GET /1.0/eof ", 13) == 0) {
		const char *a = "HTTP/1.1 200 OK\r\nEtag: \"x\"\r\n\r\n"
				"{\"type\":\"sync\",\"metadata\":\"till eof\"}";
		(void)loop_write(fd, a, strlen(a));
	} else if (strncmp(buf, "GET /1.0/instances/c1 ", 22) == 0)
		reply_sync(fd, "{\"name\":\"c1\"}");
	else if (strncmp(buf, "GET /1.0/operations/op1/wait", 28) == 0)
		reply_sync(fd,
			   fail_op ? op_json("Failure", 400, "boom") : op_json("Success", 200, ""));
	else if (strncmp(buf, "GET /1.0/operations/op1 ", 24) == 0)
		reply_sync(fd, op_json("Running", 103, ""));
	else if (strncmp(buf, "PUT /1.0/instances/c1/state ", 28) == 0 ||
		 strncmp(buf, "POST /1.0/images ", 17) == 0) {
		last_upload = body;
		_cleanup_free_ char *b = xasprintf("{\"type\":\"async\",\"status_code\":100,"
						   "\"operation\":\"/1.0/operations/op1\","
						   "\"metadata\":%s}",
						   op_json("Running", 103, ""));
		reply(fd, 202, "Location: /1.0/operations/op1\r\n", b);
		close(fd);
		usleep(50000); /* after the client's race-guard GET */
		send_event(op_json("Running", 103, ""));
		send_event(fail_op ? op_json("Failure", 400, "boom") : op_json("Success", 200, ""));
		return NULL;
	} else
		reply(fd, 404, "",
		      "{\"type\":\"error\",\"error_code\":404,\"error\":\"not found\","
		      "\"metadata\":null}");
	close(fd);
	return NULL;
}

static void *server(void *arg)
{
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		pthread_t t;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return NULL;
		pthread_create(&t, NULL, serve_conn, (void *)(intptr_t)fd);
		pthread_detach(t);
	}
}

static int setup_server(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[] = "/tmp/cove-test-api.XXXXXX";
	int fd;
	pthread_t t;

	assert_non_null(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/unix.socket", dir);
	strcpy(sa.sun_path, sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	setenv("COVE_DIR", dir, 1);
	unsetenv("COVE_SOCKET");
	pthread_create(&t, NULL, server, (void *)(intptr_t)fd);
	pthread_detach(t);
	return 0;
}

static int teardown_server(void **state)
{
	char *dir = xstrdup(sock_path);

	unlink(sock_path);
	*strrchr(dir, '/') = 0;
	rmdir(dir);
	free(dir);
	return 0;
}

static void test_socket_path(void **state)
{
	assert_string_equal(http_socket_path(), sock_path);
}

static void test_sync_and_etag(void **state)
{
	json_t *meta = NULL;
	char *etag = NULL;

	assert_int_equal(api_get("/1.0/instances/c1", &meta, &etag, NULL), 0);
	assert_string_equal(json_string_value(json_object_get(meta, "name")), "c1");
	assert_string_equal(etag, "\"e1\"");
	json_decref(meta);
	free(etag);
}

static void test_error_envelope(void **state)
{
	struct cove_error err = {};
	json_t *meta = NULL;

	assert_int_equal(api_get("/1.0/nonexistent", &meta, NULL, &err), -ENOENT);
	assert_string_equal(err.msg, "not found");
}

static void test_chunked_and_eof_bodies(void **state)
{
	json_t *meta = NULL;
	char *etag = NULL;

	assert_int_equal(api_get("/1.0/chunked", &meta, NULL, NULL), 0);
	assert_int_equal(json_array_size(meta), 3);
	json_decref(meta);
	assert_int_equal(api_get("/1.0/eof", &meta, &etag, NULL), 0);
	assert_string_equal(json_string_value(meta), "till eof");
	assert_string_equal(etag, "\"x\"");
	json_decref(meta);
	free(etag);
}

static json_t *state_body(void)
{
	return json_pack("{ss si sb sb}", "action", "stop", "timeout", -1, "force", 0, "stateful",
			 0);
}

static void test_async_events(void **state)
{
	json_t *body = state_body(), *op = NULL;

	refuse_events = fail_op = false;
	assert_int_equal(api_async("PUT", "/1.0/instances/c1/state", body, NULL, NULL, &op, NULL),
			 0);
	assert_int_equal(json_integer_value(json_object_get(op, "status_code")), 200);
	json_decref(op);
	json_decref(body);
}

static void test_async_failure(void **state)
{
	struct cove_error err = {};
	json_t *body = state_body();

	refuse_events = false;
	fail_op = true;
	assert_int_equal(api_async("PUT", "/1.0/instances/c1/state", body, NULL, "", NULL, &err),
			 -EIO);
	assert_string_equal(err.msg, "boom");
	json_decref(body);
}

static void test_async_wait_fallback(void **state)
{
	json_t *body = state_body(), *op = NULL;

	refuse_events = true;
	fail_op = false;
	assert_int_equal(api_async("PUT", "/1.0/instances/c1/state", body, NULL, NULL, &op, NULL),
			 0);
	assert_int_equal(json_integer_value(json_object_get(op, "status_code")), 200);
	json_decref(op);
	json_decref(body);
}

static void test_upload(void **state)
{
	FILE *f = tmpfile();
	json_t *op = NULL;
	char *hdrs[] = {"X-LXD-filename: x.tar.gz", NULL};

	refuse_events = fail_op = false;
	for (int i = 0; i < 100000; i++)
		fputc('a' + i % 26, f);
	rewind(f);
	assert_int_equal(api_upload("/1.0/images", f, 100000, hdrs, NULL, &op, NULL), 0);
	assert_int_equal(last_upload, 100000);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(op, "metadata"), "fingerprint")),
	    "abc");
	json_decref(op);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_socket_path),	   cmocka_unit_test(test_sync_and_etag),
	    cmocka_unit_test(test_error_envelope), cmocka_unit_test(test_async_events),
	    cmocka_unit_test(test_async_failure),  cmocka_unit_test(test_async_wait_fallback),
	    cmocka_unit_test(test_upload),	   cmocka_unit_test(test_chunked_and_eof_bodies),
	};

	signal(SIGPIPE, SIG_IGN); /* events sent to clients gone */
	return cmocka_run_group_tests(tests, setup_server, teardown_server);
}
