# SPDX-License-Identifier: GPL-2.0
# Shared by the scripts in this directory: where things are cached, which
# kernel we build against, and how we talk.

MV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MV_CACHE=${MV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/megavirt}

say() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# The kernel build directory: KDIR if given, else the running kernel's,
# else the newest installed Debian amd64 headers.
mv_kdir() {
	if [ -n "${KDIR:-}" ]; then
		echo "$KDIR"
	elif [ -d "/lib/modules/$(uname -r)/build" ]; then
		echo "/lib/modules/$(uname -r)/build"
	else
		ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1
	fi
}

# The release of that kernel, e.g. 6.1.0-56-amd64.
mv_kver() {
	local kdir
	kdir=$(mv_kdir)
	[ -n "$kdir" ] || die "no kernel headers found; run 'make deps'"
	case "$kdir" in
	*/linux-headers-*) basename "$kdir" | sed 's/^linux-headers-//' ;;
	/lib/modules/*/build) basename "$(dirname "$kdir")" ;;
	*) cat "$kdir/include/config/kernel.release" ;;
	esac
}
