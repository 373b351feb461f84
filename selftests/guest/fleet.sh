#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A fleet of small megavirt guests in the test host (issue 5, item 4):
# mvlaunch --count 64 --mem 30M with the guest kernel and initramfs.
# Every guest must reach user space (its ready marker), run a command
# and power off; mvlaunch's summary line says how many did.  The time to
# the last ready marker and the resident memory per guest are printed
# for Documentation/guest.rst.  MV_FLEET=N runs N guests instead.
# A kernel placed next to this script as "bzImage" wins over
# $MV_GUEST_KERNEL, as in boot.sh.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../launcher/lib.sh"

KERNEL=${MV_GUEST_KERNEL:-/guest/bzImage}
[ -f "$HERE/bzImage" ] && KERNEL=$HERE/bzImage
INITRD=${MV_GUEST_INITRD:-/guest/initramfs.cpio.gz}
COUNT=${MV_FLEET:-64}

plan 3
[ -c /dev/megavirt ] && [ -f "$KERNEL" ] && [ -f "$INITRD" ] ||
	skip_all 3 "megavirt fleet" "needs /dev/megavirt, $KERNEL and $INITRD"

L=$WORK/logs
mkdir "$L"
start=$(cut -d' ' -f1 /proc/uptime)
run_timed 840 fleet --engine megavirt --count "$COUNT" --mem 30M \
	--log-dir "$L" --append 'mv.run="echo fleet: $MV_NAME ran" mv.exit=poweroff' \
	"$KERNEL" "$INITRD"
end=$(cut -d' ' -f1 /proc/uptime)
echo "# $COUNT guests started and ended in $(echo "$end - $start" | bc) s"
grep -E "guests:|time to up|resident" "$out" | sed 's/^/#   /'
ran=$(cat "$L"/guest-*.log 2>/dev/null | grep -c '^fleet: n0-g[0-9]* ran')
echo "# $ran of $COUNT guests ran their command"

check "all $COUNT guests of --mem 30M reach user space" \
	grep -q "$COUNT guests: $COUNT came up" "$out"
check "... run their command and power off (status 0)" \
	sh -c "[ $ran = $COUNT ] && grep -q '$COUNT came up; $COUNT powered off' '$out' &&
	       [ $rc = 0 ]"
check "no warning, oops or BUG in any guest's log" \
	sh -c "! cat '$L'/guest-*.log | grep -E 'WARNING:|BUG:|Oops|general protection|Kernel panic'"
finish
