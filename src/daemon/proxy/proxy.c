/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proxy devices: LXD's validation (its error texts) and the cove-proxy
 * processes (see proxy.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "cove/container.h"
#include "daemon.h"
#include "fileio.h"
#include "instances/instance.h"
#include "log.h"
#include "macro.h"
#include "proxy-addr.h"
#include "proxy-nat.h"
#include "proxy.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

LOG_MODULE("proxy");

#define FOREACH_STRING(x, ...) \
	for (const char *const *x##_p = (const char *const[]){ __VA_ARGS__, NULL }, *x = *x##_p; x; \
	     x = *++x##_p)

static const char *dstr(const json_t *d, const char *key)
{
	return json_string_value(json_object_get(d, key));
}

static bool dtrue(const json_t *d, const char *key)
{
	bool b = false;

	return dstr(d, key) && parse_bool(dstr(d, key), &b) >= 0 && b;
}

static bool is_proxy(const json_t *d)
{
	return streq_ptr(dstr(d, "type"), "proxy");
}

static int dev_error(const char *dev, struct cove_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int dev_error(const char *dev, struct cove_error *err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cove_err(err, -EINVAL, "Invalid devices: Device validation failed for \"%s\": %s",
			dev, msg);
}

static bool valid_id(const char *v)
{
	unsigned u;

	return safe_atou(v, &u) >= 0;
}

static bool valid_mode(const char *v)
{
	char *end;
	long m = strtol(v, &end, 8);

	return *v && !*end && m >= 0 && m <= 07777;
}

static int check_values(const char *devname, const json_t *d, struct cove_error *err)
{
	static const char *const keys[] = { "type", "listen", "connect", "bind", "mode", "nat",
					    "gid", "uid", "security.uid", "security.gid",
					    "proxy_protocol", NULL };
	static const char *const ids[] = { "uid", "gid", "security.uid", "security.gid", NULL };
	const char *k, *v;
	json_t *x;
	bool b;

	json_object_foreach ((json_t *)d, k, x)
		if (!strv_contains((char **)keys, k))
			return dev_error(devname, err, "Invalid device option \"%s\"", k);
	STRV_FOREACH(id, (char **)ids) {
		v = dstr(d, *id);
		if (!isempty(v) && !valid_id(v))
			return dev_error(devname, err, "Invalid value for device option \"%s\": Invalid value for a UID/GID \"%s\"", *id, v);
	}
	v = dstr(d, "mode");
	if (!isempty(v) && !valid_mode(v))
		return dev_error(devname, err, "Invalid value for device option \"mode\": Invalid value for an octal file mode \"%s\"", v);
	FOREACH_STRING(bk, "nat", "proxy_protocol") {
		v = dstr(d, bk);
		if (!isempty(v) && parse_bool(v, &b) < 0)
			return dev_error(devname, err, "Invalid value for device option \"%s\": Invalid value for a boolean \"%s\"", bk, v);
	}
	v = dstr(d, "bind");
	if (!isempty(v) && !streq(v, "host") && !streq(v, "instance") && !streq(v, "guest") &&
	    !streq(v, "container"))
		return dev_error(devname, err, "Invalid value for device option \"bind\": Invalid binding side given. Must be \"host\" or \"instance\"");
	return 0;
}

static int check_nat(const char *devname, const json_t *d, const struct proxy_addr *l,
		     const struct proxy_addr *c, struct cove_error *err)
{
	const char *bind = dstr(d, "bind");

	if (!isempty(bind) && !streq(bind, "host"))
		return dev_error(devname, err, "Only host-bound proxies can use NAT");
	if (l->proto == PROXY_UNIX || c->proto == PROXY_UNIX || l->proto != c->proto)
		return dev_error(devname, err, "Proxying %s <-> %s is not supported when using NAT", proxy_proto_name(l->proto), proxy_proto_name(c->proto));
	if (!l->host[0] || streq(l->host, "0.0.0.0") || streq(l->host, "::"))
		return dev_error(devname, err, "Cannot listen on wildcard address \"%s\" when in nat mode", l->host[0] ? l->host : "<nil>");
	if (!!strchr(l->host, ':') != !!strchr(c->host, ':'))
		return dev_error(devname, err, "Cannot mix IP versions between listen and connect in nat mode");
	if (strchr(l->host, ':'))
		return dev_error(devname, err, "IPv6 NAT proxies are not supported by cove yet");
	return 0;
}

int proxy_device_validate(const char *devname, const json_t *d, struct cove_error *err)
{
	struct proxy_addr l, c;
	char msg[256];
	int r;

	r = check_values(devname, d, err);
	if (r < 0)
		return r;
	FOREACH_STRING(k, "listen", "connect")
		if (isempty(dstr(d, k)))
			return dev_error(devname, err, "Required device option \"%s\" is missing", k);
	if (proxy_addr_parse(dstr(d, "listen"), &l, msg, sizeof(msg)) < 0)
		return dev_error(devname, err, "Invalid value for device option \"listen\": %s", msg);
	if (proxy_addr_parse(dstr(d, "connect"), &c, msg, sizeof(msg)) < 0)
		return dev_error(devname, err, "Invalid value for device option \"connect\": %s", msg);
	if ((l.proto != PROXY_UNIX && c.n_ports > l.n_ports) ||
	    (l.proto == PROXY_UNIX && c.n_ports > 1) ||
	    (c.n_ports > 1 && c.n_ports != l.n_ports))
		return dev_error(devname, err, "Mismatch between listen port(s) and connect port(s) count");
	if (dtrue(d, "proxy_protocol") && (c.proto != PROXY_TCP || dtrue(d, "nat")))
		return dev_error(devname, err, "The PROXY header can only be sent to tcp servers in non-nat mode");
	if ((l.proto != PROXY_UNIX || l.path[0] == '@') &&
	    (dstr(d, "uid") || dstr(d, "gid") || dstr(d, "mode")))
		return dev_error(devname, err, "Only proxy devices for non-abstract unix sockets can carry uid, gid, or mode properties");
	if (dtrue(d, "nat"))
		return check_nat(devname, d, &l, &c, err);
	/* cove's forwarder copies streams to streams and datagrams to datagrams */
	if ((l.proto == PROXY_UDP) != (c.proto == PROXY_UDP))
		return dev_error(devname, err, "Proxying %s <-> %s is not supported by cove yet", proxy_proto_name(l.proto), proxy_proto_name(c.proto));
	return 0;
}

/* ---- the processes ---- */

static char *pid_path(const char *inst, const char *dev)
{
	return xasprintf("%s/%s/proxy.%s.pid", the_daemon->lxcpath, inst, dev);
}

static const char *proxy_exe(void)
{
	static char buf[4096];
	const char *e = getenv("COVE_PROXY");
	ssize_t n;

	if (!isempty(e))
		return e;
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 32);
	if (n > 0) {
		char *slash;

		buf[n] = 0;
		slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash + 1, "cove-proxy");
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	snprintf(buf, sizeof(buf), "%s", COVE_LIBEXECDIR "/cove-proxy");
	return buf;
}

/*
 * The pid in a proxy's pid file if that process is still this device's
 * cove-proxy (and, init > 0, serves that init: not the one before a reboot).
 */
static pid_t live_pid_of(const char *inst, const char *dev, pid_t init)
{
	_cleanup_free_ char *pf = pid_path(inst, dev), *txt = NULL, *cmd = NULL, *cl = NULL;
	_cleanup_free_ char *id = xasprintf("%s/%s", inst, dev);
	unsigned pid;
	size_t n = 0;

	if (read_full_file(pf, 64, &txt, NULL) < 0 || safe_atou(strstrip(txt), &pid) < 0 || pid == 0)
		return 0;
	cl = xasprintf("/proc/%u/cmdline", pid);
	if (read_full_file(cl, 65536, &cmd, &n) < 0)
		return 0;
	/* argv: ... --id INST/DEV --pid INIT ... */
	for (size_t k = 0; k + 1 < n; k += strlen(cmd + k) + 1)
		if (streq(cmd + k, "--id") && k + 5 < n && streq(cmd + k + 5, id)) {
			size_t p = k + 5 + strlen(id) + 1;
			_cleanup_free_ char *want = xasprintf("%d", (int)init);

			if (init <= 0 || (p + 6 < n && streq(cmd + p, "--pid") && streq(cmd + p + 6, want)))
				return (pid_t)pid;
		}
	return 0;
}

static pid_t live_pid(const char *inst, const char *dev)
{
	return live_pid_of(inst, dev, 0);
}

static void stop_device(const char *inst, const char *dev)
{
	_cleanup_free_ char *pf = pid_path(inst, dev);
	pid_t pid = live_pid(inst, dev);

	if (pid > 0) {
		_cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);

		if (pfd >= 0 && syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0) == 0 &&
		    poll(&(struct pollfd){ .fd = pfd, .events = POLLIN }, 1, 5000) == 0)
			(void)syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
		if (pfd >= 0)
			(void)poll(&(struct pollfd){ .fd = pfd, .events = POLLIN }, 1, 2000);
	}
	(void)unlink(pf);
}

