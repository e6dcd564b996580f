#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad configs (malformed lines, unknown keys, bad values, includes) fail the
# start with one line naming file, line and key, and change nothing. Keys
# whose issues have not landed (networking other than empty/none, cgroup
# limits, idmap, capabilities, seccomp) used to fail the start with "not
# supported yet"; those that have landed must now show their effect. The
# tutorial's configs parse.

load helpers

setup() {
	common_setup
	N=$(ct a)
	ct_create "$N"
	CONF=$LXCPATH/$N/config
}

# bad_start LINE... : append LINE(s), start must fail with one line that names
# the config file and the line number of the first appended line; nothing
# changes, no cgroup, no process
bad_start() {
	local line before
	line=$(($(wc -l <"$CONF") + 1))
	ct_conf "$N" "$@"
	before=$(disk_state)
	run_fail_one_line cove-start -n "$N" -d
	echo "stderr: $stderr"
	[[ "$stderr" == *"$CONF"* ]] || [[ "$stderr" == *"config"* ]]
	[[ "$stderr" =~ [^0-9]$line([^0-9]|$) ]] || { echo "line $line not named" >&2; false; }
	assert_unchanged "$before"
	[ "$(ct_state "$N")" = STOPPED ]
	[ -z "$(our_cgroups)" ]
}

@test "a malformed line (no '=') fails with file and line" {
	bad_start "this line has no equals sign"
}

@test "an unknown key fails with file, line and key" {
	bad_start "lxc.no.such.key = 1"
	[[ "$stderr" == *lxc.no.such.key* ]]
}

@test "a key without the lxc. prefix fails" {
	bad_start "uts.name = x"
}

@test "bad values fail with file, line and key" {
	for kv in "lxc.tty.max = four" "lxc.pty.max = -3" "lxc.signal.halt = SIGNOPE" \
		"lxc.start.auto = maybe" "lxc.mount.auto = proc:bogus" "lxc.autodev = 2" \
		"lxc.init.uid = root-ish" "lxc.prlimit.nofile = lots" "lxc.log.level = chatty" \
		"lxc.no_new_privs = perhaps" "lxc.arch = vax" "lxc.net.0.type = carrier-pigeon"; do
		cp "$CONF" "$TESTDIR/config.orig"
		bad_start "$kv"
		[[ "$stderr" == *"${kv%% =*}"* ]] || { echo "key ${kv%% =*} not named" >&2; false; }
		cp "$TESTDIR/config.orig" "$CONF"
	done
}

@test "lxc.include of a missing file fails with one line" {
	bad_start "lxc.include = $TESTDIR/no-such-file.conf"
}

@test "a bad line in an included file names that file and its line" {
	printf '# comment\nlxc.tty.max = 1\nlxc.bogus.key = 1\n' >"$TESTDIR/inc.conf"
	ct_conf "$N" "lxc.include = $TESTDIR/inc.conf"
	before=$(disk_state)
	run_fail_one_line cove-start -n "$N" -d
	[[ "$stderr" == *"$TESTDIR/inc.conf"* ]]
	[[ "$stderr" =~ [^0-9]3([^0-9]|$) ]]
	[[ "$stderr" == *lxc.bogus.key* ]]
	assert_unchanged "$before"
}

@test "lxc.include of a good file is followed" {
	printf 'lxc.uts.name = included-name\n' >"$TESTDIR/inc.conf"
	ct_conf "$N" "lxc.include = $TESTDIR/inc.conf" "lxc.init.cmd = /bin/sleep 100000"
	run cove-start -n "$N" -d
	assert_success
	run ct_exec "$N" hostname
	assert_output included-name
}

@test "comments and blank lines are fine" {
	ct_conf "$N" "" "# a comment" "   # indented comment" "	"
	run cove-start -n "$N" -d
	assert_success
}

########################################################################
# not supported yet: until its issue lands, each fails the start and names
# its key; once it has landed, its effect must show. Never silently ignored.
########################################################################

