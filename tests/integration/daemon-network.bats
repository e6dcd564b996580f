#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# coved's managed networks (type bridge) and nic devices: /1.0/networks
# create/show/set/rename/delete with LXD's key checks, the bridge, dnsmasq
# and nftables table they really make, DHCP leases (dynamic and static) seen
# in list-leases and `cove list`, containers on one bridge reaching each
# other, init --auto's lxdbr0, and restoring what went missing when coved
# starts. daemon-helpers runs coved in a network namespace of the test
# (COVED_NETNS): every bridge, dnsmasq and nft table lives there, and all
# traffic stays inside it.

load daemon-helpers

COVE=$COVE_BUILD_DIR/src/client/cove

setup() {
	command -v dnsmasq >/dev/null || skip "needs dnsmasq (dnsmasq-base)"
	command -v nft >/dev/null || skip "needs nft (nftables)"
	command -v nsenter >/dev/null || skip "needs nsenter (util-linux)"
	daemon_setup
	[ -x "$COVE" ] || skip "the cove client is not built"
}

# in_ns CMD...: run CMD in coved's network namespace
in_ns() {
	ip netns exec "$COVED_NETNS" "$@"
}

has_link() {
	ip -n "$COVED_NETNS" link show dev "$1" >/dev/null 2>&1
}

has_table() {
	in_ns nft list table inet "cove_$1" >/dev/null 2>&1
}

