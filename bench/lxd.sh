#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/lxd.sh: coved + cove against Debian's LXD 5.0.2 (lxd + lxc), side by
# side in one run, on the same busybox image (the one the LXD anchor builds:
# ../shared/anchors/lxd/build-busybox-image.sh), both on a dir pool, both
# unprivileged, instances without a network device on both sides (LXD through a
# profile "bnonet" with only the root disk; coved's default profile has no NIC).
#
#   launch until running    lxc launch        vs  cove launch
#   exec -- true            lxc exec          vs  cove exec
#   list, N_MANY running    lxc list          vs  cove list
#   list, N_BIG instances   (N_MANY running, the rest created, not started)
#   idle daemon RSS         lxd               vs  coved (after init + image import)
#   host memory per running instance: PSS of its monitor process (+ the
#       monitor's other children) + its init's memory cgroup + the daemon's
#       RSS growth per instance, averaged over the N_MANY running ones
#
# Prints one table with medians, the ratio cove/LXD, the issue's target, the
# client's and the daemon's CPU time per run, and the load average.
#
# Run as root on Debian 12 without a running LXD. It installs what is missing
# with apt-get, brings LXD up with the anchor's setup-lxd.sh (dir pool, bridge
# lxdbr0, busybox image) inside a network namespace of its own and takes it all
# down with stop-lxd.sh at exit (instances, images, bridge, nft table, mounts,
# /var/lib/lxd, sysctls) and deletes the namespace. coved
# runs on a temporary COVE_DIR, initialised with a preseed without networks,
# so it changes nothing on the host; it is killed and its instances stopped
# and removed at exit.
#
# Environment: SKIP_BUILD=1, COVE_BUILD_DIR (default build-bench), RUNS=10,
# RUNS_BIG=3 (list with N_BIG), N_MANY=20, N_BIG=200 (0: skip), BENCH_OUT
# (directory for the table and hyperfine JSON, kept), LXD_ANCHOR (directory of
# the anchor scripts, default ../shared/anchors/lxd next to the tree).
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../scripts/lib.sh"
. "$BENCH_DIR/lib-bench.sh"
need_root

