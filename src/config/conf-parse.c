/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Value parsers for lxc.* keys: architectures, signals, idmaps, mount.auto
 * tokens, fstab lines, prlimits, capability names, interface names and
 * addresses, and the enum<->string tables of conf.h. Pure string work: none
 * of these touch the host.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/resource.h>

#include "alloc.h"
#include "conf-internal.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("config");

static const char *const net_type_table[_COVE_NET_TYPE_MAX] = {
    [COVE_NET_EMPTY] = "empty",	    [COVE_NET_NONE] = "none", [COVE_NET_VETH] = "veth",
    [COVE_NET_MACVLAN] = "macvlan", [COVE_NET_VLAN] = "vlan", [COVE_NET_PHYS] = "phys",
};

const char *cove_net_type_to_string(int t)
{
	return t >= 0 && t < _COVE_NET_TYPE_MAX ? net_type_table[t] : NULL;
}

int cove_net_type_from_string(const char *s)
{
	for (int i = 0; s && i < _COVE_NET_TYPE_MAX; i++)
		if (streq(s, net_type_table[i]))
			return i;
	return _COVE_NET_TYPE_INVALID;
}

static const char *const hook_table[_COVE_HOOK_MAX] = {
    [COVE_HOOK_PRE_START] = "pre-start", [COVE_HOOK_PRE_MOUNT] = "pre-mount",
    [COVE_HOOK_MOUNT] = "mount",	 [COVE_HOOK_AUTODEV] = "autodev",
    [COVE_HOOK_START] = "start",	 [COVE_HOOK_STOP] = "stop",
    [COVE_HOOK_POST_STOP] = "post-stop", [COVE_HOOK_CLONE] = "clone",
    [COVE_HOOK_DESTROY] = "destroy",	 [COVE_HOOK_START_HOST] = "start-host",
};

const char *cove_hook_to_string(int h)
{
	return h >= 0 && h < _COVE_HOOK_MAX ? hook_table[h] : NULL;
}

int cove_hook_from_string(const char *s)
{
	for (int i = 0; s && i < _COVE_HOOK_MAX; i++)
		if (streq(s, hook_table[i]))
			return i;
	return _COVE_HOOK_INVALID;
}

/* "SIGRTMIN+3", "RTMAX-1": offsets from the real-time range. */
static int parse_rt_signal(const char *s)
{
	const char *p;
	unsigned off = 0;
	int base;

	if ((p = startswith(s, "RTMIN")))
		base = SIGRTMIN;
	else if ((p = startswith(s, "RTMAX")))
		base = SIGRTMAX;
	else
		return -EINVAL;
	if (*p) {
		if ((*p != '+' && *p != '-') || safe_atou(p + 1, &off) < 0)
			return -EINVAL;
		if ((base == SIGRTMIN && *p == '-') || (base == SIGRTMAX && *p == '+'))
			return -EINVAL;
		base = *p == '+' ? base + (int)MIN(off, 64u) : base - (int)MIN(off, 64u);
	}
	return base >= SIGRTMIN && base <= SIGRTMAX ? base : -EINVAL;
}

int cove_signal_from_string(const char *s)
{
	char up[32];
	const char *n;
	unsigned v;

	if (isempty(s))
		return -EINVAL;
	if (safe_atou(s, &v) == 0)
		return v >= 1 && v < (unsigned)_NSIG ? (int)v : -EINVAL;
	if (strlen(s) >= sizeof(up))
		return -EINVAL;
	for (size_t i = 0; i <= strlen(s); i++)
		up[i] = (char)toupper((unsigned char)s[i]);
	n = startswith(up, "SIG") ?: up;
	if (startswith(n, "RT"))
		return parse_rt_signal(n);
	for (int i = 1; i < SIGRTMIN; i++) {
		const char *abbrev = sigabbrev_np(i);

		if (abbrev && streq(n, abbrev))
			return i;
	}
	return -EINVAL;
}

