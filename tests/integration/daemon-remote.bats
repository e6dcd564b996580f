#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Two coveds talking TLS (the tutorial's "Migration inter-hôtes"):
# core.https_address and core.trust_password, /1.0/certificates, untrusted
# clients refused, `cove remote ...`, REMOTE: prefixes, copy and move between
# the two, and Debian's lxc client against coved over TLS. Both daemons run
# in the test's network namespace (daemon-helpers.bash) and listen on its
# loopback only; every client command runs there too.

load daemon-helpers

COVE=$COVE_BUILD_DIR/src/client/cove

innet() {
	nsenter --net="/run/netns/$COVED_NETNS" "$@"
}

# cv ARGS: the cove client in the test's network namespace
cv() {
	innet "$COVE" "$@"
}

# api2 METHOD PATH [BODY]: like api, on the second daemon
api2() {
	curl -s --max-time 60 --unix-socket "$COVE_DIR2/unix.socket" -X "$1" \
		${3:+-H 'Content-Type: application/json' --data-binary "$3"} "http://cove$2"
}

# tls METHOD PATH [BODY] [curl args]: a request to daemon 1 over TLS, the HTTP status then the body
tls() {
	local m=$1 p=$2 b=${3:-}
	shift 3 2>/dev/null || shift $#
	innet curl -sk --max-time 30 -w '\n%{http_code}' -X "$m" ${b:+--data-binary "$b"} "$@" \
		"https://127.0.0.1:8443$p"
}

PRESEED='storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root:
      path: /
      pool: default
      type: disk'

# build_image SOCKET: the busybox image (alias busybox) on that daemon
build_image() {
	local r op
	r=$(curl -s --unix-socket "$1" -X POST -H 'Content-Type: application/json' \
		--data-binary '{"source":{"type":"cove-build","template":"busybox"},"aliases":[{"name":"busybox"}]}' \
		http://cove/1.0/images)
	op=$(jq -r .operation <<<"$r")
	curl -s --unix-socket "$1" "http://cove$op/wait?timeout=120" | jq -e '.metadata.status == "Success"' >/dev/null
}

setup() {
	daemon_setup
	export COVE_CONF=$TESTDIR/conf
	COVE_DIR2=$TESTDIR/cove2
	mkdir -p "$COVE_DIR2"
	COVE_DIR=$COVE_DIR2 COVE_LXCPATH=$COVE_DIR2/containers \
		nsenter --net="/run/netns/$COVED_NETNS" "$COVED" --debug >>"$TESTDIR/coved2.log" 2>&1 &
	COVED2_PID=$!
	BG_PIDS="${BG_PIDS:-} $COVED2_PID"
	COVE_DIR=$COVE_DIR2 "$COVED" waitready --timeout 10
}

teardown() {
	local d n
	if [ -n "${COVED2_PID:-}" ]; then
		kill "$COVED2_PID" 2>/dev/null
		wait "$COVED2_PID" 2>/dev/null
	fi
	for d in "${COVE_DIR2:-/nonexistent}"/containers/*; do
		[ -d "$d" ] || continue
		n=${d##*/}
		COVE_LXCPATH=$COVE_DIR2/containers cove-stop -n "$n" -k >/dev/null 2>&1
		COVE_LXCPATH=$COVE_DIR2/containers cove-destroy -n "$n" -f >/dev/null 2>&1
	done
	coved_stop
	common_teardown
}

# both daemons initialised (pool + default profile, no network) with the busybox image
init_both() {
	"$COVED" init --preseed <<<"$PRESEED"
	COVE_DIR=$COVE_DIR2 "$COVED" init --preseed <<<"$PRESEED"
	build_image "$COVE_DIR/unix.socket"
	build_image "$COVE_DIR2/unix.socket"
}

# listen2: daemon 2 on 127.0.0.1:8444 with password pw2, added as remote s2
listen2() {
	api2 PATCH /1.0 '{"config":{"core.https_address":"127.0.0.1:8444","core.trust_password":"pw2"}}' |
		jq -e '.status_code == 200' >/dev/null
	cv remote add s2 https://127.0.0.1:8444 --password pw2 --accept-certificate
}

