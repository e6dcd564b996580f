/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network ACLs: storage, LXD's checks, nftables enforcement (see network-acl.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "daemon.h"
#include "db/db-internal.h"
#include "db/db-networks.h"
#include "fileio.h"
#include "log.h"
#include "network-acl.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

LOG_MODULE("network");

static const char *const rule_keys[] = { "action",      "source",	    "destination",
					 "protocol",    "source_port",  "destination_port",
					 "icmp_type",   "icmp_code",    "description",
					 "state",       NULL };

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

/* ---- storage ---- */

static json_t *used_by(const char *name)
{
	_cleanup_strv_free_ char **nets = NULL;
	json_t *l = json_array();

	(void)db_network_names(the_daemon->db, &nets, NULL);
	STRV_FOREACH (n, nets) {
		struct db_network net = { 0 };
		_cleanup_strv_free_ char **acls = NULL;

		if (db_network_get(the_daemon->db, *n, &net, NULL) < 0)
			continue;
		acls = strv_split(str(net.config, "security.acls"), ", ");
		if (strv_contains(acls, name))
			json_array_append_new(l, json_sprintf("/1.0/networks/%s", *n));
		db_network_clear(&net);
	}
	return l;
}

static json_t *or_empty(const json_t *body, const char *key, bool array);

/* rules in LXD's field order (the database keeps sorted keys) */
static json_t *rules_column(sqlite3_stmt *st, int col)
{
	_cleanup_json_ json_t *raw = json_pack("{s:o}", "r", db_column_json(st, col));

	return or_empty(raw, "r", true);
}

json_t *network_acl_get(const char *name, struct cove_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	sqlite3 *db = the_daemon->db;
	int r;

	r = db_prepare(db,
		       "SELECT name, description, ingress, egress, config FROM network_acls WHERE name = ?1",
		       &st, err, name, NULL);
	if (r < 0)
		return NULL;
	r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		cove_err(err, r == SQLITE_DONE ? -ENOENT : -EIO,
			 r == SQLITE_DONE ? "Network ACL not found" : "Database error");
		return NULL;
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "name", json_string(name), "description",
			 json_string((const char *)sqlite3_column_text(st, 1) ?: ""), "egress",
			 rules_column(st, 3), "ingress", rules_column(st, 2), "config",
			 db_column_json(st, 4), "used_by", used_by(name));
}

int network_acl_names(char ***ret, struct cove_error *err)
{
	return db_names(the_daemon->db, "SELECT name FROM network_acls ORDER BY name", NULL, ret, err);
}

/* ---- checks ---- */

