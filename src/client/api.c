/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Envelopes, operations and events of the LXD 1.0 dialect (see api.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "api.h"
#include "http.h"
#include "strutil.h"

void api_response_done(struct api_response *r)
{
	json_decref(r->root);
	free(r->etag);
	*r = (struct api_response){};
}

static const char *reason(long status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 412:
		return "Precondition Failed";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "";
	}
}

static int status_errno(long status)
{
	switch (status) {
	case 404:
		return -ENOENT;
	case 409:
		return -EEXIST;
	case 403:
		return -EACCES;
	case 412:
		return -ESTALE;
	case 400:
		return -EINVAL;
	default:
		return -EIO;
	}
}

int api_parse(long http_status, const char *body, const char *path, struct api_response *ret,
	      struct cove_error *err)
{
	json_t *root = json_loads(body, 0, NULL);
	const char *type;

	if (!root || !json_is_object(root)) {
		json_decref(root);
		if (http_status != 200)
			return cove_err(err, status_errno(http_status),
					"Failed to fetch http://unix.socket%s: %ld %s", path,
					http_status, reason(http_status));
		return cove_err(err, -EBADMSG, "Invalid response from the server for '%s'", path);
	}
	type = json_string_value(json_object_get(root, "type")) ?: "";
	if (streq(type, "error")) {
		const char *e = json_string_value(json_object_get(root, "error")) ?: "";
		long code = json_integer_value(json_object_get(root, "error_code")) ?: http_status;
		cove_err(err, status_errno(code), "%s", e);
		json_decref(root);
		return err ? err->code : -EIO;
	}
	if (!streq(type, "sync") && !streq(type, "async")) {
		cove_err(err, -EBADMSG, "Unknown response type '%s' for '%s'", type, path);
		json_decref(root);
		return -EBADMSG;
	}
	*ret = (struct api_response){.http_status = http_status,
				     .root = root,
				     .metadata = json_object_get(root, "metadata"),
				     .async = streq(type, "async")};
	return 0;
}

/* Send req and parse the envelope. */
static int request_parse(struct http_request *req, struct api_response *ret, struct cove_error *err)
{
	struct http_response h = {};
	int r;

	r = http_do(req, &h, err);
	if (r < 0)
		return r;
	r = api_parse(h.status, h.body, req->path, ret, err);
	if (r >= 0)
		ret->etag = TAKE_PTR(h.etag);
	http_response_done(&h);
	return r;
}

int api_request(const char *method, const char *path, json_t *body, const char *if_match,
		struct api_response *ret, struct cove_error *err)
{
	_cleanup_free_ char *data = NULL;
	struct http_request req = {.method = method, .path = path, .if_match = if_match};

	if (body) {
		data = json_dumps(body, JSON_COMPACT);
		req.body = data;
		req.body_len = strlen(data);
	}
	return request_parse(&req, ret, err);
}

int api_get(const char *path, json_t **ret_meta, char **ret_etag, struct cove_error *err)
{
	struct api_response resp = {};
	int r;

	r = api_request("GET", path, NULL, NULL, &resp, err);
	if (r < 0)
		return r;
	*ret_meta = json_incref(resp.metadata ?: json_null());
	if (ret_etag)
		*ret_etag = TAKE_PTR(resp.etag);
	api_response_done(&resp);
	return 0;
}

bool api_op_is_final(json_t *op)
{
	return json_integer_value(json_object_get(op, "status_code")) >= 200;
}

char *api_instance_path(const char *name)
{
	_cleanup_free_ char *e = http_escape(name);

	return xasprintf("/1.0/instances/%s", e);
}

void api_op_done(struct api_op *o)
{
	o->events = ws_free(o->events);
	json_decref(o->op);
	free(o->id);
	*o = (struct api_op){};
}

static int op_start(struct http_request *req, json_t *body, struct api_op *o,
		    struct cove_error *err)
{
	_cleanup_free_ char *data = NULL;
	struct api_response resp = {};
	const char *id;
	int r;

	*o = (struct api_op){};
	if (body) {
		data = json_dumps(body, JSON_COMPACT);
		req->body = data;
		req->body_len = strlen(data);
	}
	/* Events first, so that the final event cannot be missed; operation events only. */
	if (ws_connect(http_socket_path(), "/1.0/events?type=operation", &o->events, NULL) < 0)
		o->events = NULL;
	r = request_parse(req, &resp, err);
	if (r < 0) {
		api_op_done(o);
		return r;
	}
	if (resp.async) {
		o->op = json_incref(resp.metadata);
		id = json_string_value(json_object_get(resp.metadata, "id"));
		if (!id) {
			api_response_done(&resp);
			api_op_done(o);
			return cove_err(err, -EBADMSG, "Operation without an id from '%s'",
					req->path);
		}
		o->id = xstrdup(id);
	}
	api_response_done(&resp);
	return 0;
}

int api_op_start(const char *method, const char *path, json_t *body, const char *if_match,
		 struct api_op *o, struct cove_error *err)
{
	struct http_request req = {.method = method, .path = path, .if_match = if_match};

	return op_start(&req, body, o, err);
}

int api_upload(const char *path, FILE *f, uint64_t size, char *const *headers,
	       const char *progress_prefix, json_t **ret_op, struct cove_error *err)
{
	return api_upload_type(path, f, size, NULL, headers, progress_prefix, ret_op, err);
}

