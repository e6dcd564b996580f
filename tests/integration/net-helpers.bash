# SPDX-License-Identifier: GPL-2.0-or-later
# net-helpers.bash - for the net*.bats suites (`load net-helpers`).
#
# Each test builds its own "test host": a network namespace (HNS) in which
# the containers' monitors run (cove-start through nsenter --net, so their
# veths, bridges and routes live there), and, where a test needs one, a
# second namespace playing the outside world (ONS). Nothing is created in
# the machine's own network namespace, and no traffic leaves these
# namespaces. Names carry the random part of TESTDIR (R). teardown stops
# the containers, the bridge service, then removes the namespaces, and
# fails the test if an interface of ours shows up in the host's namespace.

load helpers

net_setup() {
	common_setup
	command -v nsenter >/dev/null || skip "needs nsenter (util-linux)"
	command -v ip >/dev/null || skip "needs ip (iproute2)"
	R=${TESTDIR##*.}
	HNS=cvh-$R
	ONS=cvo-$R
	BR=cvb$R
	NETSVC_CONF=
	# a random subnet 10.199.S.0/24 (it only exists inside HNS)
	S=$((RANDOM % 200 + 20))
	ip netns add "$HNS"
	ip -n "$HNS" link set lo up
}

net_teardown() {
	local d rc=0
	[ -n "${TESTDIR:-}" ] || return 0
	for d in "$LXCPATH"/*; do
		[ -d "$d" ] && cove-stop -n "${d##*/}" -k >/dev/null 2>&1
	done
	if [ -n "$NETSVC_CONF" ]; then
		inhost cove-net -f "$NETSVC_CONF" stop >/dev/null 2>&1
	fi
	common_teardown || rc=1
	ip netns del "$HNS" 2>/dev/null
	ip netns del "$ONS" 2>/dev/null
	if ip -br link | grep -q -- "$R"; then
		echo "teardown: leak: an interface named after $R in the host's namespace" >&2
		rc=1
	fi
	return $rc
}

setup() {
	net_setup
}

teardown() {
	net_teardown
}

# inhost CMD...: run CMD in the test host's network namespace
inhost() {
	nsenter --net="/run/netns/$HNS" "$@"
}

# host_bridge NAME ADDR/PREFIX: a bridge in the test host
host_bridge() {
	ip -n "$HNS" link add "$1" type bridge
	ip -n "$HNS" addr add "$2" dev "$1"
	ip -n "$HNS" link set "$1" up
}

# net_start NAME [args]: start NAME detached, its monitor in the test host
net_start() {
	local n=$1
	shift
	inhost cove-start -n "$n" -d "$@"
}

# host_links: the interfaces of the test host (names only, without @peer)
host_links() {
	ip -n "$HNS" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds
wait_for() {
	local t=$1 i
	shift
	for i in $(seq 1 $((t * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@"
}

# ct_has_ipv4 NAME: NAME has an IPv4 address on eth0
ct_has_ipv4() {
	ct_exec "$1" ip -4 addr show dev eth0 | grep -q inet
}

# in_ct_net NAME CMD...: run a host CMD (iproute2's ip) in NAME's network namespace
in_ct_net() {
	local n=$1
	shift
	nsenter --net="/proc/$(ct_pid "$n")/ns/net" "$@"
}
