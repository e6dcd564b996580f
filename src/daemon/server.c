/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libwebsockets glue. One protocol handles both plain HTTP requests and
 * websocket upgrades on the unix socket. A request's body is collected (up
 * to REQUEST_BODY_MAX) before the router runs; the answer is written from
 * the WRITEABLE callback in one piece (lws buffers what the socket does not
 * take at once). Nothing here trusts the client: an oversize body, a
 * method we do not know or a client that leaves early ends that request
 * only.
 */
#include <errno.h>
#include <libwebsockets.h>
#include <openssl/x509.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "daemon.h"
#include "fileio.h"
#include "listener.h"
#include "log.h"
#include "request.h"
#include "router.h"
#include "server.h"
#include "strutil.h"
#include "strv.h"
#include "tls.h"

LOG_MODULE("server");

#define HEADERS_MAX 2048

struct ws_frame {
	struct ws_frame *next;
	bool binary;
	bool ping;
	size_t len;
	unsigned char data[]; /* LWS_PRE bytes, then the payload */
};

struct session {
	struct request *req; /* HTTP */
	struct ws_conn *ws;  /* websocket */
};

static int method_of(struct lws *wsi)
{
	static const struct {
		enum lws_token_indexes tok;
		int method;
	} t[] = {
		{ WSI_TOKEN_GET_URI, HTTP_GET },	 { WSI_TOKEN_POST_URI, HTTP_POST },
		{ WSI_TOKEN_PUT_URI, HTTP_PUT },	 { WSI_TOKEN_PATCH_URI, HTTP_PATCH },
		{ WSI_TOKEN_DELETE_URI, HTTP_DELETE }, { WSI_TOKEN_HEAD_URI, HTTP_HEAD },
		{ WSI_TOKEN_OPTIONS_URI, HTTP_OPTIONS },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++)
		if (lws_hdr_total_length(wsi, t[i].tok) > 0)
			return t[i].method;
	return _HTTP_METHOD_INVALID;
}

static char *query_of(struct lws *wsi)
{
	_cleanup_free_ char *q = xstrdup("");
	char buf[1024];

	for (int i = 0; lws_hdr_copy_fragment(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_URI_ARGS, i) > 0;
	     i++) {
		char *n = xasprintf("%s%s%s", q, *q ? "&" : "", buf);

		free(q);
		q = n;
	}
	return TAKE_PTR(q);
}