# dnsmasq_of NAME: the pid of the network's dnsmasq, if it runs
dnsmasq_of() {
	local p=$COVE_DIR/networks/dnsmasq.$1.pid
	[ -f "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null && cat "$p"
}

# ipv4_of NAME: the container's IPv4 address as `cove list` shows it, waiting for DHCP (10 s)
ipv4_of() {
	local i a
	for i in $(seq 1 100); do
		a=$("$COVE" list -f csv -c 4 "^$1\$" | sed 's/ (eth0)//')
		[ -n "$a" ] && { echo "$a"; return 0; }
		sleep 0.1
	done
	return 1
}

@test "network create/show/set/unset/rename/delete make and remove bridge, dnsmasq and nft table" {
	run "$COVE" network create tbr0 ipv4.address=10.77.1.1/24 ipv4.nat=true ipv6.address=none \
		dns.domain=cvtest
	assert_success
	assert_output "Network tbr0 created"
	has_link tbr0
	run ip -n "$COVED_NETNS" -4 addr show dev tbr0
	assert_output --partial "inet 10.77.1.1/24"
	has_table tbr0
	run in_ns nft list table inet cove_tbr0
	assert_output --partial masquerade
	[ -n "$(dnsmasq_of tbr0)" ]
	run in_ns ss -lnu
	assert_output --partial "10.77.1.1:53"
	refute_output --partial "0.0.0.0:53"
	run "$COVE" network show tbr0
	assert_line "  ipv4.address: 10.77.1.1/24"
	assert_line "managed: true"
	assert_line "type: bridge"
	run api GET /1.0/networks/tbr0
	[ "$(jq -r .metadata.config.\"dns.domain\" <<<"$output")" = cvtest ]
	# set: reconfigured live (dnsmasq restarted with the new range, NAT gone)
	run "$COVE" network set tbr0 ipv4.dhcp.ranges=10.77.1.100-10.77.1.120 ipv4.nat=false
	assert_success
	run "$COVE" network get tbr0 ipv4.dhcp.ranges
	assert_output "10.77.1.100-10.77.1.120"
	tr '\0' ' ' <"/proc/$(dnsmasq_of tbr0)/cmdline" | grep -q -- "--dhcp-range=10.77.1.100,10.77.1.120"
	run in_ns nft list table inet cove_tbr0
	refute_output --partial masquerade
	run "$COVE" network unset tbr0 ipv4.dhcp.ranges
	assert_success
	run "$COVE" network get tbr0 ipv4.dhcp.ranges
	assert_output ""
	run "$COVE" network list -f csv
	assert_line --regexp "^tbr0,bridge,YES,10.77.1.1/24,none,,0,CREATED$"
	# auto in a change: a ULA subnet, on the bridge at once
	run "$COVE" network set tbr0 ipv6.address=auto
	assert_success
	run "$COVE" network get tbr0 ipv6.address
	assert_output --regexp '^fd42:[0-9a-f:]+::1/64$'
	run ip -n "$COVED_NETNS" -6 addr show dev tbr0
	assert_output --partial "inet6 $("$COVE" network get tbr0 ipv6.address)"
	run "$COVE" network info tbr0
	assert_line "Name: tbr0"
	assert_line --partial "inet	10.77.1.1/24 (global)"
	# rename: the bridge follows
	run "$COVE" network rename tbr0 tbr1
	assert_output "Network tbr0 renamed to tbr1"
	! has_link tbr0
	has_link tbr1
	has_table tbr1
	! has_table tbr0
	run "$COVE" network delete tbr1
	assert_success
	assert_output "Network tbr1 deleted"
	! has_link tbr1
	! has_table tbr1
	[ -z "$(dnsmasq_of tbr1)" ]
	[ -z "$(pids_matching "$COVE_DIR/networks")" ]
	run api_code GET /1.0/networks/tbr1
	[ "$output" = 404 ]
}

@test "bad network names, keys and values: 400 with LXD's words, nothing created" {
	local body code
	run api POST /1.0/networks '{"name":"tbad","config":{"foo.bar":"1"}}'
	[ "$(jq -r .error_code <<<"$output")" = 400 ]
	[ "$(jq -r .error <<<"$output")" = 'Invalid option for network "tbad" option "foo.bar"' ]
	for body in \
		'{"name":"tbad","config":{"ipv4.address":"10.1.2.3"}}' \
		'{"name":"tbad","config":{"ipv4.address":"10.1.2.0/24"}}' \
		'{"name":"tbad","config":{"ipv4.address":"300.1.2.1/24"}}' \
		'{"name":"tbad","config":{"ipv4.address":"10.1.2.1/33"}}' \
		'{"name":"tbad","config":{"ipv6.address":"fd00::1"}}' \
		'{"name":"tbad","config":{"ipv4.nat":"maybe"}}' \
		'{"name":"tbad","config":{"ipv4.dhcp":"2"}}' \
		'{"name":"tbad","config":{"ipv4.dhcp.ranges":"10.1.2.5"}}' \
		'{"name":"tbad","config":{"ipv4.dhcp.gateway":"x"}}' \
		'{"name":"tbad","config":{"bridge.mtu":"100"}}' \
		'{"name":"tbad","config":{"bridge.hwaddr":"zz:00"}}' \
		'{"name":"tbad","config":{"dns.domain":"a b"}}' \
		'{"name":"tbad","config":{"bridge.driver":"openvswitch"}}' \
		'{"name":"tbad","config":{"ipv4.nat":true}}' \
		'{"name":"tbad","type":"macvlan"}' \
		'{"name":"averyveryverylongname"}' \
		'{"name":"a/b"}' \
		'{"name":""}' \
		'{"config":{}}' \
		'{"name":"tbad","config":"x"}'; do
		code=$(api_code POST /1.0/networks "$body")
		[ "$code" = 400 ] || { echo "$body -> $code"; return 1; }
	done
	run api POST /1.0/networks '{"name":"tbad","config":{"ipv4.nat":"maybe"}}'
	[[ "$(jq -r .error <<<"$output")" == 'Invalid value for network "tbad" option "ipv4.nat":'* ]]
	! has_link tbad
	! has_table tbad
	run api GET /1.0/networks
	refute_output --partial tbad
	[ -z "$(pids_matching "$COVE_DIR/networks")" ]
	# the client says it the same way
	run --separate-stderr "$COVE" network create tbad zzz=1
	assert_failure 1
	[ "$stderr" = 'Error: Invalid option for network "tbad" option "zzz"' ]
	# a set with a bad value changes nothing
	"$COVE" network create tok0 ipv4.address=10.78.1.1/24 ipv6.address=none
	run "$COVE" network set tok0 ipv4.address 10.78.1.0/24
	assert_failure
	run "$COVE" network get tok0 ipv4.address
	assert_output 10.78.1.1/24
	run api_code PUT /1.0/networks/tok0 '{"config":{"nope":"1"}}'
	[ "$output" = 400 ]
	# a second network of that name, or a subnet in use
	run api_code POST /1.0/networks '{"name":"tok0"}'
	[ "$output" = 409 ]
	run api POST /1.0/networks '{"name":"tok1","config":{"ipv4.address":"10.78.1.7/24"}}'
	[ "$(jq -r .error_code <<<"$output")" != 200 ]
	[[ "$(jq -r .error <<<"$output")" == *"already in use"* ]]
	! has_link tok1
	# host interfaces are listed but cannot be changed
	run api GET /1.0/networks/lo
	[ "$(jq -r .metadata.managed <<<"$output")" = false ]
	run api_code PUT /1.0/networks/lo '{"config":{}}'
	[ "$output" = 400 ]
	run api_code DELETE /1.0/networks/nosuch0
	[ "$output" = 404 ]
	run api GET /1.0/networks/lo/state
	[ "$(jq -r .metadata.type <<<"$output")" = loopback ]
	run api_code GET /1.0/networks/nosuch0/state
	[ "$output" = 404 ]
	run api_code GET /1.0/networks/nosuch0/leases
	[ "$output" = 404 ]
	run api_code POST /1.0/networks/tok0 '{"name":"lo"}'
	[ "$output" = 409 ]
	run api_code POST /1.0/networks/tok0 '{"name":"a/b"}'
	[ "$output" = 400 ]
	"$COVE" network delete tok0
}

@test "init --auto: lxdbr0 with an automatic subnet and eth0 in the default profile" {
	"$COVED" init --auto
	run "$COVE" network show lxdbr0
	assert_success
	assert_line "managed: true"
	assert_line --regexp '^  ipv4.address: 10\.0\.[0-9]+\.1/24$'
	assert_line '  ipv4.nat: "true"'
	assert_line "- /1.0/profiles/default"
	has_link lxdbr0
	has_table lxdbr0
	[ -n "$(dnsmasq_of lxdbr0)" ]
	run api GET /1.0/profiles/default
	[ "$(jq -c .metadata.devices.eth0 <<<"$output")" = '{"name":"eth0","network":"lxdbr0","type":"nic"}' ]
	# in use by the default profile: not deleted
	run --separate-stderr "$COVE" network delete lxdbr0
	assert_failure
	[ "$stderr" = "Error: The network is currently in use" ]
	has_link lxdbr0
	# a second init changes nothing
	run "$COVED" init --auto
	assert_success
	run api GET "/1.0/networks?recursion=1"
	[ "$(jq '[.metadata[] | select(.managed)] | length' <<<"$output")" = 1 ]
}

@test "preseed networks: created with its config, used by a profile" {
	"$COVED" init --preseed <<'EOF2'
networks:
- name: tpre0
  type: bridge
  config:
    ipv4.address: 10.79.1.1/24
    ipv6.address: none
storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    eth0: {name: eth0, network: tpre0, type: nic}
    root: {path: /, pool: default, type: disk}
EOF2
	run "$COVE" network get tpre0 ipv4.address
	assert_output 10.79.1.1/24
	has_link tpre0
	run "$COVE" network show tpre0
	assert_line "- /1.0/profiles/default"
}

@test "containers on lxdbr0 get DHCP leases, see each other, and a static ipv4.address" {
	local a=$(ct a) b=$(ct b) ipa ipb
	daemon_init_image
	"$COVE" launch busybox "$a"
	"$COVE" launch busybox "$b"
	ipa=$(ipv4_of "$a")
	ipb=$(ipv4_of "$b")
	[[ "$ipa" == 10.0.*.* ]]
	[ "$ipa" != "$ipb" ]
	run "$COVE" network list-leases lxdbr0
	assert_output --regexp "\| $a +\| 00:16:3e:[0-9a-f:]+ \| $ipa +\| DYNAMIC"
	assert_output --partial "lxdbr0.gw"
	run "$COVE" exec "$a" -- ping -c 1 -W 5 "$ipb"
	assert_success
	# dnsmasq answers for the containers' names under dns.domain (lxd)
	run "$COVE" exec "$a" -- nslookup "$b.lxd"
	assert_output --regexp "Address:? +$ipb"
	run "$COVE" info "$a"
	assert_output --partial "inet:  $ipa/24 (global)"
	run "$COVE" network show lxdbr0
	assert_line "- /1.0/instances/$a"
	# a static lease: the device's ipv4.address, through dnsmasq
	run "$COVE" config device add "$b" eth0 nic network=lxdbr0 name=eth0 ipv4.address=10.0.4.77
	assert_success
	"$COVE" restart "$b"
	run ipv4_of "$b"
	assert_output 10.0.4.77
	run "$COVE" network list-leases lxdbr0 -f csv
	assert_line --regexp "^$b,00:16:3e:[0-9a-f:]+,10.0.4.77,STATIC$"
	run "$COVE" exec "$a" -- ping -c 1 -W 5 10.0.4.77
	assert_success
	# a new subnet: the bridge is made again, the running containers' veths stay on it
	run "$COVE" network set lxdbr0 ipv4.address=10.0.9.1/24
	assert_success
	run ip -n "$COVED_NETNS" -4 addr show dev lxdbr0
	assert_output --partial "inet 10.0.9.1/24"
	[ "$(ip -n "$COVED_NETNS" -o link show master lxdbr0 | wc -l)" = 2 ]
	"$COVE" delete -f "$a" "$b"
	[ "$(ip -n "$COVED_NETNS" -o link show master lxdbr0 | wc -l)" = 0 ]
}

@test "nic devices: bad keys and values refused, nictype=bridged with parent, veth named by host_name" {
	local c=$(ct c) d=$(ct d)
	daemon_init_image
	"$COVE" init busybox "$c"
	for dev in 'nic network=nosuch0' 'nic network=lxdbr0 foo=1' 'nic network=lxdbr0 hwaddr=zz' \
		'nic network=lxdbr0 mtu=10' 'nic network=lxdbr0 ipv4.address=1.2.3.4' \
		'nic network=lxdbr0 ipv4.address=nope' 'nic nictype=macvlan parent=lxdbr0' \
		'nic nictype=bridged' 'nic network=lxdbr0 nictype=bridged' \
		'nic network=lxdbr0 name=waytoolonginterfacename'; do
		run "$COVE" config device add "$c" eth1 $dev
		assert_failure
	done
	run api GET "/1.0/instances/$c"
	[ "$(jq -r '.metadata.devices.eth1' <<<"$output")" = null ]
	# bridged on the bridge by name, and a host-side name of our choice
	run "$COVE" config device add "$c" eth1 nic nictype=bridged parent=lxdbr0 name=eth1 \
		host_name=vcv${TESTDIR##*.} hwaddr=00:16:3e:11:22:33 mtu=1400
	assert_success
	"$COVE" start "$c"
	has_link "vcv${TESTDIR##*.}"
	run ip -n "$COVED_NETNS" link show dev "vcv${TESTDIR##*.}"
	assert_output --partial "master lxdbr0"
	run "$COVE" exec "$c" -- cat /sys/class/net/eth1/address /sys/class/net/eth1/mtu
	assert_line 00:16:3e:11:22:33
	assert_line 1400
	"$COVE" delete -f "$c"
	! has_link "vcv${TESTDIR##*.}"
	# profiles get the same checks
	run api_code PATCH /1.0/profiles/default '{"devices":{"eth9":{"type":"nic","network":"nosuch0"}}}'
	[ "$output" = 400 ]
}

@test "networks outlive coved; a restarted coved brings back a missing dnsmasq and nft table" {
	local pid
	"$COVE" network create tsv0 ipv4.address=10.80.1.1/24 ipv6.address=none
	pid=$(dnsmasq_of tsv0)
	coved_stop
	# not torn down when coved exits
	has_link tsv0
	has_table tsv0
	[ "$(dnsmasq_of tsv0)" = "$pid" ]
	kill "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	in_ns nft delete table inet cove_tsv0
	coved_start
	[ -n "$(dnsmasq_of tsv0)" ]
	has_table tsv0
	# the bridge itself gone: made again with its address
	coved_stop
	ip -n "$COVED_NETNS" link del tsv0
	coved_start
	run ip -n "$COVED_NETNS" -4 addr show dev tsv0
	assert_output --partial "inet 10.80.1.1/24"
	"$COVE" network delete tsv0
	! has_link tsv0
	[ -z "$(pids_matching "$COVE_DIR/networks")" ]
}

@test "Debian's lxc client: network create/show/set/list-leases/delete, lxc list shows the lease" {
	local n=$(ct l) ip
	command -v lxc >/dev/null || skip "lxd-client is not installed"
	daemon_init_image
	lxc list >/dev/null 2>&1
	run lxc network create tlx0 ipv4.address=10.81.1.1/24 ipv4.nat=true ipv6.address=none
	assert_success
	assert_output "Network tlx0 created"
	run lxc network show tlx0
	assert_line "  ipv4.address: 10.81.1.1/24"
	assert_line "managed: true"
	run lxc network set tlx0 dns.domain cvlx
	assert_success
	run lxc network get tlx0 dns.domain
	assert_output cvlx
	run --separate-stderr lxc network set tlx0 bogus.key 1
	assert_failure
	[ "$stderr" = 'Error: Invalid option for network "tlx0" option "bogus.key"' ]
	run lxc launch busybox "$n" --network tlx0
	assert_success
	ip=$(ipv4_of "$n")
	[[ "$ip" == 10.81.1.* ]]
	run lxc list --format csv -c n4
	assert_line "$n,$ip (eth0)"
	run lxc network list-leases tlx0 --format csv
	assert_line --regexp "^$n,00:16:3e:[0-9a-f:]+,$ip,DYNAMIC"
	run --separate-stderr lxc network delete tlx0
	assert_failure
	lxc delete -f "$n"
	run lxc network delete tlx0
	assert_success
	! has_link tlx0
}
