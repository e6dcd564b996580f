/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-monitor: one small process per running container. Spawned by
 * cove_container_start() with a sync fd, it detaches (own session, stdio on
 * /dev/null), claims the control socket (monitor-proto.h), creates
 * the container (it stays the parent of init), reports RUNNING or the error
 * on the sync fd, and then serves the control protocol (monitor-proto.h):
 * status with a pidfd of init, stop, wait, console. It owns the console pty
 * and its ring buffer, restarts the container when it reboots, and after
 * the container stops runs the stop hooks, removes the cgroups and the
 * socket, and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup-limits.h"
#include "cove/container.h"
#include "fileio.h"
#include "log.h"
#include "monitor-proto.h"
#include "rexec.h"
#include "seccomp-policy.h"
#include "start.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("monitor");

#define MAX_CLIENTS 64
#define MAX_PEERS 16

struct client {
	int fd;
	unsigned wait_mask; /* pending WAIT, 0: none */
	bool stop_pending;  /* STOP waiting for STOPPED */
	bool halt_pending;  /* a HALT whose timeout this client waits for (NOKILL) */
	bool reboot_pending;
	int64_t reboot_deadline; /* ms (CLOCK_MONOTONIC) for reboot_pending, 0: none */
	int tty;	    /* tty (1..N) this connection holds, 0: none */
};

/* Someone reading and writing the console: a socket end, or cove-start -F's terminal. */
struct peer {
	int in, out;
};

struct monitor {
	const char *name;
	const char *rcfile;
	const char *lxcpath;
	char *config_path;
	struct cove_conf *conf;
	struct cove_run run;
	int state;
	int sync_fd;
	bool foreground;
	int term_out; /* -F: the terminal the console is shown on (borrowed from peers), or -1 */
	int dirfd;
	int listen_fd;
	int sig_fd;
	int log_fd;
	bool socket_made;
	struct sockaddr_un sock; /* where it is (monitor-proto.h) */
	socklen_t sock_len;
	struct client clients[MAX_CLIENTS];
	size_t n_clients;
	struct peer peers[MAX_PEERS];
	size_t n_peers;
	bool *tty_busy; /* owned, n_ttys */
	int64_t kill_deadline; /* ms (CLOCK_MONOTONIC), 0: none */
	int64_t tidy_at;       /* ms: the seccomp memfd and trim_text() then, off the start's path; 0: done */
	bool kill_at_deadline;
	bool stop_requested;
	int mntns_fd; /* the container's mount namespace, see hold_mntns() */
	int exe_fd;   /* cove-attach's sealed copy of itself (COVE_MON_EXE), or -EBADF */
	int64_t exe_drop_at; /* ms: let it go then, unused for a minute (its memory) */
};

/*
 * Start-up ran most of the (static) binary's code, and each page fault maps
 * 64 KiB around it: drop our mappings of code and constants so that only
 * what the loop uses comes back. Only file mappings that were never written
 * are dropped (they refault unchanged from the page cache): executable ones,
 * and read-only ones except the last before the data (RELRO, patched at
 * start-up).
 */
static void trim_text(void)
{
	struct {
		unsigned long a, b;
		char perms[8];
	} maps[32];
	size_t n = 0;
	char line[512], exe[PATH_MAX];
	ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f;

	if (el <= 0)
		return;
	exe[el] = 0; /* our binary: cove-monitor, or cove-start we were forked from */
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return;
	while (n < ELEMENTSOF(maps) && fgets(line, sizeof(line), f))
		if (strstr(line, exe) &&
		    sscanf(line, "%lx-%lx %7s", &maps[n].a, &maps[n].b, maps[n].perms) == 3)
			n++;
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		bool exec = streq(maps[i].perms, "r-xp");
		bool ro = streq(maps[i].perms, "r--p") && i + 1 < n &&
			  !streq(maps[i + 1].perms, "rw-p") && maps[i].a != 0x400000;

		if (exec || ro)
			(void)madvise((void *)maps[i].a, maps[i].b - maps[i].a, MADV_DONTNEED);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Hold a reference to the container's mount namespace: when init dies, its
 * exit then does not have to tear down the namespace's mounts (an RCU grace
 * period on the path of every stop); that happens when we exit, after the
 * reply.
 */
static void hold_mntns(struct monitor *m)
{
	char p[64];

	m->mntns_fd = safe_close(m->mntns_fd);
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)m->run.pid);
	m->mntns_fd = open(p, O_RDONLY | O_CLOEXEC);
}

static void sync_report(struct monitor *m, int r, const struct cove_error *err)
{
	struct cove_mon_sync s = { .type = r < 0 ? COVE_MON_SYNC_ERROR : COVE_MON_SYNC_RUNNING,
				   .code = r };

	if (m->sync_fd < 0)
		return;
	if (r < 0)
		snprintf(s.msg, sizeof(s.msg), "%s", cove_err_msg(err, r));
	else
		s.code = (int32_t)getpid(); /* for cove-start -p */
	(void)send(m->sync_fd, &s, sizeof(s), MSG_NOSIGNAL);
	if (!m->foreground || r < 0)
		m->sync_fd = safe_close(m->sync_fd);
}

