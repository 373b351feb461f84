#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest kernel's virtio-mmio devices on megavirt, with their
# interrupts (irqfds raising vector 0x30 + IRQ): two guests on one bridge
# ping each other through virtio-net, and four guests mount one read-only
# squashfs image through virtio-blk and read identical contents.  The
# same checks on the kvm engine are selftests/launcher/stock_net_blk.sh.
# A kernel placed next to this script as "bzImage" wins over
# $MV_GUEST_KERNEL (lib.sh).
. "$(dirname "$0")/lib.sh"
DISK=$HERE/../launcher/blk.sqfs
BR=mvgbr0

plan 5
[ -c /dev/megavirt ] && [ -f "$KERNEL" ] && [ -f "$INITRD" ] &&
	[ -f "$DISK" ] && in_testhost ||
	skip_all 5 "megavirt devices" "needs the test host, /dev/megavirt, $KERNEL and $DISK"

# guest i of node 0 is 10.0.0.(2 + i) (guest/initramfs/init); each waits
# up to a minute for the other to answer, pings it, then stays up a while
# for the other's pings: a fleet starts its guests one after the other,
# seconds apart under TCG (10 s on a loaded machine).
peer='10.0.0.$((3 - MV_INDEX))'
WAIT="n=0; until ping -c 1 -W 2 $peer > /dev/null || [ \$n -ge 30 ]; do n=\$((n + 1)); sleep 1; done"
NET="mv.run=\"$WAIT; ping -c 3 -w 60 $peer && echo net: ping $peer ok; sleep 30\""
modprobe tun
modprobe bridge
ip link add $BR type bridge && ip link set $BR up
run_timed 180 net --engine megavirt --count 2 --mem 64M --bridge $BR \
	--append "$NET" "$KERNEL" "$INITRD"
grep -E 'net:|rtt|packet' "$out" | sed 's/^/#   /'
check "two megavirt guests on a bridge ping each other" \
	sh -c "grep -q 'guest 0: net: ping 10.0.0.3 ok' '$out' &&
	       grep -q 'guest 1: net: ping 10.0.0.2 ok' '$out'"
check "both ended cleanly (status 0)" expect_rc 0
ip link del $BR

BLK='mv.run="mount -t squashfs -o ro /dev/vda /mnt && echo blk: $(md5sum /mnt/data)"'
run_timed 120 blk --engine megavirt --count 4 --mem 64M --disk "$DISK" \
	--append "$BLK" "$KERNEL" "$INITRD"
want=$(cat "$HERE/../launcher/blk.md5")
same=$(grep -c "guest [0-3]: blk: $want" "$out")
grep 'blk:' "$out" | sed 's/^/#   /'
[ "$same" = 4 ] || diag "$out" | tail -n 30
check "four megavirt guests read identical contents from one image" \
	[ "$same" = 4 ]
check "... and all ended cleanly (status 0)" expect_rc 0
check "no warning, oops or BUG from any of them" \
	sh -c "! grep -E 'WARNING:|BUG:|Oops|general protection|Kernel panic' \
		'$WORK/net.out' '$WORK/blk.out'"
finish