static char **proxy_argv(const char *inst, const char *dev, const json_t *d, pid_t pid)
{
	char **argv = NULL;
	const char *bind = dstr(d, "bind");

	strv_push_dup(&argv, proxy_exe());
	strv_push_dup(&argv, "--id");
	strv_push(&argv, xasprintf("%s/%s", inst, dev));
	strv_push_dup(&argv, "--pid");
	strv_push(&argv, xasprintf("%d", (int)pid));
	strv_push_dup(&argv, "--lxcpath");
	strv_push_dup(&argv, the_daemon->lxcpath);
	strv_push_dup(&argv, "--pidfile");
	strv_push(&argv, xasprintf("%s/%s/proxy.%s.pid", the_daemon->lxcpath, inst, dev));
	strv_push_dup(&argv, "--listen");
	strv_push_dup(&argv, dstr(d, "listen"));
	strv_push_dup(&argv, "--connect");
	strv_push_dup(&argv, dstr(d, "connect"));
	strv_push_dup(&argv, "--bind");
	strv_push_dup(&argv, isempty(bind) || streq(bind, "host") ? "host" : "instance");
	FOREACH_STRING(k, "uid", "gid", "mode", "security.uid", "security.gid") {
		const char *v = dstr(d, k);

		if (isempty(v))
			continue;
		strv_push(&argv, xasprintf("--%s", startswith(k, "security.") ? "security-uid" : k));
		if (startswith(k, "security."))
			strcpy(argv[strv_length(argv) - 1] + 11, k + 9); /* --security-uid/gid */
		strv_push(&argv, xasprintf(streq(k, "mode") ? "0%s" : "%s", v));
	}
	if (dtrue(d, "proxy_protocol"))
		strv_push_dup(&argv, "--proxy-protocol");
	return argv;
}

