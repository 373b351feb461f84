#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack a directory into a newc cpio archive owned by root, with the
# /dev/console node the kernel opens before /init runs, without needing
# root ourselves: the list is fed to the kernel's own gen_init_cpio, built
# once from the linux source in the cache.
#
# usage: mkcpio.sh DIR OUTPUT
set -euo pipefail
. "$(dirname "$0")/common.sh"

dir=$1
out=$2
gen=$MV_CACHE/bin/gen_init_cpio
if [ ! -x "$gen" ]; then
	src=$("$MV_ROOT/scripts/linux-source.sh")
	mkdir -p "$MV_CACHE/bin"
	cc -O2 -o "$gen.tmp" "$src/usr/gen_init_cpio.c"
	mv "$gen.tmp" "$gen"
fi

list=$(mktemp)
trap 'rm -f "$list"' EXIT
{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort) | while read -r p; do
		p=${p#./}
		[ "$p" = dev ] && continue
		mode=$(stat -c %a "$dir/$p")
		if [ -L "$dir/$p" ]; then
			echo "slink /$p $(readlink "$dir/$p") 0777 0 0"
		elif [ -d "$dir/$p" ]; then
			echo "dir /$p $mode 0 0"
		else
			echo "file /$p $dir/$p $mode 0 0"
		fi
	done
} > "$list"
"$gen" "$list" > "$out.tmp"
mv "$out.tmp" "$out"
