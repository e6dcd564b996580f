#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Storage pools and custom volumes through coved and `cove storage`: the
# dir driver (a source directory, made or empty), other drivers refused,
# config checked like LXD, used_by and in-use refusals, volumes mounted
# into instances (lxc.mount.entry at start), instances in a second pool,
# the root disk's limits.read/limits.write as io.max.

load daemon-helpers

COVE=$COVE_BUILD_DIR/src/client/cove

setup() {
	daemon_setup
	[ -x "$COVE" ] || skip "the cove client is not built"
	TMPFS=
}

teardown() {
	local d m
	coved_stop
	# pools on a tmpfs or a loop-mounted btrfs: instances stopped, then unmounted
	for m in ${TMPFS:-} "$COVE_DIR"/storage-pools/*; do
		mountpoint -q "$m" 2>/dev/null || continue
		for d in "$LXCPATH"/*; do
			[ -e "$d" ] || continue
			cove-stop -P "$LXCPATH" -n "${d##*/}" -k >/dev/null 2>&1
			[ -L "$d" ] && rm -f "$d"
		done
		umount "$m"
	done
	common_teardown
}

# err_of JSON: the error text of an answer
err_of() {
	jq -r .error <<<"$1"
}

@test "storage: pool create with a source, at the default place, show, list, delete" {
	"$COVED" init --auto
	run "$COVE" storage create p1 dir "source=$TESTDIR/pools/p1"
	assert_success
	assert_output "Storage pool p1 created"
	[ -d "$TESTDIR/pools/p1/containers" ] && [ -d "$TESTDIR/pools/p1/custom" ]
	run "$COVE" storage create p2 dir
	assert_success
	[ -d "$COVE_DIR/storage-pools/p2" ]
	run "$COVE" storage show p1
	assert_success
	assert_line "  source: $TESTDIR/pools/p1"
	assert_line "driver: dir"
	assert_line "status: Created"
	run "$COVE" storage list
	assert_output --regexp "\| p1 +\| dir +\| $TESTDIR/pools/p1 +\| +\| 0 +\| CREATED \|"
	run "$COVE" storage get p1 source
	assert_output "$TESTDIR/pools/p1"
	run api GET /1.0/storage-pools/p1/resources
	[ "$(jq -r '.metadata.space.total > 0' <<<"$output")" = true ]
	run "$COVE" storage info p1
	assert_success
	assert_line "  driver: dir"
	run "$COVE" storage delete p1
	assert_output "Storage pool p1 deleted"
	# the user's directory stays (empty); ours goes
	[ -d "$TESTDIR/pools/p1" ] && [ -z "$(ls -A "$TESTDIR/pools/p1")" ]
	run "$COVE" storage delete p2
	assert_success
	[ ! -e "$COVE_DIR/storage-pools/p2" ]
	run api GET /1.0/storage-pools
	[ "$(jq -c .metadata <<<"$output")" = '["/1.0/storage-pools/default"]' ]
}

@test "storage: bad drivers, names, keys, values and sources are refused, nothing made" {
	"$COVED" init --auto
	for d in zfs lvm ceph; do
		run "$COVE" storage create "x$d" "$d"
		assert_failure
		assert_output "Error: Storage pool driver \"$d\" is not supported by coved (only \"dir\" and \"btrfs\" are available)"
	done
	run "$COVE" storage create x nosuch
	assert_output 'Error: Driver "nosuch" is unknown (only "dir" and "btrfs" are available)'
	run api POST /1.0/storage-pools '{"name":"x"}'
	[ "$(err_of "$output")" = "No driver provided" ]
	run "$COVE" storage create x dir bad=1
	assert_output 'Error: Invalid option "bad"'
	run "$COVE" storage create x dir rsync.compression=maybe
	assert_output 'Error: Invalid value for option "rsync.compression": Invalid value for a boolean "maybe"'
	run "$COVE" storage create x dir volume.size=lots
	assert_output 'Error: Invalid value for option "volume.size": "lots"'
	run api_code POST /1.0/storage-pools '{"name":"a/b","driver":"dir"}'
	[ "$output" = 400 ]
	run api_code POST /1.0/storage-pools '{"name":"..","driver":"dir"}'
	[ "$output" = 400 ]
	run api_code POST /1.0/storage-pools '{"name":"x","driver":"dir","config":{"size":5}}'
	[ "$output" = 400 ]
	run api_code POST /1.0/storage-pools '{"name":"x","driver":"dir","config":"no"}'
	[ "$output" = 400 ]
	run api_code POST /1.0/storage-pools '{bad'
	[ "$output" = 400 ]
	run "$COVE" storage create x dir source=relative/path
	assert_output 'Error: Source path "relative/path" must be absolute'
	mkdir -p "$TESTDIR/full"
	echo data >"$TESTDIR/full/file"
	run "$COVE" storage create x dir "source=$TESTDIR/full"
	assert_failure
	assert_output "Error: Source path \"$TESTDIR/full\" isn't empty"
	[ "$(cat "$TESTDIR/full/file")" = data ] && [ ! -e "$TESTDIR/full/containers" ]
	run "$COVE" storage create x dir "source=$TESTDIR/full/file"
	assert_output "Error: Source path \"$TESTDIR/full/file\" isn't a directory"
	run api_code POST /1.0/storage-pools '{"name":"default","driver":"dir"}'
	[ "$output" = 409 ]
	[ ! -e "$COVE_DIR/storage-pools/x" ]
	run api GET /1.0/storage-pools
	[ "$(jq -c .metadata <<<"$output")" = '["/1.0/storage-pools/default"]' ]
	for m in GET DELETE; do
		run api "$m" /1.0/storage-pools/nosuch
		[ "$(jq -r .error_code <<<"$output")" = 404 ]
	done
}

