#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove-create: the busybox and local templates, -P, -f, and bad input
# (existing name, invalid names, unknown template, hostile tarballs).

load helpers

@test "create -t busybox makes a config and a bootable rootfs" {
	n=$(ct a)
	run --separate-stderr cove-create -n "$n" -t busybox
	assert_success
	assert_file_exists "$LXCPATH/$n/config"
	r=$(ct_rootfs "$n")
	assert_dir_exists "$r"
	[ -x "$r/bin/busybox" ] || [ -x "$r/usr/bin/busybox" ]
	[ -e "$r/bin/sh" ]
	grep -Eq '^[[:space:]]*lxc\.rootfs\.path[[:space:]]*=' "$LXCPATH/$n/config"
	grep -Eq "^[[:space:]]*lxc\.uts\.name[[:space:]]*=[[:space:]]*$n\$" "$LXCPATH/$n/config"
	# it boots
	run cove-start -n "$n" -d
	assert_success
	[ "$(ct_state "$n")" = RUNNING ]
}

@test "create -P uses the given lxcpath instead of COVE_LXCPATH" {
	n=$(ct a)
	other=$TESTDIR/other
	mkdir -p "$other"
	run cove-create -P "$other" -n "$n" -t busybox
	assert_success
	assert_file_exists "$other/$n/config"
	assert_file_not_exists "$LXCPATH/$n/config"
	run cove-ls -P "$other"
	assert_output --partial "$n"
	run cove-destroy -P "$other" -n "$n"
	assert_success
	assert_file_not_exists "$other/$n"
}

@test "create -f copies the keys of a config file into the new config" {
	n=$(ct a)
	printf 'lxc.uts.name = from-f-file\nlxc.environment = FROM_F=1\n' >"$TESTDIR/f.conf"
	run cove-create -n "$n" -t busybox -f "$TESTDIR/f.conf"
	assert_success
	grep -q 'FROM_F=1' "$LXCPATH/$n/config"
	run cove-start -n "$n" -d
	assert_success
	run ct_exec "$n" hostname
	assert_success
	assert_output from-f-file
}

@test "create with a name that exists fails and changes nothing" {
	n=$(ct a)
	ct_create "$n"
	echo "# marker" >>"$LXCPATH/$n/config"
	before=$(disk_state)
	run_fail_one_line cove-create -n "$n" -t busybox
	assert_unchanged "$before"
}

@test "create rejects invalid names: '/', '..', '', too long, 'a/b'" {
	long=$(printf 'x%.0s' $(seq 1 300))
	for bad in / .. "" "$long" a/b; do
		run_fail_one_line cove-create -n "$bad" -t busybox
		[ -z "$(ls -A "$LXCPATH")" ] || { ls -la "$LXCPATH" >&2; false; }
	done
	# nothing written next to the lxcpath either
	[ "$(ls -A "$TESTDIR")" = lxc ]
}

@test "create with an unknown template fails and leaves nothing" {
	n=$(ct a)
	run_fail_one_line cove-create -n "$n" -t no-such-template-xyz
	assert_output ""
	[[ "$stderr" == *no-such-template-xyz* ]]
	[ -z "$(ls -A "$LXCPATH")" ]
}

@test "create without -t is refused or makes an empty container, never a half one" {
	n=$(ct a)
	run --separate-stderr cove-create -n "$n"
	if [ "$status" -ne 0 ]; then
		[ -z "$(ls -A "$LXCPATH")" ]
	else
		assert_file_exists "$LXCPATH/$n/config"
	fi
}

########################################################################
# -t local: rootfs tarball or directory
########################################################################

# busybox_rootfs DIR: a minimal busybox tree
busybox_rootfs() {
	local r=$1 a
	mkdir -p "$r"/bin "$r"/sbin "$r"/proc "$r"/sys "$r"/dev "$r"/etc "$r"/tmp "$r"/root
	cp /bin/busybox "$r/bin/"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
	done
	ln -sf ../bin/busybox "$r/sbin/init"
	echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
	echo "root:x:0:" >"$r/etc/group"
}

# local_create NAME SOURCE: cove-create -t local with a tarball or directory
local_create() {
	cove-create -n "$1" -t local -- --fstree "$2"
}

@test "create -t local from a rootfs tarball" {
	n=$(ct a)
	busybox_rootfs "$TESTDIR/tree"
	tar -C "$TESTDIR/tree" -cJf "$TESTDIR/rootfs.tar.xz" .
	run --separate-stderr local_create "$n" "$TESTDIR/rootfs.tar.xz"
	assert_success
	r=$(ct_rootfs "$n")
	[ -x "$r/bin/busybox" ]
	[ -L "$r/bin/sh" ]
	grep -q 'lxc.rootfs.path' "$LXCPATH/$n/config"
	ct_conf "$n" "lxc.init.cmd = /bin/sleep 100000"
	run cove-start -n "$n" -d
	assert_success
	run ct_exec "$n" cat /etc/passwd
	assert_success
	assert_output --partial "root:x:0:0"
}

