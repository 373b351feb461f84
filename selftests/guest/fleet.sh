#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A fleet of small megavirt guests in the test host (issue 5, item 4):
# mvlaunch --count 64 --mem 30M with the guest kernel and initramfs, each
# guest on a tap of one bridge.  Every guest must reach user space (its
# ready marker, with the address its init computed) and answer a ping
# from the host; then, idle at their shells, all of them together must
# cost the host under 2 % of one CPU; SIGTERM then stops the fleet.
#
# Printed for Documentation/guest.rst and, as BENCH lines, for the bench
# report: the time to each guest's ready marker and the launch rate,
# the CPU time the boots took (per guest: if it grows with the fleet,
# boots get dearer at scale, not just queued), the idle cost, and the
# resident memory per guest process while idle (RSS, and PSS, which
# divides the pages guests share).  The idle cost is the scheduler's
# exact count of the guests' CPU time, not clock ticks: a tick is 4 ms
# in the test host, an idle guest's wakeup well under 2.  MV_FLEET=N
# runs N guests instead (N <= 200), MV_FLEET_BATCH=B starts them B at a
# time (mvlaunch --batch), MV_IDLE_SECS sets the idle window (30 s),
# MV_FLEET_KSM=1 also measures the memory once KSM has merged what it
# can.
# A kernel placed next to this script as "bzImage" wins over
# $MV_GUEST_KERNEL (lib.sh).
. "$(dirname "$0")/lib.sh"
COUNT=${MV_FLEET:-64}
SECS=${MV_IDLE_SECS:-30}
BR=mvfbr0

K=/sys/kernel/mm/ksm
KSM=${MV_FLEET_KSM:-0}
[ -w $K/run ] || KSM=0
cases=$((5 + KSM))
plan $cases
[ -c /dev/megavirt ] && [ -f "$KERNEL" ] && [ -f "$INITRD" ] && in_testhost ||
	skip_all $cases "megavirt fleet" "needs the test host, /dev/megavirt, $KERNEL and $INITRD"

now_cs() { cut -d' ' -f1 /proc/uptime | tr -d .; }	# centiseconds
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
# CPU time in microseconds of every thread of the processes given, from
# the scheduler's own count (/proc/PID/task/TID/schedstat): exact, where
# the ticks above are samples, and an idle guest's wakeups are far
# shorter than a tick.
cpu_us() {
	for p in "$@"; do
		cat /proc/"$p"/task/*/schedstat 2>/dev/null
	done | awk '{ ns += $1 } END { printf "%d\n", ns / 1000 }'
}
# Frames the host put on the guests' taps, all of them together.
tap_frames() {
	for i in /sys/class/net/$BR/brif/*; do
		cat "/sys/class/net/${i##*/}/statistics/tx_packets"
	done 2>/dev/null | awk '{ n += $1 } END { print n + 0 }'
}
# The whole test host's busy and total ticks, all CPUs (/proc/stat).
host_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8; exit }' /proc/stat; }
# Hundredths as a decimal: 1234 -> 12.34
dec2() { echo "$(($1 / 100)).$(printf %02d $(($1 % 100)))"; }
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
ncpu=$(grep -c ^processor /proc/cpuinfo)

# The host is node 0's gateway, 10.0.0.1/20; guest g is 10.0.0.(2 + g).
modprobe tun
modprobe bridge
ip link add $BR type bridge && ip addr add 10.0.0.1/20 dev $BR &&
	ip link set $BR up

# One look a second at all the logs at once: a poll per guest would cost
# the booting fleet a fork every tenth of a second (wait_for).
L=$WORK/logs
mkdir "$L"
set -- $(host_ticks)
hb0=$1 ht0=$2
t0=$(now_cs)
"$MVLAUNCH" --engine megavirt --count "$COUNT" --mem 30M --bridge $BR \
	${MV_FLEET_BATCH:+--batch $MV_FLEET_BATCH} \
	--log-dir "$L" "$KERNEL" "$INITRD" > "$WORK/fleet.out" 2>&1 < /dev/null &
