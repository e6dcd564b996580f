#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove-net start|stop|status: the bridge, dnsmasq (DHCP + DNS under a
# domain) and NAT in an nftables table of its own, in a test host; an
# "outside" namespace with no route back shows that NAT works.

load net-helpers

# svc_conf [extra lines...]: this test's cove-net config (bridge $BR in 10.199.$S.0/24)
svc_conf() {
	NETSVC_CONF=$TESTDIR/net.conf
	{
		echo "bridge = $BR"
		echo "ipv4.address = 10.199.$S.1/24"
		echo "state_dir = $TESTDIR/netstate"
		echo "dns.domain = cvt$R"
		local l
		for l in "$@"; do echo "$l"; done
	} >"$NETSVC_CONF"
}

svc() {
	inhost cove-net -f "$NETSVC_CONF" "$@"
}

# the service needs both (COVE_TEST_PKGS installs them)
need_svc() {
	command -v dnsmasq >/dev/null || skip "needs dnsmasq (dnsmasq-base)"
	command -v nft >/dev/null || skip "needs nft (nftables)"
}

# dhcp_ct NAME: a busybox container on $BR with no address (its rcS runs udhcpc)
dhcp_ct() {
	ct_create "$1"
	ct_conf "$1" "lxc.net.0.type = veth" "lxc.net.0.link = $BR" "lxc.net.0.flags = up" \
		"lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx"
}

@test "start makes the bridge, dnsmasq and the nft table; stop removes exactly those" {
	need_svc
	svc_conf
	# someone else's table in the same host must survive
	ip netns exec "$HNS" nft add table inet "other$R"
	run svc start
	assert_success
	run ip -n "$HNS" addr show dev "$BR"
	assert_output --partial "inet 10.199.$S.1/24"
	run ip netns exec "$HNS" nft list table inet "cove_$BR"
	assert_success
	assert_output --partial "masquerade"
	run svc status
	assert_success
	assert_output --partial "dnsmasq: running"
	# dnsmasq listens on the bridge address only
	run ip netns exec "$HNS" ss -lnu
	assert_output --partial "10.199.$S.1:53"
	refute_output --partial "0.0.0.0:53"
	run svc start
	assert_success
	assert_output --partial "running already"
	run svc stop
	assert_success
	run host_links
	refute_line "$BR"
	run ip netns exec "$HNS" nft list tables
	refute_output --partial "cove_$BR"
	assert_output --partial "other$R"
	[ -z "$(pids_matching "$TESTDIR/netstate")" ]
	run svc status
	assert_failure 3
}

@test "a container gets a DHCP lease and its name resolves under the domain" {
	need_svc
	local n
	n=$(ct a)
	svc_conf
	svc start
	dhcp_ct "$n"
	net_start "$n"
	wait_for 10 ct_has_ipv4 "$n"
	run ct_exec "$n" ip -4 addr show dev eth0
	assert_output --regexp "inet 10\.199\.$S\.[0-9]+/24"
	run ct_exec "$n" ip route
	assert_output --partial "default via 10.199.$S.1"
	run ct_exec "$n" nslookup "$n.cvt$R" "10.199.$S.1"
	assert_success
	assert_output --regexp "Address:? +10\.199\.$S\.[0-9]+"
	run cove-ls -f -F NAME,IPV4
	assert_output --regexp "$n +10\.199\.$S\.[0-9]+"
}

@test "NAT: a container reaches an outside namespace that has no route back" {
	need_svc
	local n
	n=$(ct a)
	ip netns add "$ONS"
	ip -n "$ONS" link set lo up
	ip -n "$HNS" link add "cvu$R" type veth peer name cvu1 netns "$ONS"
	ip -n "$HNS" addr add 10.198.$S.1/24 dev "cvu$R"
	ip -n "$HNS" link set "cvu$R" up
	ip -n "$ONS" addr add 10.198.$S.2/24 dev cvu1
	# a second address for the NAT check: the un-NATed ping's conntrack entry
	# (same ICMP id when the ping gets the same pid) would otherwise outlive
	# the restart and keep the next ping un-NATed
	ip -n "$ONS" addr add 10.198.$S.3/24 dev cvu1
	ip -n "$ONS" link set cvu1 up
	svc_conf "ipv4.nat = false"
	svc start
	ct_create "$n"
	ct_conf "$n" "lxc.net.0.type = veth" "lxc.net.0.link = $BR" "lxc.net.0.flags = up" \
		"lxc.net.0.ipv4.address = 10.199.$S.50/24" "lxc.net.0.ipv4.gateway = auto"
	net_start "$n"
	# without NAT the outside cannot answer (no route back to 10.199.$S.0/24)
	run ct_exec "$n" ping -c 1 -W 1 "10.198.$S.2"
	assert_failure
	cove-stop -n "$n" -k
	svc stop
	svc_conf
	svc start
	net_start "$n"
	run ct_exec "$n" ping -c 1 -W 2 "10.198.$S.3"
	assert_success
}

@test "a subnet already in use is refused and nothing is left behind" {
	ip -n "$HNS" link add "cvq$R" type bridge
	ip -n "$HNS" addr add "10.199.$S.200/24" dev "cvq$R"
	ip -n "$HNS" link set "cvq$R" up
	svc_conf
	run --separate-stderr svc start
	assert_failure
	[[ "$stderr" == *"ipv4.address"*"already in use"* ]]
	run host_links
	refute_line "$BR"
	run ip netns exec "$HNS" nft list tables
	refute_output --partial "cove_$BR"
	[ -z "$(pids_matching "$TESTDIR/netstate")" ]
}

@test "ipv4.address auto picks a subnet no route covers" {
	need_svc
	ip -n "$HNS" link add "cvq$R" type bridge
	ip -n "$HNS" addr add 10.0.4.1/24 dev "cvq$R"
	NETSVC_CONF=$TESTDIR/net.conf
	printf 'bridge = %s\nstate_dir = %s\n' "$BR" "$TESTDIR/netstate" >"$NETSVC_CONF"
	svc start
	run ip -n "$HNS" -4 addr show dev "$BR"
	assert_output --partial "inet 10.0.5.1/24"
}

@test "bad settings: one clear error naming the key or line" {
	NETSVC_CONF=$TESTDIR/net.conf
	local bad
	while IFS= read -r bad; do
		printf 'bridge = %s\nstate_dir = %s\n%s\n' "$BR" "$TESTDIR/netstate" "$bad" >"$NETSVC_CONF"
		run_fail_one_line svc start
		run host_links
		refute_line "$BR"
	done <<'EOF'
ipv4.address = 10.199.1.1
ipv4.address = 10.199.1.0/24
ipv4.address = 10.199.1.1/33
ipv4.address = nonsense/24
ipv4.nat = maybe
no.such.key = 1
nft.table = a-b
EOF
	run_fail_one_line inhost cove-net -f "$TESTDIR/missing.conf" start
	run inhost cove-net bogus
	assert_failure
}
