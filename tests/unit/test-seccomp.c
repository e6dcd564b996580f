/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The default seccomp policy: the cBPF program written out for x86_64
 * hosts (src/runtime/seccomp-default.c) against what libseccomp compiles
 * from the same rules (seccomp.c), both run by a small cBPF interpreter
 * over every arch, syscall number and umount2 flag word that matters; then
 * the kernel loads the program (forked child, no_new_privs) and we check
 * that it denies what it should. No privileges needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cove/conf.h"
#include "fileio.h"
#include "macro.h"
#include "seccomp-policy.h"

static uint32_t alu(const struct sock_filter *i, uint32_t a, uint32_t src, size_t pc)
{
	switch (BPF_OP(i->code)) {
	case BPF_ADD:
		return a + src;
	case BPF_SUB:
		return a - src;
	case BPF_MUL:
		return a * src;
	case BPF_DIV:
		assert_true(src != 0);
		return a / src;
	case BPF_OR:
		return a | src;
	case BPF_AND:
		return a & src;
	case BPF_XOR:
		return a ^ src;
	case BPF_LSH:
		return src < 32 ? a << src : 0;
	case BPF_RSH:
		return src < 32 ? a >> src : 0;
	case BPF_NEG:
		return -a;
	}
	fail_msg("unknown alu 0x%x at %zu", i->code, pc);
	return 0;
}

static bool jump_taken(const struct sock_filter *i, uint32_t a, uint32_t src, size_t pc)
{
	switch (BPF_OP(i->code)) {
	case BPF_JEQ:
		return a == src;
	case BPF_JGT:
		return a > src;
	case BPF_JGE:
		return a >= src;
	case BPF_JSET:
		return (a & src) != 0;
	}
	fail_msg("unknown jump 0x%x at %zu", i->code, pc);
	return false;
}

/* A cBPF program run over struct seccomp_data, as the kernel's seccomp does. */
static uint32_t bpf_run(const struct sock_filter *p, size_t n, const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };

	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &p[pc];
		uint32_t src = BPF_SRC(i->code) == BPF_X ? x : i->k;

		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
		case BPF_LDX: {
			uint32_t v = 0;

			if (i->code == (BPF_LD | BPF_W | BPF_ABS)) {
				assert_true(i->k % 4 == 0 && i->k < sizeof(*d));
				memcpy(&v, (const char *)d + i->k, sizeof(v));
			} else if (BPF_MODE(i->code) == BPF_IMM)
				v = i->k;
			else if (BPF_MODE(i->code) == BPF_MEM) {
				assert_true(i->k < BPF_MEMWORDS);
				v = mem[i->k];
			} else if (BPF_MODE(i->code) == BPF_LEN)
				v = sizeof(*d);
			else
				fail_msg("unknown load 0x%x at %zu", i->code, pc);
			if (BPF_CLASS(i->code) == BPF_LD)
				a = v;
			else
				x = v;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			assert_true(i->k < BPF_MEMWORDS);
			mem[i->k] = BPF_CLASS(i->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			a = alu(i, a, src, pc);
			break;
		case BPF_JMP:
			if (BPF_OP(i->code) == BPF_JA)
				pc += i->k;
			else
				pc += jump_taken(i, a, src, pc) ? i->jt : i->jf;
			break;
		case BPF_RET:
			return BPF_RVAL(i->code) == BPF_A ? a : i->k;
		case BPF_MISC:
			if (BPF_MISCOP(i->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default:
			fail_msg("unknown class 0x%x at %zu", i->code, pc);
		}
	}
	fail_msg("ran off the end of the program");
	return 0;
}

/* The exported memfd, read back as an instruction array (n_ret instructions). */
static struct sock_filter *read_export(void *filter, size_t *n_ret)
{
	_cleanup_close_ int fd = -EBADF;
	struct cove_error err = {};
	struct sock_filter *p;
	struct stat st;

	assert_int_equal(cove_seccomp_export(filter, &fd, &err), 0);
	assert_int_equal(fcntl(fd, F_GET_SEALS), COVE_SECCOMP_SEALS);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(st.st_size > 0 && st.st_size % sizeof(struct sock_filter) == 0);
	p = malloc((size_t)st.st_size);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, (size_t)st.st_size, 0), st.st_size);
	*n_ret = (size_t)st.st_size / sizeof(struct sock_filter);
	return p;
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static const uint64_t arg1_values[] = {
	0,
	MNT_FORCE,
	MNT_FORCE | MNT_DETACH,
	MNT_DETACH,
	0xffffffff00000000ull | MNT_FORCE,
	0xffffffff00000000ull,
	0x100000000ull, /* MNT_FORCE's bit in the high half only */
	0xffffffffffffffffull,
	MNT_EXPIRE | UMOUNT_NOFOLLOW,
};

