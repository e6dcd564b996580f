#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove-copy (full copy, -s overlay clone, -R rename, -K, -M, -p), cove-snapshot
# (take with comment, -L -C, -r in place and -N, -d, ALL) and cove-create -B
# btrfs, on busybox containers; the btrfs cases run on a btrfs filesystem in a
# loop file of the test's own (detached in teardown).

load helpers

teardown() {
	common_teardown
	local rc=$?
	if [ -n "${BT_MNT:-}" ]; then
		umount "$BT_MNT" 2>/dev/null || umount -l "$BT_MNT" 2>/dev/null
	fi
	if [ -n "${BT_LOOP:-}" ]; then
		losetup -d "$BT_LOOP" 2>/dev/null
	fi
	[ -n "${BT_DIR:-}" ] && rm -rf "$BT_DIR"
	return $rc
}

# A container with a fixed MAC and an fstab of its own, so that copies show what changes.
make_src() {
	ct_create "$1" >/dev/null
	printf 'none dev/shm2 tmpfs defaults,create=dir,optional 0 0\n' >"$LXCPATH/$1/fstab"
	ct_conf "$1" "lxc.net.0.type = empty" "lxc.net.0.hwaddr = 00:16:3e:aa:bb:cc" \
		"lxc.mount.fstab = $LXCPATH/$1/fstab"
}

# use_btrfs: LXCPATH on a fresh btrfs in a loop file (skips without btrfs-progs)
use_btrfs() {
	command -v mkfs.btrfs >/dev/null || skip "btrfs-progs is not installed"
	BT_DIR=$(mktemp -d /var/tmp/cove-btrfs.XXXXXX)
	truncate -s 512M "$BT_DIR/img"
	mkfs.btrfs -q "$BT_DIR/img" >/dev/null
	BT_LOOP=$(losetup -f --show "$BT_DIR/img")
	# outside TESTDIR: the common teardown treats mounts there as leaks; ours go in teardown
	BT_MNT=$BT_DIR/mnt
	mkdir -p "$BT_MNT"
	mount "$BT_LOOP" "$BT_MNT"
	LXCPATH=$BT_MNT/lxc
	mkdir -p "$LXCPATH"
	export COVE_LXCPATH=$LXCPATH
}

is_subvolume() {
	[ "$(stat -c %i "$1")" = 256 ] && [ "$(stat -f -c %T "$1")" = btrfs ]
}

@test "copy: a full copy with a new name, hostname, MAC and paths; the source untouched" {
	a=$(ct a) b=$(ct b)
	make_src "$a"
	src_before=$(cat "$LXCPATH/$a/config")
	run cove-copy -n "$a" -N "$b"
	assert_success
	[ "$(cat "$LXCPATH/$a/config")" = "$src_before" ]
	c=$LXCPATH/$b/config
	grep -q "^lxc.uts.name = $b\$" "$c"
	grep -q "^lxc.rootfs.path = dir:$LXCPATH/$b/rootfs\$" "$c"
	grep -q "^lxc.mount.fstab = $LXCPATH/$b/fstab\$" "$c"
	grep -q '^lxc.net.0.hwaddr = 00:16:3e:' "$c"
	run ! grep -q 'aa:bb:cc' "$c"
	[ -f "$LXCPATH/$b/fstab" ]
	[ "$(cat "$LXCPATH/$b/rootfs/etc/hostname")" = "$b" ]
	[ "$(cat "$LXCPATH/$a/rootfs/etc/hostname")" = "$a" ]
	# independent: a change in the copy does not show in the source
	touch "$LXCPATH/$b/rootfs/only-in-copy"
	[ ! -e "$LXCPATH/$a/rootfs/only-in-copy" ]
	ct_start "$b"
	run ct_exec "$b" hostname
	assert_output "$b"
}

