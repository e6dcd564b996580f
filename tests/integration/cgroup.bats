#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cgroup limits on the host's layout (v1 hybrid on the test machines; the
# same tests pass on a v2 host, see cgroup2.bats for the v2-only ones):
# lxc.cgroup.* writes v1 files, lxc.cgroup2.* keys are translated on v1
# (memory.max -> memory.limit_in_bytes, cpu.max -> cfs quota/period ...),
# an OOM inside kills only inside, a busy loop gets about half a CPU under
# cpu.max = 50000 100000, cove-cgroup reads and writes live values,
# cove-freeze/cove-unfreeze, cove-info's usage figures, and bad keys or
# values fail the start with one line and leave nothing behind.

load helpers

setup() {
	common_setup
	N=$(ct a)
	ct_create "$N"
}

v1_host() {
	grep -q ' - cgroup cgroup ' /proc/self/mountinfo
}

# cgfile NAME FILE: the host path of FILE in NAME's group (v1: the hierarchy with FILE's controller)
cgfile() {
	local pid d
	pid=$(ct_pid "$1")
	for d in $(cgroup_dirs "$pid"); do
		[ -e "$d/$2" ] && { echo "$d/$2"; return 0; }
	done
	return 1
}

# cpu_ns NAME: CPU time of NAME's group in ns
cpu_ns() {
	local f
	if f=$(cgfile "$1" cpuacct.usage); then
		cat "$f"
	else
		f=$(cgfile "$1" cpu.stat)
		echo $(($(awk '/^usage_usec/ { print $2 }' "$f") * 1000))
	fi
}

bad_start() { # LINE: the start fails with one line naming the key, nothing left behind
	local key=${1%% =*}
	ct_conf "$N" "$1"
	before=$(disk_state)
	run_fail_one_line cove-start -n "$N" -d
	echo "stderr: $stderr"
	[[ "$stderr" == *"$key"* ]]
	assert_unchanged "$before"
	[ "$(ct_state "$N")" = STOPPED ]
	[ -z "$(our_cgroups)" ]
	[ -z "$(pids_matching "$N")" ]
	[ -z "$(our_mounts)" ]
}

@test "tutorial: lxc.cgroup2.memory.max = 512M and cpu.max = 50000 100000 take effect" {
	ct_conf "$N" "lxc.cgroup2.memory.max = 512M" "lxc.cgroup2.cpu.max = 50000 100000"
	ct_start "$N"
	if v1_host; then
		[ "$(cat "$(cgfile "$N" memory.limit_in_bytes)")" = 536870912 ]
		[ "$(cat "$(cgfile "$N" cpu.cfs_quota_us)")" = 50000 ]
		[ "$(cat "$(cgfile "$N" cpu.cfs_period_us)")" = 100000 ]
	else
		[ "$(cat "$(cgfile "$N" memory.max)")" = 536870912 ]
		[ "$(cat "$(cgfile "$N" cpu.max)")" = "50000 100000" ]
	fi
	run cove-cgroup -n "$N" memory.max
	assert_output 536870912
	run cove-cgroup -n "$N" cpu.max
	assert_output "50000 100000"
}

@test "past memory.max a process is OOM-killed inside; init, the monitor and another container live" {
	M=$(ct b)
	ct_create "$M"
	ct_start "$M"
	ct_conf "$N" "lxc.cgroup2.memory.max = 32M" "lxc.cgroup2.memory.swap.max = 0"
	ct_start "$N"
	pid=$(ct_pid "$N")
	mon=$(pids_matching "cove-monitor" | while read -r p; do grep -qa -- "$N" /proc/$p/cmdline && echo "$p"; done | head -1)
	# 100 MB through a pipe buffer held by tail: far past 32M
	run ct_exec "$N" sh -c 'head -c 100000000 /dev/zero | tail > /dev/null'
	[ "$status" -eq 137 ] || [ "$status" -eq 1 ]
	f=$(cgfile "$N" memory.oom_control 2>/dev/null || cgfile "$N" memory.events)
	grep -Eq 'oom_kill [1-9]' "$f"
	[ "$(ct_state "$N")" = RUNNING ]
	[ "$(ct_pid "$N")" = "$pid" ]
	[ -n "$mon" ] && kill -0 "$mon"
	[ "$(ct_state "$M")" = RUNNING ]
	run ct_exec "$M" true
	assert_success
	run cove-info -n "$N" -S
	assert_output --partial "Memory peak:"
}