/* A monitor answers at that place of the socket (monitor-proto.h). */
static bool live_at(const struct monitor *m, bool in_rundir)
{
	_cleanup_close_ int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool refused = false;

	return probe >= 0 && cove_monitor_connect_at(probe, m->dirfd, in_rundir, &refused) > 0;
}

/* Bind fd at one place: -EBUSY when a live monitor is there, a dead one's socket is replaced. */
static int claim_at(struct monitor *m, int fd, bool in_rundir)
{
	int r = cove_monitor_addr(m->dirfd, in_rundir, &m->sock, &m->sock_len);

	for (int attempt = 0; r >= 0 && bind(fd, (struct sockaddr *)&m->sock, m->sock_len) < 0;
	     attempt++) {
		if (errno != EADDRINUSE)
			return -errno;
		/* live, or taken again since we removed a dead one: another start won */
		if (attempt > 0 || live_at(m, in_rundir))
			return -EBUSY;
		/* A socket left behind by a monitor that died, maybe with its container frozen. */
		(void)cove_cgroup_reap_orphans(m->name);
		(void)unlink(m->sock.sun_path);
	}
	return r;
}

/* Claim the control socket; a live one means the container already runs. */
static int make_socket(struct monitor *m, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to create the control socket: %m");
	r = claim_at(m, fd, true);
	if (r == -ENOENT) {
		(void)mkdir("/run/cove", 0755);
		(void)mkdir(COVE_MONITOR_RUNDIR, 0700);
		r = claim_at(m, fd, true);
	}
	if (r >= 0 && live_at(m, false)) { /* a monitor of an older cove, or of another user */
		(void)unlink(m->sock.sun_path);
		r = -EBUSY;
	}
	if (r < 0 && r != -EBUSY)
		r = claim_at(m, fd, false);
	if (r == -EBUSY)
		return cove_err(err, r, "Container '%s' is already running", m->name);
	if (r < 0)
		return cove_err(err, r, "Failed to bind '%s/%s/%s': %s", m->lxcpath, m->name,
				COVE_MONITOR_SOCKET, strerror(-r));
	m->socket_made = true;
	if (listen(fd, 32) < 0)
		return cove_err(err, -errno, "Failed to listen on the control socket: %m");
	m->listen_fd = TAKE_FD(fd);
	return 0;
}

static void remove_socket(struct monitor *m)
{
	if (!m->socket_made)
		return;
	(void)unlink(m->sock.sun_path);
	m->socket_made = false;
}

static void reply_fds(struct monitor *m, struct client *c, int ret, const char *msg,
		      const int *fds, size_t n_fds, int arg)
{
	struct cove_mon_resp resp = { .version = COVE_MON_VERSION, .ret = ret,
				      .state = (uint32_t)m->state, .arg = arg };
	int r;

	resp.init_pid = m->run.pid;
	if (m->run.cg && m->run.cg->path)
		snprintf(resp.cgroup, sizeof(resp.cgroup), "%s", m->run.cg->path);
	if (msg)
		snprintf(resp.msg, sizeof(resp.msg), "%s", msg);
	r = send_fds(c->fd, &resp, sizeof(resp), fds, n_fds);
	if (r < 0)
		log_debug("Failed to answer a client: %s, ignoring", strerror(-r));
}

static void reply(struct monitor *m, struct client *c, int ret, const char *msg, int fd, int arg)
{
	reply_fds(m, c, ret, msg, &fd, fd >= 0 ? 1 : 0, arg);
}

/* The sealed copy of the filter for attach, unless the start made it (a compiled profile). */
static void make_seccomp_fd(struct monitor *m)
{
	struct cove_error err = {};

	if (m->run.seccomp_fd >= 0 || !m->run.seccomp)
		return;
	if (cove_seccomp_export(m->run.seccomp, &m->run.seccomp_fd, &err) < 0)
		log_warning("%s: attach will refuse to run", cove_err_msg(&err, -EIO));
}

/*
 * cove-attach's sealed copy of itself: attach makes it once (a megabyte
 * copied and sealed, the largest part of an attach) and hands it over; the
 * next attaches run from it. Only a sealed memfd is kept; dropped a minute
 * after its last use.
 */
#define EXE_KEEP_MS 60000

static void handle_exe(struct monitor *m, struct client *c, int arg, int *fd)
{
	if (arg == 1) {
		if (*fd < 0 || fcntl(*fd, F_GET_SEALS) != COVE_SEALED_SEALS)
			return reply(m, c, -EINVAL, "Not a sealed copy", -EBADF, 0);
		safe_close(m->exe_fd);
		m->exe_fd = TAKE_FD(*fd);
	} else if (m->exe_fd < 0)
		return reply(m, c, -ENOENT, "No sealed copy kept", -EBADF, 0);
	m->exe_drop_at = now_ms() + EXE_KEEP_MS;
	reply(m, c, 0, NULL, arg == 1 ? -EBADF : m->exe_fd, 0);
}

