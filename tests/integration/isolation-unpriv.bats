#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Unprivileged containers (lxc.idmap = u/g 0 100000 65536, root's range in
# /etc/subuid and /etc/subgid): root inside is host uid 100000, the maps
# show inside, the rootfs is an idmapped mount (not chowned: what container
# root writes is owned by root on disk, and cove-info says "idmapped"),
# cove-ls -f says UNPRIVILEGED true, /dev has bind-mounted nodes and mknod
# fails. Malformed maps fail the start with one line and leave nothing.

load helpers

HOSTID=${COVE_TEST_SUBID:-100000}

setup() {
	common_setup
	N=$(ct u)
	printf 'lxc.idmap = u 0 %s 65536\nlxc.idmap = g 0 %s 65536\n' "$HOSTID" "$HOSTID" >"$TESTDIR/unpriv.conf"
}

create_unpriv() {
	ct_create "$N" -f "$TESTDIR/unpriv.conf"
}

bad_idmap() { # LINE...: replace the maps by LINEs; the start fails with one line, nothing left
	create_unpriv
	sed -i '/^lxc.idmap/d' "$LXCPATH/$N/config"
	ct_conf "$N" "$@"
	before=$(disk_state)
	run_fail_one_line cove-start -n "$N" -d
	echo "stderr: $stderr"
	[[ "$stderr" == *idmap* ]]
	assert_unchanged "$before"
	[ "$(ct_state "$N")" = STOPPED ]
	[ -z "$(our_cgroups)" ]
	[ -z "$(our_mounts)" ]
	[ -z "$(pids_matching "$N")" ]
}

@test "the container's root owns its cgroup in every hierarchy" {
	create_unpriv
	ct_start "$N"
	dirs=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -name "cove.payload.$N")
	[ -n "$dirs" ]
	for d in $dirs; do
		[ "$(stat -c %u:%g "$d")" = "$HOSTID:$HOSTID" ] || { echo "$d: $(stat -c %u:%g "$d")" >&2; false; }
		f=$d/cgroup.procs
		[ "$(stat -c %u "$f")" = "$HOSTID" ] || { echo "$f: $(stat -c %u "$f")" >&2; false; }
	done
}

@test "root inside is uid $HOSTID on the host; id and uid_map inside" {
	create_unpriv
	ct_start "$N"
	pid=$(ct_pid "$N")
	[ "$(stat -c %u "/proc/$pid")" = "$HOSTID" ]
	awk '/^Uid:/ { exit !($2 == '"$HOSTID"') }' "/proc/$pid/status"
	run ct_exec "$N" id -u
	assert_output 0
	run ct_exec "$N" cat /proc/self/uid_map
	assert_output --regexp "^ *0 +$HOSTID +65536$"
	run ct_exec "$N" cat /proc/self/gid_map
	assert_output --regexp "^ *0 +$HOSTID +65536$"
	# an attached process runs as the mapped uid too
	ct_exec "$N" sleep 30 &
	ns=$(readlink "/proc/$pid/ns/pid")
	for _ in $(seq 100); do
		p=$(for q in $(pids_matching sleep); do
			[ "$(cat /proc/$q/comm 2>/dev/null)" = sleep ] &&
				[ "$(readlink /proc/$q/ns/pid 2>/dev/null)" = "$ns" ] && echo "$q"
		done | head -1)
		[ -n "$p" ] && break
		sleep 0.1
	done
	awk '/^Uid:/ { exit !($2 == '"$HOSTID"') }' "/proc/$p/status"
	kill %1 2>/dev/null || true
}

@test "the netns belongs to the container's user namespace: root inside configures lo" {
	create_unpriv
	ct_start "$N"
	run ct_exec "$N" ip link set lo mtu 1280
	assert_success
	run ct_exec "$N" cat /sys/class/net/lo/mtu
	assert_output 1280
	run ct_exec "$N" ip link show lo
	assert_output --partial ",UP"
}

@test "the rootfs is an idmapped mount: root-owned files look root-owned, writes land as root" {
	create_unpriv
	r=$(ct_rootfs "$N")
	[ "$(stat -c %u "$r/bin/busybox")" = 0 ] # not chowned by create
	ct_start "$N"
	run cove-info -n "$N"
	assert_output --partial "idmapped"
	run ct_exec "$N" stat -c %u /bin/busybox
	assert_output 0
	ct_exec "$N" sh -c 'echo hi > /root/written-inside'
	# through the idmapped mount container root's writes are stored as uid 0
	[ "$(stat -c %u "$r/root/written-inside")" = 0 ]
	[ "$(stat -c %u "$r/bin/busybox")" = 0 ]
	grep -q idmapped "/proc/$(ct_pid "$N")/mountinfo"
}

@test "cove-ls -f says UNPRIVILEGED true" {
	create_unpriv
	ct_start "$N"
	run cove-ls -f -F NAME,UNPRIVILEGED
	assert_success
	assert_line --regexp "^$N +true"
}