@test "copy: -K keeps the hostname, -M the MAC, -p copies to another lxcpath" {
	a=$(ct a) b=$(ct b)
	make_src "$a"
	other=$TESTDIR/other
	run cove-copy -n "$a" -N "$b" -K -M -p "$other"
	assert_success
	grep -q "^lxc.uts.name = $a\$" "$other/$b/config"
	grep -q '^lxc.net.0.hwaddr = 00:16:3e:aa:bb:cc$' "$other/$b/config"
	grep -q "^lxc.rootfs.path = dir:$other/$b/rootfs\$" "$other/$b/config"
	cove-destroy -P "$other" -n "$b"
}

@test "copy -s: an overlay clone; its changes stay in its delta, the source is unchanged" {
	a=$(ct a) b=$(ct b)
	make_src "$a"
	run cove-copy -n "$a" -N "$b" -s
	assert_success
	grep -q "^lxc.rootfs.path = overlay:$LXCPATH/$a/rootfs:$LXCPATH/$b/overlay/delta0\$" "$LXCPATH/$b/config"
	[ "$(cat "$LXCPATH/$b/overlay/delta0/etc/hostname")" = "$b" ]
	ct_start "$b"
	run ct_exec "$b" sh -c 'hostname; cat /etc/hostname; echo x > /new-file; ls /bin/busybox'
	assert_success
	assert_line --index 0 "$b"
	assert_line --index 1 "$b"
	[ -f "$LXCPATH/$b/overlay/delta0/new-file" ]
	[ ! -e "$LXCPATH/$a/rootfs/new-file" ]
	# the overlay is mounted in the container's mount namespace only
	run ! grep -q "$LXCPATH/$b/rootfs" /proc/self/mounts
	cove-stop -n "$b" -k
	# a full copy of the clone has the merged tree
	run cove-copy -n "$b" -N "$(ct c)"
	assert_success
	[ -f "$LXCPATH/$(ct c)/rootfs/new-file" ]
	[ -f "$LXCPATH/$(ct c)/rootfs/bin/busybox" ]
	grep -q "^lxc.rootfs.path = dir:" "$LXCPATH/$(ct c)/config"
}

@test "copy -e: an ephemeral overlay copy runs at once and is gone after its stop" {
	a=$(ct a)
	make_src "$a"
	run cove-copy -n "$a" -e -N "$(ct e)"
	assert_success
	assert_output "Created $(ct e) as an ephemeral copy of $a"
	[ "$(ct_state "$(ct e)")" = RUNNING ]
	run ct_exec "$(ct e)" hostname
	assert_output "$(ct e)"
	cove-stop -n "$(ct e)" -k
	for i in $(seq 1 100); do
		[ -e "$LXCPATH/$(ct e)" ] || break
		sleep 0.1
	done
	[ ! -e "$LXCPATH/$(ct e)" ]
	[ -f "$LXCPATH/$a/config" ]
	# without -N: NAME_XXXXXX
	run cove-copy -n "$a" -e
	assert_success
	[[ "$output" =~ ^Created\ ${a}_[0-9a-f]{6}\ as ]]
}

@test "copy -s: the source cannot be destroyed while clones use it (unless -f)" {
	a=$(ct a) b=$(ct b) c=$(ct c)
	make_src "$a"
	cove-copy -n "$a" -N "$b" -s
	cove-copy -n "$b" -N "$c" -s
	# LXC's record of the clones, in the container whose rootfs they use
	[ "$(cat "$LXCPATH/$a/lxc_snapshots")" = "$(printf '%s\n%s\n%s\n%s' "$LXCPATH" "$b" "$LXCPATH" "$c")" ]
	[ ! -e "$LXCPATH/$b/lxc_snapshots" ]
	before=$(disk_state)
	run_fail_one_line cove-destroy -n "$a"
	[[ "$stderr" == *"has copy-on-write clones"*"$b"* ]]
	assert_unchanged "$before"
	cove-destroy -n "$b"
	run_fail_one_line cove-destroy -n "$a"
	cove-destroy -n "$c"
	run cove-destroy -n "$a"
	assert_success
	# -f removes it anyway
	make_src "$a"
	cove-copy -n "$a" -N "$b" -s
	run cove-destroy -n "$a" -f
	assert_success
}

