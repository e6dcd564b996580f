/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Self-signed certificates, as LXD makes them (EC P-384, SHA-384, ten
 * years, O=cove): the client's (cove-tls.so, for `cove remote add`) and
 * coved's server certificate. Built into both; libc and OpenSSL only.
 */
#pragma once

#include <openssl/x509.h>

enum tls_cert_kind {
	TLS_CERT_CLIENT, /* clientAuth */
	TLS_CERT_SERVER, /* serverAuth and clientAuth, a CA, DNS:CN and the loopback addresses */
};

/* Write a new key (mode 0600) to key_path and its certificate to crt; -errno. */
int tls_cert_make(const char *crt, const char *key_path, const char *cn, enum tls_cert_kind kind);
/* x in PEM, malloc()ed; NULL on failure. */
char *tls_cert_pem(X509 *x);
