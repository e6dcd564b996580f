/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 6455 client: handshake over a unix socket, frame encoding (masked) and
 * parsing. The server is the local daemon we already trust with everything,
 * so Sec-WebSocket-Accept is not verified; the status line must be 101.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "http.h"
#include "remote.h"
#include "strutil.h"
#include "ws.h"

#define WS_MAX_HEADER 16384

size_t ws_frame_size(size_t len, bool masked)
{
	size_t n = 2 + (masked ? 4 : 0);

	if (len >= 65536)
		n += 8;
	else if (len >= 126)
		n += 2;
	return n + len;
}

size_t ws_frame_encode(uint8_t *out, int opcode, bool fin, const uint8_t *mask, const void *data,
		       size_t len)
{
	const uint8_t *src = data;
	size_t p = 0;

	out[p++] = (fin ? 0x80 : 0) | (opcode & 0x0f);
	if (len >= 65536) {
		out[p++] = (mask ? 0x80 : 0) | 127;
		for (int i = 7; i >= 0; i--)
			out[p++] = (uint8_t)((uint64_t)len >> (8 * i));
	} else if (len >= 126) {
		out[p++] = (mask ? 0x80 : 0) | 126;
		out[p++] = (uint8_t)(len >> 8);
		out[p++] = (uint8_t)len;
	} else
		out[p++] = (mask ? 0x80 : 0) | (uint8_t)len;
	if (mask) {
		memcpy(out + p, mask, 4);
		p += 4;
	}
	for (size_t i = 0; i < len; i++)
		out[p + i] = mask ? src[i] ^ mask[i % 4] : src[i];
	return p + len;
}

ssize_t ws_frame_parse(uint8_t *buf, size_t len, struct ws_frame *ret)
{
	size_t p = 2, plen;
	uint8_t *mask = NULL;

	if (len < 2)
		return 0;
	if (buf[0] & 0x70) /* RSV bits: no extension was negotiated */
		return -EPROTO;
	plen = buf[1] & 0x7f;
	if (plen == 126) {
		if (len < 4)
			return 0;
		plen = ((size_t)buf[2] << 8) | buf[3];
		p = 4;
	} else if (plen == 127) {
		if (len < 10)
			return 0;
		plen = 0;
		for (int i = 0; i < 8; i++)
			plen = (plen << 8) | buf[2 + i];
		p = 10;
	}
	if (plen > WS_MAX_PAYLOAD)
		return -E2BIG;
	if (buf[1] & 0x80) {
		if (len < p + 4)
			return 0;
		mask = buf + p;
		p += 4;
	}
	if (len < p + plen)
		return 0;
	if (mask)
		for (size_t i = 0; i < plen; i++)
			buf[p + i] ^= mask[i % 4];
	*ret = (struct ws_frame){
	    .opcode = buf[0] & 0x0f, .fin = buf[0] & 0x80, .data = buf + p, .len = plen};
	return (ssize_t)(p + plen);
}

void ws_base64(const uint8_t *in, size_t len, char *out)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tbl[v & 63] : '=';
	}
	out[o] = 0;
}

void ws_make_key(char out[25])
{
	uint8_t raw[16];

	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (uint8_t)(rand() & 0xff);
	ws_base64(raw, sizeof(raw), out);
}