@test "copy -R renames a stopped container" {
	a=$(ct a) b=$(ct b)
	make_src "$a"
	run cove-copy -n "$a" -N "$b" -R
	assert_success
	[ ! -e "$LXCPATH/$a" ]
	grep -q "^lxc.rootfs.path = dir:$LXCPATH/$b/rootfs\$" "$LXCPATH/$b/config"
	grep -q "^lxc.uts.name = $b\$" "$LXCPATH/$b/config"
	ct_start "$b"
}

@test "copy: onto an existing name, of a running or missing container: one line, nothing made" {
	a=$(ct a) b=$(ct b)
	make_src "$a"
	make_src "$b"
	before=$(disk_state)
	run_fail_one_line cove-copy -n "$a" -N "$b"
	[[ "$stderr" == *"already exists"* ]]
	run_fail_one_line cove-copy -n "$a" -N "$b" -s
	run_fail_one_line cove-copy -n "$(ct nosuch)" -N "$(ct c)"
	run_fail_one_line cove-copy -n "$a" -N "bad/name"
	run_fail_one_line cove-copy -n "$a" -N "$(ct c)" -B lvm
	run --separate-stderr cove-copy -n "$a"
	assert_failure
	[[ "${stderr_lines[0]}" == *"No new name specified"* ]]
	assert_unchanged "$before"
	ct_start "$a"
	before=$(disk_state)
	run_fail_one_line cove-copy -n "$a" -N "$(ct c)"
	[[ "$stderr" == *"RUNNING"* ]]
	assert_unchanged "$before"
}

@test "snapshot: take with a comment, list with -C, in LXC's snaps/ layout" {
	a=$(ct a)
	make_src "$a"
	echo "before the upgrade" >"$TESTDIR/comment"
	run cove-snapshot -n "$a" -c "$TESTDIR/comment"
	assert_success
	run cove-snapshot -n "$a"
	assert_success
	s=$LXCPATH/$a/snaps
	[ -f "$s/snap0/config" ] && [ -d "$s/snap0/rootfs" ] && [ -s "$s/snap0/ts" ]
	[ "$(cat "$s/snap0/comment")" = "before the upgrade" ]
	grep -q "^lxc.rootfs.path = dir:$s/snap0/rootfs\$" "$s/snap0/config"
	# a snapshot keeps the name and MAC
	grep -q "^lxc.uts.name = $a\$" "$s/snap0/config"
	grep -q 'aa:bb:cc' "$s/snap0/config"
	run cove-snapshot -n "$a" -L -C
	assert_success
	assert_line --index 0 --regexp "^snap0 \($s\) [0-9]{4}:[0-9]{2}:[0-9]{2} [0-9:]{8}\$"
	assert_line --index 1 "before the upgrade"
	assert_line --index 2 --regexp "^snap1 \($s\) "
	run cove-snapshot -n "$(ct b)" -L
	assert_failure
}

@test "snapshot: restore in place brings back the rootfs and config" {
	a=$(ct a)
	make_src "$a"
	cove-snapshot -n "$a"
	echo changed >"$LXCPATH/$a/rootfs/changed"
	rm "$LXCPATH/$a/rootfs/etc/hostname"
	ct_conf "$a" "lxc.environment = ADDED=1"
	run cove-snapshot -n "$a" -r snap0
	assert_success
	[ ! -e "$LXCPATH/$a/rootfs/changed" ]
	[ "$(cat "$LXCPATH/$a/rootfs/etc/hostname")" = "$a" ]
	run ! grep -q ADDED "$LXCPATH/$a/config"
	grep -q "^lxc.rootfs.path = dir:$LXCPATH/$a/rootfs\$" "$LXCPATH/$a/config"
	[ -d "$LXCPATH/$a/snaps/snap0/rootfs" ]
	[ -z "$(ls -A "$LXCPATH/$a" | grep -v -e '^config$' -e '^rootfs$' -e '^snaps$' -e '^fstab$')" ]
	ct_start "$a"
	run ct_exec "$a" hostname
	assert_output "$a"
}

