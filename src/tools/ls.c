/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-ls: list the containers of an lxcpath (lxc-ls). Names only by
 * default (in columns on a terminal, one per line otherwise or with -1);
 * -f prints lxc-ls's table (NAME STATE AUTOSTART GROUPS IPV4 IPV6
 * UNPRIVILEGED, or the -F columns), each column as wide as its widest
 * cell plus one space, "-" for empty cells.
 *
 * Speed matters (scripts call it in loops): the monitor is asked once
 * per container and only when a column or filter needs the state, the
 * config is parsed only when a column or -g needs it, and addresses are
 * read by entering the container's netns from this process (no fork).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "ct-stats.h"
#include "strutil.h"
#include "strv.h"
#include "tool-common.h"

LOG_MODULE("ls");

static const char usage[] =
	"cove-ls [-P LXCPATH] [-1] [-f] [-F COLUMNS] [--active] [--running] [--frozen] [--stopped] [--defined] [-g GROUPS] [--filter REGEX] [FILTER]";

enum column {
	COL_NAME,
	COL_STATE,
	COL_PID,
	COL_RAM,
	COL_SWAP,
	COL_AUTOSTART,
	COL_GROUPS,
	COL_INTERFACE,
	COL_IPV4,
	COL_IPV6,
	COL_UNPRIVILEGED,
	_COL_MAX,
};

static const char *const col_names[_COL_MAX] = {
	[COL_NAME] = "NAME",	     [COL_STATE] = "STATE",	    [COL_PID] = "PID",
	[COL_RAM] = "RAM",	     [COL_SWAP] = "SWAP",	    [COL_AUTOSTART] = "AUTOSTART",
	[COL_GROUPS] = "GROUPS",     [COL_INTERFACE] = "INTERFACE", [COL_IPV4] = "IPV4",
	[COL_IPV6] = "IPV6",	     [COL_UNPRIVILEGED] = "UNPRIVILEGED",
};

static bool arg_line, arg_fancy, arg_active, arg_running, arg_frozen, arg_stopped;
static const char *arg_filter;
static char **arg_groups;
static int cols[_COL_MAX] = { COL_NAME, COL_STATE, COL_AUTOSTART, COL_GROUPS,
			      COL_IPV4, COL_IPV6, COL_UNPRIVILEGED };
static size_t n_cols = 7;

static bool has_col(int c)
{
	for (size_t i = 0; i < n_cols; i++)
		if (cols[i] == c)
			return true;
	return false;
}

static int parse_columns(const char *s, struct cove_error *err)
{
	_cleanup_strv_free_ char **l = strv_split(s, ",");

	n_cols = 0;
	STRV_FOREACH(c, l) {
		int found = -1;

		for (int i = 0; i < _COL_MAX; i++)
			if (strcasecmp(strstrip(*c), col_names[i]) == 0)
				found = i;
		if (found < 0)
			return cove_err(err, -EINVAL,
					"Invalid column '%s' (valid: NAME, STATE, PID, RAM, SWAP, AUTOSTART, GROUPS, INTERFACE, IPV4, IPV6, UNPRIVILEGED)",
					*c);
		if (!has_col(found) && n_cols < _COL_MAX)
			cols[n_cols++] = found;
	}
	if (n_cols == 0)
		return cove_err(err, -EINVAL, "No columns given to -F");
	return 0;
}

/* One container's row; cells are owned strings. */
struct row {
	char *name;
	char *cells[_COL_MAX];
};

static bool need_state(void)
{
	return arg_active || arg_running || arg_frozen || arg_stopped ||
	       (arg_fancy && (has_col(COL_STATE) || has_col(COL_PID) || has_col(COL_RAM) ||
			      has_col(COL_SWAP) || has_col(COL_INTERFACE) || has_col(COL_IPV4) ||
			      has_col(COL_IPV6)));
}

static bool need_conf(void)
{
	return arg_groups || (arg_fancy && (has_col(COL_AUTOSTART) || has_col(COL_GROUPS) ||
					   has_col(COL_UNPRIVILEGED)));
}

static bool state_wanted(int state)
{
	bool active = state != COVE_STATE_STOPPED;

	if ((arg_active || arg_running) && !active)
		return false;
	if (arg_frozen && state != COVE_STATE_FROZEN)
		return false;
	if (arg_stopped && state != COVE_STATE_STOPPED)
		return false;
	return true;
}

static char *join_or_dash(char **l)
{
	return l && *l ? strv_join(l, ", ") : xstrdup("-");
}

static char *mb_cell(int (*get)(const char *, uint64_t *), const char *cg)
{
	uint64_t v;

	if (get(cg, &v) < 0)
		return xstrdup("-");
	return xasprintf("%.2fMB", (double)v / (1024.0 * 1024.0));
}

