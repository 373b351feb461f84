#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Time in a megavirt guest (issue 5, item 1): over 30 s the guest's
# uptime (its TSC at the rate the shared page gives) advances as the
# host's clock does, within 1 %, in a guest of --mem 30M, the size a
# fleet's guests have.  The host's clock is read when each of the guest's
# two lines shows up in its console log, polled every 0.1 s (a poll of
# the test host under TCG takes longer: the margin is the 1 %, 0.3 s).
# A kernel placed next to this script as "bzImage" wins over
# $MV_GUEST_KERNEL (lib.sh).
. "$(dirname "$0")/lib.sh"

plan 3
[ -c /dev/megavirt ] && [ -f "$KERNEL" ] && [ -f "$INITRD" ] ||
	skip_all 3 "guest clock" "needs /dev/megavirt, $KERNEL and $INITRD"

# at_line PATTERN SECONDS: the host's uptime when a line of the guest's
# log starts with PATTERN (its kernel command line holds the same words
# further on), or nothing after SECONDS.
at_line() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		if grep -q "^$1" "$L/guest-0.log" 2>/dev/null; then
			cut -d' ' -f1 /proc/uptime
			return
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

L=$WORK/logs
mkdir "$L"
RUN='read u x < /proc/uptime; echo clock-a $u; sleep 30; read u x < /proc/uptime; echo clock-b $u'
timeout 120 "$MVLAUNCH" --engine megavirt --mem 30M --log-dir "$L" \
	--append "mv.run=\"$RUN\" mv.exit=poweroff" "$KERNEL" "$INITRD" \
	> "$WORK/clock.out" 2>&1 < /dev/null &
pid=$!
h1=$(at_line "clock-a " 90)
h2=$(at_line "clock-b " 60)
wait $pid
rc=$?
diag "$L/guest-0.log" | tail -n 8
diag "$WORK/clock.out"
g1=$(sed -n 's/^clock-a \([0-9.]*\).*/\1/p' "$L/guest-0.log")
g2=$(sed -n 's/^clock-b \([0-9.]*\).*/\1/p' "$L/guest-0.log")

check "a 30M guest boots and runs the command" \
	sh -c "[ -n '$g1' ] && [ -n '$g2' ] && [ -n '${h1:-}' ] && [ -n '${h2:-}' ]"
if [ -n "$g1" ] && [ -n "$g2" ] && [ -n "${h1:-}" ] && [ -n "${h2:-}" ]; then
	guest=$(echo "$g2 - $g1" | bc)
	host=$(echo "$h2 - $h1" | bc)
	echo "# over the guest's sleep 30: guest $guest s, host $host s"
	# within 1 %: |guest - host| * 100 <= host
	check "the guest's uptime keeps the host's rate within 1 %" \
		sh -c "[ \$(echo \"d = $guest - $host; if (d < 0) d = -d; d * 100 <= $host\" | bc) = 1 ]"
else
	not_ok "the guest's uptime keeps the host's rate within 1 %"
fi
check "the guest powered off (status 0)" [ "$rc" = 0 ]
finish
