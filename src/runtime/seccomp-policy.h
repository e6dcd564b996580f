/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seccomp filters (libseccomp) from lxc.seccomp.profile files in LXC's text
 * format, or the default policy when no profile is set.
 *
 * Version 1: a line "1", a line "whitelist" (or "allowlist"), then syscall
 * numbers, one per line: everything else is killed.
 * Version 2: a line "2", then the policy "denylist"/"blacklist" or
 * "allowlist"/"whitelist", optionally followed by the default action for
 * syscalls not listed; then syscall lines "NAME [ACTION] [ARG]...", where
 * ACTION is kill, allow, trap, log or "errno N" and ARG is
 * "[INDEX,VALUE,OP]" or "[INDEX,VALUE,SCMP_CMP_MASKED_EQ,MASK]" (OP is
 * SCMP_CMP_EQ/NE/LT/LE/GT/GE/MASKED_EQ or ==, !=, <, <=, >, >=, &=);
 * "[ARCH]" lines start a section for one architecture ([all], [x86_64],
 * [x86], [i386], [x32], [arm64], ...): sections for other architectures
 * than the host's are skipped; "reject_force_umount" denies umount2 with
 * MNT_FORCE. Listed syscalls without an action are killed in a denylist
 * and allowed in an allowlist. '#' starts a comment.
 *
 * The default policy denies (EPERM) kexec_load, kexec_file_load,
 * open_by_handle_at, init_module, finit_module, delete_module, iopl,
 * ioperm, swapon, swapoff and forced umount (EACCES), for the native and
 * compat (x86, x32) architectures. On x86_64 hosts it is a cBPF program
 * written out (seccomp-default.c): no libseccomp call for a start without
 * a profile; other hosts build it with libseccomp.
 */
#pragma once

#include "cove/conf.h"
#include "cove/error.h"

/* Parse the profile (or the default) without loading it: errors name the file and line. */
int cove_seccomp_check(const struct cove_conf *c, struct cove_error *err);
/*
 * Build the filter on the host (the profile is a host path); the monitor
 * compiles it once (cove_seccomp_export) and the container process loads
 * that program just before exec (cove_seccomp_load_bpf: needs
 * CAP_SYS_ADMIN in its user namespace, or no_new_privs).
 */
int cove_seccomp_prepare(const struct cove_conf *c, void **ret_filter, struct cove_error *err);
void *cove_seccomp_free(void *filter);
/* The default policy built by libseccomp, whatever the host (what non-x86_64 hosts use; tests). */
int cove_seccomp_prepare_default_lib(void **ret_filter, struct cove_error *err);
/*
 * The default policy as a static cBPF program (struct sock_filter[*ret_n],
 * seccomp-default.c): x86_64 hosts only, -EOPNOTSUPP elsewhere.
 */
int cove_seccomp_default_bpf(const void **ret_prog, size_t *ret_n);

/*
 * The compiled filter (an array of struct sock_filter, as seccomp(2) loads
 * it, flags 0) in a sealed memfd, for processes that join the container
 * later: the monitor hands it to attach (COVE_MON_ATTACH), which installs
 * it with cove_seccomp_load_bpf() (attach-seccomp.c, no libseccomp).
 */
#define COVE_SECCOMP_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
int cove_seccomp_export(void *filter, int *ret_fd, struct cove_error *err);
/* Read a filter exported above (checks the seals and the size); free() the result. */
int cove_seccomp_read_bpf(int fd, void **ret_prog, struct cove_error *err);
/* A program to load from n instructions (copied); free() it. */
void *cove_seccomp_bpf_new(const void *insns, size_t n);
/*
 * The program of a filter that needs no compiling (the default policy as a
 * static program), as cove_seccomp_read_bpf() gives it; -EOPNOTSUPP for a
 * libseccomp one, which goes through cove_seccomp_export().
 */
int cove_seccomp_prog(void *filter, void **ret_prog);
/* Install what cove_seccomp_read_bpf() returned (CAP_SYS_ADMIN in our user ns, or no_new_privs). */
int cove_seccomp_load_bpf(void *prog, struct cove_error *err);
