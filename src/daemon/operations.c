/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operation registry, thread-pool work and /wait long polls. All of it
 * runs on the loop thread except op->run().
 */
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "daemon.h"
#include "events.h"
#include "log.h"
#include "operations.h"
#include "strutil.h"
#include "util.h"

LOG_MODULE("operations");

#define FINISHED_KEEP_MS 5000

static struct operation *ops;

static const char *const class_names[_OP_CLASS_MAX] = {
	[OP_CLASS_TASK] = "task",
	[OP_CLASS_WEBSOCKET] = "websocket",
	[OP_CLASS_TOKEN] = "token",
};

static const char *status_name(int code)
{
	switch (code) {
	case OP_STATUS_CREATED:
		return "Operation created";
	case OP_STATUS_RUNNING:
		return "Running";
	case OP_STATUS_PENDING:
		return "Pending";
	case OP_STATUS_SUCCESS:
		return "Success";
	case OP_STATUS_FAILURE:
		return "Failure";
	case OP_STATUS_CANCELLED:
		return "Cancelled";
	default:
		return "Unknown";
	}
}

json_t *operation_to_json(const struct operation *op)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:O, s:O, s:b, s:s, s:s}", "id",
			 op->id, "class", class_names[op->class], "description", op->description,
			 "created_at", op->created_at, "updated_at", op->updated_at, "status",
			 status_name(op->status_code), "status_code", op->status_code,
			 "resources", op->resources ? op->resources : json_null(), "metadata",
			 op->metadata ? op->metadata : json_null(), "may_cancel", op->may_cancel,
			 "err", op->err ? op->err : "", "location", "none");
}

json_t *operation_instance_resources(const char *name)
{
	json_t *r = json_object();

	json_object_set_new(r, "containers",
			    json_pack("[o]", json_sprintf("/1.0/containers/%s", name)));
	json_object_set_new(r, "instances",
			    json_pack("[o]", json_sprintf("/1.0/instances/%s", name)));
	return r;
}

static void touch(struct operation *op)
{
	free(op->updated_at);
	op->updated_at = util_now_rfc3339();
}

static void send_event(struct operation *op)
{
	events_send("operation", operation_to_json(op));
}

struct operation *operation_new(int class, const char *description, json_t *resources)
{
	struct operation *op = xzalloc(sizeof(*op));

	util_uuid(op->id);
	op->class = class;
	op->description = xstrdup(description);
	op->created_at = util_now_rfc3339();
	op->updated_at = xstrdup(op->created_at);
	op->status_code = OP_STATUS_PENDING;
	op->resources = resources;
	op->next = ops;
	ops = op;
	send_event(op);
	return op;
}

struct operation *operation_find(const char *id)
{
	for (struct operation *op = ops; op; op = op->next)
		if (streq(op->id, id))
			return op;
	return NULL;
}

void operation_set_running(struct operation *op)
{
	op->status_code = OP_STATUS_RUNNING;
	touch(op);
	send_event(op);
}

void operation_set_metadata(struct operation *op, json_t *metadata)
{
	if (op->metadata)
		json_decref(op->metadata);
	op->metadata = metadata;
	touch(op);
	send_event(op);
}

static void timer_closed(uv_handle_t *h)
{
	free(h);
}

static void operation_free(struct operation *op)
{
	if (op->free_userdata && op->userdata)
		op->free_userdata(op->userdata);
	if (op->timer)
		uv_close((uv_handle_t *)op->timer, timer_closed);
	json_decref(op->resources);
	if (op->metadata)
		json_decref(op->metadata);
	free(op->description);
	free(op->created_at);
	free(op->updated_at);
	free(op->err);
	free(op->waiters);
	free(op);
}

static void expire_cb(uv_timer_t *t)
{
	struct operation *op = t->data;

	for (struct operation **p = &ops; *p; p = &(*p)->next) {
		if (*p == op) {
			*p = op->next;
			break;
		}
	}
	operation_free(op);
}