static int rerr(struct cove_error *err, const char *dir, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int rerr(struct cove_error *err, const char *dir, size_t i, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cove_err(err, -EINVAL, "Invalid %s rule %zu: %s", dir, i, msg);
}

static int ip_family(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 ? AF_INET : inet_pton(AF_INET6, s, b) == 1 ? AF_INET6 : 0;
}

/* A.B.C.D/P, an address range A-B, or a single address: the family, 0 if none */
static int subject_family(const char *s)
{
	char buf[128];
	const char *sep = strpbrk(s, "/-");
	unsigned p;
	int f;

	if (strlen(s) >= sizeof(buf))
		return 0;
	if (!sep)
		return ip_family(s);
	memcpy(buf, s, (size_t)(sep - s));
	buf[sep - s] = 0;
	f = ip_family(buf);
	if (*sep == '/')
		return f && safe_atou(sep + 1, &p) >= 0 && p <= (f == AF_INET ? 32u : 128u) ? f : 0;
	return f && ip_family(sep + 1) == f ? f : 0;
}

static bool valid_port(const char *s)
{
	const char *dash = strchr(s, '-');
	unsigned a, b;

	if (!dash)
		return safe_atou(s, &a) >= 0 && a <= 65535;
	{
		_cleanup_free_ char *lo = xstrndup(s, (size_t)(dash - s));

		return safe_atou(lo, &a) >= 0 && safe_atou(dash + 1, &b) >= 0 && a <= b && b <= 65535;
	}
}

static int check_list(const char *v, bool ports, struct cove_error *err, const char *dir, size_t i,
		      const char *what)
{
	_cleanup_strv_free_ char **l = strv_split(v, ",");

	STRV_FOREACH (x, l) {
		const char *s = strstrip(*x);

		if (ports ? !valid_port(s) : !subject_family(s))
			return rerr(err, dir, i, "Invalid %s: Invalid %s \"%s\"", what,
				    ports ? "port" : "subject", s);
	}
	return 0;
}

static int check_rule(const json_t *r, const char *dir, size_t i, struct cove_error *err)
{
	const char *proto = str(r, "protocol"), *k;
	bool ports = streq(proto, "tcp") || streq(proto, "udp");
	bool icmp = streq(proto, "icmp4") || streq(proto, "icmp6");
	unsigned u;
	json_t *v;

	if (!json_is_object(r))
		return rerr(err, dir, i, "Rule must be a map");
	json_object_foreach ((json_t *)r, k, v) {
		if (!strv_contains((char **)rule_keys, k))
			return rerr(err, dir, i, "Unknown field \"%s\"", k);
		if (!json_is_string(v))
			return rerr(err, dir, i, "Field \"%s\" must be a string", k);
	}
	if (!streq(str(r, "action"), "allow") && !streq(str(r, "action"), "reject") &&
	    !streq(str(r, "action"), "drop"))
		return rerr(err, dir, i, "Action must be one of: allow, reject, drop");
	if (!streq(str(r, "state"), "enabled") && !streq(str(r, "state"), "disabled") &&
	    !streq(str(r, "state"), "logged"))
		return rerr(err, dir, i, "State must be one of: enabled, disabled, logged");
	if (*str(r, "source") && check_list(str(r, "source"), false, err, dir, i, "Source") < 0)
		return -EINVAL;
	if (*str(r, "destination") &&
	    check_list(str(r, "destination"), false, err, dir, i, "Destination") < 0)
		return -EINVAL;
	if (*proto && !ports && !icmp)
		return rerr(err, dir, i, "Protocol must be one of: icmp4, icmp6, tcp, udp");
	if (ports) {
		if (*str(r, "icmp_type") || *str(r, "icmp_code"))
			return rerr(err, dir, i, "ICMP %s cannot be used with protocol",
				    *str(r, "icmp_type") ? "type" : "code");
		if (*str(r, "source_port") && check_list(str(r, "source_port"), true, err, dir, i, "Source port") < 0)
			return -EINVAL;
		if (*str(r, "destination_port") &&
		    check_list(str(r, "destination_port"), true, err, dir, i, "Destination port") < 0)
			return -EINVAL;
	} else if (icmp) {
		if (*str(r, "source_port") || *str(r, "destination_port"))
			return rerr(err, dir, i, "%s port cannot be used with protocol",
				    *str(r, "source_port") ? "Source" : "Destination");
		for (int t = 0; t < 2; t++) {
			const char *f = t ? "icmp_code" : "icmp_type";

			if (*str(r, f) && (safe_atou(str(r, f), &u) < 0 || u > 255))
				return rerr(err, dir, i, "Invalid ICMP %s", t ? "code" : "type");
		}
	} else {
		static const char *const dep[][2] = { { "icmp_type", "ICMP type" }, { "icmp_code", "ICMP code" },
						      { "source_port", "Source port" },
						      { "destination_port", "Destination port" } };

		for (size_t d = 0; d < ELEMENTSOF(dep); d++)
			if (*str(r, dep[d][0]))
				return rerr(err, dir, i, "%s cannot be used without specifying protocol",
					    dep[d][1]);
	}
	return 0;
}

static int check_name(const char *name, struct cove_error *err)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0)
		return cove_err(err, -EINVAL, "Name is required");
	if (n > 63 || name[0] == '-' || name[n - 1] == '-' || (name[0] >= '0' && name[0] <= '9'))
		return cove_err(err, -EINVAL, "Invalid ACL name \"%s\"", name);
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-'))
			return cove_err(err, -EINVAL, "Invalid ACL name \"%s\"", name);
	return 0;
}

