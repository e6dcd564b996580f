#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# coved's /1.0/instances/NAME/files: push, pull, delete with LXD's X-LXD-*
# headers, and symlinks pointing out of the instance that must never make
# the daemon read or write a host file; Debian's `lxc file push/pull`.

load daemon-helpers

# files METHOD NAME PATH [curl args...]: the answer (with -i for headers when asked)
files() {
	local m=$1 n=$2 p=$3
	shift 3
	curl -s --max-time 30 --unix-socket "$COVE_DIR/unix.socket" -X "$m" "$@" \
		"http://cove/1.0/instances/$n/files?path=$p"
}

empty_instance() {
	local r
	r=$(api POST /1.0/instances "{\"name\":\"$1\",\"source\":{\"type\":\"none\"}}")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	mkdir -p "$COVE_DIR/containers/$1/rootfs/etc"
}

@test "files: push with uid/gid/mode, pull with headers, directories, symlinks, append, delete" {
	"$COVED" init --auto
	n=$(ct f)
	empty_instance "$n"
	root=$COVE_DIR/containers/$n/rootfs
	run files POST "$n" /etc/hi -H 'X-LXD-uid: 5' -H 'X-LXD-gid: 6' -H 'X-LXD-mode: 0600' --data-binary hello
	[ "$(jq -r .status_code <<<"$output")" = 200 ]
	[ "$(stat -c '%u %g %a %s' "$root/etc/hi")" = "5 6 600 5" ]
	run files GET "$n" /etc/hi -i
	assert_output --partial 'X-LXD-uid: 5'
	assert_output --partial 'X-LXD-gid: 6'
	assert_output --partial 'X-LXD-mode: 0600'
	assert_output --partial 'X-LXD-type: file'
	[ "$(files GET "$n" /etc/hi)" = hello ]
	files POST "$n" /etc/hi -H 'X-LXD-write: append' --data-binary ' world' >/dev/null
	[ "$(files GET "$n" /etc/hi)" = "hello world" ]
	run files POST "$n" /etc/d -H 'X-LXD-type: directory' -H 'X-LXD-mode: 0711'
	[ "$(stat -c '%a' "$root/etc/d")" = 711 ]
	run files GET "$n" /etc -i
	assert_output --partial 'X-LXD-type: directory'
	[ "$(files GET "$n" /etc | jq -c '.metadata | sort')" = '["d","hi"]' ]
	files POST "$n" /etc/l -H 'X-LXD-type: symlink' --data-binary hi >/dev/null
	[ "$(readlink "$root/etc/l")" = hi ]
	run files GET "$n" /etc/l -i
	assert_output --partial 'X-LXD-type: symlink'
	# a symlink inside the instance is followed for a push (relative, beneath its directory)
	files POST "$n" /etc/l --data-binary via-link >/dev/null
	[ "$(cat "$root/etc/hi")" = via-link ]
	run api_code DELETE "/1.0/instances/$n/files?path=/etc/hi"
	[ "$output" = 200 ]
	[ ! -e "$root/etc/hi" ]
	run api_code DELETE "/1.0/instances/$n/files?path=/etc/d"
	[ "$output" = 200 ]
	run api_code GET "/1.0/instances/$n/files?path=/etc/nosuch"
	[ "$output" = 404 ]
}

