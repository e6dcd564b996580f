/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TLS listener, the server certificate and the trust store (see tls.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alloc.h"
#include "daemon.h"
#include "db/db-internal.h"
#include "db/db.h"
#include "fileio.h"
#include "log.h"
#include "request.h"
#include "server.h"
#include "strutil.h"
#include "tls-cert.h"
#include "tls.h"

LOG_MODULE("tls");

static struct lws_vhost *tls_vhost; /* made at the first listen, kept */
static char *tls_addr;
static int listen_fd = -EBADF;
static uv_poll_t *listen_poll; /* a new one per listener: a closed one is freed later */

static char *hex(const unsigned char *d, size_t n)
{
	char *s = xmalloc(n * 2 + 1);

	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", d[i]);
	s[n * 2] = 0;
	return s;
}

static char *x509_fingerprint(X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!X509_digest(x, EVP_sha256(), md, &n))
		return NULL;
	return hex(md, n);
}

static int server_cert_paths(char **crt, char **key)
{
	char host[256] = "";
	int r;

	*crt = path_join(the_daemon->dir, "server.crt");
	*key = path_join(the_daemon->dir, "server.key");
	if (access(*crt, F_OK) == 0 && access(*key, F_OK) == 0)
		return 0;
	(void)gethostname(host, sizeof(host) - 1);
	r = tls_cert_make(*crt, *key, *host ? host : "cove", TLS_CERT_SERVER);
	if (r < 0)
		return log_error_errno(r, "Failed to make the server certificate");
	return 0;
}

int tls_pem_fingerprint(const char *pem, char **ret_fp, struct cove_error *err)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	if (!x)
		return cove_err(err, -EINVAL, "Invalid certificate");
	*ret_fp = x509_fingerprint(x);
	X509_free(x);
	return *ret_fp ? 0 : cove_err(err, -EINVAL, "Invalid certificate");
}

int tls_server_cert(char **ret_pem, char **ret_fp, struct cove_error *err)
{
	_cleanup_free_ char *crt = NULL, *key = NULL, *pem = NULL;
	int r = server_cert_paths(&crt, &key);

	if (r < 0)
		return cove_err(err, r, "Failed to make the server certificate");
	r = read_full_file(crt, 1 << 20, &pem, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to read %s", crt);
	r = tls_pem_fingerprint(pem, ret_fp, err);
	if (r < 0)
		return r;
	*ret_pem = TAKE_PTR(pem);
	return 0;
}

/* "host:port", "[v6]:port", ":port" or "host" (port 8443) */
static int parse_addr(const char *addr, char **ret_host, int *ret_port, struct cove_error *err)
{
	_cleanup_free_ char *host = NULL;
	const char *colon, *port_s = "8443";
	unsigned port;

	if (addr[0] == '[') {
		const char *e = strchr(addr, ']');

		if (!e || (e[1] && e[1] != ':'))
			return cove_err(err, -EINVAL, "Invalid address \"%s\"", addr);
		host = xstrndup(addr + 1, (size_t)(e - addr - 1));
		if (e[1])
			port_s = e + 2;
	} else if ((colon = strchr(addr, ':'))) {
		if (strchr(colon + 1, ':'))
			return cove_err(err, -EINVAL, "Invalid address \"%s\": IPv6 needs brackets", addr);
		host = xstrndup(addr, (size_t)(colon - addr));
		port_s = colon + 1;
	} else {
		host = xstrdup(addr);
	}
	if (safe_atou(port_s, &port) < 0 || port == 0 || port > 65535)
		return cove_err(err, -EINVAL, "Invalid port in address \"%s\"", addr);
	*ret_port = (int)port;
	*ret_host = TAKE_PTR(host);
	return 0;
}

/* A listening TCP socket on host:port ("" or "::": every address, v4 and v6) */
static int listen_on(const char *host, int port, struct cove_error *err)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	bool any = !*host || streq(host, "::"), v6 = any;
	_cleanup_close_ int fd = -EBADF;
	int one = 1, zero = 0, r;

	if (!any && inet_pton(AF_INET, host, &s4.sin_addr) != 1) {
		if (inet_pton(AF_INET6, host, &s6.sin6_addr) != 1)
			return cove_err(err, -EINVAL, "Invalid address \"%s\": not an IP address",
					host);
		v6 = true;
	}
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to create a socket: %m");
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (any)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	r = v6 ? bind(fd, (struct sockaddr *)&s6, sizeof(s6)) :
		 bind(fd, (struct sockaddr *)&s4, sizeof(s4));
	if (r < 0 || listen(fd, 128) < 0)
		return cove_err(err, -errno, "Failed to listen on %s%s%s:%d: %m", v6 ? "[" : "",
				host, v6 ? "]" : "", port);
	return TAKE_FD(fd);
}

/* TLS connections are accepted here and adopted by the TLS vhost, which does the handshake */
static void accept_cb(uv_poll_t *p, int status, int events)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			return;
		if (!lws_adopt_socket_vhost(tls_vhost, fd))
			log_debug("Failed to adopt a TLS connection");
	}
}

static void poll_freed(uv_handle_t *h)
{
	free(h);
}

