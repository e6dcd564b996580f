/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pieces of the sub-commands that other client files and the unit tests
 * (tests/unit/test-client-*.c) use: parsed arguments, request builders,
 * column renderers. Not an API: it moves with the commands.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "cove/error.h"
#include "format.h"

/* cmd-launch.c */
struct launch_args {
	const char *image; /* borrowed; NULL with --empty */
	const char *name;  /* borrowed; NULL: the server picks one */
	char **profiles;   /* owned */
	bool no_profiles;
	json_t *config;	 /* owned */
	json_t *devices; /* owned */
	bool ephemeral;
	bool empty;
};
/* Returns 0, 1 (usage printed: exit 0) or -errno. */
int launch_parse(int argc, char **argv, struct launch_args *a, struct cove_error *err);
json_t *launch_request(const struct launch_args *a, const char *fingerprint);
void launch_args_done(struct launch_args *a);

/* cmd-exec.c */
struct exec_args {
	const char *name;
	char **command; /* borrowed from argv */
	json_t *env;	/* owned */
	int user, group;
	const char *cwd;
	int mode; /* -1 non-interactive, 0 auto, 1 interactive */
	bool no_stdin;
};
int exec_parse(int argc, char **argv, struct exec_args *a, struct cove_error *err);
json_t *exec_request(const struct exec_args *a, bool interactive, int width, int height);

/* cmd-list.c */
int list_parse_columns(const char *spec, char ***ret, struct cove_error *err);
char *list_column_header(const char *col);
char *list_column_value(json_t *inst, const char *col);
bool list_match_filters(json_t *inst, char *const *filters);

int list_render(json_t *list, char **cols, enum format fmt, char **filters, struct cove_error *err);

/* cmd-info.c, cmd-image.c: what `cove info` and `cove image info|list` print. */
void info_print_instance(json_t *inst);
void image_print_info(json_t *img);
int image_list_render(json_t *list, enum format fmt, struct cove_error *err);
int alias_list_render(json_t *list, enum format fmt, struct cove_error *err);
int storage_list_render(json_t *list, enum format fmt, struct cove_error *err);
int network_list_render(json_t *list, enum format fmt, struct cove_error *err);
int profile_list_render(json_t *list, enum format fmt, struct cove_error *err);

/* cmd-query.c */
char *query_format_json(json_t *v);

/* cmd-config.c: the writable part `lxc config show` prints; the edited
 * YAML from stdin (not a terminal) or $EDITOR. */
json_t *config_writable(json_t *inst, bool expanded);
int config_edit_text(json_t *current, json_t **ret, struct cove_error *err);
int config_device(int argc, char **argv, struct cove_error *err);

/* cmd-device.c */
int profile_device(int argc, char **argv, struct cove_error *err);

/* cmd-backup.c */
int image_export(int argc, char **argv, struct cove_error *err);
/* After an image export to TARGET: a split image's multipart answer becomes TARGET and TARGET.root. */
int image_export_split(const char *target, struct cove_error *err);
