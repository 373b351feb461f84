#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# FPU state across context switches in a megavirt guest (issue 5,
# item 2): fpu_stress, from a squashfs disk, runs four processes that
# each hold their own values in the sixteen vector registers while the
# others and the timer take the CPU from them, and checks every value
# afterwards.  User space sees the CPU's own CPUID, so on a CPU with AVX
# the guest kernel must switch the ymm registers' upper halves too.
# A kernel placed next to this script as "bzImage" wins over
# $MV_GUEST_KERNEL (lib.sh).
. "$(dirname "$0")/lib.sh"
DISK=$HERE/guest-tests.sqfs

plan 3
[ -c /dev/megavirt ] && [ -f "$KERNEL" ] && [ -f "$INITRD" ] &&
	[ -f "$DISK" ] ||
	skip_all 3 "guest FPU" "needs /dev/megavirt, $KERNEL, $INITRD and $DISK"

run_timed 240 fpu --engine megavirt --mem 64M --disk "$DISK" \
	--append 'mv.run="mount -t squashfs -o ro /dev/vda /mnt && /mnt/fpu_stress 4 300" mv.exit=poweroff' \
	"$KERNEL" "$INITRD"
grep '^fpu:' "$out" | sed 's/^/#   /'

mode=sse
grep -qw avx /proc/cpuinfo && mode=avx
check "four processes keep their $mode registers across 1200 switches" \
	grep -q "^fpu: $mode .*: all kept" "$out"
check "the guest powered off (status 0)" expect_rc 0
check "no warning, oops or BUG in the guest" \
	sh -c "! grep -E 'WARNING:|BUG:|Oops|general protection|Kernel panic' '$out'"
finish
