/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe: one raw syscall per attack class, run inside a container by
 * run.sh. Prints "blocked ERRNO-NAME" when the kernel (seccomp, a
 * capability, a namespace) refused it with EPERM/EACCES, "failed ERRNO" for
 * any other error, "allowed" when the call went through. Static, so that it
 * runs in any rootfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static int report(long r)
{
	if (r >= 0) {
		printf("allowed\n");
		return 2;
	}
	if (errno == EPERM || errno == EACCES) {
		printf("blocked %s\n", strerror(errno));
		return 0;
	}
	printf("failed %s\n", strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	const char *w = argc > 1 ? argv[1] : "";
	struct {
		unsigned int handle_bytes;
		int handle_type;
		unsigned char f_handle[8];
	} fh = { 8, 1, { 2, 0, 0, 0, 0, 0, 0, 0 } }; /* the root inode of a filesystem */

	if (!strcmp(w, "kexec_load"))
		return report(syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL));
	if (!strcmp(w, "kexec_file_load"))
		return report(syscall(SYS_kexec_file_load, -1, -1, 0UL, "", 0UL));
	if (!strcmp(w, "open_by_handle_at"))
		return report(syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY));
	if (!strcmp(w, "init_module"))
		return report(syscall(SYS_init_module, NULL, 0UL, ""));
	if (!strcmp(w, "finit_module"))
		return report(syscall(SYS_finit_module, -1, "", 0));
	if (!strcmp(w, "delete_module"))
		return report(syscall(SYS_delete_module, "cove_no_such_module", 0));
	if (!strcmp(w, "umount_force"))
		return report(umount2(argc > 2 ? argv[2] : "/proc", MNT_FORCE));
	if (!strcmp(w, "iopl"))
		return report(syscall(SYS_iopl, 3));
	if (!strcmp(w, "write") && argc > 2) {
		int fd = open(argv[2], O_WRONLY | O_APPEND | O_CLOEXEC);

		if (fd < 0)
			return report(fd);
		return report(write(fd, argc > 3 ? argv[3] : "x", argc > 3 ? strlen(argv[3]) : 1));
	}
	fprintf(stderr, "usage: probe SYSCALL|write PATH [DATA]\n");
	return 64;
}
