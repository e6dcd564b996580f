#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The escape corpus: one reproducer per attack class, each run against a
# default unprivileged container (lxc.idmap 0 -> root's subuid range) and a
# default privileged one (the busybox template, no extra settings). Each
# asserts that the attack fails and that the host's canaries (a file the
# container could reach only by escaping, the host's core_pattern,
# hostname, release_agent files and cove's own binaries) are untouched.
# Prints one line per (attack, container) and, last,
#   N blocked of M
# Exits non-zero when any attack got through or a canary changed.
# Environment: COVE_BUILD_DIR (default build-tests), COVE_TEST_SUBID (100000).
set -uo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${COVE_BUILD_DIR:-$SRC/build-tests}
case "$BUILD" in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
export PATH="$BUILD/src/tools:$PATH"
export COVE_MONITOR=$BUILD/src/monitor/cove-monitor
HOSTID=${COVE_TEST_SUBID:-$(awk -F: '$1 == "root" { print $2; exit }' /etc/subuid 2>/dev/null)}
HOSTID=${HOSTID:-100000}

if [ "$(id -u)" != 0 ]; then
	echo "security corpus: skipped (needs root)"
	echo "0 blocked of 0"
	exit 0
fi

W=$(mktemp -d /tmp/cove-sec.XXXXXX)
chmod 755 "$W"
export COVE_LXCPATH=$W/lxc
UNIQ="cvs-${W##*.}"
PRIV=$UNIQ-priv
UNPRIV=$UNIQ-unpriv
BLOCKED=0 TOTAL=0 FAILED=0

