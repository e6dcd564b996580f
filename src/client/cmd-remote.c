/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove remote add|list|remove|rename|switch|get-default|set-url and
 * cove config trust add|list|remove, as lxc has them (see remote.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "fileio.h"
#include "http.h"
#include "remote-internal.h"
#include "remote-tls.h"
#include "remote.h"
#include "strutil.h"
#include "strv.h"

static int request(const char *method, const char *path, json_t *body, struct cove_error *err)
{
	struct api_response resp = {};
	int r = api_request(method, path, body, NULL, &resp, err);

	api_response_done(&resp);
	return r;
}

static char *servercert_path(const char *name)
{
	_cleanup_free_ char *fn = xasprintf("servercerts/%s.crt", name);

	return path_join(remote_conf_dir(), fn);
}

static int ensure_client_cert(struct cove_error *err)
{
	_cleanup_free_ char *crt = path_join(remote_conf_dir(), "client.crt");
	_cleanup_free_ char *key = path_join(remote_conf_dir(), "client.key");
	_cleanup_free_ char *cn = NULL;
	char host[256] = "";
	cove_tls_make_cert_fn fn;
	void *m;
	int r;

	if (access(crt, R_OK) == 0 && access(key, R_OK) == 0)
		return 0;
	m = remote_tls_module(err);
	if (!m)
		return -ENOPKG;
	fn = (cove_tls_make_cert_fn)dlsym(m, "cove_tls_make_cert");
	if (!fn)
		return cove_err(err, -ENOPKG, "cove-tls.so lacks cove_tls_make_cert");
	r = mkdir_p(remote_conf_dir(), 0700);
	if (r < 0)
		return cove_err(err, r, "Failed to create %s: %s", remote_conf_dir(), strerror(-r));
	(void)gethostname(host, sizeof(host) - 1);
	cn = xasprintf("root@%s", host);
	fprintf(stderr, "Generating a client certificate. This may take a minute...\n");
	r = fn(crt, key, cn);
	if (r < 0)
		return cove_err(err, r, "Failed to generate the client certificate");
	return 0;
}

static char *read_line(bool secret)
{
	struct termios old, t;
	bool tty = secret && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	char buf[1024];
	char *res;

	if (tty) {
		t = old;
		t.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	res = fgets(buf, sizeof(buf), stdin);
	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &old);
		printf("\n");
	}
	if (!res)
		return NULL;
	buf[strcspn(buf, "\r\n")] = 0;
	return xstrdup(buf);
}

static int fingerprint_of(const char *pem, char fp[65], struct cove_error *err)
{
	void *m = remote_tls_module(err);
	cove_tls_fingerprint_fn fn = m ? (cove_tls_fingerprint_fn)dlsym(m, "cove_tls_fingerprint") : NULL;

	if (!fn || fn(pem, fp) < 0)
		return cove_err(err, -EINVAL, "Failed to read the server certificate");
	return 0;
}

/* Fetch and (unless accepted) confirm the server's certificate, then store it. */
static int pin_server(const char *name, const char *url, bool accept, struct cove_error *err)
{
	_cleanup_free_ char *pem = NULL, *path = servercert_path(name), *answer = NULL;
	_cleanup_free_ char *dir = path_join(remote_conf_dir(), "servercerts");
	char fp[65];
	int r;

	r = remote_tls_open(url, NULL, true, &pem, err);
	if (r < 0)
		return r;
	r = fingerprint_of(pem, fp, err);
	if (r < 0)
		return r;
	if (!accept) {
		printf("Certificate fingerprint: %s\nok (y/n/[fingerprint])? ", fp);
		fflush(stdout);
		answer = read_line(false);
		if (!answer || (!streq(answer, "y") && !streq(answer, "yes") && !streq(answer, fp)))
			return cove_err(err, -EPERM, "Server certificate NACKed by user");
	}
	r = mkdir_p(dir, 0700);
	if (r >= 0)
		r = write_file_atomic(path, pem, strlen(pem), 0644);
	if (r < 0)
		return cove_err(err, r, "Failed to store %s: %s", path, strerror(-r));
	return 0;
}

static bool server_trusts_us(struct cove_error *err)
{
	json_t *s = NULL;
	bool ok;

	if (api_get("/1.0", &s, NULL, err) < 0)
		return false;
	ok = streq(json_string_value(json_object_get(s, "auth")) ?: "", "trusted");
	json_decref(s);
	return ok;
}

