/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The unix socket listener in front of libwebsockets (see listener.h). */
#include <errno.h>
#include <grp.h>
#include <libwebsockets.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "alloc.h"
#include "daemon.h"
#include "listener.h"
#include "log.h"
#include "request.h"
#include "server.h"
#include "strutil.h"

LOG_MODULE("listener");


enum { DC_SIZE, DC_DATA, DC_DATA_CR, DC_DATA_LF, DC_TRAILER, DC_DONE };

struct sniff {
	int fd;
	uv_poll_t poll;
	char *buf;	  /* owned: the head (and, when not chunked, what followed) */
	size_t len;
	size_t head_len;  /* 0 until the head is complete */
	bool chunked;
	struct dechunk dc;
};

static int listen_fd = -EBADF;
static uv_poll_t listen_poll;
static struct lws_vhost *the_vhost;

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int size_line_done(struct dechunk *d)
{
	size_t n = 0, i = 0;

	if (d->line_len == 0)
		return -EBADMSG;
	for (; i < d->line_len && hexval(d->line[i]) >= 0; i++) {
		if (n > (SIZE_MAX >> 8))
			return -EFBIG;
		n = n * 16 + (size_t)hexval(d->line[i]);
	}
	if (i == 0 || (i < d->line_len && d->line[i] != ';' && d->line[i] != ' '))
		return -EBADMSG;
	if (n > d->max || d->out_len + n > d->max)
		return -EFBIG;
	d->line_len = 0;
	d->remain = n;
	d->state = n == 0 ? DC_TRAILER : DC_DATA;
	return 0;
}

static int trailer_byte(struct dechunk *d, char c)
{
	/* trailers end with an empty line */
	if (c == '\n') {
		if (d->line_len == 0) {
			d->state = DC_DONE;
			return 1;
		}
		d->line_len = 0;
	} else if (c != '\r') {
		if (++d->line_len > 4096)
			return -EBADMSG;
	}
	return 0;
}

int dechunk_feed(struct dechunk *d, const char *buf, size_t len)
{
	size_t i = 0;
	int r;

	while (i < len && d->state != DC_DONE) {
		char c = buf[i];

		switch (d->state) {
		case DC_SIZE:
			i++;
			if (c == '\n') {
				r = size_line_done(d);
				if (r < 0)
					return r;
			} else if (c != '\r') {
				if (d->line_len >= sizeof(d->line) - 1)
					return -EBADMSG;
				d->line[d->line_len++] = c;
			}
			break;
		case DC_DATA: {
			size_t n = MIN(d->remain, len - i);

			d->out = xrealloc(d->out, d->out_len + n + 1);
			memcpy(d->out + d->out_len, buf + i, n);
			d->out_len += n;
			d->remain -= n;
			i += n;
			if (d->remain == 0)
				d->state = DC_DATA_CR;
			break;
		}
		case DC_DATA_CR:
			i++;
			if (c == '\n')
				d->state = DC_SIZE;
			else if (c == '\r')
				d->state = DC_DATA_LF;
			else
				return -EBADMSG;
			break;
		case DC_DATA_LF:
			i++;
			if (c != '\n')
				return -EBADMSG;
			d->state = DC_SIZE;
			break;
		case DC_TRAILER:
			i++;
			r = trailer_byte(d, c);
			if (r < 0)
				return r;
			break;
		}
	}
	d->consumed = i;
	return d->state == DC_DONE ? 1 : 0;
}

static bool header_is(const char *line, size_t n, const char *name, const char *value)
{
	size_t k = strlen(name);
	const char *v;

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return false;
	if (!value)
		return true;
	for (v = line + k + 1; v < line + n && (*v == ' ' || *v == '\t'); v++)
		;
	return (size_t)(line + n - v) >= strlen(value) && strncasecmp(v, value, strlen(value)) == 0;
}

char *head_with_length(const char *head, size_t head_len, size_t body_len)
{
	char *out = xmalloc(head_len + 64), *p = out;
	const char *l = head, *end = head + head_len;

	while (l < end) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t n = nl ? (size_t)(nl - l + 1) : (size_t)(end - l);
		size_t text = n - (n >= 2 && l[n - 2] == '\r' ? 2 : 1);

		if (text == 0) /* the empty line ending the head */
			break;
		if (!header_is(l, text, "Transfer-Encoding", NULL) &&
		    !header_is(l, text, "Content-Length", NULL)) {
			memcpy(p, l, n);
			p += n;
		}
		l += n;
	}
	p += sprintf(p, "Content-Length: %zu\r\n\r\n", body_len);
	*p = 0;
	return out;
}

static bool head_is_chunked(const char *head, size_t len)
{
	const char *l = head, *end = head + len;

	while (l < end) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t n = nl ? (size_t)(nl - l) : (size_t)(end - l);

		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (header_is(l, n, "Transfer-Encoding", "chunked"))
			return true;
		l = nl ? nl + 1 : end;
	}
	return false;
}

static void sniff_closed(uv_handle_t *h)
{
	struct sniff *s = h->data;

	free(s->buf);
	free(s->dc.out);
	free(s);
}

