/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HTTP/1.1 to coved over its unix socket, one connection per request (see
 * http.c for why this is not libcurl). Nothing here logs: failures come
 * back as -errno + struct cove_error.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cove/error.h"

struct http_request {
	const char *method; /* "GET", "PUT", ... */
	const char *path;   /* "/1.0/instances?recursion=1" (already URL-encoded) */
	const char *body;   /* borrowed; NULL for none */
	size_t body_len;
	const char *content_type; /* default application/json when body is set */
	const char *if_match;	  /* borrowed; NULL for none */
	FILE *upload;		  /* borrowed; raw body read from here */
	uint64_t upload_size;
	char *const *headers; /* borrowed; extra "Name: value" lines, NULL-terminated */
	bool download;	      /* a 200 answer's body is written to download_fd */
	int download_fd;      /* borrowed */
};

struct http_response {
	long status;
	char *body; /* owned, NUL-terminated */
	size_t len;
	char *etag;	/* owned, quotes kept; NULL when absent */
	char *location; /* owned; NULL when absent */
	char *lxd_type; /* owned: X-LXD-type of file downloads; NULL when absent */
	char *lxd_mode; /* owned: X-LXD-mode */
	char *content_type; /* owned; NULL when absent */
};

/* The socket: $COVE_SOCKET, else $COVE_DIR/unix.socket, else
 * /var/lib/cove/unix.socket. Returns a static string. */
const char *http_socket_path(void);
/* Run req. Returns 0 with *ret filled (any HTTP status), or -errno with
 * err set when the daemon could not be reached. */
int http_do(const struct http_request *req, struct http_response *ret, struct cove_error *err);
void http_response_done(struct http_response *r);
/* URL-encode s for a query parameter value (new string). */
char *http_escape(const char *s);
