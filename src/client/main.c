/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove: the command line client of coved, with the sub-commands and flags
 * of LXD's `lxc`. This file holds the dispatch table and the global flags;
 * every sub-command lives in its own cmd-*.c.
 */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "remote.h"
#include "strutil.h"

static const struct cmd commands[] = {
    {"config", cmd_config, "Manage instance and server configuration options"},
    {"console", cmd_console, "Attach to instance consoles"},
    {"copy", cmd_copy, "Copy instances within or in between LXD servers"},
    {"delete", cmd_delete, "Delete instances and snapshots"},
    {"exec", cmd_exec, "Execute commands in instances"},
    {"export", cmd_export, "Export instance backups"},
    {"file", cmd_file, "Manage files in instances"},
    {"image", cmd_image, "Manage images"},
    {"import", cmd_import, "Import instance backups"},
    {"info", cmd_info, "Show instance or server information"},
    {"init", cmd_init, "Create instances from images"},
    {"launch", cmd_launch, "Create and start instances from images"},
    {"list", cmd_list, "List instances"},
    {"monitor", cmd_monitor, "Monitor a local or remote LXD server"},
    {"move", cmd_move, "Move instances within or in between LXD servers"},
    {"network", cmd_network, "Manage and attach instances to networks"},
    {"operation", cmd_operation, "List, show and delete background operations"},
    {"pause", cmd_pause, "Pause instances"},
    {"profile", cmd_profile, "Manage profiles"},
    {"publish", cmd_publish, "Publish instances as images"},
    {"query", cmd_query, "Send a raw query to LXD"},
    {"remote", cmd_remote, "Manage the list of remote servers"},
    {"rename", cmd_rename, "Rename instances and snapshots"},
    {"restart", cmd_restart, "Restart instances"},
    {"restore", cmd_restore, "Restore instances from snapshots"},
    {"resume", cmd_resume, "Resume instances"},
    {"snapshot", cmd_snapshot, "Create instance snapshots"},
    {"start", cmd_start, "Start instances"},
    {"stop", cmd_stop, "Stop instances"},
    {"storage", cmd_storage, "Manage storage pools and volumes"},
    {"version", cmd_version, "Show local and remote versions"},
    {}};

static const struct {
	const char *alias, *name;
} aliases[] = {
    {"ls", "list"},	 {"rm", "delete"}, {"create", "init"},
    {"freeze", "pause"}, {"cp", "copy"},   {"mv", "move"},
};

static void usage(void)
{
	printf("Description:\n  Command line client for cove (coved), speaking LXD's REST API\n\n"
	       "Usage:\n  cove [command]\n\nAvailable Commands:\n");
	for (const struct cmd *c = commands; c->name; c++)
		printf("  %-12s %s\n", c->name, c->summary);
	printf("\nGlobal Flags:\n  -h, --help      Print help\n"
	       "  -q, --quiet     Don't show progress information\n"
	       "      --version   Print version number\n");
}

/* Remove the global flags (before "--") from argv; returns the new argc. */
static int strip_global_flags(int argc, char **argv)
{
	int o = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (streq(a, "--")) {
			while (i < argc)
				argv[o++] = argv[i++];
			break;
		}
		if (streq(a, "-q") || streq(a, "--quiet")) {
			arg_quiet = true;
			continue;
		}
		if (streq(a, "--debug") || streq(a, "--verbose") || streq(a, "-v") ||
		    streq(a, "--force-local") || startswith(a, "--project="))
			continue;
		if (streq(a, "--project") && i + 1 < argc) {
			i++;
			continue;
		}
		argv[o++] = argv[i];
	}
	argv[o] = NULL;
	return o;
}

static const struct cmd *find_command(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(aliases); i++)
		if (streq(name, aliases[i].alias))
			name = aliases[i].name;
	for (const struct cmd *c = commands; c->name; c++)
		if (streq(c->name, name))
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	struct cove_error err = {};
	const struct cmd *c;
	int r;

	setlocale(LC_ALL, "");
	signal(SIGPIPE, SIG_IGN);
	argc = strip_global_flags(argc, argv);
	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h") ||
	    streq(argv[1], "help")) {
		usage();
		return 0;
	}
	if (streq(argv[1], "--version")) {
		printf("%s\n", COVE_VERSION);
		return 0;
	}
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "Error: unknown command \"%s\" for \"cove\"\n", argv[1]);
		return 1;
	}
	r = c->run(argc - 1, argv + 1, &err);
	fflush(stdout);
	if (r < 0) {
		fprintf(stderr, "Error: %s\n", cove_err_msg(&err, r));
		return 1;
	}
	return r;
}
