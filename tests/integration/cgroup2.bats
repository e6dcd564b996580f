#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cgroup v2 (unified) limits, freezing and usage figures. Needs a host whose
# /sys/fs/cgroup is cgroup2: the test machines have a hybrid v1 layout that
# cannot be switched, so scripts/run-tests.sh runs this suite inside the
# guest VM of tools/vm/vm-run.sh (Debian's kernel booted with cgroup v2
# only); elsewhere every test skips with the reason. The guest has no
# libarchive, so the containers are made by hand here (a busybox rootfs
# and a config), not with cove-create. Self-contained: the guest has bats
# but not bats-assert.

COVE_SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
COVE_BUILD_DIR=${COVE_BUILD_DIR:-$COVE_SRC/build-tests}
export PATH="$COVE_BUILD_DIR/src/tools:$PATH"
export COVE_MONITOR=$COVE_BUILD_DIR/src/monitor/cove-monitor

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] ||
		skip "not a cgroup v2 host (scripts/run-tests.sh runs this suite in the cgroup v2 VM)"
	TESTDIR=$(mktemp -d /var/tmp/cove-v2.XXXXXX)
	chmod 755 "$TESTDIR"
	UNIQ="cv2-${TESTDIR##*.}"
	export COVE_LXCPATH=$TESTDIR/lxc
	N=$UNIQ-a
	make_ct "$N"
}

