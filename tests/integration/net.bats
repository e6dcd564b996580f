#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# lxc.net.N: veth on a bridge, static addresses and gateways, hwaddr, mtu,
# names, macvlan, vlan, phys, IPv6, several interfaces, scripts, and the
# host side removed after a stop, a kill and a failed start. Every test
# runs in its own test host (see net-helpers.bash).

load net-helpers

# veth_conf NAME ADDR [extra lines...]: one veth on $BR with a static address
veth_conf() {
	local n=$1 a=$2
	shift 2
	ct_conf "$n" "lxc.net.0.type = veth" "lxc.net.0.link = $BR" "lxc.net.0.flags = up" \
		"lxc.net.0.ipv4.address = $a" "$@"
}

@test "two containers on one bridge ping each other" {
	host_bridge "$BR" "10.199.$S.1/24"
	ct_create "$(ct a)"
	ct_create "$(ct b)"
	veth_conf "$(ct a)" "10.199.$S.10/24"
	veth_conf "$(ct b)" "10.199.$S.11/24"
	net_start "$(ct a)"
	net_start "$(ct b)"
	run ct_exec "$(ct a)" ping -c 1 -W 2 "10.199.$S.11"
	assert_success
	run ct_exec "$(ct b)" ping -c 1 -W 2 "10.199.$S.10"
	assert_success
	# both host sides are ports of the bridge
	run ip -n "$HNS" -o link show master "$BR"
	assert_equal "$(echo "$output" | grep -c veth)" 2
}

@test "static address with broadcast, gateway, name, mtu and hwaddr" {
	local n
	n=$(ct a)
	host_bridge "$BR" "10.199.$S.1/24"
	ct_create "$n"
	ct_conf "$n" "lxc.net.0.type = veth" "lxc.net.0.link = $BR" "lxc.net.0.flags = up" \
		"lxc.net.0.name = cvnic0" "lxc.net.0.mtu = 1400" \
		"lxc.net.0.hwaddr = 02:16:3e:12:34:56" \
		"lxc.net.0.ipv4.address = 10.199.$S.20/24 10.199.$S.255" \
		"lxc.net.0.ipv4.gateway = 10.199.$S.1"
	net_start "$n"
	run ct_exec "$n" ip addr show dev cvnic0
	assert_success
	assert_output --partial "mtu 1400"
	assert_output --partial "link/ether 02:16:3e:12:34:56"
	assert_output --partial "inet 10.199.$S.20/24 brd 10.199.$S.255"
	run ct_exec "$n" ip route
	assert_output --partial "default via 10.199.$S.1 dev cvnic0"
	run ct_exec "$n" ping -c 1 -W 2 "10.199.$S.1"
	assert_success
	# the host side has the same MTU
	run ip -n "$HNS" -o link show master "$BR"
	assert_output --partial "mtu 1400"
}

@test "ipv4.gateway auto is the bridge's address; the broadcast defaults to the subnet's" {
	local n
	n=$(ct a)
	host_bridge "$BR" "10.199.$S.1/24"
	ct_create "$n"
	veth_conf "$n" "10.199.$S.21/24" "lxc.net.0.ipv4.gateway = auto"
	net_start "$n"
	run ct_exec "$n" ip route
	assert_output --partial "default via 10.199.$S.1 dev eth0"
	run ct_exec "$n" ip -4 addr show dev eth0
	assert_output --partial "brd 10.199.$S.255"
}

@test "hwaddr with xx is filled in at the first start and kept in the config" {
	local n mac1 mac2
	n=$(ct a)
	host_bridge "$BR" "10.199.$S.1/24"
	ct_create "$n"
	veth_conf "$n" "10.199.$S.22/24" "lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx"
	net_start "$n"
	mac1=$(sed -n 's/^lxc.net.0.hwaddr = //p' "$LXCPATH/$n/config")
	[[ "$mac1" =~ ^00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$ ]]
	run ct_exec "$n" cat /sys/class/net/eth0/address
	assert_output "$mac1"
	cove-stop -n "$n" -k
	net_start "$n"
	mac2=$(ct_exec "$n" cat /sys/class/net/eth0/address)
	assert_equal "$mac2" "$mac1"
}

