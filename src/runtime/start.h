/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Creating a container: run by cove-monitor, which stays the parent of the
 * container's init. The parent steps (start.c) prepare the rootfs path, the
 * terminals and the cgroup, run pre-start hooks and clone the child into new
 * namespaces; the child steps (start-child.c) set up mounts, /dev, hooks and
 * the process, then exec init. Parent and child talk over a SOCK_SEQPACKET
 * socketpair with typed messages; a child error reaches the parent with its
 * message, and the end of the child's socket (close-on-exec) means init runs.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "console.h"
#include "cove/conf.h"
#include "cove/error.h"

enum cove_sync_step {
	SYNC_READY_EXEC,  /* child -> parent: set up; run start-host hooks (only if any) */
	SYNC_EXEC,	  /* parent -> child: go on and exec */
	SYNC_ERROR,	  /* child -> parent: failed, with a message */
	SYNC_IDMAP,	  /* parent -> child: ids mapped; may carry the idmapped rootfs (idmap.h) */
	SYNC_CGROUP,	  /* parent -> child: cgroup made; carries the files to enter it by */
	SYNC_EXECING,	  /* child -> parent: init found and executable, exec follows */
	_SYNC_STEP_MAX,
	_SYNC_STEP_INVALID = -22,
};

/* At most this many fds come with SYNC_CGROUP (one per hierarchy; fileio's send_fds limit). */
#define COVE_SYNC_MAX_FDS 16

struct cove_sync_msg {
	uint32_t step;
	int32_t code;
	char msg[COVE_ERROR_MAX];
};

int sync_send(int fd, int step, const struct cove_error *err);
/* Wait for one message of type step; an ERROR message or EOF turns into a failure. */
int sync_wait(int fd, int step, struct cove_error *err);

/*
 * At -l TRACE, each start step logs its wall-clock and CPU time ("step timer");
 * otherwise begin/end cost one comparison.
 */
struct cove_step_timer {
	int64_t wall_ns, cpu_ns;
};
void cove_step_timer_begin(struct cove_step_timer *t);
void cove_step_timer_end(const struct cove_step_timer *t, const char *side, const char *step);

struct cove_run {
	struct cove_conf *conf;	  /* borrowed */
	const char *name;	  /* borrowed */
	const char *config_path;  /* borrowed */
	char *const *init_argv;	  /* borrowed; NULL: lxc.init.cmd */
	const char *console_file; /* borrowed: cove-start -c, or NULL */
	int log_fd;		  /* borrowed: where hooks write, -1: /dev/null */
	int report_fd;		  /* borrowed: cove-start's sync socket, or -1 (see start_child) */
	pid_t monitor_pid;	  /* what RUNNING on report_fd carries (cove-start -p) */
	bool child_reported;	  /* the child's EXECING came, so its RUNNING did (same send, same filter) */

	char *rootfs;		  /* owned: absolute rootfs directory */
	struct cove_cgroup *cg;	  /* owned, kept across reboots */
	struct cove_console *con; /* owned, kept across reboots */
	pid_t pid;		  /* init, host pid; 0 when not running */
	int pidfd;		  /* owned */
	bool share_net;		  /* lxc.net.N.type = none */
	struct cove_netns *net;	  /* owned: lxc.net.N interfaces and their netns (net/net.h) */
	void *seccomp;		  /* owned: the filter, as libseccomp holds it (seccomp-policy.h) */
	int seccomp_fd;		  /* owned: it compiled, sealed (attach installs it too), or -EBADF */
	void *seccomp_bpf;	  /* owned: the same, read back: what the child loads before exec */
	int *cg_fds;		  /* owned during a start: files the child enters its cgroup by (SYNC_CGROUP) */
	size_t n_cg_fds;
	int netns_fd;		  /* owned until the clone: the netns made ahead (netns-early.c), or -EBADF */
	int netns_err;		  /* the thread's failure, when it had one */
	bool netns_busy;	  /* the thread runs: join it (cove_run_netns_end) */
	bool netns_done;	  /* the thread has finished (atomic) */
	int netns_chan;		  /* owned: cove-start sends the netns made ahead there, or -EBADF */
	int netns_lo;		  /* owned: a socket in the netns made ahead, whose lo is still down */
	pthread_t netns_thread;
};

void cove_run_init(struct cove_run *run);
/* Refuse what this build cannot do yet (one clear line naming the key). Logs info lines. */
int cove_run_check(const struct cove_conf *c, struct cove_error *err);
/* The same, keeping in run what the checks built for the start (the seccomp filter). */
int cove_run_check_prepare(struct cove_run *run, const struct cove_conf *c, struct cove_error *err);
/* Create the container (again, after a reboot); on success init runs as run->pid. */
int cove_run_start(struct cove_run *run, struct cove_error *err);
/*
 * After init has been reaped: stop and post-stop hooks (target "stop" or
 * "reboot"), and when not rebooting, removal of the cgroups.
 */
int cove_run_stopped(struct cove_run *run, const char *target, struct cove_error *err);
/* Free what run owns (does not stop anything). */
void cove_run_done(struct cove_run *run);

/*
 * The netns made ahead of the clone by a thread (netns-early.c): begin once
 * conf and share_net are set (nothing happens for a shared netns or a user
 * namespace); end joins it and returns the netns fd, or -EBADF when the
 * clone must make the netns itself.
 */
void cove_run_netns_begin(struct cove_run *run);
int cove_run_netns_end(struct cove_run *run);
/* Would cove_run_netns_end() return at once? */
bool cove_run_netns_ready(struct cove_run *run);
/* A privileged container that does not share the host's netns gets one made ahead. */
bool cove_netns_ahead(const struct cove_conf *c);
/*
 * cove-start's side (cove_container_start with a forked monitor): make the
 * netns of the container whose config is at config_path (with defines) and
 * send it on chan, where the monitor waits for it (netns_chan). Sends
 * nothing when the container gets none or anything fails: the monitor then
 * reads EOF and the clone makes it. Leaves the caller in that netns.
 */
void cove_netns_offer(const char *config_path, char *const *defines, int chan);
/*
 * cove-start forks the monitor and makes its netns meanwhile: the monitor
 * keeps off cove-start's CPU, where the scheduler tends to queue a fork
 * behind its parent while the other CPU idles, until it has the netns
 * (cove_run_netns_chan_close() puts its affinity back).
 */
void cove_netns_fork_prepare(void); /* before the fork */
void cove_netns_fork_place(pid_t child); /* after it, in the parent */
/* Close netns_chan without waiting (and put back what cove_netns_fork_place() changed). */
void cove_run_netns_chan_close(struct cove_run *run);
/* Bring up lo in our netns (netns-early.c; the child's own netns uses it too). */
int cove_lo_up(void);
/* The same in the netns of sock (an AF_INET socket). */
int cove_lo_up_with(int sock);

/* Split a command line with shell-like quoting ('', "", \). NULL on bad quoting. */
char **cove_split_cmdline(const char *s);

/* The child side (start-child.c): never returns. */
_Noreturn void start_child(struct cove_run *run, int sync_fd);