@test "files: symlinks out of the instance are refused, nothing is read or written outside" {
	"$COVED" init --auto
	n=$(ct f)
	empty_instance "$n"
	root=$COVE_DIR/containers/$n/rootfs
	echo host >"$TESTDIR/hostfile"
	mkdir "$TESTDIR/hostdir"
	ln -s "$TESTDIR/hostfile" "$root/etc/abs"
	ln -s "../../../../../../../../../..$TESTDIR/hostfile" "$root/etc/rel"
	ln -s "$TESTDIR/hostdir" "$root/etc/dir"
	ln -s /proc/self/root/"$TESTDIR"/hostfile "$root/etc/magic"
	for p in /etc/abs /etc/rel /etc/magic; do
		run files POST "$n" "$p" --data-binary pwned
		[ "$(jq -r .type <<<"$output")" = error ]
		[ "$(jq -r .error_code <<<"$output")" = 400 ] || { echo "$p: $output"; false; }
		run files POST "$n" "$p" -H 'X-LXD-write: append' --data-binary pwned
		[ "$(jq -r .type <<<"$output")" = error ]
	done
	# through a directory symlink: resolved inside the instance's root, not on the host
	run files POST "$n" /etc/dir/x --data-binary pwned
	[ "$(jq -r .type <<<"$output")" = error ]
	run files POST "$n" /../../../../../..$TESTDIR/hostdir/y --data-binary pwned
	[ "$(jq -r .type <<<"$output")" = error ]
	[ "$(cat "$TESTDIR/hostfile")" = host ]
	[ -z "$(ls -A "$TESTDIR/hostdir")" ]
	# pulls never follow them: the link target comes back, not the host file
	run files GET "$n" /etc/abs
	assert_output "$TESTDIR/hostfile"
	run files GET "$n" /etc/dir/
	[ "$(jq -r .type <<<"$output")" = error ] || [ "$output" = "$TESTDIR/hostdir" ]
	run files DELETE "$n" /etc/dir/x
	[ "$(jq -r .type <<<"$output")" = error ]
	# bad input
	run api_code GET "/1.0/instances/$n/files"
	[ "$output" = 400 ]
	run api_code GET "/1.0/instances/$n/files?path="
	[ "$output" = 400 ]
	run files POST "$n" /etc/x -H 'X-LXD-mode: 99z' --data-binary x
	[ "$(jq -r .error_code <<<"$output")" = 400 ]
	run files POST "$n" /etc/x -H 'X-LXD-type: fifo' --data-binary x
	[ "$(jq -r .error_code <<<"$output")" = 400 ]
	run files POST "$n" /etc/x -H 'X-LXD-write: nope' --data-binary x
	[ "$(jq -r .error_code <<<"$output")" = 400 ]
	mkfifo "$root/etc/fifo"
	run files GET "$n" /etc/fifo
	[ "$(jq -r .error_code <<<"$output")" = 400 ]
	run files POST "$n" /etc/fifo --data-binary x
	[ "$(jq -r .error_code <<<"$output")" = 400 ]
	run api_code GET "/1.0/instances/nosuch/files?path=/etc"
	[ "$output" = 404 ]
	run api GET /1.0
	[ "$(jq -r .status_code <<<"$output")" = 200 ]
}

@test "lxc file push and pull on a running instance (Debian's client)" {
	command -v lxc >/dev/null || skip "lxd-client is not installed"
	daemon_init_image
	lxc list >/dev/null 2>&1
	n=$(ct f)
	lxc launch busybox "$n"
	echo "from the host" >"$TESTDIR/in.txt"
	run lxc file push --mode 0640 --uid 7 "$TESTDIR/in.txt" "$n/root/in.txt"
	assert_success
	run lxc exec "$n" -- cat /root/in.txt
	assert_output "from the host"
	run lxc exec "$n" -- stat -c '%u %a' /root/in.txt
	assert_output "7 640"
	lxc exec "$n" -- sh -c 'echo made inside >/root/out.txt'
	run lxc file pull "$n/root/out.txt" "$TESTDIR/out.txt"
	assert_success
	[ "$(cat "$TESTDIR/out.txt")" = "made inside" ]
	mkdir -p "$TESTDIR/tree/sub"
	echo a >"$TESTDIR/tree/sub/a"
	run lxc file push -r "$TESTDIR/tree" "$n/root/"
	assert_success
	run lxc exec "$n" -- cat /root/tree/sub/a
	assert_output a
	run lxc file pull "$n/no/such" "$TESTDIR/x"
	assert_failure
	run lxc stop -f "$n"
}