static void fill_net(struct row *row, const struct cove_status *st, int pidfd)
{
	struct ct_net n = {};

	if (ct_net_read(pidfd, st->init_pid, &n) < 0)
		return;
	row->cells[COL_IPV4] = join_or_dash(n.ipv4);
	row->cells[COL_IPV6] = join_or_dash(n.ipv6);
	row->cells[COL_INTERFACE] = join_or_dash(n.ifnames);
	ct_net_done(&n);
}

static void fill_running(struct row *row, const struct cove_status *st, int pidfd)
{
	row->cells[COL_PID] = xasprintf("%d", (int)st->init_pid);
	if (has_col(COL_RAM))
		row->cells[COL_RAM] = mb_cell(ct_mem_bytes, st->cgroup);
	if (has_col(COL_SWAP))
		row->cells[COL_SWAP] = mb_cell(ct_swap_bytes, st->cgroup);
	if (has_col(COL_IPV4) || has_col(COL_IPV6) || has_col(COL_INTERFACE))
		fill_net(row, st, pidfd);
}

static bool groups_match(const struct cove_conf *c)
{
	STRV_FOREACH(g, arg_groups)
		if (!c || !strv_contains(c->groups, *g))
			return false;
	return true;
}

/* Build one row; returns 0 if the container is filtered out, 1 if kept. */
static int make_row(const char *lxcpath, const char *name, struct row *row)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	_cleanup_close_ int pidfd = -EBADF;
	struct cove_error err = {};
	struct cove_status st = { .state = COVE_STATE_STOPPED };
	bool net = arg_fancy && (has_col(COL_IPV4) || has_col(COL_IPV6) || has_col(COL_INTERFACE));

	if (cove_container_new(lxcpath, name, &ct, &err) < 0 || !cove_container_exists(ct))
		return 0;
	if (need_conf() && cove_container_load_conf(ct, &err) < 0)
		log_warning("Failed to load the config of '%s', ignoring: %s", name, err.msg);
	if (arg_groups && !groups_match(ct->conf))
		return 0;
	if (need_state() && cove_container_status(ct, &st, net ? &pidfd : NULL, &err) < 0) {
		log_warning("Failed to get the state of '%s', ignoring: %s", name, err.msg);
		st.state = COVE_STATE_STOPPED;
	}
	if (!state_wanted(st.state))
		return 0;
	row->name = xstrdup(name);
	if (!arg_fancy)
		return 1;
	row->cells[COL_NAME] = xstrdup(name);
	row->cells[COL_STATE] = xstrdup(cove_state_to_string(st.state) ?: "UNKNOWN");
	row->cells[COL_AUTOSTART] = xstrdup(ct->conf && ct->conf->start_auto ? "1" : "0");
	row->cells[COL_GROUPS] = join_or_dash(ct->conf ? ct->conf->groups : NULL);
	row->cells[COL_UNPRIVILEGED] =
		xstrdup(ct->conf && cove_conf_is_unprivileged(ct->conf) ? "true" : "false");
	if (st.state != COVE_STATE_STOPPED && st.init_pid > 0)
		fill_running(row, &st, pidfd);
	for (int i = 0; i < _COL_MAX; i++)
		if (!row->cells[i])
			row->cells[i] = xstrdup("-");
	return 1;
}

static void row_done(struct row *row)
{
	free(row->name);
	for (int i = 0; i < _COL_MAX; i++)
		free(row->cells[i]);
}

static void print_fancy(const struct row *rows, size_t n)
{
	size_t width[_COL_MAX];

	if (n == 0)
		return; /* like lxc-ls: no header without containers */
	for (size_t c = 0; c < n_cols; c++) {
		width[c] = strlen(col_names[cols[c]]);
		for (size_t i = 0; i < n; i++)
			width[c] = MAX(width[c], strlen(rows[i].cells[cols[c]]));
	}
	for (size_t c = 0; c < n_cols; c++)
		printf("%-*s ", (int)width[c], col_names[cols[c]]);
	putchar('\n');
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < n_cols; c++)
			printf("%-*s ", (int)width[c], rows[i].cells[cols[c]]);
		putchar('\n');
	}
}

