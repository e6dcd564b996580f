# SPDX-License-Identifier: GPL-2.0-or-later
# helpers.bash - loaded by every integration suite (`load helpers`).
#
# Each test gets its own temporary directory TESTDIR (mktemp -d) holding its
# lxcpath ($LXCPATH, exported as COVE_LXCPATH, so the tools find it without
# -P), and unique container names (`ct a` -> "cvt-XXXXXX-a", XXXXXX being the
# random part of TESTDIR: cgroup names are global on the host, lxcpaths are
# not). teardown kills (cove-stop -k) and destroys every container in the
# lxcpath, then looks for leftovers (processes, cgroups, mounts that mention
# the test's names or TESTDIR), removes them, removes TESTDIR, and fails the
# test if it had to clean up after the tools: a leak is a bug.
#
# The tools come from the build tree: $COVE_BUILD_DIR (default build-tests in
# the source tree), PATH gets $COVE_BUILD_DIR/src/tools first.

bats_require_minimum_version 1.5.0

COVE_SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
COVE_BUILD_DIR=${COVE_BUILD_DIR:-$COVE_SRC/build-tests}
case "$COVE_BUILD_DIR" in /*) ;; *) COVE_BUILD_DIR=$COVE_SRC/$COVE_BUILD_DIR ;; esac
export COVE_BUILD_DIR
export PATH="$COVE_BUILD_DIR/src/tools:$COVE_BUILD_DIR/src/monitor:$PATH"
if [ -z "${COVE_MONITOR:-}" ] && [ -x "$COVE_BUILD_DIR/src/monitor/cove-monitor" ]; then
	export COVE_MONITOR=$COVE_BUILD_DIR/src/monitor/cove-monitor
fi

for _lib in bats-support bats-assert bats-file; do
	if [ -f "/usr/lib/bats/$_lib/load.bash" ]; then
		load "/usr/lib/bats/$_lib/load.bash"
	fi
done
unset _lib

# A hang guard for commands that talk to a terminal (tmux, script): not a
# time limit on the test, only a bound so that a hang does not eat CI's time.
HANG=${COVE_TEST_HANG_GUARD:-300}

setup() {
	common_setup
}

teardown() {
	common_teardown
}

common_setup() {
	if [ "$(id -u)" != 0 ]; then
		skip "integration tests need root (real namespaces, mounts and cgroups)"
	fi
	TESTDIR=$(mktemp -d "${COVE_TEST_TMPDIR:-/tmp}/cove-it.XXXXXX")
	chmod 755 "$TESTDIR"
	UNIQ="cvt-${TESTDIR##*.}"
	LXCPATH=$TESTDIR/lxc
	mkdir -p "$LXCPATH"
	export COVE_LXCPATH=$LXCPATH
	TMUX_SOCK=$TESTDIR/tmux.sock
}

# ct SUFFIX: the unique container name for SUFFIX in this test
ct() {
	echo "$UNIQ-$1"
}

# pids_matching STRING: pids (not ours) whose command line contains STRING
pids_matching() {
	local f p
	for f in $(grep -lasF -- "$1" /proc/[0-9]*/cmdline 2>/dev/null); do
		p=${f#/proc/}
		p=${p%/cmdline}
		# grep itself matched its own command line: it is gone by now
		[ -d "/proc/$p" ] || continue
		[ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] || echo "$p"
	done
}

# our_cgroups: every cgroup directory (any hierarchy) whose name mentions UNIQ, deepest first
our_cgroups() {
	find /sys/fs/cgroup -mindepth 2 -maxdepth 8 -type d -name "*$UNIQ*" 2>/dev/null | sort -r
}

# left_pids: processes of this test still alive (by name, path or cgroup)
left_pids() {
	local cg
	{
		pids_matching "$UNIQ"
		pids_matching "$TESTDIR"
		for cg in $(our_cgroups); do cat "$cg/cgroup.procs" 2>/dev/null; done
	} | sort -u
}

# our_mounts: host mount points at or below TESTDIR, deepest first
our_mounts() {
	awk -v w="$TESTDIR" 'index($2, w) == 1 { print $2 }' /proc/self/mounts | sort -r
}

