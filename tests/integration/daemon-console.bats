#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# coved's /1.0/instances/NAME/console: the console log (GET, DELETE), the
# console websocket through `cove console` on a pty (input reaches the
# container's console and comes back into the log), and bad requests.

load daemon-helpers

COVE=$COVE_BUILD_DIR/src/client/cove

@test "console: log path in the generated config, GET and DELETE of the log, bad requests" {
	daemon_init_image
	n=$(ct con)
	launch "$n"
	grep -qx "lxc.console.logfile = $COVE_DIR/containers/$n/console.log" "$COVE_DIR/containers/$n/config"
	run api_code GET "/1.0/instances/$n/console"
	[ "$output" = 200 ]
	echo "old output" >>"$COVE_DIR/containers/$n/console.log"
	run api GET "/1.0/instances/$n/console"
	assert_output --partial "old output"
	run api_code DELETE "/1.0/instances/$n/console"
	[ "$output" = 200 ]
	# the logs (lxc info --show-log): lxc.log, console.log, nothing else
	run api GET "/1.0/instances/$n/logs"
	[ "$(jq -r '.metadata[0]' <<<"$output")" = "/1.0/instances/$n/logs/lxc.log" ]
	run api_code GET "/1.0/instances/$n/logs/lxc.log"
	[ "$output" = 200 ]
	run api_code GET "/1.0/instances/$n/logs/config"
	[ "$output" = 400 ]
	run api_code GET "/1.0/instances/$n/logs/.hidden.log"
	[ "$output" = 400 ]
	run api_code GET "/1.0/instances/$n/logs/nosuch.log"
	[ "$output" = 404 ]
	[ ! -s "$COVE_DIR/containers/$n/console.log" ]
	run api POST "/1.0/instances/$n/console" '{"type":"vga"}'
	[ "$(jq -r .error_code <<<"$output")" = 400 ]
	run api_code POST "/1.0/instances/$n/console" '{bad'
	[ "$output" = 400 ]
	run api_code POST /1.0/instances/nosuch/console '{"type":"console"}'
	[ "$output" = 404 ]
	run api_code GET /1.0/instances/nosuch/console
	[ "$output" = 404 ]
	# a console operation: websocket fds "0" and "control"
	run api POST "/1.0/instances/$n/console" '{"type":"console","width":80,"height":24}'
	[ "$(jq -r .type <<<"$output")" = async ]
	[ "$(jq -r '.metadata.metadata.fds | keys | join(",")' <<<"$output")" = "0,control" ]
	r=$(api PUT "/1.0/instances/$n/state" '{"action":"stop","force":true}')
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	run api POST "/1.0/instances/$n/console" '{"type":"console"}'
	[ "$(jq -r .error <<<"$output")" = "Instance is not running" ]
}

@test "console: cove console on a pty sends input to the console, --show-log shows it" {
	[ -x "$COVE" ] || skip "the cove client is not built"
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	daemon_init_image
	n=$(ct con)
	launch "$n"
	run bash -c "(sleep 1; printf 'echo MARK\$((40+2))\r'; sleep 1; printf '\001q') |
		timeout 15 script -qc '$COVE console $n' /dev/null"
	assert_success
	assert_output --partial "MARK\$((40+2))"
	run "$COVE" console "$n" --show-log
	assert_success
	assert_output --partial "MARK"
	run api GET /1.0
	[ "$(jq -r .status_code <<<"$output")" = 200 ]
	r=$(api PUT "/1.0/instances/$n/state" '{"action":"stop","force":true}')
	api_wait "$r" >/dev/null
}
