#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The download template: cove-create -t download -- -d DIST -r RELEASE -a ARCH
# against an image index in LXC's format served by a local HTTP server on
# 127.0.0.1 (python3 -m http.server, started for this file and killed by PID),
# with images built here: busybox (from cove-create -t busybox) and Debian
# (from the debian template's cache, when it exists). Several "servers" live
# below one HTTP root: good/, badsum/ (SHA256SUMS mismatch), truncated/
# (a cut rootfs tarball), corrupt/ (a broken index).

load helpers

ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
BUILD_ID=20261129_00:00
IMG_PATH=/images/busybox/1.36/$ARCH/default/$BUILD_ID

# make_meta DIR CONFIG-LINES: meta.tar.xz (config, templates, create-message) in DIR
make_meta() {
	local m
	m=$(mktemp -d "$BATS_FILE_TMPDIR/meta.XXXXXX")
	printf '%s\n' "$2" >"$m/config"
	printf '/etc/hostname\n' >"$m/templates"
	printf 'You just created a test container from the cove test server.\n' >"$m/create-message"
	tar -C "$m" -cJf "$1/meta.tar.xz" config templates create-message
	rm -rf "$m"
}

# make_server NAME: an index and one busybox image below SRV/NAME
make_server() {
	local d=$SRV/$1$IMG_PATH
	mkdir -p "$d" "$SRV/$1/meta/1.0"
	cp "$BATS_FILE_TMPDIR/rootfs.tar.xz" "$BATS_FILE_TMPDIR/meta.tar.xz" "$d/"
	printf 'busybox;1.36;%s;default;%s;%s/\n' "$ARCH" "$BUILD_ID" "$IMG_PATH" \
		>"$SRV/$1/meta/1.0/index-system"
}

setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	export BUILD_TOOLS=$COVE_BUILD_DIR/src/tools
	local lx=$BATS_FILE_TMPDIR/lxc n=cvt-dlimg-$$
	SRV=$BATS_FILE_TMPDIR/srv
	export SRV
	mkdir -p "$SRV"
	# a busybox rootfs image whose /etc/hostname is a template (LXC_NAME)
	"$BUILD_TOOLS/cove-create" -P "$lx" -n "$n" -t busybox >/dev/null
	echo LXC_NAME >"$lx/$n/rootfs/etc/hostname"
	tar -C "$lx/$n/rootfs" --numeric-owner -cJf "$BATS_FILE_TMPDIR/rootfs.tar.xz" .
	"$BUILD_TOOLS/cove-destroy" -P "$lx" -n "$n" >/dev/null
	make_meta "$BATS_FILE_TMPDIR" "$(printf '%s\n' 'lxc.signal.halt = SIGUSR1' 'lxc.signal.reboot = SIGTERM' \
		'lxc.autodev = 1' 'lxc.tty.max = 1' 'lxc.pty.max = 16' \
		'lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed')"
	make_server good
	(cd "$SRV/good$IMG_PATH" && sha256sum rootfs.tar.xz meta.tar.xz >SHA256SUMS)
	# a second image without SHA256SUMS
	mkdir -p "$SRV/good/images/nosums"
	cp "$BATS_FILE_TMPDIR/rootfs.tar.xz" "$BATS_FILE_TMPDIR/meta.tar.xz" "$SRV/good/images/nosums/"
	printf 'busybox;nosums;%s;default;%s;/images/nosums\n' "$ARCH" "$BUILD_ID" \
		>>"$SRV/good/meta/1.0/index-system"
	make_server badsum
	(cd "$SRV/badsum$IMG_PATH" && sha256sum rootfs.tar.xz meta.tar.xz |
		awk 'NR == 1 { $1 = sprintf("%064d", 0) } 1' >SHA256SUMS)
	make_server truncated
	head -c 20000 "$BATS_FILE_TMPDIR/rootfs.tar.xz" >"$SRV/truncated$IMG_PATH/rootfs.tar.xz"
	make_server corrupt
	printf 'busybox;1.36\x01;%s\nthis is not an index\n' "$ARCH" >"$SRV/corrupt/meta/1.0/index-system"
	# the server: loopback only, a free port chosen by the kernel
	python3 -u -m http.server --bind 127.0.0.1 --directory "$SRV" 0 \
		>"$BATS_FILE_TMPDIR/http.log" 2>&1 &
	echo $! >"$BATS_FILE_TMPDIR/http.pid"
	for _ in $(seq 1 100); do
		grep -q "port [0-9]" "$BATS_FILE_TMPDIR/http.log" && break
		sleep 0.1
	done
	sed -n 's/.* port \([0-9]*\) .*/\1/p' "$BATS_FILE_TMPDIR/http.log" | head -1 \
		>"$BATS_FILE_TMPDIR/http.port"
}

teardown_file() {
	if [ -s "$BATS_FILE_TMPDIR/http.pid" ]; then
		kill "$(cat "$BATS_FILE_TMPDIR/http.pid")" 2>/dev/null
		wait 2>/dev/null
	fi
	return 0
}

