/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The /1.0/events websocket: every listener gets every event (operation,
 * lifecycle, logging) as one text frame, optionally filtered by ?type=.
 */
#pragma once

#include <jansson.h>

struct ws_conn;

int events_ws_attach(struct ws_conn *c, const char *query);
/* Send {"type":type,"timestamp":..,"metadata":metadata,"location":"none","project":"default"}. */
void events_send(const char *type, json_t *metadata);
/* A lifecycle event: action ("instance-started"), source URL, context (stolen, may be NULL). */
void events_lifecycle(const char *action, const char *source, json_t *context);
