#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# coved's REST API over its unix socket with curl: envelopes, statuses,
# operations, instances, images, profiles, and bad input that must be
# answered with LXD's error envelope while the daemon keeps serving.

load daemon-helpers

@test "unix.socket is a socket with mode 0660" {
	[ -S "$COVE_DIR/unix.socket" ]
	[ "$(stat -c %a "$COVE_DIR/unix.socket")" = 660 ]
}

@test "GET / and GET /1.0 answer LXD's sync envelope" {
	run api GET /
	assert_output '{"type":"sync","status":"Success","status_code":200,"operation":"","error_code":0,"error":"","metadata":["/1.0"]}'
	run api GET /1.0
	[ "$(jq -r .metadata.auth <<<"$output")" = trusted ]
	[ "$(jq -r .metadata.environment.server <<<"$output")" = lxd ]
	[ "$(jq -r .metadata.environment.server_clustered <<<"$output")" = false ]
	jq -e '.metadata.api_extensions | index("instances")' <<<"$output"
	run curl -s -i --unix-socket "$COVE_DIR/unix.socket" http://cove/1.0
	assert_output --regexp 'Etag: "[0-9a-f]{64}"'
}

@test "unknown paths and a trailing slash are 404 envelopes" {
	for p in /nope /1.0/ /1.0/instances/ /2.0 /1.0/instances/x/y/z; do
		run api_code GET "$p"
		[ "$output" = 404 ]
	done
	run api GET /1.0/
	assert_output '{"type":"error","status":"","status_code":0,"operation":"","error_code":404,"error":"not found","metadata":null}'
}

@test "a missing instance is a 404 'Instance not found'" {
	run api GET /1.0/instances/nosuch
	[ "$(jq -r .error_code <<<"$output")" = 404 ]
	[ "$(jq -r .error <<<"$output")" = "Instance not found" ]
	run api_code DELETE /1.0/instances/nosuch
	[ "$output" = 404 ]
	run api_code PUT /1.0/instances/nosuch/state '{"action":"start"}'
	[ "$output" = 404 ]
}

@test "bad input gets 4xx envelopes and the daemon keeps serving" {
	local body
	for body in '{bad' '[1,2]' '"str"' '' '{"name":5}' '{"name":"a/b","source":{"type":"none"}}' \
		'{"name":"..","source":{"type":"none"}}' '{"name":"ok1","source":{"type":"nosuch"}}' \
		'{"name":"ok2","source":{"type":"none"},"config":{"foo.bar":"1"}}' \
		'{"name":"ok3","source":{"type":"none"},"config":{"limits.memory":"lots"}}' \
		'{"name":"ok4","source":{"type":"none"},"config":{"user.x":5}}' \
		'{"name":"ok5","source":{"type":"none"},"profiles":["nosuch"]}' \
		'{"name":"ok6","source":{"type":"image","alias":"nosuch"}}'; do
		run api_code POST /1.0/instances "$body"
		[[ "$output" == 4* ]] || { echo "body $body -> $output"; false; }
	done
	run api POST /1.0/instances '{"name":"ok2","source":{"type":"none"},"config":{"foo.bar":"1"}}'
	[ "$(jq -r .error <<<"$output")" = "Invalid config: Unknown configuration key: foo.bar" ]
	[ "$(jq -r .type <<<"$output")" = error ]
	run api GET /1.0/instances
	[ "$(jq -c .metadata <<<"$output")" = "[]" ]
	[ -z "$(ls "$COVE_DIR/containers")" ]
}

@test "an oversize body is refused with 413 and the daemon keeps serving" {
	head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >"$TESTDIR/big"
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$COVE_DIR/unix.socket" \
		-X POST --data-binary @"$TESTDIR/big" http://cove/1.0/instances
	[ "$output" = 413 ]
	run api_code GET /1.0
	[ "$output" = 200 ]
}

@test "operations: async create, /wait, list, unknown operation" {
	local r op
	r=$(api POST /1.0/instances '{"name":"e1","source":{"type":"none"}}')
	[ "$(jq -r .type <<<"$r")" = async ]
	[ "$(jq -r .status_code <<<"$r")" = 100 ]
	[ "$(jq -r .metadata.status <<<"$r")" = Running ]
	op=$(jq -r .operation <<<"$r")
	run api GET "$op/wait?timeout=30"
	[ "$(jq -r .metadata.status <<<"$output")" = Success ]
	run api GET /1.0/operations
	jq -e ".metadata.success | index(\"$op\")" <<<"$output"
	run api_code GET /1.0/operations/nosuch
	[ "$output" = 404 ]
	run api DELETE /1.0/instances/e1
	[ "$(api_wait "$output" | jq -r .status)" = Success ]
}

@test "instances: create from the busybox image, start, state, rename, stop, delete" {
	local n=$(ct a) m=$(ct b) r
	daemon_init_image
	launch "$n"
	[ "$(status_of "$n")" = Running ]
	run api GET "/1.0/instances/$n/state"
	[ "$(jq -r .metadata.pid <<<"$output")" -gt 1 ]
	run api GET "/1.0/instances?recursion=2&filter=name+eq+$n"
	[ "$(jq -r '.metadata[0].state.status' <<<"$output")" = Running ]
	grep -q "^lxc.uts.name = $n\$" "$COVE_DIR/containers/$n/config"
	run api_code DELETE "/1.0/instances/$n"
	[ "$output" = 400 ]
	r=$(api PUT "/1.0/instances/$n/state" '{"action":"stop","force":true}')
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	[ "$(status_of "$n")" = Stopped ]
	r=$(api POST "/1.0/instances/$n" "{\"name\":\"$m\"}")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	[ -d "$COVE_DIR/containers/$m/rootfs" ]
	r=$(api DELETE "/1.0/instances/$m")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	[ ! -e "$COVE_DIR/containers/$m" ]
}