static char *header_of(struct lws *wsi, enum lws_token_indexes tok)
{
	int n = lws_hdr_total_length(wsi, tok);
	char *s;

	if (n <= 0 || n > 4096)
		return NULL;
	s = xmalloc((size_t)n + 1);
	if (lws_hdr_copy(wsi, s, n + 1, tok) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

static void request_free(struct request *req)
{
	if (!req)
		return;
	free(req->path);
	free(req->query);
	free(req->if_match);
	free(req->body);
	free(req->resp);
	free(req->etag);
	free(req->location);
	free(req->raw_head);
	free(req->peer_fp);
	strv_free(req->headers);
	free(req);
}

static void write_direct(struct request *req);

void request_kick(struct request *req)
{
	if (req->direct_fd >= 0 && req->replied) {
		write_direct(req);
		return;
	}
	if (req->wsi && req->replied)
		lws_callback_on_writable(req->wsi);
}

/* a backup import (lxc import) is an octet-stream POST /1.0/instances; JSON stays small */
static bool is_backup_upload(const struct request *req)
{
	_cleanup_free_ char *ct = NULL;

	if (!streq(req->path, "/1.0/instances") && !streq(req->path, "/1.0/containers"))
		return false;
	ct = request_header(req, "Content-Type");
	return ct && startswith(ct, "application/octet-stream");
}

static size_t body_max(const struct request *req)
{
	if (req->method == HTTP_POST &&
	    (streq(req->path, "/1.0/images") || endswith(req->path, "/files") ||
	     is_backup_upload(req)))
		return REQUEST_UPLOAD_MAX;
	return REQUEST_BODY_MAX;
}

void request_defer(struct request *req)
{
	/* a long poll: no lws timeout while we hold the answer back */
	if (req->wsi)
		lws_set_timeout(req->wsi, NO_PENDING_TIMEOUT, 0);
}

static struct request *request_new(struct lws *wsi, const char *path)
{
	struct request *req = xzalloc(sizeof(*req));
	_cleanup_free_ char *cl = header_of(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
	uint64_t n = 0;

	req->wsi = wsi;
	req->direct_fd = -1;
	req->method = method_of(wsi);
	req->path = xstrdup(path);
	req->query = query_of(wsi);
	req->if_match = header_of(wsi, WSI_TOKEN_HTTP_IF_MATCH);
	if (cl && safe_atou64(cl, &n) == 0)
		req->content_length = n;
	if (n > body_max(req))
		req->body_too_big = true;
	tls_request_auth(req);
	return req;
}

static int write_reply(struct lws *wsi, struct request *req)
{
	_cleanup_free_ unsigned char *buf = xmalloc(LWS_PRE + HEADERS_MAX + req->resp_len);
	unsigned char *start = buf + LWS_PRE, *p = start, *end = start + HEADERS_MAX;
	_cleanup_free_ char *etag = req->etag ? xasprintf("\"%s\"", req->etag) : NULL;

	if (lws_add_http_common_headers(wsi, (unsigned)req->status, req->content_type,
					req->resp_len, &p, end))
		return -1;
	if (etag && lws_add_http_header_by_name(wsi, (const unsigned char *)"Etag:",
						(const unsigned char *)etag, (int)strlen(etag), &p, end))
		return -1;
	if (req->location &&
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"Location:",
					(const unsigned char *)req->location,
					(int)strlen(req->location), &p, end))
		return -1;
	STRV_FOREACH(h, req->headers) {
		_cleanup_free_ char *name = xstrdup(*h);
		char *v = strchr(name, ':');

		if (!v)
			continue;
		*++v = 0;
		v = strchr(*h, ':') + 2;
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)name,
						(const unsigned char *)v, (int)strlen(v), &p, end))
			return -1;
	}
	if (req->status >= 400 &&
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"X-Content-Type-Options:",
					(const unsigned char *)"nosniff", 7, &p, end))
		return -1;
	if (lws_finalize_http_header(wsi, &p, end))
		return -1;
	memcpy(p, req->resp, req->resp_len);
	p += req->resp_len;
	if (lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_FINAL) < 0)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static void dispatch(struct request *req)
{
	if (req->body_too_big) {
		reply_error(req, 413, "Request body too large (limit %zu bytes)", body_max(req));
		return;
	}
	router_dispatch(req);
}

static int on_body(struct request *req, const void *in, size_t len)
{
	if (req->body_too_big || req->body_len + len > body_max(req)) {
		req->body_too_big = true;
		return 0;
	}
	req->body = xrealloc(req->body, req->body_len + len + 1);
	memcpy(req->body + req->body_len, in, len);
	req->body_len += len;
	req->body[req->body_len] = 0;
	return 0;
}

static bool expects_body(const struct request *req, struct lws *wsi)
{
	if (req->method != HTTP_POST && req->method != HTTP_PUT && req->method != HTTP_PATCH)
		return false;
	if (req->content_length > 0)
		return true;
	return lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
}

static int http_cb(struct lws *wsi, enum lws_callback_reasons reason, struct session *s,
		   void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		request_free(s->req);
		s->req = request_new(wsi, in ? (const char *)in : "/");
		if (s->req->body_too_big || !expects_body(s->req, wsi))
			dispatch(s->req);
		return 0;
	case LWS_CALLBACK_HTTP_BODY:
		return s->req ? on_body(s->req, in, len) : 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (s->req && !s->req->replied)
			dispatch(s->req);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE: {
		struct request *req = s->req;
		bool close_after;
		int r;

		if (!req || !req->replied)
			return 0;
		/* completing the transaction may re-enter us and free s: detach first */
		s->req = NULL;
		close_after = req->body_too_big;
		r = write_reply(wsi, req);
		log_debug("Answered %d (%s)", req->status, r < 0 ? "failed" : "ok");
		request_free(req);
		return close_after ? -1 : r;
	}
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (s->req) {
			s->req->wsi = NULL;
			/* a long poll still waiting: its owner forgets it */
			if (!s->req->replied && s->req->on_gone)
				s->req->on_gone(s->req);
			request_free(s->req);
			s->req = NULL;
		}
		return 0;
	default:
		return 0;
	}
}

