#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# proxy devices (LXD's type proxy): one cove-proxy process per device,
# listening in coved's network namespace (bind=host) or the container's
# (bind=instance) and connecting in the other; tcp, udp, port ranges, unix
# sockets, nat=true as nftables DNAT; added and removed live, started and
# stopped with the instance, outliving coved; LXD's errors for bad values
# and for a listen address in use. coved runs in the test's own network
# namespace (daemon-helpers.bash): every listener and all traffic stay in
# it, in the containers, or on their loopback.

load daemon-helpers

COVE=$COVE_BUILD_DIR/src/client/cove

setup() {
	command -v dnsmasq >/dev/null || skip "needs dnsmasq (dnsmasq-base)"
	command -v nft >/dev/null || skip "needs nft (nftables)"
	command -v curl >/dev/null || skip "needs curl"
	daemon_setup
	[ -x "$COVE" ] || skip "the cove client is not built"
	[ -x "$COVE_BUILD_DIR/src/daemon/cove-proxy" ] || skip "cove-proxy is not built"
}

in_ns() {
	ip netns exec "$COVED_NETNS" "$@"
}

# bg_in_ns CMD...: CMD in coved's namespace in the background (its pid is the command's)
bg_in_ns() {
	nsenter --net="/run/netns/$COVED_NETNS" "$@" &
	BG_PIDS="$BG_PIDS $!"
}