int parse_arch(const char *s, unsigned long *ret_personality, const char **ret_why)
{
	static const char *const a64[] = {"x86_64", "amd64"};
	static const char *const a32[] = {"i686", "x86", "i386", "i486", "i586"};

	for (size_t i = 0; i < ELEMENTSOF(a64); i++)
		if (streq(s, a64[i]))
			return *ret_personality = PER_LINUX, 0;
	for (size_t i = 0; i < ELEMENTSOF(a32); i++)
		if (streq(s, a32[i]))
			return *ret_personality = PER_LINUX32, 0;
	*ret_why = "not an architecture this host can run (x86_64, amd64, i686, x86, i386)";
	return -EINVAL;
}

const char *arch_from_personality(unsigned long p)
{
	return p == PER_LINUX32 ? "i686" : "x86_64";
}

int parse_idmap(const char *s, struct cove_idmap *ret, const char **ret_why)
{
	_cleanup_strv_free_ char **f = strv_split(s, " \t");
	uint64_t v[3];

	if (strv_length(f) != 4) {
		*ret_why = "expected 'u|g NSID HOSTID RANGE'";
		return -EINVAL;
	}
	if (!streq(f[0], "u") && !streq(f[0], "g")) {
		*ret_why = "type must be 'u' or 'g'";
		return -EINVAL;
	}
	for (int i = 0; i < 3; i++)
		if (safe_atou64(f[i + 1], &v[i]) < 0 || v[i] > UINT32_MAX) {
			*ret_why = "ids must be numbers below 2^32";
			return -EINVAL;
		}
	if (v[2] == 0) {
		*ret_why = "range must not be 0";
		return -EINVAL;
	}
	if (v[0] + v[2] > (uint64_t)UINT32_MAX + 1 || v[1] + v[2] > (uint64_t)UINT32_MAX + 1) {
		*ret_why = "range goes past the last id";
		return -EINVAL;
	}
	*ret = (struct cove_idmap){.type = f[0][0], .nsid = v[0], .hostid = v[1], .range = v[2]};
	return 0;
}

#define PROC_MASK (COVE_MOUNT_PROC_MIXED | COVE_MOUNT_PROC_RW)
#define SYS_MASK  (COVE_MOUNT_SYS_MIXED | COVE_MOUNT_SYS_RO | COVE_MOUNT_SYS_RW)
#define CG_MASK                                                                                    \
	(COVE_MOUNT_CGROUP_MIXED | COVE_MOUNT_CGROUP_RO | COVE_MOUNT_CGROUP_RW |                   \
	 COVE_MOUNT_CGROUP_NOSPEC | COVE_MOUNT_CGROUP_FULL_MIXED | COVE_MOUNT_CGROUP_FULL_RO |     \
	 COVE_MOUNT_CGROUP_FULL_RW | COVE_MOUNT_CGROUP_FULL_NOSPEC | COVE_MOUNT_CGROUP_FORCE)

static const struct {
	const char *token;
	unsigned mask, flag;
} mount_auto_table[] = {
    {"proc:mixed", PROC_MASK, COVE_MOUNT_PROC_MIXED},
    {"proc:rw", PROC_MASK, COVE_MOUNT_PROC_RW},
    {"proc", PROC_MASK, COVE_MOUNT_PROC_MIXED},
    {"sys:mixed", SYS_MASK, COVE_MOUNT_SYS_MIXED},
    {"sys:ro", SYS_MASK, COVE_MOUNT_SYS_RO},
    {"sys:rw", SYS_MASK, COVE_MOUNT_SYS_RW},
    {"sys", SYS_MASK, COVE_MOUNT_SYS_MIXED},
    {"cgroup:mixed", CG_MASK, COVE_MOUNT_CGROUP_MIXED},
    {"cgroup:ro", CG_MASK, COVE_MOUNT_CGROUP_RO},
    {"cgroup:rw", CG_MASK, COVE_MOUNT_CGROUP_RW},
    {"cgroup", CG_MASK, COVE_MOUNT_CGROUP_MIXED | COVE_MOUNT_CGROUP_NOSPEC},
    {"cgroup-full:mixed", CG_MASK, COVE_MOUNT_CGROUP_FULL_MIXED},
    {"cgroup-full:ro", CG_MASK, COVE_MOUNT_CGROUP_FULL_RO},
    {"cgroup-full:rw", CG_MASK, COVE_MOUNT_CGROUP_FULL_RW},
    {"cgroup-full", CG_MASK, COVE_MOUNT_CGROUP_FULL_MIXED | COVE_MOUNT_CGROUP_FULL_NOSPEC},
};

