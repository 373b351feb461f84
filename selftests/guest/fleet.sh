#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A fleet of small megavirt guests in the test host (issue 5, item 4):
# mvlaunch --count 64 --mem 30M with the guest kernel and initramfs, each
# guest on a tap of one bridge.  Every guest must reach user space (its
# ready marker, with the address its init computed) and answer a ping
# from the host; SIGTERM then stops the fleet.  The time to the last
# ready marker and the resident memory per guest are printed for
# Documentation/guest.rst.  MV_FLEET=N runs N guests instead (N <= 200).
# A kernel placed next to this script as "bzImage" wins over
# $MV_GUEST_KERNEL (lib.sh).
. "$(dirname "$0")/lib.sh"
COUNT=${MV_FLEET:-64}
BR=mvfbr0

plan 4
[ -c /dev/megavirt ] && [ -f "$KERNEL" ] && [ -f "$INITRD" ] && in_testhost ||
	skip_all 4 "megavirt fleet" "needs the test host, /dev/megavirt, $KERNEL and $INITRD"

# The host is node 0's gateway, 10.0.0.1/20; guest g is 10.0.0.(2 + g).
modprobe tun
modprobe bridge
ip link add $BR type bridge && ip addr add 10.0.0.1/20 dev $BR &&
	ip link set $BR up

L=$WORK/logs
mkdir "$L"
start=$(cut -d' ' -f1 /proc/uptime)
"$MVLAUNCH" --engine megavirt --count "$COUNT" --mem 30M --bridge $BR \
	--log-dir "$L" "$KERNEL" "$INITRD" > "$WORK/fleet.out" 2>&1 < /dev/null &
pid=$!
up=0
g=0
while [ $g -lt "$COUNT" ]; do	# (wait_for has an i of its own)
	wait_for "$L/guest-$g.log" "megavirt-guest: ready index=$g node=0" 840 &&
		up=$((up + 1))
	g=$((g + 1))
done
end=$(cut -d' ' -f1 /proc/uptime)
echo "# $up of $COUNT guests up after $(echo "$end - $start" | bc) s"
check "all $COUNT guests of --mem 30M reach user space" [ $up = "$COUNT" ]

answered=0
g=0
while [ $g -lt "$COUNT" ]; do
	ping -c 1 -W 10 "10.0.0.$((2 + g))" > /dev/null 2>&1 &&
		answered=$((answered + 1))
	g=$((g + 1))
done
echo "# $answered of $COUNT guests answered a ping"
check "... and all answer a ping from the host on the bridge" \
	[ $answered = "$COUNT" ]

kill -TERM $pid
wait $pid
rc=$?
ip link del $BR
grep -E "guests:|time to up|resident" "$WORK/fleet.out" | sed 's/^/#   /'
check "SIGTERM stops the fleet: all $COUNT stopped, none crashed" \
	sh -c "[ $rc = 143 ] && grep -q '$COUNT came up; 0 powered off, 0 rebooted, 0 panicked, 0 crashed, $COUNT stopped' '$WORK/fleet.out'"
check "no warning, oops or BUG in any guest's log" \
	sh -c "! cat '$L'/guest-*.log | grep -E 'WARNING:|BUG:|Oops|general protection|Kernel panic'"
finish
