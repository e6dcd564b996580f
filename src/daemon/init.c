/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * coved init / waitready. Like `lxd init`, init talks to the running
 * daemon through the REST API (one small blocking HTTP/1.1 client over
 * the unix socket), so the daemon stays the only writer of its database.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "daemon.h"
#include "fileio.h"
#include "init.h"
#include "log.h"
#include "shutdown.h"
#include "strutil.h"
#include "util.h"

LOG_MODULE("coved-init");

#define RESPONSE_MAX (16u << 20)

static char *socket_path(void)
{
	const char *e = getenv("COVE_DIR");

	return path_join(isempty(e) ? COVED_DEFAULT_DIR : e, "unix.socket");
}

static int connect_daemon(void)
{
	_cleanup_free_ char *path = socket_path();
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return TAKE_FD(fd);
}

/* One request; *ret is the parsed JSON envelope, *ret_status the HTTP status. */
static int http(const char *method, const char *path, const json_t *body, int *ret_status,
		json_t **ret)
{
	_cleanup_free_ char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	_cleanup_free_ char *req = NULL, *resp = NULL;
	_cleanup_close_ int fd = connect_daemon();
	const char *hdr_end;
	size_t len = 0;
	int r;

	if (fd < 0)
		return fd;
	req = xasprintf("%s %s HTTP/1.1\r\nHost: unix.socket\r\nConnection: close\r\n"
			"Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			method, path, text ? strlen(text) : 0, text ? text : "");
	r = loop_write(fd, req, strlen(req));
	if (r < 0)
		return r;
	r = read_full_fd(fd, RESPONSE_MAX, &resp, &len);
	if (r < 0)
		return r;
	if (sscanf(resp, "HTTP/1.1 %d", ret_status) != 1)
		return -EBADMSG;
	hdr_end = strstr(resp, "\r\n\r\n");
	*ret = hdr_end ? json_loads(hdr_end + 4, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
	return *ret ? 0 : -EBADMSG;
}

static int check(const char *what, int r, int status, json_t *resp)
{
	if (r < 0) {
		log_error_errno(r, "Failed to %s: %s", what, strerror(-r));
		return r;
	}
	if (status >= 300) {
		log_error("Failed to %s: %s", what,
			  json_string_value(json_object_get(resp, "error")) ?: "unknown error");
		return -EIO;
	}
	return 0;
}

int init_network_create(const char *name, const json_t *config)
{
	_cleanup_free_ char *what = xasprintf("create the network '%s'", name);
	json_t *resp = NULL, *body;
	int status = 0, r;

	body = json_pack("{s:s, s:s, s:s, s:o}", "name", name, "type", "bridge", "description", "",
			 "config", config ? json_deep_copy(config) : json_object());
	r = http("POST", "/1.0/networks", body, &status, &resp);
	json_decref(body);
	r = check(what, r, status, resp);
	if (resp)
		json_decref(resp);
	return r;
}

/* lxdbr0 (managed) when no network of that name exists; 1 if the profile may use it */
static int auto_network(void)
{
	json_t *resp = NULL;
	int status = 0, r;
	bool managed;

	r = http("GET", "/1.0/networks/lxdbr0", NULL, &status, &resp);
	if (r >= 0 && status == 404) {
		json_decref(resp);
		r = init_network_create("lxdbr0", NULL);
		return r < 0 ? r : 1;
	}
	managed = r >= 0 && status == 200 &&
		  json_is_true(json_object_get(json_object_get(resp, "metadata"), "managed"));
	if (resp)
		json_decref(resp);
	return managed;
}

static int init_auto(void)
{
	json_t *resp = NULL, *profile, *put;
	int status = 0, r;

	r = http("GET", "/1.0/storage-pools/default", NULL, &status, &resp);
	if (r >= 0 && status == 404) {
		json_decref(resp);
		resp = NULL;
		r = http("POST", "/1.0/storage-pools",
			 json_pack("{s:s, s:s, s:{}, s:s}", "name", "default", "driver", "dir",
				   "config", "description", ""),
			 &status, &resp);
		r = check("create the storage pool 'default'", r, status, resp);
		if (r < 0)
			return r;
	}
	json_decref(resp);
	resp = NULL;
	r = http("GET", "/1.0/profiles/default", NULL, &status, &resp);
	r = check("read the default profile", r, status, resp);
	if (r < 0)
		return r;
	profile = json_object_get(resp, "metadata");
	put = json_pack("{s:O, s:O, s:O}", "config", json_object_get(profile, "config"),
			"description", json_object_get(profile, "description"), "devices",
			json_object_get(profile, "devices"));
	json_object_set_new(json_object_get(put, "devices"), "root",
			    json_pack("{s:s, s:s, s:s}", "path", "/", "pool", "default", "type", "disk"));
	r = auto_network();
	if (r < 0) {
		json_decref(put);
		json_decref(resp);
		return r;
	}
	if (r > 0 && !json_object_get(json_object_get(put, "devices"), "eth0"))
		json_object_set_new(json_object_get(put, "devices"), "eth0",
				    json_pack("{s:s, s:s, s:s}", "name", "eth0", "network", "lxdbr0",
					      "type", "nic"));
	json_decref(resp);
	resp = NULL;
	r = http("PUT", "/1.0/profiles/default", put, &status, &resp);
	json_decref(put);
	r = check("update the default profile", r, status, resp);
	json_decref(resp);
	return r;
}

int init_http(const char *method, const char *path, const json_t *body, int *ret_status,
	      json_t **ret)
{
	return http(method, path, body, ret_status, ret);
}

int init_check(const char *what, int r, int status, json_t *resp)
{
	return check(what, r, status, resp);
}

static int waitready(int timeout_s)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		json_t *resp = NULL;
		int status = 0;

		if (http("GET", "/1.0", NULL, &status, &resp) >= 0 && status == 200) {
			json_decref(resp);
			return 0;
		}
		if (resp)
			json_decref(resp);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout_s > 0 && now.tv_sec - start.tv_sec >= timeout_s)
			return log_error_errno(-ETIMEDOUT, "Daemon still not running after %ds timeout", timeout_s);
		(void)poll(NULL, 0, 50);
	}
}

int coved_command(int argc, char **argv)
{
	if (streq(argv[0], "init")) {
		if (argc >= 2 && streq(argv[1], "--preseed"))
			return init_preseed();
		if (argc < 2)
			return init_interactive();
		if (!streq(argv[1], "--auto"))
			return log_error_errno(-EINVAL, "Unknown option '%s': use 'coved init' (questions), 'coved init --auto' or 'coved init --preseed'", argv[1]);
		return init_auto();
	}
	if (streq(argv[0], "waitready")) {
		int t = 0;

		if (argc >= 3 && streq(argv[1], "--timeout"))
			(void)safe_atoi(argv[2], &t);
		return waitready(t);
	}
	if (streq(argv[0], "shutdown")) {
		_cleanup_free_ char *path = socket_path();
		int t = 0;

		if (argc >= 3 && streq(argv[1], "--timeout"))
			(void)safe_atoi(argv[2], &t);
		return coved_shutdown_command(path, t);
	}
	return log_error_errno(-EINVAL, "Unknown command '%s'", argv[0]);
}