static void compare(const struct sock_filter *mine, size_t n_mine, const struct sock_filter *lib,
		    size_t n_lib, uint32_t arch, uint32_t nr, unsigned *n_cases)
{
	for (size_t j = 0; j < ELEMENTSOF(arg1_values); j++) {
		struct seccomp_data d = { .nr = (int)nr, .arch = arch, .instruction_pointer = rnd() };
		uint32_t a, b;

		for (size_t k = 0; k < ELEMENTSOF(d.args); k++)
			d.args[k] = rnd();
		d.args[1] = arg1_values[j];
		a = bpf_run(mine, n_mine, &d);
		b = bpf_run(lib, n_lib, &d);
		if (a != b)
			fail_msg("arch 0x%x nr 0x%x arg1 0x%llx: program 0x%x, libseccomp 0x%x", arch, nr,
				 (unsigned long long)d.args[1], a, b);
		(*n_cases)++;
	}
}

static const uint32_t arches[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0,
				   AUDIT_ARCH_X86_64 & ~__AUDIT_ARCH_64BIT };
static const uint32_t odd_nrs[] = { 0x3fffffff, 0x7fffffff, 0x80000000, 0x800000a6,
				    0xc00000a6, 0xc00000a8, 0xfffffffe, 0xffffffff };

/* Every (arch, nr, arg1) of interest: the program decides as libseccomp's filter does. */
static void test_default_same_as_libseccomp(void **state)
{
	_cleanup_free_ struct sock_filter *lib = NULL;
	struct cove_error err = {};
	const void *prog;
	void *filter = NULL;
	unsigned n_cases = 0;
	size_t n, n_lib;

	if (cove_seccomp_default_bpf(&prog, &n) < 0)
		skip(); /* not an x86_64 host: libseccomp builds the default */
	assert_true(n > 0 && n <= BPF_MAXINSNS);
	assert_int_equal(cove_seccomp_prepare_default_lib(&filter, &err), 0);
	lib = read_export(filter, &n_lib);
	filter = cove_seccomp_free(filter);

	for (size_t i = 0; i < ELEMENTSOF(arches); i++) {
		for (uint32_t nr = 0; nr < 1024; nr++) {
			compare(prog, n, lib, n_lib, arches[i], nr, &n_cases);
			compare(prog, n, lib, n_lib, arches[i], 0x40000000 | nr, &n_cases);
		}
		for (size_t j = 0; j < ELEMENTSOF(odd_nrs); j++)
			compare(prog, n, lib, n_lib, arches[i], odd_nrs[j], &n_cases);
	}
	print_message("# %u cases, program %zu instructions, libseccomp's %zu\n", n_cases, n,
		      n_lib);
}

