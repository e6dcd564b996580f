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

/* Where the blocks start (the array below has its indices written out). */
enum {
	P_X86_64 = 2,  /* A = nr, x86_64 or x32 */
	P_I386 = 26,   /* A = arch still: I386 or kill */
	P_UMOUNT = 39, /* umount2: A = low half of arg1 */
	P_EPERM = 43,
	P_KILL = 44,
	P_LEN = 45,
};

_Static_assert(MNT_FORCE == 1, "JSET tests one bit: (arg1 & MNT_FORCE) == MNT_FORCE");

static const struct sock_filter prog[] = {
	[0] = LD(OFF_ARCH),
	[1] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, P_I386 - 1 - 1),

	[P_X86_64] = LD(OFF_NR),
	[3] = JEQ_TO(3, 166, P_UMOUNT),	     /* umount2 */
	[4] = JEQ_TO(4, X32(166), P_UMOUNT), /* x32 umount2 */
	DENY(5, 167),			     /* swapon */
	DENY(6, 168),			     /* swapoff */
	DENY(7, 172),			     /* iopl */
	DENY(8, 173),			     /* ioperm */
	DENY(9, 175),			     /* init_module */
	DENY(10, 176),			     /* delete_module */
	DENY(11, 246),			     /* kexec_load */
	DENY(12, 304),			     /* open_by_handle_at */
	DENY(13, 313),			     /* finit_module */
	DENY(14, 320),			     /* kexec_file_load */
	DENY(15, X32(167)),		     /* x32 swapon */
	DENY(16, X32(168)),		     /* x32 swapoff */
	DENY(17, X32(172)),		     /* x32 iopl */
	DENY(18, X32(173)),		     /* x32 ioperm */
	DENY(19, X32(175)),		     /* x32 init_module */
	DENY(20, X32(176)),		     /* x32 delete_module */
	DENY(21, X32(304)),		     /* x32 open_by_handle_at */
	DENY(22, X32(313)),		     /* x32 finit_module */
	DENY(23, X32(320)),		     /* x32 kexec_file_load */
	DENY(24, X32(528)),		     /* x32 kexec_load (its compat entry) */
	[25] = RET(SECCOMP_RET_ALLOW),

	[P_I386] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, P_KILL - P_I386 - 1),
	[27] = LD(OFF_NR),
	[28] = JEQ_TO(28, 52, P_UMOUNT), /* umount2 */
	DENY(29, 87),			 /* swapon */
	DENY(30, 101),			 /* ioperm */
	DENY(31, 110),			 /* iopl */
	DENY(32, 115),			 /* swapoff */
	DENY(33, 128),			 /* init_module */
	DENY(34, 129),			 /* delete_module */
	DENY(35, 283),			 /* kexec_load */
	DENY(36, 342),			 /* open_by_handle_at */
	DENY(37, 350),			 /* finit_module */
	[38] = RET(SECCOMP_RET_ALLOW),

	[P_UMOUNT] = LD(OFF_ARG1_LO),
	[40] = BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MNT_FORCE, 0, 1),
	[41] = RET(SECCOMP_RET_ERRNO | EACCES),
	[42] = RET(SECCOMP_RET_ALLOW),
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