@test "the host side goes away after a stop, a kill and a failed start" {
	local n
	n=$(ct a)
	host_bridge "$BR" "10.199.$S.1/24"
	ct_create "$n"
	veth_conf "$n" "10.199.$S.23/24" "lxc.net.0.veth.pair = cvp$R"
	net_start "$n"
	run host_links
	assert_line "cvp$R"
	cove-stop -n "$n" -t 1
	run host_links
	refute_line "cvp$R"
	net_start "$n"
	cove-stop -n "$n" -k
	run host_links
	refute_line "cvp$R"
	# the second interface fails: the first one must not stay behind
	ct_conf "$n" "lxc.net.1.type = veth" "lxc.net.1.link = nosuch$R"
	run inhost cove-start -n "$n" -d
	assert_failure
	assert_output --partial "lxc.net.1.link"
	run host_links
	refute_output --partial veth
	refute_line "cvp$R"
	[ "$(ct_state "$n")" = STOPPED ]
}

@test "veth.pair, veth.ipv4.route and router mode make host routes" {
	local n
	n=$(ct a)
	ct_create "$n"
	ct_conf "$n" "lxc.net.0.type = veth" "lxc.net.0.veth.mode = router" "lxc.net.0.flags = up" \
		"lxc.net.0.veth.pair = cvr$R" "lxc.net.0.ipv4.address = 10.199.$S.30/32" \
		"lxc.net.0.veth.ipv4.route = 10.199.$((S + 1)).0/24"
	net_start "$n"
	run ip -n "$HNS" route
	assert_line --partial "10.199.$S.30 dev cvr$R"
	assert_line --partial "10.199.$((S + 1)).0/24 dev cvr$R"
	cove-stop -n "$n" -k
	run ip -n "$HNS" route
	refute_output --partial "cvr$R"
}

@test "macvlan on a veth parent reaches the other end" {
	local n
	n=$(ct a)
	ip netns add "$ONS"
	ip -n "$HNS" link add "cvm$R" type veth peer name cvm1 netns "$ONS"
	ip -n "$HNS" link set "cvm$R" up
	ip -n "$ONS" addr add "10.199.$S.2/24" dev cvm1
	ip -n "$ONS" link set cvm1 up
	ct_create "$n"
	ct_conf "$n" "lxc.net.0.type = macvlan" "lxc.net.0.macvlan.mode = bridge" \
		"lxc.net.0.link = cvm$R" "lxc.net.0.flags = up" \
		"lxc.net.0.ipv4.address = 10.199.$S.40/24"
	net_start "$n"
	run in_ct_net "$n" ip -d link show dev eth0
	assert_output --partial "macvlan mode bridge"
	run ct_exec "$n" ping -c 1 -W 2 "10.199.$S.2"
	assert_success
	cove-stop -n "$n" -k
	for mode in private vepa passthru; do
		sed -i '/macvlan.mode/d' "$LXCPATH/$n/config"
		ct_conf "$n" "lxc.net.0.macvlan.mode = $mode"
		net_start "$n"
		run in_ct_net "$n" ip -d link show dev eth0
		assert_output --partial "macvlan mode $mode"
		cove-stop -n "$n" -k
	done
}

@test "vlan on a parent link" {
	local n
	n=$(ct a)
	ip -n "$HNS" link add "cvl$R" type veth peer name cvl1
	if ! ip -n "$HNS" link add link "cvl$R" name cvlt type vlan id 5 2>/dev/null; then
		skip "this kernel has no 8021q (ip link add ... type vlan fails)"
	fi
	ip -n "$HNS" link del cvlt
	ct_create "$n"
	ct_conf "$n" "lxc.net.0.type = vlan" "lxc.net.0.vlan.id = 5" "lxc.net.0.link = cvl$R" \
		"lxc.net.0.flags = up" "lxc.net.0.ipv4.address = 10.199.$S.50/24"
	net_start "$n"
	run in_ct_net "$n" ip -d link show dev eth0
	assert_output --partial "vlan"
	assert_output --partial "id 5"
}

@test "phys moves an interface in under its name and gives it back at stop" {
	local n
	n=$(ct a)
	ip -n "$HNS" link add "cvy$R" type veth peer name "cvz$R"
	ct_create "$n"
	ct_conf "$n" "lxc.net.0.type = phys" "lxc.net.0.link = cvy$R" "lxc.net.0.name = cvphys" \
		"lxc.net.0.flags = up" "lxc.net.0.ipv4.address = 10.199.$S.60/24"
	net_start "$n"
	run host_links
	refute_line "cvy$R"
	run ct_exec "$n" ip addr show dev cvphys
	assert_success
	assert_output --partial "10.199.$S.60/24"
	cove-stop -n "$n" -k
	run host_links
	assert_line "cvy$R"
}