static int mount_auto_token(const char *t, unsigned *mask, unsigned *flag)
{
	char buf[32];
	size_t n = strlen(t);
	bool force = false;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, t, n + 1);
	if (endswith(buf, ":force") && startswith(buf, "cgroup")) {
		buf[n - STRLEN(":force")] = 0;
		force = true;
	}
	for (size_t i = 0; i < ELEMENTSOF(mount_auto_table); i++)
		if (streq(buf, mount_auto_table[i].token)) {
			*mask = mount_auto_table[i].mask;
			*flag = mount_auto_table[i].flag | (force ? COVE_MOUNT_CGROUP_FORCE : 0);
			return 0;
		}
	return -EINVAL;
}

static int parse_shmounts(const char *t, char **shm_host, char **shm_cont, const char **ret_why)
{
	const char *spec = startswith(t, "shmounts:");
	const char *colon = strchr(spec, ':');
	_cleanup_free_ char *host = colon ? xstrndup(spec, colon - spec) : xstrdup(spec);
	_cleanup_free_ char *cont = xstrdup(colon ? colon + 1 : "/dev/.lxc-mounts");

	if (isempty(host) || host[0] != '/' || isempty(cont) || cont[0] != '/' ||
	    strchr(cont, ':')) {
		*ret_why = "expected shmounts:/HOST/PATH[:/CONTAINER/PATH]";
		return -EINVAL;
	}
	free(*shm_host);
	free(*shm_cont);
	*shm_host = TAKE_PTR(host);
	*shm_cont = TAKE_PTR(cont);
	return 0;
}

int parse_mount_auto(const char *s, unsigned *flags, char **shm_host, char **shm_cont,
		     const char **ret_why)
{
	_cleanup_strv_free_ char **tokens = strv_split(s, " \t");
	_cleanup_free_ char *h = *shm_host ? xstrdup(*shm_host) : NULL;
	_cleanup_free_ char *ct = *shm_cont ? xstrdup(*shm_cont) : NULL;
	unsigned f = *flags;

	STRV_FOREACH (t, tokens) {
		unsigned mask, flag;

		if (startswith(*t, "shmounts:")) {
			if (parse_shmounts(*t, &h, &ct, ret_why) < 0)
				return -EINVAL;
			f |= COVE_MOUNT_SHMOUNTS;
			continue;
		}
		if (mount_auto_token(*t, &mask, &flag) < 0) {
			*ret_why = "unknown token (proc[:mixed|:rw], sys[:mixed|:ro|:rw], "
				   "cgroup[-full][:mixed|:ro|:rw][:force], shmounts:PATH)";
			return -EINVAL;
		}
		f = (f & ~mask) | flag;
	}
	*flags = f;
	free(*shm_host);
	free(*shm_cont);
	*shm_host = TAKE_PTR(h);
	*shm_cont = TAKE_PTR(ct);
	return 0;
}

void format_mount_auto(unsigned flags, const char *shm_host, const char *shm_cont, FILE *f)
{
	static const unsigned categories[] = {PROC_MASK, SYS_MASK, CG_MASK};
	const char *sep = "";

	/* One token per category: the first row whose flags are exactly the ones set. */
	for (size_t c = 0; c < ELEMENTSOF(categories); c++) {
		unsigned v = flags & categories[c] & ~COVE_MOUNT_CGROUP_FORCE;

		for (size_t i = 0; v && i < ELEMENTSOF(mount_auto_table); i++) {
			if (mount_auto_table[i].flag != v)
				continue;
			fprintf(f, "%s%s%s", sep, mount_auto_table[i].token,
				c == 2 && (flags & COVE_MOUNT_CGROUP_FORCE) ? ":force" : "");
			sep = " ";
			break;
		}
	}
	if ((flags & COVE_MOUNT_SHMOUNTS) && shm_host)
		fprintf(f, "%sshmounts:%s:%s", sep, shm_host, shm_cont ?: "/dev/.lxc-mounts");
}

