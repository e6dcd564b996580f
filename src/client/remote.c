/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Remotes: config.yml, the current remote and its connections (see remote.h). */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "remote-internal.h"
#include "remote-tls.h"
#include "remote.h"
#include "strutil.h"
#include "yaml.h"

static json_t *conf;	     /* the parsed config.yml, loaded at first need */
static char *current;	     /* the chosen remote, NULL: the default one */
static void *tls_module;

const char *remote_conf_dir(void)
{
	static char *dir;
	const char *e = getenv("COVE_CONF"), *home = getenv("HOME");

	if (!dir)
		dir = !isempty(e) ? xstrdup(e) : xasprintf("%s/.config/cove", home ?: "/root");
	return dir;
}

json_t *remote_conf(void)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t len = 0;

	if (conf)
		return conf;
	path = path_join(remote_conf_dir(), "config.yml");
	if (read_full_file(path, 1 << 20, &text, &len) < 0 || yaml_load(text, len, &conf, NULL) < 0 ||
	    !json_is_object(conf)) {
		json_decref(conf);
		conf = json_object();
	}
	if (!json_is_object(json_object_get(conf, "remotes")))
		json_object_set_new(conf, "remotes", json_object());
	return conf;
}

json_t *remote_get(const char *name)
{
	return json_object_get(json_object_get(remote_conf(), "remotes"), name);
}

int remote_conf_save(struct cove_error *err)
{
	_cleanup_free_ char *path = path_join(remote_conf_dir(), "config.yml");
	_cleanup_free_ char *text = NULL;
	json_t *c = remote_conf();
	int r;

	if (!json_object_get(c, "default-remote"))
		json_object_set_new(c, "default-remote", json_string("local"));
	if (!json_object_get(c, "aliases"))
		json_object_set_new(c, "aliases", json_object());
	text = yaml_dump(c);
	r = mkdir_p(remote_conf_dir(), 0700);
	if (r >= 0)
		r = write_file_atomic(path, text, strlen(text), 0600);
	if (r < 0)
		return cove_err(err, r, "Failed to write %s: %s", path, strerror(-r));
	return 0;
}

const char *remote_current(void)
{
	const char *d;

	if (current)
		return current;
	d = json_string_value(json_object_get(remote_conf(), "default-remote"));
	return d && *d ? d : "local";
}

bool remote_is_unix(void)
{
	const char *c = remote_current();
	const char *addr = json_string_value(json_object_get(remote_get(c), "addr"));

	return streq(c, "local") || !addr || startswith(addr, "unix:");
}

int remote_use(const char *name, struct cove_error *err)
{
	if (isempty(name))
		name = "local";
	if (!streq(name, "local") && !remote_get(name))
		return cove_err(err, -ENOENT, "The remote \"%s\" doesn't exist", name);
	free(current);
	current = xstrdup(name);
	return 0;
}

int remote_split(const char *arg, char **ret_remote, const char **ret_rest, struct cove_error *err)
{
	const char *colon = strchr(arg, ':');

	*ret_remote = NULL;
	*ret_rest = arg;
	if (!colon)
		return 0;
	*ret_remote = xstrndup(arg, (size_t)(colon - arg));
	*ret_rest = colon + 1;
	if (!streq(*ret_remote, "local") && !remote_get(*ret_remote)) {
		int r = cove_err(err, -EOPNOTSUPP, "The remote \"%s\" doesn't exist", *ret_remote);

		free(*ret_remote);
		*ret_remote = NULL;
		return r;
	}
	return 0;
}

/* cove-tls.so next to the binary (build tree), else where it is installed */
void *remote_tls_module(struct cove_error *err)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (tls_module)
		return tls_module;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		_cleanup_free_ char *p = NULL;
		char *slash;

		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			p = path_join(exe, "cove-tls.so");
			tls_module = dlopen(p, RTLD_NOW | RTLD_LOCAL);
		}
	}
	if (!tls_module)
		tls_module = dlopen(COVE_LIBEXECDIR "/cove-tls.so", RTLD_NOW | RTLD_LOCAL);
	if (!tls_module)
		cove_err(err, -ENOPKG, "Failed to load TLS support (cove-tls.so): %s", dlerror());
	return tls_module;
}

