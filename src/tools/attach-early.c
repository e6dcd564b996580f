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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "cove/container.h"
#include "monitor-proto.h"
#include "rexec.h"

#define EARLY __attribute__((no_stack_protector, used))
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

EARLY static char *append_hex(char *p, char *end, unsigned long v)
{
	char d[16];
	int n = 0;

	do
		d[n++] = "0123456789abcdef"[v & 15];
	while ((v >>= 4) && n < 16);
	while (p && n > 0 && p < end)
		*p++ = d[--n];
	return p && p < end ? p : 0;
}

EARLY static char *append_dec(char *p, char *end, long v)
{
	char d[20];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 20);
	while (p && n > 0 && p < end)
		*p++ = d[--n];
	return p && p < end ? p : 0;
}

/* "LXCPATH/NAME" of the container named in argv, into dir; 0 if unusual (main() decides). */
EARLY static int ct_dir(char **argv, char **envp, char *dir, char *end)
{
	const char *name = 0, *lxcpath = 0, *v;
	char *p;
	long i;

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
	p = append(dir, end, lxcpath ? lxcpath : COVE_DEFAULT_LXCPATH);
	p = append(p, end, "/");
	p = append(p, end, name);
	if (!p)
		return 0;
	*p = 0;
	return 1;
}

/* Does the container's config have an "lxc.idmap" line? */
EARLY static int has_idmap(const char *dir)
{
	char path[4096], buf[CONF_MAX], *p;
	long fd, n, i;
	int bol = 1;

	p = append(path, path + sizeof(path), dir);
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

/* COVE_SEALED_PREFIX "DEV:INO:SIZE:MTIME_S.MTIME_NS" of our binary: what a kept copy must be. */
EARLY static int sealed_name(const struct stat *st, char *buf, char *end)
{
	char *p = append(buf, end, COVE_SEALED_PREFIX);

	p = append_hex(p, end, st->st_dev);
	p = append(p, end, ":");
	p = append_hex(p, end, st->st_ino);
	p = append(p, end, ":");
	p = append_hex(p, end, (unsigned long)st->st_size);
	p = append(p, end, ":");
	p = append_hex(p, end, (unsigned long)st->st_mtim.tv_sec);
	p = append(p, end, ".");
	p = append_hex(p, end, (unsigned long)st->st_mtim.tv_nsec);
	if (!p)
		return 0;
	*p = 0;
	return 1;
}

/*
 * connect() s to the monitor as the other clients do (monitor-proto.h):
 * COVE_MONITOR_RUNDIR/DEV-INO of the container's directory, else
 * /proc/self/fd/DIRFD/monitor.sock.
 */
EARLY static long mon_connect(long s, long dfd, struct sockaddr_un *sa)
{
	char *end = sa->sun_path + sizeof(sa->sun_path), *p;
	struct stat st;

	if (sys(SYS_fstat, dfd, (long)&st, 0, 0, 0) == 0) {
		p = append(sa->sun_path, end, COVE_MONITOR_RUNDIR "/");
		p = append_hex(p, end, st.st_dev);
		p = append(p, end, "-");
		p = append_hex(p, end, st.st_ino);
		if (p && sys(SYS_connect, s, (long)sa, sizeof(*sa), 0, 0) == 0)
			return 0;
	}
	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	p = append(sa->sun_path, end, "/proc/self/fd/");
	p = append_dec(p, end, dfd);
	p = append(p, end, "/" COVE_MONITOR_SOCKET);
	return p ? sys(SYS_connect, s, (long)sa, sizeof(*sa), 0, 0) : -1;
}

/*
 * COVE_MON_EXE with the container's monitor: arg 0 asks for the kept copy
 * (returned, or -1), arg 1 hands fd over. Any trouble: -1, and the copy is
 * made (or not kept) as if there were no monitor.
 */
EARLY static long mon_exe(const char *dir, int arg, long fd)
{
	struct cove_mon_req q = { .version = COVE_MON_VERSION, .cmd = COVE_MON_EXE, .arg = arg };
	struct cove_mon_resp resp;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = &q, .iov_len = sizeof(q) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct cmsghdr *c;
	long dfd, s, n, got = -1;

	dfd = sys(SYS_open, (long)dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, 0, 0);
	if (dfd < 0)
		return -1;
	s = sys(SYS_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, 0, 0);
	if (s >= 0 && mon_connect(s, dfd, &sa) == 0) {
		if (arg == 1) {
			msg.msg_control = u.buf;
			msg.msg_controllen = sizeof(u.buf);
			c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			*(int *)CMSG_DATA(c) = (int)fd;
		}
		if (sys(SYS_sendmsg, s, (long)&msg, MSG_NOSIGNAL, 0, 0) == sizeof(q)) {
			iov = (struct iovec){ .iov_base = &resp, .iov_len = sizeof(resp) };
			msg = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1,
					       .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
			n = sys(SYS_recvmsg, s, (long)&msg, MSG_CMSG_CLOEXEC, 0, 0);
			c = n == sizeof(resp) ? CMSG_FIRSTHDR(&msg) : 0;
			if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
			    c->cmsg_len == CMSG_LEN(sizeof(int)))
				got = *(int *)CMSG_DATA(c);
		}
	}
	if (s >= 0)
		sys(SYS_close, s, 0, 0, 0, 0);
	sys(SYS_close, dfd, 0, 0, 0, 0);
	return got;
}