@test "IPv6: link-local and static addresses, gateway" {
	host_bridge "$BR" "10.199.$S.1/24"
	ip -n "$HNS" addr add fd00:199:$S::1/64 dev "$BR" nodad
	ct_create "$(ct a)"
	ct_create "$(ct b)"
	veth_conf "$(ct a)" "10.199.$S.70/24" "lxc.net.0.ipv6.address = fd00:199:$S::a/64" \
		"lxc.net.0.ipv6.gateway = fd00:199:$S::1"
	veth_conf "$(ct b)" "10.199.$S.71/24" "lxc.net.0.ipv6.address = fd00:199:$S::b/64"
	net_start "$(ct a)"
	net_start "$(ct b)"
	run ct_exec "$(ct a)" ip -6 route
	assert_output --partial "default via fd00:199:$S::1 dev eth0"
	run ct_exec "$(ct a)" ping -6 -c 1 -W 2 "fd00:199:$S::b"
	assert_success
	# the link-local address appears once duplicate address detection is done
	wait_for 5 sh -c "cove-attach -n $(ct b) -- ip -6 addr show dev eth0 scope link | grep -v tentative | grep -q fe80"
	local ll
	ll=$(ct_exec "$(ct b)" ip -6 addr show dev eth0 scope link | awk '/fe80/ { sub(/\/.*/, "", $2); print $2 }')
	wait_for 5 sh -c "cove-attach -n $(ct a) -- ip -6 addr show dev eth0 scope link | grep -v tentative | grep -q fe80"
	run ct_exec "$(ct a)" ping -6 -c 1 -W 2 "$ll%eth0"
	assert_success
	run cove-ls -f -F NAME,IPV6
	assert_output --partial "fd00:199:$S::a"
}

@test "several interfaces; cove-info shows every address and per-interface counters" {
	local n
	n=$(ct a)
	host_bridge "$BR" "10.199.$S.1/24"
	host_bridge "${BR}x" "10.199.$((S + 1)).1/24"
	ct_create "$n"
	veth_conf "$n" "10.199.$S.80/24"
	ct_conf "$n" "lxc.net.1.type = veth" "lxc.net.1.link = ${BR}x" "lxc.net.1.flags = up" \
		"lxc.net.1.ipv4.address = 10.199.$((S + 1)).80/24" \
		"lxc.net.2.type = empty"
	net_start "$n"
	run ct_exec "$n" ping -c 1 -W 2 "10.199.$((S + 1)).1"
	assert_success
	run cove-info -n "$n"
	assert_line --regexp "^IP: +10.199.$S.80$"
	assert_line --regexp "^IP: +10.199.$((S + 1)).80$"
	assert_line --regexp "^Link: +eth0$"
	assert_line --regexp "^Link: +eth1$"
	assert_output --partial "TX bytes:"
	assert_output --partial "RX bytes:"
	run cove-ls -f
	assert_output --partial "10.199.$S.80, 10.199.$((S + 1)).80"
}

@test "script.up and script.down run with LXC's arguments and environment" {
	local n
	n=$(ct a)
	host_bridge "$BR" "10.199.$S.1/24"
	cat >"$TESTDIR/net.sh" <<EOF
#!/bin/sh
echo "args: \$*" > "$TESTDIR/script.\$LXC_HOOK_TYPE"
env | grep '^LXC_' | sort >> "$TESTDIR/script.\$LXC_HOOK_TYPE"
EOF
	chmod 755 "$TESTDIR/net.sh"
	ct_create "$n"
	veth_conf "$n" "10.199.$S.90/24" "lxc.net.0.veth.pair = cvs$R" \
		"lxc.net.0.script.up = $TESTDIR/net.sh" "lxc.net.0.script.down = $TESTDIR/net.sh"
	net_start "$n"
	run cat "$TESTDIR/script.up"
	assert_line "args: $n net up veth $BR cvs$R"
	assert_line "LXC_HOOK_SECTION=net"
	assert_line "LXC_NET_TYPE=veth"
	assert_line "LXC_NET_PARENT=$BR"
	assert_line "LXC_NET_PEER=cvs$R"
	assert_line "LXC_NAME=$n"
	cove-stop -n "$n" -k
	run cat "$TESTDIR/script.down"
	assert_line "args: $n net down veth $BR cvs$R"
}

@test "a failing script.up fails the start and leaves nothing" {
	local n
	n=$(ct a)
	host_bridge "$BR" "10.199.$S.1/24"
	ct_create "$n"
	veth_conf "$n" "10.199.$S.91/24" "lxc.net.0.script.up = false"
	run inhost cove-start -n "$n" -d
	assert_failure
	assert_output --partial "lxc.net.0.script.up"
	run host_links
	refute_output --partial veth
}

