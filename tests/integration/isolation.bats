#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# What the container sees: hostname, /proc and /sys per lxc.mount.auto, /dev,
# lxc.mount.entry (bind, create=dir|file, tmpfs, optional, relative
# targets), lxc.environment, lxc.init.*, lxc.tty.max, sysctl, prlimit.

load helpers

setup() {
	common_setup
	N=$(ct a)
	ct_create "$N"
	R=$(ct_rootfs "$N")
	# a neutral init: what the container sees is then what cove set up, not
	# what the template's boot script changed afterwards (create.bats boots that)
	ct_conf "$N" "lxc.init.cmd = /bin/sleep 100000"
}

# mnt_line TARGET: the container's /proc/mounts line for TARGET
mnt_line() {
	ct_exec "$N" cat /proc/mounts | awk -v t="$1" '$2 == t'
}

@test "hostname is lxc.uts.name (the name by default)" {
	ct_start "$N"
	run ct_exec "$N" hostname
	assert_output "$N"
	cove-stop -n "$N" -k
	ct_conf "$N" "lxc.uts.name = probe-host"
	ct_start "$N"
	run ct_exec "$N" hostname
	assert_output probe-host
	run ct_exec "$N" cat /proc/sys/kernel/hostname
	assert_output probe-host
	# the host's hostname did not change
	[ "$(hostname)" != probe-host ]
}

@test "lxc.mount.auto = proc:mixed sys:ro: /proc rw with /proc/sys ro, /sys ro" {
	ct_conf "$N" "lxc.mount.auto =" "lxc.mount.auto = proc:mixed sys:ro"
	ct_start "$N"
	run mnt_line /proc
	assert_output --regexp '^proc /proc proc '
	run mnt_line /proc/sys
	assert_output --regexp '[ ,]ro[ ,]'
	run mnt_line /sys
	assert_output --regexp '^[^ ]+ /sys sysfs (ro|ro,.*) '
	run ct_exec "$N" sh -c 'echo 1 > /proc/sys/kernel/ns_last_pid'
	assert_failure
	run ct_exec "$N" touch /sys/cove-test
	assert_failure
}

@test "lxc.mount.auto = proc:rw sys:rw: both writable mounts" {
	ct_conf "$N" "lxc.mount.auto =" "lxc.mount.auto = proc:rw sys:rw"
	ct_start "$N"
	run mnt_line /proc
	assert_output --regexp '^proc /proc proc rw'
	run mnt_line /sys
	assert_output --regexp '^[^ ]+ /sys sysfs rw'
}

@test "lxc.mount.auto = sys:mixed: /sys ro" {
	ct_conf "$N" "lxc.mount.auto =" "lxc.mount.auto = proc:mixed sys:mixed"
	ct_start "$N"
	run mnt_line /sys
	assert_output --regexp ' sysfs ro'
}

@test "lxc.mount.auto = cgroup:mixed: the container's cgroups are mounted" {
	ct_conf "$N" "lxc.mount.auto =" "lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed"
	ct_start "$N"
	run ct_exec "$N" cat /proc/mounts
	assert_output --regexp ' /sys/fs/cgroup[^ ]* (cgroup|cgroup2|tmpfs) '
	# inside the cgroup namespace the container's cgroup is the root
	run ct_exec "$N" cat /proc/1/cgroup
	assert_output --regexp ':/$'
}

@test "cgroup:mixed with mount entries: entries come after the automounts, also over /sys/fs/cgroup" {
	# the cgroup automounts are made late when no entry touches /sys: the
	# entries still see /proc, and the cgroup tree is the container's
	ct_conf "$N" "lxc.mount.auto =" "lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed" \
		"lxc.mount.entry = tmpfs tmp/scratch tmpfs size=1m,create=dir 0 0"
	ct_start "$N"
	run ct_exec "$N" cat /proc/1/cgroup
	assert_output --regexp ':/$'
	run mnt_line /tmp/scratch
	assert_output --regexp '^tmpfs /tmp/scratch tmpfs '
	cove-stop -n "$N" -k
	# an entry over /sys/fs/cgroup is mounted on top of the cgroup automount, as in LXC
	ct_conf "$N" "lxc.mount.entry = tmpfs sys/fs/cgroup tmpfs size=1m 0 0"
	ct_start "$N"
	run ct_exec "$N" sh -c 'ls /sys/fs/cgroup | wc -l'
	assert_output 0
	run ct_exec "$N" cat /proc/1/cgroup
	assert_output --regexp ':/$'
}