int network_acl_validate(const char *name, const json_t *body, struct cove_error *err)
{
	static const char *const dirs[] = { "ingress", "egress" };
	const json_t *config = json_object_get(body, "config"), *d = json_object_get(body, "description");
	const char *k;
	json_t *v;
	int r;

	if (name && (r = check_name(name, err)) < 0)
		return r;
	if (d && !json_is_null(d) && !json_is_string(d))
		return cove_err(err, -EINVAL, "Invalid request: description must be a string");
	if (config && !json_is_null(config) && !util_json_is_string_map(config))
		return cove_err(err, -EINVAL, "Invalid config: config must be a map of strings");
	json_object_foreach ((json_t *)config, k, v)
		if (!startswith(k, "user."))
			return cove_err(err, -EINVAL, "Invalid config option \"%s\"", k);
	for (size_t di = 0; di < 2; di++) {
		const json_t *rules = json_object_get(body, dirs[di]), *rule;
		size_t i, j;

		if (!rules || json_is_null(rules))
			continue;
		if (!json_is_array(rules))
			return cove_err(err, -EINVAL, "Invalid request: %s must be a list", dirs[di]);
		json_array_foreach (rules, i, rule) {
			r = check_rule(rule, dirs[di], i, err);
			if (r < 0)
				return r;
			for (j = 0; j < i; j++)
				if (json_equal(json_array_get(rules, j), (json_t *)rule))
					return cove_err(err, -EINVAL, "Duplicate of %s rule %zu", dirs[di], i);
		}
	}
	return 0;
}

/* ---- changes ---- */

static json_t *or_empty(const json_t *body, const char *key, bool array)
{
	json_t *v = json_object_get(body, key), *r, *out;
	size_t i;

	if (!v || json_is_null(v))
		return array ? json_array() : json_object();
	if (!array)
		return json_incref(v);
	/* rules as LXD keeps them: fields in its order, empty ones left out */
	out = json_array();
	json_array_foreach (v, i, r) {
		json_t *n = json_object();

		for (const char *const *f = rule_keys; *f; f++)
			if (*str(r, *f))
				json_object_set_new(n, *f, json_string(str(r, *f)));
		json_array_append_new(out, n);
	}
	return out;
}

/* Re-apply the tables of the networks using ACL name. */
static int reapply(const char *name, struct cove_error *err)
{
	_cleanup_json_ json_t *users = used_by(name);
	json_t *u;
	size_t i;
	int r;

	json_array_foreach (users, i, u) {
		const char *net = json_string_value(u) + strlen("/1.0/networks/");
		struct db_network n = { 0 };

		if (db_network_get(the_daemon->db, net, &n, NULL) < 0)
			continue;
		r = network_acl_apply(net, n.config, err);
		db_network_clear(&n);
		if (r < 0)
			return r;
	}
	return 0;
}

int network_acl_create(const json_t *body, struct cove_error *err)
{
	const char *name = json_string_value(json_object_get(body, "name"));
	_cleanup_json_ json_t *in = NULL, *eg = NULL, *cfg = NULL;
	_cleanup_free_ char *ti = NULL, *te = NULL, *tc = NULL;
	int r;

	r = network_acl_validate(name ?: "", body, err);
	if (r < 0)
		return r;
	in = or_empty(body, "ingress", true);
	eg = or_empty(body, "egress", true);
	cfg = or_empty(body, "config", false);
	ti = db_json_text(in);
	te = db_json_text(eg);
	tc = db_json_text(cfg);
	r = db_run(the_daemon->db,
		   "INSERT INTO network_acls (name, description, ingress, egress, config) VALUES (?1, ?2, ?3, ?4, ?5)",
		   err, name, str(body, "description"), ti, te, tc, NULL);
	if (r == -EEXIST)
		return cove_err(err, -EEXIST, "The network ACL already exists");
	return r < 0 ? r : 0;
}

static int store(const char *name, const json_t *acl, struct cove_error *err)
{
	_cleanup_free_ char *ti = db_json_text(json_object_get(acl, "ingress"));
	_cleanup_free_ char *te = db_json_text(json_object_get(acl, "egress"));
	_cleanup_free_ char *tc = db_json_text(json_object_get(acl, "config"));
	int r = db_run(the_daemon->db,
		       "UPDATE network_acls SET description = ?2, ingress = ?3, egress = ?4, config = ?5 WHERE name = ?1",
		       err, name, str(acl, "description"), ti, te, tc, NULL);

	return r < 0 ? r : 0;
}

int network_acl_update(const char *name, const json_t *body, struct cove_error *err)
{
	_cleanup_json_ json_t *old = network_acl_get(name, err), *neu = NULL;
	int r;

	if (!old)
		return -ENOENT;
	r = network_acl_validate(NULL, body, err);
	if (r < 0)
		return r;
	neu = json_pack("{s:o, s:o, s:o, s:o}", "description",
			json_string(str(body, "description")), "ingress", or_empty(body, "ingress", true),
			"egress", or_empty(body, "egress", true), "config", or_empty(body, "config", false));
	r = store(name, neu, err);
	if (r < 0)
		return r;
	r = reapply(name, err);
	if (r < 0) {
		(void)store(name, old, NULL);
		(void)reapply(name, NULL);
	}
	return r;
}

