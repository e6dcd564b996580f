#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Unprivileged by default like LXD: lxc.idmap from root's /etc/subuid grant
# (or 1000000 + 1000000000 when none); security.privileged=true is not mapped.

load daemon-helpers

COVE=$COVE_BUILD_DIR/src/client/cove

setup() {
	daemon_setup
	[ -x "$COVE" ] || skip "the cove client is not built"
}

# expected "BASE SIZE" for root in FILE, the way coved picks it
root_range() {
	local best="1000000 1000000000" size=0 who s c
	[ -r "$1" ] || { echo "$best"; return; }
	while IFS=: read -r who s c; do
		[ "$who" = root ] || [ "$who" = 0 ] || continue
		[ "$c" -ge 65536 ] && [ "$c" -gt "$size" ] || continue
		best="$s $c" size=$c
	done <"$1"
	echo "$best"
}

@test "idmap: a container is unprivileged by default, root inside, mapped uid outside" {
	local n=$(ct u) u g pid
	daemon_init_image
	launch "$n"
	u=$(root_range /etc/subuid) g=$(root_range /etc/subgid)
	run grep '^lxc.idmap' "$LXCPATH/$n/config"
	assert_line "lxc.idmap = u 0 $u"
	assert_line "lxc.idmap = g 0 $g"
	run "$COVE" exec "$n" -- id -u
	assert_success
	assert_output 0
	run "$COVE" exec "$n" -- cat /proc/self/uid_map
	[[ "$(echo $output)" == "0 ${u% *} ${u#* }" ]]
	pid=$(api GET "/1.0/instances/$n/state" | jq -r .metadata.pid)
	[ "$pid" -gt 1 ]
	[ "$(stat -c %u /proc/$pid)" = "${u% *}" ]
	# the image was not chowned
	[ "$(stat -c %u "$LXCPATH/$n/rootfs/bin")" = 0 ]
}

@test "idmap: security.privileged=true gives a privileged container" {
	local n=$(ct u) r pid
	daemon_init_image
	r=$(api POST /1.0/instances "{\"name\":\"$n\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"},\"config\":{\"security.privileged\":\"true\"}}")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	r=$(api PUT "/1.0/instances/$n/state" '{"action":"start","timeout":30}')
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	run grep -c '^lxc.idmap' "$LXCPATH/$n/config"
	assert_output 0
	pid=$(api GET "/1.0/instances/$n/state" | jq -r .metadata.pid)
	[ "$(stat -c %u /proc/$pid)" = 0 ]
	run "$COVE" exec "$n" -- id -u
	assert_output 0
	run "$COVE" config set "$n" security.privileged maybe
	[ "$status" = 1 ]
	assert_output --partial 'Invalid value for "security.privileged": "maybe"'
}

@test "idmap: switching security.privileged off maps the container at its next start" {
	local n=$(ct u) pid
	daemon_init_image
	launch "$n"
	run "$COVE" stop -f "$n"
	assert_success
	run "$COVE" config set "$n" security.privileged true
	assert_success
	run "$COVE" start "$n"
	assert_success
	pid=$(api GET "/1.0/instances/$n/state" | jq -r .metadata.pid)
	[ "$(stat -c %u /proc/$pid)" = 0 ]
	run "$COVE" stop -f "$n"
	run "$COVE" config unset "$n" security.privileged
	assert_success
	run "$COVE" start "$n"
	assert_success
	pid=$(api GET "/1.0/instances/$n/state" | jq -r .metadata.pid)
	[ "$(stat -c %u /proc/$pid)" != 0 ]
	run "$COVE" exec "$n" -- id -u
	assert_output 0
}
