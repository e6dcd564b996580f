/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-tls.so: the client's TLS, loaded with dlopen() only when a command
 * talks to an https remote (remote-tls.c), so that the unix socket path
 * never pays for loading libssl and libcrypto.
 *
 * A connection is made and its handshake done here, then a pump process
 * carries bytes between the TLS session and one end of a socketpair: the
 * caller gets the other end and speaks plain HTTP and websockets on it, as
 * on the unix socket (http.c and ws.c stay as they are).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "remote-tls.h"
#include "tls-cert.h"

/* errbuf gets the message, then OpenSSL's reason when it has one */
__attribute__((format(printf, 4, 5))) static int fail(char *errbuf, size_t errlen, int r,
						      const char *fmt, ...)
{
	unsigned long e = ERR_get_error();
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
	n = strlen(errbuf);
	if (e && n + 3 < errlen) {
		memcpy(errbuf + n, ": ", 3);
		ERR_error_string_n(e, errbuf + n + 2, errlen - n - 2);
	}
	return r;
}

static X509 *x509_of(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

int cove_tls_fingerprint(const char *pem, char ret[65])
{
	X509 *x = x509_of(pem);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!x)
		return -EINVAL;
	if (!X509_digest(x, EVP_sha256(), md, &n) || n != 32) {
		X509_free(x);
		return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++)
		sprintf(ret + 2 * i, "%02x", md[i]);
	X509_free(x);
	return 0;
}