static int trust_by_password(const char *name, const char *password, struct cove_error *err)
{
	_cleanup_free_ char *pw = password ? xstrdup(password) : NULL;
	json_t *body;
	int r;

	if (!pw) {
		printf("Admin password (or token) for %s: ", name);
		fflush(stdout);
		pw = read_line(true);
		if (!pw)
			return cove_err(err, -EINVAL, "No password given");
	}
	body = json_pack("{ss ss ss sb}", "type", "client", "password", pw, "name", "",
			 "restricted", 0);
	r = request("POST", "/1.0/certificates", body, err);
	json_decref(body);
	if (r < 0)
		return r;
	if (!server_trusts_us(err))
		return cove_err(err, -EPERM, "Server doesn't trust us after authentication");
	printf("Client certificate now trusted by server: %s\n", name);
	return 0;
}

static bool valid_remote_name(const char *n)
{
	return *n && !strpbrk(n, ":/ \t") && !streq(n, ".") && !streq(n, "..");
}

static int remote_add(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {
		{ "password", required_argument, NULL, 'p' },
		{ "accept-certificate", no_argument, NULL, 'a' },
		{ "public", no_argument, NULL, 'P' },
		{ "protocol", required_argument, NULL, 'r' },
		{ "auth-type", required_argument, NULL, 't' },
		{}
	};
	_cleanup_free_ char *host = NULL, *port = NULL, *url = NULL, *certp = NULL;
	const char *password = NULL, *name, *addr;
	bool accept = false, public = false;
	json_t *remotes;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "", opts, err)) != -1) {
		if (r < 0)
			return r;
		if (r == 'p')
			password = optarg;
		else if (r == 'a')
			accept = true;
		else if (r == 'P')
			public = true;
		else if (r == 'r' && !streq(optarg, "lxd"))
			return cove_err(err, -EINVAL, "Invalid protocol: %s", optarg);
		else if (r == 't' && !streq(optarg, "tls"))
			return cove_err(err, -EINVAL, "Invalid auth type: %s", optarg);
	}
	r = client_check_args(argc - optind, 1, 2, "cove remote add [<remote>] <IP|FQDN|URL> [flags]",
			      err);
	if (r != 0)
		return r > 0 ? 0 : r;
	addr = argv[argc - 1];
	if (startswith(addr, "unix:"))
		return cove_err(err, -EOPNOTSUPP, "Only https remotes can be added");
	r = remote_parse_url(addr, &host, &port, err);
	if (r < 0)
		return r;
	/* without a name, the remote is named after the host, as lxc does */
	name = argc - optind == 2 ? argv[optind] : host;
	if (!valid_remote_name(name))
		return cove_err(err, -EINVAL, "Invalid remote name \"%s\"", name);
	if (streq(name, "local") || remote_get(name))
		return cove_err(err, -EEXIST, "Remote %s exists as <%s>", name,
				streq(name, "local") ? "unix://" :
				json_string_value(json_object_get(remote_get(name), "addr")));
	url = strchr(host, ':') ? xasprintf("https://[%s]:%s", host, port) :
				  xasprintf("https://%s:%s", host, port);
	r = ensure_client_cert(err);
	if (r < 0)
		return r;
	r = pin_server(name, url, accept, err);
	if (r < 0)
		return r;
	remotes = json_object_get(remote_conf(), "remotes");
	json_object_set_new(remotes, name,
			    json_pack("{ss ss ss sb}", "addr", url, "protocol", "lxd", "auth_type",
				      "tls", "public", public));
	r = remote_use(name, err);
	if (r >= 0 && !server_trusts_us(err)) {
		if (err && err->code)
			r = err->code;
		else
			r = trust_by_password(name, password, err);
	}
	if (r < 0) {
		certp = servercert_path(name);
		(void)unlink(certp);
		json_object_del(remotes, name);
		return r;
	}
	return remote_conf_save(err);
}

static int remote_list(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, {} };
	_cleanup_(table_done) struct table t = {};
	enum format fmt = FORMAT_TABLE;
	json_t *raw = json_object(), *v;
	const char *k, *cur = remote_current();
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "f:", opts, err)) != -1) {
		if (r < 0)
			goto out;
		fmt = format_from_string(optarg);
		if ((int)fmt < 0) {
			r = cove_err(err, -EINVAL, "Invalid format \"%s\"", optarg);
			goto out;
		}
	}
	t.header = strv_split("NAME,URL,PROTOCOL,AUTH TYPE,PUBLIC,STATIC,GLOBAL", ",");
	table_add_row(&t, strv_split(streq(cur, "local") ? "local (current),unix://,lxd,file access,NO,YES,NO" :
					"local,unix://,lxd,file access,NO,YES,NO", ","));
	json_object_set_new(raw, "local", json_pack("{ss ss sb}", "Addr", "unix://", "Protocol",
						    "lxd", "Public", 0));
	json_object_foreach(json_object_get(remote_conf(), "remotes"), k, v) {
		char **row = NULL;

		strv_push(&row, streq(k, cur) ? xasprintf("%s (current)", k) : xstrdup(k));
		strv_push_dup(&row, json_string_value(json_object_get(v, "addr")) ?: "");
		strv_push_dup(&row, json_string_value(json_object_get(v, "protocol")) ?: "lxd");
		strv_push_dup(&row, json_string_value(json_object_get(v, "auth_type")) ?: "tls");
		strv_push_dup(&row, json_is_true(json_object_get(v, "public")) ? "YES" : "NO");
		strv_push_dup(&row, "NO");
		strv_push_dup(&row, "NO");
		table_add_row(&t, row);
		json_object_set(raw, k, v);
	}
	table_sort(&t, 0);
	r = format_render(stdout, fmt, &t, raw, err);