@test "/dev in the user namespace: bound host nodes work, mknod fails, no extra capability" {
	create_unpriv
	ct_start "$N"
	run ct_exec "$N" sh -c 'echo x > /dev/null && head -c 4 /dev/urandom | wc -c'
	assert_output 4
	run ct_exec "$N" mknod /tmp/n c 1 3
	assert_failure
	# root inside cannot reach host-owned files outside its map
	run ct_exec "$N" sh -c 'echo 1 > /proc/sys/kernel/sysrq'
	assert_failure
	run ct_exec "$N" sh -c 'mount -t tmpfs none /mnt && echo mounted'
	# mounting a tmpfs is allowed in its own user+mount ns; it stays inside
	! grep -q " $(ct_rootfs "$N")/mnt " /proc/self/mountinfo
}

@test "attach into an unprivileged container: seccomp and the container's capabilities" {
	create_unpriv
	ct_conf "$N" "lxc.cap.drop = sys_time"
	ct_start "$N"
	run ct_exec "$N" sh -c 'grep -E "^(Seccomp|CapBnd):" /proc/self/status'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	b=$(ct_exec "$N" awk '/^CapBnd:/ { print $2 }' /proc/self/status)
	[ $((16#$b & (1 << 25))) -eq 0 ]
}

@test "bad idmap: overlapping ranges" {
	bad_idmap "lxc.idmap = u 0 $HOSTID 65536" "lxc.idmap = u 1000 $((HOSTID + 70000)) 10" \
		"lxc.idmap = g 0 $HOSTID 65536"
}

@test "bad idmap: no gid map" {
	bad_idmap "lxc.idmap = u 0 $HOSTID 65536"
}

@test "bad idmap: range beyond root's subuid grant" {
	f=/etc/subuid
	if ! grep -q '^root:' /etc/subuid 2>/dev/null; then
		# this host grants nothing: a grant file of the test's own
		f=$TESTDIR/subuid
		echo "root:$HOSTID:65536" >"$f"
		export COVE_SUBUID_FILE=$f COVE_SUBGID_FILE=$f
	fi
	end=$(awk -F: '$1 == "root" { print $2 + $3; exit }' "$f")
	bad_idmap "lxc.idmap = u 0 $((end - 10)) 65536" "lxc.idmap = g 0 $HOSTID 65536"
	[[ "$stderr" == *"$f"* ]]
	# inside the grant it starts
	sed -i '/^lxc.idmap/d' "$LXCPATH/$N/config"
	ct_conf "$N" "lxc.idmap = u 0 $HOSTID 65536" "lxc.idmap = g 0 $HOSTID 65536"
	ct_start "$N"
}

@test "bad idmap: a range of 0, garbage" {
	bad_idmap "lxc.idmap = u 0 $HOSTID 0" "lxc.idmap = g 0 $HOSTID 65536"
	sed -i '/^lxc.idmap/d' "$LXCPATH/$N/config"
	ct_conf "$N" "lxc.idmap = x 0 1 2"
	run_fail_one_line cove-start -n "$N" -d
	[[ "$stderr" == *idmap* ]]
}

@test "attach into an unprivileged container: the default denylist holds in an attached shell" {
	create_unpriv
	ct_start "$N"
	run ct_exec "$N" sh -c 'swapoff /no-such-swap'
	assert_failure
	assert_output --partial "Operation not permitted"
	run ct_exec "$N" grep -E '^Seccomp_filters:' /proc/self/status
	assert_output --regexp '1$'
}

# The sealed re-exec (CVE-2019-5736) is skipped only where the container
# cannot reach the binary: see src/runtime/attach-exe.c.
@test "attach into an unprivileged container runs without the sealed re-exec" {
	create_unpriv
	ct_start "$N"
	cove-attach -n "$N" -- sleep 2 &
	sleep 0.5
	exe=$(readlink "/proc/$!/exe")
	wait
	echo "cove-attach runs from $exe"
	[[ "$exe" != /memfd:* ]]
}

@test "attach into an unprivileged container re-executes sealed when the container could write the binary" {
	create_unpriv
	ct_start "$N"
	bin=$TESTDIR/bin
	mkdir -p "$bin"
	chmod 755 "$bin"
	cp "$(command -v cove-attach)" "$bin/cove-attach"
	for how in "chmod 757 $bin/cove-attach" "chown $HOSTID $bin/cove-attach" \
		"chgrp $HOSTID $bin/cove-attach && chmod 775 $bin/cove-attach"; do
		chown 0:0 "$bin/cove-attach"
		chmod 755 "$bin/cove-attach"
		sh -c "$how"
		"$bin/cove-attach" -n "$N" -- sleep 2 &
		sleep 0.5
		exe=$(readlink "/proc/$!/exe")
		wait
		echo "$how: cove-attach runs from $exe"
		[[ "$exe" == /memfd:* ]]
	done
}
