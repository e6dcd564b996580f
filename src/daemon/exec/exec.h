/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exec sessions (POST /1.0/instances/NAME/exec): the command runs through
 * libcove's attach in a helper process forked from the daemon (the daemon
 * itself never joins a container's namespaces); its stdio reaches the
 * client over the operation's websockets with LXD's framing: binary data
 * frames, an empty text frame as end of stream, JSON control messages
 * (window-resize, signal), and the exit code as metadata "return".
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct ws_conn;
struct operation;

struct exec_request {
	char *instance;	   /* owned */
	char **argv;	   /* owned */
	char **env;	   /* owned: "K=V" */
	char *cwd;	   /* owned, may be NULL */
	uid_t uid;
	gid_t gid;
	bool interactive;
	bool wait_for_websocket;
	unsigned width, height;
};

void exec_request_clear(struct exec_request *r);

/*
 * Make the session and its operation (class websocket, Running, metadata
 * with the fd secrets). Takes the contents of *req. The command starts
 * when the client connected the websockets it needs (at once without
 * wait-for-websocket).
 */
struct operation *exec_session_new(struct exec_request *req, json_t *environment);

int exec_ws_attach(struct ws_conn *c, const char *op_id, const char *query);
