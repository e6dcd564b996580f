# SPDX-License-Identifier: GPL-2.0-or-later
# lib-bench.sh: helpers for bench/run.sh (source it; it defines functions).
# Uses the globals of run.sh: WORK PFX LXP CVP JSON RUNS N_MANY PIVOT_EXISTED.

ROWS=()	# "key|label|target" in order

# make_busybox_rootfs DIR: static busybox + applet links, a tiny inittab
make_busybox_rootfs() {
	local r=$1 a
	mkdir -p "$r"/bin "$r"/sbin "$r"/proc "$r"/sys "$r"/dev "$r"/etc/init.d "$r"/tmp "$r"/root "$r"/run
	cp /bin/busybox "$r/bin/"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
	done
	ln -sf ../bin/busybox "$r/sbin/init"
	echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
	echo "root:x:0:" >"$r/etc/group"
	printf '#!/bin/sh\n' >"$r/etc/init.d/rcS"
	chmod 755 "$r/etc/init.d/rcS"
	cat >"$r/etc/inittab" <<'EOF'
::sysinit:/etc/init.d/rcS
::respawn:/bin/sleep 1000000
::ctrlaltdel:/bin/umount -a -r
::shutdown:/bin/true
EOF
}

# make_container lxc|cove LXCPATH NAME: the same config for both
make_container() {
	local kind=$1 p=$2 n=$3
	mkdir -p "$p/$n"
	cp -a "$WORK/rootfs" "$p/$n/rootfs"
	cat >"$p/$n/config" <<EOF
lxc.rootfs.path = dir:$p/$n/rootfs
lxc.uts.name = $n
lxc.net.0.type = empty
lxc.mount.auto = proc:mixed sys:mixed
lxc.tty.max = 1
lxc.pty.max = 16
lxc.init.cmd = /sbin/init
lxc.signal.halt = SIGUSR1
EOF
}

# sanity_check lxc|cove: start, check RUNNING, stop -k
sanity_check() {
	local out
	if [ "$1" = lxc ]; then
		out=$( { lxc-start -P "$LXP" -n "$ONE" -d && lxc-wait -P "$LXP" -n "$ONE" -s RUNNING -t 30 &&
			lxc-attach -P "$LXP" -n "$ONE" -- true && lxc-stop -P "$LXP" -n "$ONE" -k; } 2>&1)
	else
		out=$( { cove-start -P "$CVP" -n "$ONE" -d && cove-attach -P "$CVP" -n "$ONE" -- true &&
			cove-stop -P "$CVP" -n "$ONE" -k; } 2>&1)
	fi
	local rc=$?
	[ $rc -ne 0 ] && echo "$out" | tail -3 >&2
	return $rc
}

# hf KEY CMD PREPARE [-N] [RUNS]: one hyperfine run; JSON in $JSON/KEY.json
# (removed on failure). -N: run CMD without a shell (exact, no shell-spawn
# correction).
hf() {
	local key=$1 cmd=$2 prep=$3 args=()
	[ -n "$prep" ] && args=(--prepare "$prep")
	[ "${4:-}" = -N ] && args+=(-N)
	if ! hyperfine --style none --warmup 2 --runs "${5:-$RUNS}" "${args[@]}" \
		--export-json "$JSON/$key.json" "$cmd" >"$JSON/$key.log" 2>&1; then
		rm -f "$JSON/$key.json"
		echo "   $key FAILED: $(tail -2 "$JSON/$key.log" | tr '\n' ' ')" >&2
		return 1
	fi
}

# merge OUT IN...: one hyperfine JSON with the times of all INs (removed)
merge_json() {
	local out=$1
	shift
	python3 - "$out" "$@" <<'EOF2'
import json, sys
res = None
for p in sys.argv[2:]:
    try:
        j = json.load(open(p))
    except Exception:
        sys.exit(0)  # a failed round: no JSON, the row says FAILED
    if res is None:
        res = j
    else:
        res["results"][0]["times"] += j["results"][0]["times"]
json.dump(res, open(sys.argv[1], "w"))
EOF2
	rm -f "$@"
}