@test "create -t local from a rootfs directory" {
	n=$(ct a)
	busybox_rootfs "$TESTDIR/tree"
	run --separate-stderr local_create "$n" "$TESTDIR/tree"
	assert_success
	r=$(ct_rootfs "$n")
	[ -x "$r/bin/busybox" ]
	# a copy, not the source itself
	[ "$(realpath "$r")" != "$(realpath "$TESTDIR/tree")" ]
}

@test "create -t local with a missing source fails and leaves nothing" {
	n=$(ct a)
	run_fail_one_line local_create "$n" "$TESTDIR/does-not-exist.tar"
	[ -z "$(ls -A "$LXCPATH")" ]
}

# evil_tar KIND OUT: a tarball with a hostile member (python3 tarfile)
evil_tar() {
	python3 - "$1" "$2" "$TESTDIR" <<'PY'
import io, sys, tarfile
kind, out, testdir = sys.argv[1:]
def add_file(t, name, data=b"pwned\n"):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    t.addfile(ti, io.BytesIO(data))
def add_dir(t, name):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.DIRTYPE
    ti.mode = 0o755
    t.addfile(ti)
with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
    add_dir(t, "bin")
    add_file(t, "bin/ok", b"fine\n")
    if kind == "dotdot":
        add_file(t, "../../../escaped-dotdot")
        add_file(t, "bin/../../../../escaped-dotdot2")
    elif kind == "absolute":
        add_file(t, testdir + "/escaped-absolute")
    elif kind == "symlink":
        ti = tarfile.TarInfo("evil")
        ti.type = tarfile.SYMTYPE
        ti.linkname = testdir + "/outside"
        t.addfile(ti)
        add_file(t, "evil/escaped-symlink")
    elif kind == "symlink-rel":
        ti = tarfile.TarInfo("evil")
        ti.type = tarfile.SYMTYPE
        ti.linkname = "../../../../../../../../" + testdir.lstrip("/") + "/outside"
        t.addfile(ti)
        add_file(t, "evil/escaped-symlink-rel")
    elif kind == "hardlink":
        ti = tarfile.TarInfo("evil-hard")
        ti.type = tarfile.LNKTYPE
        ti.linkname = testdir + "/outside/secret"
        t.addfile(ti)
    elif kind == "hardlink-dotdot":
        ti = tarfile.TarInfo("evil-hard")
        ti.type = tarfile.LNKTYPE
        ti.linkname = "../../../../../../../../" + testdir.lstrip("/") + "/outside/secret"
        t.addfile(ti)
PY
}

# check_evil KIND: creating from it fails with one line, leaves no container,
# and nothing appeared (or changed) outside
check_evil() {
	local n
	n=$(ct "$1")
	mkdir -p "$TESTDIR/outside"
	echo secret >"$TESTDIR/outside/secret"
	evil_tar "$1" "$TESTDIR/evil-$1.tar"
	run_fail_one_line local_create "$n" "$TESTDIR/evil-$1.tar"
	[ -z "$(ls -A "$LXCPATH")" ] || { find "$LXCPATH" >&2; false; }
	[ "$(ls -A "$TESTDIR/outside")" = secret ] || { ls -la "$TESTDIR/outside" >&2; false; }
	[ "$(cat "$TESTDIR/outside/secret")" = secret ]
	[ "$(stat -c %h "$TESTDIR/outside/secret")" = 1 ]
	run find / -xdev -maxdepth 3 -name 'escaped-*' -newer "$TESTDIR/evil-$1.tar"
	assert_output ""
}

@test "create -t local refuses a tarball with '..' members" {
	check_evil dotdot
}

@test "create -t local refuses a tarball with absolute paths" {
	check_evil absolute
}

@test "create -t local refuses writing through a symlink that points outside (absolute)" {
	check_evil symlink
}

@test "create -t local refuses writing through a symlink that points outside (relative)" {
	check_evil symlink-rel
}

@test "create -t local refuses a hard link to a file outside (absolute)" {
	check_evil hardlink
}

@test "create -t local refuses a hard link to a file outside (..)" {
	check_evil hardlink-dotdot
}

@test "the busybox container boots: its boot script keeps what cove set up" {
	n=$(ct a)
	ct_create "$n"
	run cove-start -n "$n" -d
	assert_success
	# wait (hang guard) until the boot script (rcS) has finished
	for i in $(seq 1 300); do
		cove-attach -n "$n" -- ps | grep -q rcS || break
		sleep 0.1
	done
	run cove-attach -n "$n" -- ps
	refute_output --partial rcS
	# proc:mixed stays: /proc/sys read-only, not shadowed by a second /proc
	run cove-attach -n "$n" -- sh -c 'echo 1 > /proc/sys/kernel/ns_last_pid'
	assert_failure
	run cove-attach -n "$n" -- sh -c "awk '\$2 == \"/proc\"' /proc/mounts | wc -l"
	assert_output 1
}