/* child of coved: detach (setsid, fork again), wire fds 0-4, exec */
_noreturn_ static void exec_proxy(char **argv, const char *log, int pidfd, int statusw)
{
	int lf, a, b;

	if (setsid() < 0 || fork() != 0)
		_exit(0);
	lf = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	a = fcntl(pidfd, F_DUPFD_CLOEXEC, 10);
	b = fcntl(statusw, F_DUPFD_CLOEXEC, 10);
	lf = lf < 0 ? open("/dev/null", O_WRONLY | O_CLOEXEC) : lf;
	if (lf < 0 || a < 0 || b < 0 || dup2(lf, 1) < 0 || dup2(lf, 2) < 0 || dup2(a, 3) < 0 ||
	    dup2(b, 4) < 0)
		_exit(127);
	close(0);
	(void)open("/dev/null", O_RDONLY);
	(void)syscall(SYS_close_range, 5, ~0U, 0);
	execv(argv[0], argv);
	_exit(127);
}

static int read_status(int fd, char *buf, size_t sz)
{
	size_t got = 0;

	while (got + 1 < sz) {
		ssize_t n;

		if (poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 10000) <= 0)
			break;
		n = read(fd, buf + got, sz - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	return streq(buf, "ok") ? 0 : -EIO;
}

static int start_device(const char *inst, const char *dev, const json_t *d, pid_t pid, int pidfd,
			struct cove_error *err)
{
	_cleanup_strv_free_ char **argv = proxy_argv(inst, dev, d, pid);
	_cleanup_free_ char *log = xasprintf("%s/%s/proxy.%s.log", the_daemon->lxcpath, inst, dev);
	_cleanup_close_ int rd = -EBADF;
	char buf[512];
	int p[2], st;
	pid_t child;

	stop_device(inst, dev); /* a stale one (the instance restarted) */
	if (pipe2(p, O_CLOEXEC) < 0)
		return cove_err(err, -errno, "Failed to start device \"%s\": pipe: %m", dev);
	child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return cove_err(err, -errno, "Failed to start device \"%s\": fork: %m", dev);
	}
	if (child == 0)
		exec_proxy(argv, log, pidfd, p[1]);
	close(p[1]);
	rd = p[0];
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (read_status(rd, buf, sizeof(buf)) < 0) {
		stop_device(inst, dev);
		return cove_err(err, -EINVAL,
				"Failed to start device \"%s\": Error occurred when starting proxy device: %s",
				dev, buf[0] ? buf : "the proxy process did not start (see its log)");
	}
	log_debug("Started proxy device '%s' of '%s'", dev, inst);
	return 0;
}

