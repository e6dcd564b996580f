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

# ipv4_of NAME: the container's IPv4 address as `cove list` shows it (10 s)
ipv4_of() {
	local i a
	for i in $(seq 1 100); do
		a=$("$COVE" list -f csv -c 4 "^$1\$" | sed 's/ (eth0)//')
		[ -n "$a" ] && { echo "$a"; return 0; }
		sleep 0.1
	done
	return 1
}

@test "network ACLs: create, rules with LXD's checks, show/list/rename/delete, in-use protection" {
	run "$COVE" network acl create web-only user.purpose=test
	assert_success
	assert_output "Network ACL web-only created"
	# the tutorial's positional form is not lxc's syntax: lxc's answer
	run "$COVE" network acl rule add web-only ingress,allow,tcp 0.0.0.0/0 10.0.0.0/8 80,443
	assert_failure
	assert_output "Error: Invalid key=value configuration: 0.0.0.0/0"
	run "$COVE" network acl rule add web-only sideways action=allow
	assert_failure
	assert_output --partial "The direction argument must be one of: ingress, egress"
	run "$COVE" network acl rule add web-only ingress action=allow protocol=tcp source=0.0.0.0/0 destination_port=80,443
	assert_success
	run "$COVE" network acl rule add web-only egress action=allow
	assert_success
	bad_rule() {
		run "$COVE" network acl rule add web-only ingress "$@"
		assert_failure
	}
	bad_rule action=maybe
	assert_output --partial "Invalid ingress rule 1: Action must be one of: allow, reject, drop"
	bad_rule action=allow state=sometimes
	assert_output --partial "State must be one of: enabled, disabled, logged"
	bad_rule action=allow protocol=sctp
	assert_output --partial "Protocol must be one of: icmp4, icmp6, tcp, udp"
	bad_rule action=allow destination_port=80
	assert_output --partial "Destination port cannot be used without specifying protocol"
	bad_rule action=allow protocol=tcp icmp_type=3
	assert_output --partial "ICMP type cannot be used with protocol"
	bad_rule action=allow protocol=tcp destination_port=99999
	assert_output --partial 'Invalid Destination port: Invalid port "99999"'
	bad_rule action=allow source=banana
	assert_output --partial 'Invalid Source: Invalid subject "banana"'
	bad_rule action=allow protocol=tcp source=0.0.0.0/0 destination_port=80,443
	assert_output --partial "Duplicate of ingress rule 1"
	run "$COVE" network acl show web-only
	assert_output --partial "destination_port: 80,443"
	assert_output --partial "user.purpose: test"
	run "$COVE" network acl get web-only user.purpose
	assert_output test
	run "$COVE" network acl list -f csv
	assert_output "web-only,,0"
	run "$COVE" network acl create "bad name"
	assert_failure
	run "$COVE" network acl create web-only
	assert_failure
	assert_output --partial "already exists"
	run "$COVE" network acl set web-only colour blue
	assert_failure
	assert_output --partial 'Invalid config option "colour"'
	# in use by a network: no delete, no rename; an unknown ACL is refused
	run "$COVE" network create tacl0 ipv4.address=10.77.6.1/24 ipv6.address=none security.acls=nosuch
	assert_failure
	assert_output --partial 'option "security.acls"'
	run "$COVE" network create tacl0 ipv4.address=10.77.6.1/24 ipv6.address=none security.acls=web-only
	assert_success
	run "$COVE" network acl delete web-only
	assert_failure
	assert_output --partial "Cannot delete an ACL that is in use"
	run "$COVE" network acl rename web-only web2
	assert_failure
	assert_output --partial "Cannot rename an ACL that is in use"
	run "$COVE" network acl show web-only
	assert_output --partial "- /1.0/networks/tacl0"
	# rule remove: by its fields
	run "$COVE" network acl rule remove web-only egress action=allow
	assert_success
	run "$COVE" network acl rule remove web-only egress action=allow
	assert_failure
	assert_output --partial "No matching rule(s) found"
	"$COVE" network delete tacl0
	run "$COVE" network acl rename web-only web2
	assert_success
	assert_output "Network ACL web-only renamed to web2"
	run "$COVE" network acl delete web2
	assert_success
	assert_output "Network ACL web2 deleted"
	run "$COVE" network acl list -f csv
	assert_output ""
}

