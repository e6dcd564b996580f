# SPDX-License-Identifier: GPL-2.0-or-later
# daemon-helpers.bash - loaded by the daemon-*.bats suites (`load daemon-helpers`).
#
# Each test runs its own coved on a fresh COVE_DIR inside TESTDIR (so its
# unix.socket, database, images and instances are the test's only), with
# LXD_DIR pointing there for Debian's `lxc` client and HOME inside TESTDIR
# for the client's config. Instance names come from `ct` (they carry the
# test's unique tag, so helpers.bash's leak checks find their cgroups and
# processes). teardown kills coved, then helpers.bash's common_teardown
# stops and destroys every instance directory (cove-stop -k, cove-destroy)
# and checks for leaks.

load helpers

COVED=$COVE_BUILD_DIR/src/daemon/coved

daemon_setup() {
	common_setup
	[ -x "$COVED" ] || skip "coved is not built ($COVED)"
	export COVE_DIR=$TESTDIR/cove
	mkdir -p "$COVE_DIR"
	export LXCPATH=$COVE_DIR/containers
	export COVE_LXCPATH=$LXCPATH
	export LXD_DIR=$COVE_DIR
	export HOME=$TESTDIR/home
	mkdir -p "$HOME"
	coved_start
}

setup() {
	daemon_setup
}

teardown() {
	coved_stop
	common_teardown
}

# coved_start: start the daemon in the background and wait until it answers.
# It runs in a network namespace of the test's own (COVED_NETNS, made on the
# first start): the managed bridges, dnsmasq and nftables tables that
# `coved init --auto` and `cove network create` make live there, never on the
# host. coved_net_cleanup (from common_teardown) removes them.
coved_start() {
	if [ -z "${COVED_NETNS:-}" ]; then
		COVED_NETNS=cvd-${TESTDIR##*.}
		ip netns add "$COVED_NETNS" || return 1
		ip -n "$COVED_NETNS" link set lo up
	fi
	nsenter --net="/run/netns/$COVED_NETNS" "$COVED" --debug >>"$TESTDIR/coved.log" 2>&1 &
	COVED_PID=$!
	BG_PIDS="${BG_PIDS:-} $COVED_PID"
	"$COVED" waitready --timeout 10
}

# coved_net_cleanup: the dnsmasq of coved's networks, then the test's network namespace
coved_net_cleanup() {
	local p
	[ -n "${COVED_NETNS:-}" ] || return 0
	for p in "${COVE_DIR:-/nonexistent}"/networks/dnsmasq.*.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	ip netns del "$COVED_NETNS" 2>/dev/null
	COVED_NETNS=
}

coved_stop() {
	[ -n "${COVED_PID:-}" ] || return 0
	kill "$COVED_PID" 2>/dev/null
	wait "$COVED_PID" 2>/dev/null
	COVED_PID=
}

# api METHOD PATH [BODY]: the JSON answer on stdout
api() {
	curl -s --max-time 60 --unix-socket "$COVE_DIR/unix.socket" -X "$1" \
		${3:+-H 'Content-Type: application/json' --data-binary "$3"} "http://cove$2"
}

# api_code METHOD PATH [BODY]: the HTTP status only
api_code() {
	curl -s --max-time 60 -o /dev/null -w '%{http_code}' --unix-socket "$COVE_DIR/unix.socket" \
		-X "$1" ${3:+--data-binary "$3"} "http://cove$2"
}

# api_wait JSON: wait for the async operation of an answer; prints the final operation
api_wait() {
	local op md i
	op=$(jq -r .operation <<<"$1")
	if [ -z "$op" ] || [ "$op" = null ]; then
		echo "api_wait: not an async answer: $1" >&2
		return 1
	fi
	md=$(api GET "$op/wait?timeout=120" | jq -c .metadata)
	for i in $(seq 1 100); do
		[ "$(jq -r '.status_code // 0' <<<"$md")" -ge 200 ] && break
		sleep 0.2
		md=$(api GET "$op" | jq -c .metadata)
	done
	echo "$md"
}

# daemon_init_image: coved init --auto and the busybox image (alias busybox)
daemon_init_image() {
	"$COVED" init --auto
	local r
	r=$(api POST /1.0/images '{"source":{"type":"cove-build","template":"busybox"},"aliases":[{"name":"busybox"}]}')
	r=$(api_wait "$r")
	if [ "$(jq -r .status <<<"$r")" != Success ]; then
		echo "daemon_init_image: $r" >&2
		tail -20 "$TESTDIR/coved.log" >&2
		return 1
	fi
}

# launch NAME: create from the busybox image and start, through the API
launch() {
	local r
	r=$(api POST /1.0/instances "{\"name\":\"$1\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"}}")
	[ "$(api_wait "$r" | jq -r .status)" = Success ] || return 1
	r=$(api PUT "/1.0/instances/$1/state" '{"action":"start","timeout":30}')
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
}

# status_of NAME: Running, Stopped, ...
status_of() {
	api GET "/1.0/instances/$1" | jq -r .metadata.status
}

# raw_request: send stdin as is to the socket, print the answer (for malformed requests)
raw_request() {
	timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read())
s.shutdown(socket.SHUT_WR)
print(s.recv(65536).decode(errors="replace"))
' "$COVE_DIR/unix.socket"
}
