#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The initramfs the launcher tests boot the test host's own stock kernel
# with: busybox, initramfs-init.sh as /init, and the stock kernel's virtio
# (and ext4) modules with their dependencies, in load order, from the
# cached test host kernel.  Stock Debian builds all of these as modules,
# so hvc0, vda and eth0 exist only once /init has loaded them.
#
# usage: build-initramfs.sh MODULE-DIR OUTPUT
set -euo pipefail
moddir=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
[ -f "$moddir/modules.dep" ] || {
	echo "build-initramfs.sh: no stock modules in '$moddir'; run 'make deps'" >&2
	exit 1
}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,proc,sys,dev,tmp,mnt,lib/modules}
cp /bin/busybox "$root/bin/"
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
install -m 755 "$here/initramfs-init.sh" "$root/init"

# Depth-first over modules.dep: a module after everything it needs.
declare -A seen
order=()
add() {
	local path=$1 dep
	[ -n "${seen[$path]:-}" ] && return
	seen[$path]=1
	for dep in $(awk -v m="$path:" '$1 == m { $1 = ""; print }' \
		     "$moddir/modules.dep"); do
		add "$dep"
	done
	order+=("$path")
}
for m in drivers/virtio/virtio_mmio drivers/char/virtio_console \
	 drivers/char/hw_random/virtio-rng drivers/virtio/virtio_balloon \
	 drivers/block/virtio_blk \
	 drivers/net/virtio_net crypto/crc32c_generic fs/ext4/ext4; do
	add "kernel/$m.ko"
done
for path in "${order[@]}"; do
	cp "$moddir/$path" "$root/lib/modules/"
	basename "$path" .ko >> "$root/lib/modules/order"
done

"$top/scripts/mkcpio.sh" "$root" "$out.cpio"
gzip -9n < "$out.cpio" > "$out"
rm -f "$out.cpio"
