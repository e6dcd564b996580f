/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container networking, run by cove-monitor (no code in the container's
 * child). Right after the clone, while the child sets up its mounts, the
 * monitor opens the child's network namespace, creates every lxc.net.N
 * interface directly in it (veth peers, macvlan, vlan) or moves it there
 * (phys), names, addresses and routes it through a netlink socket opened in
 * that netns, and runs script.up; the child waits for the monitor's word
 * before it execs init (start-host sync), so init finds its interfaces
 * ready. The netns is the child's own (owned by its user namespace when it
 * has one). The monitor keeps it open until the container has stopped;
 * then cove_net_destroy() runs script.down, deletes the host-side veths,
 * gives phys devices back under their own name, and closes the netns. A
 * start that fails half-way destroys the same way what was made so far.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cove/conf.h"
#include "cove/error.h"

struct cove_netns;

struct cove_net_ctx {
	const char *name;	 /* borrowed: container name (script env, LXC_NAME) */
	const char *config_path; /* borrowed: where a filled-in hwaddr is saved; may be NULL */
	int log_fd;		 /* borrowed: script output, -1: /dev/null */
	int netns_fd;		 /* borrowed: the container's netns, or -1: the one of pid */
};

/*
 * Whether c has something the monitor must make (veth, macvlan, vlan, phys,
 * or an empty one with scripts), so that the child waits for it.
 */
bool cove_net_wanted(const struct cove_conf *c);

/*
 * Make the interfaces in the network namespace of pid (the monitor's child,
 * not yet reaped). hwaddr values with 'x' digits are filled in randomly,
 * written back into c and (once, so that they stay stable) into
 * ctx->config_path. Errors name the lxc.net.N key at fault; what was made
 * is removed again on failure. Logs at debug only.
 */
int cove_net_create(struct cove_conf *c, const struct cove_net_ctx *ctx, pid_t pid,
		    struct cove_netns **ret, struct cove_error *err);
/*
 * Replace the 'x' digits of an hwaddr in place with random ones; a random
 * first octet is made unicast and locally administered (internal, tested).
 */
void net_fill_hwaddr(char *s);
/* Tear everything down (see above); accepts NULL, returns NULL. */
struct cove_netns *cove_net_destroy(struct cove_netns *ns);
static inline void cove_net_destroyp(struct cove_netns **ns)
{
	if (*ns)
		*ns = cove_net_destroy(*ns);
}
