/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-attach's entry point (x86_64): the sealed re-exec (rexec.h) before
 * the C library starts. A static glibc spends a good part of a short run
 * in its start-up (CPU feature probing with cpuid, which traps in a VM);
 * the copy we re-execute pays it anyway, so the first image skips it: this
 * runs on the raw process stack with raw system calls and nothing of libc
 * (no TLS yet: no stack protector, no errno, no ifunc'ed string functions).
 *
 * It only saves time, it decides nothing about safety: when it re-executes
 * (the container's config has no lxc.idmap line, or anything is unclear),
 * the copy is sealed; when it does not, main() runs as before and decides
 * with the real checks (cove_attach_exe_maybe_exposed(), and
 * require_sealed_exe on the running container), re-executing if needed.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "cove/container.h"

#define EARLY __attribute__((no_stack_protector, used))
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define CONF_MAX 16384

EARLY static long sys(long n, long a, long b, long c, long d, long e)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

EARLY static const char *after(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (*s != *prefix)
			return 0;
	return s;
}

EARLY static char *append(char *p, char *end, const char *s)
{
	while (p && *s && p < end)
		*p++ = *s++;
	return p && p < end ? p : 0;
}

/* Does the container named in argv have an "lxc.idmap" line in its config? */
EARLY static int has_idmap(char **argv, char **envp)
{
	const char *name = 0, *lxcpath = 0, *v;
	char path[4096], buf[CONF_MAX], *p;
	long fd, n, i;
	int bol = 1;

	for (i = 1; argv[i] && !(argv[i][0] == '-' && argv[i][1] == '-' && !argv[i][2]); i++) {
		if ((v = after(argv[i], "--name=")) || ((v = after(argv[i], "-n")) && *v))
			name = v;
		else if ((v = after(argv[i], "--lxcpath=")) || ((v = after(argv[i], "-P")) && *v))
			lxcpath = v;
		else if ((after(argv[i], "-n") || after(argv[i], "--name")) && argv[i + 1])
			name = argv[++i];
		else if ((after(argv[i], "-P") || after(argv[i], "--lxcpath")) && argv[i + 1])
			lxcpath = argv[++i];
	}
	for (i = 0; !lxcpath && envp[i]; i++)
		if ((v = after(envp[i], "COVE_LXCPATH=")) && *v)
			lxcpath = v;
	if (!name)
		return 0; /* positional or unusual: let main() decide after the re-exec */
	p = append(path, path + sizeof(path), lxcpath ? lxcpath : COVE_DEFAULT_LXCPATH);
	p = append(p, path + sizeof(path), "/");
	p = append(p, path + sizeof(path), name);
	p = append(p, path + sizeof(path), "/config");
	if (!p)
		return 0;
	*p = 0;
	fd = sys(SYS_open, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return 0;
	n = sys(SYS_read, fd, (long)buf, sizeof(buf) - 1, 0, 0);
	sys(SYS_close, fd, 0, 0, 0, 0);
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n')
			bol = 1;
		else if (bol && buf[i] != ' ' && buf[i] != '\t') {
			buf[n] = 0;
			if (after(buf + i, "lxc.idmap"))
				return 1;
			bol = 0;
		}
	}
	return 0;
}

/* Re-execute from a sealed memfd copy, or return to let the C library start. */
EARLY void cove_attach_early(long *sp)
{
	char **argv = (char **)(sp + 1), **envp = argv + sp[0] + 1;
	long exe, mfd, off = 0, n;
	struct { /* the start of struct stat on x86_64: st_size at offset 48 */
		long pad[6];
		long size;
		long rest[11];
	} st;

	exe = sys(SYS_open, (long)"/proc/self/exe", O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (exe < 0)
		return;
	if (sys(SYS_fcntl, exe, F_GET_SEALS, 0, 0, 0) == SEALS || has_idmap(argv, envp) ||
	    sys(SYS_fstat, exe, (long)&st, 0, 0, 0) < 0)
		goto out;
	/* 0x10: MFD_EXEC (Linux 6.3), refused with EINVAL (-22) before */
	mfd = sys(SYS_memfd_create, (long)"cove-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING | 0x10, 0, 0,
		  0);
	if (mfd == -22)
		mfd = sys(SYS_memfd_create, (long)"cove-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING, 0,
			  0, 0);
	if (mfd < 0)
		goto out;
	while (off < st.size) {
		n = sys(SYS_sendfile, mfd, exe, 0, st.size - off, 0);
		if (n == -4) /* EINTR */
			continue;
		if (n <= 0)
			goto out_mfd;
		off += n;
	}
	if (sys(SYS_fcntl, mfd, F_ADD_SEALS, SEALS, 0, 0) == 0)
		sys(SYS_execveat, mfd, (long)"", (long)argv, (long)envp, 0x1000 /* AT_EMPTY_PATH */);
out_mfd:
	sys(SYS_close, mfd, 0, 0, 0, 0);
out:
	sys(SYS_close, exe, 0, 0, 0, 0);
}

/* The ELF entry (-e): keep %rdx (rtld_fini) and the stack for the C library's _start. */
__asm__(".text\n"
	".globl cove_attach_entry\n"
	".type cove_attach_entry, @function\n"
	"cove_attach_entry:\n"
	"	mov %rdx, %r12\n"
	"	mov %rsp, %rdi\n"
	"	call cove_attach_early\n"
	"	mov %r12, %rdx\n"
	"	jmp _start\n");
