/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unix socket listener in front of libwebsockets. libwebsockets 4.1
 * cannot read chunked request bodies (Go's client sends uploads chunked),
 * so each new connection's request head is read here first: a chunked
 * request is de-chunked (bounded) and handed to libwebsockets with a
 * Content-Length; everything else is handed over as read. Only the first
 * request of a connection is looked at: the LXD clients use one
 * connection per request.
 */
#pragma once

#include <stddef.h>

struct lws_vhost;

#define LISTENER_HEAD_MAX (16u * 1024)

/* Listen on path (mode 0660, group may be NULL) and adopt connections into vhost. */
int listener_start(const char *path, const char *group, struct lws_vhost *vhost);
void listener_stop(void);

/*
 * De-chunking, exposed for tests. Feed bytes; returns 1 when the final chunk
 * and trailers were read, 0 if more is needed, -EBADMSG or -EFBIG.
 */
struct dechunk {
	int state;
	size_t remain;	    /* bytes left in the current chunk */
	char line[64];	    /* a size line being read */
	size_t line_len;
	char *out;	    /* owned: the body so far */
	size_t out_len;
	size_t max;
	size_t consumed;    /* of the last feed, how much belonged to the body */
};
int dechunk_feed(struct dechunk *d, const char *buf, size_t len);
/* Rewrite a request head: drop Transfer-Encoding, add Content-Length. Owned result. */
char *head_with_length(const char *head, size_t head_len, size_t body_len);
