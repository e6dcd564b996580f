/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small daemon helpers: time stamps, ids, secrets, hashing, JSON text. */
#include <errno.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>

#include "alloc.h"
#include "util.h"

char *util_now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

static void random_bytes(unsigned char *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = getrandom(b + got, n - got, 0);

		if (k > 0)
			got += (size_t)k;
	}
}

static void hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = 0;
}

void util_uuid(char ret[static 37])
{
	unsigned char b[16];

	random_bytes(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	sprintf(ret, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
		b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		b[14], b[15]);
}

void util_secret(char ret[static 65])
{
	unsigned char b[32];

	random_bytes(b, sizeof(b));
	hex(b, sizeof(b), ret);
}

void util_sha256_hex(const void *data, size_t len, char ret[static 65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	hex(md, 32, ret);
}

char *util_json_etag(const json_t *v)
{
	_cleanup_free_ char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	char h[65];

	util_sha256_hex(s ? s : "", s ? strlen(s) : 0, h);
	return xstrdup(h);
}

bool util_json_is_string_map(const json_t *v)
{
	const char *k;
	json_t *x;

	if (!json_is_object(v))
		return false;
	json_object_foreach((json_t *)v, k, x)
		if (!json_is_string(x))
			return false;
	return true;
}

const char *util_arch(void)
{
	static char arch[65];
	struct utsname u;

	if (!arch[0]) {
		uname(&u);
		snprintf(arch, sizeof(arch), "%s", u.machine);
	}
	return arch;
}

int util_run(char *const argv[], struct cove_error *err)
{
	extern char **environ;
	int status, r;
	pid_t pid;

	r = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (r != 0)
		return cove_err(err, -r, "Failed to run '%s': %s", argv[0], strerror(r));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cove_err(err, -errno, "Failed to wait for '%s': %m", argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cove_err(err, -EIO, "'%s' failed (status %d)", argv[0],
				WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
