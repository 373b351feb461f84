#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the megavirt guest kernel and print the path of its bzImage.
#
# This is where a guest's life starts: the bzImage made here is what
# mvlaunch loads into every guest of a fleet.  It is Linux 6.1 from
# Debian's linux-source-6.1, with guest/patches/*.patch applied in order,
# configured as `make tinyconfig` plus the fragment guest/config.
#
# A build takes minutes, so the result is cached outside the tree in
# $MV_CACHE/guest/<hash>/, where <hash> covers everything that can change
# the image: the source tarball, the compiler, the patches, the config
# fragment and this script.  A second run finds it and returns at once.
#
# stdout carries exactly one line, the bzImage's path; progress and
# errors go to stderr.  Documentation/guest.rst is the manual.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

. "$root/scripts/common.sh"

# Exit codes, as the manual lists them.
EX_USAGE=2
EX_PATCH=3
EX_CONFIG=4
EX_BUILD=5

usage() {
	cat <<EOF
Usage: $(basename "$0") [--force] [--keep] [--hash]

Build the megavirt guest kernel (cached) and print the bzImage's path.

  -f, --force   rebuild even if the cache already holds this kernel
  -k, --keep    keep the build directory afterwards (for debugging)
      --hash    print the cache key and exit, without building
  -h, --help    show this help

Environment: MV_CACHE (default ~/.cache/megavirt), MV_JOBS (default 2),
LINUX_SOURCE_TARBALL (default /usr/src/linux-source-6.1.tar.xz).
Exit codes: 0 ok, 1 error, 2 usage, 3 a patch does not apply,
4 the config fragment was not honoured, 5 the kernel build failed.
EOF
}

force=0 keep=0 only_hash=0
while [ $# -gt 0 ]; do
	case "$1" in
	-f|--force) force=1 ;;
	-k|--keep) keep=1 ;;
	--hash) only_hash=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit $EX_USAGE ;;
	esac
	shift
done

tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
[ -f "$tarball" ] || die "$tarball not found; run 'make deps'"
config=$here/config
[ -f "$config" ] || die "$config is missing"
shopt -s nullglob
patches=("$here"/patches/*.patch)
shopt -u nullglob

# tinyconfig with the default ARCH (x86) builds an i386 kernel: always say
# x86_64.  Everything below is built for this ARCH.
kmake() { make ARCH=x86_64 "$@"; }

# The cache key.  The tarball is named by its path, size and time rather
# than read, so that a cached run costs no more than hashing a few small
# files; a Debian upgrade of linux-source-6.1 changes its size and time.
cache_key() {
	{
		stat -c 'source %n %s %Y' "$tarball"
		echo "cc $(gcc --version | head -n1)"
		echo "ld $(ld --version | head -n1)"
		for p in "${patches[@]}"; do
			echo "patch $(basename "$p")"
			cat "$p"
		done
		echo "config"
		cat "$config"
		echo "script"
		cat "$0"
	} | sha256sum | cut -c1-16
}

hash=$(cache_key)
if [ $only_hash = 1 ]; then
	echo "$hash"
	exit 0
fi

out=$MV_CACHE/guest/$hash
if [ $force = 0 ] && [ -f "$out/bzImage" ]; then
	echo "$out/bzImage"
	exit 0
fi

# Two builds of the same kernel at once would only fight over the disk and
# the two cores; the second waits, then finds the first one's result.
mkdir -p "$MV_CACHE/guest"
exec 9>"$MV_CACHE/guest/.kernel.lock"
if ! flock -n 9; then
	say "another build is running; waiting for it"
	flock 9
fi
if [ $force = 0 ] && [ -f "$out/bzImage" ]; then
	echo "$out/bzImage"
	exit 0
fi

# The pristine source, unpacked once and shared with everyone else who
# needs it.  scripts/linux-source.sh owns that; the fallback below does
# the same (unpack beside, rename into place) for a tree without it.
linux_source() {
	local dest=$MV_CACHE/src/linux-source-6.1 tmp
	if [ -x "$root/scripts/linux-source.sh" ]; then
		"$root/scripts/linux-source.sh"
		return
	fi
	if [ ! -f "$dest/.megavirt-unpacked" ] || [ "$tarball" -nt "$dest/.megavirt-unpacked" ]; then
		say "unpacking $tarball"
		mkdir -p "$MV_CACHE/src"
		tmp=$(mktemp -d "$MV_CACHE/src/unpack.XXXXXX")
		tar -C "$tmp" -xf "$tarball"
		rm -rf "$dest"
		mv "$tmp/linux-source-6.1" "$dest"
		rmdir "$tmp"
		touch "$dest/.megavirt-unpacked"
	fi
	echo "$dest"
}

src=$(linux_source)
[ -f "$src/Makefile" ] || die "no kernel source at '$src'"

# The build directory: a hard-linked copy of the source (seconds, not the
# minute a real copy takes; GNU patch replaces a file rather than writing
# into it, so the shared source is never changed) and a separate object
# directory.  A failed build's directory is left for inspection and
# removed by the next run.
work=$MV_CACHE/guest/build-$hash
rm -rf "$MV_CACHE"/guest/build-*
mkdir -p "$work/src"
say "copying $src to $work/src"
cp -al "$src/." "$work/src/"
rm -f "$work/src/.megavirt-unpacked"
obj=$work/obj
mkdir -p "$obj"

# Patches go in strictly in order, each one checked before it touches the
# tree, so a series that does not apply stops here with the patch named.
for p in "${patches[@]}"; do
	say "applying $(basename "$p")"
	if ! patch -d "$work/src" -p1 --batch --forward --dry-run --quiet <"$p" >"$work/patch.log" 2>&1; then
		cat "$work/patch.log" >&2
		say "error: patch $(basename "$p") does not apply to $(basename "$src")"
		say "the partly patched tree is in $work/src"
		exit $EX_PATCH
	fi
	patch -d "$work/src" -p1 --batch --forward --quiet <"$p" >&2
done
[ ${#patches[@]} -gt 0 ] || say "no patches in guest/patches: building plain Linux"

# Configure: tinyconfig, then the fragment on top, then let Kconfig settle
# the dependencies.  Kconfig silently drops a value whose dependencies
# are not met, so each line of the fragment is checked afterwards.
say "configuring: tinyconfig + guest/config"
{
	kmake -s -C "$work/src" O="$obj" tinyconfig &&
	"$work/src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$config" &&
	kmake -s -C "$work/src" O="$obj" olddefconfig
} >"$work/config.log" 2>&1 || {
	cat "$work/config.log" >&2
	die "configuring failed"
}

bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		sym=${line%%=*}
		grep -qxF -- "$line" "$obj/.config" && continue
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		grep -q "^$sym=" "$obj/.config" || continue
		;;
	*) continue ;;
	esac
	say "config: asked for '$line', got '$(grep -E "^(# )?${sym}[= ]" "$obj/.config" || echo unset)'"
	bad=1
done <"$config"
[ $bad = 0 ] || { say "error: guest/config was not honoured (see above)"; exit $EX_CONFIG; }

# Build.  Two jobs at most and niced: this machine is shared.
start=$(date +%s)
say "building bzImage with ${MV_JOBS:-2} jobs (a cold build takes minutes)"
if ! nice -n 10 make ARCH=x86_64 -C "$work/src" O="$obj" -j"${MV_JOBS:-2}" bzImage >"$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log" >&2
	say "error: kernel build failed; full log: $work/build.log"
	exit $EX_BUILD
fi
secs=$(($(date +%s) - start))

# Publish: fill a temporary directory, then rename it into place, so a
# reader never sees half a result.
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
cp "$obj/arch/x86/boot/bzImage" "$obj/vmlinux" "$obj/System.map" "$out.tmp/"
cp "$obj/.config" "$out.tmp/config"
echo "$secs" >"$out.tmp/build-seconds"
rm -rf "$out"
mv "$out.tmp" "$out"
[ $keep = 1 ] || rm -rf "$work"
say "built in ${secs}s: $(stat -c %s "$out/bzImage") bytes"
echo "$out/bzImage"
