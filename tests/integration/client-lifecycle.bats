#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The life of instances with `cove` against a real coved: names the server
# picks, ephemeral instances (deleted however they stop, also while coved
# was away), stops coved did not make, --all, boot.autostart order, the
# events websocket (keepalive pings, logging events), the interactive
# `coved init`.

load client-helpers

export CLIENT_NEEDS_IMAGE=1
setup_file() { client_setup_file; }
teardown_file() { client_teardown_file; }
setup() { client_setup; }
teardown() {
	[ -z "${MONPID:-}" ] || kill "$MONPID" 2>/dev/null || true
	client_teardown
}

# wait_gone NAME: until `cove list` no longer shows NAME (bounded)
wait_gone() {
	local i
	for i in $(seq 100); do
		[ -z "$(cove list -f csv -c n "$1" | grep -x "$1")" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_state NAME STATE
wait_state() {
	local i
	for i in $(seq 100); do
		[ "$(cove list -f csv -c s "$1" | head -1)" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# restart_coved: kill -9 the daemon, run CMD..., start a new one (same netns)
restart_coved() {
	local pid
	pid=$(cat "$COVE_DIR/coved.pid")
	kill -9 "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	"$@"
	setsid nsenter --net="/run/netns/$COVED_NETNS" coved >>"$COVE_DIR/coved.log" 2>&1 \
		</dev/null 3>&- 4>&- &
	echo $! >"$COVE_DIR/coved.pid"
	coved waitready --timeout 15
}

@test "cove launch IMAGE without a name: coved picks an adjective-animal name" {
	run cove launch busybox
	assert_success
	assert_line --index 0 "Creating the instance"
	name=$(echo "$output" | sed -n 's/^Instance name is: //p')
	made "$name"
	[[ "$name" =~ ^[a-z]+-[a-z]+$ ]]
	run cove list -f csv -c ns "$name"
	assert_output "$name,RUNNING"
	run cove init busybox
	assert_success
	other=$(echo "$output" | sed -n 's/^Instance name is: //p')
	made "$other"
	[ -n "$other" ]
	[ "$other" != "$name" ]
	run cove list -f csv -c s "$other"
	assert_output "STOPPED"
}

@test "POST /1.0/instances without a name answers with the picked name" {
	run cove query -X POST /1.0/instances --data '{"source":{"type":"none"}}'
	assert_success
	name=$(echo "$output" | sed -n 's|.*"/1.0/instances/\([a-z-]*\)".*|\1|p' | head -1)
	made "$name"
	[ -n "$name" ]
	run cove list -f csv -c n "$name"
	assert_output "$name"
	run --separate-stderr cove query -X POST /1.0/instances --data '{"name":"bad/name","source":{"type":"none"}}'
	assert_failure 1
	[[ "$stderr" == *"Invalid instance name"* ]]
}

@test "--ephemeral: cove stop deletes it before returning" {
	c=$(inst e1); made "$c"
	cove launch busybox "$c" --ephemeral
	run cove stop -f "$c"
	assert_success
	run cove list -f csv -c n "$c"
	assert_output ""
	[ ! -e "$COVE_DIR/containers/$c" ]
	# delete -f of a running one: the stop deletes it (no DELETE after it, as lxc)
	cove launch busybox "$c" --ephemeral
	run --separate-stderr cove delete -f "$c"
	assert_success
	assert_equal "$stderr" ""
	run cove list -f csv -c n "$c"
	assert_output ""
}

@test "--ephemeral: a poweroff inside deletes it; a stopped one that never ran stays" {
	c=$(inst e2) d=$(inst e3); made "$c" "$d"
	cove launch busybox "$c" --ephemeral
	cove init busybox "$d" --ephemeral
	run cove exec "$c" -- poweroff -f
	wait_gone "$c"
	[ ! -e "$COVE_DIR/containers/$c" ]
	run cove list -f csv -c ns "$d"
	assert_output "$d,STOPPED"
}

@test "--ephemeral: init killed from the host deletes it" {
	c=$(inst e4); made "$c"
	cove launch busybox "$c" --ephemeral
	pid=$(cove query "/1.0/instances/$c/state" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	[ -n "$pid" ]
	[ "$pid" -gt 1 ]
	kill -9 "$pid"
	wait_gone "$c"
}

@test "--ephemeral: restart keeps it" {
	c=$(inst e5); made "$c"
	cove launch busybox "$c" --ephemeral
	run cove restart -f "$c"
	assert_success
	run cove list -f csv -c ns "$c"
	assert_output "$c,RUNNING"
}

@test "--ephemeral: stopped while coved was away, deleted when coved starts" {
	c=$(inst e6) d=$(inst e7); made "$c" "$d"
	cove launch busybox "$c" --ephemeral
	cove launch busybox "$d"
	restart_coved cove-stop -P "$COVE_DIR/containers" -n "$c" -k
	run cove list -f csv -c n "$c"
	assert_output ""
	[ ! -e "$COVE_DIR/containers/$c" ]
	run cove list -f csv -c ns "$d"
	assert_output "$d,RUNNING"
	# and the restarted coved watches the one that kept running
	cove exec "$d" -- poweroff -f
	wait_state "$d" STOPPED
}

@test "a stop coved did not make is an instance-stopped event; the instance stays" {
	c=$(inst s1); made "$c"
	cove launch busybox "$c"
	cove monitor --type=lifecycle --format=json >"$BATS_TEST_TMPDIR/events" &
	MONPID=$!
	sleep 0.5
	cove exec "$c" -- poweroff -f || true
	wait_state "$c" STOPPED
	for i in $(seq 50); do
		grep -q '"instance-stopped"' "$BATS_TEST_TMPDIR/events" && break
		sleep 0.1
	done
	run grep -c "\"action\":\"instance-stopped\".*\"source\":\"/1.0/instances/$c\"" "$BATS_TEST_TMPDIR/events"
	assert_output 1
	run cove start "$c"
	assert_success
}

@test "start/stop/pause/resume --all; --all with a name is an error" {
	a=$(inst a1) b=$(inst a2); made "$a" "$b"
	cove init busybox "$a"
	cove init busybox "$b"
	run cove start --all
	assert_success
	run cove list -f csv -c ns "$UNIQ-a"
	assert_output "$a,RUNNING
$b,RUNNING"
	run cove pause --all
	assert_success
	run cove list -f csv -c s "$a"
	assert_output "FROZEN"
	run cove resume --all
	assert_success
	run cove stop --all -f
	assert_success
	run cove list -f csv -c ns "$UNIQ-a"
	assert_output "$a,STOPPED
$b,STOPPED"
	run --separate-stderr cove start --all "$a"
	assert_failure 1
	assert_equal "$stderr" "Error: Both --all and instance name given"
	run --separate-stderr cove stop -f --timeout abc "$a"
	assert_failure 1
	[[ "$stderr" == *'invalid argument "abc" for "--timeout" flag'* ]]
}

@test "boot.autostart: higher priority first, delay between, bad values refused" {
	a=$(inst p1) b=$(inst p2) c=$(inst p3); made "$a" "$b" "$c"
	cove init busybox "$a" -c boot.autostart=true -c boot.autostart.priority=1
	cove init busybox "$b" -c boot.autostart=true -c boot.autostart.priority=10 -c boot.autostart.delay=1
	cove init busybox "$c"
	for k in boot.autostart.priority boot.autostart.delay; do
		run --separate-stderr cove config set "$a" "$k" soon
		assert_failure 1
		[[ "$stderr" == *"Invalid value for \"$k\""* ]]
	done
	run --separate-stderr cove config set "$a" boot.autostart maybe
	assert_failure 1
	restart_coved true
	wait_state "$a" RUNNING
	wait_state "$b" RUNNING
	run cove list -f csv -c s "$c"
	assert_output "STOPPED"
	# b (priority 10) started first, a (1) at least b's delay (1 s) later
	pa=$(cove query "/1.0/instances/$a/state" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	pb=$(cove query "/1.0/instances/$b/state" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	sa=$(awk '{ print $22 }' "/proc/$pa/stat")
	sb=$(awk '{ print $22 }' "/proc/$pb/stat")
	echo "start times (ticks): $b=$sb $a=$sa"
	[ $((sa - sb)) -ge $(( $(getconf CLK_TCK) * 9 / 10 )) ]
}

@test "events: keepalive pings every 10 s (LXD's), answered pongs keep the listener" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	run python3 - "$COVE_DIR/unix.socket" <<'EOF'
import base64, os, socket, struct, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(60)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /1.0/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % key).encode())
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
assert buf.startswith(b"HTTP/1.1 101"), buf
buf = buf.split(b"\r\n\r\n", 1)[1]
def frame():
    global buf
    while len(buf) < 2:
        buf += s.recv(4096)
    op, ln = buf[0] & 15, buf[1] & 127
    while len(buf) < 2 + ln:
        buf += s.recv(4096)
    data, buf = buf[2:2 + ln], buf[2 + ln:]
    return op, data
def ping():
    while True:
        op, data = frame()
        if op == 9:
            return data
def pong(data):
    mask = os.urandom(4)
    s.sendall(bytes([0x8A, 0x80 | len(data)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
t0 = time.time()
pong(ping())
first = time.time() - t0
t1 = time.time()
data = ping()
pong(data)
print("first within 11 s:", first <= 11, "then", data.decode(), "after", round(time.time() - t1))
EOF
	assert_success
	assert_output --regexp '^first within 11 s: True then keepalive after (9|10|11)$'
}

@test "cove monitor --type=logging: coved's log lines as logging events" {
	c=$(inst l1); made "$c"
	cove monitor --type=logging --format=json >"$BATS_TEST_TMPDIR/log" &
	MONPID=$!
	sleep 0.5
	cove init busybox "$c"
	cove start "$c"
	for i in $(seq 50); do
		grep -q '"type":"logging"' "$BATS_TEST_TMPDIR/log" && break
		sleep 0.1
	done
	run grep -m1 '"type":"logging"' "$BATS_TEST_TMPDIR/log"
	assert_success
	assert_output --partial '"level":"'
	assert_output --partial '"message":"'
	run grep -c '"type":"lifecycle"' "$BATS_TEST_TMPDIR/log"
	assert_output 0
}

@test "interactive coved init: the tutorial's answers, re-asks on bad ones, prints the preseed" {
	# a fresh pool name and bridge: the suite's coved has default and lxdbr0
	answers="maybe
no
yes
default
pool$UNIQ
zfs
dir
no
yes
lxdbr0
br$UNIQ
10.$((RANDOM % 200 + 20)).7.1/33
10.$((RANDOM % 200 + 20)).7.1/24
yes
none
no
no
yes"
	run --separate-stderr coved init <<<"$answers"
	cove profile show default >"$BATS_TEST_TMPDIR/profile" || true
	cove network delete "br$UNIQ" >/dev/null 2>&1 || true
	cove storage delete "pool$UNIQ" >/dev/null 2>&1 || true
	cove profile device remove default eth0 >/dev/null 2>&1 || true
	cove profile device add default eth0 nic network=lxdbr0 name=eth0 >/dev/null 2>&1 || true
	cove profile device remove default root >/dev/null 2>&1 || true
	cove profile device add default root disk pool=default path=/ >/dev/null 2>&1 || true
	echo "status=$status stdout=$output stderr=$stderr"
	[ "$status" = 0 ]
	[[ "$stderr" == *"Invalid input, try again."* ]]
	[[ "$stderr" == *'the storage backend "zfs" is not available'* ]]
	[[ "$stderr" == *"Not an IPv4 address in CIDR notation"* ]]
	[[ "$output" == *'The requested storage pool "default" already exists. Please choose another name.'* ]]
	[[ "$output" == *'The requested network bridge "lxdbr0" already exists. Please choose another name.'* ]]
	[[ "$output" == *"Would you like LXD to NAT IPv4 traffic on your bridge? [default=yes]: "* ]]
	[[ "$output" == *"storage_pools:
- config: {}
  description: \"\"
  name: pool$UNIQ
  driver: dir"* ]]
	[[ "$output" == *"      network: br$UNIQ"* ]]
	[[ "$output" == *"    ipv4.nat: \"true\""* ]]
	grep -q "pool: pool$UNIQ" "$BATS_TEST_TMPDIR/profile"
	grep -q "network: br$UNIQ" "$BATS_TEST_TMPDIR/profile"
}

@test "interactive coved init: defaults with empty answers, EOF is an error" {
	run --separate-stderr coved init <<<"no"
	assert_failure
	[[ "$stderr" == *"EOF"* ]]
}

@test "config keys: environment.* in exec and init, user.*, security.nesting, raw.lxc errors name the key" {
	c=$(inst k1); made "$c"
	run cove launch busybox "$c" -c environment.FOO=bar -c security.nesting=true -c user.note=hi
	assert_success
	run cove exec "$c" -- sh -c 'echo $FOO'
	assert_output "bar"
	run cove exec "$c" --env FOO=mine -- sh -c 'echo $FOO'
	assert_output "mine"
	run cove exec "$c" -- sh -c "tr '\\0' '\\n' </proc/1/environ | grep ^FOO="
	assert_output "FOO=bar"
	run cove config get "$c" user.note
	assert_output "hi"
	run cove exec "$c" -- grep -c ' /dev/.lxc/proc proc ' /proc/self/mounts
	assert_output "1"
	run cove exec "$c" -- grep -c ' /dev/.lxc/sys sysfs ' /proc/self/mounts
	assert_output "1"
	run --separate-stderr cove config set "$c" raw.lxc "lxc.nosuch.key = 1"
	assert_failure 1
	[[ "$stderr" == *'Invalid value for "raw.lxc"'*"lxc.nosuch.key"* ]]
	run --separate-stderr cove config set "$c" security.nesting maybe
	assert_failure 1
	[[ "$stderr" == *'Invalid value for "security.nesting"'* ]]
	run --separate-stderr cove config set "$c" nosuch.key 1
	assert_failure 1
	[[ "$stderr" == *"Unknown configuration key: nosuch.key"* ]]
	run --separate-stderr cove config set "$c" user. 1
	assert_failure 1
	# a new environment.* value reaches the next exec at once
	cove config set "$c" environment.FOO=changed
	run cove exec "$c" -- sh -c 'echo $FOO'
	assert_output "changed"
}

@test "cove file edit: stdin when it is not a terminal, \$EDITOR on a terminal; mode kept; bad targets" {
	c=$(inst f1); made "$c"
	cove launch busybox "$c"
	cove exec "$c" -- sh -c 'echo old >/root/f; chmod 0600 /root/f'
	run cove file edit "$c/root/f" <<<"new"
	assert_success
	run cove exec "$c" -- cat /root/f
	assert_output "new"
	run cove exec "$c" -- stat -c %a /root/f
	assert_output "600"
	if command -v script >/dev/null; then
		EDITOR="sed -i s/new/edited/" script -qec "cove file edit $c/root/f" /dev/null
		run cove exec "$c" -- cat /root/f
		assert_output "edited"
	fi
	run --separate-stderr cove file edit "$c/root/nosuch" <<<"x"
	assert_failure 1
	run --separate-stderr cove file edit "$c/root" <<<"x"
	assert_failure 1
	[[ "$stderr" == *"is a directory"* ]]
	run --separate-stderr cove file edit "$c/root/f" "$c/root/g"
	assert_failure 1
	run cove exec "$c" -- test -e /root/nosuch
	assert_failure
}

@test "cove info --resources: GET /1.0/resources in LXD's struct, printed as lxc does" {
	run cove info --resources
	assert_success
	assert_line --regexp '^CPUs? \([a-z0-9_]+\):$'
	assert_line --regexp '^    - Core [0-9]+$'
	assert_line --regexp '^        - 0 \(id: [0-9]+, online: true, NUMA node: [0-9]+\)$'
	assert_line "Memory:"
	assert_line --regexp '^  Total: [0-9.]+[KMGT]iB$'
	run cove query /1.0/resources
	assert_success
	echo "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert sorted(d) == ["cpu", "gpu", "memory", "network", "pci", "storage", "system", "usb"], sorted(d)
assert d["cpu"]["total"] == sum(len(c["threads"]) for s in d["cpu"]["sockets"] for c in s["cores"])
assert d["memory"]["total"] > d["memory"]["used"] > 0
assert d["gpu"] == {"cards": [], "total": 0}
assert d["storage"]["total"] == len(d["storage"]["disks"])
'
	run cove query /1.0 
	assert_output --partial '"resources_v2"'
	run --separate-stderr cove query -X POST /1.0/resources --data '{}'
	assert_failure 1
}

@test "cove stop --timeout N as LXD: fails after N s and leaves it running; -f and --timeout 0 kill" {
	c=$(inst t1); made "$c"
	# a halt signal busybox init ignores
	cove launch busybox "$c" -c raw.lxc="lxc.signal.halt = SIGURG"
	run --separate-stderr cove stop --timeout 1 "$c"
	assert_failure 1
	[[ "$stderr" == *'Failed shutting down instance, status is "Running": context deadline exceeded'* ]]
	run cove list -f csv -c s "$c"
	assert_output "RUNNING"
	run cove exec "$c" -- true
	assert_success
	run cove stop -f --timeout 30 "$c"
	assert_success
	run cove list -f csv -c s "$c"
	assert_output "STOPPED"
	cove start "$c"
	run cove stop --timeout 0 "$c"
	assert_success
	run cove list -f csv -c s "$c"
	assert_output "STOPPED"
	cove start "$c"
	run --separate-stderr cove restart --timeout 1 "$c"
	assert_failure 1
	run cove restart -f "$c"
	assert_success
	run cove list -f csv -c s "$c"
	assert_output "RUNNING"
}

@test "--ephemeral: an init that exits on its own (at once, or after a while) deletes it" {
	c=$(inst x1) d=$(inst x2); made "$c" "$d"
	run cove launch busybox "$c" --ephemeral -c raw.lxc="lxc.init.cmd = /bin/sleep 1"
	assert_success
	wait_gone "$c"
	run cove launch busybox "$d" --ephemeral -c raw.lxc="lxc.init.cmd = /bin/true"
	wait_gone "$d"
	[ ! -e "$COVE_DIR/containers/$d" ]
}

@test "coved shutdown: ephemeral instances are gone when the next coved starts, the others run again" {
	c=$(inst h1) d=$(inst h2); made "$c" "$d"
	cove launch busybox "$c" --ephemeral
	cove launch busybox "$d"
	pid=$(cat "$COVE_DIR/coved.pid")
	run coved shutdown --timeout 60
	assert_success
	! kill -0 "$pid" 2>/dev/null
	setsid nsenter --net="/run/netns/$COVED_NETNS" coved >>"$COVE_DIR/coved.log" 2>&1 \
		</dev/null 3>&- 4>&- &
	echo $! >"$COVE_DIR/coved.pid"
	coved waitready --timeout 15
	run cove list -f csv -c n "$c"
	assert_output ""
	[ ! -e "$COVE_DIR/containers/$c" ]
	wait_state "$d" RUNNING
}

@test "interactive coved init: no pool, an existing bridge, missing interfaces re-asked, daemon errors shown" {
	cove profile show default | grep -v '^used_by' >"$BATS_TEST_TMPDIR/saved"
	# in coved's netns with its own /sys (ip netns exec): lxdbr0 is a bridge there
	answers="no
no
no
no
yes
nosuch$UNIQ
lxdbr0
no
no
yes"
	run --separate-stderr ip netns exec "$COVED_NETNS" coved init <<<"$answers"
	cove profile show default >"$BATS_TEST_TMPDIR/after"
	cove profile edit default <"$BATS_TEST_TMPDIR/saved"
	echo "status=$status stdout=$output stderr=$stderr"
	[ "$status" = 0 ]
	[[ "$output" == *"The requested interface doesn't exist. Please choose another one."* ]]
	[[ "$output" == *"config:
  images.auto_update_interval: \"0\"
networks: []
storage_pools: []
profiles:
- config: {}
  description: \"\"
  devices:
    eth0:
      name: eth0
      nictype: bridged
      parent: lxdbr0
      type: nic
  name: default
projects: []
cluster: null"* ]]
	grep -q "nictype: bridged" "$BATS_TEST_TMPDIR/after"
	grep -q "pool: default" "$BATS_TEST_TMPDIR/after"
	# lo is no bridge: macvlan, which coved refuses; the daemon's error is shown
	run --separate-stderr ip netns exec "$COVED_NETNS" coved init <<<"no
no
no
no
yes
lo
no
yes
no"
	assert_failure
	[[ "$stderr" == *"Failed to update the profile 'default': "*"macvlan"* ]]
	run diff "$BATS_TEST_TMPDIR/saved" <(cove profile show default | grep -v '^used_by')
	assert_success
}

@test "cove monitor --pretty: logging events in logrus's text format as lxc, --loglevel filters, bad levels" {
	c=$(inst m1); made "$c"
	cove monitor --pretty --type=logging >"$BATS_TEST_TMPDIR/pretty" &
	MONPID=$!
	cove monitor --pretty --type=logging --loglevel=error >"$BATS_TEST_TMPDIR/errors" &
	pid2=$!
	sleep 0.5
	cove launch busybox "$c"
	for i in $(seq 50); do
		grep -q "Started instance '$c'" "$BATS_TEST_TMPDIR/pretty" && break
		sleep 0.1
	done
	kill "$pid2"
	run grep -m1 "Started instance '$c'" "$BATS_TEST_TMPDIR/pretty"
	assert_success
	assert_output --regexp '^time="[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z" level=info msg="Started instance .*" module=[a-z-]+$'
	run grep -m1 'level=debug' "$BATS_TEST_TMPDIR/pretty"
	assert_success
	run grep -c 'level=info' "$BATS_TEST_TMPDIR/errors"
	assert_output 0
	run --separate-stderr cove monitor --pretty --loglevel=loud
	assert_failure 1
	assert_equal "$stderr" 'Error: not a valid logrus Level: "loud"'
	run --separate-stderr cove monitor --loglevel=info
	assert_failure 1
	assert_equal "$stderr" 'Error: Log level filtering can only be used with pretty formatting'
}

@test "coved shutdown: higher boot.stop.priority stops first, one group after the other" {
	a=$(inst o1) b=$(inst o2); made "$a" "$b"
	# a ignores its halt signal: killed after boot.host_shutdown_timeout (2 s)
	cove launch busybox "$a" -c raw.lxc="lxc.signal.halt = SIGURG" -c boot.stop.priority=10 \
		-c boot.host_shutdown_timeout=2
	# b's init writes down when its halt signal came
	cove launch busybox "$b" -c raw.lxc="lxc.init.cmd = /bin/sh -c 'trap \"date +%s >/halted; exit 0\" PWR; while :; do sleep 0.1; done'"
	run --separate-stderr cove config set "$b" boot.stop.priority high
	assert_failure 1
	t0=$(date +%s)
	run coved shutdown --timeout 60
	assert_success
	tb=$(cat "$COVE_DIR/containers/$b/rootfs/halted")
	echo "shutdown at $t0, b halted at $tb"
	[ "$tb" -ge $((t0 + 2)) ]
	setsid nsenter --net="/run/netns/$COVED_NETNS" coved >>"$COVE_DIR/coved.log" 2>&1 \
		</dev/null 3>&- 4>&- &
	echo $! >"$COVE_DIR/coved.pid"
	coved waitready --timeout 15
	wait_state "$a" RUNNING
	wait_state "$b" RUNNING
}

@test "cove init/launch: without a nic, lxc's hint on stderr; launch says Starting" {
	c=$(inst n1) d=$(inst n2); made "$c" "$d"
	cove profile create "nonet-$UNIQ" >/dev/null
	cove profile device add "nonet-$UNIQ" root disk pool=default path=/ >/dev/null
	run --separate-stderr cove init busybox "$c" -p "nonet-$UNIQ"
	assert_success
	assert_output "Creating $c"
	assert_equal "$(echo "$stderr" | sed '/^$/d')" "The instance you are starting doesn't have any network attached to it.
  To create a new network, use: cove network create
  To attach a network to an instance, use: cove network attach"
	run --separate-stderr cove launch busybox "$d"
	assert_success
	assert_output "Creating $d
Starting $d"
	assert_equal "$stderr" ""
	run --separate-stderr cove launch -q busybox "$(inst n3)"
	made "$(inst n3)"
	assert_output ""
	cove delete -f "$c" "$d" "$(inst n3)"
	cove profile delete "nonet-$UNIQ"
}
