/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The network listener (core.https_address): a TLS vhost of libwebsockets
 * on the daemon's loop, the server certificate (COVE_DIR/server.crt and
 * server.key, EC P-384, made at first need), the trust store (the
 * certificates table) and core.trust_password (salt + scrypt, as LXD).
 * A TLS connection is trusted iff its client certificate's SHA-256
 * fingerprint is in the trust store; the unix socket is always trusted.
 */
#pragma once

#include <stdbool.h>

#include "cove/error.h"

struct lws;
struct request;

/* The server certificate (PEM) and its fingerprint, made on first call. Owned results. */
int tls_server_cert(char **ret_pem, char **ret_fp, struct cove_error *err);
/* Listen on ADDR ("host:port", ":port", "[v6]:port"; "" stops). Replaces any listener. */
int tls_listen(const char *addr, struct cove_error *err);
/* Start the listener of the stored core.https_address (at daemon start). */
void tls_restore(void);
void tls_stop(void);
/* Is wsi a connection of the TLS listener? */
bool tls_wsi_is_remote(struct lws *wsi);
/* The peer certificate of wsi: PEM and fingerprint (owned), or -ENOENT. */
int tls_peer_cert(struct lws *wsi, char **ret_pem, char **ret_fp);
/* Set req->untrusted (and req->peer_fp) from its connection. */
void tls_request_auth(struct request *req);
/* SHA-256 of a PEM certificate's DER form, lower-case hex. */
int tls_pem_fingerprint(const char *pem, char **ret_fp, struct cove_error *err);
bool tls_fingerprint_trusted(const char *fp);
/* LXD's trust password format: hex(salt[32] || scrypt(pw, salt, 2^14, 8, 1, 64)). */
char *tls_password_hash(const char *pw);
bool tls_password_check(const char *stored, const char *pw);