@test "storage: pool set/unset/PUT/PATCH, source fixed, ETag" {
	"$COVED" init --auto
	"$COVE" storage create p1 dir "source=$TESTDIR/p1" >/dev/null
	run "$COVE" storage set p1 rsync.bwlimit 10MB
	assert_success
	run "$COVE" storage get p1 rsync.bwlimit
	assert_output 10MB
	run "$COVE" storage set p1 rsync.bwlimit lots
	assert_output 'Error: Invalid value for option "rsync.bwlimit": "lots"'
	run "$COVE" storage set p1 source /elsewhere
	assert_output "Error: Pool source cannot be changed"
	run "$COVE" storage unset p1 rsync.bwlimit
	assert_success
	run "$COVE" storage unset p1 rsync.bwlimit
	assert_output "Error: Can't unset key 'rsync.bwlimit', it's not currently set"
	run api_code PATCH /1.0/storage-pools/p1 '{"config":{"user.a":"b"},"description":"d"}'
	[ "$output" = 200 ]
	run api GET /1.0/storage-pools/p1
	[ "$(jq -r '.metadata.config."user.a"' <<<"$output")" = b ]
	[ "$(jq -r '.metadata.config.source' <<<"$output")" = "$TESTDIR/p1" ]
	[ "$(jq -r .metadata.description <<<"$output")" = d ]
	run api_code PUT /1.0/storage-pools/p1 '{"config":{}}'
	[ "$output" = 200 ]
	run api GET /1.0/storage-pools/p1
	[ "$(jq -r '.metadata.config."user.a"' <<<"$output")" = null ]
	[ "$(jq -r '.metadata.config.source' <<<"$output")" = "$TESTDIR/p1" ]
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$COVE_DIR/unix.socket" -X PUT \
		-H 'If-Match: "nope"' --data '{"config":{}}' http://cove/1.0/storage-pools/p1
	[ "$output" = 412 ]
	run api_code PUT /1.0/storage-pools/p1 '{"config":{"nope":"1"}}'
	[ "$output" = 400 ]
	run api_code PATCH /1.0/storage-pools/nosuch '{"config":{}}'
	[ "$output" = 404 ]
	printf 'config:\n  rsync.compression: "false"\ndescription: edited\n' | "$COVE" storage edit p1
	run api GET /1.0/storage-pools/p1
	[ "$(jq -r '.metadata.config."rsync.compression"' <<<"$output")" = false ]
	[ "$(jq -r .metadata.description <<<"$output")" = edited ]
}

