/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CVE-2019-5736 class: a process that enters a container runs our
 * binary there, and a container root that opens /proc/PID/exe of it could
 * write the host's binary once we exit. cove_rexec_sealed() re-executes the
 * running program from a sealed memfd copy (no writes, no resize), so what
 * /proc/PID/exe names inside the container is that copy, never the file on
 * the host. Call it first in main() of programs that join containers.
 */
#pragma once

#include <fcntl.h>
#include <stdbool.h>

/* The seals of a copy we run from (or keep to run from: the monitor's COVE_MON_EXE). */
#define COVE_SEALED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Returns only on failure (-errno) or when already running from a sealed copy (0). */
int cove_rexec_sealed(char **argv);

/* Are we running from a sealed copy already? */
bool cove_rexec_is_sealed(void);