teardown() {
	[ -n "${TESTDIR:-}" ] || return 0
	local c
	for c in "$COVE_LXCPATH"/*/; do
		c=$(basename "$c")
		cove-stop -k -n "$c" >/dev/null 2>&1
	done
	left=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -name "*$UNIQ*")
	rm -rf "$TESTDIR"
	[ -z "$left" ] || { echo "leak: cgroups left: $left" >&2; for d in $left; do rmdir "$d"; done; false; }
}

make_ct() { # NAME [config lines]
	local n=$1 r=$COVE_LXCPATH/$1/rootfs a
	shift
	mkdir -p "$r"/bin "$r"/sbin "$r"/proc "$r"/sys "$r"/dev "$r"/etc/init.d "$r"/tmp "$r"/root "$r"/run "$r"/mnt
	cp /bin/busybox "$r/bin/"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
	done
	ln -sf ../bin/busybox "$r/sbin/init"
	echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
	echo "root:x:0:" >"$r/etc/group"
	printf '#!/bin/sh\n' >"$r/etc/init.d/rcS"
	chmod 755 "$r/etc/init.d/rcS"
	printf '::sysinit:/etc/init.d/rcS\n::respawn:/bin/sleep 1000000\n' >"$r/etc/inittab"
	cat >"$COVE_LXCPATH/$n/config" <<EOF
lxc.rootfs.path = dir:$r
lxc.uts.name = $n
lxc.autodev = 1
lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed
lxc.tty.max = 0
lxc.console.path = none
lxc.signal.halt = SIGUSR1
EOF
	for a in "$@"; do echo "$a" >>"$COVE_LXCPATH/$n/config"; done
}

conf() { for a in "$@"; do echo "$a" >>"$COVE_LXCPATH/$N/config"; done; }

# the container's cgroup2 directory on the host
cgdir() {
	local pid
	pid=$(cove-info -n "$1" -p -H | awk '{ print $NF }')
	echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
}

@test "v2: memory.max and memory.swap.max are written; past them a process is OOM-killed inside" {
	conf "lxc.cgroup2.memory.max = 32M" "lxc.cgroup2.memory.swap.max = 0"
	cove-start -n "$N" -d
	d=$(cgdir "$N")
	[ "$(cat "$d/memory.max")" = 33554432 ]
	[ "$(cat "$d/memory.swap.max")" = 0 ]
	pid=$(cove-info -n "$N" -p -H | awk '{ print $NF }')
	run cove-attach -n "$N" -- sh -c 'head -c 100000000 /dev/zero | tail > /dev/null'
	[ "$status" -ne 0 ]
	grep -Eq '^oom_kill [1-9]' "$d/memory.events"
	[ "$(cove-info -n "$N" -p -H | awk '{ print $NF }')" = "$pid" ]
	cove-attach -n "$N" -- true
}

@test "v2: cpu.max = 50000 100000 holds a busy loop back (throttled, never above half)" {
	conf "lxc.cgroup2.cpu.max = 50000 100000" "lxc.cgroup2.cpu.weight = 50"
	cove-start -n "$N" -d
	d=$(cgdir "$N")
	[ "$(cat "$d/cpu.max")" = "50000 100000" ]
	[ "$(cat "$d/cpu.weight")" = 50 ]
	cove-attach -n "$N" -- sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &
	loop=$!
	sleep 1
	a=$(awk '/^usage_usec/ { print $2 }' "$d/cpu.stat")
	t0=$(date +%s%N)
	sleep 3
	b=$(awk '/^usage_usec/ { print $2 }' "$d/cpu.stat")
	t1=$(date +%s%N)
	kill "$loop" 2>/dev/null || true
	ratio=$(((b - a) * 100000 / (t1 - t0)))
	echo "busy loop: $ratio% of a CPU"
	[ "$ratio" -le 58 ]
	[ "$(awk '/^nr_throttled/ { print $2 }' "$d/cpu.stat")" -gt 0 ]
}

@test "v2: pids.max stops forks, cpuset.cpus is written" {
	conf "lxc.cgroup2.pids.max = 8" "lxc.cgroup2.cpuset.cpus = 0"
	cove-start -n "$N" -d
	d=$(cgdir "$N")
	[ "$(cat "$d/pids.max")" = 8 ]
	[ "$(cat "$d/cpuset.cpus")" = 0 ]
	run cove-attach -n "$N" -- sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & done; wait'
	[ "$status" -ne 0 ]
	grep -Eq '^max [1-9]' "$d/pids.events"
}

@test "v2: io.max on the root disk" {
	dev=$(awk '$2 == "/" { print $1; exit }' /proc/self/mounts)
	[ -b "$dev" ] || skip "no block device for /"
	mm=$(printf '%d:%d' "0x$(stat -L -c %t "$dev")" "0x$(stat -L -c %T "$dev")")
	conf "lxc.cgroup2.io.max = $mm rbps=1048576 wiops=100"
	cove-start -n "$N" -d
	grep -q "^$mm rbps=1048576 wbps=max riops=max wiops=100" "$(cgdir "$N")/io.max"
}

@test "v2: cove-freeze / cove-unfreeze through cgroup.freeze" {
	cove-start -n "$N" -d
	d=$(cgdir "$N")
	cove-freeze -n "$N"
	[ "$(cove-info -n "$N" -s | awk '{ print $2 }')" = FROZEN ]
	grep -q '^frozen 1' "$d/cgroup.events"
	cove-unfreeze -n "$N"
	[ "$(cove-info -n "$N" -s | awk '{ print $2 }')" = RUNNING ]
	grep -q '^frozen 0' "$d/cgroup.events"
	[ "$(cove-attach -n "$N" -- echo alive)" = alive ]
	cove-freeze -n "$N"
	cove-stop -k -n "$N"
}

@test "v2: cove-cgroup reads and writes; cove-info shows the usage" {
	cove-start -n "$N" -d
	cove-cgroup -n "$N" memory.max 64M
	[ "$(cove-cgroup -n "$N" memory.max)" = 67108864 ]
	cove-cgroup -n "$N" pids.max 20
	[ "$(cove-cgroup -n "$N" pids.max)" = 20 ]
	run cove-info -n "$N" -S
	echo "$output"
	for l in "CPU use:" "Memory use:" "Memory peak:" "PIDs:"; do
		[[ "$output" == *"$l"* ]]
	done
}

@test "v2: lxc.cgroup.* (v1 keys) are ignored like LXC does; a v2 key of a missing controller fails" {
	conf "lxc.cgroup.memory.limit_in_bytes = 64M"
	cove-start -n "$N" -d
	cove-stop -k -n "$N"
	sed -i '$d' "$COVE_LXCPATH/$N/config"
	conf "lxc.cgroup2.nosuchctl.max = 1"
	run cove-start -n "$N" -d
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *nosuchctl.max* ]]
	[ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -name "*$N*")" ]
}

@test "v2: the device allow-list (an eBPF device program): /dev/null works, the disk does not" {
	dev=$(awk '$2 == "/" { print $1; exit }' /proc/self/mounts)
	t=$(stat -L -c '%t %T' "$dev" 2>/dev/null) && mm="$((16#${t% *})) $((16#${t#* }))" || mm="254 0"
	cove-start -n "$N" -d
	[ "$(cove-attach -n "$N" -- sh -c 'echo x > /dev/null && echo ok')" = ok ]
	run cove-attach -n "$N" -- sh -c "mknod /tmp/disk b $mm && head -c 512 /tmp/disk > /dev/null"
	[ "$status" -ne 0 ]
	run cove-attach -n "$N" -- sh -c 'mknod /tmp/mem c 1 1 && head -c 1 /tmp/mem > /dev/null'
	[ "$status" -ne 0 ]
}

@test "v2: an unprivileged container with an idmapped rootfs and a delegated cgroup" {
	id=$(awk -F: '$1 == "root" { print $2; exit }' /etc/subuid)
	id=${id:-1000000}
	conf "lxc.idmap = u 0 $id 65536" "lxc.idmap = g 0 $id 65536" "lxc.cgroup2.memory.max = 64M"
	cove-start -n "$N" -d
	pid=$(cove-info -n "$N" -p -H | awk '{ print $NF }')
	[ "$(stat -c %u "/proc/$pid")" = "$id" ]
	[ "$(cove-attach -n "$N" -- id -u)" = 0 ]
	cove-info -n "$N" | grep -q idmapped
	[ "$(stat -c %u "$(cgdir "$N")/cgroup.procs")" = "$id" ]
}