# wait_listen PORT: until something listens on tcp PORT in coved's namespace (10 s)
wait_listen() {
	local i
	for i in $(seq 1 100); do
		in_ns ss -Htln "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# proxy_pid INSTANCE DEVICE: the pid of its cove-proxy if that runs
proxy_pid() {
	local f=$LXCPATH/$1/proxy.$2.pid
	[ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"
}

# proxies_of INSTANCE: pids of every cove-proxy process of the instance
proxies_of() {
	pgrep -f -- "--id $1/" || true
}

init_pid() {
	api GET "/1.0/instances/$1/state" | jq -r .metadata.pid
}

# serve_http NAME: busybox httpd on the container's port 80 answering "hello from NAME"
serve_http() {
	"$COVE" exec "$1" -- sh -c "mkdir -p /www && echo 'hello from $1' > /www/index.html && httpd -p 80 -h /www"
}

# get PORT [HOST]: GET / through coved's namespace
get() {
	in_ns curl -s --max-time 5 "http://${2:-127.0.0.1}:$1/"
}

# udp_echo_in PID PORT...: a udp echo server in the network namespace of PID (background)
udp_echo_in() {
	local pid=$1
	shift
	nsenter --net=/proc/"$pid"/ns/net python3 -c '
import select, socket, sys
socks = []
for p in sys.argv[1:-1]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", int(p)))
    socks.append(s)
while True:
    for s in select.select(socks, [], [])[0]:
        d, a = s.recvfrom(65536)
        s.sendto(b"echo:" + d, a)
' "$@" "$TESTDIR" &
	BG_PIDS="$BG_PIDS $!"
	for i in $(seq 1 100); do
		nsenter --net=/proc/"$pid"/ns/net ss -Huln "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# udp_ask PORT TEXT: send TEXT to 127.0.0.1:PORT in coved's namespace, print the answer
udp_ask() {
	in_ns python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(sys.argv[2].encode(), ("127.0.0.1", int(sys.argv[1])))
print(s.recvfrom(65536)[0].decode())
' "$1" "$2"
}

@test "tcp proxy: the tutorial's port80 device, added and removed live, on a port range" {
	local c=$(ct web) pid
	daemon_init_image
	"$COVE" launch busybox "$c"
	serve_http "$c"
	run "$COVE" config device add "$c" port80 proxy listen=tcp:0.0.0.0:80 connect=tcp:127.0.0.1:80
	assert_success
	assert_output "Device port80 added to $c"
	pid=$(proxy_pid "$c" port80)
	[ -n "$pid" ]
	run get 80
	assert_output "hello from $c"
	run "$COVE" config device show "$c"
	assert_output --partial "listen: tcp:0.0.0.0:80"
	# a range of listen ports onto one connect port, next to the first device
	run "$COVE" config device add "$c" range proxy listen=tcp:127.0.0.1:8080-8082 connect=tcp:127.0.0.1:80
	assert_success
	for p in 8080 8081 8082; do
		run get $p
		assert_output "hello from $c"
	done
	# removed live: its listener and process are gone, the other device stays
	run "$COVE" config device remove "$c" port80
	assert_success
	! kill -0 "$pid" 2>/dev/null
	run get 80
	assert_failure
	[ ! -e "$LXCPATH/$c/proxy.port80.pid" ]
	run get 8081
	assert_output "hello from $c"
	# a changed listen address: the old listener goes, the new one works
	run "$COVE" config device set "$c" range listen=tcp:127.0.0.1:9000
	assert_success
	run get 8080
	assert_failure
	run get 9000
	assert_output "hello from $c"
	"$COVE" delete -f "$c"
	[ -z "$(proxies_of "$c")" ]
}

@test "udp proxy with matching port ranges; bind=instance forwards from the container to the host" {
	local c=$(ct dns) out
	daemon_init_image
	"$COVE" launch busybox "$c"
	udp_echo_in "$(init_pid "$c")" 6300 6301
	run "$COVE" config device add "$c" dns-proxy proxy listen=udp:127.0.0.1:5300-5301 connect=udp:127.0.0.1:6300-6301
	assert_success
	run udp_ask 5300 one
	assert_output "echo:one"
	run udp_ask 5301 two
	assert_output "echo:two"
	# bind=instance: a listener inside the container, connecting in coved's namespace
	bg_in_ns python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9191)); s.listen(1)
c, _ = s.accept(); c.sendall(b"from-host:" + c.recv(100)); c.close()
' "$TESTDIR"
	wait_listen 9191
	run "$COVE" config device add "$c" back proxy listen=tcp:127.0.0.1:81 connect=tcp:127.0.0.1:9191 bind=instance
	assert_success
	run "$COVE" exec "$c" -- sh -c 'echo hi | nc 127.0.0.1 81'
	assert_output --partial "from-host:hi"
	# nothing listens on 81 in coved's namespace
	run get 81
	assert_failure
	"$COVE" delete -f "$c"
	[ -z "$(proxies_of "$c")" ]
}

@test "unix sockets: a host socket (uid/gid/mode) forwarded to a tcp server in the container" {
	local c=$(ct ux)
	daemon_init_image
	"$COVE" launch busybox "$c"
	serve_http "$c"
	run "$COVE" config device add "$c" sock proxy "listen=unix:$TESTDIR/web.sock" connect=tcp:127.0.0.1:80 uid=1234 gid=4321 mode=0640
	assert_success
	[ "$(stat -c '%u %g %a %F' "$TESTDIR/web.sock")" = "1234 4321 640 socket" ]
	run curl -s --max-time 5 --unix-socket "$TESTDIR/web.sock" http://x/
	assert_output "hello from $c"
	"$COVE" stop -f "$c"
	[ -z "$(proxies_of "$c")" ]
	[ ! -e "$TESTDIR/web.sock" ]
	"$COVE" delete -f "$c"
}

@test "proxies start and stop with the instance and outlive coved; a restarted coved restarts missing ones" {
	local c=$(ct life) pid pid2 monitor
	daemon_init_image
	"$COVE" init busybox "$c"
	run "$COVE" config device add "$c" web proxy listen=tcp:127.0.0.1:8090 connect=tcp:127.0.0.1:80
	assert_success
	[ -z "$(proxies_of "$c")" ]
	"$COVE" start "$c"
	pid=$(proxy_pid "$c" web)
	[ -n "$pid" ]
	serve_http "$c"
	run get 8090
	assert_output "hello from $c"
	# coved killed: the proxy keeps serving; the new coved keeps the same process
	kill -9 "$COVED_PID"
	wait "$COVED_PID" 2>/dev/null || true
	COVED_PID=
	run get 8090
	assert_output "hello from $c"
	coved_start
	[ "$(proxy_pid "$c" web)" = "$pid" ]
	# a proxy that died while coved was away comes back with the next coved
	coved_stop
	kill "$pid"
	sleep 0.3
	coved_start
	pid2=$(proxy_pid "$c" web)
	[ -n "$pid2" ] && [ "$pid2" != "$pid" ]
	run get 8090
	assert_output "hello from $c"
	# restart: a new process for the new init
	"$COVE" restart "$c"
	[ "$(proxies_of "$c" | wc -l)" = 1 ]
	serve_http "$c"
	run get 8090
	assert_output "hello from $c"
	"$COVE" stop -f "$c"
	[ -z "$(proxies_of "$c")" ]
	run get 8090
	assert_failure
	"$COVE" start "$c"
	[ -n "$(proxy_pid "$c" web)" ]
	"$COVE" delete -f "$c"
	[ -z "$(proxies_of "$c")" ]
}

@test "bad proxy values: 400 with LXD's words, nothing created" {
	local c=$(ct bad) n=$(ct new) r
	daemon_init_image
	"$COVE" launch busybox "$c"
	bad() {
		run "$COVE" config device add "$c" p proxy "$@"
		assert_failure
	}
	bad listen=tcp:127.0.0.1:80
	assert_output --partial 'Required device option "connect" is missing'
	bad listen=sctp:127.0.0.1:80 connect=tcp:127.0.0.1:80
	assert_output --partial 'Invalid value for device option "listen": Unknown protocol type "sctp"'
	bad listen=tcp: connect=tcp:127.0.0.1:80
	assert_output --partial 'Missing address'
	bad listen=tcp:127.0.0.1 connect=tcp:127.0.0.1:80
	assert_output --partial 'missing port in address'
	bad listen=tcp:127.0.0.1:80 connect=tcp:localhost:80
	assert_output --partial 'Not an IP address "localhost"'
	bad listen=tcp:127.0.0.1:0 connect=tcp:127.0.0.1:80
	assert_output --partial 'Invalid port'
	bad listen=tcp:127.0.0.1:70000 connect=tcp:127.0.0.1:80
	bad listen=tcp:127.0.0.1:90-80 connect=tcp:127.0.0.1:80
	assert_output --partial 'Invalid port range'
	bad listen=tcp:127.0.0.1:80 connect=tcp:127.0.0.1:80-81
	assert_output --partial 'Mismatch between listen port(s) and connect port(s) count'
	bad listen=tcp:127.0.0.1:80-82 connect=tcp:127.0.0.1:80-81
	assert_output --partial 'Mismatch between listen port(s) and connect port(s) count'
	bad listen=tcp:127.0.0.1:80 connect=tcp:127.0.0.1:80 bind=elsewhere
	assert_output --partial 'Invalid binding side given. Must be "host" or "instance"'
	bad listen=tcp:127.0.0.1:80 connect=tcp:127.0.0.1:80 uid=5
	assert_output --partial 'Only proxy devices for non-abstract unix sockets can carry uid, gid, or mode properties'
	bad listen=unix:/tmp/x.sock connect=tcp:127.0.0.1:80 mode=999
	assert_output --partial 'Invalid value for device option "mode"'
	bad listen=tcp:127.0.0.1:80 connect=tcp:127.0.0.1:80 nat=maybe
	assert_output --partial 'Invalid value for device option "nat"'
	bad listen=tcp:127.0.0.1:80 connect=udp:127.0.0.1:80 proxy_protocol=true
	assert_output --partial 'The PROXY header can only be sent to tcp servers in non-nat mode'
	bad listen=tcp:0.0.0.0:80 connect=tcp:10.0.0.5:80 nat=true
	assert_output --partial 'Cannot listen on wildcard address "0.0.0.0" when in nat mode'
	bad listen=unix:/tmp/x.sock connect=tcp:10.0.0.5:80 nat=true
	assert_output --partial 'Proxying unix <-> tcp is not supported when using NAT'
	bad listen=tcp:127.0.0.1:80 connect=tcp:127.0.0.1:80 bind=instance nat=true
	assert_output --partial 'Only host-bound proxies can use NAT'
	bad listen=tcp:127.0.0.1:80 connect=tcp:127.0.0.1:80 colour=blue
	assert_output --partial 'Invalid device option "colour"'
	run "$COVE" config device show "$c"
	refute_output --partial "proxy"
	[ -z "$(proxies_of "$c")" ]
	# the same at create time: 400, no instance
	r=$(api_code POST /1.0/instances "{\"name\":\"$n\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"},\"devices\":{\"p\":{\"type\":\"proxy\",\"listen\":\"tcp:1.2.3.4\",\"connect\":\"tcp:127.0.0.1:80\"}}}")
	[ "$r" = 400 ]
	[ "$(api_code GET "/1.0/instances/$n")" = 404 ]
	"$COVE" delete -f "$c"
}

