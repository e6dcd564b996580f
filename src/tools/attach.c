/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove-attach: run a command (default: the user's shell) inside a running
 * container, with the options of lxc-attach(1). The exit status is the
 * command's (128+N when it was killed by signal N); 126/127 when it could
 * not be executed; 1 when attaching failed.
 *
 * -e/--elevated-privileges is accepted with LXC's values: CAP keeps the
 * caller's capabilities (the container's seccomp filter is installed all the
 * same), CGROUP does not join the container's cgroups, LSM has nothing to
 * skip (no LSM here). -s implies -e, as in LXC.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cove/attach.h"
#include "macro.h"
#include "strutil.h"
#include "strv.h"
#include "rexec.h"
#include "tool-common.h"

static const char usage[] =
    "cove-attach -n NAME [-P LXCPATH] [-f CONFIG] [-e [CAP|CGROUP|LSM]] [-s NAMESPACES]\n"
    "       [-a ARCH] [-R] [--clear-env | --keep-env] [-v VAR=VALUE]... [--keep-var VAR]...\n"
    "       [-u UID] [-g GID] [-L PTYLOG] [-- COMMAND [ARG]...]\n"
    "\n"
    "  -e, --elevated-privileges[=LIST]  keep CAP, CGROUP, LSM (all when no LIST)\n"
    "  -s, --namespaces=LIST     MOUNT|PID|UTSNAME|IPC|USER|NETWORK|CGROUP (implies -e)\n"
    "  -a, --arch=ARCH           personality of the command (default: the container's)\n"
    "  -R, --remount-sys-proc    with -s and no MOUNT: remount /proc and /sys\n"
    "      --clear-env           start from an empty environment (container=lxc, PATH, HOME)\n"
    "      --keep-env            keep the current environment (the default)\n"
    "  -v, --set-var=VAR=VALUE   set a variable (repeatable)\n"
    "      --keep-var=VAR        keep VAR with --clear-env (repeatable)\n"
    "  -u, --uid=UID, -g, --gid=GID   run as UID/GID inside the container\n"
    "  -L, --pty-log=FILE        copy the pty output to FILE\n"
    "  -f, --rcfile=FILE         use FILE as the container's config";

enum {
	ARG_CLEAR_ENV = 0x100,
	ARG_KEEP_ENV,
	ARG_KEEP_VAR,
};

struct attach_args {
	struct tool_common tc;
	struct cove_attach_opts o;
	char **set_vars;
	char **keep_vars;
	const char *pty_log;
	bool clear_env, keep_env;
};

static int parse_id(const char *arg, unsigned *ret, const char *what)
{
	if (safe_atou(arg, ret) < 0 || *ret == (unsigned)-1)
		return tool_usage_error(usage, "Invalid %s '%s'", what, arg);
	return 0;
}

static int parse_one(struct attach_args *a, int c, const char *arg)
{
	unsigned u;
	long l;

	switch (c) {
	case 'e':
		if (cove_attach_parse_elevated(arg, &u) < 0)
			return tool_usage_error(usage, "Invalid privileges '%s'", arg);
		a->o.elevated |= u;
		return 0;
	case 's':
		if (cove_attach_parse_namespaces(arg, &u) < 0)
			return tool_usage_error(usage, "Invalid namespaces '%s'", arg);
		a->o.namespaces = u;
		a->o.elevated = COVE_ATTACH_ELEVATE_ALL;
		return 0;
	case 'a':
		if (cove_attach_parse_arch(arg, &l) < 0)
			return tool_usage_error(usage, "Invalid architecture '%s'", arg);
		a->o.personality = l;
		return 0;
	case 'R':
		a->o.remount_sys_proc = true;
		return 0;
	case ARG_CLEAR_ENV:
		a->clear_env = true;
		return 0;
	case ARG_KEEP_ENV:
		a->keep_env = true;
		return 0;
	case ARG_KEEP_VAR:
		strv_push_dup(&a->keep_vars, arg);
		return 0;
	case 'v':
		if (!strchr(arg, '=') || arg[0] == '=')
			return tool_usage_error(usage, "Invalid variable '%s': expected VAR=VALUE",
						arg);
		strv_push_dup(&a->set_vars, arg);
		return 0;
	case 'u':
		return parse_id(arg, &a->o.uid, "uid");
	case 'g':
		return parse_id(arg, &a->o.gid, "gid");
	case 'L':
		a->pty_log = arg;
		return 0;
	case 'f':
		a->o.rcfile = arg;
		return 0;
	}
	return tool_usage_error(usage, NULL);
}

