/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The terminal proxy loop (see pty-proxy.h for the API): one poll() loop that
 * copies user input to the peer (through a bounded buffer, since the peer is
 * non-blocking and may be full while it waits for us to read its output) and
 * peer output to the user side (blocking writes: a stopped terminal stops
 * the flow, as with any terminal program).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "pty-proxy.h"

LOG_MODULE("pty-proxy");

#define PROXY_BUF 16384

int pty_raw_enable(int fd, struct pty_raw *r)
{
	struct termios t;

	if (fd < 0 || !isatty(fd))
		return 0;
	if (tcgetattr(fd, &r->saved) < 0)
		return -errno;
	t = r->saved;
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) < 0) /* TCSAFLUSH would drop type-ahead */
		return -errno;
	r->fd = fd;
	return 1;
}

void pty_raw_restore(struct pty_raw *r)
{
	if (r->fd < 0)
		return;
	(void)tcsetattr(r->fd, TCSADRAIN, &r->saved);
	r->fd = -EBADF;
}

int pty_get_winsize(const int *fds, int n, struct winsize *ret)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0 && ioctl(fds[i], TIOCGWINSZ, ret) == 0)
			return 0;
	return -ENOTTY;
}

struct proxy_state {
	struct pty_proxy *p;
	char to_peer[PROXY_BUF];
	size_t to_peer_len;
	bool saw_escape;
	bool in_eof;
	bool done_escape;
	bool exited;
};

/*
 * After exit_fd fired, how long the peer may stay quiet before we stop: a
 * pty hands data over through a work queue, so the last output of a process
 * can arrive after its exit; normally the master's EIO (every slave closed)
 * ends the loop first, this only bounds the wait when a background process
 * still holds the terminal.
 */
#define EXIT_LINGER_MS 100

static void forward_winsize(struct pty_proxy *p)
{
	int fds[2] = {p->in_fd, p->out_fd};
	struct winsize ws;

	if (pty_get_winsize(fds, 2, &ws) < 0)
		return;
	if (p->winsize_fd >= 0)
		(void)ioctl(p->winsize_fd, TIOCSWINSZ, &ws);
	if (p->winch_cb)
		p->winch_cb(p->userdata, &ws);
}

/* Move input bytes into the peer buffer, interpreting the escape key. */
static void take_input(struct proxy_state *s, const char *buf, size_t n)
{
	int esc = s->p->escape;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = buf[i];

		if (esc && !s->saw_escape && c == esc) {
			s->saw_escape = true;
			continue;
		}
		if (esc && s->saw_escape && c == 'q') {
			s->done_escape = true;
			return;
		}
		s->saw_escape = false;
		s->to_peer[s->to_peer_len++] = c;
	}
}

static int read_input(struct proxy_state *s)
{
	char buf[PROXY_BUF / 2];
	size_t room = sizeof(s->to_peer) - s->to_peer_len;
	ssize_t n;

	/* Input bytes never expand, so reading at most "room" bytes always fits. */
	n = read(s->p->in_fd, buf, MIN(room, sizeof(buf)));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0) {
		s->in_eof = true;
		return 0;
	}
	take_input(s, buf, n);
	return 0;
}

static int flush_peer(struct proxy_state *s)
{
	ssize_t n;

	if (s->to_peer_len == 0)
		return 0;
	n = write(s->p->peer_fd, s->to_peer, s->to_peer_len);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	memmove(s->to_peer, s->to_peer + n, s->to_peer_len - n);
	s->to_peer_len -= n;
	return 0;
}

/* Returns 0 (data copied, or none available), PTY_PROXY_PEER_EOF or -errno. */
static int read_peer(struct proxy_state *s)
{
	char buf[PROXY_BUF];
	ssize_t n;

	n = read(s->p->peer_fd, buf, sizeof(buf));
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		if (errno == EIO) /* pty master: every slave fd is closed */
			return PTY_PROXY_PEER_EOF;
		return -errno;
	}
	if (n == 0)
		return PTY_PROXY_PEER_EOF;
	if (s->p->out_fd >= 0)
		(void)loop_write(s->p->out_fd, buf, n);
	if (s->p->log_fd >= 0)
		(void)loop_write(s->p->log_fd, buf, n);
	return 0;
}

