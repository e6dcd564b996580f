/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/certificates (the trust store) and the server config of PUT/PATCH
 * /1.0 (core.https_address, core.trust_password). Certificates travel as
 * base64 DER in JSON (LXD's format); the table keeps them as PEM.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

#include "alloc.h"
#include "daemon.h"
#include "db/db-internal.h"
#include "db/db.h"
#include "router.h"
#include "strutil.h"
#include "tls.h"
#include "util.h"

static const char *const server_keys[] = {
	"core.https_address", "core.trust_password", "images.auto_update_interval",
	"images.auto_update_cached", "images.remote_cache_expiry",
};

/* base64 DER (or PEM) -> PEM, NULL if not a certificate; *cn gets the subject's CN */
static char *cert_to_pem(const char *in, char **cn)
{
	X509 *x = NULL;
	char *out = NULL, buf[256];

	if (strstr(in, "-----BEGIN CERTIFICATE-----")) {
		BIO *b = BIO_new_mem_buf(in, -1);

		x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	} else {
		size_t len = strlen(in);
		_cleanup_free_ unsigned char *der = xmalloc(len + 4);
		int n = EVP_DecodeBlock(der, (const unsigned char *)in, (int)len);
		const unsigned char *p = der;

		while (n > 0 && len > 0 && in[--len] == '=')
			n--;
		if (n > 0)
			x = d2i_X509(NULL, &p, n);
	}
	if (!x)
		return NULL;
	if (cn) {
		int k = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf,
						  sizeof(buf));

		*cn = xstrdup(k > 0 ? buf : "");
	}
	{
		BIO *b = BIO_new(BIO_s_mem());
		char *data;
		long n;

		if (b && PEM_write_bio_X509(b, x)) {
			n = BIO_get_mem_data(b, &data);
			out = xstrndup(data, (size_t)n);
		}
		BIO_free(b);
	}
	X509_free(x);
	return out;
}

static char *config_get(const char *key)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (db_prepare(the_daemon->db, "SELECT value FROM config WHERE key = ?1", &st, NULL, key,
		       NULL) < 0)
		return NULL;
	return sqlite3_step(st) == SQLITE_ROW ? db_column_str(st, 0) : NULL;
}

/* The server config as GET /1.0 shows it (the password as true). */
json_t *api_server_config(void)
{
	json_t *c = json_object();

	for (size_t i = 0; i < ELEMENTSOF(server_keys); i++) {
		_cleanup_free_ char *v = config_get(server_keys[i]);

		if (!v)
			continue;
		if (streq(server_keys[i], "core.trust_password"))
			json_object_set_new(c, server_keys[i], json_true());
		else
			json_object_set_new(c, server_keys[i], json_string(v));
	}
	return c;
}

static int check_key(struct request *req, const char *key, json_t *v)
{
	bool known = false;

	for (size_t i = 0; i < ELEMENTSOF(server_keys); i++)
		known = known || streq(key, server_keys[i]);
	if (!known) {
		reply_error(req, 400, "Invalid config key \"%s\"", key);
		return -EINVAL;
	}
	/* GET /1.0 shows the password as true: a client sending it back changes nothing (as LXD) */
	if (streq(key, "core.trust_password") && json_is_true(v))
		return 0;
	if (!json_is_string(v) && !json_is_null(v)) {
		reply_error(req, 400, "Invalid value for config key \"%s\": not a string", key);
		return -EINVAL;
	}
	return 0;
}

static int set_key(const char *key, const char *value)
{
	_cleanup_free_ char *hash = NULL;

	if (!value || !*value)
		return db_run(the_daemon->db, "DELETE FROM config WHERE key = ?1", NULL, key, NULL);
	if (streq(key, "core.trust_password")) {
		hash = tls_password_hash(value);
		if (!hash)
			return -EIO;
		value = hash;
	}
	return db_run(the_daemon->db,
		      "INSERT INTO config (key, value) VALUES (?1, ?2) "
		      "ON CONFLICT (key) DO UPDATE SET value = ?2",
		      NULL, key, value, NULL);
}

/* PUT replaces the config (keys not given are unset), PATCH changes the keys given */
static void change_config(struct request *req, bool put)
{
	_cleanup_json_ json_t *body = request_json(req);
	json_t *cfg, *v, *want;
	struct cove_error err = { 0 };
	const char *key;

	if (!body)
		return;
	cfg = json_object_get(body, "config");
	if (cfg && !json_is_object(cfg) && !json_is_null(cfg)) {
		reply_error(req, 400, "Invalid config: not an object");
		return;
	}
	json_object_foreach(cfg, key, v)
		if (check_key(req, key, v) < 0)
			return;
	want = json_object_get(cfg, "core.https_address");
	if (want || put) {
		_cleanup_free_ char *cur = config_get("core.https_address");
		const char *addr = json_is_string(want) ? json_string_value(want) : "";

		if (!streq(cur ?: "", addr) && tls_listen(addr, &err) < 0) {
			reply_error(req, 400, "%s", err.msg);
			return;
		}
	}
	for (size_t i = 0; put && i < ELEMENTSOF(server_keys); i++)
		if (!json_object_get(cfg, server_keys[i]))
			(void)set_key(server_keys[i], NULL);
	json_object_foreach(cfg, key, v)
		if (!json_is_true(v) && set_key(key, json_string_value(v)) < 0) {
			reply_error(req, 500, "Failed to store \"%s\"", key);
			return;
		}
	reply_sync(req, NULL);
}

