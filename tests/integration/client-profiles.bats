#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove profile (the tutorial's "Profils" section) against a real coved:
# create, set/get/unset, edit from stdin, copy, rename, assign, delete.

load client-helpers

export CLIENT_NEEDS_IMAGE=1
setup_file() { client_setup_file; }
teardown_file() { client_teardown_file; }
setup() {
	client_setup
	P=web-$UNIQ
}
teardown() {
	for p in "$P" "$P-copy" "$P-renamed"; do
		cove profile delete "$p" >/dev/null 2>&1 || true
	done
	client_teardown
}

@test "cove profile create, show, delete" {
	run cove profile create "$P"
	assert_success
	assert_output "Profile $P created"
	run cove profile show "$P"
	assert_success
	assert_line "name: $P"
	assert_line "config: {}"
	run cove profile list -f csv
	assert_line "$P,,0"
	run cove profile delete "$P"
	assert_success
	assert_output "Profile $P deleted"
	run --separate-stderr cove profile show "$P"
	assert_failure 1
}

@test "cove profile set, get, unset" {
	run cove profile create "$P"
	run cove profile set "$P" user.role web
	assert_success
	run cove profile get "$P" user.role
	assert_output "web"
	run cove profile set "$P" limits.cpu=2 user.x=y
	assert_success
	run cove profile show "$P"
	assert_line '  limits.cpu: "2"'
	run cove profile unset "$P" user.role
	assert_success
	run cove profile get "$P" user.role
	assert_output ""
}

@test "cove profile edit reads YAML from stdin (the tutorial's web-server profile)" {
	run cove profile create "$P"
	run cove profile edit "$P" <<YAML
config:
  limits.cpu: 2
  limits.memory: 512MB
  user.purpose: web
description: Profil pour serveurs web
devices: {}
YAML
	assert_success
	run cove profile show "$P"
	assert_line "description: Profil pour serveurs web"
	assert_line '  limits.cpu: "2"'
	assert_line "  limits.memory: 512MB"
}

@test "cove profile copy and rename" {
	run cove profile create "$P"
	cove profile set "$P" user.k v
	run cove profile copy "$P" "$P-copy"
	assert_success
	run cove profile get "$P-copy" user.k
	assert_output "v"
	run cove profile rename "$P-copy" "$P-renamed"
	assert_success
	assert_output "Profile $P-copy renamed to $P-renamed"
	run cove profile get "$P-renamed" user.k
	assert_output "v"
}

@test "cove launch -p PROFILE and cove profile assign" {
	run cove profile create "$P"
	c=$(inst pa); made "$c"
	run cove launch busybox "$c" -p default -p "$P"
	assert_success
	run cove list -f csv -c nP "$c"
	assert_output "$c,\"default
$P\""
	run cove profile assign "$c" default
	assert_success
	assert_output "Profiles default applied to $c"
	run cove config show "$c"
	refute_line "- $P"
	run cove profile add "$c" "$P"
	assert_success
	assert_output "Profile $P added to $c"
	run cove profile remove "$c" "$P"
	assert_success
	assert_output "Profile $P removed from $c"
}

@test "the default profile cannot be deleted" {
	run --separate-stderr cove profile delete default
	assert_failure 1
	[[ "$stderr" == "Error: "* ]]
	run cove profile show default
	assert_success
}