@test "storage: custom volume lifecycle and bad input" {
	"$COVED" init --auto
	run "$COVE" storage volume create default shared-data
	assert_success
	assert_output "Storage volume shared-data created"
	[ -d "$COVE_DIR/storage-pools/default/custom/default_shared-data" ]
	run api POST /1.0/storage-pools/default/volumes/custom '{"name":"v2","config":{"size":"1GB"}}'
	[ "$(jq -r .status_code <<<"$output")" = 200 ]
	run "$COVE" storage volume list default
	assert_output --regexp "\| custom \| shared-data \| +\| filesystem +\| 0 +\|"
	assert_output --regexp "\| custom \| v2 +\|"
	run "$COVE" storage volume list -f csv default
	assert_line "custom,shared-data,,filesystem,0"
	run "$COVE" storage volume list default extra
	assert_failure
	assert_output "Error: Invalid number of arguments"
	run "$COVE" storage volume list nosuch
	assert_output "Error: Storage pool not found"
	run "$COVE" storage volume show default shared-data
	assert_line "name: shared-data"
	assert_line "type: custom"
	assert_line "content_type: filesystem"
	run "$COVE" storage volume set default shared-data size 2GB
	assert_success
	run "$COVE" storage volume get default shared-data size
	assert_output 2GB
	run "$COVE" storage volume set default shared-data size lots
	assert_output 'Error: Invalid value for option "size": "lots"'
	run "$COVE" storage volume set default shared-data nope 1
	assert_output 'Error: Invalid option "nope"'
	run "$COVE" storage volume unset default shared-data size
	assert_success
	run "$COVE" storage volume rename default v2 v3
	assert_output 'Renamed storage volume from "v2" to "v3"'
	[ -d "$COVE_DIR/storage-pools/default/custom/default_v3" ]
	[ ! -e "$COVE_DIR/storage-pools/default/custom/default_v2" ]
	run "$COVE" storage volume create default shared-data
	assert_failure
	assert_output "Error: Volume by that name already exists"
	run "$COVE" storage volume rename default v3 shared-data
	assert_failure
	run api_code POST /1.0/storage-pools/default/volumes/custom '{"name":"a/b"}'
	[ "$output" = 400 ]
	run api_code POST /1.0/storage-pools/default/volumes/custom '{"name":".."}'
	[ "$output" = 400 ]
	run api_code POST /1.0/storage-pools/default/volumes/custom '{"name":""}'
	[ "$output" = 400 ]
	run api_code POST /1.0/storage-pools/default/volumes/custom '{"name":"b","content_type":"block"}'
	[ "$output" = 400 ]
	run api_code POST /1.0/storage-pools/default/volumes/custom '{"name":"b","config":{"size":1}}'
	[ "$output" = 400 ]
	run api_code POST /1.0/storage-pools/default/volumes/container '{"name":"b"}'
	[ "$output" = 400 ]
	run api_code POST /1.0/storage-pools/nosuch/volumes/custom '{"name":"b"}'
	[ "$output" = 404 ]
	run api_code GET /1.0/storage-pools/default/volumes/custom/nosuch
	[ "$output" = 404 ]
	run api_code GET /1.0/storage-pools/default/volumes/bogus/x
	[ "$output" = 400 ]
	[ ! -e "$COVE_DIR/storage-pools/default/custom/default_b" ]
	run "$COVE" storage volume delete default v3
	assert_output "Storage volume v3 deleted"
	run "$COVE" storage volume delete default shared-data
	assert_success
	[ -z "$(ls -A "$COVE_DIR/storage-pools/default/custom")" ]
	run api GET /1.0/storage-pools/default/volumes/custom
	[ "$(jq -c .metadata <<<"$output")" = '[]' ]
}

@test "storage: a pool with volumes or instances, a volume in use: delete refused" {
	local n=$(ct use)
	daemon_init_image
	"$COVE" storage create p1 dir "source=$TESTDIR/p1" >/dev/null
	"$COVE" storage volume create p1 vol >/dev/null
	run "$COVE" storage delete p1
	assert_failure
	assert_output "Error: The storage pool is currently in use"
	run api GET /1.0/storage-pools/p1
	[ "$(jq -c .metadata.used_by <<<"$output")" = '["/1.0/storage-pools/p1/volumes/custom/vol"]' ]
	run api POST /1.0/instances "{\"name\":\"$n\",\"source\":{\"type\":\"none\"},\"devices\":{\"v\":{\"type\":\"disk\",\"pool\":\"p1\",\"source\":\"vol\",\"path\":\"/mnt\"}}}"
	[ "$(api_wait "$output" | jq -r .status)" = Success ]
	run "$COVE" storage volume delete p1 vol
	assert_failure
	assert_output "Error: The storage volume is still in use"
	run api GET /1.0/storage-pools/p1/volumes/custom/vol
	[ "$(jq -c .metadata.used_by <<<"$output")" = "[\"/1.0/instances/$n\"]" ]
	# a renamed volume is followed by the device
	run "$COVE" storage volume rename p1 vol vol2
	assert_success
	run api GET "/1.0/instances/$n"
	[ "$(jq -r .metadata.devices.v.source <<<"$output")" = vol2 ]
	run "$COVE" storage delete default
	assert_output "Error: The storage pool is currently in use"
	run api_wait "$(api DELETE "/1.0/instances/$n")"
	"$COVE" storage volume delete p1 vol2 >/dev/null
	run "$COVE" storage delete p1
	assert_success
}

