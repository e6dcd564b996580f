# SPDX-License-Identifier: GPL-2.0-or-later
# lib.sh - shared by the scripts in this directory (source it; functions only).
#   need_root            exit unless running as root
#   apt_need PKG...      apt-get install the Debian packages that are missing
#                        (apt-get update first when a package is not known yet)
#   cove_build [DIR]     meson setup (once) + ninja; fails loudly
# COVE_SRC is the top of the source tree.

COVE_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# What building and testing cove needs (Debian 12 package names).
COVE_BUILD_PKGS=(meson ninja-build pkg-config gcc libcmocka-dev libcap-dev libseccomp-dev
	libarchive-dev busybox-static)
COVE_TEST_PKGS=(bats bats-assert bats-support bats-file python3 tmux util-linux procps strace)
# the debian/download/copy tests (distributions engineer)
COVE_TEST_PKGS+=(debootstrap curl xz-utils btrfs-progs)
# the cove client (src/client)
COVE_BUILD_PKGS+=(libjansson-dev libfyaml-dev)
# container networking: netlink; cove-net and its tests need dnsmasq, nft, ip
COVE_BUILD_PKGS+=(libnl-3-dev libnl-route-3-dev)
COVE_TEST_PKGS+=(dnsmasq-base nftables iproute2 iputils-ping)
# coved (src/daemon): lws needs its libuv event-lib plugin at run time
COVE_BUILD_PKGS+=(libwebsockets-dev libwebsockets-evlib-uv libuv1-dev libjansson-dev
	libsqlite3-dev libssl-dev)
# the daemon-*.bats suites: curl on the socket, jq, and LXD's real client
COVE_TEST_PKGS+=(curl jq lxd-client python3-pylxd)
COVE_BENCH_PKGS=(lxc hyperfine)

need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "$(basename "$0"): must run as root (try: sudo $0)" >&2
		exit 1
	fi
}

pkg_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

apt_need() {
	local miss=() p
	for p in "$@"; do
		pkg_installed "$p" || miss+=("$p")
	done
	[ ${#miss[@]} -eq 0 ] && return 0
	echo "==> apt-get install ${miss[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q --no-install-recommends "${miss[@]}" </dev/null >&2; then
		apt-get update -q </dev/null >&2 || return 1
		apt-get install -y -q --no-install-recommends "${miss[@]}" </dev/null >&2 || return 1
	fi
	for p in "${miss[@]}"; do
		if ! pkg_installed "$p"; then
			echo "apt_need: package '$p' is still not installed" >&2
			return 1
		fi
	done
}

# cove_build DIR: configure DIR once, then build. Returns non-zero on any failure.
cove_build() {
	local dir=${1:-$COVE_SRC/build-tests}
	if [ ! -f "$dir/build.ninja" ]; then
		echo "==> meson setup $dir" >&2
		meson setup "$dir" "$COVE_SRC" >&2 || return 1
	fi
	echo "==> ninja -C $dir" >&2
	ninja -C "$dir" >&2 || return 1
}
