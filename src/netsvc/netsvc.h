/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bridge service shared by cove-net and coved's managed networks: a
 * Linux bridge with an IPv4 subnet no route or address of this netns
 * covers (or a given one), optional IPv6, dnsmasq bound to the bridge
 * address only (DHCP ranges, static leases from a hosts file, DNS under a
 * domain), and NAT in an nftables table of its own (`nft -f -`, so that no
 * GPL-2.0-only library is linked). Stop removes exactly what start made; a
 * start that fails half-way undoes its steps.
 *
 * The state directory holds BRIDGE.state (what start did),
 * dnsmasq.BRIDGE.pid, dnsmasq.BRIDGE.leases and dnsmasq.BRIDGE.hosts.
 */
#pragma once

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cove/error.h"

struct nl_sock;

struct netsvc {
	/* settings (owned; NULL: default) */
	char *bridge;	 /* required */
	char *addr4;	 /* "auto", "none" or A.B.C.D/P (the bridge's address) */
	char *range;	 /* "FIRST,LAST[,...]" (several ranges separated by ';'), NULL: whole subnet */
	char *addr6;	 /* NULL/"none" or ADDR/PREFIX */
	char *domain;	 /* DNS domain, NULL: none */
	char *state_dir; /* required */
	char *table;	 /* nft table, NULL: cove_<bridge> */
	char *user;	 /* dnsmasq user, NULL: dnsmasq if it exists, else root */
	char *gateway4;	 /* DHCP router option, NULL: the bridge address */
	char *hwaddr;	 /* bridge MAC, NULL: kernel's */
	const char *origin; /* borrowed: " in 'FILE'" for messages, or NULL */
	bool nat, nat6, dhcp4, dhcp6;
	bool keep_forward; /* stop leaves ip_forward as it is (other bridges may need it) */
	unsigned mtu;

	/* the subnet in use */
	uint32_t net, mask; /* host order */
	unsigned prefix;
	char gw[INET_ADDRSTRLEN];
	/* what start made, for undoing */
	bool made_bridge, made_table, set_forward;
	pid_t dnsmasq;
};

/* Defaults as cove-net had them: nat, dhcp4 and dhcp6 on. */
void netsvc_init(struct netsvc *s);
void netsvc_done(struct netsvc *s);

/* The table name from the bridge name when none is set (letters, digits, _). */
void netsvc_default_table(struct netsvc *s);

/* "A.B.C.D/P" with 8 <= P <= 30 */
int netsvc_parse_subnet(const char *s, uint32_t *ret_addr, unsigned *ret_prefix);
/* A free 10.0.K.1/24 (K from 4) no route or address of this netns covers: "A.B.C.D/24" (owned). */
int netsvc_auto_subnet(char **ret, struct cove_error *err);
/* A random fd42:....::1/64 (owned). */
char *netsvc_auto_subnet6(void);
/* fd42:w0:w1:w2::1/64 in canonical text (zero groups compressed) */
char *netsvc_format_subnet6(const uint16_t w[3]);

/*
 * Make the bridge, addresses, nft table and dnsmasq. 1 if the bridge was
 * running already (state file and interface present), 0 if started.
 */
int netsvc_start(struct netsvc *s, struct nl_sock *sk, struct cove_error *err);
/* Undo what start recorded in the state file; nothing to do is fine. */
int netsvc_stop(struct netsvc *s, struct nl_sock *sk);
/* Restart dnsmasq only (settings changed), or make it re-read its hosts file (SIGHUP). */
int netsvc_dnsmasq_restart(struct netsvc *s, struct cove_error *err);
void netsvc_dnsmasq_reload(const struct netsvc *s);
/* (Re)write the nftables table (replaces only ours); set the subnet first (netsvc_set_subnet4). */
int netsvc_nft_apply(struct netsvc *s, struct cove_error *err);
/* Load net/mask/gw from s->addr4 (A.B.C.D/P); 0 if none. */
int netsvc_set_subnet4(struct netsvc *s);
/* Whether all three parts are there. */
struct netsvc_status {
	bool up, dnsmasq, nft;
	pid_t pid;
	char *address; /* owned, NULL: not started */
	char *table;   /* owned */
};
void netsvc_status(const struct netsvc *s, struct nl_sock *sk, struct netsvc_status *ret);
void netsvc_status_done(struct netsvc_status *st);

/* STATE_DIR/<pre>BRIDGE<post> (owned) */
char *netsvc_state_file(const struct netsvc *s, const char *pre, const char *post);
