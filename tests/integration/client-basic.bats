#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The cove client against a real coved: server-level commands (version,
# query, storage, network, profile list/show, operation list, info) and
# the client's error conventions (Error: ... on stderr, exit 1).

load client-helpers

setup_file() { client_setup_file; }
teardown_file() { client_teardown_file; }
setup() { client_setup; }
teardown() { client_teardown; }

@test "cove version shows the client and the server version" {
	run cove version
	assert_success
	assert_line --regexp '^Client version: [0-9.]+$'
	assert_line --regexp '^Server version: [0-9.]+$'
}

@test "cove version without a daemon says unreachable" {
	COVE_DIR=/nonexistent run cove version
	assert_success
	assert_line "Server version: unreachable"
}

@test "an unreachable daemon is an error like lxc's" {
	COVE_DIR=/nonexistent run --separate-stderr cove list
	assert_failure 1
	[ -z "$output" ]
	[[ "$stderr" == 'Error: Get "http://unix.socket/1.0/instances?filter=&recursion=2": dial unix /nonexistent/unix.socket: connect: no such file or directory' ]]
}

@test "cove query /1.0 prints the server's metadata as indented JSON" {
	run cove query /1.0
	assert_success
	assert_line --index 0 "{"
	assert_output --partial $'\t"api_extensions": ['
	assert_output --partial '"api_version": "1.0"'
	run cove query -X GET /
	assert_success
	assert_output $'[\n\t"/1.0"\n]'
}

@test "cove query of an unknown path fails with the server's error" {
	run --separate-stderr cove query /1.0/nonexistent
	assert_failure 1
	[ "$stderr" = "Error: not found" ]
	run --separate-stderr cove query nopath
	assert_failure 1
	[ "$stderr" = "Error: Query path must start with /" ]
}

@test "unknown commands and flags are errors" {
	run --separate-stderr cove frobnicate
	assert_failure 1
	[ "$stderr" = 'Error: unknown command "frobnicate" for "cove"' ]
	run --separate-stderr cove list --bogus
	assert_failure 1
	[ "$stderr" = "Error: unknown flag: --bogus" ]
	run --separate-stderr cove list -f xml
	assert_failure 1
	[ "$stderr" = 'Error: Invalid format "xml"' ]
}

@test "cove list with no instance prints the empty table" {
	run cove list
	assert_success
	assert_output "+------+-------+------+------+------+-----------+
| NAME | STATE | IPV4 | IPV6 | TYPE | SNAPSHOTS |
+------+-------+------+------+------+-----------+"
	run cove list -f json
	assert_output "[]"
	run cove list -f csv
	assert_output ""
}

@test "cove storage list and show the default pool" {
	run cove storage list
	assert_success
	assert_line --index 1 --regexp '^\|  NAME   \| DRIVER \| +SOURCE +\| DESCRIPTION \| USED BY \|  STATE  \|$'
	assert_output --regexp "\| default \| dir    \| $COVE_DIR/storage-pools/default"
	run cove storage show default
	assert_success
	assert_line "name: default"
	assert_line "driver: dir"
	run --separate-stderr cove storage show nosuch
	assert_failure 1
}

@test "cove network list shows the host's interfaces (not loopback, as lxc)" {
	run cove network list
	assert_success
	assert_line --index 1 --regexp '^\| +NAME +\| +TYPE +\| MANAGED \| +IPV4 +\| +IPV6 +\| DESCRIPTION \| USED BY \| +STATE +\|$'
	refute_output --regexp '\| lo +\| loopback '
	run cove network show lo
	assert_success
	assert_line "name: lo"
}

@test "cove profile list and show default" {
	run cove profile list
	assert_success
	assert_line --index 1 --regexp '^\|  NAME   \| +DESCRIPTION +\| USED BY \|$'
	assert_output --regexp '\| default \| '
	run cove profile show default
	assert_success
	assert_line "name: default"
	assert_line --regexp '^devices:'
	run cove profile list -f json
	assert_success
	[[ "$output" == '[{'* ]]
}

@test "cove operation list works with no operation" {
	run cove operation list
	assert_success
	assert_line --index 1 --regexp '^\| +ID +\| TYPE \| DESCRIPTION \| STATUS \| CANCELABLE \| CREATED \|$'
	run --separate-stderr cove operation show 00000000-0000-0000-0000-000000000000
	assert_failure 1
}

@test "cove info without an instance shows the server" {
	run cove info
	assert_success
	assert_line "api_version: \"1.0\""
	run cove info --resources
	skip_if_unsupported
	assert_success
	assert_output --partial "Memory:"
}

@test "cove help lists the commands" {
	run cove --help
	assert_success
	assert_output --partial "launch"
	assert_output --partial "exec"
	run cove launch
	assert_success
	assert_output --partial "Usage:"
}