@test "core.https_address: GET /1.0 shows it, the certificate and fingerprint; the password as true" {
	run api PATCH /1.0 '{"config":{"core.https_address":"127.0.0.1:8443","core.trust_password":"secret"}}'
	[ "$(jq -r .status_code <<<"$output")" = 200 ]
	run api GET /1.0
	[ "$(jq -r '.metadata.config["core.https_address"]' <<<"$output")" = 127.0.0.1:8443 ]
	[ "$(jq -r '.metadata.config["core.trust_password"]' <<<"$output")" = true ]
	[ "$(jq -r '.metadata.environment.addresses[0]' <<<"$output")" = 127.0.0.1:8443 ]
	[ "$(jq -r .metadata.auth <<<"$output")" = trusted ]
	local fp=$(jq -r .metadata.environment.certificate_fingerprint <<<"$output")
	[ "$(openssl x509 -in "$COVE_DIR/server.crt" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)" = "$fp" ]
	openssl x509 -in "$COVE_DIR/server.crt" -noout -text | grep -q "secp384r1\|P-384"
	[ "$(stat -c %a "$COVE_DIR/server.key")" = 600 ]
	# stored hashed, never in clear
	run sqlite3 "$COVE_DIR/database/local.db" "SELECT value FROM config WHERE key = 'core.trust_password'"
	[ "${#output}" = 192 ]
	[[ "$output" != *secret* ]]
	# the listener serves, and an untrusted client sees only the untrusted view
	run tls GET /1.0
	[ "${lines[-1]}" = 200 ]
	[ "$(head -1 <<<"$output" | jq -r .metadata.auth)" = untrusted ]
	[ "$(head -1 <<<"$output" | jq -c .metadata.config)" = "{}" ]
}

@test "the tutorial's server config through cove config set/unset and Debian's lxc" {
	run cv config set core.https_address 0.0.0.0:8443
	assert_success
	run cv config set core.trust_password motdepasse
	assert_success
	run cv config set core.https_address 127.0.0.1:8443
	assert_success
	run cv config get core.https_address
	assert_output 127.0.0.1:8443
	run cv config show
	assert_output --partial "core.trust_password: true"
	# the password survived the PUTs that sent it back as true
	run tls POST /1.0/certificates '{"type":"client","password":"motdepasse"}'
	[ "${lines[-1]}" = 400 ] # right password, but curl sent no certificate
	run cv config set core.https_address 127.0.0.1:99999
	assert_failure
	run cv config unset core.https_address
	assert_success
	[ "$(api GET /1.0 | jq -r '.metadata.config["core.https_address"]')" = null ]
	if command -v lxc >/dev/null; then
		innet lxc list >/dev/null 2>&1 || true
		run innet lxc config set core.https_address 127.0.0.1:8443
		assert_success
		run innet lxc config set core.trust_password autre
		assert_success
		run tls GET /1.0
		[ "${lines[-1]}" = 200 ]
	fi
}

@test "untrusted TLS clients: 403 for everything but GET /1.0 and POST /1.0/certificates" {
	api PATCH /1.0 '{"config":{"core.https_address":"127.0.0.1:8443"}}' >/dev/null
	local p
	for p in /1.0/instances /1.0/images /1.0/profiles /1.0/certificates /1.0/operations /1.0/networks; do
		run tls GET "$p"
		[ "${lines[-1]}" = 403 ]
	done
	run tls PUT /1.0 '{"config":{}}'
	[ "${lines[-1]}" = 403 ]
	run tls POST /1.0/instances '{"name":"x"}'
	[ "${lines[-1]}" = 403 ]
	# the events websocket too
	run innet curl -sk --max-time 5 -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' \
		-H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
		https://127.0.0.1:8443/1.0/events
	[ "$output" != 101 ]
}

