/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* the config key recording that an instance ran at `coved shutdown` */
#define INSTANCE_LAST_STATE_KEY "volatile.last_state.power"

/* (daemon, on SIGPWR) record and stop every running instance, in parallel */
void daemon_shutdown_instances(void);

/* `coved shutdown`: SIGPWR to the daemon on SOCKET_PATH, wait until it exited */
int coved_shutdown_command(const char *socket_path, int timeout_s);
