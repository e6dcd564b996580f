/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the CLI's websocket client: frame encoding and parsing
 * (the three length forms, masking, partial input, bad frames), base64
 * (RFC 4648 vectors) and the ping -> pong answer over a socket pair.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "ws.h"

static void roundtrip(size_t len, bool masked)
{
	uint8_t mask[4] = {1, 2, 3, 4};
	_cleanup_free_ uint8_t *data = xmalloc(len + 1), *buf = xmalloc(ws_frame_size(len, masked));
	struct ws_frame f;
	size_t n;

	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7);
	n = ws_frame_encode(buf, WS_OP_BINARY, true, masked ? mask : NULL, data, len);
	assert_int_equal(n, ws_frame_size(len, masked));
	/* Every strict prefix is incomplete. */
	for (size_t cut = 0; cut < n; cut += (n / 7) + 1)
		assert_int_equal(ws_frame_parse(buf, cut, &f), 0);
	assert_int_equal(ws_frame_parse(buf, n, &f), (ssize_t)n);
	assert_int_equal(f.opcode, WS_OP_BINARY);
	assert_true(f.fin);
	assert_int_equal(f.len, len);
	assert_memory_equal(f.data, data, len);
}

static void test_frames(void **state)
{
	static const size_t lens[] = {0, 1, 125, 126, 127, 65535, 65536, 70000};

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		roundtrip(lens[i], false);
		roundtrip(lens[i], true);
	}
}

static void test_known_bytes(void **state)
{
	/* RFC 6455 5.7: a masked "Hello". */
	uint8_t hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
	uint8_t out[16], mask[4] = {0x37, 0xfa, 0x21, 0x3d};
	struct ws_frame f;

	assert_int_equal(ws_frame_encode(out, WS_OP_TEXT, true, mask, "Hello", 5), sizeof(hello));
	assert_memory_equal(out, hello, sizeof(hello));
	assert_int_equal(ws_frame_parse(hello, sizeof(hello), &f), (ssize_t)sizeof(hello));
	assert_int_equal(f.opcode, WS_OP_TEXT);
	assert_memory_equal(f.data, "Hello", 5);
}

static void test_bad_frames(void **state)
{
	uint8_t rsv[] = {0xc1, 0x00};
	uint8_t huge[] = {0x82, 0x7f, 0, 0, 0, 0, 0x7f, 0, 0, 0};
	struct ws_frame f;

	assert_int_equal(ws_frame_parse(rsv, sizeof(rsv), &f), -EPROTO);
	assert_int_equal(ws_frame_parse(huge, sizeof(huge), &f), -E2BIG);
}

static void test_base64(void **state)
{
	static const char *const want[] = {"",	       "Zg==",	   "Zm8=",    "Zm9v",
					   "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	char out[16], key[25];

	for (size_t i = 0; i < 7; i++) {
		ws_base64((const uint8_t *)"foobar", i, out);
		assert_string_equal(out, want[i]);
	}
	ws_make_key(key);
	assert_int_equal(strlen(key), 24);
	assert_int_equal(key[22], '=');
}

static void test_ping_pong(void **state)
{
	int sv[2];
	struct ws_conn c = {.cap = 4096};
	uint8_t buf[64];
	struct ws_frame f;
	size_t n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	c.fd = sv[0];
	c.buf = xmalloc(c.cap);
	/* Server sends ping "keepalive", then binary "hi", then the barrier. */
	n = ws_frame_encode(buf, WS_OP_PING, true, NULL, "keepalive", 9);
	n += ws_frame_encode(buf + n, WS_OP_BINARY, true, NULL, "hi", 2);
	n += ws_frame_encode(buf + n, WS_OP_TEXT, true, NULL, "", 0);
	assert_int_equal(write(sv[1], buf, n), (ssize_t)n);
	assert_int_equal(ws_recv(&c, &f, 1000), 1);
	assert_int_equal(f.opcode, WS_OP_BINARY);
	assert_memory_equal(f.data, "hi", 2);
	assert_int_equal(ws_recv(&c, &f, 1000), 1);
	assert_int_equal(f.opcode, WS_OP_TEXT);
	assert_int_equal(f.len, 0);
	/* The pong came back, masked, with the same payload. */
	ssize_t r = read(sv[1], buf, sizeof(buf));
	assert_true(r > 0);
	assert_int_equal(ws_frame_parse(buf, (size_t)r, &f), r);
	assert_int_equal(f.opcode, WS_OP_PONG);
	assert_memory_equal(f.data, "keepalive", 9);
	close(sv[1]);
	assert_int_equal(ws_recv(&c, &f, 1000), 0);
	free(c.buf);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frames),     cmocka_unit_test(test_known_bytes),
	    cmocka_unit_test(test_bad_frames), cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_ping_pong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
