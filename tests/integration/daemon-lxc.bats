#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Debian's real LXD client (lxd-client's `lxc`, LXD_DIR pointed at coved)
# against coved: the tutorial's commands with the same results as on LXD.

load daemon-helpers

setup() {
	daemon_setup
	command -v lxc >/dev/null || skip "lxd-client is not installed"
	daemon_init_image
	# the client's first run prints a hint on stderr: get it out of the way
	lxc list >/dev/null 2>&1
}

@test "lxc list, launch, list shows RUNNING" {
	local n=$(ct a)
	run lxc list
	assert_success
	run lxc launch busybox "$n"
	assert_success
	run lxc list --format csv -c ns
	assert_output "$n,RUNNING"
	run lxc list --format json
	[ "$(jq -r '.[0].state.status' <<<"$output")" = Running ]
}

@test "lxc exec: output, exit codes, stdin, env and cwd, command not found" {
	local n=$(ct a)
	lxc launch busybox "$n"
	run lxc exec "$n" -- echo hi
	assert_success
	assert_output hi
	run lxc exec "$n" -- sh -c 'exit 3'
	[ "$status" = 3 ]
	run bash -c "printf 'a\nb\n' | lxc exec $n -- wc -l"
	assert_output 2
	run lxc exec "$n" --env FOO=bar --cwd /tmp -- sh -c 'echo $FOO $(pwd)'
	assert_output "bar /tmp"
	run lxc exec "$n" -- hostname
	assert_output "$n"
	run -127 lxc exec "$n" -- nosuchcmd
	assert_output --partial "Command not found"
}

@test "lxc exec interactive on a pty: tty, window size, exit code" {
	local n=$(ct a)
	lxc launch busybox "$n"
	run timeout 30 script -qec "stty cols 101 rows 31; lxc exec $n -- sh -c 'tty; stty size; exit 7'" /dev/null
	[ "$status" = 7 ]
	assert_output --partial /dev/pts/
	assert_output --partial "31 101"
}

@test "lxc stop, start, restart, stop -f, delete" {
	local n=$(ct a)
	lxc launch busybox "$n"
	run lxc stop "$n"
	assert_success
	run lxc list --format csv -c s
	assert_output STOPPED
	run lxc start "$n"
	assert_success
	run lxc restart "$n"
	assert_success
	run lxc stop -f "$n"
	assert_success
	run lxc delete "$n"
	assert_success
	run lxc list --format csv
	assert_output ""
}

@test "lxc delete -f of a running instance" {
	local n=$(ct a)
	lxc launch busybox "$n"
	run lxc delete "$n"
	assert_failure
	run lxc delete -f "$n"
	assert_success
	[ ! -e "$COVE_DIR/containers/$n" ]
}

@test "lxc info, config set/show, unknown key refused, info of a missing instance" {
	local n=$(ct a)
	lxc launch busybox "$n"
	run lxc info "$n"
	assert_success
	assert_output --partial "Status: RUNNING"
	run lxc config set "$n" user.foo bar
	assert_success
	run lxc config show "$n"
	assert_output --partial "user.foo: bar"
	run lxc config set "$n" foo.bar 1
	assert_failure
	assert_output --partial "Unknown configuration key: foo.bar"
	run lxc info nosuch
	assert_failure
	assert_output "Error: Instance not found"
}