@test "storage: disk devices checked like LXD" {
	local n=$(ct dev)
	"$COVED" init --auto
	"$COVE" storage volume create default vol >/dev/null
	r=$(api POST /1.0/instances "{\"name\":\"$n\",\"source\":{\"type\":\"none\"}}")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	run "$COVE" config device add "$n" d disk pool=default source=vol
	assert_failure
	assert_output --partial 'Disk entry is missing the required "path" property'
	run "$COVE" config device add "$n" d disk pool=default source=vol path=rel
	assert_failure
	run "$COVE" config device add "$n" d disk pool=default source=vol path=/a/../../b
	assert_failure
	run "$COVE" config device add "$n" d disk pool=default source=/abs path=/x
	assert_output --partial "Storage volumes cannot be specified as absolute paths"
	run "$COVE" config device add "$n" d disk source=relative path=/x
	assert_failure
	run "$COVE" config device add "$n" d disk pool=default source=vol path=/x readonly=maybe
	assert_output --partial 'Invalid value for a boolean "maybe"'
	run "$COVE" config device add "$n" d disk pool=default source=vol path=/x bogus=1
	assert_output --partial 'Invalid device option "bogus"'
	run "$COVE" config device set "$n" root limits.read fast
	assert_failure
	assert_output --partial 'limits.read'
	run "$COVE" config device set "$n" root limits.read 100iops
	assert_success
	run "$COVE" config device set "$n" root limits.write 0iops
	assert_failure
	run "$COVE" config device set "$n" root source=/x
	assert_output --partial 'Root disk entry may not have a "source" property set'
	run api GET "/1.0/instances/$n"
	[ "$(jq -c '.metadata.devices | keys' <<<"$output")" = '["root"]' ]
	run api_wait "$(api DELETE "/1.0/instances/$n")"
}

@test "storage: a volume attached is in the running container after a restart, its data outlives the instance" {
	local n=$(ct vol) m=$(ct vol2)
	daemon_init_image
	"$COVE" storage volume create default shared-data >/dev/null
	launch "$n"
	run "$COVE" storage volume attach default shared-data "$n" /shared
	assert_success
	assert_output ""
	run api GET /1.0/storage-pools/default/volumes/custom/shared-data
	[ "$(jq -c .metadata.used_by <<<"$output")" = "[\"/1.0/instances/$n\"]" ]
	run "$COVE" restart "$n" -f
	assert_success
	grep -q "lxc.mount.entry = $COVE_DIR/storage-pools/default/custom/default_shared-data shared none bind,create=dir 0 0" \
		"$COVE_DIR/containers/$n/config"
	run "$COVE" exec "$n" -- sh -c 'echo persisted >/shared/f && cat /shared/f'
	assert_success
	assert_output persisted
	run "$COVE" exec "$n" -- grep -c ' /shared ' /proc/self/mountinfo
	assert_output 1
	run "$COVE" stop -f "$n"
	run "$COVE" delete "$n"
	assert_success
	[ "$(cat "$COVE_DIR/storage-pools/default/custom/default_shared-data/f")" = persisted ]
	# another instance sees it, read-only this time
	r=$(api POST /1.0/instances "{\"name\":\"$m\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"},\"devices\":{\"sd\":{\"type\":\"disk\",\"pool\":\"default\",\"source\":\"shared-data\",\"path\":\"/data\",\"readonly\":\"true\"}}}")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	run "$COVE" start "$m"
	assert_success
	run "$COVE" exec "$m" -- cat /data/f
	assert_output persisted
	run "$COVE" exec "$m" -- sh -c 'echo x >/data/g'
	assert_failure
	run "$COVE" storage volume detach default shared-data "$m"
	assert_success
	run api GET "/1.0/instances/$m"
	[ "$(jq -c '.metadata.devices' <<<"$output")" = '{}' ]
	run "$COVE" stop -f "$m"
	run "$COVE" delete "$m"
	run "$COVE" storage volume delete default shared-data
	assert_success
}

