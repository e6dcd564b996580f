#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/debian.sh: a Debian 12 container with systemd as init, cove against
# Debian's LXC side by side in one run: each made by its own debian template
# (lxc-create -t debian / cove-create -t debian, both with no network:
# lxc.net.0.type = empty), then timed with hyperfine:
#
#   create from a warm template cache
#   start -d until RUNNING
#   start until `systemctl is-system-running` answers running or degraded
#   attach -- true (systemd running)
#   clean stop through systemd (lxc-stop / cove-stop), and stop -k
#   copy -s (overlay clone), snapshot (a full copy)
#
# Prints medians (ms), min, and the ratio cove/LXC. Run as root on Debian 12:
# installs lxc, lxc-templates, debootstrap, hyperfine and the build deps with
# apt-get and builds cove in $COVE_BUILD_DIR (default build-bench). The first
# run debootstraps twice (LXC's cache /var/cache/lxc/debian and cove's
# /var/cache/cove/debian, about a minute each); both caches are kept. Everything
# else lives in a temporary directory removed at exit, with the containers of
# both (stopped by name) and the cgroups they leave.
#
# Environment: SKIP_BUILD=1, RUNS=5, COVE_BUILD_DIR, BENCH_OUT (keep the table
# and the JSON there).
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../scripts/lib.sh"
need_root

