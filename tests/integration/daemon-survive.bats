#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Containers outlive the daemon: kill -9 (and SIGTERM) of coved leaves every
# container running under its monitor with the same PID; a restarted coved
# lists it RUNNING and exec works.

load daemon-helpers

pid_of() {
	api GET "/1.0/instances/$1/state" | jq -r .metadata.pid
}

@test "kill -9 of coved: the instance keeps its PID, a new coved finds it and execs" {
	local n=$(ct a) pid
	daemon_init_image
	launch "$n"
	pid=$(pid_of "$n")
	[ "$pid" -gt 1 ]
	kill -9 "$COVED_PID"
	wait "$COVED_PID" 2>/dev/null || true
	COVED_PID=
	kill -0 "$pid"
	coved_start
	[ "$(status_of "$n")" = Running ]
	[ "$(pid_of "$n")" = "$pid" ]
	if command -v lxc >/dev/null; then
		lxc list >/dev/null 2>&1 # the first-run hint
		run lxc exec "$n" -- echo alive
		assert_output alive
		run lxc list --format csv -c ns
		assert_output "$n,RUNNING"
	fi
}

@test "SIGTERM of coved leaves instances running" {
	local n=$(ct a) pid
	daemon_init_image
	launch "$n"
	pid=$(pid_of "$n")
	coved_stop
	kill -0 "$pid"
	coved_start
	[ "$(pid_of "$n")" = "$pid" ]
}
