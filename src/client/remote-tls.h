/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The interface of cove-tls.so (tls-module.c), which the client loads with
 * dlopen() only for https remotes (remote.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cove_tls_target {
	const char *host;
	const char *port;
	const char *client_crt; /* PEM files, or NULL for none */
	const char *client_key;
	const char *server_pem; /* the pinned server certificate, or NULL to take any */
	bool only_cert;		/* handshake, hand back the peer's certificate, close */
};

/* Connect and shake hands; returns the plain end of a socketpair (a pump
 * process carries it over TLS), or 0 with only_cert, or -errno with errbuf
 * set. *ret_peer_pem (may be NULL) gets the server's certificate. */
typedef int (*cove_tls_connect_fn)(const struct cove_tls_target *t, char **ret_peer_pem,
				   char *errbuf, size_t errlen);
/* A self-signed EC P-384 client certificate and key (mode 0600). */
typedef int (*cove_tls_make_cert_fn)(const char *crt, const char *key, const char *cn);
/* Subject CN and validity (RFC 3339, UTC) of a PEM certificate. */
typedef int (*cove_tls_cert_info_fn)(const char *pem, char cn[256], char not_before[32],
				     char not_after[32]);
/* SHA-256 of a PEM certificate, lower-case hex. */
typedef int (*cove_tls_fingerprint_fn)(const char *pem, char ret[65]);

int cove_tls_connect(const struct cove_tls_target *t, char **ret_peer_pem, char *errbuf,
		     size_t errlen);
int cove_tls_make_cert(const char *crt, const char *key, const char *cn);
int cove_tls_fingerprint(const char *pem, char ret[65]);
int cove_tls_cert_info(const char *pem, char cn[256], char not_before[32], char not_after[32]);
