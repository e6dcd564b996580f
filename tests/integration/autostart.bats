#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove-autostart: containers with lxc.start.auto = 1 start in lxc.start.order
# order with lxc.start.delay between them, stop (-s), kill (-k) and reboot (-r)
# in the reverse order; groups (-g, NULL), -a, -A and -L.

load helpers

# auto NAME ORDER DELAY [GROUP]: a busybox container with autostart keys whose
# pre-start hook records "NAME TIME" in TESTDIR/order
auto() {
	local n=$1
	ct_create "$n" >/dev/null
	ct_conf "$n" "lxc.start.auto = 1" "lxc.start.order = $2" "lxc.start.delay = $3" \
		"lxc.hook.pre-start = /bin/sh -c 'echo $n \$(date +%s.%N) >> $TESTDIR/order'"
	[ -n "${4:-}" ] && ct_conf "$n" "lxc.group = $4"
	return 0
}

@test "autostart: starts lxc.start.auto containers in lxc.start.order order, honouring delay" {
	a=$(ct a) b=$(ct b) c=$(ct c) m=$(ct manual)
	auto "$a" 20 0
	auto "$b" 10 1
	auto "$c" 30 0
	ct_create "$m" >/dev/null
	run cove-autostart
	assert_success
	run awk '{ print $1 }' "$TESTDIR/order"
	assert_output "$(printf '%s\n' "$b" "$a" "$c")"
	for x in "$a" "$b" "$c"; do [ "$(ct_state "$x")" = RUNNING ]; done
	[ "$(ct_state "$m")" = STOPPED ]
	# b's delay of 1 s passed before a started
	run awk 'NR == 1 { t = $2 } NR == 2 { print ($2 - t >= 1) ? "waited" : "no wait" }' "$TESTDIR/order"
	assert_output waited
	# started again: nothing to do for running containers
	run cove-autostart
	assert_success
	[ "$(wc -l <"$TESTDIR/order")" -eq 3 ]
}

@test "autostart: -L lists in order with delays; -s and -k list and stop in reverse order" {
	a=$(ct a) b=$(ct b)
	auto "$a" 1 2
	auto "$b" 2 0
	run cove-autostart -L
	assert_success
	assert_output "$(printf '%s 2\n%s 0' "$a" "$b")"
	[ "$(ct_state "$a")" = STOPPED ]
	cove-autostart
	run cove-autostart -s -L
	assert_output "$(printf '%s\n%s' "$b" "$a")"
	run cove-autostart -k
	assert_success
	[ "$(ct_state "$a")" = STOPPED ] && [ "$(ct_state "$b")" = STOPPED ]
}

@test "autostart: groups: default only ungrouped, -g GROUP, -g NULL, -a all, -A without start.auto" {
	a=$(ct a) w=$(ct web) d=$(ct db) m=$(ct manual)
	auto "$a" 0 0
	auto "$w" 0 0 web
	auto "$d" 0 0 "db web"
	ct_create "$m" >/dev/null
	run cove-autostart -L
	assert_output "$a 0"
	run cove-autostart -L -g web
	assert_output "$(printf '%s 0\n%s 0' "$d" "$w" | sort)"
	run cove-autostart -L -g db,NULL
	assert_output "$(printf '%s 0\n%s 0' "$a" "$d" | sort)"
	run cove-autostart -L -a
	[ "${#lines[@]}" -eq 3 ]
	run cove-autostart -L -a -A
	[ "${#lines[@]}" -eq 4 ]
	run cove-autostart -g db
	assert_success
	[ "$(ct_state "$d")" = RUNNING ]
	[ "$(ct_state "$w")" = STOPPED ] && [ "$(ct_state "$a")" = STOPPED ]
}

@test "autostart: -r reboots, and one failing container does not stop the others" {
	a=$(ct a) b=$(ct b) bad=$(ct bad)
	auto "$a" 1 0
	auto "$bad" 2 0
	auto "$b" 3 0
	ct_conf "$bad" "lxc.hook.pre-start = /bin/false"
	run --separate-stderr cove-autostart
	assert_failure
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
	[[ "$stderr" == *"$bad"* ]]
	[ "$(ct_state "$a")" = RUNNING ] && [ "$(ct_state "$b")" = RUNNING ]
	[ "$(ct_state "$bad")" = STOPPED ]
	pid=$(ct_pid "$a")
	run cove-autostart -r
	assert_success
	for i in $(seq 1 100); do
		p=$(ct_pid "$a")
		[ -n "$p" ] && [ "$p" != "$pid" ] && break
		sleep 0.1
	done
	[ "$p" != "$pid" ]
}

@test "autostart: bad options fail with the reason and the usage, starting nothing" {
	auto "$(ct a)" 0 0
	for args in "-t abc" "-x" "extra" "-n $(ct a)"; do
		# shellcheck disable=SC2086
		run --separate-stderr cove-autostart $args
		assert_failure
		[[ "${stderr_lines[-1]}" == Usage:* ]]
	done
	[ "$(ct_state "$(ct a)")" = STOPPED ]
}