@test "storage: a missing volume or host path fails the start with the device's name" {
	local n=$(ct miss)
	daemon_init_image
	r=$(api POST /1.0/instances "{\"name\":\"$n\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"},\"devices\":{\"h\":{\"type\":\"disk\",\"source\":\"$TESTDIR/nothere\",\"path\":\"/h\"}}}")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	run "$COVE" start "$n"
	assert_failure
	assert_output --partial "Missing source path \"$TESTDIR/nothere\" for disk \"h\""
	mkdir "$TESTDIR/nothere"
	echo hostdata >"$TESTDIR/nothere/f"
	run "$COVE" start "$n"
	assert_success
	run "$COVE" exec "$n" -- cat /h/f
	assert_output hostdata
	run "$COVE" stop -f "$n"
	run "$COVE" delete "$n"
	assert_success
}

@test "storage: launch into a second pool, rename and delete follow it, the pool is refused while used" {
	local n=$(ct p2) m=$(ct p2r)
	daemon_init_image
	"$COVE" storage create p2 dir "source=$TESTDIR/p2" >/dev/null
	run "$COVE" launch busybox "$n" -s p2
	assert_success
	[ -L "$COVE_DIR/containers/$n" ]
	[ "$(readlink "$COVE_DIR/containers/$n")" = "$TESTDIR/p2/containers/$n" ]
	[ -x "$TESTDIR/p2/containers/$n/rootfs/bin/busybox" ]
	[ "$(status_of "$n")" = Running ]
	run "$COVE" exec "$n" -- hostname
	assert_output "$n"
	run api GET /1.0/storage-pools/p2
	[ "$(jq -c .metadata.used_by <<<"$output")" = "[\"/1.0/instances/$n\"]" ]
	run "$COVE" snapshot "$n" s1
	assert_success
	[ -d "$TESTDIR/p2/containers/$n/snapshots/s1" ]
	run api GET /1.0/storage-pools/p2
	[ "$(jq -c .metadata.used_by <<<"$output")" = "[\"/1.0/instances/$n\",\"/1.0/instances/$n/snapshots/s1\"]" ]
	run api GET "/1.0/storage-pools/p2/volumes?recursion=1"
	[ "$(jq -r '.metadata[0].type + "/" + .metadata[0].name' <<<"$output")" = "container/$n" ]
	run api GET /1.0/storage-pools/default
	[ "$(jq -c .metadata.used_by <<<"$output")" = '["/1.0/profiles/default"]' ]
	run "$COVE" storage delete p2
	assert_output "Error: The storage pool is currently in use"
	run "$COVE" stop -f "$n"
	run "$COVE" rename "$n" "$m"
	assert_success
	[ "$(readlink "$COVE_DIR/containers/$m")" = "$TESTDIR/p2/containers/$m" ]
	[ ! -e "$TESTDIR/p2/containers/$n" ]
	run "$COVE" start "$m"
	assert_success
	run "$COVE" stop -f "$m"
	run "$COVE" delete "$m"
	assert_success
	[ ! -e "$COVE_DIR/containers/$m" ] && [ ! -L "$COVE_DIR/containers/$m" ]
	[ -z "$(ls -A "$TESTDIR/p2/containers")" ]
	run "$COVE" launch busybox "$n" -s nosuch
	assert_failure
	assert_output --partial 'Storage pool not found'
	[ ! -e "$COVE_DIR/containers/$n" ]
	run "$COVE" storage delete p2
	assert_success
}