static void put_server(struct request *req, char **params)
{
	change_config(req, true);
}

static void patch_server(struct request *req, char **params)
{
	change_config(req, false);
}

/* certificates */

static json_t *cert_json(sqlite3_stmt *st)
{
	/* GET shows PEM (POST takes base64 DER), as LXD */
	return json_pack("{s:s?, s:s?, s:b, s:o, s:s?, s:s?}", "name", sqlite3_column_text(st, 1),
			 "type", sqlite3_column_text(st, 2), "restricted",
			 sqlite3_column_int(st, 4), "projects", db_column_json(st, 5),
			 "certificate", sqlite3_column_text(st, 3), "fingerprint",
			 sqlite3_column_text(st, 0));
}

#define CERT_COLS "SELECT fingerprint, name, type, certificate, restricted, projects FROM certificates"

static void get_certificates(struct request *req, char **params)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	json_t *out = json_array();
	bool full = request_recursion(req) > 0;

	if (db_prepare(the_daemon->db, CERT_COLS " ORDER BY fingerprint", &st, NULL, NULL) < 0) {
		json_decref(out);
		reply_error(req, 500, "Database error");
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (full) {
			json_array_append_new(out, cert_json(st));
		} else {
			_cleanup_free_ char *u = xasprintf("/1.0/certificates/%s",
							   (const char *)sqlite3_column_text(st, 0));

			json_array_append_new(out, json_string(u));
		}
	}
	reply_sync(req, out);
}

/* The certificate of a fingerprint or a unique prefix of one: its JSON or NULL (answered). */
static json_t *cert_find(struct request *req, const char *fp)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ char *like = xasprintf("%s%%", fp);
	json_t *found = NULL;

	if (!*fp || strspn(fp, "0123456789abcdef") != strlen(fp) ||
	    db_prepare(the_daemon->db, CERT_COLS " WHERE fingerprint LIKE ?1", &st, NULL, like,
		       NULL) < 0) {
		reply_error(req, 404, "Certificate not found");
		return NULL;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (found) {
			json_decref(found);
			reply_error(req, 400, "More than one certificate matches");
			return NULL;
		}
		found = cert_json(st);
	}
	if (!found)
		reply_error(req, 404, "Certificate not found");
	return found;
}

static void get_certificate(struct request *req, char **params)
{
	json_t *c = cert_find(req, params[0]);

	if (c)
		reply_sync_etag(req, c, c);
}

static int check_fields(struct request *req, json_t *body, bool create)
{
	static const char *const known[] = { "name", "type", "restricted", "projects",
					     "certificate", "password", "token", "trust_token" };
	const char *key;
	json_t *v;

	json_object_foreach(body, key, v) {
		bool ok = false;

		for (size_t i = 0; i < ELEMENTSOF(known); i++)
			ok = ok || streq(key, known[i]);
		if (!ok)
			continue; /* LXD ignores unknown fields */
		if (streq(key, "restricted") || streq(key, "token") ? !json_is_boolean(v) :
		    streq(key, "projects")   ? !json_is_array(v) && !json_is_null(v) :
					       !json_is_string(v)) {
			reply_error(req, 400, "Invalid value for \"%s\"", key);
			return -EINVAL;
		}
	}
	v = json_object_get(body, "type");
	if (v && !streq(json_string_value(v), "client") && !streq(json_string_value(v), "metrics") &&
	    (create || *json_string_value(v))) {
		reply_error(req, 400, "Unknown certificate type \"%s\"", json_string_value(v));
		return -EINVAL;
	}
	return 0;
}

static int cert_store(const char *fp, const char *name, const char *type, bool restricted,
		      json_t *projects, const char *pem, bool insert)
{
	_cleanup_free_ char *pj = db_json_text(projects ?: json_array());

	return db_run(the_daemon->db,
		      insert ? "INSERT INTO certificates (fingerprint, name, type, certificate, "
			       "restricted, projects) VALUES (?1, ?2, ?3, ?4, ?5, ?6)" :
			       "UPDATE certificates SET name = ?2, type = ?3, certificate = ?4, "
			       "restricted = ?5, projects = ?6 WHERE fingerprint = ?1",
		      NULL, fp, name, type, pem, restricted ? "1" : "0", pj, NULL);
}

