#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# More of the tutorial with `cove` against a real coved: move/rename,
# snapshot/restore, copy, file push/pull, networks and storage volumes,
# export/import, publish. Whatever coved does not implement yet skips with
# its error.

load client-helpers

export CLIENT_NEEDS_IMAGE=1
setup_file() { client_setup_file; }
teardown_file() { client_teardown_file; }
setup() { client_setup; }
teardown() {
	cove network delete "br$UNIQ" >/dev/null 2>&1 || true
	cove storage volume delete default "vol-$UNIQ" >/dev/null 2>&1 || true
	client_teardown
}

@test "cove move OLD NEW renames (and cove rename)" {
	a=$(inst old) b=$(inst new) c=$(inst newer); made "$a" "$b" "$c"
	cove init busybox "$a"
	run cove move "$a" "$b"
	assert_success
	run cove list -f csv -c n "$UNIQ-"
	assert_line "$b"
	refute_line "$a"
	run cove rename "$b" "$c"
	assert_success
	run cove list -f csv -c n "$UNIQ-"
	assert_line "$c"
	run --separate-stderr cove move "$a" "$b"
	assert_failure 1
}

@test "cove snapshot, info lists it, restore, delete NAME/SNAP" {
	c=$(inst sn); made "$c"
	cove launch busybox "$c"
	run cove snapshot "$c" snap0
	assert_success
	run cove list -f csv -c nS "$c"
	assert_output "$c,1"
	run cove info "$c"
	assert_line --regexp '^\| snap0 +\| [0-9/]+ [0-9:]+ UTC \| +\| NO +\|$'
	run cove restore "$c" snap0
	assert_success
	run cove delete "$c/snap0"
	assert_success
	run cove list -f csv -c S "$c"
	assert_output "0"
}

@test "cove copy SRC DST" {
	a=$(inst cpa) b=$(inst cpb); made "$a" "$b"
	cove init busybox "$a"
	cove config set "$a" user.k copied
	run cove copy "$a" "$b"
	assert_success
	run cove config get "$b" user.k
	assert_output "copied"
}

@test "cove file push and pull" {
	c=$(inst fi); made "$c"
	cove launch busybox "$c"
	echo "hello from the host" >"$BATS_TEST_TMPDIR/hello.txt"
	run cove file push --mode 0640 "$BATS_TEST_TMPDIR/hello.txt" "$c/root/hello.txt"
	assert_success
	run cove exec "$c" -- cat /root/hello.txt
	assert_output "hello from the host"
	run cove file pull "$c/root/hello.txt" "$BATS_TEST_TMPDIR/back.txt"
	assert_success
	run cat "$BATS_TEST_TMPDIR/back.txt"
	assert_output "hello from the host"
	run cove file pull "$c/root/hello.txt" -
	assert_output "hello from the host"
	run --separate-stderr cove file pull "$c/no/such/file" "$BATS_TEST_TMPDIR/x"
	assert_failure 1
}

@test "cove file push -r, -p, --uid/--gid/--mode, pull -r, delete" {
	c=$(inst fr); made "$c"
	cove launch busybox "$c"
	mkdir -p "$BATS_TEST_TMPDIR/tree/sub"
	echo a >"$BATS_TEST_TMPDIR/tree/sub/a"
	echo b >"$BATS_TEST_TMPDIR/b"
	run cove file push --uid 3 --gid 4 --mode 0600 "$BATS_TEST_TMPDIR/b" "$c/root/b"
	assert_success
	run cove exec "$c" -- stat -c '%u %g %a' /root/b
	assert_output "3 4 600"
	run cove file push -r "$BATS_TEST_TMPDIR/tree" "$c/root/"
	assert_success
	run cove exec "$c" -- cat /root/tree/sub/a
	assert_output a
	run cove file pull -r "$c/root/tree" "$BATS_TEST_TMPDIR/back"
	assert_success
	[ "$(cat "$BATS_TEST_TMPDIR/back/sub/a")" = a ]
	run cove file push -p "$BATS_TEST_TMPDIR/b" "$c/root/new/dir/b"
	assert_success
	run cove exec "$c" -- cat /root/new/dir/b
	assert_output b
	run cove file delete "$c/root/b"
	assert_success
	run cove exec "$c" -- ls /root
	refute_line b
	run --separate-stderr cove file push "$BATS_TEST_TMPDIR/b" "$c/no/such/dir/b"
	assert_failure 1
	[[ "$stderr" == "Error: "* ]]
}

@test "cove network create, set, get, show, delete (the tutorial's bridge)" {
	run cove network create "br$UNIQ" ipv4.address=10.253.77.1/24 ipv4.nat=true ipv6.address=none
	skip_if_unsupported
	assert_success
	assert_output "Network br$UNIQ created"
	run cove network set "br$UNIQ" ipv4.dhcp true
	assert_success
	run cove network get "br$UNIQ" ipv4.dhcp
	assert_output "true"
	run cove network show "br$UNIQ"
	assert_line "  ipv4.address: 10.253.77.1/24"
	run cove network delete "br$UNIQ"
	assert_success
	assert_output "Network br$UNIQ deleted"
}

@test "cove storage volume create, list, delete" {
	run cove storage volume create default "vol-$UNIQ"
	skip_if_unsupported
	assert_success
	assert_output "Storage volume vol-$UNIQ created"
	run cove storage volume list default
	assert_output --partial "vol-$UNIQ"
	run cove storage volume delete default "vol-$UNIQ"
	assert_success
}

@test "cove launch without a name: the server picks one" {
	run cove launch busybox
	assert_success
	name=$(echo "$output" | sed -n 's/^Instance name is: //p')
	[ -n "$name" ]
	made "$name"
	run cove list -f csv -c ns "$name"
	assert_output "$name,RUNNING"
}

@test "cove export and cove import (backups)" {
	a=$(inst ex) b=$(inst imp); made "$a" "$b"
	cove init busybox "$a"
	run cove export "$a" "$BATS_TEST_TMPDIR/a.tar.gz"
	assert_success
	assert_output "Backup exported successfully!"
	[ -s "$BATS_TEST_TMPDIR/a.tar.gz" ]
	run cove import "$BATS_TEST_TMPDIR/a.tar.gz" "$b"
	assert_success
	run cove list -f csv -c n "$b"
	assert_output "$b"
}

@test "cove publish NAME --alias A makes an image" {
	c=$(inst pub); made "$c"
	cove init busybox "$c"
	run cove publish "$c" --alias "pub-$UNIQ"
	assert_success
	assert_output --regexp '^Instance published with fingerprint: [0-9a-f]{64}$'
	run cove image info "pub-$UNIQ"
	assert_success
	cove image delete "pub-$UNIQ"
}
