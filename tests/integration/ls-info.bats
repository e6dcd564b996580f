#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove-ls (names, -f columns and states) and cove-info (fields, -s -p -i).

load helpers

# ls_row NAME: NAME's row of `cove-ls -f`, fields separated by single spaces
ls_row() {
	cove-ls -f | awk -v n="$1" '$1 == n { $1 = $1; print }'
}

@test "ls with no containers prints nothing and succeeds" {
	run --separate-stderr cove-ls
	assert_success
	assert_output ""
	run --separate-stderr cove-ls -f
	assert_success
	# a header at most
	[ "$(echo "$output" | grep -c .)" -le 1 ]
}

@test "ls lists the names" {
	a=$(ct a) b=$(ct b)
	ct_create "$a"
	ct_create "$b"
	run --separate-stderr cove-ls
	assert_success
	assert_output --partial "$a"
	assert_output --partial "$b"
	run cove-ls -1
	assert_success
	assert_line "$a"
	assert_line "$b"
}

@test "ls -f: header NAME STATE AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED" {
	ct_create "$(ct a)"
	run --separate-stderr cove-ls -f
	assert_success
	hdr=$(echo "$output" | head -1 | awk '{ $1 = $1; print }')
	[ "$hdr" = "NAME STATE AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED" ]
}

@test "ls -f: states, autostart, groups and unprivileged columns" {
	a=$(ct a) b=$(ct b)
	ct_create "$a"
	ct_create "$b"
	ct_conf "$b" "lxc.start.auto = 1" "lxc.group = web,db"
	run ls_row "$a"
	assert_output "$a STOPPED 0 - - - false"
	run ls_row "$b"
	assert_output "$b STOPPED 1 web,db - - false"
	ct_start "$b"
	run ls_row "$b"
	assert_output "$b RUNNING 1 web,db - - false"
	run ls_row "$a"
	assert_output "$a STOPPED 0 - - - false"
	cove-stop -n "$b" -k
	run ls_row "$b"
	assert_output "$b STOPPED 1 web,db - - false"
}

@test "ls -f with several running containers" {
	for s in a b c d e; do
		ct_create "$(ct $s)"
		ct_start "$(ct $s)"
	done
	run cove-ls -f
	assert_success
	[ "$(echo "$output" | grep -c ' RUNNING ')" -eq 5 ]
}

@test "ls -P takes the lxcpath" {
	other=$TESTDIR/other
	mkdir -p "$other"
	cove-create -P "$other" -n "$(ct o)" -t busybox
	run cove-ls -P "$other" -1
	assert_output "$(ct o)"
	run cove-ls -1
	assert_output ""
	cove-destroy -P "$other" -n "$(ct o)"
}

@test "info of a running container: Name, State, PID, CPU, BlkIO, Memory" {
	n=$(ct a)
	ct_create "$n"
	ct_start "$n"
	run --separate-stderr cove-info -n "$n"
	assert_success
	echo "$output"
	assert_line --regexp "^Name:[[:space:]]+$n\$"
	assert_line --regexp '^State:[[:space:]]+RUNNING$'
	assert_line --regexp '^PID:[[:space:]]+[0-9]+$'
	assert_line --regexp '^CPU use:[[:space:]]+[0-9.]+ seconds$'
	assert_line --regexp '^BlkIO use:[[:space:]]+[0-9.]+ [KMG]?i?B|bytes'
	assert_line --regexp '^Memory use:[[:space:]]+[0-9.]+ [KMG]?i?B|bytes'
	# the PID is the container's init: pid 1 in its pid namespace
	pid=$(echo "$output" | awk '/^PID:/ { print $2 }')
	run awk '/^NSpid:/ { print $NF }' "/proc/$pid/status"
	assert_output 1
	# no network configured: no Link lines
	! cove-info -n "$n" | grep -q '^Link:'
}

@test "info -s, -p, -i select fields" {
	n=$(ct a)
	ct_create "$n"
	ct_start "$n"
	run --separate-stderr cove-info -n "$n" -s
	assert_success
	assert_output --regexp '^State:[[:space:]]+RUNNING$'
	run --separate-stderr cove-info -n "$n" -p
	assert_success
	assert_output --regexp '^PID:[[:space:]]+[0-9]+$'
	run --separate-stderr cove-info -n "$n" -s -p
	assert_success
	[ "$(echo "$output" | grep -c .)" -eq 2 ]
	run --separate-stderr cove-info -n "$n" -i
	assert_success
	# no network: no IP lines, or only IP lines
	! echo "$output" | grep -v '^IP:' | grep -q .
	run --separate-stderr cove-info -n "$n" -H -p
	if [ "$status" -eq 0 ]; then
		assert_output --regexp '^[0-9]+$'
	fi
}

@test "info of a stopped container: State STOPPED, no PID" {
	n=$(ct a)
	ct_create "$n"
	run --separate-stderr cove-info -n "$n"
	assert_success
	assert_line --regexp '^State:[[:space:]]+STOPPED$'
	refute_line --regexp '^PID:'
	run cove-info -n "$n" -s
	assert_output --regexp '^State:[[:space:]]+STOPPED$'
}

@test "info of a missing container fails with one line" {
	run_fail_one_line cove-info -n "$(ct nope)"
	run_fail_one_line cove-info -n ..
}

@test "lxc.group with blanks is several groups: ls -f shows them, -g picks each" {
	a=$(ct a) b=$(ct b)
	ct_create "$a"
	ct_create "$b"
	ct_conf "$a" "lxc.group = web  db"
	ct_conf "$b" "lxc.group = web,db"
	run ls_row "$a"
	assert_output "$a STOPPED 0 web, db - - false"
	run cove-ls -g db
	assert_success
	assert_output "$a"
	run cove-ls -g web,db
	assert_success
	assert_output "$a"
	run cove-ls -g web
	assert_success
	assert_output "$a"
	run cove-ls -g nosuch
	assert_success
	assert_output ""
}