pid=$!
up=0 first=0
deadline=$((t0 + (120 + COUNT * 20) * 100))
while [ $up -lt "$COUNT" ] && [ "$(now_cs)" -lt $deadline ] &&
		kill -0 $pid 2>/dev/null; do
	sleep 1
	up=$(cat "$L"/guest-*.log 2>/dev/null | grep -c "megavirt-guest: ready index=")
	[ $first = 0 ] && [ "$up" -gt 0 ] && first=$(($(now_cs) - t0))
done
last=$(($(now_cs) - t0))
# A fleet's guests are its children; a single guest is mvlaunch itself.
guests=$(children $pid | tr '\n' ' ')
[ -n "$guests" ] || guests=$pid
boot_ticks=$(ticks $guests)
set -- $(host_ticks)
hb1=$1 ht1=$2
ready=0
g=0
while [ $g -lt "$COUNT" ]; do
	grep -qF "megavirt-guest: ready index=$g node=0 " "$L/guest-$g.log" 2>/dev/null &&
		ready=$((ready + 1))
	g=$((g + 1))
done
echo "# $ready of $COUNT guests up: the first after $(dec2 $first) s, the last after $(dec2 $last) s"
echo "# the boots took $(dec2 $((boot_ticks * 100 / hz))) s of CPU in the guests' processes," \
	"$(dec2 $((boot_ticks * 100 / hz / COUNT))) s each; the host was busy" \
	"$(((hb1 - hb0) * 100 / (ht1 - ht0 + 1))) % of its $ncpu CPUs meanwhile"
check "all $COUNT guests of --mem 30M reach user space" [ $ready = "$COUNT" ]
[ $ready = "$COUNT" ] || for g in 0 $((COUNT - 1)); do
	echo "# guest $g:"; diag "$L/guest-$g.log" 2>/dev/null | tail -n 8
done

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

# Idle: the guests' processes' CPU time (user and system, so the module's
# work in MV_RUN and the halts count too) over the window, and what the
# whole test host was busy meanwhile (this script only sleeps).
#
# Idle means settled.  For its first two minutes a Linux guest reseeds
# its random number generator at intervals of half its uptime (random.c,
# crng_reseed_interval()), and the hwrng thread feeds it as often; that
# is the tail of a boot.  So the window opens once the last guest to come
# up has been up MV_IDLE_SETTLE seconds (120).
settle=$(( ${MV_IDLE_SETTLE:-120} * 100 - ($(now_cs) - t0 - last) ))
[ $settle -gt 0 ] && sleep $((settle / 100))
u_a=$(cpu_us $guests)
f_a=$(tap_frames)
set -- $(host_ticks)
hb0=$1 ht0=$2
sleep "$SECS"
u_b=$(cpu_us $guests)
f_b=$(tap_frames)
set -- $(host_ticks)
hb1=$1 ht1=$2
# in hundredths of a percent of one CPU
fleet_cost=$(( (u_b - u_a) / (SECS * 100) ))
host_cost=$(( (hb1 - hb0) * 10000 * ncpu / (ht1 - ht0 + 1) ))
echo "# idle for $SECS s: the $COUNT guests ran $(( (u_b - u_a) / 1000 )) ms," \
	"$(dec2 $fleet_cost) % of one CPU together; the whole test host was busy" \
	"$(dec2 $host_cost) % of one CPU"
echo "# ... $((f_b - f_a)) frames went to the guests' taps meanwhile"
check "idle, all $COUNT guests together cost under 2 % of one CPU" \
	[ $fleet_cost -lt 200 ]

# Memory per guest process, idle: resident, and proportional (shared
# pages divided among their users, so PSS adds up to the real cost).
# memory_per_guest: the mean RSS and PSS of the guests' processes, in
# kB, into $rss and $pss, and how many were read into $k.
memory_per_guest() {
	rss=0 pss=0 k=0
	for p in $guests; do
		r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		s=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)
		[ -n "$r" ] && [ -n "$s" ] || continue
		rss=$((rss + r)) pss=$((pss + s)) k=$((k + 1))
	done
	[ $k -gt 0 ] && rss=$((rss / k)) pss=$((pss / k))
}
memory_per_guest
idle_rss=$rss idle_pss=$pss
echo "# idle, per guest process: $idle_rss kB resident, $idle_pss kB PSS ($k processes)"

