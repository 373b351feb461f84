#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unpack Debian's linux-source-6.1 once into the cache and print where it
# is.  The guest kernel is built from it and the selftests take the
# kselftest harness from it.  The directory appears only when complete, so
# an interrupted unpack is simply redone.
set -euo pipefail
. "$(dirname "$0")/common.sh"

tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
[ -f "$tarball" ] || die "$tarball not found; run 'make deps'"

dest=$MV_CACHE/src/linux-source-6.1
stamp=$dest/.megavirt-unpacked
if [ ! -f "$stamp" ] || [ "$tarball" -nt "$stamp" ]; then
	say "unpacking $tarball (about 10 s)"
	mkdir -p "$MV_CACHE/src"
	tmp=$(mktemp -d "$MV_CACHE/src/unpack.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -C "$tmp" -xf "$tarball"
	rm -rf "$dest"
	mv "$tmp/linux-source-6.1" "$dest"
	touch "$stamp"
fi
echo "$dest"
