#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# lxc.hook.*: each hook runs at its point with LXC's arguments and
# environment; a failing pre-start hook aborts the start.

load helpers

setup() {
	common_setup
	N=$(ct a)
	ct_create "$N"
	R=$(ct_rootfs "$N")
	# a host-side hook script: records its arguments and environment
	cat >"$TESTDIR/hook.sh" <<EOF2
#!/bin/sh
{
	echo "args: \$*"
	echo "LXC_NAME=\$LXC_NAME"
	echo "LXC_HOOK_TYPE=\$LXC_HOOK_TYPE"
	echo "LXC_ROOTFS_PATH=\$LXC_ROOTFS_PATH"
	echo "LXC_CONFIG_FILE=\$LXC_CONFIG_FILE"
} > "$TESTDIR/hook.\$3"
EOF2
	chmod 755 "$TESTDIR/hook.sh"
}

@test "pre-start hook runs on the host with name, 'lxc', type and LXC_* env" {
	ct_conf "$N" "lxc.hook.pre-start = $TESTDIR/hook.sh"
	ct_start "$N"
	assert_file_exists "$TESTDIR/hook.pre-start"
	run cat "$TESTDIR/hook.pre-start"
	assert_line "args: $N lxc pre-start"
	assert_line "LXC_NAME=$N"
	assert_line "LXC_HOOK_TYPE=pre-start"
	assert_line "LXC_CONFIG_FILE=$LXCPATH/$N/config"
	assert_line --regexp "^LXC_ROOTFS_PATH=.+"
}

@test "a failing pre-start hook aborts the start with one line, nothing left" {
	printf '#!/bin/sh\nexit 3\n' >"$TESTDIR/fail.sh"
	chmod 755 "$TESTDIR/fail.sh"
	ct_conf "$N" "lxc.hook.pre-start = $TESTDIR/fail.sh"
	run_fail_one_line cove-start -n "$N" -d
	[ "$(ct_state "$N")" = STOPPED ]
	[ -z "$(our_cgroups)" ]
}

@test "mount hook runs after the rootfs is set up, start hook runs inside the container" {
	cat >"$R/start-hook.sh" <<'EOF2'
#!/bin/sh
echo "start-hook pid=$$ host=$(hostname) args=$*" > /start-hook.out
EOF2
	chmod 755 "$R/start-hook.sh"
	ct_conf "$N" "lxc.hook.mount = $TESTDIR/hook.sh" "lxc.hook.start = /start-hook.sh" \
		"lxc.uts.name = hooked"
	ct_start "$N"
	assert_file_exists "$TESTDIR/hook.mount"
	wait_for_file "$R/start-hook.out"
	run cat "$R/start-hook.out"
	assert_output --partial "host=hooked"
	assert_output --partial "args=$N lxc start"
}

@test "stop and post-stop hooks run when the container stops" {
	ct_conf "$N" "lxc.hook.stop = $TESTDIR/hook.sh" "lxc.hook.post-stop = $TESTDIR/hook.sh"
	ct_start "$N"
	assert_file_not_exists "$TESTDIR/hook.post-stop"
	cove-stop -n "$N" -k
	assert_file_exists "$TESTDIR/hook.stop"
	assert_file_exists "$TESTDIR/hook.post-stop"
	run cat "$TESTDIR/hook.post-stop"
	assert_line "LXC_NAME=$N"
}

@test "start-host hook runs on the host once the container exists" {
	ct_conf "$N" "lxc.hook.start-host = $TESTDIR/hook.sh"
	ct_start "$N"
	assert_file_exists "$TESTDIR/hook.start-host"
}

@test "destroy hook runs at cove-destroy" {
	ct_conf "$N" "lxc.hook.destroy = $TESTDIR/hook.sh"
	cove-destroy -n "$N"
	assert_file_exists "$TESTDIR/hook.destroy"
}
