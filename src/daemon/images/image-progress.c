/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Progress of image work on the thread pool: the worker sets a text, a
 * uv_async hands the latest one to the loop thread, which puts it in the
 * operation's metadata under KEY (lxc and cove print "*_progress" values,
 * as LXD's "Unpacking image: 50%").
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "daemon.h"
#include "image.h"
#include "macro.h"
#include "operations.h"

#include <uv.h> /* after macro.h: its sys/param.h keeps our MIN/MAX */

struct image_progress {
	uv_async_t async;
	pthread_mutex_t lock;
	struct operation *op; /* borrowed: cleared by image_progress_free */
	char *key;	      /* owned */
	char *text;	      /* owned: the newest text not yet published */
};

static void on_async(uv_async_t *a)
{
	struct image_progress *p = a->data;
	char *text;

	pthread_mutex_lock(&p->lock);
	text = TAKE_PTR(p->text);
	pthread_mutex_unlock(&p->lock);
	if (text && p->op)
		operation_set_metadata(p->op, json_pack("{s:s}", p->key, text));
	free(text);
}

struct image_progress *image_progress_new(struct operation *op, const char *key)
{
	struct image_progress *p = xzalloc(sizeof(*p));

	p->op = op;
	p->key = xstrdup(key);
	pthread_mutex_init(&p->lock, NULL);
	uv_async_init(the_daemon->loop, &p->async, on_async);
	p->async.data = p;
	return p;
}

void image_progress_set(struct image_progress *p, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (!p)
		return;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text)
		return;
	pthread_mutex_lock(&p->lock);
	free(p->text);
	p->text = text;
	pthread_mutex_unlock(&p->lock);
	uv_async_send(&p->async);
}

static void on_closed(uv_handle_t *h)
{
	struct image_progress *p = h->data;

	pthread_mutex_destroy(&p->lock);
	free(p->text);
	free(p->key);
	free(p);
}

void image_progress_free(struct image_progress *p)
{
	if (!p)
		return;
	p->op = NULL;
	uv_close((uv_handle_t *)&p->async, on_closed);
}
