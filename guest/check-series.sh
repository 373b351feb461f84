#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest kernel once per patch of guest/patches, in order: the
# series must stay bisectable, each patch building on the ones before it.
# One tree and one object directory serve the whole walk, so after the
# first build each step recompiles only what its patch touched.  The
# configuration at each step is tinyconfig with guest/config merged on
# top; symbols a patch has not added yet (CONFIG_MEGAVIRT_GUEST before
# 0003) are dropped by Kconfig, which is what building that patch means.
# Prints one TAP line per patch.  See Documentation/guest.rst.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
MV_CACHE=${MV_CACHE:-$HOME/.cache/megavirt}

usage() {
	cat <<USAGE
usage: guest/check-series.sh [options]

Apply guest/patches/*.patch one at a time to Debian's linux-source-6.1
and build bzImage after each, tinyconfig plus guest/config.

  --keep       keep the work tree (\$MV_CACHE/guest/series) afterwards
  -h, --help   this text

Environment: MV_CACHE (default ~/.cache/megavirt), MV_JOBS (make jobs,
default 2).

Exit status: 0 every step built, 1 a step failed to build (named, with
the end of its log), 2 usage error, 3 a patch does not apply.
USAGE
}

keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

say() { echo "check-series.sh: $*" >&2; }

src=$("$root/scripts/linux-source.sh") || exit 1
work=$MV_CACHE/guest/series
rm -rf "$work"
mkdir -p "$work/obj"
cp -al "$src/." "$work/src/"
rm -f "$work/src/.megavirt-unpacked"
kmake() { make ARCH=x86_64 -C "$work/src" O="$work/obj" "$@"; }

patches=("$root"/guest/patches/*.patch)
echo "1..${#patches[@]}"
n=0 status=0
for p in "${patches[@]}"; do
	n=$((n + 1))
	name=$(basename "$p")
	if ! patch -d "$work/src" -p1 --batch --forward --quiet <"$p" \
			>"$work/patch.log" 2>&1; then
		sed 's/^/# /' "$work/patch.log"
		echo "not ok $n - $name applies"
		status=3
		break
	fi
	start=$(date +%s)
	if {
		kmake -s tinyconfig &&
		"$work/src/scripts/kconfig/merge_config.sh" -m -O "$work/obj" \
			"$work/obj/.config" "$root/guest/config" &&
		kmake -s olddefconfig &&
		nice -n 10 make ARCH=x86_64 -C "$work/src" O="$work/obj" \
			-j"${MV_JOBS:-2}" bzImage
	} >"$work/build.log" 2>&1; then
		echo "ok $n - $name builds ($(($(date +%s) - start)) s)"
	else
		tail -n 30 "$work/build.log" | sed 's/^/# /'
		echo "not ok $n - $name builds"
		status=1
		break
	fi
done
[ $keep = 1 ] || rm -rf "$work"
exit $status