setup() {
	common_setup
	PORT=$(cat "$BATS_FILE_TMPDIR/http.port")
	[ -n "$PORT" ] || skip "the test HTTP server did not start"
	URL=http://127.0.0.1:$PORT
	export COVE_DOWNLOAD_CACHE=$TESTDIR/cache
}

@test "download: creates a container from the index, checks SHA256SUMS, caches the image" {
	n=$(ct a)
	run --separate-stderr cove-create -n "$n" -t download -- -d busybox -r 1.36 -a "$ARCH" --server "$URL/good"
	assert_success
	[[ "$stderr" == *"SHA256SUMS"* ]]
	assert_output --partial "You just created a test container"
	[ -s "$COVE_DOWNLOAD_CACHE/busybox/1.36/$ARCH/default/rootfs.tar.xz" ]
	[ -s "$COVE_DOWNLOAD_CACHE/busybox/1.36/$ARCH/default/meta.tar.xz" ]
	[ "$(cat "$COVE_DOWNLOAD_CACHE/busybox/1.36/$ARCH/default/build_id")" = "$BUILD_ID" ]
	# the image's config and the templated hostname
	grep -q '^lxc.signal.halt = SIGUSR1' "$LXCPATH/$n/config"
	run ! grep -q 'SIGRTMIN' "$LXCPATH/$n/config"
	[ "$(cat "$(ct_rootfs "$n")/etc/hostname")" = "$n" ]
	ct_start "$n"
	run ct_exec "$n" hostname
	assert_output "$n"
	cove-stop -n "$n" -k
}

@test "download: a second create uses the cache; --flush-cache fetches again" {
	cove-create -n "$(ct a)" -t download -- -d busybox -r 1.36 -a "$ARCH" --server "$URL/good"
	# the server is not asked again: an unreachable one does not matter
	run --separate-stderr cove-create -n "$(ct b)" -t download -- -d busybox -r 1.36 -a "$ARCH" \
		--server http://127.0.0.1:1
	assert_success
	[[ "$stderr" == *"Using the cached image"* ]]
	touch -d 2000-01-01 "$COVE_DOWNLOAD_CACHE/busybox/1.36/$ARCH/default/rootfs.tar.xz"
	run --separate-stderr cove-create -n "$(ct c)" -t download -- -d busybox -r 1.36 -a "$ARCH" \
		--server "$URL/good" --flush-cache
	assert_success
	[[ "$stderr" == *"Downloading"* ]]
	[ "$(stat -c %Y "$COVE_DOWNLOAD_CACHE/busybox/1.36/$ARCH/default/rootfs.tar.xz")" -gt 946771200 ]
}

@test "download: an image without SHA256SUMS is integrity-checked only, and says so" {
	run --separate-stderr cove-create -n "$(ct a)" -t download -- -d busybox -r nosums -a "$ARCH" --server "$URL/good"
	assert_success
	[[ "$stderr" == *"no SHA256SUMS"* ]]
}

@test "download: the server comes from COVE_DOWNLOAD_SERVER; --list shows the index" {
	COVE_DOWNLOAD_SERVER=$URL/good run cove-create -n "$(ct a)" -t download -- -d busybox -r 1.36 -a "$ARCH"
	assert_success
	run "$COVE_BUILD_DIR/templates/cove-download" --list --server "$URL/good"
	assert_success
	assert_line --partial "busybox	1.36	$ARCH	default	$BUILD_ID"
	assert_line --partial "busybox	nosums"
}

# disk_state_below: disk_state without the lxcpath's own line (a container directory
# made and removed again changes the lxcpath's mtime, nothing else)
disk_state_below() {
	disk_state | grep -v '^\. d ' || true
}

assert_unchanged_below() {
	local after
	after=$(disk_state_below)
	if [ "$1" != "$after" ]; then
		echo "the lxcpath changed:" >&2
		diff <(printf '%s\n' "$1") <(printf '%s\n' "$after") >&2
		return 1
	fi
}

# fails_clean ARGS...: cove-create -t download fails with one line; nothing left, nothing cached
fails_clean() {
	local before
	before=$(disk_state_below)
	run_fail_one_line cove-create -n "$(ct x)" -t download -- "$@"
	assert_unchanged_below "$before"
	[ ! -e "$COVE_DOWNLOAD_CACHE/busybox/1.36/$ARCH/default" ]
	[ -z "$(find "$COVE_DOWNLOAD_CACHE" -name '.fetch*' 2>/dev/null)" ]
}

@test "download: an unknown dist or release fails with one line and leaves nothing" {
	fails_clean -d nosuchdist -r 1.36 -a "$ARCH" --server "$URL/good"
	[[ "$stderr" == *"No image for 'nosuchdist'"* ]]
	fails_clean -d busybox -r 0.0 -a "$ARCH" --server "$URL/good"
	[[ "$stderr" == *"No image for 'busybox' '0.0'"* ]]
	fails_clean -d busybox -r 1.36 -a nosucharch --server "$URL/good"
}

