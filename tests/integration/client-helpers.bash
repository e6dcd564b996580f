# SPDX-License-Identifier: GPL-2.0-or-later
# client-helpers.bash - loaded by the client-*.bats suites (`load client-helpers`).
#
# Each suite file starts its own coved (setup_file) with a temporary
# COVE_DIR, initialises it (`coved init --auto`) and builds the busybox image
# once. Instances get unique names (`inst c1` -> "cvXXXXXX-c1": cgroup names
# are global on the host). teardown deletes the instances a test made;
# teardown_file deletes every instance left, kills coved by its PID, kills
# any process still running from COVE_DIR (container monitors) by PID,
# unmounts what is left under it and removes it.
#
# The binaries come from the build tree: $COVE_BUILD_DIR (default
# build-tests in the source tree): src/client/cove and src/daemon/coved.

bats_require_minimum_version 1.5.0

COVE_SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
COVE_BUILD_DIR=${COVE_BUILD_DIR:-$COVE_SRC/build-tests}
case "$COVE_BUILD_DIR" in /*) ;; *) COVE_BUILD_DIR=$COVE_SRC/$COVE_BUILD_DIR ;; esac
export COVE_BUILD_DIR
export PATH="$COVE_BUILD_DIR/src/client:$COVE_BUILD_DIR/src/daemon:$COVE_BUILD_DIR/src/tools:$PATH"
if [ -z "${COVE_MONITOR:-}" ] && [ -x "$COVE_BUILD_DIR/src/monitor/cove-monitor" ]; then
	export COVE_MONITOR=$COVE_BUILD_DIR/src/monitor/cove-monitor
fi

for _lib in bats-support bats-assert; do
	if [ -f "/usr/lib/bats/$_lib/load.bash" ]; then
		load "/usr/lib/bats/$_lib/load.bash"
	fi
done
unset _lib

HANG=${COVE_TEST_HANG_GUARD:-120}

# Why the whole file must skip (set by client_setup_file), or empty.
client_skip_reason() {
	if [ "$(id -u)" != 0 ]; then
		echo "integration tests need root (real namespaces, mounts and cgroups)"
	elif [ ! -x "$COVE_BUILD_DIR/src/daemon/coved" ]; then
		echo "coved is not built in $COVE_BUILD_DIR"
	elif [ ! -x "$COVE_BUILD_DIR/src/client/cove" ]; then
		echo "cove is not built in $COVE_BUILD_DIR"
	fi
}

client_setup_file() {
	local reason
	reason=$(client_skip_reason)
	if [ -n "$reason" ]; then
		export CLIENT_SKIP="$reason"
		return 0
	fi
	COVE_DIR=$(mktemp -d "${COVE_TEST_TMPDIR:-/tmp}/cove-cli.XXXXXX")
	chmod 711 "$COVE_DIR"
	export COVE_DIR
	export UNIQ="cv$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
	# coved runs in a network namespace of its own: its managed bridges
	# (coved init --auto makes lxdbr0), dnsmasq and nft tables stay off the host
	export COVED_NETNS="cvc-$UNIQ"
	if ! ip netns add "$COVED_NETNS"; then
		export CLIENT_SKIP="cannot make a network namespace for coved"
		return 0
	fi
	ip -n "$COVED_NETNS" link set lo up
	# 3>&- 4>&-: a daemon that keeps bats's fds open hangs the whole suite
	setsid nsenter --net="/run/netns/$COVED_NETNS" coved >"$COVE_DIR/coved.log" 2>&1 \
		</dev/null 3>&- 4>&- &
	echo $! >"$COVE_DIR/coved.pid"
	if ! timeout 20 coved waitready --timeout 15 >/dev/null 2>&1; then
		export CLIENT_SKIP="coved did not start (see $COVE_DIR/coved.log)"
		return 0
	fi
	timeout "$HANG" coved init --auto >"$COVE_DIR/init.log" 2>&1 ||
		export CLIENT_SKIP="coved init --auto failed: $(tail -1 "$COVE_DIR/init.log")"
	if [ -z "${CLIENT_SKIP:-}" ] && [ -n "${CLIENT_NEEDS_IMAGE:-}" ]; then
		timeout "$HANG" cove image build busybox --alias busybox >"$COVE_DIR/build.log" 2>&1 ||
			export CLIENT_SKIP="cove image build busybox failed: $(tail -1 "$COVE_DIR/build.log")"
	fi
}

client_setup() {
	[ -z "${CLIENT_SKIP:-}" ] || skip "$CLIENT_SKIP"
	MADE=()
}

# inst SUFFIX: the unique instance name for SUFFIX (and remember it).
inst() {
	echo "$UNIQ-$1"
}

# made NAME...: instances this test created (deleted in teardown).
made() {
	MADE+=("$@")
}

client_teardown() {
	local n
	[ -n "${COVE_DIR:-}" ] || return 0
	for n in "${MADE[@]}"; do
		timeout "$HANG" cove delete -f "$n" >/dev/null 2>&1 || true
	done
}

# pids_under DIR: pids whose command line mentions DIR (not ours).
pids_under() {
	local p cmd
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = "$$" ] && continue
		[ "$p" = "$BASHPID" ] && continue
		cmd=$( { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null) || continue
		case "$cmd" in *"$1"*) echo "$p" ;; esac
	done
}

client_teardown_file() {
	local n pid i
	[ -n "${COVE_DIR:-}" ] && [ -d "$COVE_DIR" ] || return 0
	if [ -f "$COVE_DIR/coved.pid" ]; then
		for n in $(timeout 30 cove list -c n -f csv 2>/dev/null); do
			timeout "$HANG" cove delete -f "$n" >/dev/null 2>&1 || true
		done
		pid=$(cat "$COVE_DIR/coved.pid")
		kill "$pid" 2>/dev/null || true
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	for pid in $(pids_under "$COVE_DIR"); do
		kill -9 "$pid" 2>/dev/null || true
	done
	awk -v d="$COVE_DIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	for d in $(find /sys/fs/cgroup -mindepth 2 -maxdepth 8 -type d -name "*$UNIQ*" 2>/dev/null | sort -r); do
		rmdir "$d" 2>/dev/null || true
	done
	rm -rf "$COVE_DIR"
	[ -z "${COVED_NETNS:-}" ] || ip netns del "$COVED_NETNS" 2>/dev/null || true
}

# skip_if_unsupported: skip (with the daemon's reason) when the last `run`
# failed because coved does not implement it yet; callers use it right after
# `run cove ...` for features the daemon engineer has not landed.
skip_if_unsupported() {
	case "$output" in
	*"method not allowed"* | *"not supported yet"* | *"not implemented"* | *"Not implemented"* | \
		*"not enforced yet"* | *"Error: not found"* | *"Unknown source type"*)
		skip "coved cannot do this yet: $(echo "$output" | grep -m1 Error:)"
		;;
	esac
}
