/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control protocol between cove-monitor and its clients (cove-* tools,
 * coved). A SOCK_SEQPACKET unix socket (cove_monitor_addr()); each
 * request is one struct cove_mon_req, each reply one struct cove_mon_resp,
 * fds travel with the reply (SCM_RIGHTS; with the request only for
 * COVE_MON_EXE's hand-over). Both ends are built from this tree, so the
 * structs are sent as they are in memory; version guards mismatches.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

/*
 * Where a container's control socket is. First COVE_MONITOR_RUNDIR/DEV-INO,
 * the device and inode numbers (hex) of the container's directory, on a
 * tmpfs: binding in the container's own directory made an inode on its
 * file system at each start, and ext4 without a journal makes that slow
 * where many were made and deleted lately (0.1-0.4 ms at each start). The
 * directory's inode is the container's identity: a copied or recreated
 * directory has another one, and the monitor holds its directory open, so
 * the number is not reused while it runs. When the run directory cannot be
 * used (not root, no /run), the socket is DIRFD/monitor.sock, reached
 * through /proc/self/fd/DIRFD/monitor.sock so that long lxcpaths do not hit
 * the 108-byte sun_path limit. Clients try both, in that order.
 */
#define COVE_MONITOR_RUNDIR "/run/cove/mon"

int cove_monitor_addr(int dirfd, bool in_rundir, struct sockaddr_un *sa, socklen_t *len);
/*
 * connect() fd to the socket at one of its places: 1, 0 when nobody is
 * there (*refused set when a socket is there but nobody listens: its
 * monitor died), -errno.
 */
int cove_monitor_connect_at(int fd, int dirfd, bool in_rundir, bool *refused);

#define COVE_MON_VERSION 1

enum cove_mon_cmd {
	COVE_MON_STATUS,  /* reply: state, init pid, cgroup; fd: pidfd of init (if running) */
	COVE_MON_STOP,	  /* arg = enum cove_stop_mode, timeout = seconds, flags = COVE_MON_F_*;
			     reply once stopped and torn down (or at once with NOWAIT) */
	COVE_MON_WAIT,	  /* arg = mask of states; reply when the state is in the mask */
	COVE_MON_CONSOLE, /* arg = tty number (0 console, -1 first free); fd: the tty's stream */
	COVE_MON_FREEZE,  /* reply once FROZEN (freezer.state / cgroup.freeze) */
	COVE_MON_UNFREEZE, /* reply once thawed (RUNNING again) */
	COVE_MON_ATTACH,  /* STATUS for attach; fds: pidfd of init and the container's seccomp
			     filter (sealed memfd of BPF, seccomp-policy.h), when RUNNING */
	COVE_MON_EXE,	  /* cove-attach's sealed copy of itself (rexec.h), kept for the next
			     attach: arg 0 asks for it (fd, or -ENOENT), arg 1 hands one over
			     (fd with the request). The memfd's name says which binary it is a
			     copy of (COVE_SEALED_NAME); attach checks it and the seals. */
	_COVE_MON_CMD_MAX,
};

/* "cove-sealed:DEV:INO:SIZE:MTIME_S.MTIME_NS" (hex) of the file copied, for COVE_MON_EXE */
#define COVE_SEALED_PREFIX "cove-sealed:"

enum {
	COVE_MON_F_NOKILL = 1 << 0,
	COVE_MON_F_NOWAIT = 1 << 1,
};

struct cove_mon_req {
	uint32_t version;
	uint32_t cmd;
	int32_t arg;
	int32_t timeout;
	uint32_t flags;
};

struct cove_mon_resp {
	uint32_t version;
	int32_t ret;	  /* 0 or -errno */
	uint32_t state;	  /* enum cove_state */
	int32_t init_pid;
	int32_t arg;	  /* tty number for CONSOLE */
	char cgroup[256];
	char msg[512];	  /* error message when ret < 0 */
};

/*
 * cove-start -> cove-monitor: the monitor is exec'd with the write end of a
 * SOCK_SEQPACKET socketpair (--sync-fd) and reports once on it: RUNNING, or
 * ERROR with the message of the failure (from the container child if it
 * failed there). In foreground mode the monitor keeps the fd open until it
 * exits, so EOF tells cove-start that the container has stopped.
 */
enum cove_mon_sync_type {
	COVE_MON_SYNC_RUNNING,
	COVE_MON_SYNC_ERROR,
};

struct cove_mon_sync {
	uint32_t type;
	int32_t code;	/* -errno for ERROR; the monitor's pid for RUNNING */
	char msg[1024]; /* COVE_ERROR_MAX */
};

/*
 * Client side of COVE_MON_ATTACH (monitor-client.c): like
 * cove_container_status() with the pidfd, plus the sealed memfd holding the
 * container's compiled seccomp filter (-EBADF unless RUNNING).
 */
struct cove_container;
struct cove_status;
struct cove_error;
int cove_container_attach_status(const struct cove_container *ct, struct cove_status *ret,
				 int *ret_pidfd, int *ret_bpf_fd, struct cove_error *err);
