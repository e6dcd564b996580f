/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Self-signed certificates for the client and coved (see tls-cert.h). */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tls-cert.h"

char *tls_cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (b && PEM_write_bio_X509(b, x)) {
		n = BIO_get_mem_data(b, &data);
		out = strndup(data, (size_t)n);
	}
	BIO_free(b);
	return out;
}

static void add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (e) {
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
}

static int write_key(const char *path, EVP_PKEY *key)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	int ok;

	if (!f) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

static void add_kind_exts(X509 *x, const char *cn, enum tls_cert_kind kind)
{
	char san[320];

	if (kind == TLS_CERT_CLIENT) {
		add_ext(x, NID_key_usage, "critical,digitalSignature,keyEncipherment");
		add_ext(x, NID_ext_key_usage, "clientAuth");
		return;
	}
	add_ext(x, NID_key_usage, "critical,digitalSignature,keyEncipherment,keyCertSign");
	add_ext(x, NID_ext_key_usage, "serverAuth,clientAuth");
	add_ext(x, NID_basic_constraints, "critical,CA:TRUE");
	snprintf(san, sizeof(san), "DNS:%s,IP:127.0.0.1,IP:::1", cn);
	add_ext(x, NID_subject_alt_name, san);
}

int tls_cert_make(const char *crt, const char *key_path, const char *cn, enum tls_cert_kind kind)
{
	EVP_PKEY *key = EVP_EC_gen("P-384");
	X509 *x = X509_new();
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	X509_NAME *name;
	FILE *f;
	int r = -EIO;

	if (!key || !x)
		goto out;
	X509_set_version(x, 2);
	(void)RAND_bytes(serial, sizeof(serial));
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"cove", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	add_kind_exts(x, cn, kind);
	if (!X509_sign(x, key, EVP_sha384()))
		goto out;
	r = write_key(key_path, key);
	if (r < 0)
		goto out;
	f = fopen(crt, "we");
	r = f && PEM_write_X509(f, x) ? 0 : -EIO;
	if (f && fclose(f) != 0)
		r = -EIO;
out:
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(key);
	return r;
}
