#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove exec against a real coved: output on stdout/stderr, exit codes,
# stdin, --env/--cwd/--user/--group, command not found, forwarded signals,
# and interactive sessions on a terminal (tmux) with window resizes.

load client-helpers

export CLIENT_NEEDS_IMAGE=1
setup_file() {
	client_setup_file
	[ -n "${CLIENT_SKIP:-}" ] && return 0
	export CT="$UNIQ-x"
	timeout "$HANG" cove launch busybox "$CT" >/dev/null 2>&1 ||
		export CLIENT_SKIP="cove launch busybox failed"
}
teardown_file() { client_teardown_file; }
setup() { client_setup; }
teardown() {
	[ -n "${TMUX_SOCK:-}" ] && tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	client_teardown
}

@test "cove exec NAME -- echo hi" {
	run cove exec "$CT" -- echo hi
	assert_success
	assert_output "hi"
}

@test "cove exec keeps stdout and stderr apart and passes the exit code" {
	run --separate-stderr cove exec "$CT" -- sh -c 'echo out; echo err >&2; exit 3'
	assert_failure 3
	assert_output "out"
	[ "$stderr" = "err" ]
}

@test "cove exec forwards stdin until EOF" {
	run bash -c "printf 'line one\nline two\n' | cove exec '$CT' -- cat"
	assert_success
	assert_output $'line one\nline two'
	run bash -c "head -c 300000 /dev/zero | cove exec '$CT' -- wc -c"
	assert_success
	assert_output --regexp '^ *300000$'
	run cove exec -n "$CT" -- cat
	assert_success
	assert_output ""
}

@test "cove exec --env and --cwd" {
	run cove exec "$CT" --env FOO=bar --env X=y --cwd /tmp -- sh -c 'echo $FOO$X; pwd'
	assert_success
	assert_output $'bary\n/tmp'
}

@test "cove exec --user and --group" {
	run cove exec "$CT" --user 1000 --group 1000 -- sh -c 'id -u; id -g'
	skip_if_unsupported
	assert_success
	assert_output $'1000\n1000'
}

@test "cove exec of a missing command: Error: Command not found, exit 127" {
	run -127 --separate-stderr cove exec "$CT" -- /no/such/cmd
	assert_failure 127
	[ "$stderr" = "Error: Command not found" ]
}

@test "cove exec on a missing instance fails" {
	run --separate-stderr cove exec "nosuch-$UNIQ" -- true
	assert_failure 1
	[ "$stderr" = "Error: Instance not found" ]
}

@test "SIGINT to cove exec reaches the command (exit 130)" {
	cove exec "$CT" -- sleep 30 &
	pid=$!
	sleep 1
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 130 ]
}

@test "interactive cove exec on a terminal: pty, TERM, window size, exit code" {
	command -v tmux >/dev/null || skip "tmux is not installed"
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
	rc=$BATS_TEST_TMPDIR/rc
	tmux -S "$TMUX_SOCK" new-session -d -x 80 -y 24 \
		"TERM=xterm COVE_DIR=$COVE_DIR $(command -v cove) exec $CT -- sh; echo EXIT=\$? >$rc; sleep 30"
	sleep 1
	tmux -S "$TMUX_SOCK" send-keys "stty size; tty" Enter
	sleep 0.5
	tmux -S "$TMUX_SOCK" resize-window -x 120 -y 40
	sleep 0.5
	tmux -S "$TMUX_SOCK" send-keys 'stty size; echo T=$TERM' Enter
	sleep 0.5
	run tmux -S "$TMUX_SOCK" capture-pane -p
	assert_line "24 80"
	assert_line --regexp '^/dev/pts/[0-9]+$'
	assert_line "40 120"
	assert_line "T=xterm"
	tmux -S "$TMUX_SOCK" send-keys "exit 7" Enter
	for i in $(seq 50); do [ -s "$rc" ] && break; sleep 0.1; done
	run cat "$rc"
	assert_output "EXIT=7"
}

@test "cove console --show-log and an attached console (<ctrl>+a q detaches)" {
	run cove console "$CT" --show-log
	assert_success
	command -v tmux >/dev/null || skip "tmux is not installed"
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
	rc=$BATS_TEST_TMPDIR/rc
	tmux -S "$TMUX_SOCK" new-session -d -x 80 -y 24 \
		"COVE_DIR=$COVE_DIR $(command -v cove) console $CT; echo EXIT=\$? >$rc; sleep 30"
	sleep 1
	run tmux -S "$TMUX_SOCK" capture-pane -p
	assert_line "To detach from the console, press: <ctrl>+a q"
	tmux -S "$TMUX_SOCK" send-keys C-a q
	for i in $(seq 50); do [ -s "$rc" ] && break; sleep 0.1; done
	run cat "$rc"
	assert_output "EXIT=0"
}
