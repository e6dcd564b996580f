#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove monitor and cove operation against a real coved: events as YAML and
# JSON (lifecycle filter), operations listed after a launch.

load client-helpers

export CLIENT_NEEDS_IMAGE=1
setup_file() { client_setup_file; }
teardown_file() { client_teardown_file; }
setup() { client_setup; }
teardown() { client_teardown; }

@test "cove monitor --type lifecycle --format json shows instance events" {
	c=$(inst m1); made "$c"
	out=$BATS_TEST_TMPDIR/mon.json
	timeout -s INT 6 cove monitor --type lifecycle --format json >"$out" &
	mpid=$!
	sleep 0.5
	cove launch busybox "$c"
	cove exec "$c" -- true
	wait "$mpid" || true
	run cat "$out"
	assert_line --regexp "^\\{\"location\":\"none\",\"metadata\":\\{\"action\":\"instance-created\",.*\"source\":\"/1.0/instances/$c\"\\},\"project\":\"default\",\"timestamp\":\"[^\"]+\",\"type\":\"lifecycle\"\\}$"
	assert_output --partial '"action":"instance-started"'
	assert_output --partial '"action":"instance-exec"'
	refute_output --partial '"type":"operation"'
}

@test "cove monitor prints YAML events followed by a blank line" {
	c=$(inst m2); made "$c"
	out=$BATS_TEST_TMPDIR/mon.yaml
	timeout -s INT 5 cove monitor >"$out" &
	mpid=$!
	sleep 0.5
	cove init busybox "$c"
	wait "$mpid" || true
	run cat "$out"
	assert_line "type: operation"
	assert_line "type: lifecycle"
	assert_line "  action: instance-created"
	assert_line --regexp '^timestamp: "[0-9-]+T'
	grep -q '^$' "$out"
}

@test "cove operation list and show after a launch" {
	c=$(inst o1); made "$c"
	cove launch busybox "$c"
	run cove operation list
	assert_success
	assert_output --regexp '\| TASK +\| Creating instance +\| SUCCESS +\| NO '
	id=$(cove operation list -f csv | grep -m1 'Creating instance' | cut -d, -f1)
	run cove operation show "$id"
	if [ "$status" -ne 0 ]; then
		skip "the operation was already forgotten by coved"
	fi
	assert_line "id: $id"
	assert_line "description: Creating instance"
	run cove operation list -f json
	assert_output --partial '"description":"Creating instance"'
}
