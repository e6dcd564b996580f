/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What cove-ls and cove-info show about a running container beyond its
 * state: addresses and interfaces (read inside its network namespace) and
 * cgroup usage figures (v1 or v2, found from /proc/self/mountinfo).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Byte counters of one interface, as the container sees it (its TX is what it sent). */
struct ct_ifstat {
	char name[16];
	uint64_t rx_bytes, tx_bytes;
};

struct ct_net {
	char **ipv4;	/* owned strv: addresses of interfaces other than lo */
	char **ipv6;	/* owned strv: global-scope addresses, other than lo */
	char **ifnames; /* owned strv: every interface, lo included, sorted */
	struct ct_ifstat *ifstats; /* owned: interfaces other than lo, in kernel order */
	size_t n_ifstats;
};

void ct_net_done(struct ct_net *n);

/*
 * Read the network view of the container whose init is pidfd (pid for the
 * fallback through /proc when pidfd < 0). The calling thread enters the
 * netns and comes back; no fork. Returns 0 or -errno.
 */
int ct_net_read(int pidfd, pid_t pid, struct ct_net *ret);

/* Cgroup controllers we read from. */
enum ct_cg {
	CT_CG_CPUACCT,
	CT_CG_MEMORY,
	CT_CG_BLKIO,
	_CT_CG_MAX,
};

/*
 * Read a usage figure of the cgroup path cg (relative to the hierarchy
 * roots, as the monitor reports it). Returns 0 or -errno (-ENOENT when the
 * figure does not exist on this host).
 */
int ct_cpu_ns(const char *cg, uint64_t *ret);
int ct_blkio_bytes(const char *cg, uint64_t *ret);
int ct_mem_bytes(const char *cg, uint64_t *ret);
int ct_kmem_bytes(const char *cg, uint64_t *ret);
int ct_swap_bytes(const char *cg, uint64_t *ret); /* memsw - mem (v1), memory.swap.current (v2) */

/* "640.00 KiB", "12 bytes" like lxc-info (raw: the number). Returns buf. */
char *ct_size_string(uint64_t v, bool raw, char *buf, size_t size);
