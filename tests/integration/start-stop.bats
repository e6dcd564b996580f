#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove-start (-d, -F) and cove-stop (clean halt, -t, -k): process model,
# states, teardown of cgroups, and bad input.

load helpers

@test "start -d returns once RUNNING and leaves one detached monitor" {
	n=$(ct a)
	ct_create "$n"
	run --separate-stderr cove-start -n "$n" -d
	assert_success
	[ "$(ct_state "$n")" = RUNNING ]
	pid=$(ct_pid "$n")
	[ -n "$pid" ] && [ -d "/proc/$pid" ]
	# init is PID 1 of its own pid namespace
	run awk '/^NSpid:/ { print $NF }' "/proc/$pid/status"
	assert_output 1
	[ "$(readlink /proc/$pid/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]
	[ "$(readlink /proc/$pid/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]
	[ "$(readlink /proc/$pid/ns/uts)" != "$(readlink /proc/self/ns/uts)" ]
	[ "$(readlink /proc/$pid/ns/ipc)" != "$(readlink /proc/self/ns/ipc)" ]
	[ "$(readlink /proc/$pid/ns/cgroup)" != "$(readlink /proc/self/ns/cgroup)" ]
	[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ]
	# the parent of init is the monitor, in a session of its own
	mon=$(awk '{ print $4 }' "/proc/$pid/stat")
	[[ "$(cat /proc/$mon/comm)" == cove* ]] || { cat /proc/$mon/cmdline | tr '\0' ' ' >&2; false; }
	[ "$(ps -o sid= -p "$mon" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
	# exactly one monitor for this container
	[ "$(pgrep -x cove-monitor | while read -r p; do tr '\0' ' ' </proc/$p/cmdline; echo; done | grep -c -- "$n")" -le 1 ]
}

@test "start -p writes the monitor's pid; init holds only its console, no fd of the host" {
	n=$(ct p)
	ct_create "$n"
	run cove-start -n "$n" -d -p "$TESTDIR/pid"
	assert_success
	pid=$(ct_pid "$n")
	[ "$(cat "$TESTDIR/pid")" = "$(awk '{ print $4 }' "/proc/$pid/stat")" ]
	run sh -c "for f in /proc/$pid/fd/*; do readlink \$f; done"
	assert_success
	refute_output --partial socket
	refute_output --partial pipe
	[ "$(echo "$output" | sort -u)" = "$(readlink "/proc/$pid/fd/0")" ]
}

@test "start without -d is detached too (the default)" {
	n=$(ct a)
	ct_create "$n"
	run cove-start -n "$n"
	assert_success
	[ "$(ct_state "$n")" = RUNNING ]
}

@test "the container survives the death of the shell that started it" {
	n=$(ct a)
	ct_create "$n"
	setsid bash -c "cove-start -n '$n' -d; echo \$? > '$TESTDIR/start.rc'" </dev/null >/dev/null 2>&1 3>&- &
	wait $!
	wait_for_file "$TESTDIR/start.rc"
	[ "$(cat "$TESTDIR/start.rc")" = 0 ]
	# the starting shell is gone; give a dying session a moment to take anything with it
	run cove-wait -n "$n" -s RUNNING -t 60
	assert_success
	sleep 1
	[ "$(ct_state "$n")" = RUNNING ]
	run ct_exec "$n" true
	assert_success
}

@test "start -d of a running container fails with one line and changes nothing" {
	n=$(ct a)
	ct_create "$n"
	ct_start "$n"
	pid=$(ct_pid "$n")
	before=$(disk_state)
	run_fail_one_line cove-start -n "$n" -d
	assert_unchanged "$before"
	[ "$(ct_state "$n")" = RUNNING ]
	[ "$(ct_pid "$n")" = "$pid" ]
}

@test "start of a missing container fails with one line" {
	run_fail_one_line cove-start -n "$(ct nope)" -d
	[ -z "$(ls -A "$LXCPATH")" ]
}

@test "start with invalid names fails with one line" {
	for bad in / .. "" "$(printf 'y%.0s' $(seq 1 300))"; do
		run_fail_one_line cove-start -n "$bad" -d
	done
}

@test "stop -k kills at once; state STOPPED; cgroups and monitor gone" {
	n=$(ct a)
	ct_create "$n"
	ct_write_init "$n"
	ct_start "$n"
	r=$(ct_rootfs "$n")
	wait_for_file "$r/init.started"
	pid=$(ct_pid "$n")
	mon=$(awk '{ print $4 }' "/proc/$pid/stat")
	mapfile -t cgs < <(cgroup_dirs "$pid")
	[ ${#cgs[@]} -gt 0 ]
	for d in "${cgs[@]}"; do
		assert_dir_exists "$d"
	done
	# the container has its own cgroup, named after it
	printf '%s\n' "${cgs[@]}" | grep -q -- "$n"
	run --separate-stderr cove-stop -n "$n" -k
	assert_success
	[ "$(ct_state "$n")" = STOPPED ]
	# SIGKILL: the init had no chance to see a halt signal
	assert_file_not_exists "$r/halt.marker"
	[ ! -d "/proc/$pid" ]
	# the monitor replies, then exits: give it a moment (hang guard only)
	for i in $(seq 1 100); do [ -d "/proc/$mon" ] || break; sleep 0.05; done
	[ ! -d "/proc/$mon" ] || { echo "monitor $mon still alive: $(cat /proc/$mon/status | head -3)" >&2; false; }
	for d in "${cgs[@]}"; do
		case "$d" in *"$n"*) assert_dir_not_exists "$d" ;; esac
	done
	[ -z "$(our_cgroups)" ]
}

@test "stop (clean) sends SIGPWR (the default lxc.signal.halt) to init, which exits; everything torn down" {
	n=$(ct a)
	ct_create "$n"
	# the busybox template sets SIGUSR1 (busybox init's halt): use the default
	sed -i '/^[[:space:]]*lxc\.signal\.halt/d' "$LXCPATH/$n/config"
	ct_write_init "$n"
	ct_start "$n"
	r=$(ct_rootfs "$n")
	wait_for_file "$r/init.started"
	pid=$(ct_pid "$n")
	run --separate-stderr cove-stop -n "$n"
	assert_success
	[ "$(ct_state "$n")" = STOPPED ]
	run cat "$r/halt.marker"
	assert_output PWR
	[ ! -d "/proc/$pid" ]
	[ -z "$(our_cgroups)" ]
}

@test "stop uses lxc.signal.halt" {
	n=$(ct a)
	ct_create "$n"
	ct_write_init "$n"
	ct_conf "$n" "lxc.signal.halt = SIGUSR1"
	ct_start "$n"
	r=$(ct_rootfs "$n")
	wait_for_file "$r/init.started"
	run cove-stop -n "$n" -t 60
	assert_success
	run cat "$r/halt.marker"
	assert_output USR1
	[ "$(ct_state "$n")" = STOPPED ]
}

@test "stop -t kills an init that ignores the halt signal after the timeout" {
	n=$(ct a)
	ct_create "$n"
	sed -i '/^[[:space:]]*lxc\.signal\.halt/d' "$LXCPATH/$n/config"
	IGNORE=1 ct_write_init "$n"
	ct_start "$n"
	r=$(ct_rootfs "$n")
	wait_for_file "$r/init.started"
	run --separate-stderr cove-stop -n "$n" -t 2
	[ "$(ct_state "$n")" = STOPPED ]
	# the init got the halt signal first
	run cat "$r/halt.marker"
	assert_output PWR
	[ -z "$(our_cgroups)" ]
}

@test "stop of a stopped container fails with one line and changes nothing" {
	n=$(ct a)
	ct_create "$n"
	before=$(disk_state)
	run_fail_one_line cove-stop -n "$n"
	assert_unchanged "$before"
	run_fail_one_line cove-stop -n "$n" -k
	assert_unchanged "$before"
	[ "$(ct_state "$n")" = STOPPED ]
}

@test "stop of a missing container fails with one line" {
	run_fail_one_line cove-stop -n "$(ct nope)" -k
}

@test "the control socket is /run/cove/mon/DEV-INO of the container's directory; a copied directory is not running" {
	n=$(ct s)
	ct_create "$n"
	ct_start "$n"
	sock=$(mon_sock "$n")
	[ -S "$sock" ]
	[ ! -e "$LXCPATH/$n/monitor.sock" ]
	# a copy of the directory (another inode) is another, stopped container
	cp -a "$LXCPATH/$n" "$LXCPATH/$n-copy"
	[ "$(ct_state "$n-copy")" = STOPPED ]
	rm -rf "$LXCPATH/$n-copy"
	cove-stop -n "$n" -k
	[ ! -e "$sock" ]
}

@test "without a usable /run/cove/mon the socket is in the container's directory, and found from outside" {
	n=$(ct r)
	ct_create "$n"
	# a private mount namespace where /run/cove/mon is read-only
	mkdir -p /run/cove/mon
	run unshare -m --propagation private sh -c \
		'mount -t tmpfs -o ro tmpfs /run/cove/mon && cove-start -n "$1" -d && cove-info -n "$1" -s' \
		sh "$n"
	assert_success
	assert_output --partial RUNNING
	[ -S "$LXCPATH/$n/monitor.sock" ]
	[ ! -e "$(mon_sock "$n")" ]
	# the tools outside find it there; a second start sees it running
	[ "$(ct_state "$n")" = RUNNING ]
	run ct_exec "$n" true
	assert_success
	run cove-start -n "$n" -d
	assert_failure
	assert_output --partial "already running"
	[ ! -e "$(mon_sock "$n")" ]
	cove-stop -n "$n" -k
	[ ! -e "$LXCPATH/$n/monitor.sock" ]
	[ "$(ct_state "$n")" = STOPPED ]
}

@test "start after stop works again (restart cycle)" {
	n=$(ct a)
	ct_create "$n"
	for i in 1 2 3; do
		run cove-start -n "$n" -d
		assert_success
		[ "$(ct_state "$n")" = RUNNING ]
		run cove-stop -n "$n" -k
		assert_success
		[ "$(ct_state "$n")" = STOPPED ]
	done
	[ -z "$(our_cgroups)" ]
}

@test "start -F runs in the foreground with the console on this terminal" {
	n=$(ct a)
	ct_create "$n"
	r=$(ct_rootfs "$n")
	cat >"$r/fg-init.sh" <<'EOF2'
#!/bin/sh
echo "hello-from-init on $(tty)"
read -r line
echo "init-read:$line"
exit 0
EOF2
	chmod 755 "$r/fg-init.sh"
	ct_conf "$n" "lxc.init.cmd = /fg-init.sh"
	tm_start 100 30 "cove-start -n $n -F"
	tm_wait_screen hello-from-init
	[ "$(ct_state "$n")" = RUNNING ]
	tm send-keys -t t "typed-line" Enter
	tm_wait_screen "init-read:typed-line"
	wait_for_file "$TESTDIR/tmux.exit"
	run cat "$TESTDIR/tmux.exit"
	assert_output EXIT=0
	[ "$(ct_state "$n")" = STOPPED ]
	[ -z "$(our_cgroups)" ]
}

@test "start -F: the console follows the terminal's window size" {
	n=$(ct a)
	ct_create "$n"
	r=$(ct_rootfs "$n")
	cat >"$r/fg-init.sh" <<'EOF2'
#!/bin/sh
echo "size1 $(stty size)"
# each line read prints the size again, until "quit"
while read -r line && [ "$line" != quit ]; do
	echo "size2 $(stty size)"
done
exit 0
EOF2
	chmod 755 "$r/fg-init.sh"
	ct_conf "$n" "lxc.init.cmd = /fg-init.sh"
	tm_start 100 30 "cove-start -n $n -F"
	tm_wait_screen "size1 30 100"
	tm resize-window -t t -x 120 -y 40
	# the new size travels cove-start -> monitor -> console: ask until it shows
	for i in $(seq 50); do
		tm send-keys -t t "go" Enter
		tm_screen | grep -q "size2 40 120" && break
		sleep 0.1
	done
	tm_wait_screen "size2 40 120"
	tm send-keys -t t "quit" Enter
	wait_for_file "$TESTDIR/tmux.exit"
	run cat "$TESTDIR/tmux.exit"
	assert_output EXIT=0
	[ "$(ct_state "$n")" = STOPPED ]
}

@test "start -F returns when the container is stopped from elsewhere" {
	n=$(ct a)
	ct_create "$n"
	ct_write_init "$n"
	tm_start 100 30 "cove-start -n $n -F"
	run cove-wait -n "$n" -s RUNNING -t 120
	assert_success
	run cove-stop -n "$n" -k
	assert_success
	wait_for_file "$TESTDIR/tmux.exit"
	[ "$(ct_state "$n")" = STOPPED ]
}

@test "a failing start (init missing) reports one line and leaves nothing behind" {
	n=$(ct a)
	ct_create "$n"
	ct_conf "$n" "lxc.init.cmd = /no/such/init"
	run_fail_one_line cove-start -n "$n" -d
	[ "$(ct_state "$n")" = STOPPED ]
	[ -z "$(our_cgroups)" ]
	[ -z "$(pids_matching "$n")" ]
}