@test "download: an unreachable server fails with one line and leaves nothing" {
	fails_clean -d busybox -r 1.36 -a "$ARCH" --server http://127.0.0.1:1
	[[ "$stderr" == *"Cannot reach the image server"* ]]
}

@test "download: a server without an index, or a corrupt index, fails with one line" {
	fails_clean -d busybox -r 1.36 -a "$ARCH" --server "$URL/nothing-here"
	[[ "$stderr" == *"index"* ]]
	fails_clean -d busybox -r 1.36 -a "$ARCH" --server "$URL/corrupt"
	[[ "$stderr" == *"corrupt"* ]]
}

@test "download: a truncated tarball fails with one line and is not cached" {
	fails_clean -d busybox -r 1.36 -a "$ARCH" --server "$URL/truncated"
	[[ "$stderr" == *"corrupt or truncated"* ]]
}

@test "download: a checksum mismatch fails with one line; --no-validate skips the check" {
	fails_clean -d busybox -r 1.36 -a "$ARCH" --server "$URL/badsum"
	[[ "$stderr" == *"Checksum mismatch"* ]]
	run --separate-stderr cove-create -n "$(ct b)" -t download -- -d busybox -r 1.36 -a "$ARCH" \
		--server "$URL/badsum" --no-validate
	assert_success
	[[ "$stderr" == *"--no-validate"* ]]
}

@test "download: bad options fail with one line and leave nothing" {
	fails_clean -d busybox -r 1.36 -a "$ARCH" --server "not a url"
	fails_clean -d busybox -r ../.. -a "$ARCH" --server "$URL/good"
	fails_clean -d busybox --no-such-option --server "$URL/good"
	fails_clean -r 1.36 --server "$URL/good"
}

@test "download: a Debian image (from the debian template's cache) boots systemd" {
	local cache=${COVE_DEBIAN_CACHE:-/var/cache/cove/debian}/bookworm_$ARCH
	[ -d "$cache/usr/lib/systemd" ] || skip "no Debian cache (run debian.bats first)"
	local d=$SRV/good/images/debian/bookworm/$ARCH/default/$BUILD_ID
	if [ ! -s "$d/rootfs.tar.xz" ]; then
		mkdir -p "$d"
		tar -C "$cache" --numeric-owner -cf - . | xz -0 -T0 >"$d/rootfs.tar.xz.tmp"
		mv "$d/rootfs.tar.xz.tmp" "$d/rootfs.tar.xz"
		# no lxc.signal.halt: cove-create picks SIGRTMIN+3 itself for a systemd image
		make_meta "$d" "$(printf '%s\n' 'lxc.autodev = 1' \
			'lxc.tty.max = 4' 'lxc.pty.max = 1024' 'lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed')"
		(cd "$d" && sha256sum rootfs.tar.xz meta.tar.xz >SHA256SUMS)
		printf 'debian;bookworm;%s;default;%s;/images/debian/bookworm/%s/default/%s\n' \
			"$ARCH" "$BUILD_ID" "$ARCH" "$BUILD_ID" >>"$SRV/good/meta/1.0/index-system"
	fi
	n=$(ct deb)
	run cove-create -n "$n" -t download -- -d debian -r bookworm -a "$ARCH" --server "$URL/good"
	assert_success
	grep -q '^lxc.signal.halt = SIGRTMIN+3$' "$LXCPATH/$n/config"
	echo "$n" >"$(ct_rootfs "$n")/etc/hostname"
	: >"$(ct_rootfs "$n")/etc/machine-id"
	cove-start -n "$n" -o "$TESTDIR/$n.log" -l debug
	for i in $(seq 1 600); do
		out=$(timeout 60 cove-attach -n "$n" -- systemctl is-system-running --wait 2>/dev/null) || true
		[[ "$out" == running || "$out" == degraded ]] && break
		sleep 0.1
	done
	[[ "$out" == running || "$out" == degraded ]]
	run ct_exec "$n" hostname
	assert_output "$n"
	# a clean halt through systemd, not a kill at the timeout
	run cove-stop -n "$n" -t 30
	assert_success
	[ "$(ct_state "$n")" = STOPPED ]
	run ! grep -q "killing it" "$TESTDIR/$n.log"
}

@test "download: --clear-cache removes one cached image, or the whole cache" {
	cove-create -n "$(ct a)" -t download -- -d busybox -r 1.36 -a "$ARCH" --server "$URL/good"
	cove-create -n "$(ct b)" -t download -- -d busybox -r nosums -a "$ARCH" --server "$URL/good"
	run "$COVE_BUILD_DIR/templates/cove-download" --clear-cache -d busybox -r 1.36 -a "$ARCH"
	assert_success
	[ ! -e "$COVE_DOWNLOAD_CACHE/busybox/1.36/$ARCH/default" ]
	[ -e "$COVE_DOWNLOAD_CACHE/busybox/nosums/$ARCH/default/rootfs.tar.xz" ]
	run "$COVE_BUILD_DIR/templates/cove-download" --clear-cache
	assert_success
	[ ! -e "$COVE_DOWNLOAD_CACHE" ]
}