@test "trust by password: wrong or missing password 403 and nothing stored; right one trusts the certificate" {
	api PATCH /1.0 '{"config":{"core.https_address":"127.0.0.1:8443","core.trust_password":"secret"}}' >/dev/null
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes -days 2 -subj /CN=t \
		-keyout "$TESTDIR/c.key" -out "$TESTDIR/c.crt" 2>/dev/null
	local c="--cert $TESTDIR/c.crt --key $TESTDIR/c.key"
	run tls POST /1.0/certificates '{"type":"client","password":"wrong"}' $c
	[ "${lines[-1]}" = 403 ]
	run tls POST /1.0/certificates '{"type":"client"}' $c
	[ "${lines[-1]}" = 403 ]
	[ "$(api GET /1.0/certificates | jq '.metadata | length')" = 0 ]
	run tls GET /1.0/instances "" $c
	[ "${lines[-1]}" = 403 ]
	run tls POST /1.0/certificates '{"type":"client","password":"secret","name":"mine"}' $c
	[ "${lines[-1]}" = 201 ]
	run tls GET /1.0 "" $c
	[ "$(head -1 <<<"$output" | jq -r .metadata.auth)" = trusted ]
	run tls GET /1.0/instances "" $c
	[ "${lines[-1]}" = 200 ]
	local fp=$(openssl x509 -in "$TESTDIR/c.crt" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)
	run api GET "/1.0/certificates/$fp"
	[ "$(jq -r .metadata.name <<<"$output")" = mine ]
	[ "$(jq -r .metadata.type <<<"$output")" = client ]
	[ "$(jq -r .metadata.fingerprint <<<"$output")" = "$fp" ]
	# twice: 409; an unset password refuses everyone
	run tls POST /1.0/certificates '{"type":"client","password":"secret"}' $c
	[ "${lines[-1]}" = 409 ]
	api PATCH /1.0 '{"config":{"core.trust_password":""}}' >/dev/null
	[ "$(api GET /1.0 | jq -r '.metadata.config["core.trust_password"]')" = null ]
	# deleting the certificate makes the client untrusted again
	[ "$(api DELETE "/1.0/certificates/${fp:0:12}" | jq -r .status_code)" = 200 ]
	run tls GET /1.0/instances "" $c
	[ "${lines[-1]}" = 403 ]
}

