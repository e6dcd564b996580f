/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scheduled snapshots (snapshots.schedule, cron syntax or @aliases, in
 * the host's local time as LXD does) and the removal of expired snapshots
 * (expires_at), and of expired backups. A timer on the loop wakes once a
 * minute.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "api/api-snapshots.h"
#include "daemon.h"
#include "instance.h"
#include "instance-snapshot.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

LOG_MODULE("snapshot-schedule");

struct cron {
	bool min[60], hour[24], dom[32], mon[13], dow[8];
	bool dom_star, dow_star;
};

/* one field: "*", "N", "A-B", each with an optional "/STEP", in a comma list */
static int cron_field(const char *f, unsigned lo, unsigned hi, bool *set, bool *star)
{
	_cleanup_strv_free_ char **items = strv_split(f, ",");

	if (!items || !items[0])
		return -EINVAL;
	*star = streq(f, "*");
	STRV_FOREACH(it, items) {
		char *slash = strchr(*it, '/'), *dash;
		unsigned a = lo, b = hi, step = 1;

		if (slash) {
			*slash = 0;
			if (safe_atou(slash + 1, &step) < 0 || step == 0)
				return -EINVAL;
		}
		if (!streq(*it, "*")) {
			dash = strchr(*it, '-');
			if (dash)
				*dash = 0;
			if (safe_atou(*it, &a) < 0 || a < lo || a > hi)
				return -EINVAL;
			b = a;
			if (dash && (safe_atou(dash + 1, &b) < 0 || b < a || b > hi))
				return -EINVAL;
			if (slash && !dash)
				b = hi;
		}
		for (unsigned v = a; v <= b; v += step)
			set[v] = true;
	}
	return 0;
}

static const struct {
	const char *alias;
	const char *spec;
} cron_aliases[] = {
	{ "@hourly", "0 * * * *" },   { "@daily", "0 0 * * *" },    { "@midnight", "0 0 * * *" },
	{ "@weekly", "0 0 * * 0" },   { "@monthly", "0 0 1 * *" },  { "@annually", "0 0 1 1 *" },
	{ "@yearly", "0 0 1 1 *" },   { "@never", NULL },	     { "@startup", NULL },
};

/* 1: parsed into c, 0: an alias that never fires on a minute tick, < 0: invalid */
static int cron_parse(const char *s, struct cron *c)
{
	_cleanup_strv_free_ char **f = NULL;
	bool star;

	*c = (struct cron){ 0 };
	for (size_t i = 0; i < ELEMENTSOF(cron_aliases); i++)
		if (streq(s, cron_aliases[i].alias))
			return cron_aliases[i].spec ? cron_parse(cron_aliases[i].spec, c) : 0;
	f = strv_split(s, " \t");
	if (strv_length(f) != 5)
		return -EINVAL;
	if (cron_field(f[0], 0, 59, c->min, &star) < 0 || cron_field(f[1], 0, 23, c->hour, &star) < 0 ||
	    cron_field(f[2], 1, 31, c->dom, &c->dom_star) < 0 ||
	    cron_field(f[3], 1, 12, c->mon, &star) < 0 ||
	    cron_field(f[4], 0, 7, c->dow, &c->dow_star) < 0)
		return -EINVAL;
	if (c->dow[7])
		c->dow[0] = true;
	return 1;
}

static bool cron_match(const struct cron *c, const struct tm *t)
{
	bool day;

	if (!c->min[t->tm_min] || !c->hour[t->tm_hour] || !c->mon[t->tm_mon + 1])
		return false;
	/* as cron: with both day fields restricted, either one matching is enough */
	if (!c->dom_star && !c->dow_star)
		day = c->dom[t->tm_mday] || c->dow[t->tm_wday];
	else
		day = c->dom[t->tm_mday] && c->dow[t->tm_wday];
	return day;
}

/* "0 6 * * *", or a comma list of them / of @aliases ("@daily, @weekly") */
static int schedule_each(const char *v, const struct tm *t, bool *ret_match)
{
	_cleanup_strv_free_ char **list = NULL;
	struct cron c;
	int r;

	if (ret_match)
		*ret_match = false;
	r = cron_parse(v, &c);
	if (r >= 0) {
		if (ret_match)
			*ret_match = r > 0 && cron_match(&c, t);
		return 0;
	}
	list = strv_split(v, ",");
	STRV_FOREACH(s, list) {
		r = cron_parse(strstrip(*s), &c);
		if (r < 0)
			return r;
		if (ret_match && r > 0 && cron_match(&c, t))
			*ret_match = true;
	}
	return 0;
}

int snapshot_check_schedule(const char *v)
{
	return isempty(v) ? 0 : schedule_each(v, NULL, NULL);
}

bool snapshot_schedule_due(const char *v, const struct tm *t)
{
	bool match = false;

	return !isempty(v) && schedule_each(v, t, &match) >= 0 && match;
}

/* the minute tick */

long long snapshot_parse_time(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	long long t;
	unsigned hh, mm;
	int sign;

	if (!end)
		return -EINVAL;
	if (*end == '.')
		end += strspn(end + 1, "0123456789") + 1;
	t = (long long)timegm(&tm);
	if (streq(end, "Z"))
		return t;
	if ((*end != '+' && *end != '-') || sscanf(end + 1, "%2u:%2u", &hh, &mm) != 2 ||
	    strlen(end) != 6)
		return -EINVAL;
	sign = *end == '+' ? 1 : -1;
	return t - sign * (long long)(hh * 3600 + mm * 60);
}

static void prune_expired(const char *instance, time_t now)
{
	_cleanup_strv_free_ char **names = NULL;

	(void)snapshot_names(instance, &names);
	STRV_FOREACH(n, names) {
		_cleanup_json_ json_t *meta = NULL;
		const char *exp;

		if (snapshot_meta_load(instance, *n, &meta, NULL) < 0)
			continue;
		exp = json_string_value(json_object_get(meta, "expires_at"));
		if (isempty(exp) || startswith(exp, "0001-") || snapshot_parse_time(exp) < 0 ||
		    snapshot_parse_time(exp) > (long long)now)
			continue;
		log_info("Snapshot '%s/%s' expired (%s): deleting it", instance, *n, exp);
		api_snapshot_delete_async(instance, *n);
	}
}

static void scheduled_snapshot(const struct db_instance *i, const json_t *ec, const struct tm *t)
{
	const char *sched = json_string_value(json_object_get(ec, "snapshots.schedule"));
	const char *stopped = json_string_value(json_object_get(ec, "snapshots.schedule.stopped"));
	bool b = false;
	struct instance_state s;

	if (!snapshot_schedule_due(sched, t))
		return;
	instance_state_get(i->name, &s);
	if (s.state == COVE_STATE_STOPPED && !(stopped && parse_bool(stopped, &b) >= 0 && b))
		return;
	api_snapshot_take_scheduled(i, json_string_value(json_object_get(ec, "snapshots.pattern")),
				    json_string_value(json_object_get(ec, "snapshots.expiry")));
}

static void tick(uv_timer_t *timer)
{
	_cleanup_strv_free_ char **names = NULL;
	time_t tt = time(NULL);
	struct tm t;

	localtime_r(&tt, &t);
	if (the_daemon->shutting_down || db_instance_names(the_daemon->db, &names, NULL) < 0)
		return;
	STRV_FOREACH(n, names) {
		_cleanup_json_ json_t *ec = NULL, *ed = NULL;
		struct db_instance i = { 0 };

		if (db_instance_get(the_daemon->db, *n, &i, NULL) < 0)
			continue;
		if (instance_expand(&i, &ec, &ed, NULL) >= 0)
			scheduled_snapshot(&i, ec, &t);
		prune_expired(*n, tt);
		api_backups_prune(*n, (long long)tt);
		db_instance_clear(&i);
	}
	/* the next tick at the start of the next minute */
	uv_timer_start(timer, tick, (uint64_t)(60 - t.tm_sec) * 1000 + 50, 0);
}

void snapshot_scheduler_start(void)
{
	static uv_timer_t timer;
	time_t tt = time(NULL);
	struct tm t;

	localtime_r(&tt, &t);
	uv_timer_init(the_daemon->loop, &timer);
	uv_unref((uv_handle_t *)&timer);
	uv_timer_start(&timer, tick, (uint64_t)(60 - t.tm_sec) * 1000 + 50, 0);
}
