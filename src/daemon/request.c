/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LXD's response envelope. Every JSON answer is an object with the keys
 * type, status, status_code, operation, error_code, error and metadata, in
 * that order (captures/curl-probes.txt); an error's HTTP status equals its
 * error_code.
 */
#include <errno.h>
#include <libwebsockets.h>
#include <stdarg.h>
#include <string.h>

#include "alloc.h"
#include "operations.h"
#include "request.h"
#include "strutil.h"
#include "util.h"

static const char *const method_names[_HTTP_METHOD_MAX] = {
	[HTTP_GET] = "GET",	  [HTTP_POST] = "POST",	    [HTTP_PUT] = "PUT",
	[HTTP_PATCH] = "PATCH",	  [HTTP_DELETE] = "DELETE", [HTTP_HEAD] = "HEAD",
	[HTTP_OPTIONS] = "OPTIONS",
};

const char *http_method_to_string(int m)
{
	return m >= 0 && m < _HTTP_METHOD_MAX ? method_names[m] : NULL;
}

char *request_arg(const struct request *req, const char *name)
{
	size_t n = strlen(name);
	const char *p = req->query;

	while (p && *p) {
		const char *end = strchrnul(p, '&');

		if ((size_t)(end - p) >= n + 1 && strncmp(p, name, n) == 0 && p[n] == '=')
			return xstrndup(p + n + 1, (size_t)(end - p) - n - 1);
		if ((size_t)(end - p) == n && strncmp(p, name, n) == 0)
			return xstrdup("");
		p = *end ? end + 1 : end;
	}
	return NULL;
}

int request_recursion(const struct request *req)
{
	_cleanup_free_ char *v = request_arg(req, "recursion");
	int r = 0;

	if (!v || safe_atoi(v, &r) < 0 || r < 0)
		return 0;
	return MIN(r, 2);
}

json_t *request_json(struct request *req)
{
	json_error_t jerr;
	json_t *j;

	if (!req->body || req->body_len == 0) {
		reply_error(req, 400, "EOF");
		return NULL;
	}
	j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		reply_error(req, 400, "invalid JSON at line %d column %d: %s", jerr.line,
			    jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		reply_error(req, 400, "json: cannot unmarshal non-object into request");
		return NULL;
	}
	return j;
}

static void set_reply(struct request *req, int status, json_t *envelope)
{
	if (req->replied) {
		json_decref(envelope);
		return;
	}
	req->status = status;
	req->resp = json_dumps(envelope, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (!req->resp)
		req->resp = xstrdup("{}");
	req->resp_len = strlen(req->resp);
	req->resp = xrealloc(req->resp, req->resp_len + 2);
	req->resp[req->resp_len++] = '\n';
	req->resp[req->resp_len] = 0;
	req->content_type = "application/json";
	req->replied = true;
	json_decref(envelope);
	request_kick(req);
}

static json_t *envelope(const char *type, const char *status, int status_code,
			const char *operation, int error_code, const char *error, json_t *metadata)
{
	return json_pack("{s:s, s:s, s:i, s:s, s:i, s:s, s:o}", "type", type, "status", status,
			 "status_code", status_code, "operation", operation, "error_code",
			 error_code, "error", error, "metadata",
			 metadata ? metadata : json_null());
}

void reply_sync(struct request *req, json_t *metadata)
{
	set_reply(req, 200, envelope("sync", "Success", 200, "", 0, "", metadata));
}

void reply_sync_etag(struct request *req, json_t *metadata, const json_t *etag_of)
{
	free(req->etag);
	req->etag = util_json_etag(etag_of ? etag_of : metadata);
	reply_sync(req, metadata);
}

void reply_created(struct request *req, const char *location)
{
	free(req->location);
	req->location = xstrdup(location);
	set_reply(req, 201, envelope("sync", "Success", 200, "", 0, "", NULL));
}

void reply_bytes(struct request *req, const char *content_type, const void *data, size_t len)
{
	if (req->replied)
		return;
	free(req->resp);
	req->resp = xmalloc(len + 1);
	memcpy(req->resp, data, len);
	req->resp_len = len;
	req->status = 200;
	req->content_type = content_type;
	req->replied = true;
	request_kick(req);
}

void reply_async(struct request *req, struct operation *op)
{
	_cleanup_free_ char *url = xasprintf("/1.0/operations/%s", op->id);

	free(req->location);
	req->location = xstrdup(url);
	set_reply(req, 202, envelope("async", "Operation created", 100, url, 0, "",
				     operation_to_json(op)));
}

void reply_error(struct request *req, int status, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	set_reply(req, status, envelope("error", "", 0, "", status, msg, NULL));
}

static const struct {
	int err;
	int status;
} errno_status[] = {
	{ ENOENT, 404 },     { ENXIO, 404 },	  { EINVAL, 400 },   { EBADMSG, 400 },
	{ EEXIST, 409 },     { EBUSY, 400 },	  { EPERM, 403 },    { EACCES, 403 },
	{ EOPNOTSUPP, 501 }, { ENOSYS, 501 },	  { EFBIG, 413 },    { E2BIG, 413 },
	{ ESTALE, 412 },     { ECANCELED, 400 },  { ENOTCONN, 400 }, { EALREADY, 400 },
	{ ETIMEDOUT, 504 },  { ENOEXEC, 400 },
};

int http_status_from_errno(int r)
{
	for (size_t i = 0; i < ELEMENTSOF(errno_status); i++)
		if (errno_status[i].err == -r)
			return errno_status[i].status;
	return 500;
}

void reply_errno(struct request *req, int r, const char *msg)
{
	reply_error(req, http_status_from_errno(r), "%s", msg);
}