RUNS=${RUNS:-5}
BUILD=${COVE_BUILD_DIR:-$COVE_SRC/build-bench}
case "$BUILD" in /*) ;; *) BUILD=$COVE_SRC/$BUILD ;; esac

apt_need "${COVE_BUILD_PKGS[@]}" "${COVE_BENCH_PKGS[@]}" lxc-templates debootstrap curl \
	python3 procps || exit 1
if [ "${SKIP_BUILD:-0}" != 1 ]; then
	cove_build "$BUILD" || { echo "bench: build failed" >&2; exit 1; }
fi
export PATH="$BUILD/src/tools:$PATH"
[ -x "$BUILD/src/monitor/cove-monitor" ] && export COVE_MONITOR=$BUILD/src/monitor/cove-monitor

WORK=$(mktemp -d /tmp/cove-bench-deb.XXXXXX)
chmod 755 "$WORK"
PFX="cvd${WORK##*.}"
LXP=$WORK/lxc
CVP=$WORK/cove
JSON=${BENCH_OUT:-$WORK/out}
LOG=$JSON/debian-bench.log
mkdir -p "$LXP" "$CVP" "$JSON"
D=$PFX-deb
C=$PFX-copy
NAMES=("$D" "$C" "$PFX-warm")
PIVOT_EXISTED=$(find /sys/fs/cgroup -maxdepth 2 -name lxc.pivot 2>/dev/null | head -1)

cleanup() {
	set +e
	local n d
	for n in "${NAMES[@]}"; do
		[ -d "$LXP/$n" ] && lxc-stop -P "$LXP" -n "$n" -k >/dev/null 2>&1
		[ -d "$CVP/$n" ] && cove-stop -P "$CVP" -n "$n" -k >/dev/null 2>&1
		[ -d "$LXP/$n" ] && lxc-destroy -P "$LXP" -n "$n" -s -f >/dev/null 2>&1
		[ -d "$CVP/$n" ] && cove-destroy -P "$CVP" -n "$n" -f >/dev/null 2>&1
	done
	sleep 0.2
	for d in /proc/[0-9]*; do
		case "$( { tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null)" in
		*"$WORK"*) kill -9 "${d#/proc/}" 2>/dev/null ;;
		esac
	done
	find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -depth -type d -name "*$PFX*" -exec rmdir {} \; 2>/dev/null
	[ -z "$PIVOT_EXISTED" ] && find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d -name lxc.pivot -exec rmdir {} \; 2>/dev/null
	awk -v w="$WORK" 'index($2, w) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	rm -rf "/run/lxc/lock$LXP" "/run/lxc/lock$WORK"
	if [ -n "${BENCH_OUT:-}" ]; then
		rm -rf --one-file-system "$LXP" "$CVP"
		rmdir "$WORK" 2>/dev/null
	else
		rm -rf --one-file-system "$WORK"
	fi
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# no network for either: the same as cove's default until the bridge lands
no_net() {
	sed -i '/^lxc\.net\./d' "$1"
	echo "lxc.net.0.type = empty" >>"$1"
}

echo "==> creating the containers (the first run debootstraps: minutes)" >&2
lxc-create -P "$LXP" -n "$D" -t debian -- -r bookworm >>"$LOG" 2>&1 ||
	{ echo "bench: lxc-create -t debian failed (see $LOG)" >&2; exit 1; }
no_net "$LXP/$D/config"
cove-create -P "$CVP" -n "$D" -t debian -- -r bookworm >>"$LOG" 2>&1 ||
	{ echo "bench: cove-create -t debian failed (see $LOG)" >&2; exit 1; }

# hf KEY TOOL CMD PREPARE: hyperfine, JSON in $JSON/KEY.TOOL.json
hf() {
	local args=(--style none --runs "$RUNS" --export-json "$JSON/$1.$2.json")
	[ -n "${4:-}" ] && args+=(--prepare "$4")
	echo "### $1 $2: $3" >>"$LOG"
	hyperfine "${args[@]}" "$3" >>"$LOG" 2>&1 || {
		echo "bench: '$3' failed (see $LOG)" >&2
		rm -f "$JSON/$1.$2.json"
	}
}

L="-P $LXP -n $D"
V="-P $CVP -n $D"
lx_stopped="lxc-stop $L -k >/dev/null 2>&1; true"
cv_stopped="cove-stop $V -k >/dev/null 2>&1; true"
lx_ready="until s=\$(lxc-attach $L -- systemctl is-system-running 2>/dev/null); [ \"\$s\" = running ] || [ \"\$s\" = degraded ]; do sleep 0.05; done"
cv_ready="until s=\$(cove-attach $V -- systemctl is-system-running 2>/dev/null); [ \"\$s\" = running ] || [ \"\$s\" = degraded ]; do sleep 0.05; done"
lx_running="lxc-info $L -sH | grep -q RUNNING || { lxc-start $L -d && lxc-wait $L -s RUNNING -t 30; }; timeout 120 sh -c '$lx_ready'"
cv_running="cove-info $V -s | grep -q RUNNING || cove-start $V -d; timeout 120 sh -c '$cv_ready'"

echo "==> timing" >&2
hf create lxc "lxc-create -P $LXP -n $PFX-warm -t debian -- -r bookworm" \
	"lxc-destroy -P $LXP -n $PFX-warm -f >/dev/null 2>&1; true"
hf create cove "cove-create -P $CVP -n $PFX-warm -t debian -- -r bookworm" \
	"cove-destroy -P $CVP -n $PFX-warm -f >/dev/null 2>&1; true"
lxc-destroy -P "$LXP" -n "$PFX-warm" -f >/dev/null 2>&1
cove-destroy -P "$CVP" -n "$PFX-warm" -f >/dev/null 2>&1
hf start lxc "lxc-start $L -d && lxc-wait $L -s RUNNING -t 30" "$lx_stopped"
hf start cove "cove-start $V -d" "$cv_stopped"
hf ready lxc "lxc-start $L -d && lxc-wait $L -s RUNNING -t 30 && timeout 120 sh -c '$lx_ready'" "$lx_stopped"
hf ready cove "cove-start $V -d && timeout 120 sh -c '$cv_ready'" "$cv_stopped"
lx_state=$(lxc-attach $L -- systemctl is-system-running 2>&1)
cv_state=$(cove-attach $V -- systemctl is-system-running 2>&1)
cv_failed=$(cove-attach $V -- systemctl --failed --no-legend --plain 2>&1 | awk '{ print $1 }' | tr '\n' ' ')
cv_analyze=$(cove-attach $V -- systemd-analyze 2>&1 | head -1)
hf attach lxc "lxc-attach $L -- true" "$lx_running"
hf attach cove "cove-attach $V -- true" "$cv_running"
hf stop lxc "lxc-stop $L -t 60" "$lx_running"
hf stop cove "cove-stop $V -t 60" "$cv_running"
hf stopk lxc "lxc-stop $L -k" "$lx_running"
hf stopk cove "cove-stop $V -k" "$cv_running"
lxc-stop $L -k >/dev/null 2>&1
cove-stop $V -k >/dev/null 2>&1
hf copys lxc "lxc-copy $L -N $C -s" "lxc-destroy -P $LXP -n $C -f >/dev/null 2>&1; true"
hf copys cove "cove-copy $V -N $C -s" "cove-destroy -P $CVP -n $C -f >/dev/null 2>&1; true"
lxc-destroy -P "$LXP" -n "$C" -f >/dev/null 2>&1
cove-destroy -P "$CVP" -n "$C" -f >/dev/null 2>&1
hf snap lxc "lxc-snapshot $L" "lxc-snapshot $L -d snap0 >/dev/null 2>&1; sync; true"
hf snap cove "cove-snapshot $V" "cove-snapshot $V -d snap0 >/dev/null 2>&1; sync; true"

{
	echo "Debian 12 (bookworm) systemd container, $RUNS runs each, no network"
	echo "state after boot: LXC '$lx_state', cove '$cv_state' (failed units: ${cv_failed:-none}; ${cv_analyze})"
	echo
	printf '%s\t%s\t\n' \
		create "create -t debian (warm cache)" \
		start "start -d until RUNNING" \
		ready "start until systemctl is-system-running = running/degraded" \
		attach "attach -- true (systemd running)" \
		stop "clean stop through systemd" \
		stopk "stop -k" \
		copys "copy -s (overlay clone)" \
		snap "snapshot (dir: full copy)" |
		python3 "$BENCH_DIR/table.py" "$JSON" "" "" "" ""
} | tee "$JSON/debian-table.md"