static int running_init(const char *inst, pid_t *ret_pid, int *ret_pidfd, struct cove_error *err)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct cove_status st;
	int r;

	*ret_pidfd = -EBADF;
	r = cove_container_new(the_daemon->lxcpath, inst, &ct, err);
	if (r < 0)
		return r;
	r = cove_container_status(ct, &st, ret_pidfd, err);
	if (r < 0)
		return r;
	*ret_pid = st.init_pid;
	if (st.init_pid <= 0 || *ret_pidfd < 0) {
		if (*ret_pidfd >= 0)
			close(*ret_pidfd);
		*ret_pidfd = -EBADF;
		return 0;
	}
	return 1;
}

static int expanded_devices(const char *inst, json_t **ret, struct cove_error *err)
{
	_cleanup_json_ json_t *config = NULL;
	struct db_instance i = { 0 };
	int r;

	r = db_instance_get(the_daemon->db, inst, &i, err);
	if (r < 0)
		return r;
	r = instance_expand(&i, &config, ret, err);
	db_instance_clear(&i);
	return r;
}

/* Start the proxies of devs (all of them, or only the missing ones). */
static int start_set(const char *inst, const json_t *devs, bool only_missing, struct cove_error *err)
{
	_cleanup_close_ int pidfd = -EBADF;
	const char *k;
	json_t *d;
	pid_t pid = 0;
	int r;

	r = running_init(inst, &pid, &pidfd, err);
	if (r <= 0)
		return r;
	json_object_foreach ((json_t *)devs, k, d) {
		if (!is_proxy(d) || dtrue(d, "nat") || (only_missing && live_pid_of(inst, k, pid) > 0))
			continue;
		r = start_device(inst, k, d, pid, pidfd, err);
		if (r < 0)
			return r;
	}
	return proxy_nat_apply(inst, devs, err);
}

int proxy_start_instance(const char *name, struct cove_error *err)
{
	_cleanup_json_ json_t *devs = NULL;
	int r;

	r = expanded_devices(name, &devs, err);
	if (r < 0)
		return r;
	r = start_set(name, devs, false, err);
	if (r < 0)
		proxy_stop_instance(name);
	return r;
}

void proxy_stop_instance(const char *name)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", the_daemon->lxcpath, name);
	_cleanup_(closedirp) DIR *dp = opendir(dir);
	struct dirent *de;

	proxy_nat_remove(name);
	while (dp && (de = readdir(dp))) {
		const char *dev = startswith(de->d_name, "proxy.");
		_cleanup_free_ char *devname = NULL;

		if (!dev || !endswith(dev, ".pid"))
			continue;
		devname = xstrndup(dev, strlen(dev) - 4);
		stop_device(name, devname);
	}
}

int proxy_update_live(const char *name, const json_t *old_devs, const json_t *new_devs,
		      struct cove_error *err)
{
	_cleanup_close_ int pidfd = -EBADF;
	_cleanup_strv_free_ char **started = NULL;
	const char *k;
	json_t *d;
	pid_t pid = 0;
	int r;