# pair KEY LABEL TARGET LXC_PREP LXC_CMD COVE_PREP COVE_CMD: ROUNDS rounds
# (default 3) of RUNS/ROUNDS runs, LXC and cove in turn, pooled: a machine
# whose speed drifts (shared host) weighs on both sides alike.
pair() {
	local key=$1 label=$2 target=$3 rounds=${ROUNDS:-3} per i
	echo "-- $label"
	ROWS+=("$key|$label|$target")
	per=$(((RUNS + rounds - 1) / rounds))
	# both without a shell when neither needs one, else both through the shell
	local noshell=-N
	# (-N runs the --prepare commands without a shell too)
	case "$4$5$6$7" in *['&|;<>']*) noshell= ;; esac
	for i in $(seq "$rounds"); do
		hf "$key.lxc.r$i" "$5" "$4" "$noshell" "$per"
		hf "$key.cove.r$i" "$7" "$6" "$noshell" "$per"
	done
	merge_json "$JSON/$key.lxc.json" $(seq -f "$JSON/$key.lxc.r%g.json" "$rounds")
	merge_json "$JSON/$key.cove.json" $(seq -f "$JSON/$key.cove.r%g.json" "$rounds")
	return 0
}

# pid of the monitor: the parent of the container's init
monitor_rss() {
	local lpid cpid lmon cmon
	lpid=$(lxc-info -P "$LXP" -n "$ONE" -pH 2>/dev/null)
	cpid=$(cove-info -P "$CVP" -n "$ONE" -p 2>/dev/null | awk '{ print $NF }')
	lmon=$( [ -n "$lpid" ] && awk '{ print $4 }' "/proc/$lpid/stat" 2>/dev/null)
	cmon=$( [ -n "$cpid" ] && awk '{ print $4 }' "/proc/$cpid/stat" 2>/dev/null)
	MON_L=$( [ -n "$lmon" ] && awk '/^VmRSS:/ { print $2 }' "/proc/$lmon/status" 2>/dev/null)
	MON_C=$( [ -n "$cmon" ] && awk '/^VmRSS:/ { print $2 }' "/proc/$cmon/status" 2>/dev/null)
	MON_LP=$( [ -n "$lmon" ] && awk '/^Pss:/ { print $2 }' "/proc/$lmon/smaps_rollup" 2>/dev/null)
	MON_CP=$( [ -n "$cmon" ] && awk '/^Pss:/ { print $2 }' "/proc/$cmon/smaps_rollup" 2>/dev/null)
	MON_LN=$( [ -n "$lmon" ] && tr '\0' ' ' <"/proc/$lmon/cmdline" 2>/dev/null)
	MON_CN=$( [ -n "$cmon" ] && tr '\0' ' ' <"/proc/$cmon/cmdline" 2>/dev/null)
	echo "-- monitor RSS: LXC ${MON_L:-?} KiB ($MON_LN), cove ${MON_C:-?} KiB ($MON_CN)"
}

print_table() {
	local row key label target
	for row in "${ROWS[@]}"; do
		IFS='|' read -r key label target <<<"$row"
		printf '%s\t%s\t%s\n' "$key" "$label" "$target"
	done | python3 "$BENCH_DIR/table.py" "$JSON" "${MON_L:-}" "${MON_C:-}" "${MON_LP:-}" "${MON_CP:-}"
}

# stop both sides' containers by name, remove what they left
bench_cleanup() {
	set +e
	local i n d
	for i in $(seq 1 "$N_MANY"); do
		n=${PFX}-$i
		[ -d "$LXP/$n" ] && lxc-stop -P "$LXP" -n "$n" -k >/dev/null 2>&1
		[ -d "$CVP/$n" ] && cove-stop -P "$CVP" -n "$n" -k >/dev/null 2>&1
	done
	sleep 0.2
	# anything of ours still alive (a monitor that did not go away)
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
		rm -rf --one-file-system "$LXP" "$CVP" "$WORK/rootfs"
		rmdir "$WORK" 2>/dev/null
	else
		rm -rf --one-file-system "$WORK"
	fi
	return 0
}

