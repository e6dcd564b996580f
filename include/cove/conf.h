/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct cove_conf: a container's configuration in LXC's format (lxc.* keys,
 * same syntax and meaning). The parser (src/config) fills this struct; it
 * never touches the host. The runtime (src/runtime) reads it to start a
 * container. One table row per key lives in src/config/conf-keys.c.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cove/error.h"

enum cove_net_type {
	COVE_NET_EMPTY,
	COVE_NET_NONE,
	COVE_NET_VETH,
	COVE_NET_MACVLAN,
	COVE_NET_VLAN,
	COVE_NET_PHYS,
	_COVE_NET_TYPE_MAX,
	_COVE_NET_TYPE_INVALID = -22,
};

struct cove_net {
	unsigned index;		 /* N of lxc.net.N */
	int type;		 /* enum cove_net_type, or -1 when lxc.net.N.type was not given */
	bool flags_up;		 /* lxc.net.N.flags = up */
	char *link;		 /* owned */
	char *name;		 /* owned: name inside the container */
	char *hwaddr;		 /* owned: as written, may contain xx */
	unsigned mtu;		 /* 0: not set */
	char **ipv4_addresses;	 /* owned strv: "a.b.c.d/prefix [bcast]" */
	char *ipv4_gateway;	 /* owned: address, "auto" or "dev" */
	char **ipv6_addresses;	 /* owned strv */
	char *ipv6_gateway;	 /* owned */
	char *veth_pair;	 /* owned: host-side name */
	char *veth_mode;	 /* owned: "bridge" or "router" */
	char **veth_ipv4_routes; /* owned strv */
	char **veth_ipv6_routes; /* owned strv */
	char *macvlan_mode;	 /* owned: private, vepa, bridge, passthru */
	unsigned vlan_id;
	bool vlan_id_set;
	char *script_up;	 /* owned */
	char *script_down;	 /* owned */
};

struct cove_idmap {
	char type; /* 'u' or 'g' */
	unsigned long nsid, hostid, range;
};

/* lxc.mount.auto flags. */
enum {
	COVE_MOUNT_PROC_MIXED = 1 << 0,
	COVE_MOUNT_PROC_RW = 1 << 1,
	COVE_MOUNT_SYS_MIXED = 1 << 2,
	COVE_MOUNT_SYS_RO = 1 << 3,
	COVE_MOUNT_SYS_RW = 1 << 4,
	COVE_MOUNT_CGROUP_MIXED = 1 << 5,
	COVE_MOUNT_CGROUP_RO = 1 << 6,
	COVE_MOUNT_CGROUP_RW = 1 << 7,
	COVE_MOUNT_CGROUP_FULL_MIXED = 1 << 8,
	COVE_MOUNT_CGROUP_FULL_RO = 1 << 9,
	COVE_MOUNT_CGROUP_FULL_RW = 1 << 10,
	COVE_MOUNT_CGROUP_FORCE = 1 << 11,
	COVE_MOUNT_SHMOUNTS = 1 << 12,
	/*
	 * Bare "cgroup" / "cgroup-full" set CGROUP_MIXED|CGROUP_NOSPEC resp.
	 * CGROUP_FULL_MIXED|CGROUP_FULL_NOSPEC: LXC mounts rw when the container
	 * keeps CAP_SYS_ADMIN, else mixed (the fallback flag already set).
	 */
	COVE_MOUNT_CGROUP_NOSPEC = 1 << 13,
	COVE_MOUNT_CGROUP_FULL_NOSPEC = 1 << 14,
};

/* One lxc.mount.entry line (fstab syntax), split. */
struct cove_mount_entry {
	char *source;  /* owned */
	char *target;  /* owned: absolute, or relative to the rootfs mount */
	char *fstype;  /* owned */
	char *options; /* owned: as written, incl. create=, optional, bind */
	int freq, passno;
};

/* A key/value pair: lxc.cgroup.X, lxc.cgroup2.X, lxc.sysctl.X. */
struct cove_kv {
	char *key;   /* owned: the part after the prefix */
	char *value; /* owned */
};

