/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /1.0/events. A listener that does not read is cut off once too much is
 * queued for it, so a stuck client cannot grow the daemon's memory.
 */
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "events.h"
#include "log.h"
#include "server.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

LOG_MODULE("events");

#define LISTENER_QUEUE_MAX (8u << 20)

struct listener {
	struct ws_conn *c; /* borrowed */
	char **types;	   /* owned, NULL: all */
	struct listener *next;
};

static struct listener *listeners;

static void listener_closed(struct ws_conn *c)
{
	for (struct listener **l = &listeners; *l; l = &(*l)->next) {
		if ((*l)->c == c) {
			struct listener *dead = *l;

			*l = dead->next;
			strv_free(dead->types);
			free(dead);
			return;
		}
	}
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
		if (l->types && !strv_contains(l->types, type))
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