static void print_names(const struct row *rows, size_t n)
{
	struct winsize ws = {};
	size_t w = 0, per_line, col = 0;

	if (arg_line || !isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 ||
	    ws.ws_col == 0) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", rows[i].name);
		return;
	}
	for (size_t i = 0; i < n; i++)
		w = MAX(w, strlen(rows[i].name));
	per_line = MAX((size_t)1, ws.ws_col / (w + 1));
	for (size_t i = 0; i < n; i++) {
		printf("%-*s ", (int)w, rows[i].name);
		if (++col == per_line || i + 1 == n) {
			putchar('\n');
			col = 0;
		}
	}
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int list(const char *lxcpath, struct cove_error *err)
{
	struct dirent **ents = NULL;
	struct row *rows;
	regex_t re;
	size_t n_rows = 0;
	int n;

	if (arg_filter && regcomp(&re, arg_filter, REG_EXTENDED | REG_NOSUB) != 0)
		return cove_err(err, -EINVAL, "Invalid filter regular expression '%s'", arg_filter);
	n = scandir(lxcpath, &ents, NULL, name_cmp);
	if (n < 0) {
		if (arg_filter)
			regfree(&re);
		/* a missing lxcpath holds no containers */
		return errno == ENOENT ? 0 : cove_err(err, -errno, "Failed to list '%s': %m", lxcpath);
	}
	rows = xnew0(struct row, (size_t)n + 1);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		if (name[0] != '.' && cove_name_validate(name, NULL) >= 0 &&
		    (ents[i]->d_type == DT_DIR || ents[i]->d_type == DT_UNKNOWN) &&
		    (!arg_filter || regexec(&re, name, 0, NULL, 0) == 0) &&
		    make_row(lxcpath, name, &rows[n_rows]) > 0)
			n_rows++;
		free(ents[i]);
	}
	free(ents);
	if (arg_filter)
		regfree(&re);
	if (arg_fancy)
		print_fancy(rows, n_rows);
	else
		print_names(rows, n_rows);
	for (size_t i = 0; i < n_rows; i++)
		row_done(&rows[i]);
	free(rows);
	return 0;
}

enum {
	OPT_ACTIVE = 0x1100,
	OPT_RUNNING,
	OPT_FROZEN,
	OPT_STOPPED,
	OPT_DEFINED,
	OPT_NESTING,
	OPT_FILTER,
};

static int parse_argv(int argc, char **argv, struct tool_common *tc, struct cove_error *err)
{
	static const struct option opts[] = {
		{ "line", no_argument, NULL, '1' },
		{ "fancy", no_argument, NULL, 'f' },
		{ "fancy-format", required_argument, NULL, 'F' },
		{ "groups", required_argument, NULL, 'g' },
		{ "active", no_argument, NULL, OPT_ACTIVE },
		{ "running", no_argument, NULL, OPT_RUNNING },
		{ "frozen", no_argument, NULL, OPT_FROZEN },
		{ "stopped", no_argument, NULL, OPT_STOPPED },
		{ "defined", no_argument, NULL, OPT_DEFINED },
		{ "nesting", optional_argument, NULL, OPT_NESTING },
		{ "filter", required_argument, NULL, OPT_FILTER },
		TOOL_COMMON_LONGOPTS,
		{},
	};
	int c, r;

	while ((c = getopt_long(argc, argv, "1fF:g:" TOOL_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (tool_common_opt(tc, c, optarg, usage))
			continue;
		switch (c) {
		case '1':
			arg_line = true;
			break;
		case 'f':
			arg_fancy = true;
			break;
		case 'F':
			/* lxc-ls ignores -F without -f; here -F implies -f */
			arg_fancy = true;
			r = parse_columns(optarg, err);
			if (r < 0)
				return r;
			break;
		case 'g':
			arg_groups = strv_free(arg_groups);
			arg_groups = strv_split(optarg, ",");
			break;
		case OPT_ACTIVE:
			arg_active = true;
			break;
		case OPT_RUNNING:
			arg_running = true;
			break;
		case OPT_FROZEN:
			arg_frozen = true;
			break;
		case OPT_STOPPED:
			arg_stopped = true;
			break;
		case OPT_DEFINED:
		case OPT_NESTING:
			/* every listed container is defined; nested listing is not supported */
			break;
		case OPT_FILTER:
			arg_filter = optarg;
			break;
		default:
			return cove_err(err, -EINVAL, "Invalid option");
		}
	}
	if (optind < argc && !arg_filter)
		arg_filter = argv[optind++];
	if (optind < argc)
		return cove_err(err, -EINVAL, "Unexpected argument '%s'", argv[optind]);
	return 0;
}

int main(int argc, char **argv)
{
	struct tool_common tc = {};
	struct cove_error err = {};
	int r;

	r = parse_argv(argc, argv, &tc, &err);
	tool_common_setup(&tc, "cove-ls");
	if (r < 0)
		return tool_fail(r, &err);
	r = list(cove_lxcpath(tc.lxcpath), &err);
	arg_groups = strv_free(arg_groups);
	if (r < 0)
		return tool_fail(r, &err);
	return 0;
}
