/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-proxy: the forwarder of one proxy device (LXD's forkproxy).
 *
 * coved starts it (detached: it outlives coved, like the instance's
 * monitor) with a pidfd of the container's init as fd 3 and a status pipe
 * as fd 4. It makes its listening sockets in the listen side's network
 * namespace (coved's for bind=host, the container's for bind=instance),
 * then moves into the other one, where every connecting socket is made.
 * Unix paths on the container's side go through /proc/PID/root. It writes
 * its pid file, "ok" (or "Error: ...") on the status pipe, and serves until
 * the container's init exits or it gets SIGTERM.
 *
 * Streams (tcp, unix) are copied by one thread per connection; udp by the
 * main loop, one connected socket per client address.
 *
 * When the init exits, it asks the instance's monitor: a reboot (a new
 * init, RUNNING) re-executes the proxy for the new init; otherwise it exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cove/container.h"
#include "macro.h"
#include "proxy-addr.h"

#define PIDFD_FD 3
#define STATUS_FD 4
#define MAX_FLOWS 256
#define FLOW_IDLE_SEC 60

static struct {
	const char *listen, *connect, *pidfile, *lxcpath, *id;
	bool bind_instance, proxy_protocol;
	pid_t pid;
	long uid, gid, mode, sec_uid, sec_gid;
} opt = { .uid = -1, .gid = -1, .mode = -1, .sec_uid = -1, .sec_gid = -1 };

static struct proxy_addr la, ca;
static int listeners[PROXY_MAX_PORTS];
static char unlink_path[160];
static int host_netns = -1; /* coved's, kept for a re-exec after a reboot */

struct flow {
	int fd; /* connected upstream socket, -1: free */
	int listener;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	time_t used;
};
static struct flow flows[MAX_FLOWS];

/* "Error: ..." on stderr (the log) and the status pipe, then exit */
_Noreturn static void status(int e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void status(int e, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || n > (int)sizeof(buf) - 64)
		n = (int)sizeof(buf) - 64;

	if (e) {
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s", strerror(e));
		buf[n - strlen(strerror(e))] |= 0x20; /* Go's lower-case errno texts */
	}

	fprintf(stderr, "%s\n", buf);
	if (write(STATUS_FD, buf, (size_t)n) < 0)
		(void)0;
	exit(EXIT_FAILURE);
}

/* the path a unix socket of side `in_ct` has from here */
static void unix_path(const char *path, bool in_ct, struct sockaddr_un *sun, socklen_t *len)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (path[0] == '@') {
		size_t n = strlen(path + 1);

		memcpy(sun->sun_path + 1, path + 1, n);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
		return;
	}
	if (in_ct)
		snprintf(sun->sun_path, sizeof(sun->sun_path), "/proc/%d/root%s", (int)opt.pid, path);
	else
		snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", path);
	*len = (socklen_t)sizeof(*sun);
}

static int inet_sockaddr(const struct proxy_addr *a, unsigned port, bool listen,
			 struct sockaddr_storage *ss, socklen_t *len)
{
	const char *h = a->host[0] ? a->host : listen ? "0.0.0.0" : "127.0.0.1";

