#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What programs expect of a megavirt guest's kernel (issue 5, item 2):
# user_stress, from a squashfs disk, forks and execs, runs threads,
# signals itself, takes SIGSEGV on a read-only page (and fixes it) and
# after munmap; each fault goes through the hypervisor's shadow tables
# and back to the guest kernel.  Then a guest of --mem 64M writes a
# 200 MB file to a tmpfs that allows it: the guest must run out of
# memory as a kernel does (ENOSPC, ENOMEM or the OOM killer), not be
# killed by the hypervisor.
# A kernel placed next to this script as "bzImage" wins over
# $MV_GUEST_KERNEL (lib.sh).
. "$(dirname "$0")/lib.sh"
DISK=$HERE/guest-tests.sqfs
STEPS="fork threads signals mprotect munmap"

plan 8
[ -c /dev/megavirt ] && [ -f "$KERNEL" ] && [ -f "$INITRD" ] &&
	[ -f "$DISK" ] ||
	skip_all 8 "guest user space" "needs /dev/megavirt, $KERNEL, $INITRD and $DISK"

run_timed 240 user --engine megavirt --mem 64M --disk "$DISK" \
	--append 'mv.run="mount -t squashfs -o ro /dev/vda /mnt && /mnt/user_stress" mv.exit=poweroff' \
	"$KERNEL" "$INITRD"
grep '^user:' "$out" | sed 's/^/#   /'
for step in $STEPS; do
	check "$step" grep -q "^user: $step ok" "$out"
done
check "the guest powered off (status 0)" expect_rc 0

# 200 MB into a 64M guest.  "killed by megavirt" is the module's kill.
BIG='mkdir /big && mount -t tmpfs -o size=200M big /big && dd if=/dev/zero of=/big/f bs=1M count=200; echo big: dd status $?'
run_timed 240 big --engine megavirt --mem 64M --append "loglevel=4 mv.run=\"$BIG\" mv.exit=poweroff" \
	"$KERNEL" "$INITRD"
grep -E 'big:|Out of memory|No space|Cannot allocate|killed by|panic' "$out" |
	head -n 10 | sed 's/^/#   /'
check "a 200 MB tmpfs file in a 64M guest runs it out of memory" \
	grep -qE 'Out of memory|No space left|Cannot allocate memory' "$out"
check "... the guest's own failure, not a hypervisor kill" \
	sh -c "! grep -q 'killed by megavirt' '$out' && [ $rc != 124 ]"
finish
