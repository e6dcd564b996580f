/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The client side of the monitor control socket (monitor-proto.h): status,
 * start (spawning cove-monitor), stop, wait and console, as declared in
 * include/cove/container.h. A container without a live monitor is STOPPED.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup-limits.h"
#include "cove/container.h"
#include "fileio.h"
#include "monitor-proto.h"
#include "start.h"
#include "strutil.h"
#include "strv.h"

int cove_monitor_addr(int dirfd, bool in_rundir, struct sockaddr_un *sa, socklen_t *len)
{
	struct stat st;

	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if (!in_rundir)
		snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dirfd,
			 COVE_MONITOR_SOCKET);
	else if (fstat(dirfd, &st) < 0)
		return -errno;
	else
		snprintf(sa->sun_path, sizeof(sa->sun_path), COVE_MONITOR_RUNDIR "/%llx-%llx",
			 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1);
	return 0;
}

int cove_monitor_connect_at(int fd, int dfd, bool in_rundir, bool *refused)
{
	struct sockaddr_un sa;
	socklen_t len;
	int r;

	r = cove_monitor_addr(dfd, in_rundir, &sa, &len);
	if (r < 0)
		return r;
	if (connect(fd, (struct sockaddr *)&sa, len) == 0)
		return 1;
	/* Nobody listens: the monitor died; a frozen container would be left running. */
	*refused |= errno == ECONNREFUSED;
	if (errno == ENOENT || errno == ECONNREFUSED || (in_rundir && errno == EACCES))
		return 0;
	return -errno;
}

void cove_container_forget_socket(const char *dir)
{
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -EBADF;
	struct sockaddr_un sa;
	socklen_t len;
	bool refused = false;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (dfd < 0 || fd < 0 || cove_monitor_connect_at(fd, dfd, true, &refused) != 0 || !refused)
		return;
	if (cove_monitor_addr(dfd, true, &sa, &len) == 0)
		(void)unlink(sa.sun_path);
}

