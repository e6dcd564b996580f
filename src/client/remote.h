/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Remotes, as lxc has them: the client's config directory ($COVE_CONF, else
 * ~/.config/cove) holds config.yml (default-remote, remotes: NAME: {addr,
 * protocol, auth_type, public}), client.crt/client.key and
 * servercerts/NAME.crt (the pinned server certificate). "local" is the unix
 * socket and always exists.
 *
 * One remote is "current": every connection of http.c and ws.c goes to it
 * (remote_connect()). It is the default remote until a command names one
 * ("NAME:instance"). TLS comes from cove-tls.so, loaded only then.
 */
#pragma once

#include <stdbool.h>

#include "cove/error.h"

/* Make NAME the remote of the next connections ("local" or "" = the unix socket). */
int remote_use(const char *name, struct cove_error *err);
/* The current remote's name (the default one when none was chosen). */
const char *remote_current(void);
/* Is the current remote the unix socket? */
bool remote_is_unix(void);
/* A connection to the current https remote (the plain end of a TLS pump). */
int remote_connect(struct cove_error *err);
/* "NAME:rest" -> *ret_remote = NAME (owned, NULL without a known remote prefix), *ret_rest. */
int remote_split(const char *arg, char **ret_remote, const char **ret_rest, struct cove_error *err);

int cmd_remote(int argc, char **argv, struct cove_error *err);
/* cove config trust add|list|remove */
int cmd_config_trust(int argc, char **argv, struct cove_error *err);