/* For attach: init's pidfd and the compiled seccomp filter, which attach installs as it is. */
static void handle_attach(struct monitor *m, struct client *c)
{
	int fds[2] = { m->run.pidfd, m->run.seccomp_fd };

	if (m->state != COVE_STATE_RUNNING)
		return reply(m, c, 0, NULL, -EBADF, 0);
	make_seccomp_fd(m);
	if (m->run.seccomp_fd < 0)
		return reply(m, c, -ENOEXEC, "The monitor has no compiled seccomp filter", -EBADF,
			     0);
	fds[1] = m->run.seccomp_fd;
	reply_fds(m, c, 0, NULL, fds, 2, 0);
}

static void set_state(struct monitor *m, int state)
{
	if (m->state == state)
		return;
	log_info("Container '%s' is %s", m->name, cove_state_to_string(state));
	m->state = state;
	for (size_t i = 0; i < m->n_clients; i++) {
		struct client *c = &m->clients[i];

		if (c->wait_mask & (1u << state)) {
			c->wait_mask = 0;
			reply(m, c, 0, NULL, -EBADF, 0);
		}
		if (state == COVE_STATE_RUNNING && c->reboot_pending) {
			c->reboot_pending = false;
			reply(m, c, 0, NULL, -EBADF, 0);
		}
	}
}

static int send_signal(struct monitor *m, int sig)
{
	if (m->run.pidfd < 0)
		return -ESRCH;
	/* A frozen init cannot act on a signal (nor die): thaw it first. */
	if (m->state == COVE_STATE_FROZEN) {
		(void)cove_cgroup_freeze(m->run.cg, false, 1000, NULL);
		m->state = COVE_STATE_RUNNING;
	}
	if (syscall(SYS_pidfd_send_signal, m->run.pidfd, sig, NULL, 0) < 0)
		return -errno;
	log_debug("Sent signal %d to init (PID %d)", sig, (int)m->run.pid);
	return 0;
}

static void drop_client(struct monitor *m, size_t i)
{
	struct client *c = &m->clients[i];

	if (c->tty > 0)
		m->tty_busy[c->tty - 1] = false;
	safe_close(c->fd);
	m->clients[i] = m->clients[--m->n_clients];
}

static void drop_peer(struct monitor *m, size_t i)
{
	struct peer *p = &m->peers[i];

	if (m->term_out == p->out || m->term_out == p->in)
		m->term_out = -1;
	if (p->out != p->in)
		safe_close(p->out);
	safe_close(p->in);
	m->peers[i] = m->peers[--m->n_peers];
}

static int add_peer(struct monitor *m, int in, int out)
{
	if (m->n_peers >= MAX_PEERS)
		return -EMFILE;
	(void)fd_nonblock(out, true);
	m->peers[m->n_peers++] = (struct peer){ .in = in, .out = out };
	return 0;
}