@test "a busy loop under cpu.max = 50000 100000 gets about half a CPU" {
	ct_conf "$N" "lxc.cgroup2.cpu.max = 50000 100000"
	ct_start "$N"
	ct_exec "$N" sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &
	loop=$!
	sleep 0.3
	a=$(cpu_ns "$N")
	t0=$(date +%s%N)
	sleep 2
	b=$(cpu_ns "$N")
	t1=$(date +%s%N)
	kill "$loop" 2>/dev/null || true
	ratio=$(((b - a) * 100 / (t1 - t0)))
	thr=$(awk '/^nr_throttled/ { print $2 }' "$(cgfile "$N" cpu.stat)")
	echo "busy loop got $ratio% of a CPU, throttled $thr times"
	# never more than the quota (with a little slack for the sampling)
	[ "$ratio" -le 58 ]
	# and the quota held it back; a machine so busy that the loop never
	# reached the quota cannot show that: say so rather than pass
	if [ "$thr" -eq 0 ]; then
		[ "$ratio" -lt 40 ] || false
		skip "the machine is too busy: the loop got $ratio% of a CPU and never reached the quota"
	fi
}

@test "lxc.cgroup.* writes v1 files; pids.max stops forks" {
	v1_host || skip "not a cgroup v1 host"
	ct_conf "$N" "lxc.cgroup.memory.limit_in_bytes = 64M" "lxc.cgroup.pids.max = 8" \
		"lxc.cgroup.cpu.shares = 512" "lxc.cgroup2.cpu.weight = 50"
	ct_start "$N"
	[ "$(cat "$(cgfile "$N" memory.limit_in_bytes)")" = 67108864 ]
	[ "$(cat "$(cgfile "$N" pids.max)")" = 8 ]
	# cpu.weight 50 -> cpu.shares 512 (written after lxc.cgroup.cpu.shares)
	[ "$(cat "$(cgfile "$N" cpu.shares)")" = 512 ]
	run ct_exec "$N" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & done; wait'
	assert_failure
	grep -Eq 'max [1-9]' "$(cgfile "$N" pids.events)"
}

@test "the default device list: /dev/null works, other devices are refused" {
	v1_host || skip "device cgroup v1 only (cgroup2 would need an eBPF program)"
	ct_start "$N"
	run ct_exec "$N" sh -c 'echo x > /dev/null && echo ok'
	assert_output ok
	run ct_exec "$N" sh -c 'mknod /tmp/loop0 b 7 0 && dd if=/tmp/loop0 of=/dev/null bs=512 count=1'
	assert_failure
	grep -qx 'c 1:3 rwm' "$(cgfile "$N" devices.list)"
	! grep -qx 'a \*:\* rwm' "$(cgfile "$N" devices.list)"
}

@test "cove-cgroup reads and writes a live value, v1 and v2 names" {
	ct_start "$N"
	run cove-cgroup -n "$N" pids.max 42
	assert_success
	run cove-cgroup -n "$N" pids.max
	assert_output 42
	run cove-cgroup -n "$N" memory.max 48M
	assert_success
	run cove-cgroup -n "$N" memory.max
	assert_output 50331648
	run cove-cgroup -n "$N" no.such.key
	assert_failure
	run --separate-stderr cove-cgroup -n "$N" cpu.shares $'5\n6'
	assert_failure
	[[ "$stderr" == *newline* ]]
	run cove-cgroup -n "$(ct nope)" pids.max
	assert_failure
}

@test "cove-freeze / cove-unfreeze: FROZEN, then RUNNING, processes stop and go on" {
	ct_start "$N"
	cove-freeze -n "$N"
	[ "$(ct_state "$N")" = FROZEN ]
	pid=$(ct_pid "$N")
	grep -q 'State:.*D\|State:.*S' "/proc/$pid/status"
	f=$(cgfile "$N" freezer.state 2>/dev/null) && [ "$(cat "$f")" = FROZEN ]
	run cove-freeze -n "$N"
	assert_success
	cove-unfreeze -n "$N"
	[ "$(ct_state "$N")" = RUNNING ]
	run ct_exec "$N" echo alive
	assert_output alive
	# a frozen container can still be killed
	cove-freeze -n "$N"
	cove-stop -k -n "$N"
	[ "$(ct_state "$N")" = STOPPED ]
	run cove-freeze -n "$N"
	assert_failure
}

