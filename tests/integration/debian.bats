#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The debian template and systemd in a container: cove-create -t debian
# (debootstrap from the host's apt mirror, cached), systemd booting to
# running/degraded, journald, systemctl start/stop, clean halt through
# systemd (SIGRTMIN+3), reboot, a login-like attach, and bad input.
#
# The Debian rootfs is cached under $COVE_DEBIAN_CACHE (default
# /var/cache/cove/debian) and kept between runs: only the very first create
# debootstraps (about a minute); every test copies the cache (seconds).
# Without debootstrap or a reachable mirror (and no cache) the tests skip.

# the net helpers: each test has a network namespace of its own as its "host"
# (the DHCP test runs the monitor and cove-net's bridge there)
load net-helpers

RELEASE=${COVE_TEST_DEBIAN_RELEASE:-bookworm}
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
DEB_CACHE=${COVE_DEBIAN_CACHE:-/var/cache/cove/debian}

# One Debian container made once for the file (BASE in BASE_P, never started): the
# tests that boot systemd run copy-on-write clones of it (cove-copy -s, instant)
# instead of copying 300 MB each; the create tests make real ones.
setup_file() {
	[ "$(id -u)" = 0 ] && command -v debootstrap >/dev/null || return 0
	export BASE_P=$BATS_FILE_TMPDIR/base BASE=cvt-debbase-$$
	"$COVE_BUILD_DIR/src/tools/cove-create" -P "$BASE_P" -n "$BASE" -t debian -- \
		--release "$RELEASE" >"$BATS_FILE_TMPDIR/base.out" 2>&1 || true
}

teardown_file() {
	[ -n "${BASE_P:-}" ] && [ -d "$BASE_P/$BASE" ] &&
		"$COVE_BUILD_DIR/src/tools/cove-destroy" -P "$BASE_P" -n "$BASE" -f >/dev/null 2>&1
	return 0
}

setup() {
	net_setup
	command -v debootstrap >/dev/null || skip "debootstrap is not installed"
}

teardown() {
	net_teardown
}

# deb_clone NAME: an overlay clone of the file's base Debian container
deb_clone() {
	if [ ! -f "$BASE_P/$BASE/config" ]; then
		cat "$BATS_FILE_TMPDIR/base.out" >&2
		if grep -q "Cannot reach" "$BATS_FILE_TMPDIR/base.out"; then
			skip "the Debian mirror is not reachable and there is no cache"
		fi
		return 1
	fi
	cove-copy -P "$BASE_P" -n "$BASE" -N "$1" -p "$LXCPATH" -s
}

# deb_create NAME [template options]: a Debian container (from the cache, or it builds it)
deb_create() {
	local n=$1
	shift
	if [ ! -d "$DEB_CACHE/${RELEASE}_$ARCH" ]; then
		echo "# building the Debian cache (debootstrap, once)" >&3
	fi
	cove-create -n "$n" -t debian -- --release "$RELEASE" "$@" >"$TESTDIR/create.out" 2>&1 || {
		cat "$TESTDIR/create.out" >&2
		if grep -q "Cannot reach" "$TESTDIR/create.out"; then
			skip "the Debian mirror is not reachable and there is no cache"
		fi
		return 1
	}
}

# deb_wait_running NAME: until systemctl is-system-running answers running or degraded
deb_wait_running() {
	local i out
	for ((i = 0; i < HANG * 10; i++)); do
		# --wait blocks until the boot is over, but fails while systemd's socket is not there yet
		out=$(timeout 60 cove-attach -n "$1" -- systemctl is-system-running --wait 2>/dev/null) || true
		case "$out" in
		running | degraded)
			echo "$out"
			return 0
			;;
		esac
		sleep 0.1
	done
	echo "systemd did not come up: '$out'" >&2
	return 1
}

# deb_started NAME: clone, start (monitor log in TESTDIR/NAME.log), wait for systemd
deb_started() {
	deb_clone "$1" || return 1
	cove-start -n "$1" -o "$TESTDIR/$1.log" -l debug || return 1
	deb_wait_running "$1" >/dev/null
}

# disk_state_below: disk_state without the lxcpath's own line (a container directory
# made and removed again changes the lxcpath's mtime, nothing else)
disk_state_below() {
	disk_state | grep -v '^\. d ' || true
}

assert_unchanged_below() {
	local after
	after=$(disk_state_below)
	if [ "$1" != "$after" ]; then
		echo "the lxcpath changed:" >&2
		diff <(printf '%s\n' "$1") <(printf '%s\n' "$after") >&2
		return 1
	fi
}

