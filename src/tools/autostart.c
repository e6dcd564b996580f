/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-autostart: start (or with -s/-k/-r stop, kill, reboot) the containers
 * of an lxcpath that have lxc.start.auto = 1 (lxc-autostart). They are
 * started in lxc.start.order order (lower first, then by name) waiting
 * lxc.start.delay seconds after each, and stopped in the reverse order.
 * By default only containers without lxc.group are taken; -g GROUP[,GROUP]
 * (repeatable, "NULL" meaning no group) picks groups, -a takes every group,
 * -A also containers without lxc.start.auto. -L lists what would be done.
 * A container that fails is reported (one line) and the others go on; the
 * exit status is then 1.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "strutil.h"
#include "strv.h"
#include "tool-common.h"

LOG_MODULE("autostart");

static const char usage[] =
    "cove-autostart [-P LXCPATH] [-s|-k|-r] [-L] [-a] [-A] [-g GROUP[,GROUP]] [-t TIMEOUT]";

enum action { ACT_START, ACT_SHUTDOWN, ACT_KILL, ACT_REBOOT };

static enum action arg_action = ACT_START;
static bool arg_list, arg_all, arg_ignore_auto;
static char **arg_groups; /* owned */
static int arg_timeout = 60;

struct entry {
	struct cove_container *ct; /* owned */
	int order;
	unsigned delay;
};

static int parse_argv(int argc, char **argv, struct tool_common *tc)
{
	static const struct option opts[] = {
	    {"shutdown", no_argument, NULL, 's'},
	    {"kill", no_argument, NULL, 'k'},
	    {"reboot", no_argument, NULL, 'r'},
	    {"list", no_argument, NULL, 'L'},
	    {"all", no_argument, NULL, 'a'},
	    {"ignore-auto", no_argument, NULL, 'A'},
	    {"groups", required_argument, NULL, 'g'},
	    {"timeout", required_argument, NULL, 't'},
	    TOOL_COMMON_LONGOPTS,
	    {},
	};
	int c;

	while ((c = getopt_long(argc, argv, "skrLaAg:t:" TOOL_COMMON_SHORTOPTS, opts, NULL)) !=
	       -1) {
		if (tool_common_opt(tc, c, optarg, usage))
			continue;
		switch (c) {
		case 's':
			arg_action = ACT_SHUTDOWN;
			break;
		case 'k':
			arg_action = ACT_KILL;
			break;
		case 'r':
			arg_action = ACT_REBOOT;
			break;
		case 'L':
			arg_list = true;
			break;
		case 'a':
			arg_all = true;
			break;
		case 'A':
			arg_ignore_auto = true;
			break;
		case 'g': {
			_cleanup_strv_free_ char **l = strv_split(optarg, ",");

			STRV_FOREACH (g, l)
				strv_push_dup(&arg_groups, *g);
			if (!l || isempty(optarg))
				strv_push_dup(&arg_groups, "NULL");
			break;
		}
		case 't':
			if (safe_atoi(optarg, &arg_timeout) < 0 || arg_timeout < -1)
				return tool_usage_error(usage, "Invalid timeout '%s'", optarg);
			break;
		default:
			return tool_usage_error(usage, NULL);
		}
	}
	if (optind < argc)
		return tool_usage_error(usage, "Unexpected argument '%s'", argv[optind]);
	if (tc->name)
		return tool_usage_error(usage, "cove-autostart takes no container name");
	return 0;
}

/* Does a container with these lxc.group values take part? (one value may list several) */
static bool selected(char **values)
{
	_cleanup_strv_free_ char **groups = NULL;

	STRV_FOREACH (v, values) {
		_cleanup_strv_free_ char **l = strv_split(*v, " \t,");

		STRV_FOREACH (g, l)
			strv_push_dup(&groups, *g);
	}
	if (arg_all)
		return true;
	if (!arg_groups)
		return strv_length(groups) == 0;
	STRV_FOREACH (g, arg_groups) {
		if (streq(*g, "NULL") && strv_length(groups) == 0)
			return true;
		if (strv_contains(groups, *g))
			return true;
	}
	return false;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->ct->name, y->ct->name);
}

