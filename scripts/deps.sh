#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything megavirt's build and tests need, and nothing else.
# Idempotent: a second run finds everything in place and returns at once.
# It is the only place a package is installed; never install one by hand.
#
# Debian packages go in with apt-get.  The test host's kernel is different:
# it is Debian's stock image (the kernel our module must load on), but this
# machine does not boot it, so rather than install it into /boot we unpack
# the package matching the installed headers into the cache.
set -euo pipefail
. "$(dirname "$0")/common.sh"

PACKAGES=(
	build-essential flex bison bc cpio kmod xz-utils zstd
	libelf-dev libssl-dev dwarves
	linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static libcap-dev liblzma-dev
	iproute2 squashfs-tools e2fsprogs
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing: ${missing[*]}"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The test host kernel: same version as the headers we build against.
kver=$(mv_kver)
dest=$MV_CACHE/testhost/$kver
if [ ! -f "$dest/boot/vmlinuz-$kver" ]; then
	say "unpacking linux-image-$kver for the test host into $dest"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	chmod 755 "$tmp"	# apt's download user must be able to write here
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "linux-image-$kver" >/dev/null)
	rm -rf "$dest.new"
	mkdir -p "$dest.new"
	dpkg-deb -x "$tmp"/linux-image-"$kver"_*.deb "$dest.new"
	depmod -b "$dest.new" "$kver"	# the package leaves modules.dep to its postinst
	rm -rf "$dest"
	mv "$dest.new" "$dest"
fi
say "dependencies in place (test host kernel $kver)"
