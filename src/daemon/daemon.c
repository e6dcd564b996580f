/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's state (see daemon.h). */
#include "daemon.h"

static struct daemon daemon_state;
struct daemon *the_daemon = &daemon_state;