static void answer_waiters(struct operation *op)
{
	for (size_t i = 0; i < op->n_waiters; i++) {
		op->waiters[i]->on_gone = NULL;
		reply_sync(op->waiters[i], operation_to_json(op));
	}
	op->n_waiters = 0;
}

static void ensure_timer(struct operation *op)
{
	if (op->timer)
		return;
	op->timer = xzalloc(sizeof(*op->timer));
	uv_timer_init(the_daemon->loop, op->timer);
	op->timer->data = op;
}

static void finish(struct operation *op, int status, const char *err)
{
	if (op->status_code >= OP_STATUS_SUCCESS)
		return;
	op->status_code = status;
	free(op->err);
	op->err = err ? xstrdup(err) : NULL;
	touch(op);
	send_event(op);
	answer_waiters(op);
	ensure_timer(op);
	uv_timer_start(op->timer, expire_cb, FINISHED_KEEP_MS, 0);
}

void operation_finish(struct operation *op, const char *err)
{
	finish(op, err ? OP_STATUS_FAILURE : OP_STATUS_SUCCESS, err);
}

void operation_cancelled(struct operation *op)
{
	finish(op, OP_STATUS_CANCELLED, "Operation cancelled");
}

static void work_cb(uv_work_t *w)
{
	struct operation *op = w->data;

	op->work_r = op->run(op->userdata, &op->work_err);
}

static void after_work_cb(uv_work_t *w, int status)
{
	struct operation *op = w->data;

	if (status == UV_ECANCELED) {
		operation_cancelled(op);
		return;
	}
	if (op->done)
		op->done(op, op->userdata, op->work_r, &op->work_err);
	else if (op->work_r < 0)
		operation_finish(op, cove_err_msg(&op->work_err, op->work_r));
	else
		operation_finish(op, NULL);
}

void operation_run(struct operation *op, op_run_fn run, op_done_fn done, void *userdata,
		   void (*free_userdata)(void *))
{
	op->run = run;
	op->done = done;
	op->userdata = userdata;
	op->free_userdata = free_userdata;
	op->work.data = op;
	operation_set_running(op);
	uv_queue_work(the_daemon->loop, &op->work, work_cb, after_work_cb);
}

json_t *operations_list_json(int recursion)
{
	json_t *res = json_object();

	for (struct operation *op = ops; op; op = op->next) {
		_cleanup_free_ char *key = xstrdup(status_name(op->status_code));
		json_t *list;

		for (char *p = key; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		list = json_object_get(res, key);
		if (!list) {
			list = json_array();
			json_object_set_new(res, key, list);
		}
		if (recursion > 0)
			json_array_append_new(list, operation_to_json(op));
		else
			json_array_append_new(list, json_sprintf("/1.0/operations/%s", op->id));
	}
	return res;
}

static void waiter_gone(struct request *req)
{
	struct operation *op = req->userdata;

	for (size_t i = 0; i < op->n_waiters; i++) {
		if (op->waiters[i] == req) {
			op->waiters[i] = op->waiters[--op->n_waiters];
			return;
		}
	}
}

static void wait_timeout_cb(uv_timer_t *t)
{
	struct operation *op = t->data;

	answer_waiters(op);
}

void operation_wait(struct operation *op, struct request *req, double timeout_s)
{
	if (op->status_code >= OP_STATUS_SUCCESS || timeout_s == 0) {
		reply_sync(req, operation_to_json(op));
		return;
	}
	op->waiters = xrealloc(op->waiters, sizeof(*op->waiters) * (op->n_waiters + 1));
	op->waiters[op->n_waiters++] = req;
	req->on_gone = waiter_gone;
	req->userdata = op;
	request_defer(req);
	if (timeout_s > 0) {
		ensure_timer(op);
		uv_timer_start(op->timer, wait_timeout_cb, (uint64_t)(timeout_s * 1000), 0);
	}
}