@test "without proc in lxc.mount.auto, /proc is not mounted" {
	ct_conf "$N" "lxc.mount.auto =" "lxc.init.cmd = /bin/sleep 100000"
	ct_start "$N"
	# no ps, no /proc: ask the host what the init's mount table is
	pid=$(ct_pid "$N")
	run awk '$2 == "/proc"' "/proc/$pid/mounts"
	assert_output ""
}

@test "/dev is populated: null zero full random urandom tty console ptmx, devpts newinstance" {
	sed -i '/dev\/shm\|dev\/mqueue/d' "$LXCPATH/$N/config" # the template's entries
	ct_conf "$N" "lxc.tty.max = 2" "lxc.pty.max = 16"
	ct_start "$N"
	for spec in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
		node=${spec%%:*} mm=${spec#*:}
		run ct_exec "$N" stat -L -c '%F %t:%T' "/dev/$node"
		assert_success
		want=$(printf 'character special file %x:%x' "${mm%%:*}" "${mm#*:}")
		[ "$output" = "$want" ] || { echo "/dev/$node: $output, want $want" >&2; false; }
	done
	run ct_exec "$N" test -c /dev/console
	assert_success
	run ct_exec "$N" test -e /dev/ptmx
	assert_success
	run ct_exec "$N" test -c /dev/tty1
	assert_success
	run ct_exec "$N" test -c /dev/tty2
	assert_success
	run ct_exec "$N" test -e /dev/tty3
	assert_failure
	run mnt_line /dev/pts
	assert_output --regexp '^devpts /dev/pts devpts '
	# a new devpts instance: none of the host's ptys is visible
	run ct_exec "$N" ls /dev/pts
	[ "$(echo "$output" | grep -cv ptmx)" -le 4 ]
	run ct_exec "$N" sh -c 'head -c 8 /dev/zero | od -An -tx1 | tr -d " \n"'
	assert_output 0000000000000000
	run ct_exec "$N" sh -c 'echo x > /dev/full'
	assert_failure
	# the host's block devices are not there
	run ct_exec "$N" sh -c 'ls /dev | grep -E "^(vd|sd|nvme|loop)"'
	assert_output ""
	# as LXC: no /dev/shm or /dev/mqueue mount of autodev's own
	run mnt_line /dev/shm
	assert_output ""
	run mnt_line /dev/mqueue
	assert_output ""
}

@test "lxc.mount.entry lines give /dev/shm and /dev/mqueue (the templates' and coved's configs)" {
	sed -i '/dev\/shm\|dev\/mqueue/d' "$LXCPATH/$N/config"
	ct_conf "$N" "lxc.mount.entry = shm dev/shm tmpfs defaults,create=dir 0 0" \
		"lxc.mount.entry = mqueue dev/mqueue mqueue defaults,optional,create=dir 0 0"
	ct_start "$N"
	run mnt_line /dev/shm
	assert_output --regexp '^shm /dev/shm tmpfs '
	run mnt_line /dev/mqueue
	assert_output --regexp '^mqueue /dev/mqueue mqueue '
	run ct_exec "$N" sh -c 'echo x > /dev/shm/f && cat /dev/shm/f'
	assert_output x
}

@test "lxc.mount.entry: bind with create=dir, relative target" {
	mkdir -p "$TESTDIR/share"
	echo from-host >"$TESTDIR/share/file"
	ct_conf "$N" "lxc.mount.entry = $TESTDIR/share mnt/share none bind,create=dir 0 0"
	ct_start "$N"
	run ct_exec "$N" cat /mnt/share/file
	assert_output from-host
	ct_exec "$N" sh -c 'echo from-ct > /mnt/share/back'
	[ "$(cat "$TESTDIR/share/back")" = from-ct ]
	# the host's mount table is untouched
	! grep -q "$TESTDIR/share" /proc/self/mounts
}

@test "lxc.mount.entry: bind ro of a file with create=file" {
	echo file-from-host >"$TESTDIR/onefile"
	ct_conf "$N" "lxc.mount.entry = $TESTDIR/onefile etc/bound-file none bind,ro,create=file 0 0"
	ct_start "$N"
	run ct_exec "$N" cat /etc/bound-file
	assert_output file-from-host
	run ct_exec "$N" sh -c 'echo x > /etc/bound-file'
	assert_failure
	[ "$(cat "$TESTDIR/onefile")" = file-from-host ]
}

@test "lxc.mount.entry: tmpfs with options" {
	ct_conf "$N" "lxc.mount.entry = tmpfs tmp/scratch tmpfs size=1m,mode=1777,create=dir 0 0"
	ct_start "$N"
	run mnt_line /tmp/scratch
	assert_output --regexp '^tmpfs /tmp/scratch tmpfs '
	assert_output --partial 'size=1024k'
	ct_exec "$N" sh -c 'echo x > /tmp/scratch/f'
	[ ! -e "$R/tmp/scratch/f" ]
}

@test "lxc.mount.entry: absolute target under the rootfs path" {
	mkdir -p "$TESTDIR/abs"
	echo abs >"$TESTDIR/abs/f"
	ct_conf "$N" "lxc.mount.entry = $TESTDIR/abs $R/srv/abs none bind,create=dir 0 0"
	ct_start "$N"
	run ct_exec "$N" cat /srv/abs/f
	assert_output abs
}

@test "lxc.mount.entry: optional with a missing source is skipped" {
	ct_conf "$N" "lxc.mount.entry = $TESTDIR/missing mnt/opt none bind,optional,create=dir 0 0"
	run cove-start -n "$N" -d
	assert_success
	run mnt_line /mnt/opt
	assert_output ""
}

@test "lxc.mount.entry: a missing source (not optional) fails the start with one line" {
	ct_conf "$N" "lxc.mount.entry = $TESTDIR/missing mnt/opt none bind,create=dir 0 0"
	run_fail_one_line cove-start -n "$N" -d
	[ "$(ct_state "$N")" = STOPPED ]
	[ -z "$(our_cgroups)" ]
}

@test "lxc.mount.entry: a target that escapes the rootfs through a symlink stays inside" {
	mkdir -p "$TESTDIR/outside" "$TESTDIR/src"
	echo src >"$TESTDIR/src/f"
	ln -s "$TESTDIR/outside" "$R/escape"
	ct_conf "$N" "lxc.mount.entry = $TESTDIR/src escape none bind,optional 0 0"
	run cove-start -n "$N" -d
	# whatever happened, nothing was mounted on the host's directory
	! grep -q " $TESTDIR/outside " /proc/self/mounts
	[ -z "$(ls -A "$TESTDIR/outside")" ]
}

@test "lxc.mount.fstab is read like mount entries" {
	mkdir -p "$TESTDIR/share"
	echo via-fstab >"$TESTDIR/share/f"
	echo "$TESTDIR/share mnt/fstab none bind,create=dir 0 0" >"$TESTDIR/fstab"
	ct_conf "$N" "lxc.mount.fstab = $TESTDIR/fstab"
	ct_start "$N"
	run ct_exec "$N" cat /mnt/fstab/f
	assert_output via-fstab
}

@test "lxc.environment is in init's environment" {
	ct_conf "$N" "lxc.environment = COVE_TEST_A=alpha" "lxc.environment = COVE_TEST_B=b e t a"
	ct_start "$N"
	pid=$(ct_pid "$N")
	run bash -c "tr '\0' '\n' < /proc/$pid/environ"
	assert_line COVE_TEST_A=alpha
	assert_line "COVE_TEST_B=b e t a"
	run ct_exec "$N" sh -c "tr '\0' '\n' < /proc/1/environ"
	assert_line COVE_TEST_A=alpha
}

@test "lxc.environment with a name only passes the host's value" {
	export COVE_TEST_PASS=from-host-env
	ct_conf "$N" "lxc.environment = COVE_TEST_PASS"
	ct_start "$N"
	pid=$(ct_pid "$N")
	run bash -c "tr '\0' '\n' < /proc/$pid/environ"
	assert_line COVE_TEST_PASS=from-host-env
}

@test "lxc.init.cmd, lxc.init.cwd, lxc.init.uid/gid" {
	mkdir -p "$R/work"
	ct_conf "$N" "lxc.init.cmd = /bin/sleep 424242" "lxc.init.cwd = /work" \
		"lxc.init.uid = 1000" "lxc.init.gid = 1001"
	ct_start "$N"
	pid=$(ct_pid "$N")
	run bash -c "tr '\0' ' ' < /proc/$pid/cmdline"
	assert_output "/bin/sleep 424242 "
	[ "$(readlink /proc/$pid/cwd)" = "$R/work" ] || [ "$(cove-attach -n "$N" -- readlink /proc/1/cwd)" = /work ]
	run awk '/^Uid:/ { print $2 } /^Gid:/ { print $2 }' "/proc/$pid/status"
	assert_output "1000
1001"
}

@test "cove-start -- CMD overrides lxc.init.cmd" {
	run cove-start -n "$N" -d -- /bin/sleep 535353
	assert_success
	pid=$(ct_pid "$N")
	run bash -c "tr '\0' ' ' < /proc/$pid/cmdline"
	assert_output "/bin/sleep 535353 "
}

@test "lxc.sysctl.* is applied inside the container only" {
	host=$(cat /proc/sys/net/ipv4/ip_default_ttl)
	ct_conf "$N" "lxc.sysctl.net.ipv4.ip_default_ttl = 33"
	ct_start "$N"
	run ct_exec "$N" cat /proc/sys/net/ipv4/ip_default_ttl
	assert_output 33
	[ "$(cat /proc/sys/net/ipv4/ip_default_ttl)" = "$host" ]
}

@test "lxc.prlimit.* sets init's resource limits" {
	ct_conf "$N" "lxc.prlimit.nofile = 512:1024" "lxc.prlimit.core = 0"
	ct_start "$N"
	pid=$(ct_pid "$N")
	run awk '/^Max open files/ { print $4, $5 } /^Max core file size/ { print $5, $6 }' "/proc/$pid/limits"
	assert_line "512 1024"
	assert_line "0 0"
}

@test "lxc.no_new_privs = 1 sets NoNewPrivs on init" {
	ct_conf "$N" "lxc.no_new_privs = 1"
	ct_start "$N"
	pid=$(ct_pid "$N")
	run awk '/^NoNewPrivs:/ { print $2 }' "/proc/$pid/status"
	assert_output 1
}

@test "lxc.autodev = 0 with lxc.mount.entry of /dev nodes is honoured" {
	ct_conf "$N" "lxc.autodev = 0"
	run cove-start -n "$N" -d
	assert_success
	pid=$(ct_pid "$N")
	# no tmpfs on /dev created by cove
	run awk '$2 == "/dev" && $3 == "tmpfs"' "/proc/$pid/mounts"
	assert_output ""
}

@test "lxc.log.file receives the log" {
	ct_conf "$N" "lxc.log.file = $TESTDIR/ct.log" "lxc.log.level = DEBUG"
	ct_start "$N"
	cove-stop -n "$N" -k
	[ -s "$TESTDIR/ct.log" ]
}