# kill_monitor_frozen NAME: freeze NAME, SIGKILL its monitor; prints init's pid
kill_monitor_frozen() {
	local pid mon i
	cove-freeze -n "$1"
	pid=$(ct_pid "$1")
	mon=$(awk '{ print $4 }' "/proc/$pid/stat")
	[ "$(cat "/proc/$mon/comm")" = cove-monitor ]
	kill -9 "$mon"
	for i in $(seq 100); do
		[ -d "/proc/$mon" ] && [ "$(awk '{ print $3 }' "/proc/$mon/stat" 2>/dev/null)" != Z ] || break
		sleep 0.05
	done
	echo "$pid"
}

# gone PID: wait (a hang guard only) until PID has exited
gone() {
	local i
	for i in $(seq 100); do
		[ -d "/proc/$1" ] || return 0
		sleep 0.05
	done
	return 1
}

@test "a frozen container whose monitor died: ls, stop, destroy or start of the name kill it and remove its cgroups" {
	ct_start "$N"
	pid=$(kill_monitor_frozen "$N")
	# frozen, init does not get the monitor's death signal: still there
	sleep 0.2
	[ -d "/proc/$pid" ]
	[ -n "$(our_cgroups)" ]
	run cove-ls -f
	assert_success
	gone "$pid"
	[ -z "$(our_cgroups)" ]
	[ "$(ct_state "$N")" = STOPPED ]
	# cove-stop, cove-destroy and cove-start do the same
	ct_start "$N"
	pid=$(kill_monitor_frozen "$N")
	run cove-stop -n "$N" -k
	gone "$pid"
	[ -z "$(our_cgroups)" ]
	ct_start "$N"
	pid=$(kill_monitor_frozen "$N")
	ct_start "$N"
	gone "$pid"
	# the name is free again: no -1
	grep -q "freezer:.*/cove.payload.$N\$" "/proc/$(ct_pid "$N")/cgroup"
	pid=$(kill_monitor_frozen "$N")
	sock=$(mon_sock "$N")
	[ -S "$sock" ] # the dead monitor's, nobody listening
	cove-destroy -n "$N"
	gone "$pid"
	[ -z "$(our_cgroups)" ]
	# and its control socket, outside the container's directory, is gone with it
	[ ! -e "$sock" ]
}

# a frozen container with its monitor alive is left alone by ls
@test "a frozen container with a live monitor is not reaped" {
	ct_start "$N"
	cove-freeze -n "$N"
	run cove-ls -f
	assert_success
	[ "$(ct_state "$N")" = FROZEN ]
	cove-stop -n "$N" -k
	[ -z "$(our_cgroups)" ]
}

@test "cove-info shows CPU, memory use and peak, swap, pids, block I/O" {
	ct_conf "$N" "lxc.cgroup2.pids.max = 50"
	ct_start "$N"
	run cove-info -n "$N" -S
	assert_success
	for l in "CPU use:" "Memory use:" "Memory peak:" "Swap use:" "PIDs:" "BlkIO use:"; do
		assert_output --partial "$l"
	done
	assert_output --partial "(max 50)"
}

@test "bad: a key for a controller file the host lacks (lxc.cgroup.blkio.weight)" {
	v1_host || skip "not a cgroup v1 host"
	bad_start "lxc.cgroup.blkio.weight = 500"
	[[ "$stderr" == *500* ]]
}

@test "bad: a v2 key without a v1 equivalent, a controller the host lacks" {
	v1_host || skip "not a cgroup v1 host"
	bad_start "lxc.cgroup2.memory.low = 10M"
	cp "$LXCPATH/$N/config" "$TESTDIR/c"
	sed -i '$d' "$LXCPATH/$N/config"
	bad_start "lxc.cgroup.nosuchctl.max = 1"
}

@test "bad: values the kernel refuses, malformed cpu.max, a newline through -s" {
	bad_start "lxc.cgroup2.cpu.max = half"
	sed -i '$d' "$LXCPATH/$N/config"
	bad_start "lxc.cgroup2.memory.max = lots"
	sed -i '$d' "$LXCPATH/$N/config"
	before=$(disk_state)
	run_fail_one_line cove-start -n "$N" -d -s $'lxc.cgroup2.pids.max=5\n6'
	[[ "$stderr" == *pids.max* ]]
	assert_unchanged "$before"
	[ -z "$(our_cgroups)" ]
}
