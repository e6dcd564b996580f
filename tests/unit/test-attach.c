/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the attach option parsers and the terminal proxy loop
 * (escape key, input EOF with linger, exit fd, peer hang-up), with pipes
 * and socket pairs standing in for terminals. No privileges needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cove/attach.h"
#include "fileio.h"
#include "macro.h"
#include "pty-proxy.h"
#include "attach-internal.h"
#include "seccomp-policy.h"

static void test_parse_namespaces(void **state)
{
	unsigned m;

	assert_int_equal(cove_attach_parse_namespaces("MOUNT|PID", &m), 0);
	assert_int_equal(m, COVE_NS_MOUNT | COVE_NS_PID);
	assert_int_equal(cove_attach_parse_namespaces("UTSNAME|IPC|USER|NETWORK|CGROUP", &m), 0);
	assert_int_equal(m,
			 COVE_NS_UTS | COVE_NS_IPC | COVE_NS_USER | COVE_NS_NET | COVE_NS_CGROUP);
	assert_int_equal(cove_attach_parse_namespaces("network", &m), 0);
	assert_int_equal(m, COVE_NS_NET);
	assert_int_equal(cove_attach_parse_namespaces("net,mnt", &m), 0);
	assert_int_equal(m, COVE_NS_NET | COVE_NS_MOUNT);
	for (const char *const *bad = (const char *const[]){"", "|", "BOGUS", "MOUNT|x", NULL};
	     *bad; bad++)
		assert_int_equal(cove_attach_parse_namespaces(*bad, &m), -EINVAL);
}

static void test_parse_elevated(void **state)
{
	unsigned m;

	assert_int_equal(cove_attach_parse_elevated(NULL, &m), 0);
	assert_int_equal(m, COVE_ATTACH_ELEVATE_ALL);
	assert_int_equal(cove_attach_parse_elevated("CGROUP|LSM", &m), 0);
	assert_int_equal(m, COVE_ATTACH_ELEVATE_CGROUP | COVE_ATTACH_ELEVATE_LSM);
	assert_int_equal(cove_attach_parse_elevated("cap", &m), 0);
	assert_int_equal(m, COVE_ATTACH_ELEVATE_CAP);
	assert_int_equal(cove_attach_parse_elevated("CGROUP|nope", &m), -EINVAL);
}

static void test_parse_arch(void **state)
{
	long p;

	assert_int_equal(cove_attach_parse_arch("i686", &p), 0);
	assert_int_equal(p, 0x0008);
	assert_int_equal(cove_attach_parse_arch("linux32", &p), 0);
	assert_int_equal(p, 0x0008);
	assert_int_equal(cove_attach_parse_arch("x86_64", &p), 0);
	assert_int_equal(p, 0);
	assert_int_equal(cove_attach_parse_arch("amd64", &p), 0);
	assert_int_equal(cove_attach_parse_arch("vax", &p), -EINVAL);
	assert_int_equal(cove_attach_parse_arch("", &p), -EINVAL);
}

struct rig {
	int in[2];   /* pipe: test writes in[1], proxy reads in[0] */
	int out[2];  /* pipe: proxy writes out[1], test reads out[0] */
	int peer[2]; /* socketpair: proxy uses peer[0], the "container" peer[1] */
};

static void rig_open(struct rig *r)
{
	assert_int_equal(pipe2(r->in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(r->out, O_CLOEXEC), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, r->peer), 0);
}

static void rig_close(struct rig *r)
{
	for (int i = 0; i < 2; i++) {
		safe_close(r->in[i]);
		safe_close(r->out[i]);
		safe_close(r->peer[i]);
	}
}

static struct pty_proxy rig_proxy(struct rig *r)
{
	struct pty_proxy p = PTY_PROXY_INIT;

	p.in_fd = r->in[0];
	p.out_fd = r->out[1];
	p.peer_fd = r->peer[0];
	return p;
}

