#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# limits.* through coved: checked like LXD, written as lxc.cgroup2.* lines
# of the generated config, set at start and live on a running instance.

load daemon-helpers

COVE=$COVE_BUILD_DIR/src/client/cove
CGROUP=$COVE_BUILD_DIR/src/tools/cove-cgroup

setup() {
	daemon_setup
	[ -x "$COVE" ] || skip "the cove client is not built"
}

cg() {
	"$CGROUP" -P "$LXCPATH" -n "$1" "$2"
}

@test "limits: memory, cpu allowance and processes set live on a running instance" {
	local n=$(ct l)
	daemon_init_image
	launch "$n"
	run "$COVE" config set "$n" limits.memory 256MB
	assert_success
	run cg "$n" memory.limit_in_bytes
	assert_output 256000000
	run "$COVE" config set "$n" limits.cpu.allowance 50%
	assert_success
	run cg "$n" cpu.max
	assert_output "50000 100000"
	run "$COVE" config set "$n" limits.processes 100
	assert_success
	run cg "$n" pids.max
	assert_output 100
	run "$COVE" config get "$n" limits.memory
	assert_output 256MB
}

@test "limits: set while stopped, in the generated config and the cgroup after start" {
	local n=$(ct l)
	daemon_init_image
	local r
	r=$(api POST /1.0/instances "{\"name\":\"$n\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"},\"config\":{\"limits.memory\":\"64MiB\",\"limits.memory.swap\":\"false\",\"limits.cpu\":\"1\",\"limits.cpu.allowance\":\"25ms/100ms\",\"limits.processes\":\"50\",\"limits.cpu.priority\":\"5\"}}")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	r=$(api PUT "/1.0/instances/$n/state" '{"action":"start","timeout":30}')
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	run grep '^lxc.cgroup2' "$LXCPATH/$n/config"
	assert_line "lxc.cgroup2.memory.max = 67108864"
	assert_line "lxc.cgroup2.memory.swap.max = 0"
	assert_line "lxc.cgroup2.cpuset.cpus = 0"
	assert_line "lxc.cgroup2.cpu.max = 25000 100000"
	assert_line "lxc.cgroup2.pids.max = 50"
	assert_line "lxc.cgroup2.cpu.weight = 51"
	run cg "$n" memory.limit_in_bytes
	assert_output 67108864
	run cg "$n" cpuset.cpus
	assert_output 0
	run cg "$n" cpu.max
	assert_output "25000 100000"
	run cg "$n" pids.max
	assert_output 50
	[ "$(status_of "$n")" = Running ]
}

@test "limits: a percentage of host memory and a CPU set" {
	local n=$(ct l)
	daemon_init_image
	launch "$n"
	run "$COVE" config set "$n" limits.memory 50%
	assert_success
	local total=$(( $(getconf _PHYS_PAGES) * $(getconf PAGESIZE) / 100 * 50 ))
	run cg "$n" memory.limit_in_bytes
	# the kernel rounds down to whole pages
	[ "$output" -le "$total" ] && [ "$output" -gt $(( total - 4096 )) ]
	run "$COVE" config set "$n" limits.cpu 0-0
	assert_success
	run cg "$n" cpuset.cpus
	assert_output 0
}

@test "limits: bad values are refused with LXD's text and not stored" {
	local n=$(ct l)
	daemon_init_image
	launch "$n"
	local kv k v
	for kv in limits.memory=abc limits.memory=12XB limits.memory=0% limits.memory=101% \
		limits.memory.swap=maybe limits.memory.enforce=medium \
		limits.cpu=0 limits.cpu=x limits.cpu=3-1 limits.cpu=1,,2 \
		limits.cpu.allowance=0% limits.cpu.allowance=150% limits.cpu.allowance=25ms \
		limits.cpu.allowance=25/100 limits.cpu.allowance=0ms/100ms \
		limits.cpu.priority=11 limits.cpu.priority=-1 \
		limits.processes=0 limits.processes=-5 limits.processes=ten; do
		k=${kv%%=*} v=${kv#*=}
		run "$COVE" config set "$n" "$k" "$v"
		[ "$status" = 1 ] || { echo "accepted: $kv"; return 1; }
		assert_output --partial "Invalid value for \"$k\": \"$v\""
		run "$COVE" config get "$n" "$k"
		assert_output ""
	done
	run "$COVE" config set "$n" limits.nosuch 1
	[ "$status" = 1 ]
	assert_output --partial "Unknown configuration key: limits.nosuch"
}