@test "lxc profile list/show, image list, storage list, network list" {
	run lxc profile show default
	assert_output --partial "pool: default"
	run lxc profile list
	assert_success
	run lxc image list --format csv -c l
	assert_output busybox
	run lxc storage list
	assert_success
	run lxc network list --format csv
	assert_success
	# coved's interfaces: those of its network namespace (daemon-helpers)
	for i in $(ip -n "$COVED_NETNS" -o link show | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
		[ "$i" = lo ] && continue
		assert_output --partial "$i,"
	done
}

@test "lxc image import of a unified tarball (chunked upload), launch from it" {
	local n=$(ct a) d=$TESTDIR/img
	mkdir -p "$d/rootfs"
	cp -a "$COVE_DIR/images/$(api GET /1.0/images/aliases/busybox | jq -r .metadata.target).unpacked/rootfs/." "$d/rootfs/"
	printf 'architecture: x86_64\ncreation_date: 1700000000\nproperties:\n  os: test\n' >"$d/metadata.yaml"
	tar -C "$d" -czf "$TESTDIR/img.tar.gz" metadata.yaml rootfs
	run lxc image import "$TESTDIR/img.tar.gz" --alias imp
	assert_success
	assert_output --partial "$(sha256sum "$TESTDIR/img.tar.gz" | cut -c1-12)"
	run lxc launch imp "$n"
	assert_success
	run lxc exec "$n" -- hostname
	assert_output "$n"
	[ -z "$(ls -A "$COVE_DIR/images" | grep '^\.')" ]
}

@test "python3-pylxd: create, start, list, execute, stop, delete (legacy /1.0/containers)" {
	local n=$(ct p)
	/usr/bin/python3 -c 'import pylxd' 2>/dev/null || skip "python3-pylxd is not installed"
	run /usr/bin/python3 -W ignore - "$n" <<'PY'
import sys, pylxd
c = pylxd.Client()
assert c.trusted
ct = c.containers.create({"name": sys.argv[1], "source": {"type": "image", "alias": "busybox"}}, wait=True)
ct.start(wait=True)
ct.sync()
print("status", ct.status)
print("listed", sys.argv[1] in [x.name for x in c.containers.all()])
res = ct.execute(["sh", "-c", "echo out; echo err >&2; exit 4"])
print("exec", res.exit_code, repr(res.stdout), repr(res.stderr))
ct.stop(force=True, wait=True)
ct.sync()
print("status", ct.status)
ct.delete(wait=True)
print("listed", sys.argv[1] in [x.name for x in c.containers.all()])
PY
	assert_success
	assert_output "status Running
listed True
exec 4 'out\n' 'err\n'
status Stopped
listed False"
}

@test "lxc monitor: operation and lifecycle events from the events websocket" {
	local n=$(ct a) mon
	timeout 5 lxc monitor --format json >"$TESTDIR/events" 2>/dev/null &
	mon=$!
	sleep 0.5
	lxc launch busybox "$n"
	lxc exec "$n" -- true
	wait "$mon" || true
	run jq -r 'select(.type == "lifecycle") | .metadata.action' "$TESTDIR/events"
	assert_line instance-created
	assert_line instance-started
	assert_line instance-exec
	run jq -r 'select(.type == "operation") | .metadata.status' "$TESTDIR/events"
	assert_line Pending
	assert_line Running
	assert_line Success
}

@test "lxc pause and start of a frozen instance (freeze/unfreeze through the monitor)" {
	local n=$(ct a)
	lxc launch busybox "$n"
	run lxc pause "$n"
	assert_success
	run lxc list --format csv -c s
	assert_output FROZEN
	run lxc start "$n"
	assert_success
	run lxc exec "$n" -- echo thawed
	assert_output thawed
}

@test "lxc profile create, edit (YAML on stdin), copy, rename, add; default and in-use refused" {
	n=$(ct p)
	run lxc profile create web-server
	assert_success
	run lxc profile edit web-server <<YAML
config:
  user.purpose: web
  environment.ROLE: web
description: Profil pour serveurs web
devices: {}
YAML
	assert_success
	run lxc profile show web-server
	assert_line "description: Profil pour serveurs web"
	assert_line "  user.purpose: web"
	run lxc profile copy default production
	assert_success
	run lxc profile rename production prod
	assert_success
	run lxc profile list -f csv
	assert_line --partial "prod,"
	run lxc launch busybox "$n" -p default -p web-server
	assert_success
	run lxc exec "$n" -- sh -c 'echo $ROLE'
	assert_output web
	run lxc profile delete web-server
	assert_failure
	assert_output --partial "Profile is currently in use"
	run lxc profile delete default
	assert_failure
	assert_output --partial "The 'default' profile cannot be deleted"
	run lxc profile assign "$n" default,prod
	assert_success
	run lxc config show "$n"
	assert_line "- prod"
	run lxc profile delete web-server
	assert_success
	run lxc profile show nosuch
	assert_failure
	lxc stop -f "$n"
}

@test "lxc console attaches (input reaches the console), --show-log" {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	n=$(ct k)
	lxc launch busybox "$n"
	run bash -c "(sleep 1; printf 'echo LX\$((1+1))\r'; sleep 1; printf '\001q') |
		timeout 15 script -qc 'lxc console $n' /dev/null"
	assert_output --partial "LX\$((1+1))"
	run lxc console "$n" --show-log
	assert_success
	assert_output --partial "LX"
	lxc stop -f "$n"
}