static void asn1_rfc3339(const ASN1_TIME *t, char ret[32])
{
	struct tm tm;

	ret[0] = 0;
	if (t && ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(ret, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cove_tls_cert_info(const char *pem, char cn[256], char not_before[32], char not_after[32])
{
	X509 *x = x509_of(pem);
	int n;

	if (!x)
		return -EINVAL;
	n = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, 256);
	if (n < 0)
		cn[0] = 0;
	asn1_rfc3339(X509_get0_notBefore(x), not_before);
	asn1_rfc3339(X509_get0_notAfter(x), not_after);
	X509_free(x);
	return 0;
}

int cove_tls_make_cert(const char *crt, const char *key_path, const char *cn)
{
	return tls_cert_make(crt, key_path, cn, TLS_CERT_CLIENT);
}

static int tcp_connect(const char *host, const char *port, char *errbuf, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL, *a;
	int fd = -1, e = ECONNREFUSED;

	if (getaddrinfo(host, port, &hints, &res) != 0)
		return fail(errbuf, errlen, -EHOSTUNREACH, "Failed to resolve \"%s\"", host);
	for (a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(errbuf, errlen, "Failed to connect to %s:%s: %s", host, port, strerror(e));
		return -e;
	}
	return fd;
}

/* SSL_write on a non-blocking socket: retry the same buffer until it went out */
static int ssl_write_all(SSL *ssl, int tcp, const char *buf, int n)
{
	for (;;) {
		int k = SSL_write(ssl, buf, n), e;
		struct pollfd p = { .fd = tcp };

		if (k > 0)
			return 0;
		e = SSL_get_error(ssl, k);
		if (e == SSL_ERROR_WANT_WRITE)
			p.events = POLLOUT;
		else if (e == SSL_ERROR_WANT_READ)
			p.events = POLLIN;
		else
			return -EIO;
		(void)poll(&p, 1, -1);
	}
}

/*
 * Carry bytes between ssl (on tcp) and sv until either side is done. The TCP
 * socket is non-blocking: a blocking SSL_read that only found session tickets
 * would wait for an answer to a request still sitting in sv.
 */
static void pump(SSL *ssl, int tcp, int sv)
{
	char buf[65536];
	bool sv_eof = false;

	(void)fcntl(tcp, F_SETFL, fcntl(tcp, F_GETFL) | O_NONBLOCK);

	for (;;) {
		struct pollfd p[2] = { { .fd = tcp, .events = POLLIN },
				       { .fd = sv, .events = sv_eof ? 0 : POLLIN } };
		int n;

		if (SSL_pending(ssl) == 0 && poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (SSL_pending(ssl) > 0 || p[0].revents) {
			n = SSL_read(ssl, buf, sizeof(buf));
			if (n <= 0) {
				int e = SSL_get_error(ssl, n);

				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					continue;
				return;
			}
			for (int off = 0; off < n;) {
				ssize_t k = write(sv, buf + off, (size_t)(n - off));

				if (k < 0 && errno == EINTR)
					continue;
				if (k <= 0)
					return;
				off += (int)k;
			}
		}
		if (p[1].revents & POLLIN) {
			ssize_t k = read(sv, buf, sizeof(buf));

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				sv_eof = true; /* a half close: answers may still come */
				continue;
			}
			if (ssl_write_all(ssl, tcp, buf, (int)k) < 0)
				return;
		} else if (p[1].revents & (POLLHUP | POLLERR)) {
			return; /* the caller closed its end */
		}
	}
}

/*
 * The pump holds nothing of the caller's: not its stdout (a reader of a pipe
 * would wait for the pump), not the plain ends of other connections (their
 * pumps would outlive them).
 */
static int close_between(unsigned first, unsigned last)
{
	return first > last ? 0 : close_range(first, last, 0);
}

static void keep_only(int a, int b)
{
	long max = sysconf(_SC_OPEN_MAX);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int lo = a < b ? a : b, hi = a < b ? b : a;

	for (int fd = 0; fd < 3; fd++)
		if (null >= 0 && fd != a && fd != b)
			(void)dup2(null, fd);

	if (null > 2)
		(void)close(null);
	/* close_range around the two kept, one close() each without it */
	if (lo >= 3 && close_between(3, (unsigned)lo - 1) == 0 &&
	    close_between((unsigned)lo + 1, (unsigned)hi - 1) == 0 &&
	    close_between((unsigned)hi + 1, ~0U) == 0)
		return;
	for (long fd = 3; fd < (max > 0 && max < 4096 ? max : 4096); fd++)
		if (fd != a && fd != b)
			(void)close((int)fd);
}

/* The pump runs in a grandchild (no zombie for the caller to reap). */
static int start_pump(SSL *ssl, int tcp, char *errbuf, size_t errlen)
{
	int sv[2], st;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return fail(errbuf, errlen, -errno, "Failed to create a socketpair");
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return fail(errbuf, errlen, -errno, "Failed to fork");
	}
	if (pid == 0) {
		sigset_t all;

		close(sv[0]);
		if (fork() != 0)
			_exit(0);
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		signal(SIGPIPE, SIG_IGN);
		keep_only(tcp, sv[1]);
		pump(ssl, tcp, sv[1]);
		_exit(0);
	}
	(void)waitpid(pid, &st, 0);
	close(sv[1]);
	return sv[0];
}

int cove_tls_connect(const struct cove_tls_target *t, char **ret_peer_pem, char *errbuf,
		     size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;
	X509 *peer = NULL;
	struct in6_addr a6;
	struct in_addr a4;
	char *pem = NULL;
	int tcp = -1, r;

	if (!ctx)
		return fail(errbuf, errlen, -ENOMEM, "Failed to set up TLS");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); /* the peer is pinned below */
	if (t->client_crt && (SSL_CTX_use_certificate_file(ctx, t->client_crt, SSL_FILETYPE_PEM) != 1 ||
			      SSL_CTX_use_PrivateKey_file(ctx, t->client_key, SSL_FILETYPE_PEM) != 1)) {
		r = fail(errbuf, errlen, -EINVAL, "Failed to load the client certificate %s",
			 t->client_crt);
		goto out;
	}
	r = tcp = tcp_connect(t->host, t->port, errbuf, errlen);
	if (r < 0)
		goto out;
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, tcp);
	/* SNI only for names (RFC 6066), and lws picks a vhost by it */
	if (inet_pton(AF_INET, t->host, &a4) != 1 && inet_pton(AF_INET6, t->host, &a6) != 1)
		SSL_set_tlsext_host_name(ssl, t->host);
	if (SSL_connect(ssl) != 1) {
		r = fail(errbuf, errlen, -ECONNREFUSED, "TLS handshake with %s failed", t->host);
		goto out;
	}
	peer = SSL_get1_peer_certificate(ssl);
	pem = peer ? tls_cert_pem(peer) : NULL;
	if (!pem) {
		r = fail(errbuf, errlen, -EPROTO, "%s sent no certificate", t->host);
		goto out;
	}
	if (t->server_pem && strcmp(t->server_pem, pem) != 0) {
		r = fail(errbuf, errlen, -EPERM,
			 "The certificate of %s changed: it is not the one stored for this remote",
			 t->host);
		goto out;
	}
	if (t->only_cert) {
		r = 0;
		goto out;
	}
	r = start_pump(ssl, tcp, errbuf, errlen);
out:
	if (r >= 0 && ret_peer_pem) {
		*ret_peer_pem = pem;
		pem = NULL;
	}
	free(pem);
	X509_free(peer);
	if (ssl && (r < 0 || t->only_cert))
		SSL_shutdown(ssl);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (tcp >= 0)
		close(tcp);
	return r;
}
