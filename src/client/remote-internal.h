/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by remote.c, cmd-remote.c and cmd-remote-copy.c. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "cove/error.h"

const char *remote_conf_dir(void);
/* config.yml as JSON (borrowed; "remotes" always an object) */
json_t *remote_conf(void);
json_t *remote_get(const char *name);
int remote_conf_save(struct cove_error *err);
void *remote_tls_module(struct cove_error *err);
int remote_parse_url(const char *url, char **ret_host, char **ret_port, struct cove_error *err);
/* Open a TLS connection to url (pinned to server_pem unless NULL); see remote-tls.h. */
int remote_tls_open(const char *url, const char *server_pem, bool only_cert, char **ret_peer,
		    struct cove_error *err);