# --- process and cgroup memory, CPU time (bench/lxd.sh) ---------------------

# rss_kb PID / pss_kb PID: resident / proportional set size in KiB (0 if gone)
rss_kb() { awk '/^VmRSS:/ { print $2; f = 1 } END { if (!f) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0; }
pss_kb() { awk '/^Pss:/ { print $2; f = 1 } END { if (!f) print 0 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }

# ppid_of PID
ppid_of() { awk '{ print $4 }' "/proc/$1/stat" 2>/dev/null; }

# memcg_kb PID: memory charged to PID's memory cgroup (v1 usage_in_bytes,
# or v2 memory.current), KiB
memcg_kb() {
	local p
	p=$(awk -F: '$2 == "memory" { print $3 }' "/proc/$1/cgroup" 2>/dev/null)
	if [ -n "$p" ] && [ -r "/sys/fs/cgroup/memory$p/memory.usage_in_bytes" ]; then
		echo $(($(cat "/sys/fs/cgroup/memory$p/memory.usage_in_bytes") / 1024))
		return
	fi
	p=$(awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup" 2>/dev/null)
	local d
	for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		if [ -n "$p" ] && [ -r "$d$p/memory.current" ]; then
			echo $(($(cat "$d$p/memory.current") / 1024))
			return
		fi
	done
	echo 0
}

# memcg_of PID: the memory cgroup path of PID (to tell whether two share one)
memcg_of() { awk -F: '$2 == "memory" || ($1 == "0" && !m) { m = $3 } END { print m }' "/proc/$1/cgroup" 2>/dev/null; }

# cpu_ms PID: user+sys CPU of PID and its reaped children, ms
cpu_ms() {
	local tck
	tck=$(getconf CLK_TCK)
	awk -v t="$tck" '{ sub(/^.*\) /, ""); print int(($12 + $13 + $14 + $15) * 1000 / t) }' \
		"/proc/$1/stat" 2>/dev/null || echo 0
}

# children_of PID: the PIDs whose parent is PID
children_of() {
	local d
	for d in /proc/[0-9]*; do
		[ "$(ppid_of "${d#/proc/}")" = "$1" ] && echo "${d#/proc/}"
	done
}

# instance_mem SOCKET: for every running instance of the daemon behind SOCKET
# (GET /1.0/instances?recursion=2), the host memory it adds besides the daemon:
# PSS of its monitor (the parent of its init) and of the monitor's other
# children, plus the memory cgroup of its init. Prints
# "N MONITOR_PSS_KIB MONITOR_RSS_KIB CGROUP_KIB SAME_CGROUP" (sums over N).
instance_mem() {
	local n=0 mp=0 mr=0 cg=0 same=0 pid mon c
	for pid in $(curl -s --unix-socket "$1" 'http://x/1.0/instances?recursion=2' |
		jq -r '.metadata[] | select(.status == "Running") | .state.pid'); do
		[ "$pid" -gt 1 ] 2>/dev/null || continue
		mon=$(ppid_of "$pid")
		[ -n "$mon" ] || continue
		n=$((n + 1))
		mp=$((mp + $(pss_kb "$mon")))
		mr=$((mr + $(rss_kb "$mon")))
		for c in $(children_of "$mon"); do
			[ "$c" = "$pid" ] && continue
			mp=$((mp + $(pss_kb "$c")))
			mr=$((mr + $(rss_kb "$c")))
		done
		cg=$((cg + $(memcg_kb "$pid")))
		[ "$(memcg_of "$mon")" = "$(memcg_of "$pid")" ] && same=$((same + 1))
	done
	echo "$n $mp $mr $cg $same"
}
