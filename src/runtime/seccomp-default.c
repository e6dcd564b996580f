/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The default seccomp policy (seccomp-policy.h) written out as a cBPF
 * program for x86_64 hosts, so that a start without lxc.seccomp.profile
 * makes no libseccomp call at all (seccomp_init, the rules and the BPF
 * generation cost ~150 us of CPU on the way to RUNNING).
 *
 * It makes the decisions libseccomp 2.5's filter makes for the same rules
 * (seccomp.c, default_profile_lib(); tests/unit/test-seccomp.c runs both
 * over every arch, syscall number and umount2 flag word that matters):
 * - default action ALLOW;
 * - AUDIT_ARCH_X86_64 carries both x86_64 numbers and x32 ones (bit 30,
 *   __X32_SYSCALL_BIT, set): each ABI's own numbers are denied, nothing
 *   else (an x32-bit number outside the x32 table, or an x86_64-only
 *   number with the bit set such as 0x40000000|246, is allowed, as in
 *   libseccomp's filter);
 * - AUDIT_ARCH_I386 (int 0x80 and compat entry) has its own numbers and no
 *   kexec_file_load; its umount (22) has no flags and is allowed;
 * - any other arch: SECCOMP_RET_KILL_THREAD, libseccomp's default
 *   SCMP_FLTATR_ACT_BADARCH (SCMP_ACT_KILL);
 * - umount2 with MNT_FORCE in arg1 -> EACCES: libseccomp compares the low
 *   32 bits only (on x86_64 it also tests "hi32 & 0 == 0", always true),
 *   so the high half of arg1 is ignored here too.
 * The numbers are the kernel's syscall tables (arch/x86/entry/syscalls),
 * the same as libseccomp's.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mount.h>

#include "macro.h"
#include "seccomp-policy.h"

#if defined(__x86_64__) && !defined(__ILP32__)

#define X32(nr) (0x40000000u | (nr))

/* struct seccomp_data; x86 is little endian: the low half of a u64 comes first */
#define OFF_NR offsetof(struct seccomp_data, nr)
#define OFF_ARCH offsetof(struct seccomp_data, arch)
#define OFF_ARG1_LO offsetof(struct seccomp_data, args[1])

#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
/* instruction AT: if A == K, on to instruction TO, else to the next one */
#define JEQ_TO(at, k, to) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (to) - (at) - 1, 0)
#define DENY(at, k) [at] = JEQ_TO(at, k, P_EPERM)

/*
 * Where the blocks start (the array below has its indices written out).
 * The numbers are tested as a small tree rather than one after the other:
 * when the filter is loaded, the kernel runs it for every syscall number of
 * both arches to find those it always allows (its action cache), and that
 * walk costs in proportion to the length of the paths: ~9 tests per
 * number here against ~21 in a straight list, 0.1 ms less per start.
 */
enum {
	P_X86_64 = 2,  /* A = nr, x86_64 or x32 */
	P_HI = 15,     /* x86_64, 246 <= nr <= 320 */
	P_X32 = 20,    /* nr has the x32 bit: those are not in the cache, a list is fine */
	P_I386 = 32,   /* A = arch still: I386 or kill */
	P_I386_HI = 43, /* i386, 128 <= nr <= 350 */
	P_UMOUNT = 49, /* umount2: A = low half of arg1 */
	P_ALLOW = 52,
	P_EPERM = 53,
	P_KILL = 54,
	P_LEN = 55,
};

/* instruction AT: if A >= K (unsigned), on to instruction TO, else to the next one */
#define JGE_TO(at, k, to) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (k), (to) - (at) - 1, 0)
/* instruction AT: if A > K, on to TO; else the next one */
#define JGT_TO(at, k, to) BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (k), (to) - (at) - 1, 0)
/* instruction AT: if A >= K, the next one; else on to TO */
#define JLT_TO(at, k, to) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (k), 0, (to) - (at) - 1)

_Static_assert(MNT_FORCE == 1, "JSET tests one bit: (arg1 & MNT_FORCE) == MNT_FORCE");

static const struct sock_filter prog[] = {
	[0] = LD(OFF_ARCH),
	[1] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, P_I386 - 1 - 1),

	[P_X86_64] = LD(OFF_NR),
	[3] = JGE_TO(3, X32(0), P_X32),
	[4] = JGT_TO(4, 320, P_ALLOW),
	[5] = JGE_TO(5, 246, P_HI),
	[6] = JLT_TO(6, 166, P_ALLOW),
	[7] = JEQ_TO(7, 166, P_UMOUNT), /* umount2 */
	DENY(8, 167),			/* swapon */
	DENY(9, 168),			/* swapoff */
	DENY(10, 172),			/* iopl */
	DENY(11, 173),			/* ioperm */
	DENY(12, 175),			/* init_module */
	DENY(13, 176),			/* delete_module */
	[14] = RET(SECCOMP_RET_ALLOW),
	DENY(P_HI, 246),		/* kexec_load */
	DENY(16, 304),			/* open_by_handle_at */
	DENY(17, 313),			/* finit_module */
	DENY(18, 320),			/* kexec_file_load */
	[19] = RET(SECCOMP_RET_ALLOW),

	[P_X32] = JEQ_TO(P_X32, X32(166), P_UMOUNT), /* x32 umount2 */
	DENY(21, X32(167)),			     /* x32 swapon */
	DENY(22, X32(168)),			     /* x32 swapoff */
	DENY(23, X32(172)),			     /* x32 iopl */
	DENY(24, X32(173)),			     /* x32 ioperm */
	DENY(25, X32(175)),			     /* x32 init_module */
	DENY(26, X32(176)),			     /* x32 delete_module */
	DENY(27, X32(304)),			     /* x32 open_by_handle_at */
	DENY(28, X32(313)),			     /* x32 finit_module */
	DENY(29, X32(320)),			     /* x32 kexec_file_load */
	DENY(30, X32(528)),			     /* x32 kexec_load (its compat entry) */
	[31] = RET(SECCOMP_RET_ALLOW),

	[P_I386] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, P_KILL - P_I386 - 1),
	[33] = LD(OFF_NR),
	[34] = JGT_TO(34, 350, P_ALLOW),
	[35] = JGE_TO(35, 128, P_I386_HI),
	[36] = JLT_TO(36, 52, P_ALLOW),
	[37] = JEQ_TO(37, 52, P_UMOUNT), /* umount2 */
	DENY(38, 87),			 /* swapon */
	DENY(39, 101),			 /* ioperm */
	DENY(40, 110),			 /* iopl */
	DENY(41, 115),			 /* swapoff */
	[42] = RET(SECCOMP_RET_ALLOW),
	DENY(P_I386_HI, 128),		 /* init_module */
	DENY(44, 129),			 /* delete_module */
	DENY(45, 283),			 /* kexec_load */
	DENY(46, 342),			 /* open_by_handle_at */
	DENY(47, 350),			 /* finit_module */
	[48] = RET(SECCOMP_RET_ALLOW),

	[P_UMOUNT] = LD(OFF_ARG1_LO),
	[50] = BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MNT_FORCE, 0, 1),
	[51] = RET(SECCOMP_RET_ERRNO | EACCES),
	[P_ALLOW] = RET(SECCOMP_RET_ALLOW),
	[P_EPERM] = RET(SECCOMP_RET_ERRNO | EPERM),
	[P_KILL] = RET(SECCOMP_RET_KILL_THREAD),
};

_Static_assert(ELEMENTSOF(prog) == P_LEN, "the block indices match the program");
_Static_assert(P_LEN <= BPF_MAXINSNS, "the program fits");

int cove_seccomp_default_bpf(const void **ret_prog, size_t *ret_n)
{
	*ret_prog = prog;
	*ret_n = ELEMENTSOF(prog);
	return 0;
}

#else

/* Other hosts build the default with libseccomp (seccomp.c). */
int cove_seccomp_default_bpf(const void **ret_prog, size_t *ret_n)
{
	(void)ret_prog;
	(void)ret_n;
	return -EOPNOTSUPP;
}

#endif