/* requests read by the listener */

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Request Entity Too Large";
	case 501: return "Not Implemented";
	default: return status < 500 ? "Bad Request" : "Internal Server Error";
	}
}

static void write_direct(struct request *req)
{
	_cleanup_free_ char *extra = req->headers ? strv_join(req->headers, "\r\n") : NULL;
	_cleanup_free_ char *head = xasprintf(
		"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s%s%s%s%s%s%s"
		"Connection: close\r\n\r\n",
		req->status, reason(req->status), req->content_type, req->resp_len,
		req->etag ? "Etag: \"" : "", req->etag ?: "", req->etag ? "\"\r\n" : "",
		req->location ? "Location: " : "", req->location ?: "", req->location ? "\r\n" : "",
		extra ?: "", extra ? "\r\n" : "");

	/* small answers to a client that is waiting for them: a blocking send is fine */
	(void)fd_nonblock(req->direct_fd, false);
	(void)send(req->direct_fd, head, strlen(head), MSG_NOSIGNAL);
	(void)send(req->direct_fd, req->resp, req->resp_len, MSG_NOSIGNAL);
	(void)close(req->direct_fd);
	req->direct_fd = -1;
	request_free(req);
}

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* %XX decoding (no '+' in paths) */
static char *url_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *p = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexdigit(s[i + 1]) >= 0 && hexdigit(s[i + 2]) >= 0) {
			*p++ = (char)(hexdigit(s[i + 1]) * 16 + hexdigit(s[i + 2]));
			i += 2;
		} else {
			*p++ = s[i];
		}
	}
	*p = 0;
	return out;
}

static char *head_header(const char *head, size_t len, const char *name)
{
	size_t k = strlen(name);

	for (const char *l = head; l && l < head + len;) {
		const char *nl = memchr(l, '\n', (size_t)(head + len - l));
		size_t n = nl ? (size_t)(nl - l) : (size_t)(head + len - l);

		if (n > k && strncasecmp(l, name, k) == 0 && l[k] == ':') {
			const char *v = l + k + 1;

			while (v < l + n && (*v == ' ' || *v == '\t'))
				v++;
			return xstrndup(v, (size_t)(l + n - v) - (n && l[n - 1] == '\r' ? 1 : 0));
		}
		l = nl ? nl + 1 : NULL;
	}
	return NULL;
}

char *request_header(const struct request *req, const char *name)
{
	_cleanup_free_ char *lower = xasprintf("%s:", name);
	char buf[1024];
	int n;

	if (req->raw_head)
		return head_header(req->raw_head, strlen(req->raw_head), name);
	if (!req->wsi)
		return NULL;
	/* lws keeps unknown headers as sent; Go sends them canonicalised (X-Lxd-Name) */
	n = lws_hdr_custom_copy(req->wsi, buf, sizeof(buf), lower, (int)strlen(lower));
	if (n < 0) {
		for (char *p = lower; *p; p++)
			*p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
		n = lws_hdr_custom_copy(req->wsi, buf, sizeof(buf), lower, (int)strlen(lower));
	}
	/* a header lws knows is not a custom one */
	if (n < 0 && strcasecmp(name, "Content-Type") == 0)
		n = lws_hdr_copy(req->wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_CONTENT_TYPE);
	return n < 0 ? NULL : xstrndup(buf, (size_t)n);
}

