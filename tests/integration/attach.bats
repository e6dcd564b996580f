#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cove-attach: commands, exit status, stdio, the container's view (ps, PID 1),
# interactive shells with a pty, job control and window size.

load helpers

setup() {
	common_setup
	N=$(ct a)
	ct_create "$N"
	ct_start "$N"
}

@test "attach -- ps shows the container's own PID 1 (init) and few processes" {
	run --separate-stderr cove-attach -n "$N" -- ps
	assert_success
	echo "$output"
	# header + PID 1 + a handful (init, getty/sh, ps itself)
	run awk '$1 == 1' <<<"$output"
	assert_success
	[ -n "$output" ]
	echo "$output" | grep -Eq 'init|sh|sleep'
	run --separate-stderr cove-attach -n "$N" -- ps
	lines=$(echo "$output" | grep -c .)
	[ "$lines" -ge 3 ] && [ "$lines" -le 12 ]
	# none of the host's processes is visible
	! echo "$output" | grep -q -- 'bats'
}

@test "attach -- CMD returns the command's exit status" {
	run cove-attach -n "$N" -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run cove-attach -n "$N" -- true
	assert_success
	run cove-attach -n "$N" -- false
	assert_failure
}

@test "attach passes stdin, stdout and stderr through" {
	run --separate-stderr bash -c "echo hello-stdin | cove-attach -n '$N' -- sh -c 'cat; echo to-stderr >&2'"
	assert_success
	assert_output hello-stdin
	[ "$stderr" = to-stderr ]
}

@test "attach runs in the container's namespaces and root" {
	pid=$(ct_pid "$N")
	run cove-attach -n "$N" -- readlink /proc/self/ns/pid
	assert_output "$(readlink /proc/$pid/ns/pid)"
	run cove-attach -n "$N" -- readlink /proc/self/ns/mnt
	assert_output "$(readlink /proc/$pid/ns/mnt)"
	run cove-attach -n "$N" -- readlink /proc/self/ns/net
	assert_output "$(readlink /proc/$pid/ns/net)"
	run cove-attach -n "$N" -- hostname
	assert_output "$N"
	# the rootfs is the container's: a file only there is visible
	echo only-in-rootfs >"$(ct_rootfs "$N")/marker-file"
	run cove-attach -n "$N" -- cat /marker-file
	assert_output only-in-rootfs
	# and it is in the container's cgroup
	run cove-attach -n "$N" -- cat /proc/self/cgroup
	assert_success
}

@test "attach leaks no host file descriptor into the container" {
	exec 9</etc/hostname
	run cove-attach -n "$N" -- ls /proc/self/fd
	exec 9<&-
	assert_success
	# 0 1 2 and the fd ls opened for the directory, nothing else
	[ "$(echo "$output" | grep -c .)" -le 4 ]
	! echo "$output" | grep -qx 9
}

@test "attach of a stopped container fails with one line" {
	cove-stop -n "$N" -k
	run_fail_one_line cove-attach -n "$N" -- true
}

@test "attach of a missing container fails with one line" {
	run_fail_one_line cove-attach -n "$(ct nope)" -- true
}

@test "attach with a command that does not exist fails" {
	run --separate-stderr cove-attach -n "$N" -- /no/such/command
	assert_failure
	[ -n "$stderr" ]
}

@test "interactive attach: a pty, tty shows /dev/pts/N" {
	r=$(ct_rootfs "$N")
	run --separate-stderr timeout "$HANG" script -qec "cove-attach -n $N -- sh -c 'tty; test -t 0 && echo stdin-is-tty'" /dev/null </dev/null
	assert_success
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial stdin-is-tty
}

@test "interactive attach: a shell with job control and the window size" {
	r=$(ct_rootfs "$N")
	tm_start 91 33 "cove-attach -n $N"
	tm_send_until "shell-is-2up" 'echo shell-is-$((1+1))up' Enter
	tm send-keys -t t "tty > /tty.out; stty size > /size1.out" Enter
	wait_for_file "$r/size1.out"
	wait_for_grep . "$r/size1.out"
	run cat "$r/tty.out"
	assert_output --regexp '^/dev/pts/[0-9]+$'
	run cat "$r/size1.out"
	assert_output "33 91"
	# the window size follows the terminal
	tm resize-window -t t -x 120 -y 40
	sleep 0.5
	tm send-keys -t t "stty size > /size2.out" Enter
	wait_for_grep . "$r/size2.out"
	run cat "$r/size2.out"
	assert_output "40 120"
	# job control: a background job is listed by jobs
	tm send-keys -t t "sleep 1000 &" Enter
	tm send-keys -t t "jobs > /jobs.out" Enter
	wait_for_grep sleep "$r/jobs.out"
	run cat "$r/jobs.out"
	assert_output --partial Running
	tm send-keys -t t "kill %1; exit 3" Enter
	wait_for_file "$TESTDIR/tmux.exit"
	run cat "$TESTDIR/tmux.exit"
	assert_output EXIT=3
}

@test "interactive attach: Ctrl-C reaches the container's process, not the client" {
	r=$(ct_rootfs "$N")
	tm_start 80 24 "cove-attach -n $N"
	tm_send_until "shell-is-2up" 'echo shell-is-$((1+1))up' Enter
	tm send-keys -t t "sleep 1000" Enter
	for i in $(seq 1 100); do
		ct_exec "$N" ps | grep -q '[s]leep 1000' && break
		sleep 0.1
	done
	run ct_exec "$N" ps
	assert_output --partial "sleep 1000"
	tm send-keys -t t C-c
	# an interactive shell drops the rest of a line whose command got SIGINT:
	# ask for the status on a new line
	tm send-keys -t t "echo interrupted-rc=\$? > /ctrlc.out" Enter
	wait_for_grep interrupted "$r/ctrlc.out"
	run cat "$r/ctrlc.out"
	assert_output "interrupted-rc=130"
	tm send-keys -t t "exit 0" Enter
	wait_for_file "$TESTDIR/tmux.exit"
	run cat "$TESTDIR/tmux.exit"
	assert_output EXIT=0
}
