/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Installing the container's seccomp filter in a process that joins it
 * later (attach), from the BPF program its monitor compiled once at start
 * (seccomp-policy.h): no libseccomp, no profile parsing, one seccomp(2).
 * Kept apart from seccomp.c so that attach does not link libseccomp.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "macro.h"
#include "seccomp-policy.h"

struct bpf_prog {
	struct sock_fprog fprog;
	struct sock_filter insns[];
};

int cove_seccomp_read_bpf(int fd, void **ret_prog, struct cove_error *err)
{
	_cleanup_free_ struct bpf_prog *p = NULL;
	struct stat st;
	size_t n;
	ssize_t r;

	/* Sealed: what we check here is what we load, whoever else holds the fd. */
	if (fcntl(fd, F_GET_SEALS) != COVE_SECCOMP_SEALS)
		return cove_err(err, -EBADMSG, "The container's seccomp filter is not sealed");
	if (fstat(fd, &st) < 0)
		return cove_err(err, -errno, "Failed to stat the container's seccomp filter: %m");
	n = (size_t)st.st_size / sizeof(struct sock_filter);
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 || n > BPF_MAXINSNS)
		return cove_err(err, -EBADMSG, "The container's seccomp filter has a bad size (%lld)",
				(long long)st.st_size);
	p = xmalloc(sizeof(*p) + (size_t)st.st_size);
	/* pread: the file offset is shared with every other holder of this file. */
	r = pread(fd, p->insns, (size_t)st.st_size, 0);
	if (r != st.st_size)
		return cove_err(err, r < 0 ? -errno : -EIO,
				"Failed to read the container's seccomp filter");
	p->fprog = (struct sock_fprog){ .len = (unsigned short)n, .filter = p->insns };
	*ret_prog = TAKE_PTR(p);
	return 0;
}

void *cove_seccomp_bpf_new(const void *insns, size_t n)
{
	struct bpf_prog *p = xmalloc(sizeof(*p) + n * sizeof(struct sock_filter));

	memcpy(p->insns, insns, n * sizeof(struct sock_filter));
	p->fprog = (struct sock_fprog){ .len = (unsigned short)n, .filter = p->insns };
	return p;
}

int cove_seccomp_load_bpf(void *prog, struct cove_error *err)
{
	struct bpf_prog *p = prog;

	if (!p)
		return cove_err(err, -EINVAL, "No seccomp filter prepared");
	/* Flags 0: what libseccomp's seccomp_load() does with our attributes (seccomp.c). */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->fprog) < 0)
		return cove_err(err, -errno, "Failed to load the seccomp filter: %m");
	return 0;
}