static void handle_console(struct monitor *m, struct client *c, int tty)
{
	struct cove_console *con = m->run.con;
	int sv[2];
	char msg[128];

	if (tty == -1) {
		tty = 0;
		for (unsigned i = 0; i < con->n_ttys; i++)
			if (!m->tty_busy[i]) {
				tty = (int)i + 1;
				break;
			}
	}
	if (tty < 0 || (unsigned)tty > con->n_ttys) {
		snprintf(msg, sizeof(msg), "Container '%s' has no tty %d (lxc.tty.max = %u)", m->name,
			 tty, con->n_ttys);
		return reply(m, c, -EINVAL, msg, -EBADF, tty);
	}
	if (tty > 0) {
		if (m->tty_busy[tty - 1] || c->tty > 0) {
			snprintf(msg, sizeof(msg), "tty %d of container '%s' is busy", tty, m->name);
			return reply(m, c, -EBUSY, msg, -EBADF, tty);
		}
		m->tty_busy[tty - 1] = true;
		c->tty = tty;
		return reply(m, c, 0, NULL, con->tty_master[tty - 1], tty);
	}
	if (con->master < 0) {
		snprintf(msg, sizeof(msg), "Container '%s' has no console (lxc.console.path = none)",
			 m->name);
		return reply(m, c, -ENOENT, msg, -EBADF, 0);
	}
	if (m->n_peers >= MAX_PEERS ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return reply(m, c, -EMFILE, "Too many console sessions", -EBADF, 0);
	(void)add_peer(m, sv[0], sv[0]);
	reply(m, c, 0, NULL, sv[1], 0);
	safe_close(sv[1]);
}

static void start_stop(struct monitor *m, struct client *c, const struct cove_mon_req *q)
{
	const struct cove_conf *conf = m->conf;
	int sig, r;

	if (m->state == COVE_STATE_FROZEN) {
		/* a frozen init cannot act on a signal: thaw it first */
		(void)cove_cgroup_freeze(m->run.cg, false, 1000, NULL);
		set_state(m, COVE_STATE_RUNNING);
	}
	if (m->state != COVE_STATE_RUNNING && m->state != COVE_STATE_STOPPING) {
		char msg[128];

		snprintf(msg, sizeof(msg), "Container '%s' is %s", m->name,
			 cove_state_to_string(m->state));
		return reply(m, c, -EAGAIN, msg, -EBADF, 0);
	}
	switch (q->arg) {
	case COVE_STOP_KILL:
		sig = cove_conf_signal_stop(conf);
		break;
	case COVE_STOP_REBOOT:
		sig = cove_conf_signal_reboot(conf);
		break;
	case COVE_STOP_HALT:
		sig = cove_conf_signal_halt(conf);
		break;
	default:
		return reply(m, c, -EINVAL, "Invalid stop mode", -EBADF, 0);
	}
	r = send_signal(m, sig);
	if (r < 0)
		return reply(m, c, r, "Failed to signal init", -EBADF, 0);
	if (q->arg != COVE_STOP_REBOOT) {
		m->stop_requested = true;
		set_state(m, COVE_STATE_STOPPING);
	}
	if (q->arg == COVE_STOP_HALT && q->timeout >= 0) {
		int64_t d = now_ms() + (int64_t)q->timeout * 1000;

		if (m->kill_deadline == 0 || d < m->kill_deadline)
			m->kill_deadline = d;
		if (!(q->flags & COVE_MON_F_NOKILL))
			m->kill_at_deadline = true;
		else
			c->halt_pending = !(q->flags & COVE_MON_F_NOWAIT);
	}
	if (q->flags & COVE_MON_F_NOWAIT)
		return reply(m, c, 0, NULL, -EBADF, 0);
	if (q->arg == COVE_STOP_REBOOT) {
		c->reboot_pending = true;
		if (q->timeout >= 0)
			c->reboot_deadline = now_ms() + (int64_t)q->timeout * 1000;
	} else
		c->stop_pending = true;
}

/* FREEZE / UNFREEZE: FREEZING -> FROZEN, THAWED -> RUNNING (cgroup-limits.h). */
static void handle_freeze(struct monitor *m, struct client *c, bool freeze)
{
	struct cove_error err = {};
	int r;

	if (m->state != COVE_STATE_RUNNING && m->state != COVE_STATE_FROZEN) {
		char msg[128];

		snprintf(msg, sizeof(msg), "Container '%s' is %s", m->name,
			 cove_state_to_string(m->state));
		return reply(m, c, -EAGAIN, msg, -EBADF, 0);
	}
	if (freeze == (m->state == COVE_STATE_FROZEN))
		return reply(m, c, 0, NULL, -EBADF, 0);
	set_state(m, freeze ? COVE_STATE_FREEZING : COVE_STATE_THAWED);
	r = cove_cgroup_freeze(m->run.cg, freeze, 10000, &err);
	if (r < 0) {
		if (freeze)
			(void)cove_cgroup_freeze(m->run.cg, false, 1000, NULL);
		set_state(m, freeze ? COVE_STATE_RUNNING : COVE_STATE_FROZEN);
		return reply(m, c, r, cove_err_msg(&err, r), -EBADF, 0);
	}
	set_state(m, freeze ? COVE_STATE_FROZEN : COVE_STATE_RUNNING);
	reply(m, c, 0, NULL, -EBADF, 0);
}

static void handle_request(struct monitor *m, size_t i)
{
	struct client *c = &m->clients[i];
	_cleanup_close_ int fd = -EBADF;
	struct cove_mon_req q;
	ssize_t n = recv_fds(c->fd, &q, sizeof(q), &fd, 1);

	if (n == -EAGAIN)
		return;
	if (n <= 0)
		return drop_client(m, i);
	if ((size_t)n != sizeof(q) || q.version != COVE_MON_VERSION) {
		reply(m, c, -EPROTO, "Protocol version mismatch", -EBADF, 0);
		return drop_client(m, i);
	}
	switch (q.cmd) {
	case COVE_MON_STATUS:
		return reply(m, c, 0, NULL, m->state == COVE_STATE_RUNNING ? m->run.pidfd : -EBADF,
			     0);
	case COVE_MON_STOP:
		return start_stop(m, c, &q);
	case COVE_MON_WAIT:
		if ((unsigned)q.arg & (1u << m->state))
			return reply(m, c, 0, NULL, -EBADF, 0);
		c->wait_mask = (unsigned)q.arg;
		return;
	case COVE_MON_CONSOLE:
		return handle_console(m, c, q.arg);
	case COVE_MON_FREEZE:
	case COVE_MON_UNFREEZE:
		return handle_freeze(m, c, q.cmd == COVE_MON_FREEZE);
	case COVE_MON_ATTACH:
		return handle_attach(m, c);
	case COVE_MON_EXE:
		return handle_exe(m, c, q.arg, &fd);
	default:
		return reply(m, c, -EOPNOTSUPP, "Operation not supported yet", -EBADF, 0);
	}
}

static void accept_clients(struct monitor *m)
{
	for (;;) {
		int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (m->n_clients >= MAX_CLIENTS) {
			safe_close(fd);
			continue;
		}
		m->clients[m->n_clients++] = (struct client){ .fd = fd };
	}
}

static ssize_t relay_console(struct monitor *m)
{
	char buf[4096];
	ssize_t n = cove_console_read(m->run.con, buf, sizeof(buf));

	if (n <= 0)
		return n;
	for (size_t i = 0; i < m->n_peers; i++)
		/* A slow reader loses output rather than stalling the container. */
		(void)!write(m->peers[i].out, buf, (size_t)n);
	return n;
}

/* What the container wrote last is still in the pty: pass it on before going. */
static void drain_console(struct monitor *m)
{
	if (m->run.con->master < 0)
		return;
	(void)fd_nonblock(m->run.con->master, true);
	for (int i = 0; i < 256 && relay_console(m) > 0; i++)
		;
	for (size_t i = 0; i < m->n_peers; i++)
		(void)fd_nonblock(m->peers[i].out, false);
}

static void relay_peer(struct monitor *m, size_t i)
{
	char buf[4096];
	ssize_t n = RETRY_EINTR(read(m->peers[i].in, buf, sizeof(buf)));

	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		return drop_peer(m, i);
	}
	(void)loop_write(m->run.con->master, buf, (size_t)n);
}