/* Stop watching; adopt (fd handed to lws) or drop the connection. */
static void sniff_end(struct sniff *s, const char *buf, size_t len)
{
	uv_poll_stop(&s->poll);
	if (buf) {
		/* lws owns the fd from here, also when adopting fails */
		if (!lws_adopt_socket_vhost_readbuf(the_vhost, s->fd, len ? buf : NULL, len))
			log_debug("Failed to adopt a connection");
	} else {
		(void)close(s->fd);
	}
	s->fd = -EBADF;
	uv_close((uv_handle_t *)&s->poll, sniff_closed);
}

static void reply_raw(struct sniff *s, const char *status, const char *msg)
{
	_cleanup_free_ char *body = xasprintf(
		"{\"type\":\"error\",\"status\":\"\",\"status_code\":0,\"operation\":\"\","
		"\"error_code\":%.3s,\"error\":\"%s\",\"metadata\":null}\n", status, msg);
	_cleanup_free_ char *resp = xasprintf("HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
					      "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
					      status, strlen(body), body);

	(void)send(s->fd, resp, strlen(resp), MSG_NOSIGNAL | MSG_DONTWAIT);
	sniff_end(s, NULL, 0);
}

static void chunked_more(struct sniff *s, const char *buf, size_t len)
{
	int r = dechunk_feed(&s->dc, buf, len);

	if (r == -EFBIG) {
		reply_raw(s, "413 Request Entity Too Large", "Request body too large");
		return;
	}
	if (r < 0) {
		reply_raw(s, "400 Bad Request", "Malformed chunked request body");
		return;
	}
	if (r == 0)
		return;
	/* lws cannot take a large body as "already read" data: we serve it ourselves */
	uv_poll_stop(&s->poll);
	server_dispatch_direct(s->fd, s->buf, s->head_len, TAKE_PTR(s->dc.out), s->dc.out_len);
	s->fd = -EBADF;
	uv_close((uv_handle_t *)&s->poll, sniff_closed);
}

/*
 * The first look at a connection only peeks: libwebsockets then reads the
 * request itself (it cannot take already-read body bytes). Only a chunked
 * request is consumed here.
 */
static void first_look(struct sniff *s)
{
	char buf[LISTENER_HEAD_MAX];
	ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	const char *e;
	size_t head_len;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		sniff_end(s, NULL, 0);
		return;
	}
	e = memmem(buf, (size_t)n, "\r\n\r\n", 4);
	if (!e && (size_t)n >= sizeof(buf)) {
		reply_raw(s, "431 Request Header Fields Too Large", "Request head too large");
		return;
	}
	head_len = e ? (size_t)(e - buf) + 4 : 0;
	if (!e || !head_is_chunked(buf, head_len)) {
		/* a head in pieces is rare (clients write it at once): lws copes without us */
		sniff_end(s, "", 0);
		return;
	}
	s->buf = xmalloc(head_len + 1);
	if (recv(s->fd, s->buf, head_len, MSG_DONTWAIT) != (ssize_t)head_len) {
		sniff_end(s, NULL, 0);
		return;
	}
	s->buf[head_len] = 0;
	s->len = s->head_len = head_len;
	s->chunked = true;
	s->dc.max = REQUEST_UPLOAD_MAX;
}

static void sniff_cb(uv_poll_t *p, int status, int events)
{
	struct sniff *s = p->data;
	char buf[65536];
	ssize_t n;

	if (!s->chunked) {
		first_look(s);
		return;
	}
	n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		sniff_end(s, NULL, 0);
		return;
	}
	chunked_more(s, buf, (size_t)n);
}

static void accept_cb(uv_poll_t *p, int status, int events)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct sniff *s;

		if (fd < 0)
			return;
		s = xzalloc(sizeof(*s));
		s->fd = fd;
		uv_poll_init(the_daemon->loop, &s->poll, fd);
		s->poll.data = s;
		uv_poll_start(&s->poll, UV_READABLE, sniff_cb);
	}
}

static int socket_perms(const char *path, const char *group)
{
	gid_t gid = 0;

	if (group) {
		struct group *g = getgrnam(group);

		if (!g)
			return log_error_errno(-ENOENT, "Failed to find group '%s'", group);
		gid = g->gr_gid;
	}
	if (chown(path, 0, gid) < 0 || chmod(path, 0660) < 0)
		return log_error_errno(-errno, "Failed to set the mode of '%s': %m", path);
	return 0;
}

int listener_start(const char *path, const char *group, struct lws_vhost *vhost)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(-ENAMETOOLONG, "Socket path '%s' is too long", path);
	strcpy(sa.sun_path, path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (listen_fd < 0)
		return log_error_errno(-errno, "Failed to create a socket: %m");
	(void)unlink(path);
	old = umask(0117);
	r = bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(listen_fd, 128) < 0)
		return log_error_errno(-errno, "Failed to listen on '%s': %m", path);
	r = socket_perms(path, group);
	if (r < 0)
		return r;
	the_vhost = vhost;
	uv_poll_init(the_daemon->loop, &listen_poll, listen_fd);
	uv_poll_start(&listen_poll, UV_READABLE, accept_cb);
	return 0;
}

void listener_stop(void)
{
	if (listen_fd < 0)
		return;
	uv_poll_stop(&listen_poll);
	uv_close((uv_handle_t *)&listen_poll, NULL);
	(void)close(listen_fd);
	listen_fd = -EBADF;
}