static void listen_stop(void)
{
	if (listen_fd < 0)
		return;
	uv_poll_stop(listen_poll);
	uv_close((uv_handle_t *)listen_poll, poll_freed);
	listen_poll = NULL;
	(void)close(listen_fd);
	listen_fd = -EBADF;
}

void tls_stop(void)
{
	listen_stop();
	free(tls_addr);
	tls_addr = NULL;
}

int tls_listen(const char *addr, struct cove_error *err)
{
	_cleanup_free_ char *host = NULL, *crt = NULL, *key = NULL;
	_cleanup_close_ int fd = -EBADF;
	int port = 0, r;

	if (!addr || !*addr) {
		tls_stop();
		return 0;
	}
	if (tls_addr && streq(tls_addr, addr))
		return 0;
	r = parse_addr(addr, &host, &port, err);
	if (r < 0)
		return r;
	r = server_cert_paths(&crt, &key);
	if (r < 0)
		return cove_err(err, r, "Failed to make the server certificate");
	if (!tls_vhost) {
		tls_vhost = server_tls_vhost(crt, key);
		if (!tls_vhost)
			return cove_err(err, -EIO, "Failed to set up TLS");
	}
	fd = listen_on(host, port, err);
	/* the old listener may hold the port: let it go first, and come back on failure */
	if (fd == -EADDRINUSE && listen_fd >= 0) {
		_cleanup_free_ char *old = xstrdup(tls_addr);

		tls_stop();
		fd = listen_on(host, port, err);
		if (fd < 0)
			(void)tls_listen(old, NULL);
	}
	if (fd < 0)
		return fd;
	tls_stop();
	listen_fd = TAKE_FD(fd);
	listen_poll = xzalloc(sizeof(*listen_poll));
	uv_poll_init(the_daemon->loop, listen_poll, listen_fd);
	uv_poll_start(listen_poll, UV_READABLE, accept_cb);
	tls_addr = xstrdup(addr);
	log_info("Listening on https://%s", addr);
	return 0;
}

static char *config_get(const char *key)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (db_prepare(the_daemon->db, "SELECT value FROM config WHERE key = ?1", &st, NULL, key,
		       NULL) < 0)
		return NULL;
	return sqlite3_step(st) == SQLITE_ROW ? db_column_str(st, 0) : NULL;
}

void tls_restore(void)
{
	_cleanup_free_ char *addr = config_get("core.https_address");
	struct cove_error err = { 0 };

	if (addr && *addr && tls_listen(addr, &err) < 0)
		log_error("Failed to listen on %s: %s", addr, err.msg);
}

/*
 * By the socket, not the vhost: lws moves a connection to the first vhost
 * without a listener (the unix one) once it has read the request head.
 */
bool tls_wsi_is_remote(struct lws *wsi)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	int fd;

	if (!tls_vhost || !wsi)
		return false;
	fd = lws_get_socket_fd(wsi);
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return false;
	return sa.ss_family == AF_INET || sa.ss_family == AF_INET6;
}

int tls_peer_cert(struct lws *wsi, char **ret_pem, char **ret_fp)
{
	SSL *ssl = lws_get_ssl(wsi);
	X509 *x = ssl ? SSL_get1_peer_certificate(ssl) : NULL;

	if (!x)
		return -ENOENT;
	if (ret_pem)
		*ret_pem = tls_cert_pem(x);
	*ret_fp = x509_fingerprint(x);
	X509_free(x);
	return *ret_fp ? 0 : -EIO;
}

bool tls_fingerprint_trusted(const char *fp)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (db_prepare(the_daemon->db, "SELECT 1 FROM certificates WHERE fingerprint = ?1", &st,
		       NULL, fp, NULL) < 0)
		return false;
	return sqlite3_step(st) == SQLITE_ROW;
}

void tls_request_auth(struct request *req)
{
	if (!tls_wsi_is_remote(req->wsi))
		return;
	req->untrusted = true;
	if (tls_peer_cert(req->wsi, NULL, &req->peer_fp) == 0 &&
	    tls_fingerprint_trusted(req->peer_fp))
		req->untrusted = false;
}

static bool scrypt_of(const char *pw, const unsigned char *salt, unsigned char out[64])
{
	return EVP_PBE_scrypt(pw, strlen(pw), salt, 32, 1 << 14, 8, 1, 64 * 1024 * 1024, out,
			      64) == 1;
}

char *tls_password_hash(const char *pw)
{
	unsigned char buf[32 + 64];

	if (RAND_bytes(buf, 32) != 1 || !scrypt_of(pw, buf, buf + 32))
		return NULL;
	return hex(buf, sizeof(buf));
}

bool tls_password_check(const char *stored, const char *pw)
{
	unsigned char salt[32], out[64];
	_cleanup_free_ char *want = NULL;

	if (!stored || strlen(stored) != 2 * (32 + 64))
		return false;
	for (size_t i = 0; i < 32; i++) {
		unsigned v;

		if (sscanf(stored + 2 * i, "%2x", &v) != 1)
			return false;
		salt[i] = (unsigned char)v;
	}
	if (!scrypt_of(pw, salt, out))
		return false;
	want = hex(out, 64);
	return CRYPTO_memcmp(want, stored + 64, 128) == 0;
}
