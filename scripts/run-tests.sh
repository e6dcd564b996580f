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

# Integration suites: bats --tap, one file per area.
export COVE_BUILD_DIR=$BUILD
for f in "$COVE_SRC"/tests/integration/*.bats; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .bats)
	want "$name" || continue
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
