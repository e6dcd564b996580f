#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# coved's /1.0/profiles: create, show (ETag), PUT/PATCH, rename, delete,
# used_by and the expanded config of the instances using a profile, and the
# bad input LXD refuses (slashes, the default profile, in-use, bad bodies).

load daemon-helpers

@test "profiles: create, show, PUT with If-Match, PATCH, rename, delete" {
	"$COVED" init --auto
	run api_code POST /1.0/profiles '{"name":"web","description":"d","config":{"user.a":"1"}}'
	[ "$output" = 201 ]
	run api GET /1.0/profiles/web
	[ "$(jq -r .metadata.config.\"user.a\" <<<"$output")" = 1 ]
	[ "$(jq -r .metadata.description <<<"$output")" = d ]
	[ "$(jq -c .metadata.used_by <<<"$output")" = "[]" ]
	etag=$(curl -s -i --unix-socket "$COVE_DIR/unix.socket" http://cove/1.0/profiles/web |
		sed -n 's/^Etag: //Ip' | tr -d '\r')
	[ -n "$etag" ]
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$COVE_DIR/unix.socket" -X PUT \
		-H 'If-Match: "0000"' --data-binary '{"config":{}}' http://cove/1.0/profiles/web
	[ "$output" = 412 ]
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$COVE_DIR/unix.socket" -X PUT \
		-H "If-Match: $etag" --data-binary '{"config":{"user.b":"2"}}' http://cove/1.0/profiles/web
	[ "$output" = 200 ]
	run api GET /1.0/profiles/web
	[ "$(jq -c .metadata.config <<<"$output")" = '{"user.b":"2"}' ]
	run api_code PATCH /1.0/profiles/web '{"config":{"user.c":"3"}}'
	[ "$output" = 200 ]
	run api GET /1.0/profiles/web
	[ "$(jq -c .metadata.config <<<"$output")" = '{"user.b":"2","user.c":"3"}' ]
	run api_code POST /1.0/profiles '{"name":"web"}'
	[ "$output" = 409 ]
	run api_code POST /1.0/profiles/web '{"name":"www"}'
	[ "$output" = 201 ]
	run api_code GET /1.0/profiles/web
	[ "$output" = 404 ]
	run api_code DELETE /1.0/profiles/www
	[ "$output" = 200 ]
	run api GET /1.0/profiles
	assert_output --partial '"metadata":["/1.0/profiles/default"]'
}

@test "profiles: bad names, the default profile, missing profiles, bad bodies" {
	"$COVED" init --auto
	run api POST /1.0/profiles '{"name":"a/b"}'
	[ "$(jq -r .error_code <<<"$output")" = 400 ]
	[ "$(jq -r .error <<<"$output")" = "Profile names may not contain slashes" ]
	for b in '{"name":""}' '{}' '{"name":".."}' '{"name":"x y"}' '{"name":5}' \
		'{"name":"p1","config":{"user.a":1}}' '{"name":"p2","config":{"nosuch.key":"1"}}' \
		'{"name":"p3","devices":"x"}' '{"name":"p4",' 'not json' '[]'; do
		run api_code POST /1.0/profiles "$b"
		[ "$output" = 400 ] || { echo "body $b: $output"; false; }
	done
	run api GET /1.0/profiles
	assert_output --partial '"metadata":["/1.0/profiles/default"]'
	run api DELETE /1.0/profiles/default
	[ "$(jq -r .error_code <<<"$output")" = 403 ]
	[ "$(jq -r .error <<<"$output")" = "The 'default' profile cannot be deleted" ]
	run api_code POST /1.0/profiles/default '{"name":"other"}'
	[ "$output" = 403 ]
	for m in GET DELETE; do
		run api "$m" /1.0/profiles/nosuch
		[ "$(jq -r .error_code <<<"$output")" = 404 ]
		[ "$(jq -r .error <<<"$output")" = "Profile not found" ]
	done
	run api_code PUT /1.0/profiles/nosuch '{"config":{}}'
	[ "$output" = 404 ]
	run api_code PATCH /1.0/profiles/nosuch '{"config":{}}'
	[ "$output" = 404 ]
	run api_code POST /1.0/profiles/nosuch '{"name":"x"}'
	[ "$output" = 404 ]
	run api_code PUT /1.0/profiles/default '{"config":{"user.a":true}}'
	[ "$output" = 400 ]
	run api_code PUT /1.0/profiles/default '{bad'
	[ "$output" = 400 ]
	run api GET /1.0/profiles/default
	[ "$(jq -r .metadata.devices.root.pool <<<"$output")" = default ]
}

@test "profiles: expanded config in order, used_by, re-expansion, in-use, rename follows" {
	"$COVED" init --auto
	n=$(ct prof)
	api POST /1.0/profiles '{"name":"p1","config":{"user.x":"p1","user.y":"p1","environment.PROF":"one"}}' >/dev/null
	api POST /1.0/profiles '{"name":"p2","config":{"user.y":"p2","user.z":"p2"}}' >/dev/null
	r=$(api POST /1.0/instances "{\"name\":\"$n\",\"source\":{\"type\":\"none\"},\"profiles\":[\"default\",\"p1\",\"p2\"],\"config\":{\"user.z\":\"own\"}}")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	run api GET "/1.0/instances/$n"
	[ "$(jq -c .metadata.profiles <<<"$output")" = '["default","p1","p2"]' ]
	[ "$(jq -r '.metadata.expanded_config."user.x"' <<<"$output")" = p1 ]
	[ "$(jq -r '.metadata.expanded_config."user.y"' <<<"$output")" = p2 ]
	[ "$(jq -r '.metadata.expanded_config."user.z"' <<<"$output")" = own ]
	[ "$(jq -r '.metadata.expanded_devices.root.pool' <<<"$output")" = default ]
	run api GET /1.0/profiles/p1
	[ "$(jq -c .metadata.used_by <<<"$output")" = "[\"/1.0/instances/$n\"]" ]
	grep -q 'PROF=one' "$COVE_DIR/containers/$n/config"
	run api_code PATCH /1.0/profiles/p1 '{"config":{"environment.PROF":"two"}}'
	[ "$output" = 200 ]
	grep -q 'PROF=two' "$COVE_DIR/containers/$n/config"
	run api GET "/1.0/instances/$n"
	[ "$(jq -r '.metadata.expanded_config."environment.PROF"' <<<"$output")" = two ]
	run api DELETE /1.0/profiles/p1
	[ "$(jq -r .error_code <<<"$output")" = 400 ]
	[ "$(jq -r .error <<<"$output")" = "Profile is currently in use" ]
	run api_code POST /1.0/profiles/p1 '{"name":"p2"}'
	[ "$output" = 409 ]
	run api_code POST /1.0/profiles/p1 '{"name":"first"}'
	[ "$output" = 201 ]
	run api GET "/1.0/instances/$n"
	[ "$(jq -c .metadata.profiles <<<"$output")" = '["default","first","p2"]' ]
	[ "$(jq -r '.metadata.expanded_config."user.x"' <<<"$output")" = p1 ]
	r=$(api DELETE "/1.0/instances/$n")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	run api_code DELETE /1.0/profiles/first
	[ "$output" = 200 ]
}
