/* SPDX-License-Identifier: GPL-2.0-or-later */
/* coved's sub-commands that talk to a running daemon: init, waitready. */
#pragma once

int coved_command(int argc, char **argv);