@test "snapshot: restore -N makes a new container; -d and -d ALL destroy snapshots" {
	a=$(ct a) b=$(ct b)
	make_src "$a"
	cove-snapshot -n "$a"
	cove-snapshot -n "$a"
	cove-snapshot -n "$a"
	run cove-snapshot -n "$a" -r snap1 -N "$b"
	assert_success
	grep -q "^lxc.uts.name = $b\$" "$LXCPATH/$b/config"
	[ "$(cat "$LXCPATH/$b/rootfs/etc/hostname")" = "$b" ]
	ct_start "$b"
	run cove-snapshot -n "$a" -d snap1
	assert_success
	[ ! -e "$LXCPATH/$a/snaps/snap1" ]
	run cove-snapshot -n "$a" -L
	assert_output --partial snap0
	assert_output --partial snap2
	run cove-snapshot -n "$a" -d ALL
	assert_success
	run cove-snapshot -n "$a" -L
	assert_output "No snapshots"
}

@test "snapshot: bad input gives one line and changes nothing" {
	a=$(ct a) b=$(ct b)
	make_src "$a"
	make_src "$b"
	cove-snapshot -n "$a" -N mine
	before=$(disk_state)
	# a snapshot name that exists
	run_fail_one_line cove-snapshot -n "$a" -N mine
	[[ "$stderr" == *"already has a snapshot 'mine'"* ]]
	run_fail_one_line cove-snapshot -n "$a" -r nosuch
	run_fail_one_line cove-snapshot -n "$a" -d nosuch
	run_fail_one_line cove-snapshot -n "$a" -r mine -N "$b"
	[[ "$stderr" == *"already exists"* ]]
	run_fail_one_line cove-snapshot -n "$a" -N "../x"
	run_fail_one_line cove-snapshot -n "$a" -c "$TESTDIR/no-such-comment"
	run_fail_one_line cove-snapshot -n "$(ct nosuch)"
	assert_unchanged "$before"
	# restoring into, or snapshotting, a running container
	ct_start "$a"
	before=$(disk_state)
	run_fail_one_line cove-snapshot -n "$a" -r mine
	[[ "$stderr" == *"RUNNING"* ]]
	run_fail_one_line cove-snapshot -n "$a"
	assert_unchanged "$before"
}

@test "btrfs: create -B btrfs, copy and copy -s are subvolume snapshots, destroy removes them" {
	use_btrfs
	a=$(ct a)
	run cove-create -n "$a" -t busybox -B btrfs
	assert_success
	is_subvolume "$LXCPATH/$a/rootfs"
	grep -q "^lxc.rootfs.path = btrfs:$LXCPATH/$a/rootfs\$" "$LXCPATH/$a/config"
	ct_start "$a"
	run ct_exec "$a" hostname
	assert_output "$a"
	cove-stop -n "$a" -k
	cove-copy -n "$a" -N "$(ct b)"
	cove-copy -n "$a" -N "$(ct c)" -s
	for x in b c; do
		is_subvolume "$LXCPATH/$(ct $x)/rootfs"
		grep -q "^lxc.rootfs.path = btrfs:$LXCPATH/$(ct $x)/rootfs\$" "$LXCPATH/$(ct $x)/config"
		[ "$(cat "$LXCPATH/$(ct $x)/rootfs/etc/hostname")" = "$(ct $x)" ]
	done
	cove-snapshot -n "$a"
	is_subvolume "$LXCPATH/$a/snaps/snap0/rootfs"
	cove-snapshot -n "$a" -r snap0
	is_subvolume "$LXCPATH/$a/rootfs"
	ct_start "$(ct c)"
	run ct_exec "$(ct c)" hostname
	assert_output "$(ct c)"
	cove-destroy -n "$(ct c)" -f
	cove-destroy -n "$(ct b)"
	cove-destroy -n "$a"
	run btrfs subvolume list "$BT_MNT"
	assert_output ""
}

@test "btrfs: -B btrfs outside btrfs, or an unknown backing store: one line, nothing made" {
	before=$(disk_state)
	run_fail_one_line cove-create -n "$(ct a)" -t busybox -B btrfs
	[[ "$stderr" == *"btrfs"* ]]
	run_fail_one_line cove-create -n "$(ct a)" -t busybox -B zfs
	assert_unchanged "$before"
}
