#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Issue 4, the console for many guests: with --console-socket each guest
# of a fleet has its own socket; mvconsole attached to one gets the
# guest's recent output, and a command typed there runs in that guest's
# shell (on ttyS0, through the UART's receiver and its interrupt) and its
# answer comes back.  A guest that ends takes its socket with it.
#
# Two guests of our small guest kernel when it is built (a stock Debian
# boot costs ~13 s of nested KVM), with the launcher tests' initramfs,
# whose /init runs what is typed on its console (mvt.stock=shell).
. "$(dirname "$0")/lib.sh"

small_kernel
plan 7
have_kvm && [ -f "$KERNEL" ] ||
	skip_all 7 "console socket" "needs KVM and $KERNEL"
C=$WORK/cons
L=$WORK/logs
mkdir "$C" "$L"

t0=$(cut -d' ' -f1 /proc/uptime)
"$MVLAUNCH" --count 2 --mem $MEM --log-dir "$L" --console-socket "$C" \
	--append mvt.stock=shell "$KERNEL" "$STOCK_INITRD" \
	> "$WORK/fleet.out" 2>&1 < /dev/null &
pid=$!
up=0
for g in 0 1; do
	wait_for "$L/guest-$g.log" "megavirt-guest: shell" 300 && up=$((up + 1))
done
t1=$(cut -d' ' -f1 /proc/uptime)
echo "# both shells up after $(echo "$t1 - $t0" | bc) s ($(basename "$KERNEL"))"
check "two guests, a console socket each" \
	sh -c "[ $up = 2 ] && [ -S '$C/guest-0.sock' ] && [ -S '$C/guest-1.sock' ]"

"$MVCONSOLE" --quiet --expect "megavirt-guest: shell" --timeout 10 "$C" 0
check "attaching replays the guest's recent output" [ $? = 0 ]

# The tty echoes the typed line with "$((6 * 7))" as typed: only the
# shell's answer can say 42.
t0=$(cut -d' ' -f1 /proc/uptime)
"$MVCONSOLE" --send 'echo "answer $((6 * 7)) from guest $index"' \
	--expect "answer 42 from guest 1" --timeout 60 "$C" 1 \
	> "$WORK/answer.out" 2>&1
rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
echo "# typed and answered in $(echo "$t1 - $t0" | bc) s"
check "a command typed into guest 1's console is answered" \
	sh -c "[ $rc = 0 ] && grep -q 'answer 42 from guest 1' '$WORK/answer.out'"
check "... by guest 1 only (its log has the answer, guest 0's not)" \
	sh -c "grep -q 'answer 42 from guest 1' '$L/guest-1.log' &&
	       ! grep -q 'answer 42' '$L/guest-0.log'"

# Typed "reboot -f": guest 1 ends, and its socket with it.  (Not
# poweroff: our small guest kernel has no ACPI, so it could only halt.)
"$MVCONSOLE" --quiet --send "reboot -f" --timeout 60 "$C" 1
i=0
while [ -S "$C/guest-1.sock" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "reboot typed on the socket ends guest 1; its socket is gone" \
	sh -c "[ ! -e '$C/guest-1.sock' ] && [ -S '$C/guest-0.sock' ]"

kill -TERM $pid
wait $pid
rc=$?
out=$WORK/fleet.out
grep '^mvlaunch:' "$out" | sed 's/^/#   /'
check "SIGTERM stops the fleet: 1 rebooted, 1 stopped, status 143" \
	sh -c "[ $rc = 143 ] && grep -q '2 came up; 0 powered off, 1 rebooted, 0 panicked, 0 crashed, 1 stopped' '$out'"
check "no socket is left behind" [ -z "$(ls "$C")" ]
finish