common_teardown() {
	[ -n "${TESTDIR:-}" ] && [ -d "$TESTDIR" ] || return 0
	local leaks=() d n p cg m i

	if [ -S "$TMUX_SOCK" ]; then
		tmux -S "$TMUX_SOCK" kill-server >/dev/null 2>&1
	fi
	# coved's bridges, dnsmasq and network namespace (daemon-helpers.bash)
	if type coved_net_cleanup >/dev/null 2>&1; then
		coved_net_cleanup
	fi
	for p in ${BG_PIDS:-}; do
		kill -9 "$p" 2>/dev/null
	done
	for d in "$LXCPATH"/*; do
		[ -d "$d" ] || continue
		n=${d##*/}
		cove-stop -n "$n" -k >/dev/null 2>&1
		cove-destroy -n "$n" -f >/dev/null 2>&1
		[ -e "$d" ] && leaks+=("container directory $d survived cove-destroy -f")
	done

	# Processes still alive: monitors, inits, attached commands. Give the
	# ones that are on their way out (tmux panes, attach clients) 2 s.
	for i in $(seq 1 20); do
		p=$(left_pids)
		[ -z "$p" ] && break
		sleep 0.1
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		p=$(left_pids)
		[ -z "$p" ] && break
		[ "$i" = 1 ] && leaks+=("processes left: $(for x in $p; do printf '%s(%s) ' "$x" "$(cat /proc/$x/comm 2>/dev/null)"; done)")
		kill -9 $p 2>/dev/null
		sleep 0.2
	done
	cg=$(our_cgroups)
	if [ -n "$cg" ]; then
		leaks+=("cgroups left: $(echo $cg)")
		for i in 1 2 3 4 5; do
			for d in $(our_cgroups); do rmdir "$d" 2>/dev/null; done
			[ -z "$(our_cgroups)" ] && break
			sleep 0.2
		done
	fi
	m=$(our_mounts)
	if [ -n "$m" ]; then
		leaks+=("mounts left: $(echo $m)")
		for d in $m; do umount "$d" 2>/dev/null || umount -l "$d" 2>/dev/null; done
	fi
	if [ -n "$(our_mounts)" ]; then
		echo "teardown: mounts under $TESTDIR could not be removed; not deleting it" >&2
		return 1
	fi
	rm -rf --one-file-system "$TESTDIR"
	if [ ${#leaks[@]} -gt 0 ]; then
		printf 'teardown: leak: %s\n' "${leaks[@]}" >&2
		return 1
	fi
	return 0
}

########################################################################
# container helpers (names are full names: use `ct a`)
########################################################################

# ct_create NAME [cove-create args...]: a busybox container
ct_create() {
	local n=$1
	shift
	cove-create -n "$n" -t busybox "$@"
}

# ct_conf NAME LINE...: append config lines to NAME's config
ct_conf() {
	local n=$1 l
	shift
	for l in "$@"; do
		printf '%s\n' "$l" >>"$LXCPATH/$n/config"
	done
}

# ct_rootfs NAME: host path of NAME's rootfs (from lxc.rootfs.path)
ct_rootfs() {
	local r
	r=$(sed -n 's/^[[:space:]]*lxc\.rootfs\.path[[:space:]]*=[[:space:]]*//p' "$LXCPATH/$1/config" | tail -1)
	r=${r#dir:}
	[ -n "$r" ] || r=$LXCPATH/$1/rootfs
	echo "$r"
}

# ct_start NAME [args]: start detached; returns once RUNNING (cove-start's promise)
ct_start() {
	local n=$1
	shift
	cove-start -n "$n" -d "$@"
}

# ct_state NAME: STOPPED, RUNNING, ...
ct_state() {
	cove-info -n "$1" -s | awk -F: '/State/ { gsub(/[[:space:]]/, "", $2); print $2 }'
}

# ct_pid NAME: host pid of the container's init
ct_pid() {
	cove-info -n "$1" -p | awk -F: '/PID/ { gsub(/[[:space:]]/, "", $2); print $2 }'
}

# mon_sock NAME: the control socket of NAME's monitor (src/runtime/monitor-proto.h)
mon_sock() {
	printf '/run/cove/mon/%x-%x\n' $(stat -c '%d %i' "$LXCPATH/$1")
}

# ct_exec NAME CMD...: run CMD in the container (cove-attach -- CMD)
ct_exec() {
	local n=$1
	shift
	cove-attach -n "$n" -- "$@"
}

# ct_create_started NAME [config lines...]: create, add lines, start
ct_create_started() {
	local n=$1
	shift
	ct_create "$n" || return 1
	[ $# -gt 0 ] && ct_conf "$n" "$@"
	ct_start "$n"
}

# ct_write_init NAME: install /cove-test-init.sh in the rootfs and make it
# lxc.init.cmd. It records that it started, traps the halt signals (SIGPWR,
# SIGUSR1, SIGUSR2, SIGTERM: writes /halt.marker with the signal name and
# exits 0) and otherwise sleeps. IGNORE=1: it records the signal but keeps running.
ct_write_init() {
	local n=$1 r act
	r=$(ct_rootfs "$n")
	act='exit 0'
	[ "${IGNORE:-0}" = 1 ] && act=':'
	cat >"$r/cove-test-init.sh" <<EOF
#!/bin/sh
echo "\$\$" > /init.started
trap 'echo PWR >> /halt.marker; $act' PWR
trap 'echo USR1 >> /halt.marker; $act' USR1
trap 'echo USR2 >> /halt.marker; $act' USR2
trap 'echo TERM >> /halt.marker; $act' TERM
while :; do
	sleep 1000 &
	wait \$!
done
EOF
	chmod 755 "$r/cove-test-init.sh"
	ct_conf "$n" "lxc.init.cmd = /cove-test-init.sh"
}

########################################################################
# assertions
########################################################################

# disk_state: a listing of everything under LXCPATH (names, types, sizes,
# modes, mtimes) plus checksums of regular files; compare before/after.
disk_state() {
	(
		cd "$LXCPATH" || exit 1
		find . -xdev -printf '%p %y %s %m %T@\n' | sort
		find . -xdev -type f -size -1M -exec md5sum {} + 2>/dev/null | sort
	)
}

# run_fail_one_line CMD...: run CMD; assert a non-zero exit and exactly one
# non-empty line on stderr. Sets $status, $output (stdout), $stderr.
run_fail_one_line() {
	run --separate-stderr "$@"
	if [ "$status" -eq 0 ]; then
		echo "expected a failure from: $*" >&2
		echo "stdout: $output" >&2
		echo "stderr: $stderr" >&2
		return 1
	fi
	local nl
	nl=$(printf '%s\n' "$stderr" | grep -c .)
	if [ "$nl" -ne 1 ]; then
		echo "expected exactly one line on stderr from: $*, got $nl:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
}

# assert_unchanged BEFORE: the disk state equals BEFORE
assert_unchanged() {
	local after
	after=$(disk_state)
	if [ "$1" != "$after" ]; then
		echo "the lxcpath changed:" >&2
		diff <(printf '%s\n' "$1") <(printf '%s\n' "$after") >&2
		return 1
	fi
}

# cgroup_dirs PID: the cgroup directories of PID in every mounted hierarchy
cgroup_dirs() {
	local line ctrl path mnt
	while IFS= read -r line; do
		ctrl=$(echo "$line" | cut -d: -f2)
		path=$(echo "$line" | cut -d: -f3-)
		[ "$path" = / ] && continue
		if [ -z "$ctrl" ]; then
			mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
		else
			ctrl=${ctrl#name=}
			mnt=$(awk -v c="$ctrl" '$3 == "cgroup" {
				n = split($4, o, ","); for (i = 1; i <= n; i++) if (o[i] == c || o[i] == "name=" c) { print $2; exit }
			}' /proc/self/mounts)
		fi
		[ -n "$mnt" ] && echo "$mnt$path"
	done <"/proc/$1/cgroup"
}

# wait_for_file PATH [TRIES]: poll (0.1 s) until PATH exists; a hang guard only
wait_for_file() {
	local i
	for ((i = 0; i < ${2:-600}; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1" >&2
	return 1
}

# wait_for_grep PATTERN FILE [TRIES]
wait_for_grep() {
	local i
	for ((i = 0; i < ${3:-600}; i++)); do
		grep -q -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$1' in $2" >&2
	return 1
}

# tmux helpers: a private server per test (socket in TESTDIR)
tm() {
	tmux -S "$TMUX_SOCK" "$@"
}

# tm_start COLS ROWS CMD: a detached session running CMD in a COLSxROWS window
tm_start() {
	local cols=$1 rows=$2
	shift 2
	tm -f /dev/null new-session -d -s t -x "$cols" -y "$rows" "$*; echo EXIT=\$? > $TESTDIR/tmux.exit; sleep 100000" &&
		tm set-option -g window-size manual >/dev/null 2>&1
	return 0
}

# tm_screen: what the pane shows
tm_screen() {
	tm capture-pane -p -t t
}

# tm_send_until PATTERN KEYS...: send KEYS (tmux send-keys syntax) until
# PATTERN shows on the pane: what is typed before the client switched its
# terminal to raw mode may be flushed, so type again (hang guard: HANG s)
tm_send_until() {
	local pat=$1 i j
	shift
	for ((i = 0; i < HANG / 2; i++)); do
		tm send-keys -t t "$@"
		for ((j = 0; j < 20; j++)); do
			tm_screen | grep -q -- "$pat" && return 0
			sleep 0.1
		done
	done
	echo "timed out waiting for '$pat' on the terminal; it shows:" >&2
	tm_screen >&2
	return 1
}

# tm_wait_screen PATTERN: poll the pane until PATTERN shows (hang guard)
tm_wait_screen() {
	local i
	for ((i = 0; i < HANG * 10; i++)); do
		tm_screen | grep -q -- "$1" && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$1' on the terminal; it shows:" >&2
	tm_screen >&2
	return 1
}
