#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Issue 4, item 3: two stock guests on one bridge ping each other through
# virtio-net (taps created by mvlaunch, gone afterwards), and four guests
# mount one read-only virtio-blk image and read identical contents.
. "$(dirname "$0")/lib.sh"

KERNEL=${MV_HOST_KERNEL:-/boot/vmlinuz}
BR=mvlbr0
plan 5
have_kvm && [ -f "$KERNEL" ] && in_testhost ||
	skip_all 5 "stock net and blk" "needs the test host, KVM and $KERNEL"

modprobe tun
modprobe bridge
ip link add $BR type bridge && ip link set $BR up
run net --count 2 --mem 256M --bridge $BR --append mvt.stock=net \
	"$KERNEL" "$STOCK_INITRD"
grep -E 'net:|rtt|packet' "$out" | sed 's/^/#   /'
check "two guests on a bridge ping each other" \
	sh -c "grep -q 'guest 0: net: ping 10.99.0.2 ok' '$out' &&
	       grep -q 'guest 1: net: ping 10.99.0.1 ok' '$out'"
check "both powered off (status 0)" expect_rc 0
check "the taps mvlaunch created are gone" \
	sh -c "! ls /sys/class/net | grep -q '^mvt'"
ip link del $BR

run blk --count 4 --mem 256M --disk "$HERE/blk.img" --append mvt.stock=blk \
	"$KERNEL" "$STOCK_INITRD"
want=$(cat "$HERE/blk.md5")
same=$(grep -c "guest [0-3]: blk: $want" "$out")
grep 'blk:' "$out" | sed 's/^/#   /'
[ "$same" = 4 ] || diag "$out" | tail -n 30
check "four guests read identical contents from one image" [ "$same" = 4 ]
check "... and all powered off" expect_rc 0
finish
