/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp filters from LXC-format profiles (see seccomp.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>

#include "alloc.h"
#include "fileio.h"
#include "log.h"
#include "seccomp-policy.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("seccomp");

static const char *const default_deny[] = {
	"kexec_load", "kexec_file_load", "open_by_handle_at", "init_module", "finit_module",
	"delete_module", "iopl", "ioperm", "swapon", "swapoff",
};

static void ctx_freep(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
}

struct parse {
	const char *file;
	unsigned line;
	scmp_filter_ctx ctx;
	bool deny;		/* denylist: listed syscalls get rule_action */
	uint32_t rule_action;
	bool skip;		/* in a section of another architecture */
};

__attribute__((format(printf, 4, 5)))
static int perr(struct parse *p, struct cove_error *err, int r, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return cove_err(err, r, "Invalid lxc.seccomp.profile '%s', line %u: %s", p->file, p->line,
			buf);
}

/* "kill", "allow", "trap", "log", "errno N" (the words in w) -> action; consumed words in *used. */
static int parse_action(char **w, uint32_t *ret, size_t *used)
{
	unsigned n;

	*used = 1;
	if (streq(w[0], "kill"))
		*ret = SCMP_ACT_KILL;
	else if (streq(w[0], "kill_process"))
		*ret = SCMP_ACT_KILL_PROCESS;
	else if (streq(w[0], "allow"))
		*ret = SCMP_ACT_ALLOW;
	else if (streq(w[0], "trap"))
		*ret = SCMP_ACT_TRAP;
	else if (streq(w[0], "log"))
		*ret = SCMP_ACT_LOG;
	else if (streq(w[0], "errno")) {
		if (!w[1] || safe_atou(w[1], &n) < 0 || n > 4095)
			return -EINVAL;
		*ret = SCMP_ACT_ERRNO(n);
		*used = 2;
	} else
		return -ENOENT;
	return 0;
}

static int parse_op(const char *s, enum scmp_compare *ret)
{
	static const struct {
		const char *a, *b;
		enum scmp_compare op;
	} ops[] = {
		{ "SCMP_CMP_NE", "!=", SCMP_CMP_NE }, { "SCMP_CMP_LT", "<", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", "<=", SCMP_CMP_LE }, { "SCMP_CMP_EQ", "==", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", ">=", SCMP_CMP_GE }, { "SCMP_CMP_GT", ">", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", "&=", SCMP_CMP_MASKED_EQ },
	};

	for (size_t i = 0; i < ELEMENTSOF(ops); i++)
		if (streq(s, ops[i].a) || streq(s, ops[i].b)) {
			*ret = ops[i].op;
			return 0;
		}
	return -EINVAL;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;

	if (isempty(s) || *s == '-')
		return -EINVAL;
	errno = 0;
	*ret = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

/* "[1,2,SCMP_CMP_EQ]" or "[1,2,SCMP_CMP_MASKED_EQ,2]" */
static int parse_arg(const char *s, struct scmp_arg_cmp *ret)
{
	_cleanup_free_ char *in = NULL;
	_cleanup_strv_free_ char **f = NULL;
	uint64_t idx, v, mask = 0;
	enum scmp_compare op;

	if (s[0] != '[' || !endswith(s, "]"))
		return -EINVAL;
	in = xstrndup(s + 1, strlen(s) - 2);
	f = strv_split(in, ",");
	if (strv_length(f) < 3 || strv_length(f) > 4 || parse_u64(f[0], &idx) < 0 || idx > 5 ||
	    parse_u64(f[1], &v) < 0 || parse_op(f[2], &op) < 0 ||
	    (f[3] && parse_u64(f[3], &mask) < 0) || ((op == SCMP_CMP_MASKED_EQ) != (f[3] != NULL)))
		return -EINVAL;
	if (op == SCMP_CMP_MASKED_EQ)
		*ret = (struct scmp_arg_cmp){ (unsigned)idx, op, mask, v };
	else
		*ret = (struct scmp_arg_cmp){ (unsigned)idx, op, v, 0 };
	return 0;
}

static int add_rule(struct parse *p, const char *name, uint32_t action, unsigned n,
		    const struct scmp_arg_cmp *args, struct cove_error *err)
{
	int nr = seccomp_syscall_resolve_name(name);
	int r;

	if (nr == __NR_SCMP_ERROR)
		return perr(p, err, -EINVAL, "unknown syscall '%s'", name);
	if (p->skip)
		return 0;
	r = seccomp_rule_add_array(p->ctx, action, nr, n, args);
	/* The default action already: nothing to add. */
	if (r == -EACCES || r == -EEXIST)
		return 0;
	if (r < 0)
		return perr(p, err, r, "cannot add a rule for '%s'", name);
	return 0;
}

static int force_umount_rule(struct parse *p, struct cove_error *err)
{
	struct scmp_arg_cmp a = SCMP_A1(SCMP_CMP_MASKED_EQ, MNT_FORCE, MNT_FORCE);

	return add_rule(p, "umount2", SCMP_ACT_ERRNO(EACCES), 1, &a, err);
}

/* "[x86_64]": does this section apply here? Unknown names are errors. */
static int section(struct parse *p, const char *s, struct cove_error *err)
{
	static const struct {
		const char *name;
		uint32_t arch;
	} arches[] = {
		{ "x86_64", SCMP_ARCH_X86_64 }, { "amd64", SCMP_ARCH_X86_64 },
		{ "x86", SCMP_ARCH_X86 }, { "i386", SCMP_ARCH_X86 }, { "i686", SCMP_ARCH_X86 },
		{ "x32", SCMP_ARCH_X32 }, { "arm", SCMP_ARCH_ARM }, { "armhf", SCMP_ARCH_ARM },
		{ "armel", SCMP_ARCH_ARM }, { "arm64", SCMP_ARCH_AARCH64 },
		{ "aarch64", SCMP_ARCH_AARCH64 }, { "ppc64le", SCMP_ARCH_PPC64LE },
		{ "ppc64", SCMP_ARCH_PPC64 }, { "ppc", SCMP_ARCH_PPC }, { "s390x", SCMP_ARCH_S390X },
		{ "s390", SCMP_ARCH_S390 }, { "mips", SCMP_ARCH_MIPS }, { "mipsel", SCMP_ARCH_MIPSEL },
		{ "mips64", SCMP_ARCH_MIPS64 }, { "mipsel64", SCMP_ARCH_MIPSEL64 },
		{ "riscv64", SCMP_ARCH_RISCV64 },
	};
	_cleanup_free_ char *n = xstrndup(s + 1, strlen(s) - 2);

	for (char *c = n; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (streq(n, "all")) {
		p->skip = false;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(arches); i++)
		if (streq(n, arches[i].name)) {
			p->skip = arches[i].arch != seccomp_arch_native();
			return 0;
		}
	return perr(p, err, -EINVAL, "unknown architecture section '%s'", s);
}

static int parse_v2_line(struct parse *p, char **w, struct cove_error *err)
{
	struct scmp_arg_cmp args[6];
	uint32_t action = p->rule_action;
	const char *name = w[0];
	unsigned n = 0;
	size_t used;
	int r;

	if (name[0] == '[')
		return endswith(name, "]") && !w[1] ? section(p, name, err)
						    : perr(p, err, -EINVAL, "bad section '%s'", name);
	if (streq(name, "reject_force_umount"))
		return force_umount_rule(p, err);
	w++;
	if (w[0] && w[0][0] != '[') {
		r = parse_action(w, &action, &used);
		if (r < 0)
			return perr(p, err, -EINVAL, "bad action '%s'", w[0]);
		w += used;
	}
	for (; *w; w++) {
		if (n >= ELEMENTSOF(args) || parse_arg(*w, &args[n]) < 0)
			return perr(p, err, -EINVAL, "bad argument condition '%s'", *w);
		n++;
	}
	return add_rule(p, name, action, n, args, err);
}

/* "denylist [ACTION]" / "allowlist [ACTION]": the default and per-rule actions. */
static int parse_policy(struct parse *p, char **w, uint32_t *ret_default, struct cove_error *err)
{
	size_t used;

	if (streq(w[0], "denylist") || streq(w[0], "blacklist")) {
		p->deny = true;
		*ret_default = SCMP_ACT_ALLOW;
		p->rule_action = SCMP_ACT_KILL;
	} else if (streq(w[0], "allowlist") || streq(w[0], "whitelist")) {
		p->deny = false;
		*ret_default = SCMP_ACT_KILL;
		p->rule_action = SCMP_ACT_ALLOW;
	} else
		return perr(p, err, -EINVAL, "unknown policy '%s' (denylist or allowlist)", w[0]);
	if (w[1] && (parse_action(w + 1, ret_default, &used) < 0 || w[1 + used]))
		return perr(p, err, -EINVAL, "bad default action '%s'", w[1]);
	return 0;
}

static scmp_filter_ctx new_ctx(uint32_t def)
{
	scmp_filter_ctx ctx = seccomp_init(def);

	if (!ctx)
		return NULL;
	/* no_new_privs is lxc.no_new_privs' business, not the filter's. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* The compat ABIs of the host get the same rules (no int 0x80 way around them). */
	if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
		(void)seccomp_arch_add(ctx, SCMP_ARCH_X86);
		(void)seccomp_arch_add(ctx, SCMP_ARCH_X32);
	}
	return ctx;
}

static char **words(char *line)
{
	char *hash = strchr(line, '#');

	if (hash)
		*hash = 0;
	return strv_split(line, " \t");
}

static int parse_profile(const char *file, scmp_filter_ctx *ret, struct cove_error *err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_(ctx_freep) scmp_filter_ctx ctx = NULL;
	struct parse p = { .file = file };
	unsigned version = 0;
	uint32_t def = SCMP_ACT_KILL;
	char *save = NULL;
	int r;

	r = read_full_file(file, 4 << 20, &buf, NULL);
	if (r < 0)
		return cove_err(err, r, "Failed to read lxc.seccomp.profile '%s': %s", file, strerror(-r));
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		_cleanup_strv_free_ char **w = words(l);

		p.line++;
		if (!w || !w[0])
			continue;
		if (version == 0) {
			if (safe_atou(w[0], &version) < 0 || (version != 1 && version != 2) || w[1])
				return perr(&p, err, -EINVAL, "unknown format version '%s' (1 or 2)", w[0]);
			continue;
		}
		if (!ctx) {
			r = parse_policy(&p, w, &def, err);
			if (r < 0)
				return r;
			if (version == 1 && p.deny)
				return perr(&p, err, -EINVAL, "version 1 has allowlists only, not '%s'", w[0]);
			ctx = new_ctx(def);
			if (!ctx)
				return cove_err(err, -ENOMEM, "Failed to create a seccomp filter");
			continue;
		}
		if (version == 1) {
			unsigned nr;

			if (safe_atou(w[0], &nr) < 0 || w[1])
				return perr(&p, err, -EINVAL, "expected a syscall number, not '%s'", w[0]);
			_cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);
			if (!name)
				return perr(&p, err, -EINVAL, "unknown syscall number '%s'", w[0]);
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, (int)nr, 0);
			if (r < 0 && r != -EACCES && r != -EEXIST)
				return perr(&p, err, r, "cannot add syscall number '%s'", w[0]);
			continue;
		}
		p.ctx = ctx;
		r = parse_v2_line(&p, w, err);
		if (r < 0)
			return r;
	}
	if (!ctx)
		return cove_err(err, -EINVAL, "Invalid lxc.seccomp.profile '%s': %s", file,
				version ? "no policy line (denylist or allowlist)" : "empty file");
	*ret = TAKE_PTR(ctx);
	return 0;
}