/* Read what is there now (non-blocking) as a string. */
static void read_now(int fd, char *buf, size_t size)
{
	ssize_t n;

	(void)fd_nonblock(fd, true);
	n = read(fd, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
}

static void test_proxy_escape(void **state)
{
	struct rig r;
	struct pty_proxy p;
	char buf[64];

	rig_open(&r);
	p = rig_proxy(&r);
	p.escape = 1;
	/* ^a ^a is one literal ^a, ^a x sends x, ^a q ends (what follows is not sent) */
	assert_int_equal(loop_write(r.in[1], "ab\001\001c\001xd\001qzz", 12), 0);
	assert_int_equal(pty_proxy_run(&p), PTY_PROXY_ESCAPE);
	read_now(r.peer[1], buf, sizeof(buf));
	assert_string_equal(buf, "ab\001cxd");
	rig_close(&r);
}

static void test_proxy_escape_split(void **state)
{
	struct rig r;
	struct pty_proxy p;

	/* The escape and the q may arrive in different reads. */
	rig_open(&r);
	p = rig_proxy(&r);
	p.escape = 2;
	assert_int_equal(loop_write(r.in[1], "\002", 1), 0);
	if (fork() == 0) {
		usleep(20000);
		(void)!write(r.in[1], "q", 1);
		_exit(0);
	}
	assert_int_equal(pty_proxy_run(&p), PTY_PROXY_ESCAPE);
	(void)wait(NULL);
	rig_close(&r);
}

static void test_proxy_in_eof_linger(void **state)
{
	struct rig r;
	struct pty_proxy p;
	char buf[64];

	rig_open(&r);
	p = rig_proxy(&r);
	p.linger_ms = 50;
	assert_int_equal(loop_write(r.peer[1], "from-peer", 9), 0);
	assert_int_equal(loop_write(r.in[1], "to-peer", 7), 0);
	r.in[1] = safe_close(r.in[1]);
	assert_int_equal(pty_proxy_run(&p), PTY_PROXY_IN_EOF);
	read_now(r.peer[1], buf, sizeof(buf));
	assert_string_equal(buf, "to-peer");
	read_now(r.out[0], buf, sizeof(buf));
	assert_string_equal(buf, "from-peer");
	rig_close(&r);
}

static void test_proxy_peer_eof(void **state)
{
	struct rig r;
	struct pty_proxy p;
	char buf[64];

	rig_open(&r);
	p = rig_proxy(&r);
	p.log_fd = r.in[1]; /* the log gets a copy: read it back through the input pipe */
	p.in_fd = -EBADF;
	assert_int_equal(loop_write(r.peer[1], "last words", 10), 0);
	r.peer[1] = safe_close(r.peer[1]);
	assert_int_equal(pty_proxy_run(&p), PTY_PROXY_PEER_EOF);
	read_now(r.out[0], buf, sizeof(buf));
	assert_string_equal(buf, "last words");
	read_now(r.in[0], buf, sizeof(buf));
	assert_string_equal(buf, "last words");
	rig_close(&r);
}

static void test_proxy_exit_fd(void **state)
{
	_cleanup_close_ int efd = eventfd(1, EFD_CLOEXEC);
	struct rig r;
	struct pty_proxy p;
	char buf[64];

	/* The process is gone but its last output still arrives: it is not lost. */
	rig_open(&r);
	p = rig_proxy(&r);
	p.exit_fd = efd;
	assert_int_equal(loop_write(r.peer[1], "tail", 4), 0);
	assert_int_equal(pty_proxy_run(&p), PTY_PROXY_EXITED);
	read_now(r.out[0], buf, sizeof(buf));
	assert_string_equal(buf, "tail");
	rig_close(&r);
}

static void test_proxy_no_peer(void **state)
{
	_cleanup_close_ int efd = eventfd(1, EFD_CLOEXEC);
	struct pty_proxy p = PTY_PROXY_INIT;

	/* What attach does without a pty: only wait for the exit fd. */
	p.exit_fd = efd;
	assert_int_equal(pty_proxy_run(&p), PTY_PROXY_EXITED);
}

/* The monitor's export, read back as attach reads it; unsealed or odd-sized files are refused. */
static void test_seccomp_bpf_handover(void **state)
{
	_cleanup_close_ int fd = -EBADF, raw = -EBADF;
	struct cove_conf *c = cove_conf_new();
	struct cove_error err = {};
	void *filter = NULL, *prog = NULL;

	assert_int_equal(cove_seccomp_prepare(c, &filter, &err), 0);
	assert_int_equal(cove_seccomp_export(filter, &fd, &err), 0);
	assert_int_equal(fcntl(fd, F_GET_SEALS), COVE_SECCOMP_SEALS);
	assert_int_equal(cove_seccomp_read_bpf(fd, &prog, &err), 0);
	assert_non_null(prog);
	free(prog);
	/* twice: the shared file offset does not matter */
	assert_int_equal(cove_seccomp_read_bpf(fd, &prog, &err), 0);
	free(prog);
	raw = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_int_equal(write(raw, "12345678", 8), 8);
	assert_int_equal(cove_seccomp_read_bpf(raw, &prog, &err), -EBADMSG); /* not sealed */
	assert_int_equal(write(raw, "123", 3), 3);
	assert_int_equal(fcntl(raw, F_ADD_SEALS, COVE_SECCOMP_SEALS), 0);
	assert_int_equal(cove_seccomp_read_bpf(raw, &prog, &err), -EBADMSG); /* 11 bytes */
	assert_int_equal(cove_seccomp_load_bpf(NULL, &err), -EINVAL);
	cove_seccomp_free(filter);
	cove_conf_free(c);
}

/* Our own "container" shares our user namespace: exposed, the sealed re-exec is needed. */
static void test_exe_exposed_same_userns(void **state)
{
	_cleanup_close_ int pidfd = pidfd_open(getpid(), 0);

	assert_true(pidfd >= 0);
	assert_true(attach_exe_exposed(getpid(), pidfd));
	/* an init we cannot read about counts as exposed too */
	assert_true(attach_exe_exposed(0x7ffffff0, pidfd));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_namespaces),   cmocka_unit_test(test_parse_elevated),
	    cmocka_unit_test(test_parse_arch),	       cmocka_unit_test(test_proxy_escape),
	    cmocka_unit_test(test_proxy_escape_split), cmocka_unit_test(test_proxy_in_eof_linger),
	    cmocka_unit_test(test_proxy_peer_eof),     cmocka_unit_test(test_proxy_exit_fd),
	    cmocka_unit_test(test_proxy_no_peer),
	    cmocka_unit_test(test_seccomp_bpf_handover),
	    cmocka_unit_test(test_exe_exposed_same_userns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
