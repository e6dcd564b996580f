#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/net.sh: what one veth on a bridge costs a start, cove against
# Debian's LXC side by side, on the same busybox rootfs (init runs no DHCP
# client: this times the runtime, not a lease).
#
#   start -d until RUNNING, lxc.net.0.type = empty        (the baseline)
#   start -d until RUNNING, one veth on a bridge, static address
#     LXC on lxcbr0 (lxc-net started by hand, and stopped again if this
#     script started it), cove on a bridge of cove-net (own config, own
#     state directory, a bridge name of its own; stopped at exit)
#
# Prints the table (medians, cove/LXC) and what the veth adds to each
# side's start (veth median - empty median); cove's target is < 5 ms.
# Every hyperfine run is a start, its --prepare a stop -k of the previous.
#
# Environment: SKIP_BUILD=1, RUNS=20, COVE_BUILD_DIR (default build-bench),
# BENCH_OUT (keep the table and hyperfine's JSON there), SETTLE=SECONDS (a
# pause after each stop -k, untimed: the kernel tears a dead netns down
# asynchronously, under the same lock that creating a veth takes; default 0).
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../scripts/lib.sh"
. "$BENCH_DIR/lib-bench.sh"
need_root

RUNS=${RUNS:-20}
N_MANY=2
BUILD=${COVE_BUILD_DIR:-$COVE_SRC/build-bench}
case "$BUILD" in /*) ;; *) BUILD=$COVE_SRC/$BUILD ;; esac

apt_need "${COVE_BUILD_PKGS[@]}" "${COVE_BENCH_PKGS[@]}" dnsmasq-base nftables python3 procps || exit 1
if [ "${SKIP_BUILD:-0}" != 1 ]; then
	cove_build "$BUILD" || { echo "bench: build failed" >&2; exit 1; }
fi
export PATH="$BUILD/src/tools:$PATH"
[ -x "$BUILD/src/monitor/cove-monitor" ] && export COVE_MONITOR=$BUILD/src/monitor/cove-monitor

WORK=$(mktemp -d /tmp/cove-bench-net.XXXXXX)
chmod 755 "$WORK"
PFX="cvn${WORK##*.}"
LXP=$WORK/lxc
CVP=$WORK/cove
JSON=${BENCH_OUT:-$WORK/out}
TAB=$JSON/bench-net-table.md
BR="cvnb${WORK##*.}"
NETCONF=$WORK/net.conf
mkdir -p "$LXP" "$CVP" "$JSON"
PIVOT_EXISTED=$(find /sys/fs/cgroup -maxdepth 2 -name lxc.pivot 2>/dev/null | head -1)

# lxc-net by hand, as in the LXC reference scripts: only stopped again if we started it
STARTED_LXCNET=0
FORWARD_WAS=$(cat /proc/sys/net/ipv4/ip_forward)	# lxc-net sets it and never resets it
lxcnet_up() {
	if [ -e /run/lxc/network_up ] && [ -e /sys/class/net/lxcbr0 ]; then
		return 0
	fi
	/usr/libexec/lxc/lxc-net start >&2 && STARTED_LXCNET=1
}
lxcnet_down() {
	if [ "$STARTED_LXCNET" = 1 ]; then
		/usr/libexec/lxc/lxc-net stop >&2
		STARTED_LXCNET=0
	fi
}

net_cleanup() {
	set +e
	local i
	for i in 1 2; do
		lxc-stop -P "$LXP" -n "${PFX}-$i" -k >/dev/null 2>&1
		cove-stop -P "$CVP" -n "${PFX}-$i" -k >/dev/null 2>&1
	done
	[ -f "$NETCONF" ] && cove-net -f "$NETCONF" stop >&2
	lxcnet_down
	echo "$FORWARD_WAS" >/proc/sys/net/ipv4/ip_forward
	bench_cleanup
}
trap net_cleanup EXIT
trap 'exit 130' INT TERM

printf 'bridge = %s\nipv4.address = auto\nstate_dir = %s/netstate\nipv4.nat = false\n' \
	"$BR" "$WORK" >"$NETCONF"
lxcnet_up || { echo "bench: lxc-net did not start" >&2; exit 1; }
cove-net -f "$NETCONF" start >&2 || { echo "bench: cove-net did not start" >&2; exit 1; }
CBR_ADDR=$(awk -F= '$1 == "address" { print $2 }' "$WORK/netstate/$BR.state")
CBR_NET=${CBR_ADDR%.*}

make_busybox_rootfs "$WORK/rootfs"
for i in 1 2; do
	make_container lxc "$LXP" "${PFX}-$i"
	make_container cove "$CVP" "${PFX}-$i"
done
# -2: one veth with a fixed MAC and a static address, on each side's bridge
veth_lines() {
	sed -i '/^lxc.net.0.type/d' "$1"
	printf '%s\n' "lxc.net.0.type = veth" "lxc.net.0.link = $2" "lxc.net.0.flags = up" \
		"lxc.net.0.hwaddr = 00:16:3e:12:34:56" "lxc.net.0.ipv4.address = $3" >>"$1"
}
veth_lines "$LXP/${PFX}-2/config" lxcbr0 10.0.3.222/24
veth_lines "$CVP/${PFX}-2/config" "$BR" "$CBR_NET.222/24"

echo "== cove $(git -C "$COVE_SRC" describe --always --dirty 2>/dev/null) vs LXC $(lxc-start --version), kernel $(uname -r), $(nproc) CPUs, RUNS=$RUNS" | tee "$TAB"
echo "   LXC bridge lxcbr0, cove bridge $BR ($CBR_ADDR)" | tee -a "$TAB"

for i in 1 2; do
	L="-P $LXP -n ${PFX}-$i"
	C="-P $CVP -n ${PFX}-$i"
	ONE=${PFX}-$i
	sanity_check lxc || echo "!! LXC: ${PFX}-$i does not start" | tee -a "$TAB"
	sanity_check cove || echo "!! cove: ${PFX}-$i does not start" | tee -a "$TAB"
	if [ "$i" = 1 ]; then key=start_empty label="start -d until RUNNING (no network)"; else
		key=start_veth label="start -d until RUNNING (one veth on a bridge)"; fi
	pair "$key" "$label" "" \
		"lxc-stop $L -k >/dev/null 2>&1; sleep ${SETTLE:-0}; true" "lxc-start $L -d && lxc-wait $L -s RUNNING -t 30" \
		"cove-stop $C -k >/dev/null 2>&1; sleep ${SETTLE:-0}; true" "cove-start $C -d"
	# a check that the veth really was there: the address inside
	if [ "$i" = 2 ]; then
		cove-start $C -d 2>/dev/null
		cove-attach $C -- ip -4 addr show dev eth0 | grep -q "$CBR_NET.222" ||
			echo "!! cove: no address on eth0" | tee -a "$TAB"
		cove-stop $C -k
	fi
done

echo
print_table | tee -a "$TAB"
python3 - "$JSON" <<'PY' | tee -a "$TAB"
import json, statistics, sys, os
d = sys.argv[1]
def med(k):
    try:
        return statistics.median(json.load(open(os.path.join(d, k + ".json")))["results"][0]["times"]) * 1000
    except Exception:
        return None
for side in ("lxc", "cove"):
    e, v = med("start_empty." + side), med("start_veth." + side)
    if e is not None and v is not None:
        extra = " (target < 5 ms)" if side == "cove" else ""
        print("%s: one veth adds %.1f ms to a start%s" % ("LXC" if side == "lxc" else "cove", v - e, extra))
PY
echo "hyperfine JSON: $JSON  ${BENCH_OUT:+(kept)}"