@test "storage: root limits.read/limits.write throttle the pool's disk (blkio), refused on tmpfs" {
	local n=$(ct io) m=$(ct iot) dev
	daemon_init_image
	launch "$n"
	run "$COVE" config device set "$n" root limits.read 20MB
	assert_success
	run "$COVE" config device set "$n" root limits.write 10MB
	assert_success
	run "$COVE" restart -f "$n"
	assert_success
	dev=$(findmnt -n -o MAJ:MIN -T "$COVE_DIR/storage-pools/default" | head -1)
	dev=$(grep -o '^lxc.cgroup2.io.max = [0-9:]*' "$COVE_DIR/containers/$n/config" | awk '{print $3}')
	[ -n "$dev" ]
	grep -q "^lxc.cgroup2.io.max = $dev rbps=20000000 wbps=10000000$" "$COVE_DIR/containers/$n/config"
	if [ -d /sys/fs/cgroup/blkio ]; then
		cg=$(find /sys/fs/cgroup/blkio -maxdepth 3 -type d -name "*$n" | head -1)
		[ -n "$cg" ]
		grep -qx "$dev 20000000" "$cg/blkio.throttle.read_bps_device"
		grep -qx "$dev 10000000" "$cg/blkio.throttle.write_bps_device"
	fi
	run "$COVE" stop -f "$n"
	run "$COVE" delete "$n"
	# a pool on tmpfs has no block device to throttle
	TMPFS=$TESTDIR/tmpfs
	mkdir -p "$TMPFS"
	mount -t tmpfs -o size=64m,mode=0711 tmpfs "$TMPFS"
	"$COVE" storage create tp dir "source=$TMPFS/pool" >/dev/null
	r=$(api POST /1.0/instances "{\"name\":\"$m\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"},\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"tp\",\"limits.read\":\"1MB\"}}}")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	run "$COVE" start "$m"
	assert_failure
	assert_output --partial "Cannot apply limits.read/limits.write of disk \"root\": storage pool \"tp\" ($TMPFS/pool) is on a tmpfs filesystem (tmpfs) with no block device"
	run "$COVE" delete "$m"
	assert_success
	run "$COVE" storage delete tp
	assert_success
	umount "$TMPFS"
}

@test "storage: a disk device added to a running instance is mounted at once, changed and removed live" {
	local n=$(ct live)
	daemon_init_image
	"$COVE" storage volume create default sd >/dev/null
	launch "$n"
	run "$COVE" config device add "$n" shared disk pool=default source=sd path=/srv/shared
	assert_success
	run "$COVE" exec "$n" -- sh -c 'echo live >/srv/shared/f && cat /srv/shared/f'
	assert_success
	assert_output live
	[ "$(cat "$COVE_DIR/storage-pools/default/custom/default_sd/f")" = live ]
	run "$COVE" config device set "$n" shared readonly=true
	assert_success
	run "$COVE" exec "$n" -- sh -c 'echo x >/srv/shared/g'
	assert_failure
	assert_output --partial "Read-only file system"
	run "$COVE" exec "$n" -- grep -c ' /srv/shared ' /proc/self/mountinfo
	assert_output 1
	run "$COVE" config device remove "$n" shared
	assert_success
	run "$COVE" exec "$n" -- grep -c ' /srv/shared ' /proc/self/mountinfo
	assert_output 0
	# through a profile the instance uses
	mkdir -p "$TESTDIR/web-data"
	echo web >"$TESTDIR/web-data/index.html"
	"$COVE" profile create web >/dev/null
	"$COVE" profile add "$n" web >/dev/null
	run "$COVE" profile device add web web-storage disk source="$TESTDIR/web-data" path=/var/www
	assert_success
	run "$COVE" exec "$n" -- cat /var/www/index.html
	assert_output web
	run "$COVE" profile device remove web web-storage
	assert_success
	run "$COVE" exec "$n" -- grep -c ' /var/www ' /proc/self/mountinfo
	assert_output 0
	run "$COVE" config device add "$n" bad disk source="$TESTDIR/nothere" path=/x
	assert_failure
	assert_output --partial "Missing source path \"$TESTDIR/nothere\" for disk \"bad\""
	run api GET "/1.0/instances/$n"
	[ "$(jq -c '.metadata.devices | keys' <<<"$output")" = '[]' ]
	run "$COVE" delete -f "$n"
	assert_success
}

