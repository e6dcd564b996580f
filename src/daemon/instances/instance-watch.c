/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * coved learns of every stop of an instance, not only the ones it asks
 * for: for each running instance it keeps one connection to the monitor
 * waiting for STOPPED (the monitor answers, or exits and the connection
 * reads EOF). A halt or poweroff inside, or init dying, then becomes an
 * instance-stopped event, and an ephemeral instance is deleted. Stops that
 * coved makes itself (the state API) are reported by that code, which
 * marks the instance as "stopping" meanwhile.
 *
 * A daemon that was not running when an ephemeral instance stopped deletes
 * it at start-up: stopped, ephemeral and started at least once
 * (last_used_at set; only a failed start leaves such an instance behind).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cove/container.h"
#include "daemon.h"
#include "db/db.h"
#include "events.h"
#include "fileio.h"
#include "instance.h"
#include "instance-lifecycle.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"
#include "proxy/proxy.h"

LOG_MODULE("instance-watch");

struct watch {
	char *name; /* owned */
	uv_poll_t poll;
	int fd;
	struct watch *next;
};

static struct watch *watches;
static char **stopping; /* instances coved is stopping itself */

static void watch_closed(uv_handle_t *h)
{
	struct watch *w = h->data;

	safe_close(w->fd);
	free(w->name);
	free(w);
}

static void watch_drop(struct watch *w)
{
	for (struct watch **p = &watches; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	uv_poll_stop(&w->poll);
	uv_close((uv_handle_t *)&w->poll, watch_closed);
}

static struct watch *watch_find(const char *name)
{
	for (struct watch *w = watches; w; w = w->next)
		if (streq(w->name, name))
			return w;
	return NULL;
}

struct delete_job {
	uv_work_t work;
	char *name;
	char *dir;
	int r;
};

int instance_remove_files(const char *dir)
{
	char target[PATH_MAX];
	ssize_t n = readlink(dir, target, sizeof(target) - 1);
	int r;

	if (n > 0 && target[0] == '/') { /* on a storage pool: the volume, then the link */
		target[n] = 0;
		r = rm_rf(target);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	r = rm_rf(dir);
	return r == -ENOENT ? 0 : r;
}

static void delete_work(uv_work_t *work)
{
	struct delete_job *j = work->data;

	j->r = instance_remove_files(j->dir);
}

static void delete_after(uv_work_t *work, int status)
{
	struct delete_job *j = work->data;
	_cleanup_free_ char *src = xasprintf("/1.0/instances/%s", j->name);

	if (j->r < 0)
		log_error_errno(j->r, "Failed to delete ephemeral instance '%s': %s", j->name,
				strerror(-j->r));
	else {
		(void)db_instance_delete(the_daemon->db, j->name, NULL);
		log_info("Deleted ephemeral instance '%s'", j->name);
		events_lifecycle("instance-deleted", src, NULL);
	}
	free(j->name);
	free(j->dir);
	free(j);
}

/* Remove a stopped ephemeral instance: files on the thread pool, then its row. */
static void delete_ephemeral(const char *name)
{
	struct delete_job *j = xzalloc(sizeof(*j));

	j->name = xstrdup(name);
	j->dir = xasprintf("%s/%s", the_daemon->lxcpath, name);
	j->work.data = j;
	if (uv_queue_work(the_daemon->loop, &j->work, delete_work, delete_after) < 0) {
		delete_work(&j->work);
		delete_after(&j->work, 0);
	}
}

static void watch_fired(uv_poll_t *p, int status, int events)
{
	struct watch *w = p->data;
	_cleanup_free_ char *name = xstrdup(w->name);

	watch_drop(w);
	if (strv_contains(stopping, name) || the_daemon->shutting_down)
		return; /* the state API (or the next daemon) reports it */
	instance_stopped_outside(name);
}

void instance_stopped_outside(const char *name)
{
	_cleanup_free_ char *src = NULL;
	struct db_instance i = { 0 };
	struct instance_state s;

	instance_state_get(name, &s);
	if (s.state != COVE_STATE_STOPPED) {
		instance_watch(name); /* still there (a reboot, a spurious wake-up) */
		proxy_restore_instance(name); /* a new init: new proxies */
		return;
	}
	proxy_stop_instance(name); /* nat rules, stale pid files */
	if (db_instance_get(the_daemon->db, name, &i, NULL) < 0)
		return; /* deleted meanwhile */
	log_info("Instance '%s' stopped", name);
	src = xasprintf("/1.0/instances/%s", name);
	events_lifecycle("instance-stopped", src, NULL);
	if (i.ephemeral)
		delete_ephemeral(name);
	db_instance_clear(&i);
}

bool instance_watch(const char *name)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct cove_error err = { 0 };
	struct watch *w;
	int fd = -EBADF;

	if (watch_find(name))
		return true;
	if (the_daemon->shutting_down)
		return false;
	if (cove_container_new(the_daemon->lxcpath, name, &ct, &err) < 0 ||
	    cove_container_wait_fd(ct, 1u << COVE_STATE_STOPPED, &fd, &err) < 0) {
		log_warning("Cannot watch instance '%s': %s", name, err.msg);
		return false;
	}
	if (fd < 0)
		return false; /* not running */
	w = xzalloc(sizeof(*w));
	w->name = xstrdup(name);
	w->fd = fd;
	if (uv_poll_init(the_daemon->loop, &w->poll, fd) < 0) {
		safe_close(fd);
		free(w->name);
		free(w);
		return false;
	}
	w->poll.data = w;
	w->next = watches;
	watches = w;
	uv_poll_start(&w->poll, UV_READABLE | UV_DISCONNECT, watch_fired);
	return true;
}

void instance_unwatch(const char *name)
{
	struct watch *w = watch_find(name);

	if (w)
		watch_drop(w);
}

void instance_watch_set_stopping(const char *name, bool on)
{
	if (on) {
		if (!strv_contains(stopping, name))
			strv_push_dup(&stopping, name);
		return;
	}
	for (size_t i = 0; stopping && stopping[i]; i++) {
		if (streq(stopping[i], name)) {
			free(stopping[i]);
			memmove(stopping + i, stopping + i + 1, (strv_length(stopping) - i) * sizeof(char *));
			return;
		}
	}
}

bool instance_is_ephemeral(const char *name)
{
	struct db_instance i = { 0 };
	bool r;

	if (db_instance_get(the_daemon->db, name, &i, NULL) < 0)
		return false;
	r = i.ephemeral;
	db_instance_clear(&i);
	return r;
}

void instances_watch_all(void)
{
	_cleanup_strv_free_ char **names = NULL;

	(void)db_instance_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names) {
		struct db_instance i = { 0 };
		struct instance_state s;
		bool started_once;

		instance_state_get(*n, &s);
		if (s.state != COVE_STATE_STOPPED) {
			instance_watch(*n);
			continue;
		}
		if (db_instance_get(the_daemon->db, *n, &i, NULL) < 0)
			continue;
		started_once = i.last_used_at && !startswith(i.last_used_at, "1970-01-01");
		if (i.ephemeral && started_once) {
			struct delete_job *j = xzalloc(sizeof(*j));

			/* now, before boot.autostart or a client can see it */
			log_info("Ephemeral instance '%s' stopped while coved was away, deleting it", *n);
			j->name = xstrdup(*n);
			j->dir = xasprintf("%s/%s", the_daemon->lxcpath, *n);
			j->work.data = j;
			delete_work(&j->work);
			delete_after(&j->work, 0);
		}
		db_instance_clear(&i);
	}
}