/* The default policy through libseccomp: x86_64 hosts use seccomp-default.c's program instead. */
static int default_profile_lib(scmp_filter_ctx *ret, struct cove_error *err)
{
	_cleanup_(ctx_freep) scmp_filter_ctx ctx = new_ctx(SCMP_ACT_ALLOW);
	struct parse p = { .file = "(default policy)", .ctx = NULL };
	int r;

	if (!ctx)
		return cove_err(err, -ENOMEM, "Failed to create a seccomp filter");
	p.ctx = ctx;
	for (size_t i = 0; i < ELEMENTSOF(default_deny); i++) {
		int nr = seccomp_syscall_resolve_name(default_deny[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (r < 0)
			return cove_err(err, r, "Failed to add '%s' to the default seccomp policy: %s",
					default_deny[i], strerror(-r));
	}
	r = force_umount_rule(&p, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(ctx);
	return 0;
}

/* What cove_seccomp_prepare() hands out: a libseccomp filter, or a program written out. */
struct filter {
	scmp_filter_ctx ctx; /* owned, or NULL */
	const void *prog;    /* borrowed (static): ctx == NULL, n instructions */
	size_t n;
};

static struct filter *filter_new(scmp_filter_ctx ctx, const void *prog, size_t n)
{
	struct filter *f = xnew0(struct filter, 1);

	*f = (struct filter){ .ctx = ctx, .prog = prog, .n = n };
	return f;
}

int cove_seccomp_check(const struct cove_conf *c, struct cove_error *err)
{
	_cleanup_(ctx_freep) scmp_filter_ctx ctx = NULL;

	/* The default policy cannot fail to build: nothing to check, nothing to build. */
	if (isempty(c->seccomp_profile))
		return 0;
	return parse_profile(c->seccomp_profile, &ctx, err);
}

int cove_seccomp_prepare_default_lib(void **ret_filter, struct cove_error *err)
{
	scmp_filter_ctx ctx = NULL;
	int r = default_profile_lib(&ctx, err);

	if (r < 0)
		return r;
	*ret_filter = filter_new(ctx, NULL, 0);
	return 0;
}

int cove_seccomp_prepare(const struct cove_conf *c, void **ret_filter, struct cove_error *err)
{
	scmp_filter_ctx ctx = NULL;
	const void *prog;
	size_t n;
	int r;

	if (isempty(c->seccomp_profile)) {
		/* x86_64: the program written out, no libseccomp call on the way to RUNNING */
		if (cove_seccomp_default_bpf(&prog, &n) >= 0) {
			*ret_filter = filter_new(NULL, prog, n);
			return 0;
		}
		return cove_seccomp_prepare_default_lib(ret_filter, err);
	}
	r = parse_profile(c->seccomp_profile, &ctx, err);
	if (r < 0)
		return r;
	*ret_filter = filter_new(ctx, NULL, 0);
	return 0;
}

int cove_seccomp_export(void *filter, int *ret_fd, struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct filter *f = filter;
	int r;

	if (!f)
		return cove_err(err, -EINVAL, "No seccomp filter prepared");
	fd = memfd_create("cove-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to create a memfd for the seccomp filter: %m");
	if (f->ctx)
		r = seccomp_export_bpf(f->ctx, fd);
	else
		r = loop_write(fd, f->prog, f->n * sizeof(struct sock_filter));
	if (r < 0)
		return cove_err(err, r, "Failed to export the seccomp filter: %s", strerror(-r));
	if (fcntl(fd, F_ADD_SEALS, COVE_SECCOMP_SEALS) < 0)
		return cove_err(err, -errno, "Failed to seal the seccomp filter: %m");
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int cove_seccomp_prog(void *filter, void **ret_prog)
{
	struct filter *f = filter;

	if (!f || f->ctx)
		return -EOPNOTSUPP;
	*ret_prog = cove_seccomp_bpf_new(f->prog, f->n);
	return 0;
}

void *cove_seccomp_free(void *filter)
{
	struct filter *f = filter;

	if (!f)
		return NULL;
	if (f->ctx)
		seccomp_release(f->ctx);
	free(f);
	return NULL;
}
