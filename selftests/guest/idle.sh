#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What an idle megavirt guest costs its host (issue 5, item 4: under 2 %
# of one CPU each).  A fleet of --mem 30M guests boots to its shells; once
# every ready marker is in, the CPU time (user and system, so the
# module's work in MV_RUN and the halt counts too) of the guests'
# mvlaunch processes is read twice, 20 s apart.  Idle means a tickless
# kernel asleep in MV_HC_HALT until its next timer.  MV_FLEET=N sets the
# number of guests (default 8).
# A kernel placed next to this script as "bzImage" wins over
# $MV_GUEST_KERNEL (lib.sh).
. "$(dirname "$0")/lib.sh"
COUNT=${MV_FLEET:-8}
SECS=20

plan 2
[ -c /dev/megavirt ] && [ -f "$KERNEL" ] && [ -f "$INITRD" ] ||
	skip_all 2 "idle guests" "needs /dev/megavirt, $KERNEL and $INITRD"

# Clock ticks of user and system time of the processes given.
ticks() {
	t=0
	for p in "$@"; do
		s=$(cut -d')' -f2 "/proc/$p/stat" 2>/dev/null) || continue
		set -- $s
		t=$((t + ${12} + ${13}))
	done
	echo $t
}

L=$WORK/logs
mkdir "$L"
"$MVLAUNCH" --engine megavirt --count "$COUNT" --mem 30M --log-dir "$L" \
	"$KERNEL" "$INITRD" > "$WORK/idle.out" 2>&1 < /dev/null &
pid=$!
up=0
g=0
while [ $g -lt "$COUNT" ]; do	# (wait_for has an i of its own)
	wait_for "$L/guest-$g.log" "megavirt-guest: ready" 600 && up=$((up + 1))
	g=$((g + 1))
done
check "$COUNT guests of --mem 30M reach their shells" [ $up = "$COUNT" ]

sleep 5		# the last boot's stragglers (initramfs freeing, hvc)
guests=$(children $pid | tr '\n' ' ')
echo "# $(echo $guests | wc -w) guest processes"
grep -h 'guests:\|time to up' "$WORK/idle.out" | sed 's/^/#   /'
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
t0=$(ticks $guests)
sleep $SECS
t1=$(ticks $guests)
kill -TERM $pid
wait $pid
# per guest, in hundredths of a percent of one CPU
cost=$(( (t1 - t0) * 10000 / (SECS * hz * COUNT) ))
echo "# idle: $((t1 - t0)) ticks at $hz Hz in $SECS s for $COUNT guests:" \
	"$((cost / 100)).$(printf %02d $((cost % 100))) % of one CPU each"
check "an idle guest costs under 2 % of one CPU" [ $cost -lt 200 ]
finish
