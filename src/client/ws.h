/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small RFC 6455 websocket client over a unix socket, as the cove CLI needs
 * it for /1.0/events, exec and console streams. Blocking sockets; callers that
 * multiplex several connections poll() on ws->fd and call ws_fill() +
 * ws_next_frame() when it is readable. Client frames are always masked.
 * Nothing here logs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

#include "cove/error.h"

enum {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

/* Largest frame payload we accept from a server (bounds the read buffer). */
#define WS_MAX_PAYLOAD (16u * 1024 * 1024)

struct ws_frame {
	int opcode;
	bool fin;
	uint8_t *data; /* borrowed: points into the connection's buffer */
	size_t len;
};

struct ws_conn {
	int fd;
	uint8_t *buf; /* owned: bytes read and not consumed yet */
	size_t len, cap;
	size_t consumed; /* bytes of buf taken by the last frame returned */
	bool eof;
};

/* Encode one frame (mask may be NULL for an unmasked frame). out must hold
 * ws_frame_size(len, mask != NULL) bytes. Returns the bytes written. */
size_t ws_frame_size(size_t len, bool masked);
size_t ws_frame_encode(uint8_t *out, int opcode, bool fin, const uint8_t *mask, const void *data,
		       size_t len);
/* Parse one frame at buf (unmasking in place). Returns the bytes it spans,
 * 0 if buf holds only part of it, -EPROTO/-E2BIG for a bad frame. */
ssize_t ws_frame_parse(uint8_t *buf, size_t len, struct ws_frame *ret);

/* Connect to socket_path and upgrade path ("/1.0/events"). Returns 0 or
 * -errno with err set (the HTTP status line when the server refused). */
int ws_connect(const char *socket_path, const char *path, struct ws_conn **ret,
	       struct cove_error *err);
struct ws_conn *ws_free(struct ws_conn *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct ws_conn *, ws_free);

int ws_send(struct ws_conn *c, int opcode, const void *data, size_t len);
/* Read what the socket has (once). Returns bytes read, 0 at EOF, -errno. */
ssize_t ws_fill(struct ws_conn *c);
/* Next complete frame from the buffer: 1 with *ret set (valid until the next
 * call), 0 if more bytes are needed, -errno on a protocol error. Pings are
 * answered with pongs and not returned. */
int ws_next_frame(struct ws_conn *c, struct ws_frame *ret);
/* Blocking: the next data, close or EOF frame. Returns 1 with *ret, 0 at EOF,
 * -errno. timeout_ms < 0 waits for ever; -ETIMEDOUT when it expires. */
int ws_recv(struct ws_conn *c, struct ws_frame *ret, int timeout_ms);
/* Build a Sec-WebSocket-Key (base64 of 16 random bytes, 24 chars + NUL). */
void ws_make_key(char out[25]);
/* base64 of len bytes into out (4 * ceil(len / 3) + 1 bytes). */
void ws_base64(const uint8_t *in, size_t len, char *out);