	if (running_init(name, &pid, &pidfd, NULL) <= 0)
		return 0;
	json_object_foreach ((json_t *)old_devs, k, d) {
		json_t *n = json_object_get(new_devs, k);

		if (is_proxy(d) && (!n || !json_equal(n, d)))
			stop_device(name, k);
	}
	json_object_foreach ((json_t *)new_devs, k, d) {
		json_t *o = json_object_get(old_devs, k);

		if (!is_proxy(d) || dtrue(d, "nat") || (o && json_equal(o, d) && live_pid(name, k) > 0))
			continue;
		r = start_device(name, k, d, pid, pidfd, err);
		if (r < 0)
			goto undo;
		strv_push_dup(&started, k);
	}
	r = proxy_nat_apply(name, new_devs, err);
	if (r >= 0)
		return 0;
undo:
	STRV_FOREACH(s, started)
		stop_device(name, *s);
	(void)start_set(name, old_devs, true, NULL);
	return r;
}

/* Does the running proxy of dev take the arguments it would be started with now? */
static bool same_args(const char *inst, const char *dev, const json_t *d, pid_t init)
{
	_cleanup_strv_free_ char **argv = proxy_argv(inst, dev, d, init);
	_cleanup_free_ char *cl = NULL, *cmd = NULL;
	pid_t pid = live_pid_of(inst, dev, init);
	size_t n = 0, k = 0;

	if (pid <= 0)
		return false;
	cl = xasprintf("/proc/%d/cmdline", (int)pid);
	if (read_full_file(cl, 65536, &cmd, &n) < 0)
		return false;
	STRV_FOREACH (a, argv) {
		if (a != argv && (k >= n || !streq(cmd + k, *a)))
			return false; /* argv[0] may differ (a rebuilt binary's path) */
		if (k >= n)
			return false;
		k += strlen(cmd + k) + 1;
	}
	return k == n;
}

void proxy_sync_instance(const char *name)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", the_daemon->lxcpath, name);
	_cleanup_(closedirp) DIR *dp = NULL;
	_cleanup_json_ json_t *devs = NULL;
	_cleanup_close_ int pidfd = -EBADF;
	struct cove_error err = { 0 };
	struct dirent *de;
	pid_t pid = 0;

	if (expanded_devices(name, &devs, NULL) < 0 || running_init(name, &pid, &pidfd, NULL) <= 0)
		return;
	dp = opendir(dir);
	while (dp && (de = readdir(dp))) {
		const char *dev = startswith(de->d_name, "proxy.");
		_cleanup_free_ char *devname = NULL;
		json_t *d;

		if (!dev || !endswith(dev, ".pid"))
			continue;
		devname = xstrndup(dev, strlen(dev) - 4);
		d = json_object_get(devs, devname);
		if (!d || !is_proxy(d) || dtrue(d, "nat") || !same_args(name, devname, d, pid))
			stop_device(name, devname);
	}
	if (start_set(name, devs, true, &err) < 0)
		log_warning("Failed to start the proxy devices of '%s': %s", name, err.msg);
}

void proxy_restore_instance(const char *name)
{
	_cleanup_json_ json_t *devs = NULL;
	struct cove_error err = { 0 };

	if (expanded_devices(name, &devs, NULL) < 0)
		return;
	if (start_set(name, devs, true, &err) < 0)
		log_warning("Failed to restore the proxy devices of '%s': %s", name, err.msg);
}

void proxies_restore(void)
{
	_cleanup_strv_free_ char **names = NULL;

	(void)db_instance_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names)
		proxy_restore_instance(*n);
}

json_t *proxy_expanded_devices(const struct db_instance *i)
{
	_cleanup_json_ json_t *config = NULL;
	json_t *devs = NULL;

	if (instance_expand(i, &config, &devs, NULL) < 0 || !devs)
		return json_object();
	return devs;
}

int proxy_update_instance(const struct db_instance *i, const json_t *old_devices,
			  struct cove_error *err)
{
	_cleanup_json_ json_t *devs = proxy_expanded_devices(i);

	return proxy_update_live(i->name, old_devices, devs, err);
}
