#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/unpriv.sh: the start of an unprivileged container (lxc.idmap u/g
# 0 100000 65536; cove gives it an idmapped rootfs mount, nothing chowned)
# against Debian's LXC on the same busybox rootfs, and against cove's own
# privileged start:
#
#   start -d until RUNNING, privileged               LXC vs cove
#   start -d until RUNNING, unprivileged             LXC vs cove
#     LXC: lxc.rootfs.options = idmap=container (its idmapped rootfs), or,
#     where that LXC cannot, a copy of the rootfs shifted to 100000
#
# Prints the table (medians, cove/LXC) and cove's unprivileged/privileged
# ratio; the target is at most 1.10 (an idmapped start no more than 10%
# slower than a privileged one). Exits 1 when the target is missed.
# Environment: SKIP_BUILD=1, RUNS=20, COVE_BUILD_DIR (default build-bench),
# BENCH_OUT (keep the table and hyperfine's JSON there).
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../scripts/lib.sh"
. "$BENCH_DIR/lib-bench.sh"
need_root

RUNS=${RUNS:-20}
N_MANY=2
BUILD=${COVE_BUILD_DIR:-$COVE_SRC/build-bench}
case "$BUILD" in /*) ;; *) BUILD=$COVE_SRC/$BUILD ;; esac
HOSTID=$(awk -F: '$1 == "root" { print $2; exit }' /etc/subuid 2>/dev/null)
HOSTID=${HOSTID:-100000}

apt_need "${COVE_BUILD_PKGS[@]}" "${COVE_BENCH_PKGS[@]}" python3 procps || exit 1
if [ "${SKIP_BUILD:-0}" != 1 ]; then
	cove_build "$BUILD" || { echo "bench: build failed" >&2; exit 1; }
fi
export PATH="$BUILD/src/tools:$PATH"
[ -x "$BUILD/src/monitor/cove-monitor" ] && export COVE_MONITOR=$BUILD/src/monitor/cove-monitor

# LXC maps through newuidmap/newgidmap, which need root's grant in
# /etc/subuid and /etc/subgid: add one for the run where there is none (and
# remove exactly that line at exit).
ADDED_GRANT=0
if ! grep -q '^root:' /etc/subuid 2>/dev/null || ! grep -q '^root:' /etc/subgid 2>/dev/null; then
	for f in /etc/subuid /etc/subgid; do
		grep -q '^root:' "$f" 2>/dev/null || echo "root:$HOSTID:65536" >>"$f"
	done
	ADDED_GRANT=1
fi
unpriv_cleanup() {
	bench_cleanup
	if [ "$ADDED_GRANT" = 1 ]; then
		sed -i "/^root:$HOSTID:65536\$/d" /etc/subuid /etc/subgid
	fi
}

WORK=$(mktemp -d /tmp/cove-bench-unpriv.XXXXXX)
chmod 755 "$WORK"
PFX="cvu${WORK##*.}"
LXP=$WORK/lxc
CVP=$WORK/cove
JSON=${BENCH_OUT:-$WORK/out}
TAB=$JSON/bench-unpriv-table.md
mkdir -p "$LXP" "$CVP" "$JSON"
PIVOT_EXISTED=$(find /sys/fs/cgroup -maxdepth 2 -name lxc.pivot 2>/dev/null | head -1)
trap unpriv_cleanup EXIT
trap 'exit 130' INT TERM

make_busybox_rootfs "$WORK/rootfs"
for i in 1 2; do
	make_container lxc "$LXP" "${PFX}-$i"
	make_container cove "$CVP" "${PFX}-$i"
done
IDMAP="lxc.idmap = u 0 $HOSTID 65536
lxc.idmap = g 0 $HOSTID 65536"
echo "$IDMAP" >>"$CVP/${PFX}-2/config"
echo "$IDMAP" >>"$LXP/${PFX}-2/config"
chmod 755 "$LXP/${PFX}-2" "$CVP/${PFX}-2"

echo "== cove $(git -C "$COVE_SRC" describe --always --dirty 2>/dev/null) vs LXC $(lxc-start --version), kernel $(uname -r), $(nproc) CPUs, RUNS=$RUNS" | tee "$TAB"

# LXC's unprivileged side: its own idmapped rootfs if it can, else a shifted copy
ONE=${PFX}-2
echo "lxc.rootfs.options = idmap=container" >>"$LXP/$ONE/config"
if sanity_check lxc 2>/dev/null; then
	echo "   LXC unprivileged: lxc.rootfs.options = idmap=container (idmapped rootfs)" | tee -a "$TAB"
else
	sed -i '/^lxc.rootfs.options/d' "$LXP/$ONE/config"
	chown -R "$HOSTID:$HOSTID" "$LXP/$ONE/rootfs"
	echo "   LXC unprivileged: rootfs copy chowned to $HOSTID (LXC cannot idmap it here)" | tee -a "$TAB"
fi

for i in 1 2; do
	L="-P $LXP -n ${PFX}-$i"
	C="-P $CVP -n ${PFX}-$i"
	ONE=${PFX}-$i
	sanity_check lxc || echo "!! LXC: ${PFX}-$i does not start" | tee -a "$TAB"
	sanity_check cove || echo "!! cove: ${PFX}-$i does not start" | tee -a "$TAB"
	if [ "$i" = 1 ]; then key=start_priv label="start -d until RUNNING (privileged)"; else
		key=start_unpriv label="start -d until RUNNING (unprivileged, idmapped rootfs)"; fi
	pair "$key" "$label" "" \
		"lxc-stop $L -k >/dev/null 2>&1; true" "lxc-start $L -d && lxc-wait $L -s RUNNING -t 30" \
		"cove-stop $C -k >/dev/null 2>&1; true" "cove-start $C -d"
done
# the unprivileged container really was: host uid of init, idmapped rootfs
cove-stop -P "$CVP" -n "${PFX}-2" -k >/dev/null 2>&1
cove-start -P "$CVP" -n "${PFX}-2" -d
p=$(cove-info -P "$CVP" -n "${PFX}-2" -p -H | awk '{ print $NF }')
[ "$(stat -c %u "/proc/$p")" = "$HOSTID" ] || echo "!! cove: init is not uid $HOSTID" | tee -a "$TAB"
cove-info -P "$CVP" -n "${PFX}-2" | grep -q idmapped || echo "!! cove: rootfs not idmapped" | tee -a "$TAB"
cove-stop -P "$CVP" -n "${PFX}-2" -k

echo
print_table | tee -a "$TAB"
python3 - "$JSON" <<'PY' | tee -a "$TAB"
import json, statistics, sys, os
d = sys.argv[1]
def med(k, f=statistics.median):
    try:
        return f(json.load(open(os.path.join(d, k + ".json")))["results"][0]["times"]) * 1000
    except Exception:
        return None
p, u = med("start_priv.cove"), med("start_unpriv.cove")
pm, um = med("start_priv.cove", min), med("start_unpriv.cove", min)
if pm and um:
    print("cove unprivileged/privileged start, fastest runs: %.2f (%.1f vs %.1f ms)" % (um / pm, um, pm))
lp, lu = med("start_priv.lxc"), med("start_unpriv.lxc")
if lu and u:
    print("unprivileged start, cove/LXC: %.2f (cove %.1f ms, LXC %.1f ms)" % (u / lu, u, lu))
if p and u:
    r = u / p
    print("cove unprivileged/privileged start: %.2f (%.1f vs %.1f ms; target <= 1.10): %s"
          % (r, u, p, "OK" if r <= 1.10 else "MISSED"))
    sys.exit(0 if r <= 1.10 else 1)
sys.exit(1)
PY
rc=${PIPESTATUS[0]}
echo "hyperfine JSON: $JSON  ${BENCH_OUT:+(kept)}"
exit "$rc"