/* Decisions spelled out (not only "the same as libseccomp"). */
static void test_default_decisions(void **state)
{
	static const struct {
		uint32_t arch, nr;
		uint64_t arg1;
		uint32_t ret;
	} cases[] = {
#define EPERM_RET (SECCOMP_RET_ERRNO | EPERM)
#define EACCES_RET (SECCOMP_RET_ERRNO | EACCES)
		{ AUDIT_ARCH_X86_64, 39, 0, SECCOMP_RET_ALLOW },	  /* getpid */
		{ AUDIT_ARCH_X86_64, 167, 0, EPERM_RET },		  /* swapon */
		{ AUDIT_ARCH_X86_64, 168, 0, EPERM_RET },		  /* swapoff */
		{ AUDIT_ARCH_X86_64, 246, 0, EPERM_RET },		  /* kexec_load */
		{ AUDIT_ARCH_X86_64, 320, 0, EPERM_RET },		  /* kexec_file_load */
		{ AUDIT_ARCH_X86_64, 166, MNT_FORCE, EACCES_RET },	  /* umount2 */
		{ AUDIT_ARCH_X86_64, 166, MNT_DETACH, SECCOMP_RET_ALLOW },
		{ AUDIT_ARCH_X86_64, 166, 0xffffffff00000000ull, SECCOMP_RET_ALLOW },
		{ AUDIT_ARCH_X86_64, 166, 0xffffffff00000001ull, EACCES_RET },
		{ AUDIT_ARCH_X86_64, 0x40000000 | 528, 0, EPERM_RET },	  /* x32 kexec_load */
		{ AUDIT_ARCH_X86_64, 0x40000000 | 246, 0, SECCOMP_RET_ALLOW }, /* not x32's */
		{ AUDIT_ARCH_X86_64, 0x40000000 | 166, MNT_FORCE, EACCES_RET },
		{ AUDIT_ARCH_I386, 115, 0, EPERM_RET },			  /* swapoff */
		{ AUDIT_ARCH_I386, 52, MNT_FORCE, EACCES_RET },		  /* umount2 */
		{ AUDIT_ARCH_I386, 22, MNT_FORCE, SECCOMP_RET_ALLOW },	  /* umount */
		{ AUDIT_ARCH_I386, 166, MNT_FORCE, SECCOMP_RET_ALLOW },	  /* not i386's umount2 */
		{ AUDIT_ARCH_I386, 320, 0, SECCOMP_RET_ALLOW },		  /* x86_64's kexec_file_load */
		{ AUDIT_ARCH_AARCH64, 39, 0, SECCOMP_RET_KILL_THREAD },
	};
	const void *prog;
	size_t n;

	if (cove_seccomp_default_bpf(&prog, &n) < 0)
		skip();
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct seccomp_data d = { .nr = (int)cases[i].nr, .arch = cases[i].arch };

		d.args[1] = cases[i].arg1;
		assert_int_equal(bpf_run(prog, n, &d), cases[i].ret);
	}
}

/* What a start without a profile exports is the program; check builds nothing and passes. */
static void test_default_prepare_export(void **state)
{
	_cleanup_free_ struct sock_filter *got = NULL;
	struct cove_conf *c = cove_conf_new();
	struct cove_error err = {};
	const void *prog;
	void *filter = NULL;
	size_t n, n_got;

	assert_int_equal(cove_seccomp_check(c, &err), 0);
	assert_int_equal(cove_seccomp_prepare(c, &filter, &err), 0);
	got = read_export(filter, &n_got);
	if (cove_seccomp_default_bpf(&prog, &n) >= 0) {
		assert_int_equal(n_got, n);
		assert_memory_equal(got, prog, n * sizeof(struct sock_filter));
	}
	/* exported twice from the same object */
	free(read_export(filter, &n_got));
	assert_null(cove_seccomp_free(filter));
	assert_null(cove_seccomp_free(NULL));
	cove_conf_free(c);
}

