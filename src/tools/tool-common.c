/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Options and error reporting shared by the cove-* tools (see tool-common.h). */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strutil.h"
#include "tool-common.h"

LOG_MODULE("tool");

static const char *tool_ident = "cove";

int tool_common_opt(struct tool_common *tc, int c, const char *arg, const char *usage)
{
	switch (c) {
	case 'n':
		tc->name = arg;
		return 1;
	case 'P':
		tc->lxcpath = arg;
		return 1;
	case 'o':
		tc->logfile = arg;
		return 1;
	case 'l':
		if (log_parse_level(arg) < 0)
			exit(tool_usage_error(usage, "Invalid log priority '%s'", arg));
		tc->loglevel = arg;
		return 1;
	case 'q':
		tc->quiet = true;
		return 1;
	case 'h':
		printf("Usage: %s\n", usage);
		exit(0);
	case 0x1000:
		printf("%s\n", COVE_VERSION);
		exit(0);
	case '?':
		exit(tool_usage_error(usage, NULL));
	}
	return 0;
}

void tool_common_setup(struct tool_common *tc, const char *ident)
{
	tool_ident = ident;
	log_set_ident(ident);
	if (tc->loglevel)
		log_set_max_level(log_parse_level(tc->loglevel));
	else if (getenv("COVE_DEBUG"))
		log_set_max_level(LOG_DEBUG);
	if (tc->logfile) {
		int fd = open(tc->logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

		if (fd < 0) {
			fprintf(stderr, "%s: Failed to open log file '%s': %m\n", ident, tc->logfile);
			exit(1);
		}
		log_set_fd(fd);
		if (!tc->loglevel)
			log_set_max_level(LOG_ERR);
	}
}

struct cove_container *tool_container(struct tool_common *tc, int argc, char **argv,
				      const char *usage)
{
	struct cove_error err = {};
	struct cove_container *ct;
	int r;

	if (!tc->name && optind < argc)
		tc->name = argv[optind++];
	if (!tc->name)
		exit(tool_usage_error(usage, "No container name specified (-n NAME)"));
	r = cove_container_new(tc->lxcpath, tc->name, &ct, &err);
	if (r < 0)
		exit(tool_fail(r, &err));
	return ct;
}

int tool_fail(int r, const struct cove_error *err)
{
	fprintf(stderr, "%s: %s\n", tool_ident, cove_err_msg(err, r));
	return 1;
}

int tool_usage_error(const char *usage, const char *fmt, ...)
{
	if (fmt) {
		va_list ap;

		fprintf(stderr, "%s: ", tool_ident);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "Usage: %s\n", usage);
	return 1;
}
