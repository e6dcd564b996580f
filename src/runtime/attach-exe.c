/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Does cove-attach need its sealed re-exec (rexec.h) for this container?
 *
 * The threat (CVE-2019-5736): between setns() and exec the attached child
 * runs our binary inside the container, so a container root that can open
 * /proc/CHILD/exe (or, with "#!/proc/self/exe" as the command, of the exec'd
 * process) gets a reference to the host's file and writes it once we exit.
 *
 * Without a user namespace, container root is host root (CAP_SYS_PTRACE,
 * CAP_DAC_OVERRIDE in the initial user namespace): it can do both, so the
 * child must run from a sealed memfd copy. With a user namespace whose maps
 * do not contain the owner of our executable, neither works:
 *  - /proc/CHILD/exe (and map_files) need ptrace access to the child, which
 *    is non-dumpable from its first instruction and whose mm belongs to the
 *    initial user namespace: that takes CAP_SYS_PTRACE there (and map_files
 *    CAP_SYS_ADMIN there), which no process of the container has;
 *  - a process that exec'd our binary through "#!/proc/self/exe" is the
 *    container's own, but writing the file behind its exe link is a plain
 *    permission check on a host inode: capabilities of a user namespace
 *    (CAP_DAC_OVERRIDE, CAP_FOWNER for chmod) apply only to inodes whose uid
 *    and gid are mapped in it, so an unmapped owner leaves the mode bits,
 *    and those must not let "other" (or a mapped group) write.
 * Anything unclear (a map we cannot read, an init that exited) counts as
 * exposed: the re-exec is always safe, only slower.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach-internal.h"
#include "fileio.h"
#include "strutil.h"

#define ID_MAP_MAX (64 * 1024)

/* Is id (a host id) inside one of the ranges of a /proc/PID/{uid,gid}_map? Unreadable: yes. */
static bool id_mapped(pid_t pid, const char *map, unsigned long id)
{
	_cleanup_free_ char *buf = NULL;
	char path[64], *save = NULL;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, map);
	if (read_full_file(path, ID_MAP_MAX, &buf, NULL) < 0)
		return true;
	/* Lines "INSIDE OUTSIDE COUNT". */
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long v[3];
		char *p = l, *end;

		for (int i = 0; i < 3; i++, p = end) {
			errno = 0;
			v[i] = strtoul(p, &end, 10);
			if (errno || end == p)
				return true;
		}
		if (id >= v[1] && id - v[1] < v[2])
			return true;
	}
	return false;
}

bool attach_exe_exposed(pid_t init_pid, int pidfd)
{
	struct stat exe, theirs, ours;
	char path[64];

	if (stat("/proc/self/exe", &exe) < 0 || (exe.st_mode & S_IWOTH))
		return true;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)init_pid);
	if (stat(path, &theirs) < 0 || stat("/proc/self/ns/user", &ours) < 0)
		return true;
	if (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev)
		return true; /* no user namespace: container root is host root */
	if (id_mapped(init_pid, "uid_map", exe.st_uid) ||
	    ((exe.st_mode & S_IWGRP) && id_mapped(init_pid, "gid_map", exe.st_gid)))
		return true;
	/* What we read under /proc/PID was init's only if init still lives. */
	return pidfd_send_signal(pidfd, 0, NULL, 0) < 0;
}

int cove_attach_exe_maybe_exposed(struct cove_container *ct)
{
	struct cove_error err = {};

	if (!ct->conf && cove_container_load_conf(ct, &err) < 0)
		return 1;
	return ct->conf->n_idmaps == 0;
}
