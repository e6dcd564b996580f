/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A container handle: NAME inside LXCPATH (LXC's layout: LXCPATH/NAME/config,
 * LXCPATH/NAME/rootfs). Running containers are owned by one cove-monitor
 * process each, reached through its control socket (src/runtime/monitor-proto.h).
 * All functions here are libcove API: they do not log (except debug) and
 * report failures through struct cove_error.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cove/conf.h"
#include "cove/error.h"

#define COVE_DEFAULT_LXCPATH "/var/lib/cove"
#define COVE_NAME_MAX 64
#define COVE_MONITOR_SOCKET "monitor.sock"

enum cove_state {
	COVE_STATE_STOPPED,
	COVE_STATE_STARTING,
	COVE_STATE_RUNNING,
	COVE_STATE_STOPPING,
	COVE_STATE_ABORTING,
	COVE_STATE_FREEZING,
	COVE_STATE_FROZEN,
	COVE_STATE_THAWED,
	_COVE_STATE_MAX,
	_COVE_STATE_INVALID = -22,
};

const char *cove_state_to_string(int s);
int cove_state_from_string(const char *s);

struct cove_container {
	char *name;	   /* owned */
	char *lxcpath;	   /* owned */
	char *dir;	   /* owned: LXCPATH/NAME */
	char *config_path; /* owned: LXCPATH/NAME/config */
	struct cove_conf *conf; /* owned, NULL until cove_container_load_conf() */
};

/* The lxcpath to use: arg if set, else $COVE_LXCPATH, else COVE_DEFAULT_LXCPATH. */
const char *cove_lxcpath(const char *arg);

/* Reject "", "/", "..", names with '/', control characters or over COVE_NAME_MAX. */
int cove_name_validate(const char *name, struct cove_error *err);

/* Make a handle; checks the name but not that the container exists. */
int cove_container_new(const char *lxcpath, const char *name, struct cove_container **ret,
		       struct cove_error *err);
struct cove_container *cove_container_free(struct cove_container *ct);
static inline void cove_container_freep(struct cove_container **ct)
{
	if (*ct)
		*ct = cove_container_free(*ct);
}

/* True when LXCPATH/NAME/config exists. */
bool cove_container_exists(const struct cove_container *ct);
/* Like the above, but fails with "Container 'NAME' does not exist" (-ENOENT). */
int cove_container_require(const struct cove_container *ct, struct cove_error *err);
/* Load and check LXCPATH/NAME/config into ct->conf. */
int cove_container_load_conf(struct cove_container *ct, struct cove_error *err);

/* What the monitor reports. */
struct cove_status {
	int state;	    /* enum cove_state */
	pid_t init_pid;	    /* 0 when not running */
	char cgroup[256];   /* the container's cgroup path, relative to each hierarchy root */
};

/*
 * Ask the monitor for the state. A container without a live monitor is
 * STOPPED (returns 0 with state STOPPED). If ret_pidfd is not NULL and the
 * container runs, a pidfd of its init is returned there (owned by caller).
 */
int cove_container_status(const struct cove_container *ct, struct cove_status *ret,
			  int *ret_pidfd, struct cove_error *err);

struct cove_start_opts {
	bool foreground;      /* -F: console on this terminal, return when it stops */
	bool close_all_fds;   /* -C */
	const char *logfile;  /* -o, NULL: lxc.log.file */
	const char *loglevel; /* -l */
	const char *console_path;    /* -c: file to log the console to (foreground: tty) */
	const char *const *init_argv; /* command after "--", NULL: lxc.init.cmd */
	const char *const *defines; /* -s KEY=VAL overrides */
	const char *rcfile;   /* -f: use this config file instead */
	const char *pidfile;  /* -p: write the monitor's pid there once RUNNING */
	/*
	 * Spawn the monitor as our own child (one process creation less). Only
	 * for short-lived, single-threaded callers (cove-start): a long-lived
	 * caller would collect a zombie when the monitor exits. Default: the
	 * monitor is nobody's child (double fork).
	 */
	bool spawn_direct;
	/*
	 * With spawn_direct: run the monitor as a fork of ours by calling this
	 * (the monitor's main, linked in) instead of exec'ing cove-monitor,
	 * which saves the C library's start-up. NULL: exec.
	 */
	int (*monitor_main)(int argc, char **argv);
};

/*
 * Start: spawn cove-monitor for ct and wait until the container is RUNNING
 * (or until it stopped, in foreground mode). Fails if it already runs.
 */
int cove_container_start(struct cove_container *ct, const struct cove_start_opts *o,
			 struct cove_error *err);
/*
 * Before a container's directory is removed: remove the control socket a
 * monitor that died left outside it (in the run directory, monitor-proto.h).
 * Not for a live one: then nothing is done.
 */
void cove_container_forget_socket(const char *dir);

enum cove_stop_mode {
	COVE_STOP_HALT,	  /* lxc.signal.halt to init, then SIGKILL after the timeout */
	COVE_STOP_REBOOT, /* lxc.signal.reboot */
	COVE_STOP_KILL,	  /* lxc.signal.stop (SIGKILL) at once */
};

/*
 * Stop and wait until torn down. timeout in seconds (<0: forever, only for
 * HALT without kill fallback when nokill is set). Returns -ENOTCONN with a
 * message when the container is not running.
 */
int cove_container_stop(const struct cove_container *ct, enum cove_stop_mode mode, int timeout,
			bool nokill, bool nowait, struct cove_error *err);

/*
 * Freeze (true) or thaw a running container through its monitor (states
 * FREEZING then FROZEN; THAWED then RUNNING). -ENOTCONN when not running.
 */
int cove_container_freeze(const struct cove_container *ct, bool freeze, struct cove_error *err);

/* Wait until the state is one in mask (1 << COVE_STATE_X). timeout_ms < 0: forever. -ETIMEDOUT. */
int cove_container_wait(const struct cove_container *ct, unsigned mask, int timeout_ms,
			struct cove_error *err);

/*
 * For event loops: connect to the monitor and ask it to answer once the
 * state is in mask. The fd (owned by the caller) becomes readable then, or
 * when the monitor exits (EOF: STOPPED). *ret_fd is -EBADF when no monitor
 * runs (the container is STOPPED).
 */
int cove_container_wait_fd(const struct cove_container *ct, unsigned mask, int *ret_fd,
			   struct cove_error *err);

/*
 * Get an fd connected to tty ttynum of a running container (0: the console,
 * -1: the first free tty, falling back to the console). The caller proxies
 * between it and its terminal. ret_ttynum receives the tty used.
 */
int cove_container_console(const struct cove_container *ct, int ttynum, int *ret_fd,
			   int *ret_ttynum, struct cove_error *err);

/*
 * Like cove_container_console(), also handing out the control connection
 * (ret_ctl_fd, owned by the caller): a tty >= 1 stays reserved for the caller
 * until it closes that fd. cove_container_console() keeps it open for the
 * life of the process.
 */
int cove_container_console_fds(const struct cove_container *ct, int ttynum, int *ret_fd,
			       int *ret_ttynum, int *ret_ctl_fd, struct cove_error *err);

/* The monitor binary: $COVE_MONITOR, next to /proc/self/exe, or the installed one. */
const char *cove_monitor_path(void);