struct cove_prlimit {
	int resource; /* RLIMIT_* */
	char *name;   /* owned: as written after lxc.prlimit. */
	uint64_t soft, hard; /* RLIM_INFINITY for unlimited */
};

enum cove_hook {
	COVE_HOOK_PRE_START,
	COVE_HOOK_PRE_MOUNT,
	COVE_HOOK_MOUNT,
	COVE_HOOK_AUTODEV,
	COVE_HOOK_START,
	COVE_HOOK_STOP,
	COVE_HOOK_POST_STOP,
	COVE_HOOK_CLONE,
	COVE_HOOK_DESTROY,
	COVE_HOOK_START_HOST,
	_COVE_HOOK_MAX,
	_COVE_HOOK_INVALID = -22,
};

/* One line of the top-level config file, kept so that a save keeps comments. */
struct cove_conf_line {
	char *key;  /* owned: NULL for comments and blank lines */
	char *text; /* owned: the raw line (comment), or the value */
};

struct cove_conf {
	char *path; /* owned: the file loaded, or NULL */

	char *utsname;
	char *rootfs_path;    /* as written, maybe with a "dir:" prefix */
	char *rootfs_mount;
	char *rootfs_options;
	bool rootfs_managed;
	char *arch;	      /* as written */
	unsigned long personality; /* from arch; 0xffffffff when not set */

	struct cove_net *nets; /* owned array, sorted by index */
	size_t n_nets;

	struct cove_idmap *idmaps;
	size_t n_idmaps;

	unsigned mount_auto; /* COVE_MOUNT_* */
	char *shmounts_host;	  /* owned: lxc.mount.auto shmounts:HOST[:CONTAINER] */
	char *shmounts_container; /* owned: default "/dev/.lxc-mounts" */
	struct cove_mount_entry *mount_entries;
	size_t n_mount_entries;
	char *mount_fstab;

	struct cove_kv *cgroup;	 /* lxc.cgroup.X (v1) */
	size_t n_cgroup;
	struct cove_kv *cgroup2; /* lxc.cgroup2.X (v2) */
	size_t n_cgroup2;
	char *cgroup_dir;

	char **cap_drop; /* lowercase names without "cap_" */
	char **cap_keep;
	char *seccomp_profile;
	char *apparmor_profile;
	int apparmor_allow_nesting; /* -1 unset */
	bool no_new_privs;

	unsigned tty_max;
	unsigned pty_max;
	char *tty_dir;
	char *console_path;	/* NULL: allocate a pty; "none": /dev/null console */
	char *console_logfile;
	uint64_t console_buffer_size; /* 0: default */
	uint64_t console_size;
	bool console_rotate;

	char **environment; /* "KEY=VALUE" or "KEY" (inherit) */
	char *init_cmd;	    /* default "/sbin/init" */
	uid_t init_uid;
	gid_t init_gid;
	bool init_uid_set, init_gid_set;
	char *init_cwd;

	bool start_auto;
	unsigned start_delay;
	int start_order;
	char **groups;

	char **hooks[_COVE_HOOK_MAX];
	unsigned hook_version;

	int autodev; /* -1 unset (default on) */

	char *log_file;
	int log_level; /* syslog level, -1 unset */

	int signal_halt;   /* 0: default (SIGPWR) */
	int signal_stop;   /* 0: default (SIGKILL) */
	int signal_reboot; /* 0: default (SIGINT) */

	struct cove_prlimit *prlimits;
	size_t n_prlimits;
	struct cove_kv *sysctls;
	size_t n_sysctls;

	bool ephemeral;

	struct cove_conf_line *lines; /* the top-level file, for saving */
	size_t n_lines;
};

struct cove_conf *cove_conf_new(void);
struct cove_conf *cove_conf_free(struct cove_conf *c);
static inline void cove_conf_freep(struct cove_conf **c)
{
	if (*c)
		*c = cove_conf_free(*c);
}