cleanup() {
	for c in "$PRIV" "$UNPRIV"; do
		cove-stop -k -n "$c" >/dev/null 2>&1
		cove-destroy -f -n "$c" >/dev/null 2>&1
	done
	umount -l "$W/canary-mnt" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

mkdir -p "$COVE_LXCPATH"
printf 'lxc.idmap = u 0 %s 65536\nlxc.idmap = g 0 %s 65536\n' "$HOSTID" "$HOSTID" >"$W/unpriv.conf"
cove-create -n "$PRIV" -t busybox >/dev/null || { echo "cannot create $PRIV"; exit 1; }
cove-create -n "$UNPRIV" -t busybox -f "$W/unpriv.conf" >/dev/null || { echo "cannot create $UNPRIV"; exit 1; }
cc -static -O2 -o "$W/probe" "$SRC/tests/security/probe.c" || { echo "cannot build the probe"; exit 1; }
for c in "$PRIV" "$UNPRIV"; do
	install -m 755 "$W/probe" "$COVE_LXCPATH/$c/rootfs/bin/cove-probe"
	cove-start -n "$c" -d || { echo "cannot start $c"; exit 1; }
done

# The canaries: what an escape would change on the host.
echo "cove canary $RANDOM$RANDOM" >"$W/canary"
chmod 644 "$W/canary"
canaries() {
	md5sum "$W/canary" "$BUILD/src/tools/cove-attach" "$BUILD/src/monitor/cove-monitor" \
		"$BUILD/src/tools/cove-start"
	cat /proc/sys/kernel/core_pattern /proc/sys/kernel/hostname /proc/sys/kernel/modprobe 2>/dev/null
	cat /sys/fs/cgroup/*/release_agent 2>/dev/null
	date +%Y-%m-%d
}
BEFORE=$(canaries)

in_ct() { # CT CMD: run a shell command in CT, output on stdout
	cove-attach -n "$1" -- sh -c "$2" 2>&1
}

# probe CT SYSCALL: the call must be refused with EPERM/EACCES
probe_blocked() {
	local out
	out=$(cove-attach -n "$1" -- /bin/cove-probe "${@:2}" 2>&1)
	echo "$out"
	[[ "$out" == blocked* ]]
}

# Each attack: a function taking the container name; 0 = blocked.
attack_sysrq() {
	! in_ct "$1" 'echo h > /proc/sysrq-trigger && echo WROTE' | grep -q WROTE
}
attack_core_pattern() { # host code execution through the core dump helper
	! in_ct "$1" "echo '|$W/canary-pwn' > /proc/sys/kernel/core_pattern && echo WROTE" | grep -q WROTE
}
attack_proc_sys_kernel() {
	! in_ct "$1" 'echo 1 > /proc/sys/kernel/sysrq && echo WROTE; echo /tmp/x > /proc/sys/kernel/modprobe && echo WROTE' | grep -q WROTE
}
attack_sys_write() {
	! in_ct "$1" 'echo 1 > /sys/kernel/mm/ksm/run && echo WROTE; echo x > /sys/kernel/uevent_helper && echo WROTE; touch /sys/x && echo WROTE' | grep -q WROTE
}
attack_release_agent() { # CVE-2022-0492: a release_agent written from inside
	! in_ct "$1" "
		for f in /sys/fs/cgroup/*/release_agent; do [ -e \"\$f\" ] && echo $W/pwn > \"\$f\" && echo WROTE; done
		mkdir -p /tmp/cg && for c in rdma memory pids freezer; do
			if mount -t cgroup -o \$c cgroup /tmp/cg 2>/dev/null; then
				[ -e /tmp/cg/release_agent ] && echo $W/pwn > /tmp/cg/release_agent && echo WROTE
				umount /tmp/cg
			fi
		done
		mount -t cgroup -o none,name=cvepwn cgroup /tmp/cg 2>/dev/null && { echo $W/pwn > /tmp/cg/release_agent && echo WROTE; umount /tmp/cg; }
		true" | grep -q WROTE
}
attack_block_device() { # the host's disk, memory and kernel log through device nodes
	local dev t
	dev=$(awk '$2 == "/" && $1 ~ /^\/dev\// { print $1; exit }' /proc/self/mounts)
	t=$(stat -L -c '%t %T' "$dev" 2>/dev/null) && dev="$((16#${t% *})) $((16#${t#* }))" || dev="254 0"
	! in_ct "$1" "mknod /tmp/disk b $dev 2>/dev/null; [ -b /tmp/disk ] && head -c 512 /tmp/disk >/dev/null 2>&1 && echo READ
		mknod /tmp/mem c 1 1 2>/dev/null; [ -c /tmp/mem ] && head -c 1 /tmp/mem >/dev/null 2>&1 && echo READ
		mknod /tmp/kmsg c 1 11 2>/dev/null; [ -c /tmp/kmsg ] && echo x > /tmp/kmsg 2>/dev/null && echo READ; true" | grep -q READ
}
attack_kexec() { probe_blocked "$1" kexec_load && probe_blocked "$1" kexec_file_load; }
attack_open_by_handle() { probe_blocked "$1" open_by_handle_at; } # the "shocker" escape
attack_modules() {
	probe_blocked "$1" init_module && probe_blocked "$1" finit_module && probe_blocked "$1" delete_module
}
attack_force_umount() { probe_blocked "$1" umount_force /proc; }
attack_iopl() { probe_blocked "$1" iopl; }
attack_set_clock() {
	in_ct "$1" 'date -s "2001-01-01 00:00:00"' | grep "can't set date" >/dev/null && [ "$(date +%Y)" != 2001 ]
}
attack_host_fds() { # no host fd in init or in an attached process
	local pid bad=0 t
	pid=$(cove-info -n "$1" -p -H | awk '{ print $NF }')
	for t in $(ls -l /proc/"$pid"/fd 2>/dev/null | awk '/->/ { print $NF }'); do
		case "$t" in /dev/null | /dev/pts/* | /dev/console | pipe:* | socket:* | anon_inode:*) ;; *) echo "init fd: $t"; bad=1 ;; esac
	done
	for t in $(in_ct "$1" 'for f in /proc/self/fd/*; do readlink "$f"; done'); do
		case "$t" in /dev/null | /dev/pts/* | /dev/console | pipe:* | socket:* | anon_inode:* | /proc/*) ;; *) echo "attach fd: $t"; bad=1 ;; esac
	done
	[ "$bad" = 0 ]
}
attack_runtime_overwrite() { # CVE-2019-5736: write the runtime binary through /proc/PID/exe
	local apid exe
	cove-attach -n "$1" -- sleep 3 &
	apid=$!
	sleep 0.5
	# the attaching process runs from a sealed memfd copy, not from the host file
	exe=$(readlink "/proc/$apid/exe" 2>/dev/null)
	echo "cove-attach runs from: $exe"
	# from inside: every /proc/PID/exe it can see, opened for writing
	in_ct "$1" 'for e in /proc/[0-9]*/exe; do /bin/cove-probe write "$e" x 2>/dev/null | grep -q allowed && echo WROTE "$e"; done; true' | tee "$W/exe.out"
	# and a command that is "#!/proc/self/exe": it runs whatever the attacher ran, inside
	in_ct "$1" 'printf "#!/proc/self/exe\n" >/tmp/selfexe; chmod 755 /tmp/selfexe'
	cove-attach -n "$1" -- /tmp/selfexe >/dev/null 2>&1
	wait "$apid" 2>/dev/null
	! grep -q WROTE "$W/exe.out" || return 1
	# privileged: container root is host root, so only a sealed copy is safe; with a
	# user namespace the host file is safe when its owner is unmapped and it is not
	# group/other writable (src/runtime/attach-exe.c)
	[[ "$exe" == /memfd:* ]] && return 0
	[ "${1##*-}" = unpriv ] && [ "$(stat -c %u "$exe")" = 0 ] &&
		[ $((0$(stat -c %a "$exe") & 022)) -eq 0 ]
}
attack_cgroup_escape() { # move ourselves out of the container's group, to the host's root
	local pid
	in_ct "$1" 'for d in /sys/fs/cgroup/*/.. /sys/fs/cgroup/..; do echo $$ > "$d/cgroup.procs" 2>/dev/null && echo MOVED; done; true' | grep -q MOVED && return 1
	# the container's init is still in its group on the host, in every hierarchy
	pid=$(cove-info -n "$1" -p -H | awk '{ print $NF }')
	! grep -v cove.payload "/proc/$pid/cgroup" | grep -q .
}
attack_mount_host() { # reach the host's files by mounting its filesystems
	! in_ct "$1" "mkdir -p /tmp/h; mount -t ext4 /dev/vda /tmp/h 2>/dev/null && echo MOUNTED; mount --bind / /tmp/h 2>/dev/null && [ -e /tmp/h$W/canary ] && echo MOUNTED; ls $W/canary 2>/dev/null && echo SEEN; true" | grep -Eq 'MOUNTED|SEEN'
}
attack_ptrace_host() { # host processes (the monitor) are not reachable
	local mon
	mon=$(pgrep -f "cove-monitor.*$1" | head -1)
	! in_ct "$1" "kill -0 $mon 2>/dev/null && echo REACHED; [ -e /proc/$mon/environ ] && cat /proc/$mon/environ >/dev/null 2>&1 && echo REACHED; true" | grep -q REACHED
}

ATTACKS=(sysrq core_pattern proc_sys_kernel sys_write release_agent block_device kexec
	open_by_handle modules force_umount iopl set_clock host_fds runtime_overwrite
	cgroup_escape mount_host ptrace_host)

for a in "${ATTACKS[@]}"; do
	for c in "$UNPRIV" "$PRIV"; do
		kind=${c##*-}
		TOTAL=$((TOTAL + 1))
		out=$("attack_$a" "$c" 2>&1)
		rc=$?
		now=$(canaries)
		if [ "$rc" -eq 0 ] && [ "$now" = "$BEFORE" ]; then
			BLOCKED=$((BLOCKED + 1))
			printf 'blocked  %-18s %s\n' "$a" "$kind"
		else
			FAILED=$((FAILED + 1))
			printf 'ESCAPED  %-18s %s\n' "$a" "$kind"
			printf '%s\n' "$out" | sed 's/^/    /'
			[ "$now" = "$BEFORE" ] || diff <(echo "$BEFORE") <(echo "$now") | sed 's/^/    canary: /'
		fi
	done
done
echo "$BLOCKED blocked of $TOTAL"
[ "$FAILED" -eq 0 ]
