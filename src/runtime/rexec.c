/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Re-exec from a sealed memfd copy of ourselves (see rexec.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "rexec.h"

#ifndef MFD_EXEC
#define COVE_MFD_EXEC 0x0010U
#else
#define COVE_MFD_EXEC MFD_EXEC
#endif

bool cove_rexec_is_sealed(void)
{
	static int sealed = -1; /* what a process runs from does not change until it exec()s */
	_cleanup_close_ int exe = -EBADF;

	if (sealed >= 0)
		return sealed;
	exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	sealed = exe >= 0 && fcntl(exe, F_GET_SEALS) == COVE_SEALED_SEALS;
	return sealed;
}

int cove_rexec_sealed(char **argv)
{
	_cleanup_close_ int exe = -EBADF, mfd = -EBADF;
	struct stat st;
	off_t off = 0;

	exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		return -errno;
	/* Already the sealed copy. */
	if (fcntl(exe, F_GET_SEALS) == COVE_SEALED_SEALS)
		return 0;
	if (fstat(exe, &st) < 0)
		return -errno;
	/* MFD_EXEC (Linux 6.3): executable even where vm.memfd_noexec makes that opt-in. */
	mfd = memfd_create("cove-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING | COVE_MFD_EXEC);
	if (mfd < 0 && errno == EINVAL)
		mfd = memfd_create("cove-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -errno;
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, exe, NULL, (size_t)(st.st_size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += n;
	}
	if (fcntl(mfd, F_ADD_SEALS, COVE_SEALED_SEALS) < 0)
		return -errno;
	fexecve(mfd, argv, environ);
	return -errno;
}