/* Everything that happens once init is gone, for good. */
static _noreturn_ void finish(struct monitor *m, int code)
{
	struct cove_error err = {};
	int r;

	if (m->state != COVE_STATE_ABORTING)
		set_state(m, COVE_STATE_STOPPING);
	drain_console(m);
	r = cove_run_stopped(&m->run, "stop", &err);
	if (r < 0)
		log_error("Failed to tear down container '%s': %s", m->name, cove_err_msg(&err, r));
	/* The socket goes first: a start right after our reply must not find us. */
	remove_socket(m);
	if (m->conf->ephemeral && !m->rcfile) {
		_cleanup_free_ char *dir = path_join(m->lxcpath, m->name);

		/* lxc.ephemeral: the container goes with its stop (rm_rf never crosses mounts). */
		r = rm_rf(dir);
		if (r < 0)
			log_error_errno(r, "Failed to remove ephemeral container '%s': %s", m->name,
					strerror(-r));
	}
	set_state(m, COVE_STATE_STOPPED);
	for (size_t i = 0; i < m->n_clients; i++) {
		struct client *c = &m->clients[i];

		if (c->stop_pending || c->halt_pending || c->reboot_pending)
			reply(m, c, 0, NULL, -EBADF, 0);
	}
	cove_run_done(&m->run);
	_exit(code);
}