static int unix_connect(const char *socket_path, struct cove_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -EBADF;

	if (!remote_is_unix() && streq(socket_path, http_socket_path()))
		return remote_connect(err); /* an https remote (remote.h) */
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return cove_err(err, -ENAMETOOLONG, "Socket path '%s' is too long", socket_path);
	strcpy(sa.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to create a socket: %m");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return cove_err(err, -errno, "Failed to connect to '%s': %m", socket_path);
	return TAKE_FD(fd);
}

/* Read the HTTP answer head; bytes past it stay in c->buf for the frames. */
static int read_head(struct ws_conn *c, struct cove_error *err)
{
	char *end;
	ssize_t n;

	for (;;) {
		if (c->len > 0) {
			c->buf[c->len] = 0;
			end = strstr((char *)c->buf, "\r\n\r\n");
			if (end)
				break;
		}
		if (c->len + 1 >= WS_MAX_HEADER)
			return cove_err(err, -E2BIG, "Websocket handshake answer is too long");
		n = RETRY_EINTR(read(c->fd, c->buf + c->len, WS_MAX_HEADER - 1 - c->len));
		if (n < 0)
			return cove_err(err, -errno, "Failed to read the websocket handshake: %m");
		if (n == 0)
			return cove_err(err, -ECONNRESET, "Websocket handshake: connection closed");
		c->len += (size_t)n;
	}
	if (!startswith((char *)c->buf, "HTTP/1.1 101")) {
		char *eol = strstr((char *)c->buf, "\r\n");
		*eol = 0;
		return cove_err(err, -EPROTO, "Websocket upgrade refused: %s", (char *)c->buf);
	}
	end += 4;
	c->len -= (size_t)(end - (char *)c->buf);
	memmove(c->buf, end, c->len);
	return 0;
}

int ws_connect(const char *socket_path, const char *path, struct ws_conn **ret,
	       struct cove_error *err)
{
	_cleanup_(ws_freep) struct ws_conn *c = xnew0(struct ws_conn, 1);
	_cleanup_free_ char *req = NULL;
	char key[25];
	int r;

	c->fd = unix_connect(socket_path, err);
	if (c->fd < 0)
		return c->fd;
	c->cap = WS_MAX_HEADER;
	c->buf = xmalloc(c->cap);
	ws_make_key(key);
	req = xasprintf("GET %s HTTP/1.1\r\nHost: unix.socket\r\nUser-Agent: cove " COVE_VERSION
			"\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
			"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
			path, key);
	r = loop_write(c->fd, req, strlen(req));
	if (r < 0)
		return cove_err(err, r, "Failed to send the websocket handshake: %s", strerror(-r));
	r = read_head(c, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

struct ws_conn *ws_free(struct ws_conn *c)
{
	if (!c)
		return NULL;
	safe_close(c->fd);
	free(c->buf);
	free(c);
	return NULL;
}

int ws_send(struct ws_conn *c, int opcode, const void *data, size_t len)
{
	_cleanup_free_ uint8_t *out = xmalloc(ws_frame_size(len, true));
	uint8_t mask[4];
	size_t n;

	if (getrandom(mask, sizeof(mask), 0) != sizeof(mask))
		memset(mask, 0x5a, sizeof(mask));
	n = ws_frame_encode(out, opcode, true, mask, data, len);
	return loop_write(c->fd, out, n);
}

ssize_t ws_fill(struct ws_conn *c)
{
	ssize_t n;

	if (c->consumed) {
		c->len -= c->consumed;
		memmove(c->buf, c->buf + c->consumed, c->len);
		c->consumed = 0;
	}
	if (c->cap - c->len < 4096) {
		if (c->cap > WS_MAX_PAYLOAD + 64)
			return -E2BIG;
		c->cap *= 2;
		c->buf = xrealloc(c->buf, c->cap);
	}
	n = RETRY_EINTR(read(c->fd, c->buf + c->len, c->cap - c->len));
	if (n < 0)
		return -errno;
	if (n == 0)
		c->eof = true;
	c->len += (size_t)n;
	return n;
}

int ws_next_frame(struct ws_conn *c, struct ws_frame *ret)
{
	struct ws_frame f;
	ssize_t n;

	for (;;) {
		if (c->consumed) {
			c->len -= c->consumed;
			memmove(c->buf, c->buf + c->consumed, c->len);
			c->consumed = 0;
		}
		n = ws_frame_parse(c->buf, c->len, &f);
		if (n <= 0)
			return (int)n;
		c->consumed = (size_t)n;
		if (f.opcode == WS_OP_PING) {
			(void)ws_send(c, WS_OP_PONG, f.data, f.len);
			continue;
		}
		if (f.opcode == WS_OP_PONG)
			continue;
		*ret = f;
		return 1;
	}
}

int ws_recv(struct ws_conn *c, struct ws_frame *ret, int timeout_ms)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	ssize_t n;
	int r;

	for (;;) {
		r = ws_next_frame(c, ret);
		if (r != 0)
			return r;
		if (c->eof)
			return 0;
		r = RETRY_EINTR(poll(&p, 1, timeout_ms));
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = ws_fill(c);
		if (n < 0)
			return (int)n;
	}
}