out:
	json_decref(raw);
	return r;
}

static int need_remote(const char *name, struct cove_error *err)
{
	if (streq(name, "local"))
		return cove_err(err, -EPERM, "Remote %s is static and cannot be modified", name);
	if (!remote_get(name))
		return cove_err(err, -ENOENT, "Remote %s doesn't exist", name);
	return 0;
}

static int remote_remove(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *certp = NULL;
	int r = client_check_args(argc - 1, 1, 1, "cove remote remove <remote>", err);

	if (r != 0)
		return r > 0 ? 0 : r;
	r = need_remote(argv[1], err);
	if (r < 0)
		return r;
	if (streq(remote_current(), argv[1]))
		return cove_err(err, -EBUSY, "Can't remove the default remote");
	json_object_del(json_object_get(remote_conf(), "remotes"), argv[1]);
	certp = servercert_path(argv[1]);
	(void)unlink(certp);
	return remote_conf_save(err);
}

static int remote_rename(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *from = NULL, *to = NULL;
	json_t *remotes = json_object_get(remote_conf(), "remotes");
	int r = client_check_args(argc - 1, 2, 2, "cove remote rename <remote> <new-name>", err);

	if (r != 0)
		return r > 0 ? 0 : r;
	r = need_remote(argv[1], err);
	if (r < 0)
		return r;
	if (!valid_remote_name(argv[2]))
		return cove_err(err, -EINVAL, "Invalid remote name \"%s\"", argv[2]);
	if (streq(argv[2], "local") || remote_get(argv[2]))
		return cove_err(err, -EEXIST, "Remote %s already exists", argv[2]);
	json_object_set(remotes, argv[2], remote_get(argv[1]));
	json_object_del(remotes, argv[1]);
	from = servercert_path(argv[1]);
	to = servercert_path(argv[2]);
	(void)rename(from, to);
	if (streq(json_string_value(json_object_get(remote_conf(), "default-remote")) ?: "", argv[1]))
		json_object_set_new(remote_conf(), "default-remote", json_string(argv[2]));
	return remote_conf_save(err);
}

static int remote_switch(int argc, char **argv, struct cove_error *err)
{
	int r = client_check_args(argc - 1, 1, 1, "cove remote switch <remote>", err);

	if (r != 0)
		return r > 0 ? 0 : r;
	if (!streq(argv[1], "local") && !remote_get(argv[1]))
		return cove_err(err, -ENOENT, "Remote %s doesn't exist", argv[1]);
	json_object_set_new(remote_conf(), "default-remote", json_string(argv[1]));
	return remote_conf_save(err);
}

static int remote_get_default(int argc, char **argv, struct cove_error *err)
{
	int r = client_check_args(argc - 1, 0, 0, "cove remote get-default", err);

	if (r != 0)
		return r > 0 ? 0 : r;
	printf("%s\n", remote_current());
	return 0;
}

static int remote_set_url(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *host = NULL, *port = NULL, *url = NULL;
	int r = client_check_args(argc - 1, 2, 2, "cove remote set-url <remote> <URL>", err);

	if (r != 0)
		return r > 0 ? 0 : r;
	r = need_remote(argv[1], err);
	if (r >= 0)
		r = remote_parse_url(argv[2], &host, &port, err);
	if (r < 0)
		return r;
	url = strchr(host, ':') ? xasprintf("https://[%s]:%s", host, port) :
				  xasprintf("https://%s:%s", host, port);
	json_object_set_new(remote_get(argv[1]), "addr", json_string(url));
	return remote_conf_save(err);
}

int cmd_remote(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
		{ "add", remote_add, "Add new remote servers" },
		{ "get-default", remote_get_default, "Show the default remote" },
		{ "list", remote_list, "List the available remotes" },
		{ "remove", remote_remove, "Remove remotes" },
		{ "rename", remote_rename, "Rename remotes" },
		{ "set-url", remote_set_url, "Set the URL for the remote" },
		{ "switch", remote_switch, "Switch the default remote" },
		{}
	};
	return client_subcommand(sub, "remote", argc, argv, err);
}

/* cove config trust */

/* "x:" or "x:rest": select the remote x; *rest gets what follows */
static int use_prefix(const char *arg, const char **rest, struct cove_error *err)
{
	_cleanup_free_ char *rem = NULL;
	int r = remote_split(arg, &rem, rest, err);

	if (r >= 0 && rem)
		r = remote_use(rem, err);
	return r;
}

