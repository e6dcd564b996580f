/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the start code's pure parts: lxc.init.cmd splitting, the
 * console ring buffer (a pipe stands in for the pty), the start sync
 * messages, and the cgroup backends' create/destroy against a fake cgroup
 * tree in a temporary directory (the v2 layout cannot be had for real on
 * the hosts we test on). No privileges needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "cgroup.h"
#include "console.h"
#include "fileio.h"
#include "start.h"
#include "strutil.h"
#include "strv.h"

static void check_split(const char *in, const char *const *want)
{
	_cleanup_strv_free_ char **l = cove_split_cmdline(in);
	size_t n = 0;

	assert_non_null(l);
	for (; want[n]; n++) {
		assert_non_null(l[n]);
		assert_string_equal(l[n], want[n]);
	}
	assert_null(l[n]);
}

static void test_split_cmdline(void **state)
{
	check_split("/sbin/init", (const char *const[]){ "/sbin/init", NULL });
	check_split("  /bin/sh   -c  'sleep 1000' ",
		    (const char *const[]){ "/bin/sh", "-c", "sleep 1000", NULL });
	check_split("/bin/sh -c \"echo \\\"hi\\\" $x\"",
		    (const char *const[]){ "/bin/sh", "-c", "echo \"hi\" $x", NULL });
	check_split("a\\ b '' c", (const char *const[]){ "a b", "", "c", NULL });
	check_split("", (const char *const[]){ NULL });
	assert_null(cove_split_cmdline("/bin/sh -c 'unterminated"));
	assert_null(cove_split_cmdline("\"open"));
}

