#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# coved init --preseed: LXD's preseed YAML on stdin (storage pools,
# profiles; networks as far as coved manages them).

load daemon-helpers

@test "preseed: storage pool and profiles created, an existing profile replaced" {
	run "$COVED" init --preseed <<'EOF2'
storage_pools:
- name: default
  driver: dir
  description: ""
  config: {}
profiles:
- name: default
  description: the default
  config:
    limits.processes: 200
    boot.autostart: false
  devices:
    root:
      path: /
      pool: default
      type: disk
- name: small
  config:
    limits.memory: 128MB
  devices: {}
EOF2
	assert_success
	[ "$(api GET /1.0/storage-pools/default | jq -r .metadata.driver)" = dir ]
	[ "$(api GET /1.0/profiles/default | jq -r '.metadata.devices.root.pool')" = default ]
	[ "$(api GET /1.0/profiles/default | jq -r '.metadata.config["limits.processes"]')" = 200 ]
	[ "$(api GET /1.0/profiles/default | jq -r '.metadata.config["boot.autostart"]')" = false ]
	[ "$(api GET /1.0/profiles/default | jq -r '.metadata.description')" = "the default" ]
	[ "$(api GET /1.0/profiles/small | jq -r '.metadata.config["limits.memory"]')" = 128MB ]
	# again: the pool is left as is, the profiles replaced
	run "$COVED" init --preseed <<'EOF2'
storage_pools:
- name: default
  driver: dir
profiles:
- name: small
  config:
    limits.memory: 64MB
EOF2
	assert_success
	[ "$(api GET /1.0/profiles/small | jq -r '.metadata.config["limits.memory"]')" = 64MB ]
}

@test "preseed: bad documents and bad values are refused" {
	run "$COVED" init --preseed <<<'storage_pools: [name: x'
	[ "$status" = 1 ]
	assert_output --partial "Failed to parse the preseed"
	run "$COVED" init --preseed <<<'- a'
	[ "$status" = 1 ]
	assert_output --partial "Invalid preseed: not a map"
	run "$COVED" init --preseed <<<'nosuch: 1'
	[ "$status" = 1 ]
	assert_output --partial "Invalid preseed: unknown key 'nosuch'"
	run "$COVED" init --preseed <<<'profiles: 5'
	[ "$status" = 1 ]
	assert_output --partial "'profiles' must be a list"
	run "$COVED" init --preseed <<<'profiles: [{config: {}}]'
	[ "$status" = 1 ]
	assert_output --partial "every profile needs a name"
	run "$COVED" init --preseed <<'EOF2'
profiles:
- name: bad
  config:
    limits.memory: lots
EOF2
	[ "$status" = 1 ]
	assert_output --partial 'Invalid value for "limits.memory": "lots"'
	[ "$(api_code GET /1.0/profiles/bad)" = 404 ]
	run "$COVED" init --preseed <<'EOF2'
storage_pools:
- name: p2
  driver: nosuch
EOF2
	[ "$status" = 1 ]
	assert_output --partial "Failed to create the storage pool 'p2'"
}
