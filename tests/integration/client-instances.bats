#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The LXD half of the tutorial with `cove`: launch, list (formats, columns,
# filters), info, config set/get/show/unset/edit, stop/start/restart,
# pause/resume, delete, ephemeral instances, against a real coved.

load client-helpers

export CLIENT_NEEDS_IMAGE=1
setup_file() { client_setup_file; }
teardown_file() { client_teardown_file; }
setup() { client_setup; }
teardown() { client_teardown; }

@test "cove launch busybox NAME creates and starts it; list shows it RUNNING" {
	c=$(inst c1); made "$c"
	run cove launch busybox "$c"
	assert_success
	assert_output "Creating $c
Starting $c"
	run cove list
	assert_success
	assert_line --regexp "^\| $c \| RUNNING \| .*\| CONTAINER \| 0 +\|$"
	run cove list -f csv -c ns "$c"
	assert_output "$c,RUNNING"
	run cove list -c n -f csv
	assert_line "$c"
}

@test "cove list formats: json, yaml, compact, filters" {
	c=$(inst c2); made "$c"
	cove launch busybox "$c"
	run cove list -f json "$c"
	assert_success
	[[ "$output" == '[{"architecture":'* ]]
	assert_output --partial "\"name\":\"$c\""
	run cove list -f yaml "$c"
	assert_success
	assert_line "  name: $c"
	run cove list -f compact -c ns "$c"
	assert_line --index 0 --regexp '^ +NAME +STATE +$'
	assert_line --index 1 --regexp "^  $c +RUNNING +$"
	run cove list -f csv -c n status=running
	assert_line "$c"
	run cove list -f csv -c n status=stopped
	refute_output --partial "$c"
	run cove list -f csv -c n "nomatch-$UNIQ"
	assert_output ""
}

@test "cove init creates a stopped instance; start starts it" {
	c=$(inst c3); made "$c"
	run cove init busybox "$c"
	assert_success
	assert_output "Creating $c"
	run cove list -f csv -c ns "$c"
	assert_output "$c,STOPPED"
	run cove start "$c"
	assert_success
	run cove list -f csv -c ns "$c"
	assert_output "$c,RUNNING"
}

@test "cove info shows an instance; a missing one is Error: Instance not found" {
	c=$(inst c4); made "$c"
	cove launch busybox "$c"
	run cove info "$c"
	assert_success
	assert_line "Name: $c"
	assert_line "Status: RUNNING"
	assert_line "Type: container"
	assert_line --regexp '^PID: [0-9]+$'
	assert_line --regexp '^Created: [0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2} '
	assert_line "Resources:"
	run --separate-stderr cove info "nosuch-$UNIQ"
	assert_failure 1
	[ "$stderr" = "Error: Instance not found" ]
}

@test "cove config set/get/show/unset on an instance" {
	c=$(inst c5); made "$c"
	cove launch busybox "$c"
	run cove config set "$c" user.note hello
	assert_success
	run cove config get "$c" user.note
	assert_output "hello"
	run cove config set "$c" user.a=1 user.b=two
	assert_success
	run cove config show "$c"
	assert_success
	assert_line --index 0 "architecture: x86_64"
	assert_line '  user.a: "1"'
	assert_line "  user.b: two"
	assert_line "  user.note: hello"
	assert_line "profiles:"
	assert_line "- default"
	run cove config unset "$c" user.note
	assert_success
	run cove config get "$c" user.note
	assert_output ""
	run --separate-stderr cove config unset "$c" user.note
	assert_failure 1
	[ "$stderr" = "Error: Can't unset key 'user.note', it's not currently set" ]
}

@test "cove config edit reads YAML from stdin when it is not a terminal" {
	c=$(inst c6); made "$c"
	cove launch busybox "$c"
	cove config show "$c" | sed 's/^config:$/config:\n  user.edited: yes-it-is/' >"$BATS_TEST_TMPDIR/c.yaml"
	run cove config edit "$c" <"$BATS_TEST_TMPDIR/c.yaml"
	assert_success
	run cove config get "$c" user.edited
	assert_output "yes-it-is"
	run --separate-stderr cove config edit "$c" <<<"config: [unclosed"
	assert_failure 1
	[[ "$stderr" == "Error: yaml: line "* ]]
}

@test "cove config set limits.memory (the tutorial's resource limits)" {
	c=$(inst c7); made "$c"
	cove launch busybox "$c"
	run cove config set "$c" limits.memory 256MB
	skip_if_unsupported
	assert_success
	run cove config get "$c" limits.memory
	assert_output "256MB"
	run cove restart "$c"
	skip_if_unsupported
	assert_success
}

@test "cove stop, start, restart, stop -f; errors pass through" {
	c=$(inst c8); made "$c"
	cove launch busybox "$c"
	run cove stop "$c"
	assert_success
	run cove list -f csv -c s "$c"
	assert_output "STOPPED"
	run --separate-stderr cove stop "$c"
	assert_failure 1
	[[ "$stderr" == "Error: "* ]]
	run cove start "$c"
	assert_success
	run cove restart "$c"
	assert_success
	run cove list -f csv -c s "$c"
	assert_output "RUNNING"
	run cove stop -f --timeout 10 "$c"
	assert_success
	run cove list -f csv -c s "$c"
	assert_output "STOPPED"
}

