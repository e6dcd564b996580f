/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cove CLI: sub-commands and flags as LXD's `lxc` client. Each command
 * lives in cmd-<name>.c and is listed in the dispatch table of main.c.
 *
 * A command's run function gets argv with argv[0] = its own name. It returns
 * the process exit status (>= 0), or -errno with err set: main() prints
 * "Error: <message>" on stderr and exits 1 (exec may exit with other codes).
 */
#pragma once

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>

#include "cove/error.h"
#include "format.h"
#include "macro.h"

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv, struct cove_error *err);
	const char *summary;
};

/* Global flags (main.c strips them from argv before dispatch). */
extern bool arg_quiet;

/* Dispatch argv[1] through table (NULL-name terminated) for commands with
 * sub-commands (config, profile, image, ...). parent is "config" etc. */
int client_subcommand(const struct cmd *table, const char *parent, int argc, char **argv,
		      struct cove_error *err);
/* getopt_long with LXD-style errors ("unknown flag: --x"). Returns the
 * option, -1 at the end, or -EINVAL with err set. Call client_opt_reset()
 * before the first call for an argv. */
int client_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
		  struct cove_error *err);
void client_opt_reset(void);
/* LXD's argument count check: fewer than min or more than max (-1: any)
 * prints usage; with no argument at all that is not an error (returns 1,
 * the caller exits 0), otherwise "Invalid number of arguments". Returns 0
 * when the count is fine. */
int client_check_args(int n, int min, int max, const char *usage, struct cove_error *err);
/* The value of "KEY=VALUE" split at '='; -EINVAL without '='. */
int client_split_kv(const char *s, char **ret_key, char **ret_value);
/* Read all of stdin (bounded). */
int client_read_stdin(char **ret, size_t *ret_len, struct cove_error *err);
/* Open $EDITOR (or $VISUAL, else vi) on text; *ret gets the edited text. */
int client_edit_text(const char *text, char **ret, struct cove_error *err);
/* Print v as YAML on stdout. */
void client_print_yaml(json_t *v);
/* "local:c1" / "c1" -> "c1"; other remotes are refused with a clear error. */
int client_local_name(const char *arg, const char **ret, struct cove_error *err);

/* Sort obj's "used_by" list, as lxc's show commands print it. */
void client_sort_used_by(json_t *obj);
/* Sort the keys of obj's map fields (config, devices, ...), as Go's YAML
 * encoder prints maps; struct fields keep their order. */
void client_sort_maps(json_t *obj);
/* What the show commands print: used_by and maps sorted, then YAML. */
void client_print_object(json_t *v);

/*
 * The "list" shape shared by profile/network/storage: [-f FORMAT], GET path
 * (with recursion=1), then render(list, format).
 */
typedef int (*client_render_fn)(json_t *list, enum format fmt, struct cove_error *err);
int client_list_cmd(int argc, char **argv, const char *path, client_render_fn render,
		    struct cove_error *err);
/* The "show NAME" shape: one argument, GET collection/NAME (escaped), print as YAML. */
int client_show_cmd(int argc, char **argv, const char *collection, const char *usage,
		    struct cove_error *err);

/* The commands (cmd-*.c). */
int cmd_version(int argc, char **argv, struct cove_error *err);
int cmd_query(int argc, char **argv, struct cove_error *err);
int cmd_list(int argc, char **argv, struct cove_error *err);
int cmd_launch(int argc, char **argv, struct cove_error *err);
int cmd_init(int argc, char **argv, struct cove_error *err);
int cmd_start(int argc, char **argv, struct cove_error *err);
int cmd_stop(int argc, char **argv, struct cove_error *err);
int cmd_restart(int argc, char **argv, struct cove_error *err);
int cmd_pause(int argc, char **argv, struct cove_error *err);
int cmd_resume(int argc, char **argv, struct cove_error *err);
int cmd_delete(int argc, char **argv, struct cove_error *err);
int cmd_info(int argc, char **argv, struct cove_error *err);
int cmd_exec(int argc, char **argv, struct cove_error *err);
int cmd_config(int argc, char **argv, struct cove_error *err);
int cmd_profile(int argc, char **argv, struct cove_error *err);
int cmd_image(int argc, char **argv, struct cove_error *err);
int cmd_operation(int argc, char **argv, struct cove_error *err);
int cmd_monitor(int argc, char **argv, struct cove_error *err);
int cmd_storage(int argc, char **argv, struct cove_error *err);
int cmd_network(int argc, char **argv, struct cove_error *err);
int cmd_network_acl(int argc, char **argv, struct cove_error *err);
int cmd_move(int argc, char **argv, struct cove_error *err);
int cmd_rename(int argc, char **argv, struct cove_error *err);
int cmd_snapshot(int argc, char **argv, struct cove_error *err);
int cmd_restore(int argc, char **argv, struct cove_error *err);
int cmd_copy(int argc, char **argv, struct cove_error *err);
int cmd_file(int argc, char **argv, struct cove_error *err);
int cmd_console(int argc, char **argv, struct cove_error *err);
int cmd_export(int argc, char **argv, struct cove_error *err);
int cmd_import(int argc, char **argv, struct cove_error *err);
int cmd_publish(int argc, char **argv, struct cove_error *err);
