/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * coved's process-wide state: the state directory, the database handle and
 * the event loop. One daemon per process; everything that needs it reads
 * the_daemon. Only the loop thread touches the database.
 */
#pragma once

#include "macro.h" /* before uv.h: its sys/param.h defines MIN/MAX only when unset */

#include <sqlite3.h>
#include <stdbool.h>
#include <uv.h>

#define COVED_DEFAULT_DIR "/var/lib/cove"
#define COVED_VERSION "5.0.2" /* the LXD API level we speak, shown as server_version */

struct daemon {
	char *dir;	   /* owned: COVE_DIR */
	char *lxcpath;	   /* owned: COVE_DIR/containers */
	char *images_dir;  /* owned: COVE_DIR/images */
	char *socket_path; /* owned: COVE_DIR/unix.socket */
	sqlite3 *db;	   /* owned */
	uv_loop_t *loop;   /* borrowed: the default loop */
	struct lws_context *lws; /* owned */
	bool shutting_down;
};

extern struct daemon *the_daemon;
