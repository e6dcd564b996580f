/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One HTTP request and its answer. The server (server.c) fills the request
 * part, the router calls a handler on the loop thread, and the handler
 * answers with one reply_*() call, at once or later (long polls such as
 * /wait: it keeps the request and answers when ready; if the client goes
 * away first, on_gone is called and the request must be forgotten).
 * The reply functions take ownership of the JSON they are given and build
 * LXD's envelopes: sync, async and error.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct lws;
struct operation;

enum http_method {
	HTTP_GET,
	HTTP_POST,
	HTTP_PUT,
	HTTP_PATCH,
	HTTP_DELETE,
	HTTP_HEAD,
	HTTP_OPTIONS,
	_HTTP_METHOD_MAX,
	_HTTP_METHOD_INVALID = -22,
};

const char *http_method_to_string(int m);

#define REQUEST_BODY_MAX (4u << 20)     /* JSON bodies */
#define REQUEST_UPLOAD_MAX (256u << 20) /* image uploads (kept in memory for now) */

struct request {
	struct lws *wsi; /* borrowed; NULL once the client is gone */
	int method;	 /* enum http_method */
	char *path;	 /* owned: decoded path, no query */
	char *query;	 /* owned: raw "a=b&c=d" (url-decoded per argument), may be "" */
	char *if_match;	 /* owned: If-Match value with quotes, or NULL */
	char *body;	 /* owned, NUL terminated */
	size_t body_len;
	size_t content_length;
	bool body_too_big;

	/* the answer */
	bool replied;
	int status;
	char *resp;	 /* owned */
	size_t resp_len;
	char *etag;	 /* owned: without quotes */
	char *location;	 /* owned */
	const char *content_type;
	char **headers;	 /* owned strv: extra "Name: value" headers (X-LXD-* of /files) */

	/* a request the listener read itself (chunked bodies): the answer goes to this fd */
	int direct_fd; /* -1 otherwise */
	char *raw_head; /* owned: its request head */

	/* a TLS connection without a trusted client certificate (tls.h) */
	bool untrusted;
	char *peer_fp; /* owned: the client certificate's fingerprint, or NULL */

	/* deferred answers */
	void (*on_gone)(struct request *req);
	void *userdata; /* borrowed, for on_gone */
};

/* Query argument NAME (without '='), or NULL. The result is owned by the caller. */
char *request_arg(const struct request *req, const char *name);
/* A request header by name (case-insensitive), or NULL. Owned by the caller. */
char *request_header(const struct request *req, const char *name);
/* ?recursion=N: 0 when absent or invalid. */
int request_recursion(const struct request *req);
/* Parse the body as a JSON object; on failure answer 400 and return NULL. */
json_t *request_json(struct request *req);

void reply_sync(struct request *req, json_t *metadata);
void reply_sync_etag(struct request *req, json_t *metadata, const json_t *etag_of);
void reply_created(struct request *req, const char *location);
/* A raw (non-JSON) 200 answer: data is copied; headers of req->headers are added. */
void reply_bytes(struct request *req, const char *content_type, const void *data, size_t len);
void reply_async(struct request *req, struct operation *op);
void reply_error(struct request *req, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Map a -errno to an HTTP status (the one table) and answer with msg. */
void reply_errno(struct request *req, int r, const char *msg);
int http_status_from_errno(int r);
/* The handler answers later (long poll): keep the connection open meanwhile. */
void request_defer(struct request *req);
/* The reply is ready: ask the server to write it (no-op if the client is gone). */
void request_kick(struct request *req);