int network_acl_rename(const char *name, const char *new_name, struct cove_error *err)
{
	_cleanup_json_ json_t *acl = network_acl_get(name, err), *other = NULL;
	int r;

	if (!acl)
		return -ENOENT;
	other = network_acl_get(new_name ?: "", NULL);
	if (other)
		return cove_err(err, -EEXIST, "An ACL by that name exists already");
	if (json_array_size(json_object_get(acl, "used_by")) > 0)
		return cove_err(err, -EBUSY, "Cannot rename an ACL that is in use");
	r = check_name(new_name, err);
	if (r < 0)
		return r;
	r = db_run(the_daemon->db, "UPDATE network_acls SET name = ?2 WHERE name = ?1", err, name,
		   new_name, NULL);
	return r < 0 ? r : 0;
}

int network_acl_delete(const char *name, struct cove_error *err)
{
	_cleanup_json_ json_t *acl = network_acl_get(name, err);
	int r;

	if (!acl)
		return -ENOENT;
	if (json_array_size(json_object_get(acl, "used_by")) > 0)
		return cove_err(err, -EBUSY, "Cannot delete an ACL that is in use");
	r = db_run(the_daemon->db, "DELETE FROM network_acls WHERE name = ?1", err, name, NULL);
	return r < 0 ? r : 0;
}

/* ---- network config ---- */

int network_acl_check_names(const char *v)
{
	_cleanup_strv_free_ char **l = strv_split(v ?: "", ", ");

	STRV_FOREACH (n, l) {
		_cleanup_json_ json_t *a = network_acl_get(*n, NULL);

		if (!a)
			return -ENOENT;
	}
	return 0;
}

int network_acl_check_action(const char *v)
{
	return isempty(v) || streq(v, "allow") || streq(v, "reject") || streq(v, "drop") ? 0 : -EINVAL;
}

/* ---- nftables ---- */