@test "security.acls on a bridge: nft table of its own; allowed ports pass, others are rejected, defaults apply" {
	local c=$(ct acl) ip
	daemon_init_image
	"$COVE" network acl create web-only
	"$COVE" network acl rule add web-only ingress action=allow protocol=tcp destination_port=80
	"$COVE" network create tacl1 ipv4.address=10.77.7.1/24 ipv6.address=none
	"$COVE" init busybox "$c"
	"$COVE" config device add "$c" eth0 nic network=tacl1 name=eth0
	"$COVE" start "$c"
	ip=$(ipv4_of "$c")
	"$COVE" exec "$c" -- sh -c "mkdir -p /www && echo ok > /www/index.html && httpd -p 80 -h /www && httpd -p 81 -h /www"
	run ip netns exec "$COVED_NETNS" curl -s --max-time 5 "http://$ip:81/"
	assert_output ok
	run "$COVE" network set tacl1 security.acls web-only
	assert_success
	run ip netns exec "$COVED_NETNS" nft list table inet cove_acl_tacl1
	assert_success
	assert_output --partial "tcp dport 80 accept"
	run ip netns exec "$COVED_NETNS" curl -s --max-time 5 "http://$ip:80/"
	assert_output ok
	run ip netns exec "$COVED_NETNS" curl -s --max-time 5 "http://$ip:81/"
	assert_failure
	# the container still gets DNS/DHCP from the host; its own traffic out: default reject
	run "$COVE" exec "$c" -- nc -w 2 10.77.7.1 22
	assert_failure
	# a changed ACL applies at once
	"$COVE" network acl rule add web-only ingress action=allow protocol=tcp destination_port=81
	run ip netns exec "$COVED_NETNS" curl -s --max-time 5 "http://$ip:81/"
	assert_output ok
	# default action allow: everything passes
	"$COVE" network acl rule remove web-only ingress destination_port=81
	"$COVE" network set tacl1 security.acls.default.ingress.action allow
	run ip netns exec "$COVED_NETNS" curl -s --max-time 5 "http://$ip:81/"
	assert_output ok
	run "$COVE" network set tacl1 security.acls.default.ingress.action maybe
	assert_failure
	run "$COVE" network unset tacl1 security.acls
	assert_success
	run ip netns exec "$COVED_NETNS" nft list table inet cove_acl_tacl1
	assert_failure
	"$COVE" delete -f "$c"
	"$COVE" network delete tacl1
	"$COVE" network acl delete web-only
}

@test "Debian's lxc client: network acl create/rule add/show/rule remove/delete against coved" {
	command -v lxc >/dev/null || skip "needs Debian's lxc client (lxd-client)"
	run lxc network acl create restricted-access
	assert_success
	assert_line "Network ACL restricted-access created"
	run lxc network acl rule add restricted-access ingress action=allow protocol=tcp source=0.0.0.0/0 destination=10.0.0.0/8 destination_port=80,443
	assert_success
	run lxc network acl show restricted-access
	assert_success
	assert_output "$(printf '%s\n' 'name: restricted-access' 'description: ""' 'egress: []' 'ingress:' \
		'- action: allow' '  source: 0.0.0.0/0' '  destination: 10.0.0.0/8' '  protocol: tcp' \
		'  destination_port: 80,443' '  state: enabled' 'config: {}' 'used_by: []')"
	# cove shows it the same way
	run "$COVE" network acl show restricted-access
	assert_output --partial "$(printf '%s\n' 'ingress:' '- action: allow' '  source: 0.0.0.0/0')"
	run lxc network acl rule add restricted-access ingress action=explode
	assert_failure
	assert_output --partial "Action must be one of"
	run lxc network acl rule remove restricted-access ingress protocol=tcp
	assert_success
	run lxc network acl delete restricted-access
	assert_success
	run "$COVE" network acl list -f csv
	assert_output ""
}

@test "a restarted coved brings back a missing ACL table and route of a running bridge" {
	"$COVE" network acl create keep
	"$COVE" network acl rule add keep ingress action=allow protocol=tcp destination_port=22
	run "$COVE" network create trs0 ipv4.address=10.77.8.1/24 ipv6.address=none security.acls=keep ipv4.routes=10.99.8.0/24
	assert_success
	coved_stop
	ip netns exec "$COVED_NETNS" nft delete table inet cove_acl_trs0
	ip -n "$COVED_NETNS" route del 10.99.8.0/24
	coved_start
	run ip netns exec "$COVED_NETNS" nft list table inet cove_acl_trs0
	assert_success
	assert_output --partial "tcp dport 22 accept"
	run ip -n "$COVED_NETNS" route show 10.99.8.0/24
	assert_output --partial "dev trs0"
	"$COVE" network delete trs0
	run ip netns exec "$COVED_NETNS" nft list table inet cove_acl_trs0
	assert_failure
	"$COVE" network acl delete keep
}