static void init_exited(struct monitor *m)
{
	struct cove_error err = {};
	siginfo_t si = {};
	bool reboot;
	int r;

	if (waitid(P_PIDFD, (id_t)m->run.pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
		return;
	/* reboot(2) in a pid namespace kills its init with SIGHUP. */
	reboot = si.si_code == CLD_KILLED && si.si_status == SIGHUP && !m->stop_requested;
	log_info("Init of '%s' %s %d%s", m->name,
		 si.si_code == CLD_EXITED ? "exited with status" : "was killed by signal",
		 si.si_status, reboot ? ": rebooting" : "");
	if (!reboot)
		finish(m, 0);
	set_state(m, COVE_STATE_STOPPING);
	r = cove_run_stopped(&m->run, "reboot", &err);
	if (r >= 0) {
		set_state(m, COVE_STATE_STARTING);
		r = cove_run_start(&m->run, &err);
	}
	if (r < 0) {
		log_error("Failed to restart container '%s': %s", m->name, cove_err_msg(&err, r));
		finish(m, 1);
	}
	hold_mntns(m);
	set_state(m, COVE_STATE_RUNNING);
}

/* The earliest deadline of the halt timeout and of clients waiting for a reboot; 0: none. */
static int64_t next_deadline(const struct monitor *m)
{
	int64_t d = m->kill_deadline;

	if (m->tidy_at && (!d || m->tidy_at < d))
		d = m->tidy_at;
	if (m->exe_fd >= 0 && (!d || m->exe_drop_at < d))
		d = m->exe_drop_at;

	for (size_t i = 0; i < m->n_clients; i++) {
		int64_t r = m->clients[i].reboot_pending ? m->clients[i].reboot_deadline : 0;

		if (r && (!d || r < d))
			d = r;
	}
	return d;
}

static void check_deadline(struct monitor *m)
{
	int64_t now = now_ms();

	if (m->exe_fd >= 0 && now >= m->exe_drop_at)
		m->exe_fd = safe_close(m->exe_fd);
	if (m->tidy_at && now >= m->tidy_at) {
		m->tidy_at = 0;
		make_seccomp_fd(m);
		trim_text();
	}

	for (size_t i = 0; i < m->n_clients; i++) {
		struct client *c = &m->clients[i];

		if (c->reboot_pending && c->reboot_deadline && now >= c->reboot_deadline) {
			c->reboot_pending = false;
			reply(m, c, -ETIMEDOUT, "Timed out waiting for the container to reboot",
			      -EBADF, 0);
		}
	}
	if (m->kill_deadline == 0 || now < m->kill_deadline)
		return;
	m->kill_deadline = 0;
	for (size_t i = 0; i < m->n_clients; i++) {
		struct client *c = &m->clients[i];

		if (c->halt_pending) {
			c->halt_pending = false;
			reply(m, c, -ETIMEDOUT, "Timed out waiting for the container to halt", -EBADF,
			      0);
		}
	}
	if (m->kill_at_deadline) {
		log_info("Container '%s' did not halt in time, killing it", m->name);
		(void)send_signal(m, SIGKILL);
	} else if (m->state == COVE_STATE_STOPPING) {
		m->stop_requested = false;
		set_state(m, COVE_STATE_RUNNING);
	}
}

static void handle_signal(struct monitor *m)
{
	struct signalfd_siginfo si;

	if (read(m->sig_fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
		log_info("Got signal %u, killing container '%s'", si.ssi_signo, m->name);
		m->stop_requested = true;
		(void)send_signal(m, SIGKILL);
	}
}

enum { P_LISTEN, P_SIGNAL, P_INIT, P_CONSOLE, P_SYNC, _P_FIXED };

/* -F: cove-start writes a byte on SIGWINCH; the console takes the terminal's new size. */
static void handle_sync(struct monitor *m)
{
	struct winsize ws;
	char c;
	ssize_t n = recv(m->sync_fd, &c, 1, MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		m->sync_fd = safe_close(m->sync_fd); /* cove-start is gone; the container stays */
		return;
	}
	if (n == 1 && m->term_out >= 0 && m->run.con->master >= 0 &&
	    ioctl(m->term_out, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		(void)ioctl(m->run.con->master, TIOCSWINSZ, &ws);
}

static _noreturn_ void loop(struct monitor *m)
{
	struct pollfd p[_P_FIXED + MAX_PEERS + MAX_CLIENTS];

	for (;;) {
		size_t np = _P_FIXED, peer0, client0, npeers, nclients;
		int timeout = -1;

		p[P_LISTEN] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
		p[P_SIGNAL] = (struct pollfd){ .fd = m->sig_fd, .events = POLLIN };
		p[P_INIT] = (struct pollfd){ .fd = m->run.pidfd, .events = POLLIN };
		p[P_CONSOLE] = (struct pollfd){ .fd = m->run.con->master, .events = POLLIN };
		p[P_SYNC] = (struct pollfd){ .fd = m->foreground ? m->sync_fd : -1, .events = POLLIN };
		peer0 = np;
		for (size_t i = 0; i < m->n_peers; i++)
			p[np++] = (struct pollfd){ .fd = m->peers[i].in, .events = POLLIN };
		client0 = np;
		for (size_t i = 0; i < m->n_clients; i++)
			p[np++] = (struct pollfd){ .fd = m->clients[i].fd, .events = POLLIN };
		npeers = m->n_peers;
		nclients = m->n_clients;
		if (next_deadline(m)) {
			int64_t d = next_deadline(m) - now_ms();

			timeout = d < 0 ? 0 : (int)MIN(d, 1 << 30);
		}
		if (poll(p, np, timeout) < 0 && errno != EINTR) {
			log_error("poll() failed: %m");
			(void)send_signal(m, SIGKILL);
		}
		check_deadline(m);
		if (p[P_CONSOLE].revents & POLLIN)
			(void)relay_console(m);
		if (p[P_INIT].revents)
			init_exited(m);
		if (p[P_SIGNAL].revents)
			handle_signal(m);
		if (p[P_SYNC].revents && m->sync_fd >= 0)
			handle_sync(m);
		/* Walk backwards: dropping swaps the last entry into the slot. */
		for (size_t i = npeers; i-- > 0;)
			if (p[peer0 + i].revents)
				relay_peer(m, i);
		for (size_t i = nclients; i-- > 0;)
			if (p[client0 + i].revents)
				handle_request(m, i);
		if (p[P_LISTEN].revents)
			accept_clients(m);
	}
}

struct args {
	const char *name, *lxcpath, *rcfile, *logfile, *loglevel, *console_file;
	char **defines;	  /* owned */
	char **init_argv; /* borrowed from argv */
	int sync_fd, term_in, term_out, netns_chan;
	bool foreground;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "lxcpath", required_argument, NULL, 'P' },
		{ "rcfile", required_argument, NULL, 'f' },
		{ "define", required_argument, NULL, 's' },
		{ "logfile", required_argument, NULL, 'o' },
		{ "logpriority", required_argument, NULL, 'l' },
		{ "console", required_argument, NULL, 'c' },
		{ "sync-fd", required_argument, NULL, 'S' },
		{ "terminal-in", required_argument, NULL, 'I' },
		{ "terminal-out", required_argument, NULL, 'O' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "netns-chan", required_argument, NULL, 'N' },
		{},
	};
	int c;

	*a = (struct args){ .sync_fd = -1, .term_in = -1, .term_out = -1, .netns_chan = -1 };
	while ((c = getopt_long(argc, argv, "+n:P:f:s:o:l:c:S:I:O:FN:", opts, NULL)) >= 0) {
		switch (c) {
		case 'n': a->name = optarg; break;
		case 'P': a->lxcpath = optarg; break;
		case 'f': a->rcfile = optarg; break;
		case 's': strv_push_dup(&a->defines, optarg); break;
		case 'o': a->logfile = optarg; break;
		case 'l': a->loglevel = optarg; break;
		case 'c': a->console_file = optarg; break;
		case 'S': if (safe_atoi(optarg, &a->sync_fd) < 0) return -EINVAL; break;
		case 'I': if (safe_atoi(optarg, &a->term_in) < 0) return -EINVAL; break;
		case 'O': if (safe_atoi(optarg, &a->term_out) < 0) return -EINVAL; break;
		case 'F': a->foreground = true; break;
		case 'N': if (safe_atoi(optarg, &a->netns_chan) < 0) return -EINVAL; break;
		default: return -EINVAL;
		}
	}
	if (!a->name || !a->lxcpath)
		return -EINVAL;
	if (optind < argc)
		a->init_argv = argv + optind;
	return 0;
}

/* Our own session, stdio on /dev/null, no stray fds: nothing ties us to the caller. */
static void detach(const struct args *a)
{
	int keep[] = { a->sync_fd, a->term_in, a->term_out, a->netns_chan };
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	(void)setsid();
	(void)chdir("/");
	if (null >= 0) {
		for (int i = 0; i < 3; i++)
			(void)dup2(null, i);
		safe_close(null);
	}
	(void)close_all_fds(keep, ELEMENTSOF(keep));
	for (size_t i = 0; i < ELEMENTSOF(keep); i++)
		if (keep[i] >= 0)
			(void)fd_cloexec(keep[i], true);
	umask(0022);
}

static int load_config(struct monitor *m, const struct args *a, struct cove_error *err)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	int r;

	m->config_path = a->rcfile ? xstrdup(a->rcfile) : xasprintf("%s/%s/config", a->lxcpath, a->name);
	if (!a->rcfile && access(m->config_path, F_OK) < 0)
		return cove_err(err, -ENOENT, "Container '%s' does not exist in '%s'", a->name,
				a->lxcpath);
	r = cove_conf_load(c, m->config_path, err);
	if (r >= 0)
		r = cove_conf_set_defines(c, a->defines, err);
	if (r >= 0)
		r = cove_conf_check(c, err);
	if (r < 0)
		return r;
	m->conf = TAKE_PTR(c);
	return 0;
}

static void setup_log(struct monitor *m, const struct args *a)
{
	const char *file = a->logfile ? a->logfile : m->conf->log_file;
	int level = a->loglevel ? log_parse_level(a->loglevel) : m->conf->log_level;

	log_set_ident("cove-monitor");
	log_set_max_level(level >= 0 ? level : LOG_ERR);
	if (isempty(file))
		return;
	m->log_fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
	if (m->log_fd >= 0)
		log_set_fd(m->log_fd);
}

static int open_dir(struct monitor *m, const struct args *a, struct cove_error *err)
{
	_cleanup_free_ char *dir = path_join(a->lxcpath, a->name);

	m->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (m->dirfd < 0 && errno == ENOENT && a->rcfile) {
		(void)mkdir_p(dir, 0755);
		m->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (m->dirfd < 0)
		return cove_err(err, -errno, "Failed to open '%s': %m", dir);
	return 0;
}

static int setup_signals(struct monitor *m, struct cove_error *err)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	(void)sigprocmask(SIG_BLOCK, &set, NULL);
	m->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m->sig_fd < 0)
		return cove_err(err, -errno, "Failed to create a signalfd: %m");
	return 0;
}

static int prepare(struct monitor *m, const struct args *a, struct cove_error *err)
{
	struct cove_step_timer t;
	int r;

	r = load_config(m, a, err);
	if (r < 0)
		return r;
	setup_log(m, a);
	/* the netns is made by a thread while we go on (netns-early.c) */
	for (size_t i = 0; i < m->conf->n_nets; i++)
		m->run.share_net |= m->conf->nets[i].type == COVE_NET_NONE;
	m->run.conf = m->conf;
	m->run.netns_chan = a->netns_chan; /* cove-start makes it (cove_netns_offer) */
	cove_run_netns_begin(&m->run);
	cove_step_timer_begin(&t);
	r = cove_run_check_prepare(&m->run, m->conf, err);
	cove_step_timer_end(&t, "monitor", "check");
	if (r < 0)
		return r;
	cove_step_timer_begin(&t);
	r = open_dir(m, a, err);
	if (r >= 0)
		r = make_socket(m, err);
	if (r >= 0)
		r = setup_signals(m, err);
	cove_step_timer_end(&t, "monitor", "socket");
	return r;
}

#ifdef COVE_MONITOR_EMBEDDED
/*
 * Forked from cove-start instead of exec'd (the C library's start-up alone
 * costs ~0.4 ms of CPUID exits in a VM): look like a cove-monitor to ps,
 * pgrep and the reaper of frozen orphans, with our name and a command line
 * of our own, as LXC's monitor does. The name is set at once, the command
 * line (a read of /proc/self/stat and a prctl) right after RUNNING.
 */
static void set_title(int argc, char **argv)
{
	unsigned long f[53] = {};
	struct prctl_mm_map map;
	_cleanup_free_ char *stat = NULL;
	size_t len = STRLEN("cove-monitor") + 1;
	char *buf, *p;
	int k = 3;

	for (int i = 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (read_full_file("/proc/self/stat", 4096, &stat, NULL) < 0 || !(p = strrchr(stat, ')')))
		return;
	/* fields from 3 (state) on; 26-28 code and stack, 45-51 data, brk, args, environment */
	for (char *save = NULL, *t = strtok_r(p + 2, " ", &save); t && k < 53;
	     t = strtok_r(NULL, " ", &save), k++)
		f[k] = strtoul(t, NULL, 10);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return;
	p = stpcpy(buf, "cove-monitor") + 1;
	for (int i = 1; i < argc; i++)
		p = stpcpy(p, argv[i]) + 1;
	map = (struct prctl_mm_map){ .start_code = f[26], .end_code = f[27], .start_data = f[45],
				     .end_data = f[46], .start_brk = f[47], .brk = (uintptr_t)sbrk(0),
				     .start_stack = f[28], .arg_start = (uintptr_t)buf,
				     .arg_end = (uintptr_t)p, .env_start = f[50], .env_end = f[51],
				     .exe_fd = (uint32_t)-1 };
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, &map, sizeof(map), 0) < 0)
		log_debug("Failed to set our command line: %m");
}

