/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The LXD 1.0 dialect as the cove CLI speaks it: response envelopes, errors,
 * operations and the events websocket. Nothing here logs.
 *
 * Async calls follow LXD's client: open /1.0/events first, send the request,
 * GET the operation once (race guard), then wait for its final operation
 * event. Without an events stream (an old daemon) fall back to
 * GET /1.0/operations/<id>/wait.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cove/error.h"
#include "macro.h"
#include "ws.h"

struct api_response {
	long http_status;
	json_t *root;	  /* owned: the whole envelope */
	json_t *metadata; /* borrowed from root */
	char *etag;	  /* owned; NULL when absent */
	bool async;
};

void api_response_done(struct api_response *r);

/* Send a request with an optional JSON body (borrowed). Returns 0 for a sync
 * or async answer, -errno with err set to the server's "error" text (or to
 * "Failed to fetch ..." for a non-JSON failure). */
int api_request(const char *method, const char *path, json_t *body, const char *if_match,
		struct api_response *ret, struct cove_error *err);
/* Parse an envelope (exposed for unit tests). Takes http status and body. */
int api_parse(long http_status, const char *body, const char *path, struct api_response *ret,
	      struct cove_error *err);
/* GET path; *ret_meta gets a new reference to the metadata, *ret_etag (may
 * be NULL) the ETag. */
int api_get(const char *path, json_t **ret_meta, char **ret_etag, struct cove_error *err);

/* Called with each operation update while waiting (may be NULL). */
typedef void (*api_progress_cb)(json_t *op, void *userdata);

struct api_op {
	struct ws_conn *events; /* owned; NULL if it could not be opened */
	json_t *op;		/* owned: the operation object */
	char *id;		/* owned */
};
void api_op_done(struct api_op *o);

/* Open the events stream, send the request and expect an async answer.
 * A sync answer is accepted too (o->op stays NULL). */
int api_op_start(const char *method, const char *path, json_t *body, const char *if_match,
		 struct api_op *o, struct cove_error *err);
/* Wait until the operation is final. Returns 0 on Success, -EIO with err set
 * to the operation's "err" on Failure; o->op holds the final object. */
int api_op_wait(struct api_op *o, api_progress_cb cb, void *userdata, struct cove_error *err);
/* Feed one frame of o->events (for callers that poll it themselves).
 * Returns 1 when the operation became final. */
int api_op_handle_event(struct api_op *o, const struct ws_frame *f, api_progress_cb cb,
			void *userdata);
/* start + wait, with the default progress renderer when prefix != NULL. */
int api_async(const char *method, const char *path, json_t *body, const char *if_match,
	      const char *progress_prefix, json_t **ret_op, struct cove_error *err);

/* POST a raw body read from f (size bytes) and wait for the operation. */
int api_upload(const char *path, FILE *f, uint64_t size, char *const *headers,
	       const char *progress_prefix, json_t **ret_op, struct cove_error *err);

/* The same with a Content-Type (NULL: application/octet-stream). */
int api_upload_type(const char *path, FILE *f, uint64_t size, const char *content_type,
		    char *const *headers, const char *progress_prefix, json_t **ret_op,
		    struct cove_error *err);

/* The progress renderer: prints "<prefix><progress text>" on a tty. */
void api_progress_print(json_t *op, void *userdata);
void api_progress_done(void);

/* An operation's final status: 1 final, 0 still running. */
bool api_op_is_final(json_t *op);
/* Instance path prefix "/1.0/instances/<escaped name>" (new string). */
char *api_instance_path(const char *name);