RUNS=${RUNS:-10}
RUNS_BIG=${RUNS_BIG:-3}
N_MANY=${N_MANY:-20}
N_BIG=${N_BIG:-200}
ANCHOR=${LXD_ANCHOR:-$COVE_SRC/../shared/anchors/lxd}
BUILD=${COVE_BUILD_DIR:-$COVE_SRC/build-bench}
case "$BUILD" in /*) ;; *) BUILD=$COVE_SRC/$BUILD ;; esac
LXD_SOCK=/var/lib/lxd/unix.socket
unset LXD_DIR

[ -x "$ANCHOR/setup-lxd.sh" ] || { echo "bench: no LXD anchor scripts in $ANCHOR (set LXD_ANCHOR)" >&2; exit 1; }
# stop-lxd.sh removes every LXD instance, /var/lib/lxd and lxdbr0: only run it on an LXD of ours
if curl -s -m 2 --unix-socket "$LXD_SOCK" http://lxd/1.0 >/dev/null 2>&1; then
	echo "bench: an LXD is already running here; not starting ours (it would be torn down)" >&2
	exit 1
fi
if [ -e /var/lib/lxd-anchor-state ]; then
	echo "bench: /var/lib/lxd-anchor-state exists (someone else's LXD?); not starting" >&2
	exit 1
fi

apt_need "${COVE_BUILD_PKGS[@]}" hyperfine jq curl busybox-static file procps python3 || exit 1
if [ "${SKIP_BUILD:-0}" != 1 ]; then
	cove_build "$BUILD" || { echo "bench: build failed" >&2; exit 1; }
fi
COVED=$BUILD/src/daemon/coved
export PATH="$BUILD/src/client:$BUILD/src/tools:$BUILD/src/monitor:$PATH"
[ -x "$BUILD/src/monitor/cove-monitor" ] && export COVE_MONITOR=$BUILD/src/monitor/cove-monitor

WORK=$(mktemp -d /tmp/cove-lxdbench.XXXXXX)
chmod 755 "$WORK"
TAG=$(tr 'A-Z' 'a-z' <<<"${WORK##*.}")
LP=lx$TAG	# LXD's instance names: LP-N (cgroup names are global: not the same as cove's)
CP=cv$TAG	# cove's
# coved's state next to LXD's /var/lib/lxd, not in /tmp: on an ext4 without a journal a
# directory whose block group is full of recently deleted inodes (every test on this
# host churns /tmp) makes each new inode a long scan, and the two would not be comparable
export COVE_DIR=$(mktemp -d /var/lib/cove-lxdbench.XXXXXX)
chmod 755 "$COVE_DIR"
JSON=${BENCH_OUT:-$WORK/out}
mkdir -p "$JSON"
ROWS=()
LXD_STARTED=0
# LXD runs in a network namespace of its own: its bridge lxdbr0, nft table and
# forwarding sysctls live there, so neither the host nor a coved's lxdbr0 on
# the host sees them (and stop-lxd.sh, run in there too, deletes only LXD's)
NETNS=lxdb$TAG
# In a mount namespace of its own (a slave of the host's) with a fresh /sys, whose
# class/net shows the netns' devices (where LXD looks for its bridge) and on whose
# /sys/fs/cgroup the host's cgroup mounts are bound again. (Bind mounts over
# /sys/class/net would hide part of /sys and the containers could not mount sysfs.)
inns() {
	nsenter --net="/run/netns/$NETNS" unshare --mount --propagation slave sh -c '
		mkdir -p "$0/cg" && mount --rbind /sys/fs/cgroup "$0/cg" && umount -l /sys &&
		mount -t sysfs sysfs /sys && mount --rbind "$0/cg" /sys/fs/cgroup &&
		umount -l "$0/cg" && exec "$@"' "$WORK/sys" "$@"
}
COVED_PID=

cleanup() {
	set +e
	local n
	if [ -n "$COVED_PID" ]; then
		for n in $(cove list -c n -f csv 2>/dev/null); do cove delete -f "$n" >/dev/null 2>&1; done
		kill "$COVED_PID" 2>/dev/null
		wait "$COVED_PID" 2>/dev/null
	fi
	# anything of ours still alive (a monitor of an instance not deleted)
	for d in /proc/[0-9]*; do
		case "$( { tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null)" in
		*"$WORK"* | *"$COVE_DIR"*) kill -9 "${d#/proc/}" 2>/dev/null ;;
		esac
	done
	find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -depth -type d -name "*$CP-*" -exec rmdir {} \; 2>/dev/null
	awk -v w="$WORK" -v c="$COVE_DIR" 'index($2, w) == 1 || index($2, c) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	if [ "$LXD_STARTED" = 1 ]; then
		echo "== stop-lxd.sh (in netns $NETNS)" >&2
		inns "$ANCHOR/stop-lxd.sh" >"$JSON/stop-lxd.log" 2>&1 || tail -5 "$JSON/stop-lxd.log" >&2
		ip netns del "$NETNS"
	fi
	rm -rf --one-file-system "$COVE_DIR"
	if [ -n "${BENCH_OUT:-}" ]; then
		rm -rf --one-file-system "$WORK/busybox.tar.gz" "$WORK/sys"
		rmdir "$WORK" 2>/dev/null
	else
		rm -rf --one-file-system "$WORK"
	fi
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "== $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# --- bring both up ----------------------------------------------------------
say "LXD: $ANCHOR/setup-lxd.sh in netns $NETNS (log: $JSON/setup-lxd.log)"
mkdir -p "$WORK/sys"
ip netns add "$NETNS" || exit 1
LXD_STARTED=1
ip -n "$NETNS" link set lo up
if ! inns "$ANCHOR/setup-lxd.sh" >"$JSON/setup-lxd.log" 2>&1; then
	tail -10 "$JSON/setup-lxd.log" >&2
	echo "bench: setup-lxd.sh failed" >&2
	exit 1
fi
LXD_PID=$(curl -s --unix-socket "$LXD_SOCK" http://lxd/1.0 | jq -r .metadata.environment.server_pid)
lxc profile create bnonet >/dev/null && lxc profile device add bnonet root disk path=/ pool=default >/dev/null ||
	{ echo "bench: LXD profile bnonet" >&2; exit 1; }

say "coved on $COVE_DIR"
"$COVED" >"$JSON/coved.log" 2>&1 &
COVED_PID=$!
"$COVED" waitready --timeout 20 || { tail "$JSON/coved.log" >&2; exit 1; }
"$COVED" init --preseed <<'EOF' || exit 1
storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root: {path: /, pool: default, type: disk}
EOF
"$ANCHOR/build-busybox-image.sh" "$WORK/busybox.tar.gz" >/dev/null || exit 1
cove image import "$WORK/busybox.tar.gz" --alias busybox >/dev/null || exit 1
COVE_SOCK=$COVE_DIR/unix.socket

sleep 3
IDLE_L=$(rss_kb "$LXD_PID") IDLE_LP=$(pss_kb "$LXD_PID")
IDLE_C=$(rss_kb "$COVED_PID") IDLE_CP=$(pss_kb "$COVED_PID")

echo "== cove $(git -C "$COVE_SRC" describe --always --dirty 2>/dev/null) vs LXD $(lxd --version)," \
	"kernel $(uname -r), $(nproc) CPUs, RUNS=$RUNS, load $(load)" | tee "$JSON/bench-table.md"

# hf KEY CMD PREPARE: hyperfine without a shell (PREPARE goes through sh -c);
# records the daemon's CPU time and the load around it in KEY.extra
hf_d() {
	local key=$1 cmd=$2 prep=$3 runs=$4 dpid=$5 c0 c1 args=()
	[ -n "$prep" ] && args=(--prepare "sh -c '$prep >/dev/null 2>&1; true'")
	local l0
	l0=$(load)
	c0=$(cpu_ms "$dpid")
	if ! hyperfine -N --style none --warmup "$WARM" --runs "$runs" "${args[@]}" \
		--export-json "$JSON/$key.json" "$cmd" >"$JSON/$key.log" 2>&1; then
		rm -f "$JSON/$key.json"
		echo "   $key FAILED: $(tail -2 "$JSON/$key.log" | tr '\n' ' ')" >&2
	fi
	c1=$(cpu_ms "$dpid")
	echo "$(((c1 - c0) / (runs + WARM))) $l0" >"$JSON/$key.extra"
}

# pair KEY LABEL TARGET RUNS LXD_PREP LXD_CMD COVE_PREP COVE_CMD
pair() {
	say "$2"
	ROWS+=("$1|$2|$3")
	hf_d "$1.lxd" "$6" "$5" "$4" "$LXD_PID"
	hf_d "$1.cove" "$8" "$7" "$4" "$COVED_PID"
}

WARM=1
pair launch "launch busybox until running (no NIC on either side)" "1/5" "$RUNS" \
	"lxc delete -f $LP-launch" "lxc launch -q busybox $LP-launch -p bnonet" \
	"cove delete -f $CP-launch" "cove launch -q busybox $CP-launch"
hf_d launchnet.lxd "lxc launch -q busybox $LP-launch" "lxc delete -f $LP-launch" "$RUNS" "$LXD_PID"
ROWS+=("launchnet|launch, LXD with eth0 on lxdbr0 (its default profile), cove without NIC|1/5")
cp "$JSON/launch.cove.json" "$JSON/launchnet.cove.json" 2>/dev/null
cp "$JSON/launch.cove.extra" "$JSON/launchnet.cove.extra" 2>/dev/null
lxc delete -f "$LP-launch" >/dev/null 2>&1
cove delete -f "$CP-launch" >/dev/null 2>&1

lxc launch -q busybox "$LP-1" -p bnonet 2>/dev/null || exit 1
cove launch -q busybox "$CP-1" || exit 1
sleep 1
WARM=2
pair exec "exec -- true" "1/3" "$RUNS" \
	"" "lxc exec $LP-1 -- true" \
	"" "cove exec $CP-1 -- true"

RSS1_L=$(rss_kb "$LXD_PID") RSS1_C=$(rss_kb "$COVED_PID")
say "launching $((N_MANY - 1)) more on each side"
for i in $(seq 2 "$N_MANY"); do
	lxc launch -q busybox "$LP-$i" -p bnonet 2>/dev/null || exit 1
	cove launch -q busybox "$CP-$i" || exit 1
done
sleep 3
RSSN_L=$(rss_kb "$LXD_PID") RSSN_C=$(rss_kb "$COVED_PID")
read -r MN_L MP_L MR_L CG_L SAME_L <<<"$(instance_mem "$LXD_SOCK")"
read -r MN_C MP_C MR_C CG_C SAME_C <<<"$(instance_mem "$COVE_SOCK")"

pair list "list ($N_MANY running)" "1/5" "$RUNS" \
	"" "lxc list" "" "cove list"
pair exec20 "exec -- true ($N_MANY running)" "1/3" "$RUNS" \
	"" "lxc exec $LP-1 -- true" \
	"" "cove exec $CP-1 -- true"

if [ "$N_BIG" -gt "$N_MANY" ]; then
	say "creating $((N_BIG - N_MANY)) more (not started) on each side"
	T0=$(date +%s.%N)
	for i in $(seq $((N_MANY + 1)) "$N_BIG"); do
		lxc init -q busybox "$LP-$i" -p bnonet >/dev/null || exit 1
	done
	T1=$(date +%s.%N)
	for i in $(seq $((N_MANY + 1)) "$N_BIG"); do
		cove init -q busybox "$CP-$i" >/dev/null || exit 1
	done
	T2=$(date +%s.%N)
	say "init x$((N_BIG - N_MANY)): LXD $(awk "BEGIN { print $T1 - $T0 }") s, cove $(awk "BEGIN { print $T2 - $T1 }") s"
	WARM=1
	pair listbig "list ($N_BIG: $N_MANY running, $((N_BIG - N_MANY)) stopped)" "1/5" "$RUNS_BIG" \
		"" "lxc list" "" "cove list"
fi

echo "   load at the end: $(load)"
{
	for row in "${ROWS[@]}"; do
		IFS='|' read -r key label target <<<"$row"
		printf '%s\t%s\t%s\n' "$key" "$label" "$target"
	done
} | python3 "$BENCH_DIR/lxd-table.py" "$JSON" | tee -a "$JSON/bench-table.md"

# memory -------------------------------------------------------------------
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }
met() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { print (b > 0 && a / b <= t) ? "yes" : "NO" }'; }
grow_l=$(((RSSN_L - RSS1_L) / (N_MANY - 1))); [ "$grow_l" -lt 0 ] && grow_l=0
grow_c=$(((RSSN_C - RSS1_C) / (N_MANY - 1))); [ "$grow_c" -lt 0 ] && grow_c=0
per_l=$(((MP_L + CG_L) / ${MN_L:-1} + grow_l))
per_c=$(((MP_C + CG_C) / ${MN_C:-1} + grow_c))
{
	echo
	echo "| memory | LXD | cove | cove/LXD | target | met |"
	echo "|---|---|---|---|---|---|"
	echo "| daemon RSS idle (after init + image import), MiB (PSS) | $(mib "$IDLE_L") ($(mib "$IDLE_LP")) |" \
		"$(mib "$IDLE_C") ($(mib "$IDLE_CP")) | $(ratio "$IDLE_C" "$IDLE_L") | <= 1/5 | $(met "$IDLE_C" "$IDLE_L" 0.2) |"
	echo "| host memory per running instance, KiB (over $MN_L / $MN_C running) | $per_l | $per_c |" \
		"$(ratio "$per_c" "$per_l") | <= 1/10 | $(met "$per_c" "$per_l" 0.1) |"
	echo "| . monitor process PSS per instance, KiB (RSS) | $((MP_L / ${MN_L:-1})) ($((MR_L / ${MN_L:-1}))) |" \
		"$((MP_C / ${MN_C:-1})) ($((MR_C / ${MN_C:-1}))) | | | |"
	echo "| . instance memory cgroup per instance, KiB | $((CG_L / ${MN_L:-1})) | $((CG_C / ${MN_C:-1})) | | | |"
	echo "| . daemon RSS growth per instance, KiB | $grow_l | $grow_c | | | |"
	echo "| daemon RSS with $N_MANY running, MiB | $(mib "$RSSN_L") | $(mib "$RSSN_C") | | | |"
	echo
	echo "Monitors sharing their instance's memory cgroup: LXD $SAME_L, cove $SAME_C (those are counted twice)."
	echo "CPU: client = user+sys of the command (hyperfine), daemon = user+sys of lxd/coved and the"
	echo "children they reaped, per run (prepare commands included; detached monitors not)."
} | tee -a "$JSON/bench-table.md"
echo
echo "hyperfine JSON: $JSON  ${BENCH_OUT:+(kept)}"