/* Connect to the monitor of ct. Returns 1 with *ret_fd, 0 when there is none (STOPPED). */
static int monitor_connect(const struct cove_container *ct, int *ret_fd, struct cove_error *err)
{
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	bool refused = false;
	int r;

	dfd = open(ct->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return cove_err(err, -errno, "Failed to open '%s': %m", ct->dir);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to create a socket: %m");
	r = cove_monitor_connect_at(fd, dfd, true, &refused);
	if (r == 0)
		r = cove_monitor_connect_at(fd, dfd, false, &refused);
	if (r < 0)
		return cove_err(err, r, "Failed to connect to the monitor of '%s': %s", ct->name,
				strerror(-r));
	if (r == 0) {
		if (refused)
			(void)cove_cgroup_reap_orphans(ct->name);
		return 0;
	}
	*ret_fd = TAKE_FD(fd);
	return 1;
}

static int send_req(int fd, int cmd, int arg, int timeout, unsigned flags)
{
	struct cove_mon_req q = { .version = COVE_MON_VERSION, .cmd = (uint32_t)cmd, .arg = arg,
				  .timeout = timeout, .flags = flags };

	if (RETRY_EINTR(send(fd, &q, sizeof(q), MSG_NOSIGNAL)) < 0)
		return -errno;
	return 0;
}

/*
 * Read one reply. Returns 1 with *resp, 0 when the monitor closed the
 * connection (it exited: the container is STOPPED), -ETIMEDOUT, -errno.
 */
static int recv_resp(int fd, struct cove_mon_resp *resp, int *ret_fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int dummy, r;
	ssize_t n;

	if (timeout_ms >= 0) {
		r = RETRY_EINTR(poll(&p, 1, timeout_ms));
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
	}
	n = recv_fds(fd, resp, sizeof(*resp), ret_fd ? ret_fd : &dummy, 1);
	if (!ret_fd && dummy >= 0)
		(void)close(dummy);
	if (n == -ECONNRESET || n == 0)
		return 0;
	if (n < 0)
		return (int)n;
	if ((size_t)n != sizeof(*resp) || resp->version != COVE_MON_VERSION)
		return -EPROTO;
	resp->msg[sizeof(resp->msg) - 1] = 0;
	resp->cgroup[sizeof(resp->cgroup) - 1] = 0;
	return 1;
}

static int resp_error(const struct cove_mon_resp *resp, struct cove_error *err)
{
	if (resp->msg[0])
		return cove_err(err, resp->ret, "%s", resp->msg);
	return cove_err(err, resp->ret, "%s", strerror(-resp->ret));
}

int cove_container_status(const struct cove_container *ct, struct cove_status *ret,
			  int *ret_pidfd, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF, pidfd = -EBADF;
	struct cove_mon_resp resp;
	int r;

	*ret = (struct cove_status){ .state = COVE_STATE_STOPPED };
	if (ret_pidfd)
		*ret_pidfd = -EBADF;
	r = monitor_connect(ct, &fd, err);
	if (r <= 0)
		return r;
	r = send_req(fd, COVE_MON_STATUS, 0, 0, 0);
	if (r == -EPIPE || r == -ECONNRESET)
		return 0;
	if (r < 0)
		return cove_err(err, r, "Failed to ask the monitor of '%s': %s", ct->name, strerror(-r));
	r = recv_resp(fd, &resp, &pidfd, -1);
	if (r == 0)
		return 0;
	if (r < 0)
		return cove_err(err, r, "Failed to read from the monitor of '%s': %s", ct->name,
				strerror(-r));
	if (resp.ret < 0)
		return resp_error(&resp, err);
	ret->state = (int)resp.state;
	ret->init_pid = resp.init_pid;
	snprintf(ret->cgroup, sizeof(ret->cgroup), "%s", resp.cgroup);
	if (ret_pidfd)
		*ret_pidfd = TAKE_FD(pidfd);
	return 0;
}

/*
 * STATUS for attach (COVE_MON_ATTACH): also the container's compiled seccomp
 * filter (see attach-internal.h). Both fds come back only when RUNNING.
 */
int cove_container_attach_status(const struct cove_container *ct, struct cove_status *ret,
				 int *ret_pidfd, int *ret_bpf_fd, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct cove_mon_resp resp;
	int fds[2], r;
	ssize_t n;

	*ret = (struct cove_status){ .state = COVE_STATE_STOPPED };
	*ret_pidfd = *ret_bpf_fd = -EBADF;
	r = monitor_connect(ct, &fd, err);
	if (r <= 0)
		return r;
	r = send_req(fd, COVE_MON_ATTACH, 0, 0, 0);
	if (r == -EPIPE || r == -ECONNRESET)
		return 0;
	if (r < 0)
		return cove_err(err, r, "Failed to ask the monitor of '%s': %s", ct->name, strerror(-r));
	n = recv_fds(fd, &resp, sizeof(resp), fds, 2);
	if (n == -ECONNRESET || n == 0)
		return 0;
	if (n < 0 || (size_t)n != sizeof(resp) || resp.version != COVE_MON_VERSION) {
		r = n < 0 ? (int)n : -EPROTO;
		goto fail;
	}
	resp.msg[sizeof(resp.msg) - 1] = 0;
	resp.cgroup[sizeof(resp.cgroup) - 1] = 0;
	if (resp.ret < 0) {
		safe_close(fds[0]);
		safe_close(fds[1]);
		if (resp.ret == -EOPNOTSUPP) /* a monitor from before the hand-over */
			return cove_err(err, -EOPNOTSUPP,
					"The monitor of '%s' is too old for this cove-attach: "
					"restart the container", ct->name);
		return resp_error(&resp, err);
	}
	ret->state = (int)resp.state;
	ret->init_pid = resp.init_pid;
	snprintf(ret->cgroup, sizeof(ret->cgroup), "%s", resp.cgroup);
	*ret_pidfd = fds[0];
	*ret_bpf_fd = fds[1];
	return 0;
fail:
	safe_close(fds[0]);
	safe_close(fds[1]);
	return cove_err(err, r, "Failed to read from the monitor of '%s': %s", ct->name,
			strerror(-r));
}

static char **monitor_argv(const struct cove_container *ct, const struct cove_start_opts *o,
			   int sync_fd, int term_in, int term_out, int netns_chan)
{
	char **l = NULL;

	/* forked (monitor_main): no binary to find, the name is only for ps */
	strv_push_dup(&l, o->monitor_main ? "cove-monitor" : cove_monitor_path());
	strv_push(&l, xasprintf("--sync-fd=%d", sync_fd));
	strv_push(&l, xasprintf("--name=%s", ct->name));
	strv_push(&l, xasprintf("--lxcpath=%s", ct->lxcpath));
	if (o->rcfile)
		strv_push(&l, xasprintf("--rcfile=%s", o->rcfile));
	STRV_FOREACH(d, (char *const *)o->defines)
		strv_push(&l, xasprintf("--define=%s", *d));
	if (o->logfile)
		strv_push(&l, xasprintf("--logfile=%s", o->logfile));
	if (o->loglevel)
		strv_push(&l, xasprintf("--logpriority=%s", o->loglevel));
	if (o->console_path)
		strv_push(&l, xasprintf("--console=%s", o->console_path));
	if (netns_chan >= 0)
		strv_push(&l, xasprintf("--netns-chan=%d", netns_chan));
	if (o->foreground) {
		strv_push_dup(&l, "--foreground");
		strv_push(&l, xasprintf("--terminal-in=%d", term_in));
		strv_push(&l, xasprintf("--terminal-out=%d", term_out));
	}
	if (o->init_argv && o->init_argv[0]) {
		strv_push_dup(&l, "--");
		STRV_FOREACH(a, (char *const *)o->init_argv)
			strv_push_dup(&l, *a);
	}
	return l;
}

/*
 * A fork of ours runs monitor_main; as root it gets the netns from us
 * (*ret_chan, cove_netns_offer()). Else posix_spawn (vfork semantics): the
 * caller sleeps only until the exec.
 */
static int spawn_direct(const struct cove_container *ct, const struct cove_start_opts *o,
			int sync_fd, int *ret_chan, struct cove_error *err)
{
	_cleanup_strv_free_ char **argv = NULL;
	_cleanup_close_ int in = -EBADF, out = -EBADF, chan = -EBADF, theirs = -EBADF;
	pid_t pid;
	int r, sv[2];

	if (o->foreground) {
		in = fcntl(0, F_DUPFD, 3);
		out = fcntl(1, F_DUPFD, 3);
	}
	if (o->monitor_main && geteuid() == 0 &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0) {
		chan = sv[0];
		theirs = sv[1];
	}
	argv = monitor_argv(ct, o, sync_fd, in, out, theirs);
	if (o->monitor_main) {
		if (theirs >= 0)
			cove_netns_fork_prepare();
		pid = fork();
		if (pid < 0)
			return cove_err(err, -errno, "Failed to fork: %m");
		if (pid == 0)
			_exit(o->monitor_main((int)strv_length(argv), argv));
		if (theirs >= 0)
			cove_netns_fork_place(pid);
		*ret_chan = TAKE_FD(chan);
		return 0;
	}
	(void)fd_cloexec(sync_fd, false);
	r = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	(void)fd_cloexec(sync_fd, true);
	if (r != 0)
		return cove_err(err, -r, "Failed to run '%s': %s", argv[0], strerror(r));
	return 0;
}

/*
 * Fork twice so that the monitor is nobody's child (a long-lived caller such
 * as the daemon would otherwise collect zombies); only sync_fd and, in
 * foreground mode, copies of our stdin/stdout reach it.
 */
static int spawn_monitor(const struct cove_container *ct, const struct cove_start_opts *o,
			 int sync_fd, int *ret_chan, struct cove_error *err)
{
	_cleanup_strv_free_ char **argv = NULL;
	int status;
	pid_t pid;

	if (o->spawn_direct)
		return spawn_direct(ct, o, sync_fd, ret_chan, err);
	pid = fork();
	if (pid < 0)
		return cove_err(err, -errno, "Failed to fork: %m");
	if (pid == 0) {
		int in = -1, out = -1;

		if (fork() != 0)
			_exit(0);
		if (o->foreground) {
			in = fcntl(0, F_DUPFD, 3);
			out = fcntl(1, F_DUPFD, 3);
		}
		(void)fd_cloexec(sync_fd, false);
		argv = monitor_argv(ct, o, sync_fd, in, out, -1);
		execv(argv[0], argv);
		_exit(127);
	}
	(void)RETRY_EINTR(waitpid(pid, &status, 0));
	return 0;
}

/*
 * -F: proxy nothing ourselves (the monitor relays our terminal); keep it raw
 * until EOF. A window-size change (SIGWINCH) is one byte to the monitor,
 * which gives the console the terminal's new size.
 */
static int foreground_wait(int sync_fd)
{
	struct termios saved, raw;
	bool tty = isatty(0) && tcgetattr(0, &saved) == 0;
	_cleanup_close_ int sfd = -EBADF;
	sigset_t set, old;
	char c;

	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	(void)sigprocmask(SIG_BLOCK, &set, &old);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		(void)tcsetattr(0, TCSAFLUSH, &raw);
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = sync_fd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
		struct signalfd_siginfo si;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((p[1].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si))
			(void)send(sync_fd, "w", 1, MSG_NOSIGNAL);
		if (p[0].revents) {
			ssize_t n = recv(sync_fd, &c, 1, MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				break;
		}
	}
	if (tty)
		(void)tcsetattr(0, TCSAFLUSH, &saved);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}

int cove_container_start(struct cove_container *ct, const struct cove_start_opts *o,
			 struct cove_error *err)
{
	_cleanup_close_ int ours = -EBADF, theirs = -EBADF, chan = -EBADF;
	struct cove_mon_sync s;
	int sv[2], r;
	ssize_t n;

	if (!o->rcfile) {
		r = cove_container_require(ct, err);
		if (r < 0)
			return r;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cove_err(err, -errno, "Failed to create a socket pair: %m");
	ours = sv[0];
	theirs = sv[1];
	r = spawn_monitor(ct, o, theirs, &chan, err);
	if (r < 0)
		return r;
	theirs = safe_close(theirs);
	if (chan >= 0) {
		_cleanup_free_ char *config = o->rcfile ? NULL : path_join(ct->dir, "config");

		cove_netns_offer(o->rcfile ? o->rcfile : config, (char *const *)o->defines, chan);
		chan = safe_close(chan);
	}
	n = RETRY_EINTR(recv(ours, &s, sizeof(s), 0));
	if (n < 0)
		return cove_err(err, -errno, "Failed to read from the monitor: %m");
	if (n == 0)
		return cove_err(err, -ECHILD, "The monitor '%s' exited before reporting",
				cove_monitor_path());
	if ((size_t)n != sizeof(s))
		return cove_err(err, -EPROTO, "Short message from the monitor");
	s.msg[sizeof(s.msg) - 1] = 0;
	if (s.type == COVE_MON_SYNC_ERROR)
		return cove_err(err, s.code < 0 ? s.code : -EIO, "%s", s.msg);
	if (o->pidfile) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d\n", (int)s.code);
		r = write_file_atomic(o->pidfile, buf, strlen(buf), 0644);
		if (r < 0)
			return cove_err(err, r, "Failed to write pid file '%s': %s", o->pidfile,
					strerror(-r));
	}
	if (o->foreground)
		return foreground_wait(ours);
	return 0;
}

int cove_container_stop(const struct cove_container *ct, enum cove_stop_mode mode, int timeout,
			bool nokill, bool nowait, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct cove_mon_resp resp;
	unsigned flags = (nokill ? COVE_MON_F_NOKILL : 0) | (nowait ? COVE_MON_F_NOWAIT : 0);
	int r;

	r = monitor_connect(ct, &fd, err);
	if (r < 0)
		return r;
	if (r == 0)
		return cove_err(err, -ENOTCONN, "Container '%s' is not running", ct->name);
	r = send_req(fd, COVE_MON_STOP, (int)mode, timeout, flags);
	if (r == -EPIPE || r == -ECONNRESET)
		return cove_err(err, -ENOTCONN, "Container '%s' is not running", ct->name);
	if (r < 0)
		return cove_err(err, r, "Failed to ask the monitor of '%s': %s", ct->name, strerror(-r));
	r = recv_resp(fd, &resp, NULL, -1);
	if (r == 0)
		return 0; /* the monitor exited: stopped */
	if (r < 0)
		return cove_err(err, r, "Failed to read from the monitor of '%s': %s", ct->name,
				strerror(-r));
	if (resp.ret == -EAGAIN && resp.state == COVE_STATE_STOPPED)
		return cove_err(err, -ENOTCONN, "Container '%s' is not running", ct->name);
	if (resp.ret < 0)
		return resp_error(&resp, err);
	return 0;
}

int cove_container_freeze(const struct cove_container *ct, bool freeze, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct cove_mon_resp resp;
	int r;

	r = monitor_connect(ct, &fd, err);
	if (r < 0)
		return r;
	if (r == 0)
		return cove_err(err, -ENOTCONN, "Container '%s' is not running", ct->name);
	r = send_req(fd, freeze ? COVE_MON_FREEZE : COVE_MON_UNFREEZE, 0, 0, 0);
	if (r < 0)
		return cove_err(err, r == -EPIPE || r == -ECONNRESET ? -ENOTCONN : r,
				"Failed to ask the monitor of '%s': %s", ct->name, strerror(-r));
	r = recv_resp(fd, &resp, NULL, -1);
	if (r == 0)
		return cove_err(err, -ENOTCONN, "Container '%s' is not running", ct->name);
	if (r < 0)
		return cove_err(err, r, "Failed to read from the monitor of '%s': %s", ct->name,
				strerror(-r));
	if (resp.ret < 0)
		return resp_error(&resp, err);
	return 0;
}

static int remaining_ms(const struct timespec *deadline, int timeout_ms)
{
	struct timespec now;
	int64_t d;

	if (timeout_ms < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	d = (int64_t)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return d < 0 ? 0 : (int)MIN(d, 1 << 30);
}

/* No monitor yet: wait (up to ms) for a socket to appear in one of its places. */
static int wait_for_socket(const struct cove_container *ct, int ino, int ms)
{
	struct pollfd p = { .fd = ino, .events = POLLIN };
	char buf[4096];
	int r;

	if (ino < 0)
		return -ETIMEDOUT;
	r = RETRY_EINTR(poll(&p, 1, ms));
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	(void)!read(ino, buf, sizeof(buf));
	return 0;
}

int cove_container_wait_fd(const struct cove_container *ct, unsigned mask, int *ret_fd,
			   struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	*ret_fd = -EBADF;
	r = monitor_connect(ct, &fd, err);
	if (r <= 0)
		return r;
	r = send_req(fd, COVE_MON_WAIT, (int)mask, 0, 0);
	if (r == -EPIPE || r == -ECONNRESET)
		return 0; /* it exited in between */
	if (r < 0)
		return cove_err(err, r, "Failed to talk to the monitor of '%s': %s", ct->name,
				strerror(-r));
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int cove_container_wait(const struct cove_container *ct, unsigned mask, int timeout_ms,
			struct cove_error *err)
{
	_cleanup_close_ int ino = -EBADF;
	struct timespec deadline;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	if (timeout_ms >= 0) {
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	/* Watch before looking, so that a monitor appearing in between is not missed. */
	if (!(mask & (1u << COVE_STATE_STOPPED))) {
		ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (ino >= 0 && inotify_add_watch(ino, ct->dir, IN_CREATE | IN_MOVED_TO) < 0)
			ino = safe_close(ino);
		/* the socket's first place (cove_monitor_addr()); made by the first monitor */
		if (ino >= 0)
			(void)inotify_add_watch(ino, COVE_MONITOR_RUNDIR, IN_CREATE);
	}
	for (;;) {
		_cleanup_close_ int fd = -EBADF;
		struct cove_mon_resp resp;
		int ms = remaining_ms(&deadline, timeout_ms);

		r = monitor_connect(ct, &fd, err);
		if (r < 0)
			return r;
		if (r == 0) {
			if (mask & (1u << COVE_STATE_STOPPED))
				return 0;
			r = wait_for_socket(ct, ino, ms < 0 ? 100 : MIN(ms, 100));
			if (r == -ETIMEDOUT && ms >= 0 && remaining_ms(&deadline, timeout_ms) == 0)
				goto timeout;
			continue;
		}
		/* No time left (-t 0): only look at the state now. */
		r = send_req(fd, ms == 0 ? COVE_MON_STATUS : COVE_MON_WAIT, (int)mask, 0, 0);
		if (r >= 0)
			r = recv_resp(fd, &resp, NULL, ms == 0 ? -1 : ms);
		if (r > 0 && ms == 0 && resp.ret >= 0 && !(mask & (1u << resp.state)))
			goto timeout;
		if (r == -ETIMEDOUT)
			goto timeout;
		if (r == 0 || r == -EPIPE || r == -ECONNRESET) {
			/* The monitor exited: the container is STOPPED. */
			if (mask & (1u << COVE_STATE_STOPPED))
				return 0;
			continue;
		}
		if (r < 0)
			return cove_err(err, r, "Failed to wait for '%s': %s", ct->name, strerror(-r));
		if (resp.ret < 0)
			return resp_error(&resp, err);
		return 0;
	}
timeout:
	return cove_err(err, -ETIMEDOUT, "Timed out waiting for container '%s'", ct->name);
}

int cove_container_console_fds(const struct cove_container *ct, int ttynum, int *ret_fd,
			       int *ret_ttynum, int *ret_ctl_fd, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF, tty = -EBADF;
	struct cove_mon_resp resp;
	int r;

	r = monitor_connect(ct, &fd, err);
	if (r < 0)
		return r;
	if (r == 0)
		return cove_err(err, -ENOTCONN, "Container '%s' is not running", ct->name);
	r = send_req(fd, COVE_MON_CONSOLE, ttynum, 0, 0);
	if (r >= 0)
		r = recv_resp(fd, &resp, &tty, -1);
	if (r == 0)
		return cove_err(err, -ENOTCONN, "Container '%s' is not running", ct->name);
	if (r < 0)
		return cove_err(err, r, "Failed to ask the monitor of '%s': %s", ct->name, strerror(-r));
	if (resp.ret < 0)
		return resp_error(&resp, err);
	if (tty < 0)
		return cove_err(err, -EPROTO, "The monitor of '%s' sent no tty", ct->name);
	*ret_fd = TAKE_FD(tty);
	if (ret_ttynum)
		*ret_ttynum = resp.arg;
	*ret_ctl_fd = TAKE_FD(fd);
	return 0;
}

int cove_container_console(const struct cove_container *ct, int ttynum, int *ret_fd,
			   int *ret_ttynum, struct cove_error *err)
{
	int ctl = -EBADF;
	int r = cove_container_console_fds(ct, ttynum, ret_fd, ret_ttynum, &ctl, err);

	/*
	 * The control connection marks the tty busy: it stays open (close-on-exec)
	 * for the life of this process. Long-lived callers use
	 * cove_container_console_fds() and close it themselves.
	 */
	(void)ctl;
	return r;
}