# KSM, when asked (MV_FLEET_KSM=1): mvlaunch offers every guest's RAM
# to it, but nothing starts ksmd.  Scan fast, zero pages merged into
# the zero page, until two full scans are done (the first only fills
# the unstable tree); then the same figures again.
ksm_pss=
if [ "$KSM" = 1 ]; then
	echo 1 > $K/use_zero_pages
	echo 10000 > $K/pages_to_scan
	echo 20 > $K/sleep_millisecs
	want=$(($(cat $K/full_scans) + 2))
	k0=$(now_cs)
	echo 1 > $K/run
	while [ "$(cat $K/full_scans)" -lt $want ] &&
			[ $(($(now_cs) - k0)) -lt $((${MV_KSM_SECS:-600} * 100)) ]; do
		sleep 2
	done
	echo 0 > $K/run
	memory_per_guest
	ksm_pss=$pss
	echo "# KSM: $(cat $K/full_scans) full scans in $(dec2 $(($(now_cs) - k0))) s," \
		"$(cat $K/pages_sharing) pages sharing $(cat $K/pages_shared)," \
		"$(cat $K/ksm_zero_pages 2>/dev/null || echo '?') zero pages"
	echo "# after KSM, per guest process: $rss kB resident, $ksm_pss kB PSS"
	# The shadow tables hold no page references (kernel/mmu.c), so
	# KSM can merge what the guests have alike: a quarter at least.
	check "KSM merges the guests' pages: PSS from $idle_pss to $ksm_pss kB" \
		[ $((ksm_pss * 4)) -lt $((idle_pss * 3)) ]
fi

kill -TERM $pid
wait $pid
rc=$?
ip link del $BR
grep -E "guests:|time to up|resident" "$WORK/fleet.out" | sed 's/^/#   /'
avg_up=$(sed -n 's/.*time to up: min [0-9.]* s, avg \([0-9.]*\) s.*/\1/p' "$WORK/fleet.out")
[ -n "$avg_up" ] || avg_up=$(dec2 $last)	# one guest: no summary
summary="$COUNT came up; 0 powered off, 0 rebooted, 0 panicked, 0 crashed, $COUNT stopped"
[ "$COUNT" -gt 1 ] || summary=''	# one guest has no fleet summary
check "SIGTERM stops the fleet: all $COUNT stopped, none crashed" \
	sh -c "[ $rc = 143 ] && grep -q '$summary' '$WORK/fleet.out'"
check "no warning, oops or BUG in any guest's log" \
	sh -c "! cat '$L'/guest-*.log | grep -E 'WARNING:|BUG:|Oops|general protection|Kernel panic'"

# For the bench report (scripts/bench-report.sh).
if [ $ready = "$COUNT" ]; then
	echo "BENCH megavirt.guests $COUNT guests"
	echo "BENCH megavirt.boot_ms $(echo "${avg_up:-0} * 1000 / 1" | bc) ms"
	echo "BENCH megavirt.last_up_ms $((last * 10)) ms"
	echo "BENCH megavirt.launch_rate $(echo "scale=3; $COUNT * 100 / $last" | bc | sed "s/^\./0./") guests/s"
	echo "BENCH megavirt.boot_cpu_ms $((boot_ticks * 1000 / hz / COUNT)) ms"
	echo "BENCH megavirt.rss_kb $idle_rss kB"
	echo "BENCH megavirt.pss_kb $idle_pss kB"
	echo "BENCH megavirt.idle_cpu_pct $(dec2 $fleet_cost) %"
	[ -z "$ksm_pss" ] || echo "BENCH megavirt.ksm_pss_kb $ksm_pss kB"
fi
finish
