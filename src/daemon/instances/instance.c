/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Instance objects as the API shows them, and their runtime state, which
 * comes from the container's monitor (so a restarted daemon sees the
 * containers that kept running without it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "daemon.h"
#include "instance.h"
#include "instance-snapshot.h"
#include "strutil.h"
#include "util.h"
#include "networks/network.h"

void instance_state_get(const char *name, struct instance_state *ret)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct cove_status st = { 0 };

	*ret = (struct instance_state){ .state = COVE_STATE_STOPPED, .status = "Stopped",
					.status_code = 102 };
	if (cove_container_new(the_daemon->lxcpath, name, &ct, NULL) < 0)
		return;
	if (cove_container_status(ct, &st, NULL, NULL) < 0) {
		ret->status = "Error";
		ret->status_code = 112;
		return;
	}
	ret->state = st.state;
	ret->pid = st.init_pid;
	if (st.init_pid > 0)
		snprintf(ret->cgroup, sizeof(ret->cgroup), "%s", st.cgroup);
	switch (st.state) {
	case COVE_STATE_RUNNING:
	case COVE_STATE_THAWED:
		ret->status = "Running";
		ret->status_code = 103;
		break;
	case COVE_STATE_STARTING:
		ret->status = "Starting";
		ret->status_code = 106;
		break;
	case COVE_STATE_STOPPING:
	case COVE_STATE_ABORTING:
		ret->status = "Stopping";
		ret->status_code = 107;
		break;
	case COVE_STATE_FREEZING:
	case COVE_STATE_FROZEN:
		ret->status = "Frozen";
		ret->status_code = 110;
		break;
	default:
		break;
	}
}

static json_t *state_json(const struct instance_state *s)
{
	json_t *j;

	j = json_pack("{s:s, s:i, s:{}, s:o, s:i}", "status", s->status, "status_code",
		      s->status_code, "disk", "network", network_instance_state(s->pid), "pid",
		      (int)(s->pid > 0 ? s->pid : 0));
	instance_usage_to_json(s->cgroup, j);
	return j;
}

json_t *instance_state_to_json(const char *name)
{
	struct instance_state s;

	instance_state_get(name, &s);
	return state_json(&s);
}

json_t *instance_etag_json(const struct db_instance *i)
{
	return json_pack("{s:s, s:O, s:O, s:b, s:O, s:b, s:s}", "architecture", i->architecture,
			 "config", i->config, "devices", i->devices, "ephemeral", i->ephemeral,
			 "profiles", i->profiles, "stateful", i->stateful, "description",
			 i->description);
}

json_t *instance_to_json(const struct db_instance *i, bool full)
{
	_cleanup_json_ json_t *ec = NULL, *ed = NULL;
	struct instance_state s;
	json_t *j;

	instance_state_get(i->name, &s);
	(void)instance_expand(i, &ec, &ed, NULL);
	j = json_pack("{s:s, s:O, s:O, s:b, s:O, s:b, s:s, s:s, s:O, s:O, s:s, s:s, s:i, s:s,"
		      " s:s, s:s, s:s}",
		      "architecture", i->architecture, "config", i->config, "devices", i->devices,
		      "ephemeral", i->ephemeral, "profiles", i->profiles, "stateful", i->stateful,
		      "description", i->description, "created_at", i->created_at,
		      "expanded_config", ec, "expanded_devices", ed, "name", i->name, "status",
		      s.status, "status_code", s.status_code, "last_used_at", i->last_used_at,
		      "location", "none", "type", "container", "project", "default");
	if (full) {
		/* the state asked of the monitor above, not a second time */
		json_object_set_new(j, "state", state_json(&s));
		json_object_set_new(j, "snapshots", snapshots_to_json(i->name, 1) ?: json_null());
		json_object_set_new(j, "backups", json_null());
	}
	return j;
}