int api_upload_type(const char *path, FILE *f, uint64_t size, const char *content_type,
		    char *const *headers, const char *progress_prefix, json_t **ret_op,
		    struct cove_error *err)
{
	struct http_request req = {.method = "POST",
				   .path = path,
				   .upload = f,
				   .upload_size = size,
				   .headers = headers,
				   .content_type = content_type};
	struct api_op o = {};
	int r;

	r = op_start(&req, NULL, &o, err);
	if (r < 0)
		return r;
	r = api_op_wait(&o, progress_prefix ? api_progress_print : NULL, (void *)progress_prefix,
			err);
	api_progress_done();
	if (r >= 0 && ret_op)
		*ret_op = json_incref(o.op);
	api_op_done(&o);
	return r;
}

static void op_replace(struct api_op *o, json_t *op, api_progress_cb cb, void *userdata)
{
	json_decref(o->op);
	o->op = json_incref(op);
	if (cb)
		cb(o->op, userdata);
}

int api_op_handle_event(struct api_op *o, const struct ws_frame *f, api_progress_cb cb,
			void *userdata)
{
	json_t *ev, *md;
	const char *type, *id;
	int r = 0;

	if (f->opcode != WS_OP_TEXT || !o->id)
		return 0;
	ev = json_loadb((const char *)f->data, f->len, 0, NULL);
	md = json_object_get(ev, "metadata");
	type = json_string_value(json_object_get(ev, "type"));
	id = json_string_value(json_object_get(md, "id"));
	if (type && streq(type, "operation") && id && streq(id, o->id)) {
		op_replace(o, md, cb, userdata);
		r = api_op_is_final(o->op);
	}
	json_decref(ev);
	return r;
}

/* Returns 1 when the final event arrived, 0 at the end of the stream. */
static int wait_events(struct api_op *o, api_progress_cb cb, void *userdata)
{
	struct ws_frame f;
	int r;

	for (;;) {
		r = ws_recv(o->events, &f, -1);
		if (r <= 0 || f.opcode == WS_OP_CLOSE)
			return 0;
		if (api_op_handle_event(o, &f, cb, userdata) > 0)
			return 1;
	}
}

static int wait_poll(struct api_op *o, api_progress_cb cb, void *userdata, struct cove_error *err)
{
	_cleanup_free_ char *path = xasprintf("/1.0/operations/%s/wait?timeout=5", o->id);
	int r;

	while (!api_op_is_final(o->op)) {
		json_t *op = NULL;
		r = api_get(path, &op, NULL, err);
		if (r < 0)
			return r;
		op_replace(o, op, cb, userdata);
		json_decref(op);
	}
	return 0;
}

static int op_result(struct api_op *o, struct cove_error *err)
{
	const char *e = json_string_value(json_object_get(o->op, "err"));

	if (json_integer_value(json_object_get(o->op, "status_code")) == 200)
		return 0;
	return cove_err(err, -EIO, "%s", !isempty(e) ? e : "Operation failed");
}

int api_op_wait(struct api_op *o, api_progress_cb cb, void *userdata, struct cove_error *err)
{
	_cleanup_free_ char *path = NULL;
	json_t *op = NULL;
	int r;

	if (!o->op || api_op_is_final(o->op))
		return o->op ? op_result(o, err) : 0;
	/* Race guard, as LXD's client does: it may be over already. */
	path = xasprintf("/1.0/operations/%s", o->id);
	r = api_get(path, &op, NULL, NULL);
	if (r >= 0) {
		op_replace(o, op, cb, userdata);
		json_decref(op);
		if (api_op_is_final(o->op))
			return op_result(o, err);
	}
	if (o->events && wait_events(o, cb, userdata) > 0)
		return op_result(o, err);
	r = wait_poll(o, cb, userdata, err);
	if (r < 0)
		return r;
	return op_result(o, err);
}

static size_t progress_width;

void api_progress_print(json_t *op, void *userdata)
{
	const char *prefix = userdata ?: "";
	json_t *md = json_object_get(op, "metadata");
	const char *key;
	json_t *v;
	char line[512];
	int n;

	if (!isatty(STDOUT_FILENO) || !json_is_object(md))
		return;
	json_object_foreach (md, key, v) {
		if (!endswith(key, "_progress") || isempty(json_string_value(v)))
			continue;
		n = snprintf(line, sizeof(line), "%s%s", prefix, json_string_value(v));
		if (n < 0)
			return;
		printf("\r%-*s", (int)progress_width, line);
		progress_width = MAX(progress_width, (size_t)MIN(n, (int)sizeof(line) - 1));
		fflush(stdout);
		return;
	}
}

void api_progress_done(void)
{
	if (progress_width == 0)
		return;
	printf("\r%*s\r", (int)progress_width, "");
	fflush(stdout);
	progress_width = 0;
}

int api_async(const char *method, const char *path, json_t *body, const char *if_match,
	      const char *progress_prefix, json_t **ret_op, struct cove_error *err)
{
	struct api_op o = {};
	int r;

	r = api_op_start(method, path, body, if_match, &o, err);
	if (r < 0)
		return r;
	r = api_op_wait(&o, progress_prefix ? api_progress_print : NULL, (void *)progress_prefix,
			err);
	api_progress_done();
	if (r >= 0 && ret_op)
		*ret_op = json_incref(o.op);
	api_op_done(&o);
	return r;
}