@test "/1.0/certificates: add by a trusted client, list, PUT/PATCH/ETag, delete; bad input" {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes -days 2 -subj /CN=ext \
		-keyout "$TESTDIR/c.key" -out "$TESTDIR/c.crt" 2>/dev/null
	local b64=$(grep -v -- ----- "$TESTDIR/c.crt" | tr -d '\n')
	local fp=$(openssl x509 -in "$TESTDIR/c.crt" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)
	run api POST /1.0/certificates "{\"type\":\"client\",\"certificate\":\"$b64\"}"
	[ "$(jq -r .status_code <<<"$output")" = 200 ] || [ "$(jq -r .type <<<"$output")" = sync ]
	run api GET /1.0/certificates
	[ "$(jq -r '.metadata[0]' <<<"$output")" = "/1.0/certificates/$fp" ]
	run api GET '/1.0/certificates?recursion=1'
	[ "$(jq -r '.metadata[0].name' <<<"$output")" = ext ]
	[[ "$(jq -r '.metadata[0].certificate' <<<"$output")" == "-----BEGIN CERTIFICATE-----"* ]]
	run api PATCH "/1.0/certificates/$fp" '{"name":"renamed"}'
	[ "$(jq -r .status_code <<<"$output")" = 200 ]
	[ "$(api GET "/1.0/certificates/$fp" | jq -r .metadata.name)" = renamed ]
	run curl -s --unix-socket "$COVE_DIR/unix.socket" -X PUT -H 'If-Match: "nope"' \
		--data-binary '{"name":"x","type":"client"}' "http://cove/1.0/certificates/$fp"
	[ "$(jq -r .error_code <<<"$output")" = 412 ]
	# bad input: not a certificate, a bad type, wrong JSON types, unknown fingerprints
	[ "$(api_code POST /1.0/certificates '{"type":"client","certificate":"bm90IGEgY2VydA=="}')" = 400 ]
	[ "$(api_code POST /1.0/certificates "{\"type\":\"bogus\",\"certificate\":\"$b64\"}")" = 400 ]
	[ "$(api_code POST /1.0/certificates '{"type":"client","restricted":"yes"}')" = 400 ]
	[ "$(api_code POST /1.0/certificates '{"type":"client"}')" = 400 ]
	[ "$(api_code POST /1.0/certificates '{bad json')" = 400 ]
	[ "$(api_code GET /1.0/certificates/0000)" = 404 ]
	[ "$(api_code GET /1.0/certificates/zz..)" = 404 ]
	[ "$(api_code PATCH "/1.0/certificates/$fp" '{"restricted":3}')" = 400 ]
	[ "$(api_code DELETE /1.0/certificates/0000)" = 404 ]
	[ "$(api_code DELETE "/1.0/certificates/$fp")" = 200 ]
	[ "$(api GET /1.0/certificates | jq '.metadata | length')" = 0 ]
}

@test "listener moved and stopped by config; bad addresses and ports refused (400), daemon keeps serving" {
	api PATCH /1.0 '{"config":{"core.https_address":"127.0.0.1:8443"}}' >/dev/null
	run tls GET /1.0
	[ "${lines[-1]}" = 200 ]
	api PATCH /1.0 '{"config":{"core.https_address":"127.0.0.1:8445"}}' >/dev/null
	run tls GET /1.0
	[ "${lines[-1]}" != 200 ]
	run innet curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:8445/1.0
	[ "$output" = 200 ]
	# the same port on another address of the namespace's loopback
	api PATCH /1.0 '{"config":{"core.https_address":"[::1]:8445"}}' >/dev/null
	run innet curl -sk -o /dev/null -w '%{http_code}' 'https://[::1]:8445/1.0'
	[ "$output" = 200 ]
	local a
	for a in 127.0.0.1:0 127.0.0.1:99999 127.0.0.1:abc 'not an address:1' 1.2.3.4.5:80 ::1:8443 '[::1' 192.0.2.1:8443; do
		run api PATCH /1.0 "{\"config\":{\"core.https_address\":\"$a\"}}"
		[ "$(jq -r .error_code <<<"$output")" = 400 ] || { echo "accepted: $a ($output)"; false; }
	done
	[ "$(api_code PATCH /1.0 '{"config":{"core.https_address":8443}}')" = 400 ]
	[ "$(api_code PATCH /1.0 '{"config":{"core.bogus":"x"}}')" = 400 ]
	[ "$(api_code PATCH /1.0 '{"config":[]}')" = 400 ]
	# a port in use (daemon 2 holds it)
	api2 PATCH /1.0 '{"config":{"core.https_address":"127.0.0.1:8446"}}' >/dev/null
	run api PATCH /1.0 '{"config":{"core.https_address":"127.0.0.1:8446"}}'
	[ "$(jq -r .error_code <<<"$output")" = 400 ]
	# still where it was, and stored as it was
	[ "$(api GET /1.0 | jq -r '.metadata.config["core.https_address"]')" = "[::1]:8445" ]
	run innet curl -sk -o /dev/null -w '%{http_code}' 'https://[::1]:8445/1.0'
	[ "$output" = 200 ]
	# PUT without the key stops it
	api PUT /1.0 '{"config":{}}' >/dev/null
	run innet curl -sk -o /dev/null -w '%{http_code}' 'https://[::1]:8445/1.0'
	[ "$output" = 000 ]
	[ "$(api GET /1.0 | jq -r '.metadata.config["core.https_address"]')" = null ]
	[ "$(api_code GET /1.0)" = 200 ]
}

@test "the listener comes back with a restarted daemon" {
	api PATCH /1.0 '{"config":{"core.https_address":"127.0.0.1:8443"}}' >/dev/null
	coved_stop
	coved_start
	run tls GET /1.0
	[ "${lines[-1]}" = 200 ]
}

@test "cove remote add (password, certificate prompt), list, get-default, switch, rename, set-url, remove" {
	api PATCH /1.0 '{"config":{"core.https_address":"127.0.0.1:8443","core.trust_password":"pw"}}' >/dev/null
	run cv remote add s1 https://127.0.0.1:8443 --password wrong --accept-certificate
	assert_failure
	assert_output --partial "not authorized"
	[ "$(api GET /1.0/certificates | jq '.metadata | length')" = 0 ]
	run cv remote list -f csv
	refute_output --partial s1
	# the fingerprint is shown and asked about; "n" refuses
	run bash -c "echo n | nsenter --net=/run/netns/$COVED_NETNS $COVE remote add s1 127.0.0.1:8443 --password pw"
	assert_failure
	assert_output --partial "Certificate fingerprint: $(api GET /1.0 | jq -r .metadata.environment.certificate_fingerprint)"
	run bash -c "echo y | nsenter --net=/run/netns/$COVED_NETNS $COVE remote add s1 127.0.0.1:8443 --password pw"
	assert_success
	assert_output --partial "Client certificate now trusted by server: s1"
	[ -f "$COVE_CONF/client.crt" ] && [ -f "$COVE_CONF/servercerts/s1.crt" ]
	[ "$(stat -c %a "$COVE_CONF/client.key")" = 600 ]
	run cv remote list -f csv
	assert_line "local (current),unix://,lxd,file access,NO,YES,NO"
	assert_line "s1,https://127.0.0.1:8443,lxd,tls,NO,NO,NO"
	run cv remote add s1 https://127.0.0.1:8443
	assert_failure
	run cv remote add bad/name https://127.0.0.1:8443
	assert_failure
	run cv remote add x ftp://127.0.0.1
	assert_failure
	run cv remote add x https://127.0.0.1:70000
	assert_failure
	# the password asked for on stdin after the fingerprint (once the server forgot us)
	local c
	for c in $(api GET /1.0/certificates | jq -r '.metadata[]'); do api DELETE "$c" >/dev/null; done
	run bash -c "printf 'y\npw\n' | nsenter --net=/run/netns/$COVED_NETNS $COVE remote add s3 127.0.0.1:8443"
	assert_success
	assert_output --partial "Admin password (or token) for s3:"
	cv remote remove s3
	# without a name: named after the host
	run cv remote add 127.0.0.1:8443 --password pw --accept-certificate
	assert_success
	run cv remote list -f csv
	assert_line "127.0.0.1,https://127.0.0.1:8443,lxd,tls,NO,NO,NO"
	cv remote remove 127.0.0.1
	run cv remote get-default
	assert_output local
	run cv remote switch s1
	assert_success
	run cv remote get-default
	assert_output s1
	run cv remote remove s1
	assert_failure
	run cv remote rename s1 s9
	assert_success
	run cv remote get-default
	assert_output s9
	run cv list -f csv
	assert_success
	run cv remote switch local
	run cv remote set-url s9 https://127.0.0.1:8443
	assert_success
	run cv remote switch nosuch
	assert_failure
	run cv remote remove local
	assert_failure
	run cv remote remove s9
	assert_success
	[ ! -e "$COVE_CONF/servercerts/s9.crt" ]
	run cv list s9:
	assert_failure
	assert_output --partial "The remote \"s9\" doesn't exist"
}

@test "cove config trust add/list/remove; a trusted certificate needs no password" {
	api PATCH /1.0 '{"config":{"core.https_address":"127.0.0.1:8443"}}' >/dev/null
	api2 PATCH /1.0 '{"config":{"core.https_address":"127.0.0.1:8444","core.trust_password":"pw2"}}' >/dev/null
	# a client certificate made by adding daemon 2
	cv remote add s2 https://127.0.0.1:8444 --password pw2 --accept-certificate
	# trust it on daemon 1 from the unix socket, then add daemon 1 without a password
	run cv config trust add "$COVE_CONF/client.crt"
	assert_success
	run cv config trust list -f csv
	assert_output --partial "client,client.crt,root@"
	run cv remote add s1 https://127.0.0.1:8443 --accept-certificate </dev/null
	assert_success
	run cv config trust list s1: -f csv
	assert_success
	assert_output --partial client
	local fp=$(api GET '/1.0/certificates?recursion=1' | jq -r '.metadata[0].fingerprint')
	run cv config trust remove "s1:${fp:0:12}"
	assert_success
	[ "$(api GET /1.0/certificates | jq '.metadata | length')" = 0 ]
	run cv list s1:
	assert_failure
	run cv config trust add /nonexistent.crt
	assert_failure
	run cv config trust remove nosuchfp
	assert_failure
}

@test "REMOTE: list, launch, exec, info, stop/start, config, image list, delete on the other daemon" {
	init_both
	listen2
	local n=$(ct a)
	run cv launch s2:busybox "s2:$n"
	assert_success
	run cv list s2: -f csv -c ns
	assert_output "$n,RUNNING"
	run cv list -f csv
	assert_output ""
	[ "$(api2 GET "/1.0/instances/$n" | jq -r .metadata.status)" = Running ]
	run cv exec "s2:$n" -- echo hello
	assert_success
	assert_output hello
	run cv exec "s2:$n" -- sh -c 'exit 5'
	[ "$status" = 5 ]
	run bash -c "printf 'a\nb\n' | nsenter --net=/run/netns/$COVED_NETNS $COVE exec s2:$n -- wc -l"
	assert_output 2
	run innet timeout 30 script -qec "stty cols 101 rows 31; $COVE exec s2:$n -- sh -c 'tty; stty size; exit 7'" /dev/null
	[ "$status" = 7 ]
	assert_output --partial /dev/pts/
	assert_output --partial "31 101"
	run cv info "s2:$n"
	assert_output --partial "Status: RUNNING"
	run cv info s2:
	assert_success
	assert_output --partial "core.https_address: 127.0.0.1:8444"
	run cv config set "s2:$n" user.foo bar
	assert_success
	run cv config get "s2:$n" user.foo
	assert_output bar
	run cv image list s2: -f json
	[ "$(jq -r '.[0].aliases[0].name' <<<"$output")" = busybox ]
	run cv stop "s2:$n"
	assert_success
	[ "$(api2 GET "/1.0/instances/$n" | jq -r .metadata.status)" = Stopped ]
	run cv start "s2:$n"
	assert_success
	run cv delete -f "s2:$n"
	assert_success
	[ "$(api2 GET /1.0/instances | jq '.metadata | length')" = 0 ]
}

@test "cove copy and move between two daemons keep config and profiles" {
	init_both
	listen2
	local a=$(ct a) b=$(ct b)
	cv launch busybox "$a" -c user.k=v
	cv exec "$a" -- sh -c 'echo data > /root/f'
	run cv copy "$a" "s2:$b"
	assert_success
	[ "$(api2 GET "/1.0/instances/$b" | jq -r '.metadata.config["user.k"]')" = v ]
	[ "$(api2 GET "/1.0/instances/$b" | jq -c .metadata.profiles)" = '["default"]' ]
	[ "$(status_of "$a")" = Running ]
	cv start "s2:$b"
	run cv exec "s2:$b" -- cat /root/f
	assert_output data
	# a second copy to the same name is refused clearly
	run cv copy "$a" "s2:$b"
	assert_failure
	assert_output --partial "already exists"
	run cv copy nosuch "s2:x"
	assert_failure
	run cv move "$a" s2: --mode=sideways
	assert_failure
	# move (the tutorial's --mode=push): the running source stops, the target runs, the source is gone
	run cv move "$a" s2: --mode=push
	assert_success
	[ "$(api2 GET "/1.0/instances/$a" | jq -r .metadata.status)" = Running ]
	[ "$(api_code GET "/1.0/instances/$a")" = 404 ]
	run cv exec "s2:$a" -- cat /root/f
	assert_output data
	# and back
	run cv move "s2:$a" "local:$a"
	assert_success
	[ "$(status_of "$a")" = Running ]
	[ "$(api2 GET "/1.0/instances/$a" | jq -r .error_code)" = 404 ]
	cv delete -f "$a"
	cv delete -f "s2:$b"
}

@test "cove image copy to another server (with its aliases), then a launch from it there" {
	"$COVED" init --preseed <<<"$PRESEED"
	COVE_DIR=$COVE_DIR2 "$COVED" init --preseed <<<"$PRESEED"
	build_image "$COVE_DIR/unix.socket"
	listen2
	local n=$(ct a)
	touch "$TESTDIR/start"
	run cv image copy busybox s2: --copy-aliases --alias bb
	assert_success
	[ "$(api2 GET '/1.0/images?recursion=1' | jq -r '.metadata[0].fingerprint')" = \
		"$(api GET '/1.0/images?recursion=1' | jq -r '.metadata[0].fingerprint')" ]
	[ "$(api2 GET '/1.0/images/aliases' | jq -c '.metadata | sort')" = \
		'["/1.0/images/aliases/bb","/1.0/images/aliases/busybox"]' ]
	run cv launch s2:bb "s2:$n"
	assert_success
	[ "$(api2 GET "/1.0/instances/$n" | jq -r .metadata.status)" = Running ]
	run cv image copy busybox s2:
	assert_failure
	run cv image copy nosuch s2:
	assert_failure
	run cv image copy busybox local:
	assert_failure
	run cv image copy busybox s2:x
	assert_failure
	# no temporary directory left behind
	[ -z "$(find /tmp -maxdepth 1 -name 'cove-image.*' -newer "$TESTDIR/start")" ]
	cv delete -f "s2:$n"
}

@test "cove launch IMAGE REMOTE:NAME copies a local image to that server first" {
	"$COVED" init --preseed <<<"$PRESEED"
	COVE_DIR=$COVE_DIR2 "$COVED" init --preseed <<<"$PRESEED"
	build_image "$COVE_DIR/unix.socket"
	listen2
	local n=$(ct a) m=$(ct b)
	run cv launch busybox "s2:$n"
	assert_success
	[ "$(api2 GET "/1.0/instances/$n" | jq -r .metadata.status)" = Running ]
	[ "$(api2 GET /1.0/images/aliases/busybox | jq -r .metadata.target)" = \
		"$(api GET /1.0/images/aliases/busybox | jq -r .metadata.target)" ]
	[ "$(api GET /1.0/instances | jq '.metadata | length')" = 0 ]
	# the second time the image is there already
	run cv init busybox "s2:$m"
	assert_success
	[ "$(api2 GET /1.0/images | jq '.metadata | length')" = 1 ]
	cv delete -f "s2:$n" "s2:$m"
}

@test "Debian's lxc client: remote add with a password, lxc list, trust list against coved over TLS" {
	command -v lxc >/dev/null || skip "lxd-client is not installed"
	init_both
	api PATCH /1.0 '{"config":{"core.https_address":"127.0.0.1:8443","core.trust_password":"pw"}}' >/dev/null
	local n=$(ct a)
	launch "$n"
	innet lxc list >/dev/null 2>&1 || true
	run innet lxc remote add x https://127.0.0.1:8443 --password wrong --accept-certificate
	assert_failure
	run innet lxc remote add x https://127.0.0.1:8443 --password pw --accept-certificate
	assert_success
	run innet lxc list x: --format csv -c ns
	assert_success
	assert_output "$n,RUNNING"
	run innet lxc config trust list x: --format csv
	assert_success
	assert_output --partial client
	# cove prints the trust store as lxc does
	[ "$(cv config trust list -f csv)" = "$output" ]
	run innet lxc exec "x:$n" -- echo hi
	assert_output hi
	run innet lxc info x:
	assert_output --partial "core.https_address: 127.0.0.1:8443"
	# the tutorial's `lxc config trust add client.crt` (on the unix socket)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes -days 2 -subj /CN=t \
		-keyout "$TESTDIR/client.key" -out "$TESTDIR/client.crt" 2>/dev/null
	run innet lxc config trust add "$TESTDIR/client.crt"
	assert_success
	[ "$(api GET /1.0/certificates | jq '.metadata | length')" = 2 ]
	run innet lxc config trust list --format csv
	assert_output --partial "client,client.crt,t,"
	cv delete -f "$n"
}