static int collect(const char *lxcpath, struct entry **ret, size_t *ret_n)
{
	_cleanup_closedir_ DIR *d = opendir(lxcpath);
	struct entry *e = NULL;
	size_t n = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	for (struct dirent *de; (de = readdir(d));) {
		struct cove_container *ct = NULL;
		struct cove_error err = {};

		if (de->d_name[0] == '.')
			continue;
		if (cove_container_new(lxcpath, de->d_name, &ct, NULL) < 0)
			continue;
		if (!cove_container_exists(ct)) {
			cove_container_free(ct);
			continue;
		}
		if (cove_container_load_conf(ct, &err) < 0) {
			fprintf(stderr, "cove-autostart: %s, skipping it\n",
				cove_err_msg(&err, -EINVAL));
			cove_container_free(ct);
			continue;
		}
		if ((!ct->conf->start_auto && !arg_ignore_auto) || !selected(ct->conf->groups)) {
			cove_container_free(ct);
			continue;
		}
		e = xrealloc(e, (n + 1) * sizeof(*e));
		e[n++] = (struct entry){
		    .ct = ct, .order = ct->conf->start_order, .delay = ct->conf->start_delay};
	}
	if (n)
		qsort(e, n, sizeof(*e), cmp_entry);
	*ret = e;
	*ret_n = n;
	return 0;
}

static int act(struct entry *e, struct cove_error *err)
{
	struct cove_status st;
	int r = cove_container_status(e->ct, &st, NULL, err);

	if (r < 0)
		return r;
	switch (arg_action) {
	case ACT_START: {
		struct cove_start_opts o = {};

		if (st.state != COVE_STATE_STOPPED)
			return 0;
		return cove_container_start(e->ct, &o, err);
	}
	case ACT_SHUTDOWN:
		if (st.state == COVE_STATE_STOPPED)
			return 0;
		return cove_container_stop(e->ct, COVE_STOP_HALT, arg_timeout, false, false, err);
	case ACT_KILL:
		if (st.state == COVE_STATE_STOPPED)
			return 0;
		return cove_container_stop(e->ct, COVE_STOP_KILL, -1, false, false, err);
	case ACT_REBOOT:
		if (st.state == COVE_STATE_STOPPED)
			return 0;
		return cove_container_stop(e->ct, COVE_STOP_REBOOT, arg_timeout, false, false, err);
	}
	return 0;
}

static void sleep_s(unsigned s)
{
	struct timespec ts = {.tv_sec = s};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	struct tool_common tc = {};
	struct entry *e = NULL;
	size_t n = 0;
	int r, failed = 0;

	if (parse_argv(argc, argv, &tc))
		return 1;
	tool_common_setup(&tc, "cove-autostart");
	r = collect(cove_lxcpath(tc.lxcpath), &e, &n);
	if (r < 0) {
		fprintf(stderr, "cove-autostart: Failed to read lxcpath '%s': %s\n",
			cove_lxcpath(tc.lxcpath), strerror(-r));
		return 1;
	}
	for (size_t k = 0; k < n; k++) {
		/* stop in the reverse order of starting */
		struct entry *x = arg_action == ACT_START ? &e[k] : &e[n - 1 - k];
		struct cove_error err = {};

		if (arg_list) {
			if (arg_action == ACT_START)
				printf("%s %u\n", x->ct->name, x->delay);
			else
				printf("%s\n", x->ct->name);
			continue;
		}
		r = act(x, &err);
		if (r < 0) {
			fprintf(stderr, "cove-autostart: Failed on container '%s': %s\n",
				x->ct->name, cove_err_msg(&err, r));
			failed = 1;
			continue;
		}
		if (arg_action == ACT_START && x->delay > 0 && k + 1 < n)
			sleep_s(x->delay);
	}
	for (size_t k = 0; k < n; k++)
		cove_container_free(e[k].ct);
	free(e);
	strv_free(arg_groups);
	return failed;
}