/*
 * Parse a config file into c, following lxc.include (files and directories
 * of *.conf, in sorted order; relative paths are relative to the including
 * file; a missing path ending in '/' is skipped; loops fail with -ELOOP).
 * Lines of the top-level file are recorded for cove_conf_write(); loading
 * several files into one c accumulates values and lines (later lines win,
 * like LXC). Syntax as LXC: '#' comments, "key = value", blanks around
 * key and value trimmed, one pair of surrounding quotes removed, no trailing
 * comments ("50000 100000  # x" is the whole value). Lines that are not
 * comments must be "key = value" with a known key (LXC ignores non-"lxc."
 * lines; we reject them). Fails on the first unknown key or bad value with
 * -EINVAL and "FILE:LINE: Invalid value 'V' for key 'K': reason" or
 * "FILE:LINE: Unknown configuration key 'K'". Does not log.
 */
int cove_conf_load(struct cove_conf *c, const char *path, struct cove_error *err);
/* Parse config text (path is used in messages and to resolve relative includes). */
int cove_conf_load_string(struct cove_conf *c, const char *path, const char *text,
			  struct cove_error *err);

/*
 * Set one key as if a line "key = value" was appended (the line is recorded
 * too); an empty value clears (repeatable keys: all of them). A bad value
 * returns -EINVAL and changes nothing.
 */
int cove_conf_set(struct cove_conf *c, const char *key, const char *value, struct cove_error *err);
/* cove_conf_set() of each "KEY=VALUE" (lxc-start's -s); "Invalid -s 'D': expected KEY=VALUE". */
int cove_conf_set_defines(struct cove_conf *c, char *const *defines, struct cove_error *err);
/*
 * For tools that edit: the key's current value (also what includes gave) is
 * cleared, value is set, and every recorded line of exactly this key is
 * replaced by one "key = value" at the place of the first (or appended).
 * An empty value is cove_conf_clear(). A bad value changes nothing.
 */
int cove_conf_set_item(struct cove_conf *c, const char *key, const char *value,
		       struct cove_error *err);
/*
 * Write the value of key into buf (multi-valued keys: one value per line,
 * no final newline; cap lists space-separated). Returns the length of the
 * value (which may exceed size: then buf holds a truncated copy; buf may be
 * NULL with size 0) or -ENOENT for unknown keys. Unset strings and lists
 * give "" (0); numbers and booleans give their default ("0"; rootfs.managed
 * "1"); tri-states (autodev, apparmor.allow_nesting, log.level) give "".
 * Signals are numbers, log.level a name (INFO), arch "x86_64" or "i686",
 * sizes in bytes. Group keys (lxc.cgroup, lxc.cgroup2, lxc.sysctl,
 * lxc.prlimit, lxc.hook) give "full.key = value" lines; lxc.net the types.
 */
int cove_conf_get(const struct cove_conf *c, const char *key, char *buf, size_t size,
		  struct cove_error *err);
/* Clear a key's value and remove its recorded lines (group keys: their members too). */
int cove_conf_clear(struct cove_conf *c, const char *key, struct cove_error *err);

/*
 * Checks that span keys, run once after loading: every lxc.net.N has a
 * type, macvlan/vlan/phys have a link, vlan has an id, interface names are
 * unique; idmaps map id 0 for both u and g and ranges do not overlap;
 * cap.drop and cap.keep are not both set.
 */
int cove_conf_check(const struct cove_conf *c, struct cove_error *err);

/* Write the recorded lines (comments kept, includes not expanded). */
int cove_conf_write(const struct cove_conf *c, FILE *f);
int cove_conf_save(const struct cove_conf *c, const char *path, struct cove_error *err);

/* Derived values with defaults applied. */
const char *cove_conf_rootfs_dir(const struct cove_conf *c); /* rootfs path without "dir:" */
int cove_conf_signal_halt(const struct cove_conf *c);
int cove_conf_signal_reboot(const struct cove_conf *c);
int cove_conf_signal_stop(const struct cove_conf *c);
bool cove_conf_is_unprivileged(const struct cove_conf *c);

/* Table lookups, tested in test-conf. */
const char *cove_net_type_to_string(int t);
int cove_net_type_from_string(const char *s);
const char *cove_hook_to_string(int h);
int cove_hook_from_string(const char *s);
/* "SIGPWR", "PWR", "30", "SIGRTMIN+3": returns the signal number or -EINVAL. */
int cove_signal_from_string(const char *s);