/* A profile still goes through libseccomp: exported, and errors still reported by check. */
static void test_profile_still_libseccomp(void **state)
{
	char path[] = "/tmp/cove-test-seccomp-XXXXXX";
	_cleanup_close_ int fd = mkstemp(path);
	_cleanup_free_ struct sock_filter *got = NULL;
	struct cove_conf *c = cove_conf_new();
	struct cove_error err = {};
	struct seccomp_data d = { .arch = AUDIT_ARCH_X86_64, .nr = 133 /* mknod */ };
	void *filter = NULL;
	size_t n;
	const char *good = "2\ndenylist\nmknod errno 1\n", *bad = "2\ndenylist\nno_such_syscall\n";

	assert_true(fd >= 0);
	assert_int_equal(loop_write(fd, good, strlen(good)), 0);
	assert_int_equal(cove_conf_set(c, "lxc.seccomp.profile", path, &err), 0);
	assert_int_equal(cove_seccomp_check(c, &err), 0);
	assert_int_equal(cove_seccomp_prepare(c, &filter, &err), 0);
	got = read_export(filter, &n);
	filter = cove_seccomp_free(filter);
#if defined(__x86_64__)
	assert_int_equal(bpf_run(got, n, &d), SECCOMP_RET_ERRNO | 1);
	d.nr = 39;
	assert_int_equal(bpf_run(got, n, &d), SECCOMP_RET_ALLOW);
#endif
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, bad, strlen(bad), 0), (ssize_t)strlen(bad));
	assert_int_equal(cove_seccomp_check(c, &err), -EINVAL);
	assert_int_equal(cove_seccomp_prepare(c, &filter, &err), -EINVAL);
	assert_null(filter);
	(void)unlink(path);
	cove_conf_free(c);
}

#if defined(__x86_64__)
/* A 32-bit syscall through int 0x80 (the kernel sees AUDIT_ARCH_I386); -errno or the result. */
static long int80(long nr, long a, long b)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b)
			 : "memory", "r8", "r9", "r10", "r11");
	return r;
}
#endif

/* In the child, with the program loaded: one exit code per failed check (0: all good). */
static int child_checks(const void *prog, size_t n)
{
	struct sock_fprog fp = { .len = (unsigned short)n, .filter = (struct sock_filter *)prog };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 10;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
		return 11;
	if (getpid() <= 0)
		return 12;
	if (syscall(SYS_swapoff, "/nonexistent") != -1 || errno != EPERM)
		return 13;
	if (syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 0) != -1 || errno != EPERM)
		return 14;
	if (umount2("/nonexistent", MNT_FORCE) != -1 || errno != EACCES)
		return 15;
	if (umount2("/nonexistent", MNT_DETACH) != -1 || errno == EACCES)
		return 16;
	/* x32: the filter sees the number first, whether or not the kernel has x32 */
	if (syscall(0x40000000 | SYS_swapoff, "/nonexistent") != -1 || errno != EPERM)
		return 17;
	return 0;
}

/* The compat entry, in a grandchild (int 0x80 may be off): 0, 1 (no 32-bit syscalls) or a code. */
static int child_checks_i386(void)
{
#if defined(__x86_64__)
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return 20;
	if (pid == 0) {
		if (int80(20 /* getpid */, 0, 0) <= 0)
			_exit(1); /* no 32-bit syscalls here */
		if (int80(115 /* swapoff */, 0, 0) != -EPERM)
			_exit(21);
		if (int80(52 /* umount2 */, 0, MNT_FORCE) != -EACCES)
			_exit(22);
		if (int80(52 /* umount2 */, 0, MNT_DETACH) == -EACCES)
			_exit(23);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		return 24;
	if (WIFSIGNALED(st))
		return 1;
	return WEXITSTATUS(st);
#else
	return 1;
#endif
}

/* The kernel takes the program, and it denies what it should. */
static void test_default_kernel(void **state)
{
	const void *prog;
	size_t n;
	pid_t pid;
	int st;

	if (cove_seccomp_default_bpf(&prog, &n) < 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int r = child_checks(prog, n);

		_exit(r ? r : child_checks_i386());
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 1)
		print_message("# no 32-bit syscalls here: the i386 part was not checked in the kernel\n");
	else
		assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_same_as_libseccomp),
		cmocka_unit_test(test_default_decisions),
		cmocka_unit_test(test_default_prepare_export),
		cmocka_unit_test(test_profile_still_libseccomp),
		cmocka_unit_test(test_default_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