@test "storage: btrfs pool on a loop file: instances and volumes are subvolumes, limits throttle the loop device, nothing left" {
	local n=$(ct bt) img dev loopdev
	command -v mkfs.btrfs >/dev/null || skip "mkfs.btrfs is not installed"
	command -v btrfs >/dev/null || skip "btrfs-progs is not installed"
	daemon_init_image
	run "$COVE" storage create bp btrfs size=1MB
	assert_output 'Error: Invalid value for option "size": "1MB" (at least 256MiB)'
	run "$COVE" storage create bp btrfs "source=$TESTDIR/plain"
	assert_output "Error: Source path \"$TESTDIR/plain\" isn't on a btrfs filesystem"
	[ ! -e "$TESTDIR/plain" ]
	run "$COVE" storage create bp dir size=1GB
	assert_output 'Error: Invalid option "size"'
	run "$COVE" storage create bp btrfs size=300MB
	assert_success
	img=$COVE_DIR/disks/bp.img
	run "$COVE" storage show bp
	assert_line "  source: $img"
	assert_line "  size: 300MB"
	assert_line "driver: btrfs"
	[ "$(findmnt -n -o FSTYPE "$COVE_DIR/storage-pools/bp")" = btrfs ]
	run "$COVE" launch busybox "$n" -s bp
	assert_success
	btrfs subvolume show "$COVE_DIR/storage-pools/bp/containers/$n" >/dev/null
	run "$COVE" exec "$n" -- hostname
	assert_output "$n"
	"$COVE" storage volume create bp bv >/dev/null
	btrfs subvolume show "$COVE_DIR/storage-pools/bp/custom/default_bv" >/dev/null
	run "$COVE" storage volume attach bp bv "$n" /bv
	assert_success
	run "$COVE" exec "$n" -- sh -c 'echo onbtrfs >/bv/f && cat /bv/f'
	assert_output onbtrfs
	# the root disk's limits land on the loop device under the pool
	loopdev=$(findmnt -n -o SOURCE "$COVE_DIR/storage-pools/bp")
	dev=$(printf '%d:%d' "0x$(stat -c %t "$loopdev")" "0x$(stat -c %T "$loopdev")")
	"$COVE" config device set "$n" root limits.read 5MB >/dev/null
	run "$COVE" restart -f "$n"
	assert_success
	grep -q "^lxc.cgroup2.io.max = $dev rbps=5000000$" "$COVE_DIR/containers/$n/config"
	# as after a reboot: the pool is not mounted; the instance's start mounts it
	run "$COVE" stop -f "$n"
	coved_stop
	umount "$COVE_DIR/storage-pools/bp"
	coved_start
	run "$COVE" start "$n"
	assert_success
	[ "$(findmnt -n -o FSTYPE "$COVE_DIR/storage-pools/bp")" = btrfs ]
	run "$COVE" exec "$n" -- cat /bv/f
	assert_output onbtrfs
	run "$COVE" storage delete bp
	assert_output "Error: The storage pool is currently in use"
	run "$COVE" delete -f "$n"
	assert_success
	run "$COVE" storage volume delete bp bv
	assert_success
	run "$COVE" storage delete bp
	assert_success
	! mountpoint -q "$COVE_DIR/storage-pools/bp"
	[ ! -e "$COVE_DIR/storage-pools/bp" ] && [ ! -e "$img" ]
	[ -z "$(losetup -j "$img")" ]
}

@test "storage: Debian's lxc storage create/list/show/set, volume create/list/attach/rename/delete against coved" {
	local n=$(ct lxc)
	command -v lxc >/dev/null || skip "lxd-client is not installed"
	daemon_init_image
	lxc list >/dev/null 2>&1 || true
	run lxc storage create lp dir "source=$TESTDIR/lp"
	assert_success
	assert_output "Storage pool lp created"
	run lxc storage list --format csv
	assert_line "lp,dir,$TESTDIR/lp,,0,CREATED"
	run lxc storage set lp rsync.bwlimit 1MB
	assert_success
	run lxc storage get lp rsync.bwlimit
	assert_output 1MB
	run lxc storage volume create lp shared-data
	assert_output "Storage volume shared-data created"
	run lxc storage volume list lp --format csv
	assert_line "custom,shared-data,,filesystem,0"
	run lxc launch busybox "$n" -s lp
	assert_success
	run lxc config device add "$n" shared disk pool=lp source=shared-data path=/shared
	assert_success
	run lxc exec "$n" -- sh -c 'echo via-lxc >/shared/f && cat /shared/f'
	assert_output via-lxc
	run lxc storage volume show lp shared-data
	assert_line "- /1.0/instances/$n"
	run lxc storage delete lp
	assert_failure
	assert_output "Error: The storage pool is currently in use"
	run lxc config device remove "$n" shared
	assert_success
	run lxc storage volume rename lp shared-data kept
	assert_output 'Renamed storage volume from "shared-data" to "kept"'
	[ "$(cat "$TESTDIR/lp/custom/default_kept/f")" = via-lxc ]
	run lxc delete -f "$n"
	assert_success
	run lxc storage volume delete lp kept
	assert_success
	run lxc storage delete lp
	assert_success
	[ -z "$(ls -A "$TESTDIR/lp")" ]
}
