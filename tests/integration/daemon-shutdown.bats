#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# coved shutdown (like lxd shutdown): the running instances are stopped
# cleanly and remembered, the daemon exits, and the next daemon starts
# those (and only those) again.

load daemon-helpers

@test "shutdown: stops running instances, exits, restarts them with the next daemon" {
	local a=$(ct s1) b=$(ct s2) pid r
	daemon_init_image
	launch "$a"
	r=$(api POST /1.0/instances "{\"name\":\"$b\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"}}")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	api PATCH "/1.0/instances/$a" '{"config":{"boot.host_shutdown_timeout":"5"}}' >/dev/null
	pid=$(api GET "/1.0/instances/$a/state" | jq -r .metadata.pid)
	[ "$pid" -gt 1 ]
	run timeout 60 "$COVED" shutdown --timeout 50
	assert_success
	# the daemon is gone and so is the instance's init
	! kill -0 "$COVED_PID" 2>/dev/null
	wait "$COVED_PID" || true
	COVED_PID=
	! kill -0 "$pid" 2>/dev/null
	[ ! -S "$COVE_DIR/unix.socket" ] || ! "$COVED" waitready --timeout 1
	coved_start
	for i in $(seq 1 100); do
		[ "$(status_of "$a")" = Running ] && break
		sleep 0.1
	done
	[ "$(status_of "$a")" = Running ]
	[ "$(status_of "$b")" = Stopped ]
	# the mark is gone once it started again
	[ "$(api GET "/1.0/instances/$a" | jq -r '.metadata.config["volatile.last_state.power"]')" = null ]
}

@test "shutdown: SIGTERM still leaves instances running; shutdown without a daemon fails" {
	local a=$(ct s) pid
	daemon_init_image
	launch "$a"
	pid=$(api GET "/1.0/instances/$a/state" | jq -r .metadata.pid)
	coved_stop
	kill -0 "$pid"
	run "$COVED" shutdown --timeout 5
	[ "$status" = 1 ]
	assert_output --partial "Failed to reach the daemon"
	coved_start
	[ "$(status_of "$a")" = Running ]
}

@test "shutdown: the systemd unit and the init script use coved shutdown" {
	local unit=$COVE_BUILD_DIR/data/coved.service init=$COVE_BUILD_DIR/data/coved
	[ -f "$unit" ] && [ -f "$init" ] || skip "data/ not configured in $COVE_BUILD_DIR"
	grep -qx "ExecStop=.*/coved shutdown --timeout 600" "$unit"
	grep -qx "ExecStart=.*/coved" "$unit"
	sh -n "$init"
	grep -q '"$COVED" shutdown --timeout 600' "$init"
	grep -q '^# Provides: *coved$' "$init"
}
