#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove-destroy: stopped containers, -f on running ones, bad input.

load helpers

@test "destroy removes a stopped container's directory" {
	n=$(ct a)
	ct_create "$n"
	run --separate-stderr cove-destroy -n "$n"
	assert_success
	assert_file_not_exists "$LXCPATH/$n"
	run cove-ls -1
	assert_output ""
}

@test "destroy of a running container without -f fails and keeps it running" {
	n=$(ct a)
	ct_create "$n"
	ct_start "$n"
	before=$(disk_state)
	run_fail_one_line cove-destroy -n "$n"
	assert_unchanged "$before"
	[ "$(ct_state "$n")" = RUNNING ]
}

@test "destroy -f stops a running container first, leaves nothing" {
	n=$(ct a)
	ct_create "$n"
	ct_start "$n"
	pid=$(ct_pid "$n")
	run --separate-stderr cove-destroy -n "$n" -f
	assert_success
	assert_file_not_exists "$LXCPATH/$n"
	[ ! -d "/proc/$pid" ]
	[ -z "$(our_cgroups)" ]
	[ -z "$(pids_matching "$n")" ]
}

@test "destroy does not follow a symlink out of the rootfs" {
	n=$(ct a)
	ct_create "$n"
	mkdir -p "$TESTDIR/outside"
	echo keep >"$TESTDIR/outside/keep"
	ln -s "$TESTDIR/outside" "$(ct_rootfs "$n")/link-out"
	run cove-destroy -n "$n"
	assert_success
	assert_file_exists "$TESTDIR/outside/keep"
}

@test "destroy of a missing container fails with one line" {
	run_fail_one_line cove-destroy -n "$(ct nope)"
	run_fail_one_line cove-destroy -n "$(ct nope)" -f
}

@test "destroy rejects invalid names with one line" {
	mkdir -p "$TESTDIR/keep"
	for bad in / .. "" "$(printf 'z%.0s' $(seq 1 300))"; do
		run_fail_one_line cove-destroy -n "$bad"
	done
	assert_dir_exists "$LXCPATH"
	assert_dir_exists "$TESTDIR/keep"
}
