#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove-console: the console (tty 0) and ttys (-t N), piped and interactive
# input, Ctrl+a q to leave, the container keeps running.

load helpers

# an init that echoes what it reads on the console and on tty1
setup() {
	common_setup
	N=$(ct a)
	ct_create "$N"
	R=$(ct_rootfs "$N")
	cat >"$R/console-init.sh" <<'EOF2'
#!/bin/sh
echo started > /init.started
if [ -e /dev/tty1 ]; then
	( exec </dev/tty1 >/dev/tty1 2>&1
	  while read -r l; do echo "$l" >> /tty1.log; echo "tty1-echo:$l"; done ) &
fi
while read -r l; do echo "$l" >> /console.log; echo "console-echo:$l"; done
while :; do sleep 1000 & wait $!; done
EOF2
	chmod 755 "$R/console-init.sh"
	ct_conf "$N" "lxc.init.cmd = /console-init.sh" "lxc.tty.max = 2"
	ct_start "$N"
	wait_for_file "$R/init.started"
}

@test "console with piped input reaches init's console; Ctrl+a q leaves" {
	run --separate-stderr timeout "$HANG" bash -c "{ printf 'hello-console\n'; sleep 1; printf '\001q'; } | cove-console -n '$N' -t 0"
	assert_success
	wait_for_grep hello-console "$R/console.log"
	[ "$(ct_state "$N")" = RUNNING ]
}

@test "interactive console: output shows, Ctrl+a q leaves, the container keeps running" {
	tm_start 100 30 "cove-console -n $N -t 0"
	tm_send_until "console-echo:typed-on-console" "typed-on-console" Enter
	tm send-keys -t t C-a q
	wait_for_file "$TESTDIR/tmux.exit"
	run cat "$TESTDIR/tmux.exit"
	assert_output EXIT=0
	[ "$(ct_state "$N")" = RUNNING ]
	# again: the console can be attached a second time
	rm -f "$TESTDIR/tmux.exit"
	tm kill-server
	sleep 0.2
	tm_start 100 30 "cove-console -n $N -t 0"
	tm_send_until "console-echo:second-time" "second-time" Enter
	tm send-keys -t t C-a q
	wait_for_file "$TESTDIR/tmux.exit"
}

@test "console -t 1 attaches to tty1 (lxc.tty.max)" {
	[ -e "$R/dev/tty1" ] || ct_exec "$N" test -c /dev/tty1
	tm_start 100 30 "cove-console -n $N -t 1"
	tm_send_until "tty1-echo:on-tty1" "on-tty1" Enter
	tm send-keys -t t C-a q
	wait_for_file "$TESTDIR/tmux.exit"
	run cat "$R/tty1.log"
	assert_line on-tty1
	! grep -q on-tty1 "$R/console.log" 2>/dev/null
}

@test "console -e sets another escape character" {
	tm_start 100 30 "cove-console -n $N -t 0 -e '^b'"
	tm_send_until "console-echo:with-escape-b" "with-escape-b" Enter
	tm send-keys -t t C-b q
	wait_for_file "$TESTDIR/tmux.exit"
	run cat "$TESTDIR/tmux.exit"
	assert_output EXIT=0
}

@test "console -t beyond lxc.tty.max fails with one line" {
	run_fail_one_line timeout "$HANG" cove-console -n "$N" -t 9 </dev/null
}

@test "console of a stopped container fails with one line" {
	cove-stop -n "$N" -k
	run_fail_one_line timeout "$HANG" cove-console -n "$N" </dev/null
}

@test "console of a missing container fails with one line" {
	run_fail_one_line timeout "$HANG" cove-console -n "$(ct nope)" </dev/null
}
