#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the megavirt guest's initramfs and print its path.
#
# Every guest of a fleet boots the same small archive: Debian's static
# busybox, guest/initramfs/init, a /dev/console node and a few lines of
# /etc.  What makes a guest itself is its kernel command line, read by
# that init; nothing per-guest is ever put in here.
#
# The archive is a gzip'ed newc cpio made by the kernel's own
# usr/gen_init_cpio from a file list, so it needs no root for the device
# node and comes out the same byte for byte on every run.  It is cached in
# $MV_CACHE/guest/<hash>/initramfs.cpio.gz, where <hash> covers busybox,
# the init, this script and the kernel source the tool comes from.
#
# stdout carries exactly one line, the archive's path; progress and
# errors go to stderr.  Documentation/guest.rst is the manual.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

. "$root/scripts/common.sh"

usage() {
	cat <<EOF
Usage: $(basename "$0") [--force] [--hash]

Build the megavirt guest initramfs (cached) and print its path.

  -f, --force   rebuild even if the cache already holds this archive
      --hash    print the cache key and exit, without building
  -h, --help    show this help

Environment: MV_CACHE (default ~/.cache/megavirt), BUSYBOX (default
/bin/busybox, must be static), LINUX_SOURCE_TARBALL (default
/usr/src/linux-source-6.1.tar.xz).
Exit codes: 0 ok, 1 error, 2 usage.
EOF
}

force=0 only_hash=0
while [ $# -gt 0 ]; do
	case "$1" in
	-f|--force) force=1 ;;
	--hash) only_hash=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

busybox=${BUSYBOX:-/bin/busybox}
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
init=$here/initramfs/init
[ -x "$busybox" ] || die "$busybox not found; run 'make deps' (busybox-static)"
[ -f "$tarball" ] || die "$tarball not found; run 'make deps'"
[ -f "$init" ] || die "$init is missing"

hash=$({
	sha256sum <"$busybox"
	stat -c 'source %n %s %Y' "$tarball"
	cat "$init" "$0"
} | sha256sum | cut -c1-16)
if [ $only_hash = 1 ]; then
	echo "$hash"
	exit 0
fi

out=$MV_CACHE/guest/$hash
if [ $force = 0 ] && [ -f "$out/initramfs.cpio.gz" ]; then
	echo "$out/initramfs.cpio.gz"
	exit 0
fi

# A guest without a dynamic loader can only run a static busybox.
if LC_ALL=C readelf -l "$busybox" 2>/dev/null | grep -q 'Requesting program interpreter'; then
	die "$busybox is dynamically linked; the guest needs busybox-static"
fi

mkdir -p "$MV_CACHE/guest"
tmp=$(mktemp -d "$MV_CACHE/guest/initramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ -x "$root/scripts/linux-source.sh" ]; then
	src=$("$root/scripts/linux-source.sh")
else
	src=$MV_CACHE/src/linux-source-6.1
	[ -f "$src/usr/gen_init_cpio.c" ] ||
		die "no kernel source in $src; run guest/build-kernel.sh first"
fi
say "compiling gen_init_cpio from $src/usr"
cc -O2 -o "$tmp/gen_init_cpio" "$src/usr/gen_init_cpio.c"

# The files go in from copies, so that their times can be fixed below.
# /etc says who root is, so that id, ls -l and login have a name to show.
tree=$tmp/tree
mkdir -p "$tree/bin" "$tree/etc"
cp "$busybox" "$tree/bin/busybox"
cp "$init" "$tree/init"
echo 'root:x:0:0:root:/root:/bin/sh' >"$tree/etc/passwd"
echo 'root:x:0:' >"$tree/etc/group"
touch -d @0 "$tree/bin/busybox" "$tree/init" "$tree/etc/passwd" "$tree/etc/group"

# The whole tree.  The directories are the mount points init uses; /dev
# holds only the console, which the kernel opens for init before init
# mounts devtmpfs over it.
cat >"$tmp/list" <<EOF
dir /bin 0755 0 0
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /etc 0755 0 0
dir /proc 0755 0 0
dir /root 0700 0 0
dir /sys 0755 0 0
dir /tmp 1777 0 0
dir /mnt 0755 0 0
file /bin/busybox $tree/bin/busybox 0755 0 0
slink /bin/sh busybox 0777 0 0
file /etc/passwd $tree/etc/passwd 0644 0 0
file /etc/group $tree/etc/group 0644 0 0
file /init $tree/init 0755 0 0
EOF

# Fixed times in the archive (-t for what has none of its own, touch
# above for the files) and no name or time in the gzip header: the same
# inputs give the same bytes.
"$tmp/gen_init_cpio" -t 0 "$tmp/list" | gzip -9 -n >"$tmp/initramfs.cpio.gz"

mkdir -p "$out"
mv "$tmp/initramfs.cpio.gz" "$out/initramfs.cpio.gz"
say "built: $(stat -c %s "$out/initramfs.cpio.gz") bytes"
echo "$out/initramfs.cpio.gz"
