/* SPDX-License-Identifier: GPL-2.0-or-later */
/* coved's sub-commands that talk to a running daemon: init, waitready. */
#pragma once

#include <jansson.h>

int coved_command(int argc, char **argv);

/* one blocking request to the daemon; *ret the JSON envelope (caller unrefs) */
int init_http(const char *method, const char *path, const json_t *body, int *ret_status,
	      json_t **ret);
/* log "Failed to WHAT: ..." for a transport error or an error status */
int init_check(const char *what, int r, int status, json_t *resp);
/* Create a managed bridge network (POST /1.0/networks); config NULL: LXD's auto defaults. */
int init_network_create(const char *name, const json_t *config);
/* coved init --preseed (preseed.c): LXD's preseed YAML on stdin */
int init_preseed(void);
/* Apply a parsed preseed document (borrowed): pools, networks, then profiles. */
int init_preseed_apply(json_t *doc);
/* coved init with no option (init-interactive.c): lxd init's questions on stdin */
int init_interactive(void);
