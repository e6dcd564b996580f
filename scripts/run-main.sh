#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-main.sh: install what is needed, build cove, then run the main job in a
# temporary lxcpath: create a busybox container, start it, run `ps` in it,
# show `cove-ls -f`, stop and destroy it. Leaves nothing behind.
# Environment: COVE_BUILD_DIR (default: build-main in the source tree).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root
apt_need "${COVE_BUILD_PKGS[@]}"
BUILD=${COVE_BUILD_DIR:-$COVE_SRC/build-main}
cove_build "$BUILD"
export PATH="$BUILD/src/tools:$PATH"

P=$(mktemp -d /tmp/cove-main.XXXXXX)
N=web
cleanup() {
	set +e
	if [ -d "$P/$N" ]; then
		cove-stop -P "$P" -n "$N" -k >/dev/null 2>&1
		cove-destroy -P "$P" -n "$N" -f >/dev/null 2>&1
	fi
	rm -rf "$P"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run() { echo "+ $*"; "$@"; }
run cove-create -P "$P" -n "$N" -t busybox
run cove-start -P "$P" -n "$N" -d
run cove-attach -P "$P" -n "$N" -- ps
run cove-ls -P "$P" -f
run cove-info -P "$P" -n "$N"
run cove-stop -P "$P" -n "$N" -k
run cove-ls -P "$P" -f
run cove-destroy -P "$P" -n "$N"
echo "main job: OK"
