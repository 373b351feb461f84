#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Issue 4, item 3: two guests on one bridge ping each other through
# virtio-net (taps created by mvlaunch, gone afterwards), and four guests
# mount one read-only virtio-blk image and read identical contents.
#
# The guests run our own small kernel and initramfs when they are built
# (mounting a squashfs image, and with the addresses its init computes),
# else the test host's stock kernel with the test initramfs (an ext2
# image, fixed addresses).  A stock boot costs about 15 s of nested KVM
# per guest and stock_boot.sh already proves that kernel; this test is
# about the devices.
. "$(dirname "$0")/lib.sh"

BR=mvlbr0
plan 5
small_kernel
have_kvm && [ -f "$KERNEL" ] && in_testhost ||
	skip_all 5 "net and blk" "needs the test host, KVM and $KERNEL"

if [ "$KERNEL" = "${MV_GUEST_KERNEL:-}" ]; then
	# guest i of node 0 is 10.0.0.(2 + i); each pings the other,
	INITRD=$MV_GUEST_INITRD
	peer='10.0.0.$((3 - MV_INDEX))'
	# and then stays up a little, for the peer's last replies
	NET="mv.run=\"ping -c 3 -w 60 $peer && echo net: ping $peer ok; sleep 5\""
	DISK=$HERE/blk.sqfs
	BLK='mv.run="mount -t squashfs -o ro /dev/vda /mnt && echo blk: $(md5sum /mnt/data)"'
	want0='guest 0: net: ping 10.0.0.3 ok'
	want1='guest 1: net: ping 10.0.0.2 ok'
else
	INITRD=$STOCK_INITRD
	NET=mvt.stock=net
	DISK=$HERE/blk.img
	BLK=mvt.stock=blk
	want0='guest 0: net: ping 10.99.0.2 ok'
	want1='guest 1: net: ping 10.99.0.1 ok'
fi

modprobe tun
modprobe bridge
ip link add $BR type bridge && ip link set $BR up
run net --count 2 --mem $MEM --bridge $BR --append "$NET" "$KERNEL" "$INITRD"
grep -E 'net:|rtt|packet' "$out" | sed 's/^/#   /'
check "two guests on a bridge ping each other ($(basename "$KERNEL"))" \
	sh -c "grep -q '$want0' '$out' && grep -q '$want1' '$out'"
check "both ended cleanly (status 0)" expect_rc 0
check "the taps mvlaunch created are gone" \
	sh -c "! ls /sys/class/net | grep -q '^mvt'"
ip link del $BR

run blk --count 4 --mem $MEM --disk "$DISK" --append "$BLK" "$KERNEL" "$INITRD"
want=$(cat "$HERE/blk.md5")
same=$(grep -c "guest [0-3]: blk: $want" "$out")
grep 'blk:' "$out" | sed 's/^/#   /'
[ "$same" = 4 ] || diag "$out" | tail -n 30
check "four guests read identical contents from one image" [ "$same" = 4 ]
check "... and all ended cleanly (status 0)" expect_rc 0
finish
