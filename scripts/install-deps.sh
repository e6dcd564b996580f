#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# install-deps.sh [--tests] [--bench]: apt-get install what building cove needs
# (and, with the flags, what the tests or the benchmarks need). Debian 12, root.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root
pkgs=("${COVE_BUILD_PKGS[@]}")
for a in "$@"; do
	case "$a" in
	--tests) pkgs+=("${COVE_TEST_PKGS[@]}") ;;
	--bench) pkgs+=("${COVE_BENCH_PKGS[@]}") ;;
	*) echo "usage: $0 [--tests] [--bench]" >&2; exit 2 ;;
	esac
done
apt_need "${pkgs[@]}"
