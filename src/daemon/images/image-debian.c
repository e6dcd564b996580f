/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `cove image build debian`: the LXC half's debian template (cove-debian:
 * debootstrap from the host's apt mirror, cached in /var/cache/cove/debian)
 * turned into a unified image: metadata.yaml with hostname and hosts
 * templates (rendered on create and copy), rootfs/, templates/.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "fileio.h"
#include "image.h"
#include "macro.h"
#include "strutil.h"
#include "util.h"

static const char debian_metadata[] =
	"architecture: %s\n"
	"creation_date: %lld\n"
	"properties:\n"
	"  architecture: %s\n"
	"  description: Debian %s %s (built by coved)\n"
	"  name: debian-%s\n"
	"  os: debian\n"
	"  release: %s\n"
	"  serial: \"%lld%09ld\"\n"
	"templates:\n"
	"  /etc/hostname:\n"
	"    when: [create, copy]\n"
	"    template: hostname.tpl\n"
	"  /etc/hosts:\n"
	"    when: [create, copy]\n"
	"    template: hosts.tpl\n";

static const char hosts_tpl[] =
	"127.0.0.1\tlocalhost\n"
	"127.0.1.1\t{{ container.name }}\n"
	"::1\t\tlocalhost ip6-localhost ip6-loopback\n"
	"ff02::1\t\tip6-allnodes\n"
	"ff02::2\t\tip6-allrouters\n";

bool image_release_valid(const char *r)
{
	size_t n = r ? strlen(r) : 0;

	if (n == 0 || n > 32 || !(r[0] >= 'a' && r[0] <= 'z'))
		return false;
	return strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n;
}

/* cove-debian: $COVE_TEMPLATES_DIR, the build tree (next to coved), DATADIR/templates */
static char *find_script(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *env = getenv("COVE_TEMPLATES_DIR");
	_cleanup_free_ char *build = NULL;
	const char *dirs[3];

	if (n > 0) {
		char *slash;

		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			build = xasprintf("%s/../../templates", self);
		}
	}
	dirs[0] = env;
	dirs[1] = build;
	dirs[2] = COVE_DATADIR "/templates";
	for (size_t i = 0; i < 3; i++) {
		_cleanup_free_ char *p = NULL;

		if (isempty(dirs[i]))
			continue;
		p = xasprintf("%s/cove-debian", dirs[i]);
		if (access(p, X_OK) == 0)
			return TAKE_PTR(p);
	}
	return NULL;
}

