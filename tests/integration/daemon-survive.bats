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

@test "boot.autostart: a stopped instance with it starts with the daemon, others stay stopped" {
	local a=$(ct a) b=$(ct b) r
	daemon_init_image
	for n in "$a" "$b"; do
		r=$(api POST /1.0/instances "{\"name\":\"$n\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"}}")
		api_wait "$r" >/dev/null
	done
	r=$(api PATCH "/1.0/instances/$a" '{"config":{"boot.autostart":"true"}}')
	api_wait "$r" >/dev/null
	coved_stop
	coved_start
	for i in $(seq 1 50); do
		[ "$(status_of "$a")" = Running ] && break
		sleep 0.1
	done
	[ "$(status_of "$a")" = Running ]
	[ "$(status_of "$b")" = Stopped ]
}
