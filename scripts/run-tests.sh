#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-tests.sh [SUITE...]: install what is needed, build cove, run every test
# suite (unit tests with meson test, integration suites with bats as root),
# print the counts per suite and, as the very last line,
#   N passed, N failed, N skipped
# summing all suites. Exits non-zero when anything failed, including the
# build. SUITE names pick suites: "unit" or an integration file's basename
# ("start-stop"); default: all.
# Environment: COVE_BUILD_DIR (default: build-tests in the source tree),
# COVE_TEST_LOGDIR (default: BUILD/test-logs).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

BUILD=${COVE_BUILD_DIR:-$COVE_SRC/build-tests}
case "$BUILD" in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
LOGDIR=${COVE_TEST_LOGDIR:-$BUILD/test-logs}
TP=0 TF=0 TS=0
SUMMARY=()

final() {
	echo
	echo "==> per suite"
	printf '%s\n' "${SUMMARY[@]}"
	echo "$TP passed, $TF failed, $TS skipped"
	[ "$TF" -eq 0 ]
	exit $?
}
add() { # SUITE P F S [note]
	TP=$((TP + $2)) TF=$((TF + $3)) TS=$((TS + $4))
	SUMMARY+=("$(printf '%-14s %4d passed, %d failed, %d skipped %s' "$1" "$2" "$3" "$4" "${5:-}")")
	printf '==> %s: %d passed, %d failed, %d skipped %s\n' "$1" "$2" "$3" "$4" "${5:-}"
}
want() { # SUITE: was it asked for?
	[ ${#WANT[@]} -eq 0 ] && return 0
	local w
	for w in "${WANT[@]}"; do [ "$w" = "$1" ] && return 0; done
	return 1
}
WANT=("$@")

if [ "$(id -u)" = 0 ]; then
	if ! apt_need "${COVE_BUILD_PKGS[@]}" "${COVE_TEST_PKGS[@]}"; then
		echo "*** FAILED to install the packages needed" >&2
		add install 0 1 0 "(apt-get failed)"
		final
	fi
else
	echo "warning: not root: not installing packages; integration suites will skip" >&2
fi

if ! cove_build "$BUILD"; then
	echo "*** BUILD FAILED (see the compiler output above)" >&2
	add build 0 1 0 "(build failed)"
	final
fi
mkdir -p "$LOGDIR"

# Unit suites: meson test, counting cmocka's TAP test cases.
if want unit; then
	echo "==> meson test --suite unit"
	rm -f "$BUILD/meson-logs/testlog.json"
	CMOCKA_MESSAGE_OUTPUT=TAP meson test -C "$BUILD" --suite unit --print-errorlogs \
		--num-processes 2 </dev/null 2>&1 | tee "$LOGDIR/unit.log"
	mrc=${PIPESTATUS[0]}
	if [ -f "$BUILD/meson-logs/testlog.json" ]; then
		read -r p f s < <(python3 "$COVE_SRC/scripts/count-unit.py" \
			"$BUILD/meson-logs/testlog.json" unit)
		note=""
		if [ "$mrc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1 note="(meson test exited $mrc)"
		fi
		add unit "${p:-0}" "${f:-1}" "${s:-0}" "$note"
	elif grep -q "No suitable tests defined" "$LOGDIR/unit.log"; then
		add unit 0 0 0 "(no unit tests defined)"
	else
		add unit 0 1 0 "(meson test failed to run: exit $mrc)"
	fi
fi

# count_tap NAME RC: add the results of LOGDIR/NAME.tap
count_tap() {
	local name=$1 brc=$2 p s fl note=""
	p=$(grep -Ec '^ok ' "$LOGDIR/$name.tap")
	s=$(grep -Eic '^ok .*# skip' "$LOGDIR/$name.tap")
	fl=$(grep -Ec '^not ok ' "$LOGDIR/$name.tap")
	p=$((p - s))
	if [ "$brc" -ne 0 ] && [ "$fl" -eq 0 ]; then
		fl=1 note="(bats exited $brc)"
	fi
	add "$name" "$p" "$fl" "$s" "$note"
}

# cgroup v2 suites need a cgroup2 host: on a v1/hybrid host they run in the
# guest VM of tools/vm/vm-run.sh (cgroup v2 only), or are skipped with the reason.
V2_HOST=0
[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] && V2_HOST=1
VM_RUN=${COVE_VM_RUN:-$COVE_SRC/../shared/tools/vm/vm-run.sh}
[ -x "$VM_RUN" ] || VM_RUN=/work/shared/tools/vm/vm-run.sh
if [ "$V2_HOST" = 0 ] && want cgroup2 && [ -e "$COVE_SRC/tests/integration/cgroup2.bats" ]; then
	n=$(grep -c '^@test' "$COVE_SRC/tests/integration/cgroup2.bats")
	if [ ! -x "$VM_RUN" ]; then
		add cgroup2 0 0 "$n" "(skipped: no cgroup v2 here and no vm-run.sh)"
	else
		echo "==> cgroup2.bats in the cgroup v2 VM ($VM_RUN)"
		share=()
		case "$BUILD" in "$COVE_SRC"/*) ;; *) share=(--share "$BUILD") ;; esac
		"$VM_RUN" --timeout 1800 --mem 2G "${share[@]}" "$COVE_SRC" -- \
			env COVE_BUILD_DIR="$BUILD" bats --tap "$COVE_SRC/tests/integration/cgroup2.bats" \
			</dev/null 2>"$LOGDIR/cgroup2-vm.log" | tee "$LOGDIR/cgroup2.tap"
		vrc=${PIPESTATUS[0]}
		if [ "$vrc" = 124 ] || [ "$vrc" = 125 ] || ! grep -q '^1\.\.' "$LOGDIR/cgroup2.tap"; then
			tail -5 "$LOGDIR/cgroup2-vm.log"
			add cgroup2 0 0 "$n" "(skipped: the cgroup v2 VM could not run, exit $vrc)"
		else
			count_tap cgroup2 "$vrc"
		fi
	fi
fi

# The escape corpus: every attack class against a default unprivileged and
# privileged container; "N blocked of M", each escape is a failure.
if want security; then
	echo "==> tests/security/run.sh"
	COVE_BUILD_DIR="$BUILD" "$COVE_SRC/tests/security/run.sh" </dev/null 2>&1 | tee "$LOGDIR/security.log"
	src=${PIPESTATUS[0]}
	if read -r b _ _ m < <(grep -E '^[0-9]+ blocked of [0-9]+$' "$LOGDIR/security.log" | tail -1); then
		note="($b blocked of $m)"
		f=$((m - b))
		[ "$src" -ne 0 ] && [ "$f" -eq 0 ] && f=1 note="$note (exit $src)"
		add security "$b" "$f" 0 "$note"
	else
		add security 0 1 0 "(the corpus did not run: exit $src)"
	fi
fi

# Integration suites: bats --tap, one file per area.
export COVE_BUILD_DIR=$BUILD
for f in "$COVE_SRC"/tests/integration/*.bats; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .bats)
	want "$name" || continue
	[ "$name" = cgroup2 ] && [ "$V2_HOST" = 0 ] && continue # in the VM above
	echo "==> bats --tap $name.bats"
	bats --tap "$f" </dev/null 2>&1 | tee "$LOGDIR/$name.tap"
	brc=${PIPESTATUS[0]}
	p=$(grep -Ec '^ok ' "$LOGDIR/$name.tap")
	s=$(grep -Eic '^ok .*# skip' "$LOGDIR/$name.tap")
	fl=$(grep -Ec '^not ok ' "$LOGDIR/$name.tap")
	p=$((p - s))
	note=""
	if [ "$brc" -ne 0 ] && [ "$fl" -eq 0 ]; then
		fl=1 note="(bats exited $brc)"
	fi
	add "$name" "$p" "$fl" "$s" "$note"
done

final
