/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /1.0/operations: list, show, wait (long poll) and cancel. */
#include <errno.h>
#include <stdlib.h>

#include "operations.h"
#include "router.h"
#include "strutil.h"

#define WAIT_MAX_S (24 * 3600.0)

static void list_ops(struct request *req, char **params)
{
	reply_sync(req, operations_list_json(request_recursion(req)));
}

static struct operation *find_or_404(struct request *req, const char *id)
{
	struct operation *op = operation_find(id);

	if (!op)
		reply_error(req, 404, "Operation not found");
	return op;
}

static void get_op(struct request *req, char **params)
{
	struct operation *op = find_or_404(req, params[0]);

	if (op)
		reply_sync(req, operation_to_json(op));
}

static void wait_op(struct request *req, char **params)
{
	struct operation *op = find_or_404(req, params[0]);
	_cleanup_free_ char *t = request_arg(req, "timeout");
	double timeout = -1;
	char *end = NULL;

	if (!op)
		return;
	if (!isempty(t)) {
		timeout = strtod(t, &end);
		if (!end || *end || timeout != timeout) {
			reply_error(req, 400, "Invalid timeout '%s'", t);
			return;
		}
	}
	if (timeout > WAIT_MAX_S)
		timeout = WAIT_MAX_S;
	operation_wait(op, req, timeout);
}

static void delete_op(struct request *req, char **params)
{
	struct operation *op = find_or_404(req, params[0]);

	if (!op)
		return;
	if (!op->may_cancel || !op->cancel || op->status_code >= OP_STATUS_SUCCESS) {
		reply_error(req, 400, "This operation can't be cancelled");
		return;
	}
	if (op->cancel(op, op->userdata) < 0) {
		reply_error(req, 400, "This operation can't be cancelled");
		return;
	}
	reply_sync(req, json_object());
}

/* /1.0/events is a websocket; a plain GET gets LXD's 400 */
static void events_plain(struct request *req, char **params)
{
	reply_error(req, 400, "Bad Request");
}

const struct route api_operations_routes[] = {
	{ HTTP_GET, "/1.0/events", events_plain },
	{ HTTP_GET, "/1.0/operations", list_ops },
	{ HTTP_GET, "/1.0/operations/*", get_op },
	{ HTTP_GET, "/1.0/operations/*/wait", wait_op },
	{ HTTP_DELETE, "/1.0/operations/*", delete_op },
	{ 0, NULL, NULL },
};