@test "bad input: one clear error naming the key, nothing left behind" {
	local n before
	n=$(ct a)
	host_bridge "$BR" "10.199.$S.1/24"
	ct_create "$n"
	cp "$LXCPATH/$n/config" "$TESTDIR/config.orig"
	while IFS='|' read -r key lines; do
		cp "$TESTDIR/config.orig" "$LXCPATH/$n/config"
		# shellcheck disable=SC2086
		eval "ct_conf \"$n\" $lines"
		run_fail_one_line inhost cove-start -n "$n" -d
		if ! grep -qF -- "$key" <<<"$stderr"; then
			echo "error does not name '$key': $stderr" >&2
			return 1
		fi
		run host_links
		refute_output --partial veth
		assert_equal "$(ct_state "$n")" STOPPED
	done <<EOF
lxc.net.0.type|"lxc.net.0.type = bogus"
lxc.net.0.link|"lxc.net.0.type = veth" "lxc.net.0.link = nosuch$R"
lxc.net.0.link|"lxc.net.0.type = macvlan" "lxc.net.0.link = nosuch$R"
lxc.net.0.link|"lxc.net.0.type = phys" "lxc.net.0.link = nosuch$R"
lxc.net.0.ipv4.address|"lxc.net.0.type = veth" "lxc.net.0.link = $BR" "lxc.net.0.ipv4.address = 10.199.300.1/24"
lxc.net.0.ipv4.address|"lxc.net.0.type = veth" "lxc.net.0.link = $BR" "lxc.net.0.ipv4.address = 10.199.$S.5/33"
lxc.net.0.ipv6.address|"lxc.net.0.type = veth" "lxc.net.0.link = $BR" "lxc.net.0.ipv6.address = fd00::zz/64"
lxc.net.0.hwaddr|"lxc.net.0.type = veth" "lxc.net.0.link = $BR" "lxc.net.0.hwaddr = 00:16:3e:00:00"
lxc.net.0.mtu|"lxc.net.0.type = veth" "lxc.net.0.link = $BR" "lxc.net.0.mtu = 12"
lxc.net.1|"lxc.net.0.type = veth" "lxc.net.0.link = $BR" "lxc.net.0.name = eth5" "lxc.net.1.type = veth" "lxc.net.1.link = $BR" "lxc.net.1.name = eth5"
lxc.net.0.veth.pair|"lxc.net.0.type = veth" "lxc.net.0.link = $BR" "lxc.net.0.veth.pair = $BR"
lxc.net.0.ipv4.gateway|"lxc.net.0.type = veth" "lxc.net.0.link = $BR" "lxc.net.0.ipv4.address = 10.199.$S.5/24" "lxc.net.0.ipv4.gateway = 10.199.$S.1"
EOF
}

@test "an unprivileged container (lxc.idmap) gets its veth configured" {
	local n
	n=$(ct a)
	host_bridge "$BR" "10.199.$S.1/24"
	ct_create "$n"
	chmod 755 "$TESTDIR"
	veth_conf "$n" "10.199.$S.95/24" "lxc.idmap = u 0 100000 65536" "lxc.idmap = g 0 100000 65536"
	run inhost cove-start -n "$n" -d
	if [[ "$output" == *"not supported yet"* ]]; then
		skip "this build cannot run unprivileged containers yet"
	fi
	assert_success
	run ct_exec "$n" cat /proc/self/uid_map
	assert_output --regexp "0 +100000 +65536"
	run ct_exec "$n" ping -c 1 -W 2 "10.199.$S.1"
	assert_success
	cove-stop -n "$n" -k
	run host_links
	refute_output --partial veth
}

@test "a reboot makes the interfaces anew" {
	local n
	n=$(ct a)
	host_bridge "$BR" "10.199.$S.1/24"
	ct_create "$n"
	veth_conf "$n" "10.199.$S.96/24" "lxc.net.0.veth.pair = cvb$R-r"
	net_start "$n"
	local pid1
	pid1=$(ct_pid "$n")
	cove-stop -n "$n" -r
	wait_for 10 sh -c "[ \"\$(cove-info -n $n -p | awk '{ print \$NF }')\" != $pid1 ] && cove-info -n $n -s | grep -q RUNNING"
	wait_for 5 cove-attach -n "$n" -- ip link show dev eth0
	run ct_exec "$n" ping -c 1 -W 2 "10.199.$S.1"
	assert_success
	run host_links
	assert_equal "$(echo "$output" | grep -c "cvb$R-r")" 1
}