int remote_parse_url(const char *url, char **ret_host, char **ret_port, struct cove_error *err)
{
	const char *h = startswith(url, "https://") ?: url, *e;
	_cleanup_free_ char *hostport = NULL;
	char *colon;

	if (strstr(url, "://") && !startswith(url, "https://"))
		return cove_err(err, -EINVAL, "Invalid URL scheme \"%s\" in \"%s\"",
				strndupa(url, (size_t)(strstr(url, "://") - url)), url);
	e = h + strcspn(h, "/");
	hostport = xstrndup(h, (size_t)(e - h));
	if (!*hostport)
		return cove_err(err, -EINVAL, "Invalid URL \"%s\"", url);
	if (hostport[0] == '[') {
		char *b = strchr(hostport, ']');

		if (!b)
			return cove_err(err, -EINVAL, "Invalid URL \"%s\"", url);
		*ret_host = xstrndup(hostport + 1, (size_t)(b - hostport - 1));
		*ret_port = xstrdup(b[1] == ':' ? b + 2 : "8443");
	} else if ((colon = strrchr(hostport, ':'))) {
		*ret_host = xstrndup(hostport, (size_t)(colon - hostport));
		*ret_port = xstrdup(colon + 1);
	} else {
		*ret_host = xstrdup(hostport);
		*ret_port = xstrdup("8443");
	}
	if (!**ret_port || strspn(*ret_port, "0123456789") != strlen(*ret_port) ||
	    atoi(*ret_port) < 1 || atoi(*ret_port) > 65535)
		return cove_err(err, -EINVAL, "Invalid port in URL \"%s\"", url);
	return 0;
}

int remote_tls_open(const char *url, const char *server_pem, bool only_cert, char **ret_peer,
		    struct cove_error *err)
{
	_cleanup_free_ char *host = NULL, *port = NULL;
	_cleanup_free_ char *crt = path_join(remote_conf_dir(), "client.crt");
	_cleanup_free_ char *key = path_join(remote_conf_dir(), "client.key");
	struct cove_tls_target t = { .server_pem = server_pem, .only_cert = only_cert };
	cove_tls_connect_fn fn;
	char msg[512] = "";
	void *m;
	int r;

	r = remote_parse_url(url, &host, &port, err);
	if (r < 0)
		return r;
	m = remote_tls_module(err);
	if (!m)
		return -ENOPKG;
	fn = (cove_tls_connect_fn)dlsym(m, "cove_tls_connect");
	if (!fn)
		return cove_err(err, -ENOPKG, "cove-tls.so lacks cove_tls_connect");
	t.host = host;
	t.port = port;
	if (access(crt, R_OK) == 0 && access(key, R_OK) == 0) {
		t.client_crt = crt;
		t.client_key = key;
	}
	r = fn(&t, ret_peer, msg, sizeof(msg));
	if (r < 0)
		return cove_err(err, r, "%s", msg);
	return r;
}

int remote_connect(struct cove_error *err)
{
	const char *name = remote_current();
	json_t *rem = remote_get(name);
	const char *addr = json_string_value(json_object_get(rem, "addr"));
	_cleanup_free_ char *certp = NULL, *pem = NULL;
	_cleanup_free_ char *fn = xasprintf("servercerts/%s.crt", name);

	if (!addr)
		return cove_err(err, -ENOENT, "The remote \"%s\" doesn't exist", name);
	certp = path_join(remote_conf_dir(), fn);
	if (read_full_file(certp, 1 << 20, &pem, NULL) < 0)
		return cove_err(err, -ENOENT, "No certificate stored for the remote \"%s\" (%s)", name,
				certp);
	return remote_tls_open(addr, pem, false, NULL, err);
}