static void handle_signals(struct proxy_state *s, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if ((int)si.ssi_signo == SIGWINCH)
			forward_winsize(s->p);
		else if (s->p->signal_cb)
			s->p->signal_cb(s->p->userdata, si.ssi_signo);
	}
}

enum { P_SIG, P_EXIT, P_IN, P_PEER, _P_MAX };

static int poll_timeout(struct proxy_state *s)
{
	if (s->exited)
		return s->p->peer_fd >= 0 ? EXIT_LINGER_MS : 0;
	/* After input EOF, wait for pending input to reach the peer, then linger. */
	if (s->in_eof && s->to_peer_len == 0)
		return s->p->linger_ms;
	return -1;
}

static int proxy_loop(struct proxy_state *s, int sfd)
{
	struct pty_proxy *p = s->p;
	struct pollfd pfd[_P_MAX];
	int r;

	for (;;) {
		pfd[P_SIG] = (struct pollfd){.fd = sfd, .events = POLLIN};
		pfd[P_EXIT] = (struct pollfd){.fd = s->exited ? -1 : p->exit_fd, .events = POLLIN};
		pfd[P_IN] = (struct pollfd){.fd = -1, .events = POLLIN};
		if (p->in_fd >= 0 && !s->in_eof && s->to_peer_len < sizeof(s->to_peer))
			pfd[P_IN].fd = p->in_fd;
		pfd[P_PEER] = (struct pollfd){.fd = p->peer_fd, .events = POLLIN};
		if (s->to_peer_len > 0)
			pfd[P_PEER].events |= POLLOUT;

		if (s->in_eof && s->to_peer_len == 0 && p->linger_ms < 0)
			return PTY_PROXY_IN_EOF;
		r = poll(pfd, _P_MAX, poll_timeout(s));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0) /* quiet for a while after exit or input EOF */
			return s->exited ? PTY_PROXY_EXITED : PTY_PROXY_IN_EOF;
		if (pfd[P_SIG].revents)
			handle_signals(s, sfd);
		if (pfd[P_PEER].revents & (POLLIN | POLLHUP | POLLERR)) {
			r = read_peer(s);
			if (r == PTY_PROXY_PEER_EOF || r < 0)
				return s->exited && r > 0 ? PTY_PROXY_EXITED : r;
		}
		if (pfd[P_EXIT].revents)
			s->exited = true;
		if (pfd[P_IN].revents & (POLLIN | POLLHUP | POLLERR)) {
			r = read_input(s);
			if (r < 0)
				return r;
			if (s->done_escape) {
				(void)flush_peer(s); /* what was typed before the escape */
				return PTY_PROXY_ESCAPE;
			}
		}
		if (p->peer_fd >= 0) {
			r = flush_peer(s);
			if (r < 0)
				return r;
		} else
			s->to_peer_len = 0;
	}
}

int pty_proxy_run(struct pty_proxy *p)
{
	_cleanup_free_ struct proxy_state *s = NULL;
	_cleanup_close_ int sfd = -EBADF;
	sigset_t mask = p->forward, old;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->p = p;
	if (p->winsize_fd >= 0 || p->winch_cb)
		sigaddset(&mask, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &mask, &old) < 0)
		return -errno;
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		r = -errno;
		goto out;
	}
	if (p->peer_fd >= 0)
		(void)fd_nonblock(p->peer_fd, true);
	if (p->winsize_fd >= 0 || p->winch_cb)
		forward_winsize(p);
	r = proxy_loop(s, sfd);
	log_debug("Proxy loop ended: %d", r);
out:
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