void server_dispatch_direct(int fd, const char *head, size_t head_len, char *body,
			    size_t body_len)
{
	struct request *req = xzalloc(sizeof(*req));
	const char *sp1 = memchr(head, ' ', head_len), *sp2, *q;

	req->direct_fd = fd;
	req->body = body;
	req->body_len = body_len;
	req->content_length = body_len;
	req->method = _HTTP_METHOD_INVALID;
	sp2 = sp1 ? memchr(sp1 + 1, ' ', head_len - (size_t)(sp1 + 1 - head)) : NULL;
	if (!sp1 || !sp2) {
		req->path = xstrdup("/");
		req->query = xstrdup("");
		reply_error(req, 400, "Malformed request line");
		return;
	}
	for (int m = 0; m < _HTTP_METHOD_MAX; m++)
		if ((size_t)(sp1 - head) == strlen(http_method_to_string(m)) &&
		    strncmp(head, http_method_to_string(m), (size_t)(sp1 - head)) == 0)
			req->method = m;
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	req->path = url_decode(sp1 + 1, (size_t)((q ? q : sp2) - sp1 - 1));
	req->query = q ? url_decode(q + 1, (size_t)(sp2 - q - 1)) : xstrdup("");
	req->if_match = head_header(head, head_len, "If-Match");
	req->raw_head = xstrndup(head, head_len);
	router_dispatch(req);
}

/* websockets */

void ws_send(struct ws_conn *c, const void *data, size_t len, bool binary)
{
	struct ws_frame *f = xmalloc(sizeof(*f) + LWS_PRE + len);

	f->next = NULL;
	f->binary = binary;
	f->ping = false;
	f->len = len;
	if (len)
		memcpy(f->data + LWS_PRE, data, len);
	if (c->tail)
		c->tail->next = f;
	else
		c->head = f;
	c->tail = f;
	c->queued_bytes += len;
	lws_callback_on_writable(c->wsi);
}

void ws_ping(struct ws_conn *c, const char *payload)
{
	ws_send(c, payload, strlen(payload), false);
	c->tail->ping = true;
	c->pings_unanswered++;
}

void ws_close(struct ws_conn *c)
{
	c->close_when_drained = true;
	lws_callback_on_writable(c->wsi);
}

static int ws_writeable(struct ws_conn *c)
{
	struct ws_frame *f = c->head;

	if (!f)
		return c->close_when_drained ? -1 : 0;
	c->head = f->next;
	if (!c->head)
		c->tail = NULL;
	c->queued_bytes -= f->len;
	if (lws_write(c->wsi, f->data + LWS_PRE, f->len,
		      f->ping ? LWS_WRITE_PING : f->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) < (int)f->len) {
		free(f);
		return -1;
	}
	free(f);
	if (c->head || c->close_when_drained)
		lws_callback_on_writable(c->wsi);
	return 0;
}

static void ws_free(struct ws_conn *c)
{
	while (c->head) {
		struct ws_frame *f = c->head;

		c->head = f->next;
		free(f);
	}
	free(c);
}

static int ws_established(struct lws *wsi, struct session *s)
{
	_cleanup_free_ char *path = header_of(wsi, WSI_TOKEN_GET_URI);
	_cleanup_free_ char *query = query_of(wsi);
	struct ws_conn *c;

	if (!path)
		return -1;
	c = xzalloc(sizeof(*c));
	c->wsi = wsi;
	if (server_ws_attach(c, path, query) < 0 || !c->ops) {
		log_debug("Refused websocket '%s'", path);
		ws_free(c);
		return -1;
	}
	s->ws = c;
	return 0;
}

static int ws_cb(struct lws *wsi, enum lws_callback_reasons reason, struct session *s, void *in,
		 size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		return ws_established(wsi, s);
	case LWS_CALLBACK_RECEIVE:
		if (s->ws && s->ws->ops->receive)
			s->ws->ops->receive(s->ws, in, len, lws_frame_is_binary(wsi),
					    lws_is_first_fragment(wsi), lws_is_final_fragment(wsi));
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return s->ws ? ws_writeable(s->ws) : 0;
	case LWS_CALLBACK_RECEIVE_PONG:
		if (s->ws)
			s->ws->pings_unanswered = 0;
		return 0;
	case LWS_CALLBACK_CLOSED:
		if (s->ws) {
			if (s->ws->ops->closed)
				s->ws->ops->closed(s->ws);
			ws_free(s->ws);
			s->ws = NULL;
		}
		return 0;
	default:
		return 0;
	}
}