@test "a listen address in use: a clear error at add and at start, no device, no process" {
	local c=$(ct busy)
	daemon_init_image
	"$COVE" launch busybox "$c"
	bg_in_ns python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 8095)); s.listen(1); time.sleep(3600)
' "$TESTDIR"
	wait_listen 8095
	run "$COVE" config device add "$c" p proxy listen=tcp:127.0.0.1:8094-8095 connect=tcp:127.0.0.1:80
	assert_failure
	assert_output --partial 'Error: Failed to start device "p": Error occurred when starting proxy device: Error: Failed to listen on 127.0.0.1:8095: listen tcp 127.0.0.1:8095: bind: address already in use'
	run "$COVE" config device show "$c"
	refute_output --partial "proxy"
	[ -z "$(proxies_of "$c")" ]
	# a device whose port got taken while the instance was stopped: the start fails
	"$COVE" stop -f "$c"
	"$COVE" config device add "$c" p proxy listen=tcp:127.0.0.1:8095 connect=tcp:127.0.0.1:80
	run "$COVE" start "$c"
	assert_failure
	assert_output --partial 'address already in use'
	[ "$(status_of "$c")" = Stopped ]
	[ -z "$(proxies_of "$c")" ]
	"$COVE" delete -f "$c"
}

@test "nat=true: DNAT to the nic's static address in the instance's own nft table" {
	local c=$(ct nat) gw
	daemon_init_image
	"$COVE" init busybox "$c"
	gw=$("$COVE" network get lxdbr0 ipv4.address)
	gw=${gw%/*}
	# LXD's rule: the connect address must be a static address of the instance
	run "$COVE" config device add "$c" n proxy "listen=tcp:$gw:8088" connect=tcp:0.0.0.0:80 nat=true
	assert_success
	run "$COVE" start "$c"
	assert_failure
	assert_output --partial "Instance has no static IPv4 address assigned to be used as the connect IP"
	"$COVE" config device add "$c" eth0 nic network=lxdbr0 name=eth0 "ipv4.address=${gw%.*}.50"
	"$COVE" start "$c"
	run in_ns nft list table ip "cove_proxy_${c//-/_}"
	assert_output --partial "dnat to ${gw%.*}.50:80"
	[ -z "$(proxies_of "$c")" ]
	serve_http "$c"
	for i in $(seq 1 50); do get 8088 "$gw" >/dev/null && break; sleep 0.2; done
	run get 8088 "$gw"
	assert_output "hello from $c"
	"$COVE" stop -f "$c"
	run in_ns nft list table ip "cove_proxy_${c//-/_}"
	assert_failure
	"$COVE" delete -f "$c"
}

@test "a reboot from inside: the proxy follows the new init; a halt from inside leaves none" {
	local c=$(ct boot) old pp i np
	daemon_init_image
	"$COVE" launch busybox "$c"
	"$COVE" config device add "$c" web proxy listen=tcp:127.0.0.1:8096 connect=tcp:127.0.0.1:80
	old=$(init_pid "$c")
	pp=$(proxy_pid "$c" web)
	[ -n "$pp" ]
	"$COVE" exec "$c" -- reboot || true
	# the same process follows the new init (it execs itself again)
	for i in $(seq 1 100); do
		np=$(init_pid "$c")
		[ -n "$np" ] && [ "$np" != null ] && [ "$np" != "$old" ] &&
			grep -qz "^$np\$" /proc/"$pp"/cmdline 2>/dev/null && break
		sleep 0.1
	done
	[ "$np" != "$old" ]
	[ "$(proxy_pid "$c" web)" = "$pp" ]
	grep -qz "^$np\$" /proc/"$pp"/cmdline
	serve_http "$c"
	run get 8096
	assert_output "hello from $c"
	"$COVE" exec "$c" -- poweroff || true
	for i in $(seq 1 100); do
		[ "$(status_of "$c")" = Stopped ] && break
		sleep 0.1
	done
	[ "$(status_of "$c")" = Stopped ]
	for i in $(seq 1 20); do [ -z "$(proxies_of "$c")" ] && break; sleep 0.1; done
	[ -z "$(proxies_of "$c")" ]
	"$COVE" delete -f "$c"
}

@test "Debian's lxc client: config device add/remove of a proxy device against coved" {
	command -v lxc >/dev/null || skip "needs Debian's lxc client (lxd-client)"
	local c=$(ct lxc)
	daemon_init_image
	"$COVE" launch busybox "$c"
	serve_http "$c"
	run lxc config device add "$c" port80 proxy listen=tcp:0.0.0.0:80 connect=tcp:127.0.0.1:80
	assert_success
	assert_line "Device port80 added to $c"
	run get 80
	assert_output "hello from $c"
	run lxc config device add "$c" bad proxy listen=tcp:0.0.0.0:81 connect=tcp:localhost:80
	assert_failure
	assert_output --partial 'Not an IP address "localhost"'
	run lxc config device remove "$c" port80
	assert_success
	run get 80
	assert_failure
	[ -z "$(proxies_of "$c")" ]
	"$COVE" delete -f "$c"
}

@test "proxy devices of a profile: added, changed and removed live on the running instances using it" {
	local c=$(ct prof) p=$(ct web-server)
	daemon_init_image
	"$COVE" profile create "$p"
	"$COVE" launch busybox "$c" -p default -p "$p"
	serve_http "$c"
	run "$COVE" profile device add "$p" port80 proxy listen=tcp:127.0.0.1:8070 connect=tcp:127.0.0.1:80
	assert_success
	for i in $(seq 1 50); do get 8070 >/dev/null && break; sleep 0.1; done
	run get 8070
	assert_output "hello from $c"
	run "$COVE" profile device set "$p" port80 listen=tcp:127.0.0.1:8071
	assert_success
	run get 8070
	assert_failure
	run get 8071
	assert_output "hello from $c"
	[ "$(proxies_of "$c" | wc -l)" = 1 ]
	run "$COVE" profile device remove "$p" port80
	assert_success
	run get 8071
	assert_failure
	[ -z "$(proxies_of "$c")" ]
	"$COVE" delete -f "$c"
	"$COVE" profile delete "$p"
}

@test "proxy_protocol sends the PROXY v1 header; security.uid/gid run the forwarder unprivileged" {
	local c=$(ct pp) pid
	daemon_init_image
	"$COVE" launch busybox "$c"
	nsenter --net=/proc/"$(init_pid "$c")"/ns/net python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7000)); s.listen(1)
c, _ = s.accept(); d = b""
while not d.endswith(b"hi\n"):
    d += c.recv(100)
c.sendall(d); c.close()
' "$TESTDIR" &
	BG_PIDS="$BG_PIDS $!"
	run "$COVE" config device add "$c" pp proxy listen=tcp:127.0.0.1:8060 connect=tcp:127.0.0.1:7000 proxy_protocol=true security.uid=65534 security.gid=65534
	assert_success
	pid=$(proxy_pid "$c" pp)
	[ "$(awk '/^Uid:/ { print $2 }' /proc/"$pid"/status)" = 65534 ]
	[ "$(awk '/^Gid:/ { print $2 }' /proc/"$pid"/status)" = 65534 ]
	run in_ns python3 -c '
import socket
for i in range(50):
    try:
        s = socket.create_connection(("127.0.0.1", 8060), timeout=5); s.sendall(b"hi\n")
        d = b""
        while True:
            x = s.recv(100)
            if not x: break
            d += x
        if d: break
    except OSError:
        pass
    import time; time.sleep(0.1)
print(d.decode().replace("\r", "<CR>"), end="")
'
	assert_output --regexp '^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 [0-9]+ 8060<CR>'
	assert_output --partial "hi"
	"$COVE" delete -f "$c"
	[ -z "$(proxies_of "$c")" ]
}
