#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove-wait: success at once, success later, timeouts, state lists.

load helpers

setup() {
	common_setup
	N=$(ct a)
	ct_create "$N"
}

@test "wait -s RUNNING on a running container succeeds" {
	ct_start "$N"
	run --separate-stderr cove-wait -n "$N" -s RUNNING -t 10
	assert_success
}

@test "wait -s STOPPED on a stopped container succeeds" {
	run --separate-stderr cove-wait -n "$N" -s STOPPED -t 10
	assert_success
}

@test "wait -s RUNNING -t 1 on a stopped container times out (non-zero)" {
	run --separate-stderr cove-wait -n "$N" -s RUNNING -t 1
	assert_failure
	[ "$(ct_state "$N")" = STOPPED ]
}

@test "wait -s RUNNING -t 0 does not wait" {
	run --separate-stderr cove-wait -n "$N" -s RUNNING -t 0
	assert_failure
}

@test "wait -s RUNNING returns when another process starts the container" {
	cove-wait -n "$N" -s RUNNING -t 120 >"$TESTDIR/wait.out" 2>&1 &
	wpid=$!
	BG_PIDS="$wpid"
	sleep 0.5
	ct_start "$N"
	wait "$wpid"
	[ "$(ct_state "$N")" = RUNNING ]
}

@test "wait -s STOPPED returns when the container stops" {
	ct_write_init "$N"
	ct_start "$N"
	cove-wait -n "$N" -s STOPPED -t 120 >"$TESTDIR/wait.out" 2>&1 &
	wpid=$!
	BG_PIDS="$wpid"
	sleep 0.5
	# the init exits by itself: the monitor notices (signalled from the host:
	# an attached `kill` may be killed with the pid namespace before it exits)
	kill -PWR "$(cove-info -n "$N" -p -H)"
	wait "$wpid"
	[ "$(ct_state "$N")" = STOPPED ]
	[ -z "$(our_cgroups)" ]
}

@test "wait accepts a list of states 'RUNNING|FROZEN'" {
	ct_start "$N"
	run cove-wait -n "$N" -s 'RUNNING|FROZEN' -t 10
	assert_success
}

@test "wait with an unknown state fails and names it" {
	run --separate-stderr cove-wait -n "$N" -s SLEEPY -t 1
	assert_failure
	[[ "$(echo "$stderr" | head -1)" == *SLEEPY* ]]
}

@test "wait on a missing container fails" {
	run --separate-stderr cove-wait -n "$(ct nope)" -s RUNNING -t 1
	assert_failure
}