static int protocol_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len)
{
	struct session *s = user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_RECEIVE_PONG:
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLOSED:
		return s ? ws_cb(wsi, reason, s, in, len) : 0;
	case LWS_CALLBACK_HTTP:
	case LWS_CALLBACK_HTTP_BODY:
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
	case LWS_CALLBACK_HTTP_WRITEABLE:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		return s ? http_cb(wsi, reason, s, in, len) : 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
		/* before the handshake: an untrusted client gets no events (operation
		 * websockets need their secret, as in LXD) */
		_cleanup_free_ char *path = header_of(wsi, WSI_TOKEN_GET_URI), *fp = NULL;

		if (path && streq(path, "/1.0/events") && tls_wsi_is_remote(wsi) &&
		    (tls_peer_cert(wsi, NULL, &fp) < 0 || !tls_fingerprint_trusted(fp)))
			return -1;
		return 0;
	}
	case LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION:
		/* any client certificate is taken: trust is decided per request (tls.c) */
		X509_STORE_CTX_set_error((X509_STORE_CTX *)user, X509_V_OK);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols protocols[] = {
	{ "lxd", protocol_cb, sizeof(struct session), 64 * 1024, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void lws_log_cb(int level, const char *line)
{
	log_debug("lws: %.*s", (int)strcspn(line, "\n"), line);
}

int server_start(const char *socket_path, const char *group)
{
	struct lws_context_creation_info info = { 0 };
	void *loops[1] = { the_daemon->loop };
	struct lws_vhost *vhost;
	int r;

	/* COVED_LWS_DEBUG=1: libwebsockets' own notices too (TLS handshakes, timeouts) */
	lws_set_log_level(getenv("COVED_LWS_DEBUG") ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO
						    : LLL_ERR | LLL_WARN,
			  lws_log_cb);
	/*
	 * No LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT: OpenSSL 3 initialises itself
	 * when the TLS vhost (core.https_address) is made; doing it here cost
	 * every daemon ~1 MiB of RSS, used or not.
	 */
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.foreign_loops = loops;
	info.timeout_secs = 30; /* a TLS connection's wait for its request, as the vhosts */
	the_daemon->lws = lws_create_context(&info);
	if (!the_daemon->lws)
		return log_error_errno(-EIO, "Failed to create the libwebsockets context");
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = protocols;
	info.vhost_name = "unix";
	info.keepalive_timeout = 30;
	info.timeout_secs = 30;
	vhost = lws_create_vhost(the_daemon->lws, &info);
	if (!vhost)
		return log_error_errno(-EIO, "Failed to create the libwebsockets vhost");
	/* we listen ourselves: see listener.h */
	r = listener_start(socket_path, group, vhost);
	if (r < 0)
		return r;
	tls_restore();
	return 0;
}

/*
 * The TLS vhost (tls.c): no listener of its own (tls.c accepts and adopts, so
 * that the address can move at once), the same protocol, a certificate,
 * client certificates asked for but not required, HTTP/1.1 only.
 */
struct lws_vhost *server_tls_vhost(const char *crt, const char *key)
{
	struct lws_context_creation_info info = { 0 };

	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = protocols;
	info.vhost_name = "tls";
	info.keepalive_timeout = 30;
	info.timeout_secs = 30;
	info.alpn = "http/1.1"; /* no h2: the server writes HTTP/1.1 answers */
	info.ssl_cert_filepath = crt;
	info.ssl_private_key_filepath = key;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
		       LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT |
		       LWS_SERVER_OPTION_PEER_CERT_NOT_REQUIRED;
	return lws_create_vhost(the_daemon->lws, &info);
}

void server_stop(void)
{
	tls_stop();
	listener_stop();
	if (the_daemon->lws)
		lws_context_destroy(the_daemon->lws);
	the_daemon->lws = NULL;
}
