/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operations: LXD's background tasks with a UUID. An operation is created
 * Pending, runs (Running, optionally with progress metadata) and ends
 * Success, Failure or Cancelled; each change is sent as an "operation"
 * event before anyone can see the next state. Work runs on the libuv thread
 * pool: run() must not touch the database or any daemon state (it gets
 * only its own userdata); done() runs on the loop thread afterwards and
 * records the result. Finished operations stay listed for a few seconds.
 */
#pragma once

#include "macro.h" /* before uv.h (MIN/MAX) */

#include <jansson.h>
#include <stdbool.h>
#include <uv.h>

#include "cove/error.h"
#include "request.h"

enum op_class { OP_CLASS_TASK, OP_CLASS_WEBSOCKET, OP_CLASS_TOKEN, _OP_CLASS_MAX };

enum {
	OP_STATUS_CREATED = 100,
	OP_STATUS_RUNNING = 103,
	OP_STATUS_PENDING = 105,
	OP_STATUS_SUCCESS = 200,
	OP_STATUS_FAILURE = 400,
	OP_STATUS_CANCELLED = 401,
};

struct operation;
typedef int (*op_run_fn)(void *userdata, struct cove_error *err);
typedef void (*op_done_fn)(struct operation *op, void *userdata, int r,
			   const struct cove_error *err);
typedef int (*op_cancel_fn)(struct operation *op, void *userdata);

struct operation {
	char id[37];
	int class; /* enum op_class */
	char *description;	/* owned */
	char *created_at;	/* owned */
	char *updated_at;	/* owned */
	int status_code;
	json_t *resources;	/* owned */
	json_t *metadata;	/* owned, may be NULL */
	char *err;		/* owned */
	bool may_cancel;

	op_run_fn run;
	op_done_fn done;
	op_cancel_fn cancel;
	void *userdata;
	void (*free_userdata)(void *userdata);
	uv_work_t work;
	struct cove_error work_err;
	int work_r;

	struct request **waiters; /* borrowed: /wait long polls */
	size_t n_waiters;
	uv_timer_t *timer;	  /* owned: wait timeouts and expiry */
	struct operation *next;
};

/* New Pending operation; resources is stolen (may be NULL). Sends its event. */
struct operation *operation_new(int class, const char *description, json_t *resources);
/* Queue run() on the thread pool (Running now), then done() on the loop, then finish. */
void operation_run(struct operation *op, op_run_fn run, op_done_fn done, void *userdata,
		   void (*free_userdata)(void *));
/* Running, with an event. */
void operation_set_running(struct operation *op);
/* Replace the metadata (stolen) and send a Running update. */
void operation_set_metadata(struct operation *op, json_t *metadata);
/* Success (err NULL) or Failure (err set); sends the event, answers /wait. */
void operation_finish(struct operation *op, const char *err);
void operation_cancelled(struct operation *op);

struct operation *operation_find(const char *id);
json_t *operation_to_json(const struct operation *op);
/* resources helper: {"containers":[/1.0/containers/N],"instances":[/1.0/instances/N]} */
json_t *operation_instance_resources(const char *name);
/* Every operation as JSON, grouped by status for GET /1.0/operations. */
json_t *operations_list_json(int recursion);
/* Hold req until op is final or timeout_s passes (< 0: forever). */
void operation_wait(struct operation *op, struct request *req, double timeout_s);
