#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove-checkconfig: what this kernel supports, enabled/missing per feature.

load helpers

@test "checkconfig lists namespaces, cgroups and features as enabled/missing" {
	run --separate-stderr cove-checkconfig
	assert_success
	echo "$output"
	for ns in pid network uts ipc user mount; do
		echo "$output" | grep -i "$ns" | grep -Eqi 'enabled|missing' ||
			{ echo "no line for $ns" >&2; false; }
	done
	echo "$output" | grep -qi cgroup
	# this kernel has all namespaces
	echo "$output" | grep -i 'pid' | grep -qi enabled
	[ "$(echo "$output" | grep -Eci 'enabled|missing')" -ge 8 ]
}

@test "checkconfig reports the cgroup layout of this host" {
	run cove-checkconfig
	assert_success
	if grep -q ' /sys/fs/cgroup/memory cgroup ' /proc/self/mounts; then
		echo "$output" | grep -i 'memory' | grep -Eqi 'enabled|missing'
	fi
	echo "$output" | grep -Eqi 'cgroup.*(v1|v2|hybrid|legacy|unified)|(v1|v2|hybrid|legacy|unified).*cgroup'
}

@test "checkconfig says missing for what this kernel lacks (AppArmor here)" {
	if grep -qw apparmor /sys/kernel/security/lsm 2>/dev/null; then
		skip "this kernel has AppArmor"
	fi
	run cove-checkconfig
	assert_success
	if ! echo "$output" | grep -qi apparmor; then
		skip "checkconfig does not report AppArmor"
	fi
	echo "$output" | grep -i apparmor | grep -Eqi 'missing|disabled|not'
}

@test "checkconfig agrees with /proc/config.gz (Vlan, Macvlan, Veth)" {
	[ -r /proc/config.gz ] || skip "no /proc/config.gz on this kernel"
	run cove-checkconfig
	assert_success
	for pair in Vlan:CONFIG_VLAN_8021Q Macvlan:CONFIG_MACVLAN "Veth pair device:CONFIG_VETH"; do
		label=${pair%%:*} opt=${pair#*:}
		line=$(echo "$output" | grep -i "^$label:") || { echo "no '$label' line" >&2; false; }
		if zcat /proc/config.gz | grep -Eq "^$opt=(y|m)"; then
			echo "$line" | grep -q enabled
		else
			echo "$line" | grep -q missing
		fi
	done
}