/* Run argv with stderr into log; on failure the message is the log's last line. */
static int run_logged(char *const argv[], const char *log, struct cove_error *err)
{
	extern char **environ;
	posix_spawn_file_actions_t fa;
	_cleanup_free_ char *text = NULL;
	int status, r;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return cove_err(err, -r, "Failed to run '%s': %s", argv[0], strerror(r));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cove_err(err, -errno, "Failed to wait for '%s': %m", argv[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (read_full_file(log, 65536, &text, NULL) >= 0) {
		char *s = strstrip(text), *nl = strrchr(s, '\n');

		if (*s)
			return cove_err(err, -EIO, "%s", nl ? nl + 1 : s);
	}
	return cove_err(err, -EIO, "'%s' failed (status %d)", argv[0],
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/*
 * coved stops instances with SIGPWR (lxc.signal.halt, as LXD does): systemd
 * reaches sigpwr.target, and this unit (as upstream systemd's own
 * sigpwr-container-shutdown.service, which Debian does not ship) powers off.
 */
static const char sigpwr_unit[] =
	"[Unit]\n"
	"Description=Power off the container on SIGPWR\n"
	"DefaultDependencies=no\n"
	"ConditionVirtualization=container\n"
	"\n"
	"[Service]\n"
	"Type=oneshot\n"
	"ExecStart=/bin/systemctl --no-block poweroff\n"
	"\n"
	"[Install]\n"
	"WantedBy=sigpwr.target\n";

static int add_sigpwr_unit(const char *rootfs, struct cove_error *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/etc/systemd/system", rootfs);
	_cleanup_free_ char *unit = xasprintf("%s/sigpwr-container-shutdown.service", dir);
	_cleanup_free_ char *wants = xasprintf("%s/sigpwr.target.wants", dir);
	_cleanup_free_ char *link = xasprintf("%s/sigpwr-container-shutdown.service", wants);
	int r;

	r = mkdir_p(wants, 0755);
	if (r >= 0)
		r = write_file_atomic(unit, sigpwr_unit, strlen(sigpwr_unit), 0644);
	if (r >= 0 && symlink("/etc/systemd/system/sigpwr-container-shutdown.service", link) < 0 &&
	    errno != EEXIST)
		r = -errno;
	if (r < 0)
		return cove_err(err, r, "Failed to add the SIGPWR unit: %s", strerror(-r));
	return 0;
}

static int write_meta(const char *dir, const char *release, struct cove_error *err)
{
	_cleanup_free_ char *md = NULL, *p = xasprintf("%s/metadata.yaml", dir);
	_cleanup_free_ char *t = xasprintf("%s/templates", dir), *h = NULL, *hs = NULL;
	struct timespec now;
	int r;

	clock_gettime(CLOCK_REALTIME, &now);
	md = xasprintf(debian_metadata, util_arch(), (long long)now.tv_sec, util_arch(), release,
		       util_arch(), release, release, (long long)now.tv_sec, now.tv_nsec);
	r = write_file_atomic(p, md, strlen(md), 0644);
	if (r >= 0 && mkdir(t, 0755) < 0)
		r = -errno;
	h = xasprintf("%s/hostname.tpl", t);
	hs = xasprintf("%s/hosts.tpl", t);
	if (r >= 0)
		r = write_file_atomic(h, "{{ container.name }}\n", strlen("{{ container.name }}\n"), 0644);
	if (r >= 0)
		r = write_file_atomic(hs, hosts_tpl, strlen(hosts_tpl), 0644);
	if (r < 0)
		return cove_err(err, r, "Failed to write the image metadata: %s", strerror(-r));
	return 0;
}

int image_build_debian(const char *images_dir, const char *release, struct image_progress *p,
		       struct image_result *ret, struct cove_error *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/.build.XXXXXX", images_dir), *script = find_script();
	_cleanup_free_ char *rootfs = NULL, *tarball = NULL, *log = NULL, *conf = NULL;
	_cleanup_free_ char *a_path = NULL, *a_rootfs = NULL, *a_rel = NULL;
	int r;

	if (!image_release_valid(release))
		return cove_err(err, -EINVAL, "Invalid Debian release '%s'", release ?: "");
	if (!script)
		return cove_err(err, -ENOENT, "The debian template (cove-debian) is not installed");
	if (!mkdtemp(dir))
		return cove_err(err, -errno, "Failed to make a build directory: %m");
	rootfs = xasprintf("%s/rootfs", dir);
	tarball = xasprintf("%s.tar.gz", dir);
	log = xasprintf("%s.log", dir);
	conf = xasprintf("LXC_CONFIG_FILE=%s/lxc.conf", dir);
	a_path = xasprintf("--path=%s", dir);
	a_rootfs = xasprintf("--rootfs=%s", rootfs);
	a_rel = xasprintf("--release=%s", release);
	if (mkdir(rootfs, 0755) < 0) {
		r = cove_err(err, -errno, "Failed to make '%s': %m", rootfs);
		goto fail;
	}
	image_progress_set(p, "debootstrap %s (from the cache if there is one)", release);
	r = run_logged((char *[]){ "env", conf, script, a_path, a_rootfs, "--name=debian", a_rel,
				   NULL },
		       log, err);
	if (r < 0)
		goto fail;
	(void)unlink(conf + strlen("LXC_CONFIG_FILE="));
	r = add_sigpwr_unit(rootfs, err);
	if (r >= 0)
		r = write_meta(dir, release, err);
	if (r < 0)
		goto fail;
	image_progress_set(p, "Packing the image");
	r = run_logged((char *[]){ "tar", "--numeric-owner", "--xattrs", "--sort=name", "-C", dir,
				   "-czf", tarball, "metadata.yaml", "templates", "rootfs", NULL },
		       log, err);
	if (r < 0)
		goto fail;
	ret->filename = xasprintf("debian-%s.tar.gz", release);
	image_progress_set(p, "Storing the image");
	r = image_commit(images_dir, dir, tarball, ret, err);
	if (r < 0)
		goto fail;
	(void)unlink(log);
	return 0;
fail:
	(void)rm_rf(dir);
	(void)unlink(tarball);
	(void)unlink(log);
	return r;
}
