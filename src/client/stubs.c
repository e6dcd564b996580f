/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Temporary: commands not written yet. */
#include <errno.h>
#include "client.h"
#define STUB(n) int n(int argc, char **argv, struct cove_error *err) { return cove_err(err, -EOPNOTSUPP, "Not implemented yet"); }
STUB(cmd_info) STUB(cmd_exec) STUB(cmd_config) STUB(cmd_profile) STUB(cmd_image) STUB(cmd_operation) STUB(cmd_monitor) STUB(cmd_storage) STUB(cmd_network)