@test "PUT with a stale If-Match is 412; config is validated on update" {
	local n=$(ct a) etag r
	r=$(api POST /1.0/instances "{\"name\":\"$n\",\"source\":{\"type\":\"none\"}}")
	api_wait "$r" >/dev/null
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$COVE_DIR/unix.socket" -X PUT \
		-H 'If-Match: "0000"' --data-binary '{"config":{}}' "http://cove/1.0/instances/$n"
	[ "$output" = 412 ]
	etag=$(curl -s -i --unix-socket "$COVE_DIR/unix.socket" "http://cove/1.0/instances/$n" |
		sed -n 's/^Etag: //Ip' | tr -d '\r')
	r=$(curl -s --unix-socket "$COVE_DIR/unix.socket" -X PUT -H "If-Match: $etag" \
		--data-binary '{"config":{"user.a":"b"},"profiles":["default"]}' "http://cove/1.0/instances/$n")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	[ "$(api GET "/1.0/instances/$n" | jq -r '.metadata.config["user.a"]')" = b ]
	run api_code PATCH "/1.0/instances/$n" '{"config":{"nope":"1"}}'
	[ "$output" = 400 ]
	r=$(api DELETE "/1.0/instances/$n")
	api_wait "$r" >/dev/null
}

@test "limits.* take effect at start (more in daemon-limits.bats)" {
	local n=$(ct a) r
	daemon_init_image
	r=$(api POST /1.0/instances "{\"name\":\"$n\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"},\"config\":{\"limits.memory\":\"256MB\"}}")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	r=$(api PUT "/1.0/instances/$n/state" '{"action":"start"}')
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	[ "$(status_of "$n")" = Running ]
	grep -qx 'lxc.cgroup2.memory.max = 256000000' "$LXCPATH/$n/config"
}

@test "images: list, aliases, show, import of a bad tarball, delete" {
	local fp r
	daemon_init_image
	fp=$(api GET /1.0/images/aliases/busybox | jq -r .metadata.target)
	[ ${#fp} = 64 ]
	[ -f "$COVE_DIR/images/$fp" ]
	[ "$(sha256sum "$COVE_DIR/images/$fp" | cut -d' ' -f1)" = "$fp" ]
	run api GET "/1.0/images/$fp"
	[ "$(jq -r .metadata.aliases[0].name <<<"$output")" = busybox ]
	# a tarball with ".." is refused and leaves nothing behind
	mkdir -p "$TESTDIR/evil/rootfs"
	echo "architecture: x86_64" >"$TESTDIR/evil/metadata.yaml"
	tar -C "$TESTDIR/evil" -cf "$TESTDIR/evil.tar" metadata.yaml rootfs --transform 's|^rootfs|rootfs/../../x|'
	r=$(curl -s --unix-socket "$COVE_DIR/unix.socket" -X POST -H 'Content-Type: application/octet-stream' \
		--data-binary @"$TESTDIR/evil.tar" http://cove/1.0/images)
	[ "$(api_wait "$r" | jq -r .status)" = Failure ]
	[ "$(ls -A "$COVE_DIR/images" | wc -l)" = 2 ]
	r=$(api DELETE "/1.0/images/$fp")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	[ -z "$(ls -A "$COVE_DIR/images")" ]
	run api_code GET /1.0/images/aliases/busybox
	[ "$output" = 404 ]
}

@test "profiles, storage pools and networks after init --auto" {
	"$COVED" init --auto
	run api GET /1.0/profiles/default
	[ "$(jq -r .metadata.devices.root.pool <<<"$output")" = default ]
	run api GET "/1.0/storage-pools?recursion=1"
	[ "$(jq -r '.metadata[0].driver' <<<"$output")" = dir ]
	run api GET "/1.0/networks?recursion=1"
	jq -e '.metadata[] | select(.name == "lo") | select(.type == "loopback") | select(.managed == false)' <<<"$output"
	run api_code GET /1.0/networks/nosuch0
	[ "$output" = 404 ]
}

@test "chunked bodies: de-chunked, malformed ones refused, the daemon keeps serving" {
	run curl -s --unix-socket "$COVE_DIR/unix.socket" -H 'Transfer-Encoding: chunked' -X POST \
		--data-binary '{"name":"ch1","source":{"type":"none"}}' http://cove/1.0/instances
	[ "$(api_wait "$output" | jq -r .status)" = Success ]
	run raw_request < <(printf 'POST /1.0/instances HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')
	assert_output --partial "HTTP/1.1 400"
	run raw_request < <(printf 'GARBAGE\r\n\r\n')
	run raw_request < <(head -c 20000 /dev/zero | tr '\0' 'a')
	run api_code GET /1.0
	[ "$output" = 200 ]
	run api DELETE /1.0/instances/ch1
	api_wait "$output" >/dev/null
}