/* fstab fields escape blanks as \040, \011, \012, \134 (backslash). */
static char *fstab_unescape(const char *s)
{
	char *r = xmalloc(strlen(s) + 1), *d = r;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else
			*d++ = *s++;
	}
	*d = 0;
	return r;
}

static void fstab_fprint(FILE *f, const char *s)
{
	for (; *s; s++)
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			fprintf(f, "\\%03o", (unsigned char)*s);
		else
			fputc(*s, f);
}

void mount_entry_done(struct cove_mount_entry *m)
{
	free(m->source);
	free(m->target);
	free(m->fstype);
	free(m->options);
	*m = (struct cove_mount_entry){};
}

int parse_mount_entry(const char *s, struct cove_mount_entry *ret, const char **ret_why)
{
	_cleanup_strv_free_ char **f = strv_split(s, " \t");
	size_t n = strv_length(f);
	int freq = 0, passno = 0;

	if (n < 4 || n > 6) {
		*ret_why = "expected 'SOURCE TARGET FSTYPE OPTIONS [FREQ [PASSNO]]'";
		return -EINVAL;
	}
	if ((n >= 5 && (safe_atoi(f[4], &freq) < 0 || freq < 0)) ||
	    (n == 6 && (safe_atoi(f[5], &passno) < 0 || passno < 0))) {
		*ret_why = "dump and pass fields must be numbers";
		return -EINVAL;
	}
	*ret = (struct cove_mount_entry){
	    .source = fstab_unescape(f[0]),
	    .target = fstab_unescape(f[1]),
	    .fstype = fstab_unescape(f[2]),
	    .options = fstab_unescape(f[3]),
	    .freq = freq,
	    .passno = passno,
	};
	if (isempty(ret->source) || isempty(ret->target)) {
		mount_entry_done(ret);
		*ret_why = "empty source or target";
		return -EINVAL;
	}
	return 0;
}

void format_mount_entry(const struct cove_mount_entry *m, FILE *f)
{
	fstab_fprint(f, m->source);
	fputc(' ', f);
	fstab_fprint(f, m->target);
	fputc(' ', f);
	fstab_fprint(f, m->fstype);
	fputc(' ', f);
	fstab_fprint(f, m->options);
	fprintf(f, " %d %d", m->freq, m->passno);
}