static void test_ring_buffer(void **state)
{
	struct cove_console con = { .master = -EBADF, .slave = -EBADF,
				    .log_fds = { -EBADF, -EBADF } };
	char buf[64], ring[8];
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	con.master = p[0];
	con.ring_size = sizeof(ring);
	con.ring = ring;
	assert_int_equal(write(p[1], "abcde", 5), 5);
	assert_int_equal(cove_console_read(&con, buf, sizeof(buf)), 5);
	assert_int_equal(con.ring_len, 5);
	assert_memory_equal(con.ring + con.ring_start, "abcde", 5);
	/* Wrapping keeps the newest ring_size bytes. */
	assert_int_equal(write(p[1], "fghijk", 6), 6);
	assert_int_equal(cove_console_read(&con, buf, sizeof(buf)), 6);
	assert_int_equal(con.ring_len, 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(con.ring[(con.ring_start + i) % 8], "defghijk"[i]);
	/* More than the ring at once. */
	assert_int_equal(write(p[1], "0123456789AB", 12), 12);
	assert_int_equal(cove_console_read(&con, buf, sizeof(buf)), 12);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(con.ring[(con.ring_start + i) % 8], "456789AB"[i]);
	/* EOF of the writer (no slave open) reads as 0. */
	close(p[1]);
	assert_int_equal(cove_console_read(&con, buf, sizeof(buf)), 0);
	close(p[0]);
}

static void test_sync_messages(void **state)
{
	struct cove_error err = {}, sent = {};
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(sync_send(sv[0], SYNC_READY_EXEC, NULL), 0);
	assert_int_equal(sync_wait(sv[1], SYNC_READY_EXEC, &err), 0);
	/* An error from the child arrives with its code and message. */
	cove_err(&sent, -ENOENT, "Failed to exec init '/sbin/nope': No such file or directory");
	assert_int_equal(sync_send(sv[0], SYNC_ERROR, &sent), 0);
	assert_int_equal(sync_wait(sv[1], SYNC_EXEC, &err), -ENOENT);
	assert_string_equal(err.msg, sent.msg);
	/* Another step than the one waited for is a protocol error. */
	assert_int_equal(sync_send(sv[0], SYNC_EXEC, NULL), 0);
	assert_int_equal(sync_wait(sv[1], SYNC_READY_EXEC, &err), -EPROTO);
	/* The end closing (exec) is -EPIPE, for the caller to judge. */
	close(sv[0]);
	assert_int_equal(sync_wait(sv[1], SYNC_EXEC, &err), -EPIPE);
	close(sv[1]);
}

static char *fake_tree(void)
{
	char *d = xstrdup("/tmp/cove-test-cg.XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static struct cove_cgroup *fake_cgroup(const char *root, bool v2, size_t n)
{
	struct cove_cgroup *cg = xnew0(struct cove_cgroup, 1);

	cg->into_fd = -EBADF;
	cg->ops = v2 ? &cgroup_v2_ops : &cgroup_v1_ops;
	cg->n = n;
	cg->h = xnew0(struct cgroup_hier, n);
	for (size_t i = 0; i < n; i++) {
		cg->h[i].mountpoint = xasprintf("%s/h%zu", root, i);
		cg->h[i].controllers = xstrdup(v2 ? "" : i == 0 ? "pids" : "name=systemd");
		cg->h[i].base = xstrdup("/");
		cg->h[i].v2 = v2;
		assert_int_equal(mkdir(cg->h[i].mountpoint, 0755), 0);
	}
	return cg;
}

static void test_cgroup_v2_fake(void **state)
{
	_cleanup_free_ char *root = fake_tree(), *p = NULL, *ctl = NULL;
	struct cove_cgroup *cg = fake_cgroup(root, true, 1);
	struct cove_error err = {};

	p = xasprintf("%s/h0/cgroup.controllers", root);
	assert_int_equal(write_file_atomic(p, "cpu memory pids\n", 16, 0644), 0);
	ctl = xasprintf("%s/h0/cgroup.subtree_control", root);
	assert_int_equal(write_file_atomic(ctl, "", 0, 0644), 0);
	/* A taken name gets -1 appended. */
	free(p);
	p = xasprintf("%s/h0/cove.payload.web", root);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(cove_cgroup_create(cg, "web", &err), 0);
	assert_string_equal(cg->name, "cove.payload.web-1");
	assert_string_equal(cg->path, "/cove.payload.web-1");
	free(p);
	p = xasprintf("%s/h0/cove.payload.web-1", root);
	assert_int_equal(access(p, F_OK), 0);
	/* Controllers were enabled in the parent (one write each: a plain file keeps them overlaid). */
	{
		_cleanup_free_ char *v = NULL;

		assert_int_equal(read_one_line(ctl, &v), 0);
		assert_non_null(startswith(v, "+pids"));
	}
	/* Destroy removes what we made, children first, and not what we did not. */
	{
		_cleanup_free_ char *sub = xasprintf("%s/a/b", p);

		assert_int_equal(mkdir_p(sub, 0755), 0);
	}
	assert_int_equal(cove_cgroup_destroy(cg, &err), 0);
	assert_int_not_equal(access(p, F_OK), 0);
	free(p);
	p = xasprintf("%s/h0/cove.payload.web", root);
	assert_int_equal(access(p, F_OK), 0);
	cove_cgroup_free(cg);
	assert_int_equal(rm_rf(root), 0);
}

static void test_cgroup_v1_fake(void **state)
{
	_cleanup_free_ char *root = fake_tree(), *p = NULL;
	struct cove_cgroup *cg = fake_cgroup(root, false, 2);
	struct cove_error err = {};

	/* Taken in the second hierarchy only: the first is undone, -1 is used everywhere. */
	p = xasprintf("%s/h1/cove.payload.db", root);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(cove_cgroup_create(cg, "db", &err), 0);
	assert_string_equal(cg->name, "cove.payload.db-1");
	free(p);
	p = xasprintf("%s/h0/cove.payload.db", root);
	assert_int_not_equal(access(p, F_OK), 0);
	assert_int_equal(cove_cgroup_destroy(cg, &err), 0);
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *q = xasprintf("%s/h%zu/cove.payload.db-1", root, i);

		assert_int_not_equal(access(q, F_OK), 0);
	}
	free(p);
	p = xasprintf("%s/h1/cove.payload.db", root);
	assert_int_equal(access(p, F_OK), 0);
	cove_cgroup_free(cg);
	assert_int_equal(rm_rf(root), 0);
}

/* The layout found without mountinfo is the one mountinfo gives (this host's, as it is). */
static void test_cgroup_layout_fast(void **state)
{
	_cleanup_(cove_cgroup_freep) struct cove_cgroup *fast = NULL, *slow = NULL;
	struct cove_error err = {};

	(void)state;
	cove_cgroup_test_layout(COVE_CGROUP_LAYOUT_MOUNTINFO);
	if (cove_cgroup_new(&slow, &err) < 0) {
		cove_cgroup_test_layout(COVE_CGROUP_LAYOUT_ANY);
		print_message("# skipped: no cgroup hierarchy here (%s)\n", err.msg);
		skip();
	}
	/* a host laid out as usual must be read without mountinfo (no silent fallback) */
	cove_cgroup_test_layout(COVE_CGROUP_LAYOUT_FAST);
	if (cove_cgroup_new(&fast, &err) < 0) {
		cove_cgroup_test_layout(COVE_CGROUP_LAYOUT_ANY);
		for (size_t i = 0; i < slow->n; i++)
			if (!startswith(slow->h[i].mountpoint, "/sys/fs/cgroup")) {
				print_message("# skipped: cgroups mounted elsewhere (%s)\n",
					      slow->h[i].mountpoint);
				skip();
			}
		fail_msg("the usual layout was not recognised: %s", err.msg);
	}
	cove_cgroup_test_layout(COVE_CGROUP_LAYOUT_ANY);
	assert_int_equal(fast->n, slow->n);
	assert_ptr_equal(fast->ops, slow->ops);
	for (size_t i = 0; i < fast->n; i++) {
		assert_string_equal(fast->h[i].mountpoint, slow->h[i].mountpoint);
		assert_string_equal(fast->h[i].controllers, slow->h[i].controllers);
		assert_string_equal(fast->h[i].base, slow->h[i].base);
		assert_int_equal(fast->h[i].v2, slow->h[i].v2);
	}
	print_message("# %zu hierarchies, the same both ways\n", fast->n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_cmdline),
		cmocka_unit_test(test_ring_buffer),
		cmocka_unit_test(test_sync_messages),
		cmocka_unit_test(test_cgroup_v2_fake),
		cmocka_unit_test(test_cgroup_v1_fake),
		cmocka_unit_test(test_cgroup_layout_fast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
