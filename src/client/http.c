/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libcurl over CURLOPT_UNIX_SOCKET_PATH. The host part of the URL is
 * "unix.socket", as LXD's client sends it. Error texts for an unreachable
 * daemon follow the Go client's ("Get "http://unix.socket/1.0": dial unix
 * ...: connect: no such file or directory"), since users grep for them.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "http.h"
#include "strutil.h"
#include "strv.h"

#define HTTP_MAX_BODY (256u * 1024 * 1024)

static CURL *handle;

const char *http_socket_path(void)
{
	static char *path;
	const char *s, *dir;

	if (path)
		return path;
	s = getenv("COVE_SOCKET");
	dir = getenv("COVE_DIR");
	if (!isempty(s))
		path = xstrdup(s);
	else if (!isempty(dir))
		path = path_join(dir, "unix.socket");
	else
		path = xstrdup("/var/lib/cove/unix.socket");
	return path;
}

struct buf {
	char *data;
	size_t len;
	bool too_big;
};

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct buf *b = userdata;
	size_t n = size * nmemb;

	if (b->len + n > HTTP_MAX_BODY) {
		b->too_big = true;
		return 0;
	}
	b->data = xrealloc(b->data, b->len + n + 1);
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = 0;
	return n;
}

static size_t header_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_response *r = userdata;
	size_t n = size * nmemb;
	_cleanup_free_ char *line = xstrndup(ptr, n);
	char *colon = strchr(line, ':');
	char **dst = NULL;

	if (!colon)
		return n;
	*colon = 0;
	if (strcasecmp(line, "etag") == 0)
		dst = &r->etag;
	else if (strcasecmp(line, "location") == 0)
		dst = &r->location;
	else if (strcasecmp(line, "x-lxd-type") == 0)
		dst = &r->lxd_type;
	else if (strcasecmp(line, "x-lxd-mode") == 0)
		dst = &r->lxd_mode;
	if (dst) {
		free(*dst);
		*dst = xstrdup(strstrip(colon + 1));
	}
	return n;
}

static struct curl_slist *build_headers(const struct http_request *req)
{
	struct curl_slist *h = NULL;
	_cleanup_free_ char *im = NULL, *ct = NULL;

	h = curl_slist_append(h, "Expect:");
	if (req->body || req->upload) {
		ct = xasprintf("Content-Type: %s",
			       req->content_type ?: (req->upload ? "application/octet-stream"
								: "application/json"));
		h = curl_slist_append(h, ct);
	}
	if (req->if_match) {
		im = xasprintf("If-Match: %s", req->if_match);
		h = curl_slist_append(h, im);
	}
	STRV_FOREACH(l, req->headers)
		h = curl_slist_append(h, *l);
	return h;
}

/* "GET" -> "Get", as Go's net/http names the method in its errors. */
static void go_method(const char *m, char *out, size_t n)
{
	size_t i;

	for (i = 0; m[i] && i + 1 < n; i++)
		out[i] = i == 0 ? m[i] : (char)tolower((unsigned char)m[i]);
	out[i] = 0;
}

static int curl_failure(const struct http_request *req, CURLcode cc, const char *url,
			struct cove_error *err)
{
	char m[16];
	int e = cc == CURLE_COULDNT_CONNECT ? ENOENT : EIO;

	go_method(req->method, m, sizeof(m));
	if (cc == CURLE_COULDNT_CONNECT) {
		if (access(http_socket_path(), F_OK) == 0)
			e = ECONNREFUSED;
		char msg[128];
		snprintf(msg, sizeof(msg), "%s", strerror(e));
		msg[0] = (char)tolower((unsigned char)msg[0]);
		return cove_err(err, -e, "%s \"%s\": dial unix %s: connect: %s", m, url,
				http_socket_path(), msg);
	}
	return cove_err(err, -e, "%s \"%s\": %s", m, url, curl_easy_strerror(cc));
}

static void setup_handle(const struct http_request *req, const char *url, struct buf *b,
			 struct http_response *ret)
{
	curl_easy_reset(handle);
	curl_easy_setopt(handle, CURLOPT_UNIX_SOCKET_PATH, http_socket_path());
	curl_easy_setopt(handle, CURLOPT_URL, url);
	curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(handle, CURLOPT_USERAGENT, "cove " COVE_VERSION);
	curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(handle, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(handle, CURLOPT_HEADERDATA, ret);
	curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
	if (req->upload) {
		curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(handle, CURLOPT_READDATA, req->upload);
		curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->upload_size);
	} else if (req->body) {
		curl_easy_setopt(handle, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	if (streq(req->method, "HEAD"))
		curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
}

int http_do(const struct http_request *req, struct http_response *ret, struct cove_error *err)
{
	_cleanup_free_ char *url = xasprintf("http://unix.socket%s", req->path);
	struct curl_slist *hdrs;
	struct http_response r = {};
	struct buf b = {};
	CURLcode cc;

	if (!handle) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		handle = curl_easy_init();
		if (!handle)
			return cove_err(err, -ENOMEM, "Failed to initialise libcurl");
	}
	setup_handle(req, url, &b, &r);
	hdrs = build_headers(req);
	curl_easy_setopt(handle, CURLOPT_HTTPHEADER, hdrs);
	cc = curl_easy_perform(handle);
	curl_slist_free_all(hdrs);
	if (cc != CURLE_OK) {
		free(b.data);
		http_response_done(&r);
		if (b.too_big)
			return cove_err(err, -E2BIG, "Response from the server is too large");
		return curl_failure(req, cc, url, err);
	}
	curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &r.status);
	r.body = b.data ?: xstrdup("");
	r.len = b.len;
	*ret = r;
	return 0;
}

void http_response_done(struct http_response *r)
{
	free(r->body);
	free(r->etag);
	free(r->location);
	free(r->lxd_type);
	free(r->lxd_mode);
	*r = (struct http_response){};
}

char *http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(strlen(s) * 3 + 1), *o = out;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-._~", c))
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = 0;
	return out;
}
