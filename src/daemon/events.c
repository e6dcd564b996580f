/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/events. A listener that does not read is cut off once too much is
 * queued for it, so a stuck client cannot grow the daemon's memory.
 *
 * Keepalive as LXD's: a ping ("keepalive") every 10 s to every listener;
 * one that left more than two unanswered is closed.
 *
 * Logging events: while a listener wants them (type=logging or no type
 * filter), coved's log lines down to debug are also sent as events
 * {"message","level","context"}; only from the loop thread, never while
 * sending one (a log line written by the send itself is not re-sent).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "alloc.h"
#include "daemon.h"
#include "events.h"
#include "log.h"
#include "server.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

LOG_MODULE("events");

#define LISTENER_QUEUE_MAX (8u << 20)
#define PING_INTERVAL_MS 10000
#define PINGS_UNANSWERED_MAX 2

struct listener {
	struct ws_conn *c; /* borrowed */
	char **types;	   /* owned, NULL: all */
	struct listener *next;
};

static struct listener *listeners;
static uv_timer_t *ping_timer;
static pthread_t loop_thread;
static bool in_log_event;

static bool wants(const struct listener *l, const char *type)
{
	return !l->types || strv_contains(l->types, type);
}

static void log_to_event(int level, const char *module, const char *msg)
{
	static const char *const names[] = { "fatal", "fatal", "fatal", "error", "warning",
					     "info",  "info",  "debug", "trace" };

	if (in_log_event || !pthread_equal(pthread_self(), loop_thread))
		return;
	in_log_event = true;
	events_send("logging",
		    json_pack("{s:s, s:s, s:{s:s}}", "message", msg, "level",
			      level >= 0 && level <= COVE_LOG_TRACE ? names[level] : "info",
			      "context", "module", module));
	in_log_event = false;
}

/* The log hook is on while a listener takes logging events. */
static void update_log_hook(void)
{
	for (struct listener *l = listeners; l; l = l->next) {
		if (wants(l, "logging")) {
			log_set_hook(log_to_event, LOG_DEBUG);
			return;
		}
	}
	log_set_hook(NULL, 0);
}

static void ping_all(uv_timer_t *t)
{
	for (struct listener *l = listeners; l; l = l->next) {
		if (l->c->close_when_drained)
			continue;
		if (l->c->pings_unanswered > PINGS_UNANSWERED_MAX) {
			log_debug("Event listener did not answer %u pings, closing it",
				  l->c->pings_unanswered);
			ws_close(l->c);
			continue;
		}
		ws_ping(l->c, "keepalive");
	}
}

static void listener_closed(struct ws_conn *c)
{
	for (struct listener **l = &listeners; *l; l = &(*l)->next) {
		if ((*l)->c == c) {
			struct listener *dead = *l;

			*l = dead->next;
			strv_free(dead->types);
			free(dead);
			break;
		}
	}
	update_log_hook();
}

static const struct ws_ops listener_ops = {
	.receive = NULL,
	.closed = listener_closed,
};

static char *query_value(const char *query, const char *name)
{
	_cleanup_strv_free_ char **args = strv_split(query ? query : "", "&");

	STRV_FOREACH(a, args) {
		const char *v = startswith(*a, name);

		if (v && *v == '=')
			return xstrdup(v + 1);
	}
	return NULL;
}

int events_ws_attach(struct ws_conn *c, const char *query)
{
	_cleanup_free_ char *types = query_value(query, "type");
	struct listener *l = xzalloc(sizeof(*l));

	l->c = c;
	if (!isempty(types))
		l->types = strv_split(types, ",");
	l->next = listeners;
	listeners = l;
	c->ops = &listener_ops;
	c->userdata = l;
	if (!ping_timer) {
		loop_thread = pthread_self();
		ping_timer = xzalloc(sizeof(*ping_timer));
		uv_timer_init(the_daemon->loop, ping_timer);
		uv_timer_start(ping_timer, ping_all, PING_INTERVAL_MS, PING_INTERVAL_MS);
		uv_unref((uv_handle_t *)ping_timer);
	}
	update_log_hook();
	return 0;
}

void events_send(const char *type, json_t *metadata)
{
	_cleanup_free_ char *ts = util_now_rfc3339(), *text = NULL;
	_cleanup_json_ json_t *ev = NULL;

	ev = json_pack("{s:s, s:s, s:o, s:s, s:s}", "type", type, "timestamp", ts, "metadata",
		       metadata ? metadata : json_object(), "location", "none", "project",
		       "default");
	text = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return;
	for (struct listener *l = listeners; l; l = l->next) {
		if (!wants(l, type))
			continue;
		if (l->c->queued_bytes > LISTENER_QUEUE_MAX) {
			ws_close(l->c);
			continue;
		}
		ws_send(l->c, text, strlen(text), false);
	}
}

void events_lifecycle(const char *action, const char *source, json_t *context)
{
	events_send("lifecycle",
		    json_pack("{s:s, s:s, s:o, s:{s:s, s:s, s:s}}", "action", action, "source",
			      source, "context", context ? context : json_object(), "requestor",
			      "username", "root", "protocol", "unix", "address", "@"));
}
