#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run.sh: cove against Debian's LXC, side by side in one run, on the
# same busybox rootfs and the same config (no network: lxc.net.0.type = empty).
#
#   start -d until RUNNING   lxc-start -d + lxc-wait -s RUNNING  vs  cove-start -d
#   attach -- true           lxc-attach                          vs  cove-attach
#   stop -k                  lxc-stop -k                         vs  cove-stop -k
#   info -n                  lxc-info                            vs  cove-info
#   ls -f, 1 running / N_MANY running
#   RSS of a running container's monitor ([lxc monitor] vs cove-monitor)
#
# Prints one table: medians (ms), the ratio cove/LXC and the issue's target.
# Run as root on Debian 12; installs lxc, hyperfine and the build deps with
# apt-get, builds cove in $COVE_BUILD_DIR (default build-bench). Everything it
# makes lives in a temporary directory and is removed at exit, with the
# containers of both (stopped by name) and the cgroups they leave.
#
# Environment: SKIP_BUILD=1 (use the build dir as it is), RUNS=20 (hyperfine runs per
# command, in ROUNDS=3 rounds that alternate LXC and cove), N_MANY=20,
# COVE_BUILD_DIR, BENCH_OUT (directory for the table and hyperfine's JSON;
# default: inside the temporary directory, printed only).
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../scripts/lib.sh"
. "$BENCH_DIR/lib-bench.sh"
need_root

RUNS=${RUNS:-20}
N_MANY=${N_MANY:-20}
BUILD=${COVE_BUILD_DIR:-$COVE_SRC/build-bench}
case "$BUILD" in /*) ;; *) BUILD=$COVE_SRC/$BUILD ;; esac

apt_need "${COVE_BUILD_PKGS[@]}" "${COVE_BENCH_PKGS[@]}" python3 procps || exit 1
if [ "${SKIP_BUILD:-0}" != 1 ]; then
	cove_build "$BUILD" || { echo "bench: build failed" >&2; exit 1; }
fi
export PATH="$BUILD/src/tools:$PATH"
[ -x "$BUILD/src/monitor/cove-monitor" ] && export COVE_MONITOR=$BUILD/src/monitor/cove-monitor

WORK=$(mktemp -d /tmp/cove-bench.XXXXXX)
chmod 755 "$WORK"
PFX="cvb${WORK##*.}"	# container names: unique on the host (cgroup names are global)
LXP=$WORK/lxc		# LXC's lxcpath
CVP=$WORK/cove		# cove's lxcpath
JSON=${BENCH_OUT:-$WORK/out}
TAB=$JSON/bench-table.md
mkdir -p "$LXP" "$CVP" "$JSON"
PIVOT_EXISTED=$(find /sys/fs/cgroup -maxdepth 2 -name lxc.pivot 2>/dev/null | head -1)

trap bench_cleanup EXIT
trap 'exit 130' INT TERM

make_busybox_rootfs "$WORK/rootfs"
ONE=${PFX}-1
for i in $(seq 1 "$N_MANY"); do
	make_container lxc "$LXP" "${PFX}-$i"
	make_container cove "$CVP" "${PFX}-$i"
done

L="-P $LXP -n $ONE"
C="-P $CVP -n $ONE"
lxc_up="lxc-info $L -sH | grep -q RUNNING || { lxc-start $L -d && lxc-wait $L -s RUNNING -t 30; }"
lxc_down="lxc-stop $L -k >/dev/null 2>&1; true"
cove_up="cove-info $C -s | grep -q RUNNING || cove-start $C -d"
cove_down="cove-stop $C -k >/dev/null 2>&1; true"

echo "== cove $(git -C "$COVE_SRC" describe --always --dirty 2>/dev/null) vs LXC $(lxc-start --version), kernel $(uname -r), $(nproc) CPUs, RUNS=$RUNS" | tee "$TAB"

# sanity: both start and stop once, so that a broken side shows up clearly
for s in lxc cove; do
	if ! sanity_check "$s"; then
		echo "!! $s: the container does not start; its rows will say FAILED" | tee -a "$TAB"
	fi
done

pair start "start -d until RUNNING" "1/3" \
	"$lxc_down" "lxc-start $L -d && lxc-wait $L -s RUNNING -t 30" \
	"$cove_down" "cove-start $C -d"
pair stopk "stop -k" "1/2" \
	"$lxc_up" "lxc-stop $L -k" \
	"$cove_up" "cove-stop $C -k"
bash -c "$lxc_up" && bash -c "$cove_up"
sleep 0.5
pair attach "attach -- true" "1/2" \
	"" "lxc-attach $L -- true" \
	"" "cove-attach $C -- true"
pair info "info -n (running)" "" \
	"" "lxc-info $L" \
	"" "cove-info $C"
pair ls1 "ls -f (1 running)" "" \
	"" "lxc-ls -P $LXP -f" \
	"" "cove-ls -P $CVP -f"
monitor_rss
# the many-containers case: all N_MANY running in both
for i in $(seq 2 "$N_MANY"); do
	lxc-start -P "$LXP" -n "${PFX}-$i" -d && lxc-wait -P "$LXP" -n "${PFX}-$i" -s RUNNING -t 30
	cove-start -P "$CVP" -n "${PFX}-$i" -d >/dev/null 2>&1
done
nl=$(lxc-ls -P "$LXP" -1 --running | grep -c .)
nc=$(cove-ls -P "$CVP" -f 2>/dev/null | grep -c ' RUNNING ')
echo "   ($nl LXC and $nc cove containers running)"
pair lsN "ls -f ($N_MANY running; LXC $nl, cove $nc)" "1/3" \
	"" "lxc-ls -P $LXP -f" \
	"" "cove-ls -P $CVP -f"
pair attachN "attach -- true ($N_MANY running)" "1/2" \
	"" "lxc-attach $L -- true" \
	"" "cove-attach $C -- true"

echo
print_table | tee -a "$TAB"
echo
echo "hyperfine JSON: $JSON  ${BENCH_OUT:+(kept)}"