	memset(ss, 0, sizeof(*ss));
	if (strchr(h, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, h, &s6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	*len = sizeof(struct sockaddr_in);
	return inet_pton(AF_INET, h, &((struct sockaddr_in *)ss)->sin_addr) == 1 ? 0 : -EINVAL;
}

static int make_listener(size_t i)
{
	struct sockaddr_storage ss;
	struct sockaddr_un sun;
	socklen_t len;
	int type = la.proto == PROXY_UDP ? SOCK_DGRAM : SOCK_STREAM, fd, one = 1;
	char what[100], m[300];

	if (la.proto == PROXY_UNIX) {
		unix_path(la.path, opt.bind_instance, &sun, &len);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			status(errno, "Error: socket%s", "");
		if (la.path[0] != '@') {
			struct stat st;

			if (lstat(sun.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
				(void)unlink(sun.sun_path);
		}
		if (bind(fd, (struct sockaddr *)&sun, len) < 0)
			status(errno, "Error: Failed to listen on %s", la.path);
		if (la.path[0] != '@') {
			snprintf(unlink_path, sizeof(unlink_path), "%s", sun.sun_path);
			if ((opt.uid >= 0 || opt.gid >= 0) &&
			    chown(sun.sun_path, (uid_t)opt.uid, (gid_t)opt.gid) < 0)
				status(errno, "Error: Failed to chown %s", la.path);
			if (chmod(sun.sun_path, opt.mode >= 0 ? (mode_t)opt.mode : 0644) < 0)
				status(errno, "Error: Failed to chmod %s", la.path);
		}
		if (listen(fd, 128) < 0)
			status(errno, "Error: Failed to listen on %s", la.path);
		return fd;
	}
	if (inet_sockaddr(&la, la.ports[i], true, &ss, &len) < 0)
		status(0, "Error: Bad listen address %s", la.host);
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		status(errno, "Error: socket%s", "");
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	snprintf(what, sizeof(what), "%s%s%s:%u", ss.ss_family == AF_INET6 ? "[" : "",
		 la.host[0] ? la.host : "0.0.0.0", ss.ss_family == AF_INET6 ? "]" : "", la.ports[i]);
	snprintf(m, sizeof(m), "Failed to listen on %s: listen %s %s: bind", what,
		 proxy_proto_name(la.proto), what);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		status(errno, "Error: %s", m);
	if (type == SOCK_STREAM && listen(fd, 128) < 0)
		status(errno, "Error: %s", m);
	return fd;
}

/* a socket connected to the connect address for listener i (blocking) */
static int connect_upstream(size_t i)
{
	struct sockaddr_storage ss;
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if (ca.proto == PROXY_UNIX) {
		unix_path(ca.path, !opt.bind_instance, &sun, &len);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, len) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	if (inet_sockaddr(&ca, ca.ports[ca.n_ports == 1 ? 0 : i], false, &ss, &len) < 0)
		return -1;
	fd = socket(ss.ss_family, (ca.proto == PROXY_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* HAProxy PROXY protocol v1 header for a client of a tcp listener */
static void send_proxy_header(int up, int client)
{
	struct sockaddr_storage src, dst;
	socklen_t sl = sizeof(src), dl = sizeof(dst);
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], hdr[160];
	int n;
	bool v6;

	if (getpeername(client, (struct sockaddr *)&src, &sl) < 0 ||
	    getsockname(client, (struct sockaddr *)&dst, &dl) < 0 ||
	    (src.ss_family != AF_INET && src.ss_family != AF_INET6))
		return;
	v6 = src.ss_family == AF_INET6;
	inet_ntop(src.ss_family, v6 ? (void *)&((struct sockaddr_in6 *)&src)->sin6_addr
				    : (void *)&((struct sockaddr_in *)&src)->sin_addr, s, sizeof(s));
	inet_ntop(dst.ss_family, v6 ? (void *)&((struct sockaddr_in6 *)&dst)->sin6_addr
				    : (void *)&((struct sockaddr_in *)&dst)->sin_addr, d, sizeof(d));
	n = snprintf(hdr, sizeof(hdr), "PROXY TCP%c %s %s %u %u\r\n", v6 ? '6' : '4', s, d,
		     ntohs(v6 ? ((struct sockaddr_in6 *)&src)->sin6_port : ((struct sockaddr_in *)&src)->sin_port),
		     ntohs(v6 ? ((struct sockaddr_in6 *)&dst)->sin6_port : ((struct sockaddr_in *)&dst)->sin_port));
	if (write(up, hdr, (size_t)n) < 0)
		(void)0;
}

static bool write_all(int fd, const char *b, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, b, (size_t)n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		n -= w;
	}
	return true;
}

struct conn {
	int client;
	size_t idx;
};

static void *conn_thread(void *p)
{
	struct conn c = *(struct conn *)p;
	struct pollfd pf[2];
	bool open_in[2] = { true, true };
	char buf[65536];
	int up;

	free(p);
	up = connect_upstream(c.idx);
	if (up < 0) {
		close(c.client);
		return NULL;
	}
	if (opt.proxy_protocol)
		send_proxy_header(up, c.client);
	pf[0] = (struct pollfd){ .fd = c.client, .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = up, .events = POLLIN };
	while (open_in[0] || open_in[1]) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int k = 0; k < 2; k++) {
			ssize_t n;

			if (!open_in[k] || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pf[k].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				open_in[k] = false;
				pf[k].fd = -1;
				(void)shutdown(k == 0 ? up : c.client, SHUT_WR);
				if (n < 0)
					open_in[0] = open_in[1] = false;
				continue;
			}
			if (!write_all(k == 0 ? up : c.client, buf, n))
				open_in[0] = open_in[1] = false;
		}
	}
	close(up);
	close(c.client);
	return NULL;
}

static void accept_one(int lfd, size_t idx)
{
	pthread_attr_t attr;
	pthread_t t;
	struct conn *c;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	c = malloc(sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	*c = (struct conn){ .client = fd, .idx = idx };
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (pthread_create(&t, &attr, conn_thread, c) != 0) {
		close(fd);
		free(c);
	}
	pthread_attr_destroy(&attr);
}

static struct flow *flow_for(int lfd, size_t idx, const struct sockaddr_storage *peer, socklen_t pl)
{
	struct flow *victim = &flows[0];
	time_t now = time(NULL);

	for (size_t k = 0; k < MAX_FLOWS; k++) {
		struct flow *f = &flows[k];

		if (f->fd >= 0 && f->listener == lfd && f->peer_len == pl && !memcmp(&f->peer, peer, pl))
			return f;
		if (f->fd < 0 || f->used < victim->used || (victim->fd >= 0 && now - f->used > FLOW_IDLE_SEC))
			victim = f;
	}
	if (victim->fd >= 0)
		close(victim->fd);
	victim->fd = connect_upstream(idx);
	if (victim->fd < 0)
		return NULL;
	victim->listener = lfd;
	victim->peer = *peer;
	victim->peer_len = pl;
	return victim;
}

static void udp_in(int lfd, size_t idx)
{
	char buf[65536];
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	ssize_t n = recvfrom(lfd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&peer, &pl);
	struct flow *f;

	if (n < 0)
		return;
	f = flow_for(lfd, idx, &peer, pl);
	if (!f)
		return;
	f->used = time(NULL);
	(void)send(f->fd, buf, (size_t)n, MSG_DONTWAIT);
}

static void udp_back(struct flow *f)
{
	char buf[65536];
	ssize_t n = recv(f->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0) {
		if (errno != EAGAIN) {
			close(f->fd);
			f->fd = -1;
		}
		return;
	}
	f->used = time(NULL);
	(void)sendto(f->listener, buf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&f->peer, f->peer_len);
}

/*
 * The init is gone. After a reboot the monitor runs a new one: exec again
 * for it (same pid, same pid file; the listeners close on exec and are
 * made anew in the new namespace). Returns if the instance stopped.
 */
static void follow_reboot(char **argv)
{
	_cleanup_free_ char *name = NULL;
	const char *slash = opt.id ? strchr(opt.id, '/') : NULL;

	if (!opt.lxcpath || !slash)
		return;
	name = strndup(opt.id, (size_t)(slash - opt.id));
	for (int i = 0; name && i < 300; i++) {
		_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
		struct cove_status st;
		int pidfd = -1;
		char pid[16];

		if (cove_container_new(opt.lxcpath, name, &ct, NULL) < 0 ||
		    cove_container_status(ct, &st, &pidfd, NULL) < 0 || st.state == COVE_STATE_STOPPED)
			return;
		if (st.state == COVE_STATE_RUNNING && st.init_pid > 0 && st.init_pid != opt.pid &&
		    pidfd >= 0) {
			for (int k = 0; argv[k]; k++)
				if (!strcmp(argv[k], "--pid") && argv[k + 1]) {
					snprintf(pid, sizeof(pid), "%d", (int)st.init_pid);
					argv[k + 1] = pid;
				}
			if (setns(host_netns, CLONE_NEWNET) < 0 || dup2(pidfd, PIDFD_FD) < 0)
				return;
			(void)dup2(open("/dev/null", O_WRONLY | O_CLOEXEC), STATUS_FD);
			fprintf(stderr, "Status: the instance rebooted, following its new init %d\n",
				(int)st.init_pid);
			execv("/proc/self/exe", argv);
			return;
		}
		if (pidfd >= 0)
			close(pidfd);
		usleep(100000);
	}
}

static int serve(int sigfd)
{
	bool init_gone = false;
	size_t nl = la.proto == PROXY_UNIX ? 1 : la.n_ports, np;
	struct pollfd *pf = calloc(nl + MAX_FLOWS + 2, sizeof(*pf));
	struct flow *pmap[MAX_FLOWS];

	if (!pf)
		return EXIT_FAILURE;
	for (;;) {
		np = 0;
		pf[np++] = (struct pollfd){ .fd = PIDFD_FD, .events = POLLIN };
		pf[np++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		for (size_t k = 0; k < nl; k++)
			pf[np++] = (struct pollfd){ .fd = listeners[k], .events = POLLIN };
		for (size_t k = 0; k < MAX_FLOWS; k++)
			if (flows[k].fd >= 0) {
				pmap[np - 2 - nl] = &flows[k];
				pf[np++] = (struct pollfd){ .fd = flows[k].fd, .events = POLLIN };
			}
		if (poll(pf, (nfds_t)np, 30000) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break; /* SIGTERM */
		if (pf[0].revents) {
			init_gone = true;
			break; /* the container's init is gone */
		}
		for (size_t k = 0; k < nl; k++) {
			if (!(pf[2 + k].revents & POLLIN))
				continue;
			if (la.proto == PROXY_UDP)
				udp_in(listeners[k], k);
			else
				accept_one(listeners[k], k);
		}
		for (size_t k = 2 + nl; k < np; k++)
			if (pf[k].revents)
				udp_back(pmap[k - 2 - nl]);
	}
	if (unlink_path[0])
		(void)unlink(unlink_path);
	if (init_gone)
		return -1;
	if (opt.pidfile)
		(void)unlink(opt.pidfile);
	return EXIT_SUCCESS;
}

static long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 0);

	return *s && !*end && v >= 0 ? v : -1;
}

static void parse_args(int argc, char **argv)
{
	static const struct option o[] = {
		{ "listen", 1, NULL, 'l' }, { "connect", 1, NULL, 'c' }, { "bind", 1, NULL, 'b' },
		{ "pid", 1, NULL, 'p' },    { "pidfile", 1, NULL, 'f' }, { "uid", 1, NULL, 'u' },
		{ "gid", 1, NULL, 'g' },    { "mode", 1, NULL, 'm' },    { "security-uid", 1, NULL, 'U' },
		{ "security-gid", 1, NULL, 'G' }, { "proxy-protocol", 0, NULL, 'P' },
		{ "id", 1, NULL, 'i' },     { "lxcpath", 1, NULL, 'L' }, {}
	};
	int c;

	while ((c = getopt_long(argc, argv, "", o, NULL)) >= 0)
		switch (c) {
		case 'l': opt.listen = optarg; break;
		case 'c': opt.connect = optarg; break;
		case 'b': opt.bind_instance = strcmp(optarg, "host") != 0; break;
		case 'p': opt.pid = (pid_t)num(optarg); break;
		case 'f': opt.pidfile = optarg; break;
		case 'u': opt.uid = num(optarg); break;
		case 'g': opt.gid = num(optarg); break;
		case 'm': opt.mode = num(optarg); break;
		case 'U': opt.sec_uid = num(optarg); break;
		case 'G': opt.sec_gid = num(optarg); break;
		case 'P': opt.proxy_protocol = true; break;
		case 'i': opt.id = optarg; break; /* INSTANCE/DEVICE, also for coved's checks */
		case 'L': opt.lxcpath = optarg; break;
		default: status(0, "Error: bad arguments%s", "");
		}
	if (!opt.listen || !opt.connect || opt.pid <= 0)
		status(0, "Error: --listen, --connect and --pid are required%s", "");
}

int main(int argc, char **argv)
{
	char msg[256], path[64];
	int hostns, ctns, sigfd;
	sigset_t ss;
	FILE *f;

	parse_args(argc, argv);
	if (proxy_addr_parse(opt.listen, &la, msg, sizeof(msg)) < 0 ||
	    proxy_addr_parse(opt.connect, &ca, msg, sizeof(msg)) < 0)
		status(0, "Error: %s", msg);
	for (size_t k = 0; k < MAX_FLOWS; k++)
		flows[k].fd = -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)opt.pid);
	hostns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ctns = open(path, O_RDONLY | O_CLOEXEC);
	/* the pid is still the container's init: its pidfd has not signalled */
	if (hostns < 0 || ctns < 0 || poll(&(struct pollfd){ .fd = PIDFD_FD, .events = POLLIN }, 1, 0) != 0)
		status(0, "Error: The instance is not running%s", "");
	if (opt.bind_instance && setns(ctns, CLONE_NEWNET) < 0)
		status(errno, "Error: setns%s", "");
	for (size_t k = 0; k < (la.proto == PROXY_UNIX ? 1 : la.n_ports); k++)
		listeners[k] = make_listener(k);
	if (setns(opt.bind_instance ? hostns : ctns, CLONE_NEWNET) < 0)
		status(errno, "Error: setns%s", "");
	host_netns = hostns;
	close(ctns);
	if (opt.sec_gid >= 0 && (setgroups(0, NULL) < 0 || setresgid((gid_t)opt.sec_gid, (gid_t)opt.sec_gid, (gid_t)opt.sec_gid) < 0))
		status(errno, "Error: Failed to set gid%s", "");
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &ss, SFD_CLOEXEC);
	if (opt.pidfile) {
		f = fopen(opt.pidfile, "we");
		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
			status(errno, "Error: Failed to write %s", opt.pidfile);
	}
	if (opt.sec_uid >= 0 && setresuid((uid_t)opt.sec_uid, (uid_t)opt.sec_uid, (uid_t)opt.sec_uid) < 0)
		status(errno, "Error: Failed to set uid%s", "");
	fprintf(stderr, "Status: Started\n");
	if (write(STATUS_FD, "ok", 2) < 0)
		(void)0;
	close(STATUS_FD);
	if (serve(sigfd) < 0) {
		follow_reboot(argv);
		if (opt.pidfile)
			(void)unlink(opt.pidfile);
	}
	return EXIT_SUCCESS;
}
