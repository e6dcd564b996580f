#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Capabilities (lxc.cap.drop / lxc.cap.keep and the default drops), seccomp
# (LXC profile versions 1 and 2, denylist and allowlist, per-arch sections,
# errno actions, the default policy), and the hardening that holds by
# default in a privileged container (/proc and /sys mixed, no host fds,
# non-dumpable attach from a sealed copy). Bad capability names and bad
# profiles fail the start with one line and leave nothing behind.

load helpers

setup() {
	common_setup
	N=$(ct s)
	ct_create "$N"
}

bad_start() { # LINE: one line naming the key (and WORD, if given), nothing left behind
	ct_conf "$N" "$1"
	before=$(disk_state)
	run_fail_one_line cove-start -n "$N" -d
	echo "stderr: $stderr"
	[ "$(ct_state "$N")" = STOPPED ]
	assert_unchanged "$before"
	[ -z "$(our_cgroups)" ]
	[ -z "$(our_mounts)" ]
	[ -z "$(pids_matching "$N")" ]
}

capbnd() { # NAME: CapBnd of init, as a number
	echo $((16#$(awk '/^CapBnd:/ { print $2 }' "/proc/$(ct_pid "$1")/status")))
}

@test "tutorial: lxc.cap.drop = sys_admin sys_time: date -s and mount fail inside" {
	ct_conf "$N" "lxc.cap.drop = sys_admin sys_time"
	ct_start "$N"
	# busybox date reports the failure but exits 0
	run ct_exec "$N" date -s "2001-01-01 00:00:00"
	assert_output --partial "can't set date"
	[ "$(date +%Y)" != 2001 ]
	run ct_exec "$N" sh -c 'mkdir -p /mnt/t && mount -t tmpfs none /mnt/t'
	assert_failure
	b=$(capbnd "$N")
	[ $((b & (1 << 21))) -eq 0 ] && [ $((b & (1 << 25))) -eq 0 ]
	# an attached process gets the same bounding set
	a=$(ct_exec "$N" awk '/^CapBnd:/ { print $2 }' /proc/self/status)
	[ $((16#$a & (1 << 21))) -eq 0 ]
}

@test "default privileged container: mount works, the default drops (sys_module, sys_rawio, sys_time) hold" {
	ct_start "$N"
	run ct_exec "$N" sh -c 'mkdir -p /mnt/t && mount -t tmpfs none /mnt/t && echo ok'
	assert_output ok
	b=$(capbnd "$N")
	[ $((b & (1 << 16))) -eq 0 ] && [ $((b & (1 << 17))) -eq 0 ] && [ $((b & (1 << 25))) -eq 0 ]
	[ $((b & (1 << 21))) -ne 0 ]
	run ct_exec "$N" date -s "2001-01-01 00:00:00"
	assert_output --partial "can't set date"
}

@test "lxc.cap.keep = sys_admin chown: nothing else left" {
	ct_conf "$N" "lxc.cap.keep = sys_admin chown"
	ct_start "$N"
	[ "$(capbnd "$N")" -eq $(((1 << 21) | 1)) ]
}

@test "seccomp: the default policy on init and attached processes" {
	ct_start "$N"
	grep -qE '^Seccomp:[[:space:]]+2' "/proc/$(ct_pid "$N")/status"
	run ct_exec "$N" grep -E '^Seccomp:' /proc/self/status
	assert_output --regexp '2$'
	# forced umount is denied, a plain one is not
	run ct_exec "$N" sh -c 'mkdir -p /mnt/t && mount -t tmpfs none /mnt/t && umount -f /mnt/t'
	assert_failure
	run ct_exec "$N" umount /mnt/t
	assert_success
}

@test "seccomp v2 denylist with errno, per-arch sections, argument conditions" {
	cat >"$TESTDIR/deny.seccomp" <<'EOF'
2
denylist
# comment
[all]
mkdir errno 13
mkdirat errno 13
[x86_64]
chroot errno 38
[arm64]
fchmodat errno 1
[all]
socket errno 97 [0,10,SCMP_CMP_EQ]
EOF
	ct_conf "$N" "lxc.seccomp.profile = $TESTDIR/deny.seccomp"
	ct_start "$N"
	run ct_exec "$N" mkdir /tmp/d
	assert_failure
	assert_output --partial "Permission denied"
	if [ "$(uname -m)" = x86_64 ]; then
		run ct_exec "$N" chroot / true
		assert_failure
		assert_output --partial "not implemented"
	fi
	run ct_exec "$N" chmod 600 /tmp
	assert_success
	run ct_exec "$N" touch /tmp/f
	assert_success
}

@test "seccomp v2 allowlist with a default errno: what is not listed fails" {
	# a shell and its helpers need these; mkdir is left out
	cat >"$TESTDIR/allow.seccomp" <<'EOF'
2
allowlist errno 1
EOF
	for s in read write open openat close stat fstat lstat newfstatat statx poll lseek mmap mprotect munmap brk \
		rt_sigaction rt_sigprocmask rt_sigreturn ioctl pread64 pwrite64 readv writev access pipe pipe2 select \
		sched_yield mremap dup dup2 dup3 nanosleep clock_nanosleep getpid clone clone3 fork vfork execve execveat exit \
		exit_group wait4 waitid kill uname fcntl getdents64 getcwd chdir fchdir rename readlink getuid getgid \
		geteuid getegid setuid setgid setresuid setresgid setgroups getppid getpgrp setsid setpgid getrlimit \
		setrlimit prlimit64 arch_prctl set_tid_address set_robust_list futex prctl capget capset gettid tgkill \
		rseq getrandom faccessat faccessat2 sysinfo close_range umask getresuid getresgid sigaltstack; do
		echo "$s" >>"$TESTDIR/allow.seccomp"
	done
	ct_conf "$N" "lxc.seccomp.profile = $TESTDIR/allow.seccomp"
	ct_start "$N"
	run ct_exec "$N" echo still-works
	assert_output still-works
	run ct_exec "$N" mkdir /tmp/nope
	assert_failure
}

@test "seccomp version 1: an allowlist of syscall numbers" {
	[ "$(uname -m)" = x86_64 ] || skip "syscall numbers of x86_64"
	printf '1\nwhitelist\n' >"$TESTDIR/v1.seccomp"
	# everything but mkdir (83) and mkdirat (258)
	for i in $(seq 0 334) $(seq 424 450); do
		[ "$i" = 83 ] || [ "$i" = 258 ] || echo "$i" >>"$TESTDIR/v1.seccomp"
	done
	ct_conf "$N" "lxc.seccomp.profile = $TESTDIR/v1.seccomp" "lxc.init.cmd = /bin/sleep 100000"
	ct_start "$N"
	run ct_exec "$N" echo ok
	assert_output ok
	# a syscall not in a v1 allowlist kills the process
	run ct_exec "$N" mkdir /tmp/d
	assert_failure
}

@test "bad: an unknown capability name" {
	bad_start "lxc.cap.drop = sys_admin no_such_cap"
	[[ "$stderr" == *lxc.cap.drop* ]] && [[ "$stderr" == *no_such_cap* ]]
}

@test "bad: a seccomp profile with an unknown syscall names file and line" {
	printf '2\ndenylist\nmkdir errno 1\nno_such_syscall errno 1\n' >"$TESTDIR/bad.seccomp"
	bad_start "lxc.seccomp.profile = $TESTDIR/bad.seccomp"
	[[ "$stderr" == *"$TESTDIR/bad.seccomp"* ]] && [[ "$stderr" == *"line 4"* ]]
	[[ "$stderr" == *no_such_syscall* ]]
}

@test "bad: seccomp profile syntax errors" {
	for p in '3\ndenylist\n' '2\nmaybelist\n' '2\ndenylist\nmkdir errno\n' '2\ndenylist\nmkdir frobnicate\n' \
		'2\ndenylist\n[vax]\n' '2\ndenylist\nsocket errno 1 [0,1,SCMP_CMP_BOGUS]\n' '1\ndenylist\n' ''; do
		printf "$p" >"$TESTDIR/bad.seccomp"
		cp "$LXCPATH/$N/config" "$TESTDIR/config.orig"
		bad_start "lxc.seccomp.profile = $TESTDIR/bad.seccomp"
		[[ "$stderr" == *seccomp* ]]
		cp "$TESTDIR/config.orig" "$LXCPATH/$N/config"
	done
	bad_start "lxc.seccomp.profile = $TESTDIR/no-such-profile"
}

@test "privileged defaults: /proc/sys, sysrq-trigger and /sys read-only, net sysctls writable" {
	ct_start "$N"
	run ct_exec "$N" sh -c 'echo 1 > /proc/sys/kernel/sysrq'
	assert_failure
	run ct_exec "$N" sh -c 'echo h > /proc/sysrq-trigger'
	assert_failure
	run ct_exec "$N" sh -c 'touch /sys/kernel/x || echo 1 > /sys/kernel/mm/ksm/run'
	assert_failure
	run ct_exec "$N" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward'
	assert_output 1
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$(cat /proc/sys/net/ipv4/ip_forward)" ]
}

@test "no host fd in init or in an attached process; the attacher is non-dumpable and sealed" {
	ct_start "$N"
	pid=$(ct_pid "$N")
	for t in $(ls -l "/proc/$pid/fd" | awk '/->/ { print $NF }'); do
		case "$t" in /dev/null | /dev/pts/* | /dev/console) ;; *) echo "init has $t"; false ;; esac
	done
	run ct_exec "$N" sh -c 'for f in /proc/self/fd/*; do readlink $f; done'
	refute_output --partial "$TESTDIR"
	refute_output --partial "/tmp/cove-it"
	cove-attach -n "$N" -- sleep 2 &
	sleep 0.5
	exe=$(readlink "/proc/$!/exe")
	echo "cove-attach runs from $exe"
	[[ "$exe" == /memfd:* ]]
	wait
}

# kept_copies MON: the names of the sealed copies the monitor holds (COVE_MON_EXE)
kept_copies() {
	for f in /proc/"$1"/fd/*; do readlink "$f"; done 2>/dev/null | sed -n 's|^/memfd:\(cove-sealed:[^ ]*\).*|\1|p'
}

# copy_name FILE: the name a sealed copy of FILE has (attach-early.c, sealed_name)
copy_name() {
	python3 - "$1" <<'EOF2'
import os, sys
st = os.stat(sys.argv[1])
print("cove-sealed:%x:%x:%x:%x.%x" % (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns // 10**9, st.st_mtime_ns % 10**9))
EOF2
}

@test "the monitor keeps attach's sealed copy for the next attaches; another binary gets its own" {
	ct_start "$N"
	mon=$(awk '{ print $4 }' "/proc/$(ct_pid "$N")/stat")
	[ -z "$(kept_copies "$mon")" ]
	run ct_exec "$N" true
	assert_success
	[ "$(kept_copies "$mon")" = "$(copy_name "$(command -v cove-attach)")" ]
	# the next attach runs from it: no copy made (no sendfile) and the same one kept
	run strace -f -e trace=sendfile,execveat cove-attach -n "$N" -- true
	assert_success
	refute_output --partial "sendfile("
	assert_output --partial "execveat("
	[ "$(kept_copies "$mon")" = "$(copy_name "$(command -v cove-attach)")" ]
	# a different binary (another inode) is not run from that copy: it makes and hands its own
	mkdir -p "$TESTDIR/bin"
	cp "$(command -v cove-attach)" "$TESTDIR/bin/cove-attach"
	run strace -f -e trace=sendfile "$TESTDIR/bin/cove-attach" -n "$N" -- true
	assert_success
	assert_output --partial "sendfile("
	[ "$(kept_copies "$mon")" = "$(copy_name "$TESTDIR/bin/cove-attach")" ]
}

@test "bad: the monitor keeps only a sealed memfd (COVE_MON_EXE refuses a plain file)" {
	ct_start "$N"
	mon=$(awk '{ print $4 }' "/proc/$(ct_pid "$N")/stat")
	echo data >"$TESTDIR/plain"
	run python3 - "$(mon_sock "$N")" "$TESTDIR/plain" <<'EOF2'
import os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
fd = os.open(sys.argv[2], os.O_RDONLY)
# struct cove_mon_req: version 1, cmd COVE_MON_EXE (7), arg 1 (hand over), timeout, flags
s.sendmsg([struct.pack("=IIiiI", 1, 7, 1, 0, 0)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", fd))])
resp = s.recv(4096)
print("ret", struct.unpack_from("=Ii", resp)[1])
EOF2
	assert_success
	assert_output "ret -22"
	[ -z "$(kept_copies "$mon")" ]
	! ls -l /proc/"$mon"/fd | grep -q "$TESTDIR/plain"
	# and it goes on serving
	run ct_exec "$N" true
	assert_success
}

@test "attach installs the filter the container runs under, compiled by its monitor" {
	cat >"$TESTDIR/deny.seccomp" <<'EOF2'
2
denylist
mkdir errno 13
mkdirat errno 13
EOF2
	ct_conf "$N" "lxc.seccomp.profile = $TESTDIR/deny.seccomp"
	ct_start "$N"
	# the profile is read once, at start: attach does not need it any more
	rm "$TESTDIR/deny.seccomp"
	run ct_exec "$N" mkdir /tmp/d
	assert_failure
	assert_output --partial "Permission denied"
	# the same filter as init's: one filter, and Seccomp mode 2
	run ct_exec "$N" grep -E '^Seccomp(_filters)?:' /proc/self/status
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	assert_line --regexp '^Seccomp_filters:[[:space:]]+1$'
}

@test "attach: a syscall of the default denylist fails in an attached shell" {
	ct_start "$N"
	run ct_exec "$N" sh -c 'swapoff /no-such-swap'
	assert_failure
	assert_output --partial "Operation not permitted"
}