static int nft_run(const char *script, bool quiet)
{
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		(void)dup2(p[0], 0);
		if (null >= 0) {
			(void)dup2(null, 1);
			if (quiet)
				(void)dup2(null, 2);
		}
		execlp("nft", "nft", "-f", "-", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	(void)loop_write(p[1], script, strlen(script));
	close(p[1]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static char *table_name(const char *bridge)
{
	char *t = xasprintf("cove_acl_%s", bridge);

	for (char *c = t; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
			*c = '_';
	return t;
}

static void addf(char **t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(char **t, const char *fmt, ...)
{
	_cleanup_free_ char *x = NULL;
	char *n;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&x, fmt, ap) < 0)
		abort();
	va_end(ap);
	n = xasprintf("%s%s", *t, x);
	free(*t);
	*t = n;
}

/* "{ a, b }" of the subjects of family f in a list ("" if none) */
static char *subjects(const char *v, int f)
{
	_cleanup_strv_free_ char **l = strv_split(v, ",");
	char *out = xstrdup("");

	STRV_FOREACH (x, l) {
		const char *s = strstrip(*x);

		if (subject_family(s) == f)
			addf(&out, "%s%s", *out ? ", " : "", s);
	}
	if (*out) {
		char *n = xasprintf("{ %s }", out);

		free(out);
		out = n;
	}
	return out;
}

static char *port_set(const char *v)
{
	_cleanup_strv_free_ char **l = strv_split(v, ",");
	char *out = xstrdup("{ ");

	STRV_FOREACH (x, l)
		addf(&out, "%s%s", x == l ? "" : ", ", strstrip(*x));
	addf(&out, " }");
	return out;
}

static const char *verdict(const char *action)
{
	return streq(action, "allow") ? "accept" : streq(action, "drop") ? "drop" : "reject";
}

/* One rule for family f (AF_INET/AF_INET6), or nothing when its subjects exclude f. */
static void rule_for(char **t, const json_t *r, int f)
{
	const char *proto = str(r, "protocol"), *ipk = f == AF_INET ? "ip" : "ip6";
	_cleanup_free_ char *src = subjects(str(r, "source"), f), *dst = subjects(str(r, "destination"), f);

	if ((*str(r, "source") && !*src) || (*str(r, "destination") && !*dst))
		return;
	if ((streq(proto, "icmp4") && f != AF_INET) || (streq(proto, "icmp6") && f != AF_INET6))
		return;
	addf(t, "    meta nfproto %s", f == AF_INET ? "ipv4" : "ipv6");
	if (*src)
		addf(t, " %s saddr %s", ipk, src);
	if (*dst)
		addf(t, " %s daddr %s", ipk, dst);
	if (streq(proto, "tcp") || streq(proto, "udp")) {
		addf(t, " meta l4proto %s", proto);
		if (*str(r, "source_port")) {
			_cleanup_free_ char *p = port_set(str(r, "source_port"));

			addf(t, " %s sport %s", proto, p);
		}
		if (*str(r, "destination_port")) {
			_cleanup_free_ char *p = port_set(str(r, "destination_port"));

			addf(t, " %s dport %s", proto, p);
		}
	} else if (*proto) {
		const char *ik = f == AF_INET ? "icmp" : "icmpv6";

		addf(t, " meta l4proto %s", f == AF_INET ? "icmp" : "ipv6-icmp");
		if (*str(r, "icmp_type"))
			addf(t, " %s type %s", ik, str(r, "icmp_type"));
		if (*str(r, "icmp_code"))
			addf(t, " %s code %s", ik, str(r, "icmp_code"));
	}
	if (streq(str(r, "state"), "logged"))
		addf(t, " log prefix \"cove-acl \"");
	addf(t, " %s\n", verdict(str(r, "action")));
}

static void chain_rules(char **t, const char *const *acls, const char *dir)
{
	STRV_FOREACH (a, (char **)acls) {
		_cleanup_json_ json_t *acl = network_acl_get(*a, NULL);
		json_t *r;
		size_t i;

		json_array_foreach (json_object_get(acl, dir), i, r) {
			if (streq(str(r, "state"), "disabled"))
				continue;
			rule_for(t, r, AF_INET);
			rule_for(t, r, AF_INET6);
		}
	}
}

int network_acl_apply(const char *bridge, const json_t *config, struct cove_error *err)
{
	_cleanup_strv_free_ char **acls = strv_split(str(config, "security.acls"), ", ");
	_cleanup_free_ char *table = table_name(bridge), *t = xstrdup("");
	const char *din = str(config, "security.acls.default.ingress.action");
	const char *deg = str(config, "security.acls.default.egress.action");
	int r;

	if (!acls || !*acls) {
		network_acl_remove(bridge);
		return 0;
	}
	addf(&t, "add table inet %1$s\ndelete table inet %1$s\ntable inet %1$s {\n", table);
	addf(&t, "  chain acl_egress {\n    ct state established,related accept\n");
	chain_rules(&t, (const char *const *)acls, "egress");
	addf(&t, "    %s\n  }\n", verdict(*deg ? deg : "reject"));
	addf(&t, "  chain acl_ingress {\n    ct state established,related accept\n");
	chain_rules(&t, (const char *const *)acls, "ingress");
	addf(&t, "    %s\n  }\n", verdict(*din ? din : "reject"));
	addf(&t,
	     "  chain acl_fwd {\n    type filter hook forward priority filter - 1; policy accept;\n"
	     "    iifname \"%1$s\" jump acl_egress\n    oifname \"%1$s\" jump acl_ingress\n  }\n"
	     "  chain acl_in {\n    type filter hook input priority filter - 1; policy accept;\n"
	     "    iifname \"%1$s\" udp dport { 53, 67, 547 } accept\n"
	     "    iifname \"%1$s\" tcp dport 53 accept\n"
	     "    iifname \"%1$s\" meta l4proto { icmp, ipv6-icmp } accept\n"
	     "    iifname \"%1$s\" jump acl_egress\n  }\n"
	     "  chain acl_out {\n    type filter hook output priority filter - 1; policy accept;\n"
	     "    oifname \"%1$s\" udp sport { 53, 67, 547 } accept\n"
	     "    oifname \"%1$s\" tcp sport 53 accept\n"
	     "    oifname \"%1$s\" meta l4proto { icmp, ipv6-icmp } accept\n"
	     "    oifname \"%1$s\" jump acl_ingress\n  }\n}\n",
	     bridge);
	r = nft_run(t, false);
	if (r < 0)
		return cove_err(err, r, "Failed to apply the network ACLs of \"%s\" (nftables)", bridge);
	return 0;
}

void network_acl_remove(const char *bridge)
{
	_cleanup_free_ char *table = table_name(bridge);
	_cleanup_free_ char *script = xasprintf("delete table inet %s\n", table);

	(void)nft_run(script, true);
}