# unsupported KEY CHECK LINE...: append LINEs; the start either fails with
# one line saying "not supported yet" and naming KEY (and changes nothing),
# or succeeds and CHECK (a function, given the init's pid) sees the effect
unsupported() {
	local key=$1 check=$2 pid
	shift 2
	ct_conf "$N" "$@"
	before=$(disk_state)
	run --separate-stderr cove-start -n "$N" -d
	echo "status: $status stderr: $stderr"
	if [ "$status" -ne 0 ]; then
		[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
		[[ "$stderr" == *"not supported yet"* ]]
		[[ "$stderr" == *"$key"* ]]
		assert_unchanged "$before"
		[ "$(ct_state "$N")" = STOPPED ]
		[ -z "$(our_cgroups)" ]
		[ -z "$(pids_matching "$N")" ]
	else
		pid=$(ct_pid "$N")
		"$check" "$pid"
	fi
}

# supported KEY CHECK LINE...: the key has landed: the start succeeds and
# CHECK (given the init's pid) sees its effect
supported() {
	local key=$1 check=$2 pid
	shift 2
	ct_conf "$N" "$@"
	run --separate-stderr cove-start -n "$N" -d
	echo "status: $status stderr: $stderr"
	assert_success
	pid=$(ct_pid "$N")
	"$check" "$pid"
}

has_eth0() {
	run ct_exec "$N" sh -c "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"
	assert_line eth0
}
mem_limit_64m() {
	local d
	d=$(cgroup_dirs "$1" | grep '/memory/' | head -1)
	[ "$(cat "$d/memory.limit_in_bytes")" = 67108864 ]
}
cgroup2_mem() {
	local d
	d=$(cgroup_dirs "$1" | grep -v '/memory/' | while read -r x; do [ -e "$x/memory.max" ] && echo "$x"; done | head -1)
	if [ -n "$d" ]; then
		[ "$(cat "$d/memory.max")" = 536870912 ]
	else
		# a v1 host: the v2 key is translated to memory.limit_in_bytes
		d=$(cgroup_dirs "$1" | grep '/memory/' | head -1)
		[ "$(cat "$d/memory.limit_in_bytes")" = 536870912 ]
	fi
}
idmapped() {
	run cat "/proc/$1/uid_map"
	assert_output --regexp '^ *0 +100000 +65536$'
}
capbnd() { # PID -> hex CapBnd
	awk '/^CapBnd:/ { print $2 }' "/proc/$1/status"
}
no_sys_admin_time() {
	local b
	b=$((16#$(capbnd "$1")))
	[ $((b & (1 << 21))) -eq 0 ] && [ $((b & (1 << 25))) -eq 0 ] && [ $((b & 1)) -ne 0 ]
}
only_sys_admin() {
	[ $((16#$(capbnd "$1"))) -eq $((1 << 21)) ]
}
seccomp_on() {
	run awk '/^Seccomp:/ { print $2 }' "/proc/$1/status"
	assert_output 2
	run ct_exec "$N" mknod /tmp/cove-node c 1 3
	assert_failure
}

@test "lxc.net.0.type = veth: not supported yet, or an eth0 inside" {
	unsupported lxc.net.0 has_eth0 "lxc.net.0.type = veth" "lxc.net.0.name = eth0" "lxc.net.0.flags = up"
}

@test "lxc.cgroup.* (v1 limits): the limit is set" {
	supported lxc.cgroup.memory.limit_in_bytes mem_limit_64m "lxc.cgroup.memory.limit_in_bytes = 64M"
}

@test "lxc.cgroup2.* (v2 limits): the limit is set (translated on a v1 host)" {
	supported lxc.cgroup2.memory.max cgroup2_mem "lxc.cgroup2.memory.max = 512M"
}

@test "lxc.idmap: init's uid_map" {
	supported lxc.idmap idmapped "lxc.idmap = u 0 100000 65536" "lxc.idmap = g 0 100000 65536"
}

@test "lxc.cap.drop: gone from the bounding set" {
	supported lxc.cap.drop no_sys_admin_time "lxc.cap.drop = sys_admin sys_time"
}

@test "lxc.cap.keep: the only capability left" {
	supported lxc.cap.keep only_sys_admin "lxc.cap.keep = sys_admin"
}

@test "lxc.seccomp.profile: the filter on init" {
	printf '2\ndenylist\nmknod errno 1\nmknodat errno 1\n' >"$TESTDIR/seccomp"
	supported lxc.seccomp.profile seccomp_on "lxc.seccomp.profile = $TESTDIR/seccomp"
}

@test "lxc.net.0.type = empty works: only lo" {
	ct_conf "$N" "lxc.net.0.type = empty"
	run cove-start -n "$N" -d
	assert_success
	run ct_exec "$N" sh -c "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"
	assert_success
	assert_output lo
	pid=$(ct_pid "$N")
	[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ]
}

@test "the netns made ahead of the clone: lo up, configurable by root inside, the host's lo untouched" {
	ct_conf "$N" "lxc.net.0.type = empty"
	host_mtu=$(cat /sys/class/net/lo/mtu)
	run cove-start -n "$N" -d
	assert_success
	run ct_exec "$N" ip link show lo
	assert_output --partial ",UP"
	run ct_exec "$N" ping -c 1 -W 2 127.0.0.1
	assert_success
	run ct_exec "$N" ip link set lo mtu 1280
	assert_success
	run ct_exec "$N" cat /sys/class/net/lo/mtu
	assert_output 1280
	[ "$(cat /sys/class/net/lo/mtu)" = "$host_mtu" ]
	# a second start (after a stop) makes a fresh one
	run cove-stop -n "$N" -k
	assert_success
	run cove-start -n "$N" -d
	assert_success
	run ct_exec "$N" cat /sys/class/net/lo/mtu
	assert_output 65536
}

@test "lxc.net.0.type = none works: the host's network namespace" {
	ct_conf "$N" "lxc.net.0.type = none"
	run cove-start -n "$N" -d
	assert_success
	pid=$(ct_pid "$N")
	[ "$(readlink /proc/$pid/ns/net)" = "$(readlink /proc/self/ns/net)" ]
}

@test "-s lxc.net.0.type=none on the command line: the host's network namespace, and -s lxc.idmap an owned one" {
	run cove-start -n "$N" -d -s lxc.net.0.type=none
	assert_success
	pid=$(ct_pid "$N")
	[ "$(readlink /proc/$pid/ns/net)" = "$(readlink /proc/self/ns/net)" ]
	cove-stop -n "$N" -k
	# with a user namespace the netns is the user namespace's (made by the clone)
	local id=${COVE_TEST_SUBID:-100000}
	run cove-start -n "$N" -d -s "lxc.idmap=u 0 $id 65536" -s "lxc.idmap=g 0 $id 65536"
	assert_success
	pid=$(ct_pid "$N")
	[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ]
	run ct_exec "$N" ip link set lo mtu 1500
	assert_success
}

@test "no network configured: a new network namespace with only lo" {
	sed -i '/^[[:space:]]*lxc\.net\./d' "$CONF"
	run cove-start -n "$N" -d
	assert_success
	pid=$(ct_pid "$N")
	[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ]
	run ct_exec "$N" sh -c "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"
	assert_output lo
}

########################################################################
# the tutorial's configs
########################################################################

@test "the tutorial's /etc/lxc/default.conf (8.3.1) parses; the start fails with one line" {
	cat >>"$CONF" <<'EOF2'
# Réseau par défaut
lxc.net.0.type = veth
lxc.net.0.link = lxcbr0
lxc.net.0.flags = up
lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx

# Mapping des utilisateurs (pour conteneurs non-privilégiés)
lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536

# Point de montage pour systemd
lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed
EOF2
	run --separate-stderr cove-info -n "$N"
	assert_success
	run --separate-stderr cove-ls -f
	assert_success
	# with no lxcbr0 on this host the start must fail, with one line
	# (a key not supported yet, or the missing bridge)
	[ -e /sys/class/net/lxcbr0 ] && skip "lxcbr0 exists here: not starting a container on the host's bridge"
	run_fail_one_line cove-start -n "$N" -d
}

@test "the tutorial's container config (8.3.2) parses; the start fails with one line" {
	mkdir -p "$TESTDIR/host/shared"
	cat >>"$CONF" <<EOF2
# Configuration réseau
lxc.net.0.type = veth
lxc.net.0.name = eth0
lxc.net.0.link = lxcbr0
lxc.net.0.flags = up
lxc.net.0.ipv4.address = 10.0.3.100/24

# Limitations de ressources
lxc.cgroup2.memory.max = 512M
lxc.cgroup2.cpu.max = 50000 100000

# Points de montage
lxc.mount.entry = $TESTDIR/host/shared $(ct_rootfs "$N")/shared none bind,create=dir 0 0

# Sécurité
lxc.cap.drop = sys_admin sys_time
lxc.seccomp.profile = /usr/share/lxc/config/common.seccomp
EOF2
	run --separate-stderr cove-info -n "$N"
	assert_success
	[ -e /sys/class/net/lxcbr0 ] && skip "lxcbr0 exists here: not starting a container on the host's bridge"
	run_fail_one_line cove-start -n "$N" -d
}