@test "debian: create builds a systemd rootfs with hostname, hosts, DHCP on eth0, locked root" {
	n=$(ct d)
	deb_create "$n"
	r=$(ct_rootfs "$n")
	[ -x "$r/lib/systemd/systemd" ]
	# init is systemd (an absolute link, resolved inside the rootfs)
	[[ "$(readlink "$r/usr/sbin/init" || readlink "$r/sbin/init")" == */lib/systemd/systemd ]]
	[ "$(cat "$r/etc/hostname")" = "$n" ]
	grep -q "127.0.1.1[[:space:]]*$n\$" "$r/etc/hosts"
	grep -q '^Name=eth0' "$r/etc/systemd/network/eth0.network"
	grep -q '^DHCP=yes' "$r/etc/systemd/network/eth0.network"
	[ -L "$r/etc/systemd/system/multi-user.target.wants/systemd-networkd.service" ]
	run grep '^root:' "$r/etc/shadow"
	[[ "$output" == 'root:!'* ]]
	[ ! -s "$r/etc/machine-id" ]
	# the config lines systemd needs
	c=$LXCPATH/$n/config
	grep -Eq '^lxc.signal.halt = SIGRTMIN\+3$' "$c"
	grep -q '^lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed$' "$c"
	grep -q '^lxc.tty.max = ' "$c"
	grep -q '^lxc.pty.max = ' "$c"
	grep -q "^lxc.uts.name = $n\$" "$c"
}

@test "debian: a second create of the same release copies the cache, no download" {
	n=$(ct a)
	deb_create "$n"
	deb_create "$(ct b)"
	run cat "$TESTDIR/create.out"
	refute_output --partial "Downloading"
	[ -d "$LXCPATH/$(ct b)/rootfs/usr/lib/systemd" ]
}

@test "debian: systemd boots to running with no failed unit, as PID 1" {
	n=$(ct s)
	deb_clone "$n"
	cove-start -n "$n" -o "$TESTDIR/$n.log" -l info
	run deb_wait_running "$n"
	assert_success
	echo "state: $output" >&3
	run ct_exec "$n" systemctl --failed --no-legend --plain
	assert_success
	if [ -n "$output" ]; then
		echo "failed units: $output" >&3
	fi
	run ct_exec "$n" cat /proc/1/comm
	assert_output systemd
	# systemd got a writable name=systemd hierarchy (hybrid v1) or cgroup2
	run ct_exec "$n" sh -c 'cat /proc/1/cgroup'
	assert_output --partial "init.scope"
	run ct_exec "$n" hostname
	assert_output "$n"
}

@test "debian: journald records messages" {
	n=$(ct j)
	deb_started "$n"
	run ct_exec "$n" systemctl is-active systemd-journald
	assert_output active
	ct_exec "$n" systemd-cat -t cove-test echo "hello from $n"
	run ct_exec "$n" journalctl -t cove-test --no-pager -o cat
	assert_success
	assert_output --partial "hello from $n"
}

@test "debian: systemctl starts and stops a service" {
	n=$(ct u)
	deb_clone "$n"
	# an overlay clone: files written to its upper directory show in the container
	mkdir -p "$LXCPATH/$n/overlay/delta0/etc/systemd/system"
	cat >"$LXCPATH/$n/overlay/delta0/etc/systemd/system/cove-test.service" <<EOF
[Unit]
Description=cove test service
[Service]
ExecStart=/bin/sleep infinity
EOF
	cove-start -n "$n"
	deb_wait_running "$n"
	run ct_exec "$n" systemctl start cove-test
	assert_success
	run ct_exec "$n" systemctl is-active cove-test
	assert_output active
	run ct_exec "$n" systemctl stop cove-test
	assert_success
	run ct_exec "$n" systemctl is-active cove-test
	assert_output inactive
}

@test "debian: cove-stop halts it cleanly through systemd (SIGRTMIN+3), nothing killed" {
	n=$(ct h)
	deb_started "$n"
	run cove-stop -n "$n" -t 30
	assert_success
	[ "$(ct_state "$n")" = STOPPED ]
	# the monitor sent SIGRTMIN+3 (34 + 3 on Linux) and never had to kill
	grep -q "Sent signal $(($(kill -l RTMIN) + 3)) to init" "$TESTDIR/$n.log"
	run ! grep -q "killing it" "$TESTDIR/$n.log"
	# and systemd went through its shutdown: the (persistent) journal shows it at the next
	# boot (not as "-b -1": the boot ID is the host's, the kernel does not namespace it)
	cove-start -n "$n"
	deb_wait_running "$n"
	run ct_exec "$n" journalctl --no-pager -o cat
	assert_output --partial "Activating special unit halt.target"
	assert_output --partial "Reached target shutdown.target"
}

@test "debian: cove-stop -r reboots it: a new init that boots systemd again" {
	n=$(ct r)
	deb_started "$n"
	pid=$(ct_pid "$n")
	run cove-stop -n "$n" -r
	assert_success
	run cove-wait -n "$n" -s RUNNING -t 60
	assert_success
	for i in $(seq 1 100); do
		p=$(ct_pid "$n")
		[ -n "$p" ] && [ "$p" != "$pid" ] && break
		sleep 0.1
	done
	[ "$p" != "$pid" ]
	run deb_wait_running "$n"
	assert_success
	grep -q "rebooting" "$TESTDIR/$n.log"
	# a second reboot works too (the console pty survives systemd hanging it up)
	pid=$p
	cove-stop -n "$n" -r
	for i in $(seq 1 100); do
		p=$(ct_pid "$n")
		[ -n "$p" ] && [ "$p" != "$pid" ] && break
		sleep 0.1
	done
	[ "$p" != "$pid" ]
	deb_wait_running "$n"
	[ "$(ct_state "$n")" = RUNNING ]
}

