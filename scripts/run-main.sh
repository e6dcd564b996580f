#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-main.sh: install what is needed, build cove, then run the main job:
#  1. the LXD half: start coved on a temporary state directory, initialise it
#     (`coved init --auto`), build the busybox image offline, launch an
#     instance, exec in it, list it, delete it and shut the daemon down;
#  2. the LXC half: create a busybox container in a temporary lxcpath, start
#     it, run `ps` in it, show `cove-ls -f`, stop and destroy it.
# The daemon runs in a network namespace of its own, so the bridge and DHCP
# server `coved init --auto` sets up never touch the host's interfaces.
# Leaves nothing behind.
# Environment: COVE_BUILD_DIR (default: build-main in the source tree).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root
apt_need "${COVE_BUILD_PKGS[@]}"
BUILD=${COVE_BUILD_DIR:-$COVE_SRC/build-main}
cove_build "$BUILD"
export PATH="$BUILD/src/tools:$BUILD/src/daemon:$BUILD/src/client:$PATH"

run() { echo "+ $*"; "$@"; }

# daemon_job: runs inside `unshare --net`; COVE_DIR is set by the caller
daemon_job() {
	set -euo pipefail
	ip link set lo up
	coved >"$COVE_DIR/coved.log" 2>&1 &
	COVED_PID=$!
	trap 'set +e; cove delete -f c1 >/dev/null 2>&1; coved shutdown --timeout 30 >/dev/null 2>&1;
	      kill $COVED_PID 2>/dev/null; wait $COVED_PID 2>/dev/null' EXIT
	run coved waitready --timeout 30
	run coved init --auto
	run cove image build busybox --alias busybox
	run cove launch busybox c1
	run cove exec c1 -- ps
	run cove list
	run cove info c1
	run cove delete -f c1
	run cove list
}

P=$(mktemp -d /tmp/cove-main.XXXXXX)
N=web
cleanup() {
	set +e
	if [ -d "$P/lxc/$N" ]; then
		cove-stop -P "$P/lxc" -n "$N" -k >/dev/null 2>&1
		cove-destroy -P "$P/lxc" -n "$N" -f >/dev/null 2>&1
	fi
	rm -rf "$P"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$P/lxc" "$P/coved"
# coved's instances are unprivileged: their root must be able to reach its rootfs
chmod 0711 "$P"

echo "== the LXD half: coved and cove"
export COVE_DIR=$P/coved
export -f daemon_job run
unshare --net --fork bash -c daemon_job

echo "== the LXC half: the cove-* tools"
run cove-create -P "$P/lxc" -n "$N" -t busybox
run cove-start -P "$P/lxc" -n "$N" -d
run cove-attach -P "$P/lxc" -n "$N" -- ps
run cove-ls -P "$P/lxc" -f
run cove-info -P "$P/lxc" -n "$N"
run cove-stop -P "$P/lxc" -n "$N" -k
run cove-ls -P "$P/lxc" -f
run cove-destroy -P "$P/lxc" -n "$N"
echo "main job: OK"