/* Is fd a sealed memfd named name (see sealed_name)? */
EARLY static int is_copy_of(long fd, const char *name)
{
	char link[64], target[512], *p;
	const char *want;
	long n;

	if (sys(SYS_fcntl, fd, F_GET_SEALS, 0, 0, 0) != COVE_SEALED_SEALS)
		return 0;
	p = append(link, link + sizeof(link), "/proc/self/fd/");
	p = append_dec(p, link + sizeof(link), fd);
	if (!p)
		return 0;
	*p = 0;
	n = sys(SYS_readlink, (long)link, (long)target, sizeof(target) - 1, 0, 0);
	if (n <= 0)
		return 0;
	target[n] = 0;
	/* "/memfd:NAME (deleted)" */
	want = after(target, "/memfd:");
	want = want ? after(want, name) : 0;
	return want && (!*want || after(want, " (deleted)"));
}

/* A sealed memfd copy of exe named name, or -1. */
EARLY static long make_copy(long exe, const struct stat *st, const char *name)
{
	long mfd, off = 0, n;

	/* 0x10: MFD_EXEC (Linux 6.3), refused with EINVAL (-22) before */
	mfd = sys(SYS_memfd_create, (long)name, MFD_CLOEXEC | MFD_ALLOW_SEALING | 0x10, 0, 0, 0);
	if (mfd == -22)
		mfd = sys(SYS_memfd_create, (long)name, MFD_CLOEXEC | MFD_ALLOW_SEALING, 0, 0, 0);
	if (mfd < 0)
		return -1;
	while (off < st->st_size) {
		n = sys(SYS_sendfile, mfd, exe, 0, st->st_size - off, 0);
		if (n == -4) /* EINTR */
			continue;
		if (n <= 0)
			break;
		off += n;
	}
	if (off == st->st_size && sys(SYS_fcntl, mfd, F_ADD_SEALS, COVE_SEALED_SEALS, 0, 0) == 0)
		return mfd;
	sys(SYS_close, mfd, 0, 0, 0, 0);
	return -1;
}

/*
 * Re-execute from a sealed memfd copy, or return to let the C library
 * start. The copy is the container's monitor's when it keeps one of this
 * very binary (COVE_MON_EXE); otherwise made here and handed to it.
 */
EARLY void cove_attach_early(long *sp)
{
	char **argv = (char **)(sp + 1), **envp = argv + sp[0] + 1;
	char dir[4096], name[160];
	struct stat st;
	long exe, mfd;
	int known;

	exe = sys(SYS_open, (long)"/proc/self/exe", O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (exe < 0)
		return;
	if (sys(SYS_fcntl, exe, F_GET_SEALS, 0, 0, 0) == COVE_SEALED_SEALS ||
	    sys(SYS_fstat, exe, (long)&st, 0, 0, 0) < 0 || !sealed_name(&st, name, name + sizeof(name)))
		goto out;
	known = ct_dir(argv, envp, dir, dir + sizeof(dir));
	if (known && has_idmap(dir))
		goto out;
	mfd = known ? mon_exe(dir, 0, -1) : -1;
	if (mfd >= 0 && !is_copy_of(mfd, name)) {
		sys(SYS_close, mfd, 0, 0, 0, 0);
		mfd = -1;
	}
	if (mfd < 0) {
		mfd = make_copy(exe, &st, name);
		if (mfd >= 0 && known)
			(void)mon_exe(dir, 1, mfd);
	}
	if (mfd >= 0) {
		sys(SYS_execveat, mfd, (long)"", (long)argv, (long)envp, 0x1000 /* AT_EMPTY_PATH */);
		sys(SYS_close, mfd, 0, 0, 0, 0);
	}
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