@test "cove start --all and stop --all act on every instance" {
	a=$(inst all1) b=$(inst all2); made "$a" "$b"
	cove init busybox "$a"
	cove init busybox "$b"
	run cove start --all
	assert_success
	run cove list -f csv -c ns "$UNIQ-all"
	assert_line "$a,RUNNING"
	assert_line "$b,RUNNING"
	run cove stop --all -f
	assert_success
	run cove list -f csv -c ns "$UNIQ-all"
	assert_line "$a,STOPPED"
	assert_line "$b,STOPPED"
}

@test "cove pause and resume" {
	c=$(inst c9); made "$c"
	cove launch busybox "$c"
	run cove pause "$c"
	skip_if_unsupported
	assert_success
	run cove list -f csv -c s "$c"
	assert_output "FROZEN"
	run cove resume "$c"
	assert_success
	run cove list -f csv -c s "$c"
	assert_output "RUNNING"
}

@test "cove delete refuses a running instance without -f" {
	c=$(inst c10); made "$c"
	cove launch busybox "$c"
	run --separate-stderr cove delete "$c"
	assert_failure 1
	[ "$stderr" = "Error: The instance is currently running, stop it first or pass --force" ]
	run cove delete -f "$c"
	assert_success
	run cove list -f csv -c n "$c"
	assert_output ""
	run --separate-stderr cove delete "$c"
	assert_failure 1
	[ "$stderr" = "Error: Instance not found" ]
}

@test "cove launch --ephemeral: TYPE says so and stop deletes it" {
	c=$(inst e1); made "$c"
	run cove launch busybox "$c" --ephemeral
	assert_success
	run cove list -f csv -c nt "$c"
	assert_output "$c,CONTAINER (EPHEMERAL)"
	run cove stop -f "$c"
	assert_success
	run cove list -f csv -c n "$c"
	assert_output ""
}

@test "cove launch with -p and -c" {
	c=$(inst p1); made "$c"
	run cove launch busybox "$c" -p default -c user.from=launch
	assert_success
	run cove config get "$c" user.from
	assert_output "launch"
}

@test "cove launch of a remote image or a missing one is a clear error" {
	run --separate-stderr cove launch images:debian/12 "$(inst r1)"
	assert_failure 1
	[[ "$stderr" == "Error: Image 'images:debian/12': image servers are not supported"* ]]
	run --separate-stderr cove launch "nosuch-$UNIQ" "$(inst r2)"
	assert_failure 1
	[[ "$stderr" == "Error: "* ]]
	run cove list -f csv -c n "$UNIQ-r"
	assert_output ""
}

@test "cove config device add/set/show/remove (the tutorial's disk limits)" {
	c=$(inst d1); made "$c"
	cove init busybox "$c"
	mkdir -p "$BATS_TEST_TMPDIR/share"
	run cove config device add "$c" shared disk source="$BATS_TEST_TMPDIR/share" path=/shared
	skip_if_unsupported
	assert_success
	assert_output "Device shared added to $c"
	run cove config device show "$c"
	assert_line "shared:"
	assert_line "  path: /shared"
	assert_line "  type: disk"
	run cove config device set "$c" shared readonly true
	assert_success
	run cove config device get "$c" shared readonly
	assert_output "true"
	run cove config device list "$c"
	assert_line "shared"
	run --separate-stderr cove config device add "$c" shared disk path=/x
	assert_failure 1
	[ "$stderr" = "Error: The device already exists" ]
	run cove config device remove "$c" shared
	assert_success
	assert_output "Device shared removed from $c"
	run --separate-stderr cove config device remove "$c" shared
	assert_failure 1
}

@test "cove config edit on a terminal runs \$EDITOR" {
	command -v tmux >/dev/null || skip "tmux is not installed"
	c=$(inst ed); made "$c"
	cove init busybox "$c"
	ed=$BATS_TEST_TMPDIR/editor.sh
	printf '#!/bin/sh\nsed -i "s/^config:$/config:\\n  user.viaeditor: done/" "$1"\n' >"$ed"
	chmod +x "$ed"
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
	tmux -S "$TMUX_SOCK" new-session -d "EDITOR=$ed COVE_DIR=$COVE_DIR $(command -v cove) config edit $c; echo RC=\$? >$BATS_TEST_TMPDIR/rc; sleep 5"
	for i in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/rc" ] && break; sleep 0.1; done
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	run cat "$BATS_TEST_TMPDIR/rc"
	assert_output "RC=0"
	run cove config get "$c" user.viaeditor
	assert_output "done"
}

@test "cove info --show-log" {
	c=$(inst lg); made "$c"
	cove launch busybox "$c"
	run cove info "$c" --show-log
	assert_success
	assert_line "Log:"
}
