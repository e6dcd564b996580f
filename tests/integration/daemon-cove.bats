#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The cove client against coved: the README's main path (init, build the
# busybox image offline, launch, list, exec, stop, delete).

load daemon-helpers

COVE=$COVE_BUILD_DIR/src/client/cove

setup() {
	daemon_setup
	[ -x "$COVE" ] || skip "the cove client is not built"
}

@test "cove: image build busybox, launch, list, exec, delete" {
	local n=$(ct a)
	"$COVED" init --auto
	run "$COVE" image build busybox --alias busybox
	assert_success
	run "$COVE" launch busybox "$n"
	assert_success
	run "$COVE" list --format csv -c ns
	assert_output "$n,RUNNING"
	run "$COVE" exec "$n" -- hostname
	assert_output "$n"
	run "$COVE" exec "$n" -- sh -c 'exit 5'
	[ "$status" = 5 ]
	run "$COVE" delete -f "$n"
	assert_success
	run "$COVE" list --format csv
	assert_output ""
}

@test "cove: stop and start, errors on stderr with exit code 1" {
	local n=$(ct a)
	daemon_init_image
	launch "$n"
	run "$COVE" stop -f "$n"
	assert_success
	[ "$(status_of "$n")" = Stopped ]
	run "$COVE" start "$n"
	assert_success
	[ "$(status_of "$n")" = Running ]
	run "$COVE" info nosuch
	[ "$status" = 1 ]
	assert_output --partial "Error: Instance not found"
}