static int trust_add(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = { { "name", required_argument, NULL, 'n' }, {} };
	_cleanup_free_ char *text = NULL, *b64 = NULL;
	const char *name = "", *file, *b, *e;
	json_t *body;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "", opts, err)) != -1) {
		if (r < 0)
			return r;
		name = optarg;
	}
	r = client_check_args(argc - optind, 1, 2, "cove config trust add [<remote>:] [<cert>]", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	file = argv[optind];
	if (argc - optind == 2) {
		r = use_prefix(argv[optind], &file, err);
		if (r < 0)
			return r;
		file = argv[optind + 1];
	}
	r = read_full_file(file, 1 << 20, &text, NULL);
	if (r < 0)
		return cove_err(err, r, "open %s: %s", file, strerror(-r));
	b = strstr(text, "-----BEGIN CERTIFICATE-----");
	e = b ? strstr(b, "-----END CERTIFICATE-----") : NULL;
	if (!e)
		return cove_err(err, -EINVAL, "Invalid certificate file %s", file);
	b += strlen("-----BEGIN CERTIFICATE-----");
	b64 = xmalloc((size_t)(e - b) + 1);
	{
		size_t n = 0;

		for (const char *p = b; p < e; p++)
			if (!strchr(" \t\r\n", *p))
				b64[n++] = *p;
		b64[n] = 0;
	}
	if (!*name) /* the file's name, as lxc */
		name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	body = json_pack("{ss ss ss sb}", "type", "client", "certificate", b64, "name", name,
			 "restricted", 0);
	r = request("POST", "/1.0/certificates", body, err);
	json_decref(body);
	return r < 0 ? r : 0;
}

static int trust_render(json_t *list, enum format fmt, struct cove_error *err)
{
	_cleanup_(table_done) struct table t = {};
	void *m = remote_tls_module(NULL);
	cove_tls_cert_info_fn info = m ? (cove_tls_cert_info_fn)dlsym(m, "cove_tls_cert_info") : NULL;
	json_t *c;
	size_t i;

	/* as lxc: the common name and dates come from the certificate itself */
	t.header = strv_split("TYPE,NAME,COMMON NAME,FINGERPRINT,ISSUE DATE,EXPIRY DATE", ",");
	json_array_foreach(list, i, c) {
		const char *fp = json_string_value(json_object_get(c, "fingerprint")) ?: "";
		const char *pem = json_string_value(json_object_get(c, "certificate")) ?: "";
		char cn[256] = "", nb[32] = "", na[32] = "";
		char **row = NULL;

		if (info)
			(void)info(pem, cn, nb, na);
		strv_push_dup(&row, json_string_value(json_object_get(c, "type")) ?: "");
		strv_push_dup(&row, json_string_value(json_object_get(c, "name")) ?: "");
		strv_push_dup(&row, cn);
		strv_push(&row, xstrndup(fp, 12));
		strv_push(&row, format_time_image(nb));
		strv_push(&row, format_time_image(na));
		table_add_row(&t, row);
	}
	table_sort(&t, 1);
	return format_render(stdout, fmt, &t, list, err);
}

static int trust_list(int argc, char **argv, struct cove_error *err)
{
	const char *rest;

	/* a "remote:" argument anywhere selects the server */
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-' && strchr(argv[i], ':') && (i == 1 || !streq(argv[i - 1], "-f"))) {
			int r = use_prefix(argv[i], &rest, err);

			if (r < 0)
				return r;
			memmove(argv + i, argv + i + 1, sizeof(char *) * (size_t)(argc - i));
			argc--;
			break;
		}
	return client_list_cmd(argc, argv, "/1.0/certificates?recursion=1", trust_render, err);
}

static int trust_remove(int argc, char **argv, struct cove_error *err)
{
	_cleanup_free_ char *e = NULL, *path = NULL;
	const char *fp;
	int r = client_check_args(argc - 1, 1, 1, "cove config trust remove [<remote>:]<fingerprint>",
				  err);

	if (r != 0)
		return r > 0 ? 0 : r;
	r = use_prefix(argv[1], &fp, err);
	if (r < 0)
		return r;
	e = http_escape(fp);
	path = xasprintf("/1.0/certificates/%s", e);
	r = request("DELETE", path, NULL, err);
	return r < 0 ? r : 0;
}

int cmd_config_trust(int argc, char **argv, struct cove_error *err)
{
	static const struct cmd sub[] = {
		{ "add", trust_add, "Add new trusted clients" },
		{ "list", trust_list, "List trusted clients" },
		{ "remove", trust_remove, "Remove trusted clients" },
		{}
	};
	return client_subcommand(sub, "config trust", argc, argv, err);
}
