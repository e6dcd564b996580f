#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The tutorial's network commands beyond a plain bridge: LXD's answers for
# `parent=` on a bridge, `--type=overlay` and `--config`; the bridge keys
# dns.mode, ipv4.routes and bridge.external_interfaces. coved runs in the
# test's own network namespace (daemon-helpers.bash): every bridge, route
# and dummy interface here lives there.

load daemon-helpers

COVE=$COVE_BUILD_DIR/src/client/cove

setup() {
	command -v dnsmasq >/dev/null || skip "needs dnsmasq (dnsmasq-base)"
	command -v nft >/dev/null || skip "needs nft (nftables)"
	daemon_setup
	[ -x "$COVE" ] || skip "the cove client is not built"
}

in_ns() {
	ip netns exec "$COVED_NETNS" "$@"
}

dnsmasq_cmdline() {
	tr '\0' ' ' </proc/"$(cat "$COVE_DIR/networks/dnsmasq.$1.pid")"/cmdline
}

@test "the tutorial's bridge parent=, --type=overlay and --config get LXD's answers" {
	run "$COVE" network create br-physical --type=bridge parent=eth0
	assert_failure
	assert_output 'Error: Invalid option for network "br-physical" option "parent"'
	run "$COVE" network create vlan100 --type=bridge parent=eth0.100
	assert_failure
	assert_output 'Error: Invalid option for network "vlan100" option "parent"'
	run "$COVE" network create overlay-network --type=overlay --config tunnel.protocol=vxlan --config tunnel.id=1000
	assert_failure
	assert_output 'Error: unknown flag: --config'
	run "$COVE" network create overlay-network --type=overlay tunnel.protocol=vxlan
	assert_failure
	assert_output 'Error: Unknown driver'
	run "$COVE" network create mv0 --type=macvlan
	assert_failure
	assert_output --partial 'Network type "macvlan" is not supported'
	run "$COVE" network list -f csv
	refute_output --partial br-physical
	refute_output --partial overlay
	! ip -n "$COVED_NETNS" link show br-physical 2>/dev/null
}

@test "dns.mode: none gives dnsmasq no domain, managed and dynamic keep it; bad values refused" {
	run "$COVE" network create tdns0 ipv4.address=10.77.2.1/24 ipv6.address=none dns.domain=cvdns
	assert_success
	run dnsmasq_cmdline tdns0
	assert_output --partial "--domain=cvdns"
	run "$COVE" network set tdns0 dns.mode none
	assert_success
	run dnsmasq_cmdline tdns0
	refute_output --partial "--domain="
	run "$COVE" network set tdns0 dns.mode dynamic
	assert_success
	run dnsmasq_cmdline tdns0
	assert_output --partial "--domain=cvdns"
	run "$COVE" network set tdns0 dns.mode managed
	assert_success
	run "$COVE" network set tdns0 dns.mode sometimes
	assert_failure
	assert_output --partial 'Invalid value for network "tdns0" option "dns.mode"'
	run "$COVE" network get tdns0 dns.mode
	assert_output managed
	"$COVE" network delete tdns0
}

@test "ipv4.routes: routes to the bridge, changed and removed with the key; bad values refused" {
	run "$COVE" network create trt0 ipv4.address=10.77.3.1/24 ipv6.address=none ipv4.routes=10.99.1.0/24,10.99.2.0/24
	assert_success
	run ip -n "$COVED_NETNS" route show 10.99.1.0/24
	assert_output --partial "dev trt0"
	run ip -n "$COVED_NETNS" route show 10.99.2.0/24
	assert_output --partial "dev trt0"
	run "$COVE" network set trt0 ipv4.routes 10.99.3.0/24
	assert_success
	run ip -n "$COVED_NETNS" route show 10.99.1.0/24
	assert_output ""
	run ip -n "$COVED_NETNS" route show 10.99.3.0/24
	assert_output --partial "dev trt0"
	run "$COVE" network unset trt0 ipv4.routes
	assert_success
	run ip -n "$COVED_NETNS" route show 10.99.3.0/24
	assert_output ""
	for v in 10.99.0.0 10.99.0.0/33 banana 10.99.0.0/24,x; do
		run "$COVE" network set trt0 ipv4.routes "$v"
		assert_failure
		assert_output --partial 'Invalid value for network "trt0" option "ipv4.routes"'
	done
	"$COVE" network delete trt0
}

@test "bridge.external_interfaces: unconfigured host interfaces (veths here) join the bridge; configured ones are refused" {
	ip -n "$COVED_NETNS" link add cvdum0 type veth peer name cvdum0p
	ip -n "$COVED_NETNS" link add cvdum1 type veth peer name cvdum1p
	ip -n "$COVED_NETNS" addr add 192.0.2.5/24 dev cvdum1
	run "$COVE" network create text0 ipv4.address=10.77.4.1/24 ipv6.address=none bridge.external_interfaces=cvdum0,cvmissing
	assert_success
	run ip -n "$COVED_NETNS" link show cvdum0
	assert_output --partial "master text0"
	run "$COVE" network set text0 bridge.external_interfaces cvdum1
	assert_failure
	assert_output --partial "Only unconfigured network interfaces can be bridged"
	# the refused change left the old one in place
	run ip -n "$COVED_NETNS" link show cvdum0
	assert_output --partial "master text0"
	run "$COVE" network unset text0 bridge.external_interfaces
	assert_success
	run ip -n "$COVED_NETNS" link show cvdum0
	refute_output --partial "master"
	run "$COVE" network create text1 ipv4.address=10.77.5.1/24 ipv6.address=none bridge.external_interfaces=cvdum1
	assert_failure
	assert_output --partial "Only unconfigured network interfaces can be bridged"
	! ip -n "$COVED_NETNS" link show text1 2>/dev/null
	run "$COVE" network set text0 bridge.external_interfaces "bad/name"
	assert_failure
	assert_output --partial 'Invalid value for network "text0" option "bridge.external_interfaces"'
	"$COVE" network delete text0
	run "$COVE" network list -f csv
	refute_output --partial text1
}