/* cove-start's -d/-F: called in a child of cove-start (cove_start_opts.monitor_main). */
int cove_monitor_main(int argc, char **argv);
int cove_monitor_main(int argc, char **argv)
#else
int main(int argc, char **argv)
#endif
{
	struct monitor m = { .sync_fd = -1, .term_out = -1, .dirfd = -EBADF, .listen_fd = -EBADF, .sig_fd = -EBADF,
			     .log_fd = -1, .state = COVE_STATE_STARTING, .mntns_fd = -EBADF,
			     .exe_fd = -EBADF };
	struct cove_error err = {};
	struct args a;
	int r;

#ifdef COVE_MONITOR_EMBEDDED
	optind = 0; /* cove-start has parsed its own options */
	(void)prctl(PR_SET_NAME, "cove-monitor", 0, 0, 0); /* the command line follows RUNNING */
#endif
	if (parse_args(argc, argv, &a) < 0) {
		fprintf(stderr, "Usage: cove-monitor --sync-fd FD -n NAME -P LXCPATH [-f RCFILE] "
				"[-s KEY=VAL]... [-o LOG] [-l LEVEL] [-c FILE] [-F] [-- CMD...]\n");
		return 2;
	}
	detach(&a);
	m.name = a.name;
	m.lxcpath = a.lxcpath;
	m.sync_fd = a.sync_fd;
	m.rcfile = a.rcfile;
	m.foreground = a.foreground;
	cove_run_init(&m.run);
	r = prepare(&m, &a, &err);
	if (log_get_max_level() >= COVE_LOG_TRACE) {
		struct timespec ts;

		(void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		log_trace("step monitor/prepare: done at %lld us cpu (since the spawn)",
			  (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	}
	if (r < 0) {
		log_error("Failed to start container '%s': %s", m.name, cove_err_msg(&err, r));
		remove_socket(&m);
		sync_report(&m, r, &err);
		return 1;
	}
	m.run.name = m.name;
	m.run.config_path = m.config_path;
	m.run.init_argv = a.init_argv;
	m.run.console_file = a.console_file;
	m.run.log_fd = m.log_fd;
	m.run.report_fd = m.sync_fd; /* the child says RUNNING to cove-start itself */
	m.run.monitor_pid = getpid();
	r = cove_run_start(&m.run, &err);
	m.run.report_fd = -1; /* a reboot has nobody to tell */
	if (r < 0) {
		struct cove_error err2 = {};

		set_state(&m, COVE_STATE_ABORTING);
		log_error("Failed to start container '%s': %s", m.name, cove_err_msg(&err, r));
		(void)cove_cgroup_destroy(m.run.cg, &err2);
		remove_socket(&m);
		sync_report(&m, r, &err);
		cove_run_done(&m.run);
		return 1;
	}
	m.tty_busy = xnew0(bool, m.run.con->n_ttys + 1);
	if (a.term_in >= 0) {
		struct winsize ws;

		(void)add_peer(&m, a.term_in, a.term_out >= 0 ? a.term_out : a.term_in);
		m.term_out = a.term_out >= 0 ? a.term_out : a.term_in;
		/* The console takes the size of the terminal it is shown on. */
		if (m.run.con->master >= 0 && ioctl(a.term_out, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
			(void)ioctl(m.run.con->master, TIOCSWINSZ, &ws);
	}
	set_state(&m, COVE_STATE_RUNNING);
	/*
	 * RUNNING went from the child, unless its seccomp filter refused the
	 * send (an allowlist without sendto): then we say it. -F keeps the
	 * socket for the terminal.
	 */
	if (!m.run.child_reported)
		sync_report(&m, 0, NULL);
	else if (!m.foreground)
		m.sync_fd = safe_close(m.sync_fd);
	/* After the report, off the way to RUNNING: */
#ifdef COVE_MONITOR_EMBEDDED
	set_title(argc, argv);
#endif
	hold_mntns(&m); /* not needed until a client can stop us */
	/* while cove-start exits and its caller goes on, the text can wait */
	m.tidy_at = now_ms() + 20;
	loop(&m);
}