static const struct {
	const char *name;
	int resource;
} prlimit_table[] = {
    {"as", RLIMIT_AS},		 {"core", RLIMIT_CORE},		{"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},	 {"fsize", RLIMIT_FSIZE},	{"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},	 {"nproc", RLIMIT_NPROC},	{"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},	 {"rttime", RLIMIT_RTTIME},	{"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

int prlimit_resource_from_name(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(prlimit_table); i++)
		if (streq(name, prlimit_table[i].name))
			return prlimit_table[i].resource;
	return -EINVAL;
}

static int parse_rlim(const char *s, uint64_t *ret)
{
	if (streq(s, "unlimited")) {
		*ret = RLIM_INFINITY;
		return 0;
	}
	return safe_atou64(s, ret) < 0 || *ret == RLIM_INFINITY ? -EINVAL : 0;
}

int parse_prlimit(const char *s, uint64_t *ret_soft, uint64_t *ret_hard, const char **ret_why)
{
	const char *colon = strchr(s, ':');
	_cleanup_free_ char *a = colon ? xstrndup(s, colon - s) : xstrdup(s);
	uint64_t soft, hard;

	if (parse_rlim(a, &soft) < 0 || parse_rlim(colon ? colon + 1 : a, &hard) < 0) {
		*ret_why = "expected 'N', 'SOFT:HARD' or 'unlimited'";
		return -EINVAL;
	}
	if (soft > hard) {
		*ret_why = "soft limit above hard limit";
		return -EINVAL;
	}
	*ret_soft = soft;
	*ret_hard = hard;
	return 0;
}

/* One capability name as LXC spells it ("sys_admin"; "CAP_SYS_ADMIN" is accepted too). */
static char *parse_cap(const char *s)
{
	_cleanup_free_ char *full = NULL;
	const char *bare = s;
	cap_value_t v;
	unsigned n;

	if (strncasecmp(s, "cap_", 4) == 0)
		bare = s + 4;
	if (isempty(bare) || strlen(bare) > 64)
		return NULL;
	if (safe_atou(bare, &n) == 0)
		return n <= 63 ? xstrdup(bare) : NULL;
	full = xasprintf("cap_%s", bare);
	for (char *p = full; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_')
			return NULL;
		*p = (char)tolower((unsigned char)*p);
	}
	if (cap_from_name(full, &v) < 0)
		return NULL;
	return xstrdup(full + 4);
}

int parse_caps(const char *s, char ***ret, const char **ret_why)
{
	_cleanup_strv_free_ char **in = strv_split(s, " \t");
	_cleanup_strv_free_ char **out = NULL;

	STRV_FOREACH (t, in) {
		char *c = parse_cap(*t);

		if (!c) {
			*ret_why = "unknown capability name";
			return -EINVAL;
		}
		strv_push(&out, c);
	}
	if (!out) {
		*ret_why = "no capability named";
		return -EINVAL;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

int parse_env(const char *s, const char **ret_why)
{
	size_t n = strcspn(s, "=");

	if (n == 0) {
		*ret_why = "expected 'NAME=VALUE' or 'NAME'";
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)s[i])) {
			*ret_why = "blank in variable name";
			return -EINVAL;
		}
	return 0;
}

int parse_ifname(const char *s, const char **ret_why)
{
	if (isempty(s) || strlen(s) >= 16) {
		*ret_why = "interface names have 1 to 15 characters";
		return -EINVAL;
	}
	if (streq(s, ".") || streq(s, "..") || strpbrk(s, "/: \t")) {
		*ret_why = "not a valid interface name";
		return -EINVAL;
	}
	return 0;
}

int parse_hwaddr(const char *s, const char **ret_why)
{
	*ret_why = "expected six hex pairs such as 00:16:3e:xx:xx:xx";
	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':')
				return -EINVAL;
		} else if (!isxdigit((unsigned char)s[i]) && s[i] != 'x') /* x: random */
			return -EINVAL;
	}
	return 0;
}

static int parse_addr(int af, const char *s, bool with_prefix, const char **ret_why)
{
	unsigned max = af == AF_INET ? 32 : 128, prefix;
	const char *slash = strchr(s, '/');
	_cleanup_free_ char *a = slash ? xstrndup(s, slash - s) : xstrdup(s);
	unsigned char buf[16];

	if (inet_pton(af, a, buf) != 1) {
		*ret_why = af == AF_INET ? "not an IPv4 address" : "not an IPv6 address";
		return -EINVAL;
	}
	if (slash && (!with_prefix || safe_atou(slash + 1, &prefix) < 0 || prefix > max)) {
		*ret_why = "bad prefix length";
		return -EINVAL;
	}
	return 0;
}

int parse_ipv4_addr(const char *s, bool with_prefix, const char **ret_why)
{
	return parse_addr(AF_INET, s, with_prefix, ret_why);
}

int parse_ipv6_addr(const char *s, bool with_prefix, const char **ret_why)
{
	return parse_addr(AF_INET6, s, with_prefix, ret_why);
}

int parse_subkey(const char *s, const char **ret_why)
{
	if (isempty(s) || s[0] == '.' || strstr(s, "..") || endswith(s, ".")) {
		*ret_why = "bad name after the prefix";
		return -EINVAL;
	}
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s)) {
			*ret_why = "bad character in the name after the prefix";
			return -EINVAL;
		}
	return 0;
}

void fprint_strv(FILE *f, char *const *l, const char *sep)
{
	const char *s = "";

	STRV_FOREACH (i, l) {
		fprintf(f, "%s%s", s, *i);
		s = sep;
	}
}