static void post_certificates(struct request *req, char **params)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_free_ char *pem = NULL, *fp = NULL, *cn = NULL, *stored = NULL, *loc = NULL;
	const char *given, *pw, *name;

	if (!body || check_fields(req, body, true) < 0)
		return;
	if (req->untrusted) {
		pw = json_string_value(json_object_get(body, "password"));
		stored = config_get("core.trust_password");
		if (!pw || !stored || !tls_password_check(stored, pw)) {
			reply_error(req, 403, "not authorized");
			return;
		}
	}
	given = json_string_value(json_object_get(body, "certificate"));
	if (given && *given) {
		pem = cert_to_pem(given, &cn);
		if (!pem) {
			reply_error(req, 400, "Invalid certificate material");
			return;
		}
	} else {
		_cleanup_free_ char *peer = NULL, *pfp = NULL;

		if (!req->wsi || tls_peer_cert(req->wsi, &peer, &pfp) < 0) {
			reply_error(req, 400, "Can't use TLS data on non-TLS link");
			return;
		}
		pem = cert_to_pem(peer, &cn);
	}
	if (!pem || tls_pem_fingerprint(pem, &fp, NULL) < 0) {
		reply_error(req, 400, "Invalid certificate material");
		return;
	}
	if (tls_fingerprint_trusted(fp)) {
		reply_error(req, 409, "Certificate already in trust store");
		return;
	}
	name = json_string_value(json_object_get(body, "name"));
	if (!name || !*name)
		name = cn && *cn ? cn : "";
	if (cert_store(fp, name, json_string_value(json_object_get(body, "type")) ?: "client",
		       json_is_true(json_object_get(body, "restricted")),
		       json_object_get(body, "projects"), pem, true) < 0) {
		reply_error(req, 500, "Failed to store the certificate");
		return;
	}
	loc = xasprintf("/1.0/certificates/%s", fp);
	reply_created(req, loc);
}

static bool etag_ok(struct request *req, json_t *cur)
{
	_cleanup_free_ char *tag = util_json_etag(cur);
	_cleanup_free_ char *want = tag ? xasprintf("\"%s\"", tag) : NULL;

	if (!req->if_match || (want && streq(req->if_match, want)) ||
	    (tag && streq(req->if_match, tag)))
		return true;
	reply_error(req, 412, "ETag doesn't match: %s vs %s", tag ?: "", req->if_match);
	return false;
}

static void change_certificate(struct request *req, char **params, bool put)
{
	_cleanup_json_ json_t *body = request_json(req);
	_cleanup_json_ json_t *cur = NULL;
	_cleanup_free_ char *pem = NULL, *fp = NULL, *oldpem = NULL;
	const char *k;
	json_t *v;

	if (!body || check_fields(req, body, false) < 0)
		return;
	cur = cert_find(req, params[0]);
	if (!cur || !etag_ok(req, cur))
		return;
	if (put && !json_object_get(body, "projects"))
		json_object_set_new(body, "projects", json_array());
	if (put && !json_object_get(body, "restricted"))
		json_object_set_new(body, "restricted", json_false());
	json_object_foreach(body, k, v)
		if (!streq(k, "fingerprint") && !json_is_null(v) &&
		    !(streq(k, "certificate") && !*json_string_value(v)) &&
		    !(streq(k, "type") && !*json_string_value(v)))
			json_object_set(cur, k, v);
	pem = cert_to_pem(json_string_value(json_object_get(cur, "certificate")), NULL);
	if (!pem || tls_pem_fingerprint(pem, &fp, NULL) < 0) {
		reply_error(req, 400, "Invalid certificate material");
		return;
	}
	if (!streq(fp, json_string_value(json_object_get(cur, "fingerprint")))) {
		reply_error(req, 400, "Changing the certificate is not supported");
		return;
	}
	if (cert_store(fp, json_string_value(json_object_get(cur, "name")),
		       json_string_value(json_object_get(cur, "type")),
		       json_is_true(json_object_get(cur, "restricted")),
		       json_object_get(cur, "projects"), pem, false) < 0) {
		reply_error(req, 500, "Failed to store the certificate");
		return;
	}
	reply_sync(req, NULL);
}

static void put_certificate(struct request *req, char **params)
{
	change_certificate(req, params, true);
}

static void patch_certificate(struct request *req, char **params)
{
	change_certificate(req, params, false);
}

static void delete_certificate(struct request *req, char **params)
{
	_cleanup_json_ json_t *cur = cert_find(req, params[0]);

	if (!cur)
		return;
	if (db_run(the_daemon->db, "DELETE FROM certificates WHERE fingerprint = ?1", NULL,
		   json_string_value(json_object_get(cur, "fingerprint")), NULL) < 0) {
		reply_error(req, 500, "Failed to delete the certificate");
		return;
	}
	reply_sync(req, NULL);
}

const struct route api_certificates_routes[] = {
	{ HTTP_PUT, "/1.0", put_server },
	{ HTTP_PATCH, "/1.0", patch_server },
	{ HTTP_GET, "/1.0/certificates", get_certificates },
	{ HTTP_POST, "/1.0/certificates", post_certificates },
	{ HTTP_GET, "/1.0/certificates/*", get_certificate },
	{ HTTP_PUT, "/1.0/certificates/*", put_certificate },
	{ HTTP_PATCH, "/1.0/certificates/*", patch_certificate },
	{ HTTP_DELETE, "/1.0/certificates/*", delete_certificate },
	{ 0, NULL, NULL },
};