static int parse_args(struct attach_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"elevated-privileges", optional_argument, NULL, 'e'},
	    {"namespaces", required_argument, NULL, 's'},
	    {"arch", required_argument, NULL, 'a'},
	    {"remount-sys-proc", no_argument, NULL, 'R'},
	    {"clear-env", no_argument, NULL, ARG_CLEAR_ENV},
	    {"keep-env", no_argument, NULL, ARG_KEEP_ENV},
	    {"keep-var", required_argument, NULL, ARG_KEEP_VAR},
	    {"set-var", required_argument, NULL, 'v'},
	    {"uid", required_argument, NULL, 'u'},
	    {"gid", required_argument, NULL, 'g'},
	    {"pty-log", required_argument, NULL, 'L'},
	    {"rcfile", required_argument, NULL, 'f'},
	    TOOL_COMMON_LONGOPTS,
	    {}};
	int c;

	/* "+": the command's own options after the name are not ours. */
	while ((c = getopt_long(argc, argv, "+" TOOL_COMMON_SHORTOPTS "e::s:a:Rv:u:g:L:f:",
				longopts, NULL)) >= 0) {
		if (tool_common_opt(&a->tc, c, optarg, usage))
			continue;
		/* "-e CGROUP" as the manual writes it: take a privilege list that follows. */
		if (c == 'e' && !optarg && optind < argc &&
		    cove_attach_parse_elevated(argv[optind], &(unsigned){0}) == 0)
			optarg = argv[optind++];
		if (parse_one(a, c, optarg) != 0)
			return 1;
	}
	if (a->clear_env && a->keep_env)
		return tool_usage_error(usage, "--clear-env and --keep-env exclude each other");
	if (a->keep_vars && !a->clear_env)
		return tool_usage_error(usage, "--keep-var needs --clear-env");
	a->o.env_policy = a->clear_env ? COVE_ATTACH_CLEAR_ENV : COVE_ATTACH_KEEP_ENV;
	a->o.extra_env = a->set_vars;
	a->o.keep_env = a->keep_vars;
	return 0;
}

/*
 * A closed stdin/stdout/stderr would be reused by the next open() (the
 * monitor socket, the init's pidfd) and end up in the container: fill the
 * gaps with /dev/null first.
 */
static void stdio_fill(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			exit(1);
}

static int rexec_or_fail(char **argv)
{
	int r = cove_rexec_sealed(argv);

	fprintf(stderr, "cove-attach: Failed to re-execute from a sealed copy: %s\n",
		strerror(r < 0 ? -r : EIO));
	return 1;
}

int main(int argc, char **argv)
{
	struct attach_args a = {.o = COVE_ATTACH_OPTS_INIT};
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	_cleanup_close_ int log_fd = -EBADF;
	struct cove_error err = {};
	int r, code = 1;
	bool positional, sealed;

	stdio_fill();
	tool_common_setup(&a.tc, "cove-attach"); /* names us in usage errors */
	if (parse_args(&a, argc, argv) != 0)
		return 1;
	tool_common_setup(&a.tc, "cove-attach");
	positional = !a.tc.name;
	ct = tool_container(&a.tc, argc, argv, usage);
	/* "cove-attach NAME -- CMD": getopt stopped at NAME, so "--" is still there. */
	if (positional && optind < argc && streq(argv[optind], "--"))
		optind++;
	if (optind < argc)
		a.o.argv = argv + optind;
	/*
	 * From a sealed copy, so that nothing in the container can reach our
	 * binary (rexec.h), unless the container has a user namespace that
	 * makes that impossible (attach-exe.c): checked on the running
	 * container before anything is spawned (require_sealed_exe).
	 */
	sealed = cove_rexec_is_sealed();
	if (!sealed && cove_attach_exe_maybe_exposed(ct))
		return rexec_or_fail(argv);
	a.o.require_sealed_exe = true;
	if (a.pty_log) {
		log_fd = open(a.pty_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (log_fd < 0) {
			fprintf(stderr, "cove-attach: Failed to open '%s': %m\n", a.pty_log);
			return 1;
		}
		a.o.pty_log_fd = log_fd;
	}
	r = cove_container_attach(ct, &a.o, &code, &err);
	if (r == -ESTALE && !sealed)
		return rexec_or_fail(argv); /* refused before the command ran */
	if (r < 0) {
		tool_fail(r, &err);
		return code;
	}
	strv_free(a.set_vars);
	strv_free(a.keep_vars);
	return code;
}
