/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTTP/1.1 and WebSocket server: libwebsockets on the daemon's libuv
 * loop, listening on COVE_DIR/unix.socket (mode 0660).
 *
 * WebSockets are handed to their owner (events, exec) as a struct ws_conn:
 * the owner queues frames with ws_send() and is told about received frames
 * and the end of the connection through its callbacks.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct lws;
struct ws_conn;

struct ws_ops {
	/* a frame or a piece of one; text frames of length 0 are LXD's end-of-stream barrier */
	void (*receive)(struct ws_conn *c, const void *data, size_t len, bool binary,
			bool first, bool final);
	/* the connection is gone: forget c (it is freed after this returns) */
	void (*closed)(struct ws_conn *c);
};

struct ws_conn {
	struct lws *wsi; /* borrowed */
	const struct ws_ops *ops;
	void *userdata;
	struct ws_frame *head, *tail; /* queued frames */
	size_t queued_bytes;
	unsigned pings_unanswered; /* ws_ping() adds one, a pong resets */
	bool close_when_drained;
};

/* Queue a frame (copied). */
void ws_send(struct ws_conn *c, const void *data, size_t len, bool binary);
/* Queue a ping control frame (payload <= 125 bytes). */
void ws_ping(struct ws_conn *c, const char *payload);
/* Close the connection once everything queued is written (no close frame, like LXD). */
void ws_close(struct ws_conn *c);

/*
 * A websocket upgrade for PATH?QUERY arrived: a websocket endpoint claims it
 * by setting c->ops (and c->userdata) and returning 0; < 0 refuses it.
 */
int server_ws_attach(struct ws_conn *c, const char *path, const char *query);

int server_start(const char *socket_path, const char *group);
/*
 * Serve a request that the listener read completely (head and de-chunked
 * body, whose ownership is taken) on fd, which is closed after the answer.
 */
void server_dispatch_direct(int fd, const char *head, size_t head_len, char *body,
			    size_t body_len);
struct lws_vhost;
/* The TLS vhost for tls.c (no listener: it adopts what tls.c accepts). */
struct lws_vhost *server_tls_vhost(const char *crt, const char *key);
void server_stop(void);