@test "debian: cove-attach gives a root shell with a working pty" {
	n=$(ct t)
	deb_started "$n"
	tm_start 100 30 "cove-attach -n $n"
	tm_wait_screen '#'
	tm send-keys -t t "tty; id -un; stty size; echo done-\$((6*7))" Enter
	tm_wait_screen "done-42"
	run tm_screen
	assert_output --partial "/dev/pts/"
	assert_output --partial "root"
	assert_output --partial "30 100"
	tm send-keys -t t "exit" Enter
}

@test "debian: --packages installs more packages in the container" {
	n=$(ct p)
	deb_create "$n" --packages=hello
	[ -x "$(ct_rootfs "$n")/usr/bin/hello" ]
	# not in the cache: only in this container
	[ ! -e "$DEB_CACHE/${RELEASE}_$ARCH/usr/bin/hello" ]
}

@test "debian: copy -s of a Debian overlay clone boots systemd with its own hostname" {
	n=$(ct o)
	deb_clone "$n"
	cove-copy -n "$n" -N "$(ct o2)" -s
	cove-start -n "$(ct o2)"
	run deb_wait_running "$(ct o2)"
	assert_success
	run ct_exec "$(ct o2)" hostname
	assert_output "$(ct o2)"
	cove-stop -n "$(ct o2)"
}

@test "debian: an unreachable mirror fails with one line and leaves nothing" {
	n=$(ct m)
	before=$(disk_state_below)
	COVE_DEBIAN_CACHE=$TESTDIR/cache run_fail_one_line cove-create -n "$n" -t debian -- \
		--release "$RELEASE" --mirror http://127.0.0.1:1/debian
	[[ "$stderr" == *"Cannot reach the Debian mirror"* ]]
	assert_unchanged_below "$before"
	[ ! -e "$TESTDIR/cache/${RELEASE}_$ARCH" ]
}

@test "debian: an unknown release fails with one line and leaves nothing" {
	n=$(ct k)
	before=$(disk_state_below)
	run --separate-stderr cove-create -n "$n" -t debian -- --release nosuchrelease
	if [[ "$stderr" == *"Cannot reach"* ]]; then
		skip "the Debian mirror is not reachable"
	fi
	[ "$status" -ne 0 ]
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
	[[ "$stderr" == *"Unknown release 'nosuchrelease'"* ]]
	assert_unchanged_below "$before"
	[ ! -e "$DEB_CACHE/nosuchrelease_$ARCH" ]
}

@test "debian: bad template options fail with one line and leave nothing" {
	before=$(disk_state_below)
	for args in "--release ../x" "--arch a/b" "--no-such-option" "--mirror ftp://x" "--packages=a;b"; do
		# shellcheck disable=SC2086
		run_fail_one_line cove-create -n "$(ct b)" -t debian -- $args
		assert_unchanged_below "$before"
	done
}

@test "debian: --clear-cache removes the cache of one release" {
	mkdir -p "$TESTDIR/cache/testrel_$ARCH/etc"
	COVE_DEBIAN_CACHE=$TESTDIR/cache run "$COVE_BUILD_DIR/templates/cove-debian" \
		--clear-cache --release testrel --arch "$ARCH"
	assert_success
	[ ! -e "$TESTDIR/cache/testrel_$ARCH" ]
}

@test "debian: eth0 gets its DHCP address from the default bridge (cove-net) by systemd-networkd" {
	command -v dnsmasq >/dev/null || skip "needs dnsmasq"
	command -v nft >/dev/null || skip "needs nft"
	n=$(ct net)
	NETSVC_CONF=$TESTDIR/net.conf
	printf '%s\n' "bridge = $BR" "ipv4.address = 10.199.$S.1/24" "state_dir = $TESTDIR/netstate" \
		"dns.domain = cvt$R" >"$NETSVC_CONF"
	inhost cove-net -f "$NETSVC_CONF" start
	deb_clone "$n"
	ct_conf "$n" "lxc.net.0.type = veth" "lxc.net.0.link = $BR" "lxc.net.0.flags = up" \
		"lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx"
	net_start "$n"
	deb_wait_running "$n"
	wait_for 30 ct_has_ipv4 "$n"
	run ct_exec "$n" ip -4 addr show dev eth0
	assert_output --regexp "inet 10\.199\.$S\.[0-9]+/24"
	run ct_exec "$n" ip route
	assert_output --partial "default via 10.199.$S.1"
	# the lease came to systemd-networkd (no dhclient runs)
	run ct_exec "$n" sh -c 'cat /run/systemd/netif/leases/*'
	assert_output --partial "ADDRESS=10.199.$S."
	cove-stop -n "$n"
}
