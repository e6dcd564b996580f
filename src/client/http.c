/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small HTTP/1.1 client over the daemon's unix socket: one request per
 * connection ("Connection: close", as LXD's client does), bodies from memory
 * or streamed from a file with Content-Length, answers with Content-Length,
 * chunked encoding or up to EOF. Written here instead of using libcurl:
 * loading libcurl and its ~30 libraries cost about 25 ms per cove command,
 * more than a whole `cove list`.
 *
 * Error texts for an unreachable daemon follow the Go client's
 * ("Get "http://unix.socket/1.0": dial unix ...: connect: no such file or
 * directory"), since users grep for them.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "http.h"
#include "remote.h"
#include "strutil.h"
#include "strv.h"

#define HTTP_MAX_BODY (256u * 1024 * 1024)
#define HTTP_MAX_HEAD (64u * 1024)

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

static int http_connect(struct cove_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *p = http_socket_path();
	_cleanup_close_ int fd = -EBADF;

	if (!remote_is_unix()) /* an https remote (remote.h) */
		return remote_connect(err);

	if (strlen(p) >= sizeof(sa.sun_path))
		return cove_err(err, -ENAMETOOLONG, "Socket path '%s' is too long", p);
	strcpy(sa.sun_path, p);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to create a socket: %m");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return TAKE_FD(fd);
}

/* Go's wording: Get "http://unix.socket/1.0": dial unix PATH: connect: ... */
static int connect_failure(const char *method, const char *path, int e, struct cove_error *err)
{
	char m[16], msg[128];
	size_t i;

	for (i = 0; method[i] && i + 1 < sizeof(m); i++)
		m[i] = i == 0 ? method[i] : (char)tolower((unsigned char)method[i]);
	m[i] = 0;
	snprintf(msg, sizeof(msg), "%s", strerror(-e));
	msg[0] = (char)tolower((unsigned char)msg[0]);
	return cove_err(err, e, "%s \"http://unix.socket%s\": dial unix %s: connect: %s", m, path,
			http_socket_path(), msg);
}

static char *request_head(const struct http_request *req)
{
	_cleanup_free_ char *extra = NULL;
	bool body = req->body || req->upload;
	uint64_t len = req->upload ? req->upload_size : req->body_len;
	char *ct = NULL, *im = NULL, *cl = NULL, *head;

	extra = req->headers ? strv_join((char **)req->headers, "\r\n") : xstrdup("");
	if (body) {
		ct = xasprintf(
		    "Content-Type: %s\r\n",
		    req->content_type
			?: (req->upload ? "application/octet-stream" : "application/json"));
		cl = xasprintf("Content-Length: %" PRIu64 "\r\n", len);
	}
	if (req->if_match)
		im = xasprintf("If-Match: %s\r\n", req->if_match);
	head = xasprintf("%s %s HTTP/1.1\r\nHost: unix.socket\r\nUser-Agent: cove " COVE_VERSION
			 "\r\nConnection: close\r\n%s%s%s%s%s\r\n",
			 req->method, req->path, ct ?: "", cl ?: "", im ?: "", extra,
			 *extra ? "\r\n" : "");
	free(ct);
	free(cl);
	free(im);
	return head;
}

/* Write the head and the body. A server that answers early (an error) and
 * closes makes the write fail: the answer is still read by the caller. */
static int send_request(int fd, const struct http_request *req)
{
	_cleanup_free_ char *head = request_head(req);
	char buf[65536];
	uint64_t left;
	int r;

	r = loop_write(fd, head, strlen(head));
	if (r < 0 || !(req->body || req->upload))
		return r;
	if (!req->upload)
		return loop_write(fd, req->body, req->body_len);
	for (left = req->upload_size; left > 0;) {
		size_t n = fread(buf, 1, MIN(sizeof(buf), left), req->upload);
		if (n == 0)
			return -EIO;
		r = loop_write(fd, buf, n);
		if (r < 0)
			return r;
		left -= n;
	}
	return 0;
}

/* Buffered reading of the answer. */
struct reader {
	int fd;
	int out_fd; /* >= 0: a 200 answer's body goes there */
	char buf[65536];
	size_t pos, len;
};

static int rd_fill(struct reader *rd)
{
	ssize_t n;

	if (rd->pos > 0) {
		memmove(rd->buf, rd->buf + rd->pos, rd->len - rd->pos);
		rd->len -= rd->pos;
		rd->pos = 0;
	}
	if (rd->len == sizeof(rd->buf))
		return -E2BIG;
	n = RETRY_EINTR(read(rd->fd, rd->buf + rd->len, sizeof(rd->buf) - rd->len));
	if (n < 0)
		return -errno;
	rd->len += (size_t)n;
	return (int)n;
}

/* One line without its CRLF (new string). */
static int rd_line(struct reader *rd, char **ret)
{
	char *nl;
	int r;

	while (!(nl = memchr(rd->buf + rd->pos, '\n', rd->len - rd->pos))) {
		r = rd_fill(rd);
		if (r <= 0)
			return r < 0 ? r : -EPROTO;
	}
	size_t n = (size_t)(nl - (rd->buf + rd->pos));
	*ret = xstrndup(rd->buf + rd->pos, n > 0 && nl[-1] == '\r' ? n - 1 : n);
	rd->pos += n + 1;
	return 0;
}

/* Append up to n bytes (SIZE_MAX: until EOF) to the body, or write them
 * to rd->out_fd when the answer is a download. */
static int rd_body(struct reader *rd, struct http_response *r, size_t n)
{
	while (n > 0) {
		if (rd->pos == rd->len) {
			int k = rd_fill(rd);
			if (k < 0)
				return k;
			if (k == 0)
				return n == SIZE_MAX ? 0 : -EPROTO;
		}
		size_t take = MIN(n, rd->len - rd->pos);
		if (rd->out_fd >= 0) {
			int k = loop_write(rd->out_fd, rd->buf + rd->pos, take);
			if (k < 0)
				return k;
		} else {
			if (r->len + take > HTTP_MAX_BODY)
				return -E2BIG;
			r->body = xrealloc(r->body, r->len + take + 1);
			memcpy(r->body + r->len, rd->buf + rd->pos, take);
			r->len += take;
			r->body[r->len] = 0;
		}
		rd->pos += take;
		if (n != SIZE_MAX)
			n -= take;
	}
	return 0;
}

static int rd_chunked(struct reader *rd, struct http_response *r)
{
	for (;;) {
		_cleanup_free_ char *line = NULL;
		char *end;
		unsigned long size;
		int k = rd_line(rd, &line);

		if (k < 0)
			return k;
		size = strtoul(line, &end, 16);
		if (end == line)
			return -EPROTO;
		if (size == 0)
			return 0; /* trailers are not used by LXD: ignore the rest */
		k = rd_body(rd, r, size);
		if (k < 0)
			return k;
		free(line);
		line = NULL;
		k = rd_line(rd, &line);
		if (k < 0)
			return k;
	}
}

static void header(struct http_response *r, char *line, long *clen, bool *chunked)
{
	char *colon = strchr(line, ':'), *v;
	char **dst = NULL;

	if (!colon)
		return;
	*colon = 0;
	v = strstrip(colon + 1);
	if (strcasecmp(line, "content-length") == 0)
		*clen = strtol(v, NULL, 10);
	else if (strcasecmp(line, "transfer-encoding") == 0)
		*chunked = strcasestr(v, "chunked") != NULL;
	else if (strcasecmp(line, "etag") == 0)
		dst = &r->etag;
	else if (strcasecmp(line, "location") == 0)
		dst = &r->location;
	else if (strcasecmp(line, "x-lxd-type") == 0)
		dst = &r->lxd_type;
	else if (strcasecmp(line, "x-lxd-mode") == 0)
		dst = &r->lxd_mode;
	else if (strcasecmp(line, "content-type") == 0)
		dst = &r->content_type;
	if (dst) {
		free(*dst);
		*dst = xstrdup(v);
	}
}

static int read_response(int fd, const struct http_request *req, struct http_response *r)
{
	_cleanup_free_ struct reader *rd = xnew0(struct reader, 1);
	_cleanup_free_ char *status = NULL;
	bool chunked = false;
	long clen = -1;
	int k;

	rd->fd = fd;
	rd->out_fd = -1;
	k = rd_line(rd, &status);
	if (k < 0)
		return k;
	if (!startswith(status, "HTTP/1.") || strlen(status) < 12)
		return -EPROTO;
	r->status = strtol(status + 9, NULL, 10);
	for (size_t total = 0;;) {
		_cleanup_free_ char *line = NULL;
		k = rd_line(rd, &line);
		if (k < 0)
			return k;
		if (!*line)
			break;
		total += strlen(line);
		if (total > HTTP_MAX_HEAD)
			return -E2BIG;
		header(r, line, &clen, &chunked);
	}
	r->body = xstrdup("");
	if (req->download && r->status == 200)
		rd->out_fd = req->download_fd;
	if (streq(req->method, "HEAD") || r->status == 204 || r->status == 304)
		return 0;
	if (chunked)
		return rd_chunked(rd, r);
	if (clen > (long)HTTP_MAX_BODY)
		return -E2BIG;
	return rd_body(rd, r, clen >= 0 ? (size_t)clen : SIZE_MAX);
}

int http_do(const struct http_request *req, struct http_response *ret, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct http_response r = {};
	int k;

	fd = http_connect(err);
	if (fd < 0)
		return fd == -ENAMETOOLONG || !remote_is_unix()
			       ? fd
			       : connect_failure(req->method, req->path, fd, err);
	(void)send_request(fd, req); /* an early answer is read below */
	k = read_response(fd, req, &r);
	if (k < 0) {
		http_response_done(&r);
		if (k == -E2BIG)
			return cove_err(err, k, "Response from the server is too large");
		return cove_err(err, k, "Failed to read the answer to %s %s: %s", req->method,
				req->path, strerror(-k));
	}
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
	free(r->content_type);
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
