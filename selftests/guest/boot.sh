#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest kernel on megavirt: mvlaunch --engine megavirt with the
# bzImage and initramfs that `make guest` and `make initramfs` built, in
# the test host.  Each check is one step further into the boot, so the
# first failure says how far the port gets (Documentation/guest.rst).
# A kernel placed next to this script as "bzImage" wins over
# $MV_GUEST_KERNEL: that is how a work-in-progress kernel is tried.
. "$(dirname "$0")/lib.sh"
N=17

plan $N
if [ ! -c /dev/megavirt ] || [ ! -f "$KERNEL" ] || [ ! -f "$INITRD" ]; then
	i=0
	while [ $i -lt $N ]; do
		skip "guest boot" "no /dev/megavirt, guest kernel or initramfs"
		i=$((i + 1))
	done
	finish
fi

# The whole boot, with every printk on the console, ended by mv.run.
# mvlaunch names every other end ("guest 0: rebooted", "... crashed")
# but says nothing of a power-off; --stats gives its last line anyway.
out=$WORK/boot.out
start=$(date +%s)
timeout 60 "$MVLAUNCH" --engine megavirt --mem 64M --stats \
	--append 'loglevel=8 mv.run="echo guest-ran-this; uptime; cat /proc/cpuinfo" mv.exit=poweroff' \
	"$KERNEL" "$INITRD" > "$out" 2>&1 < /dev/null
rc=$?
echo "# mvlaunch exited with $rc after $(($(date +%s) - start)) s"
diag "$out" | tail -n 150

# clean FILE: no warning, oops or BUG from the guest kernel.
clean() {
	! grep -E "WARNING:|BUG:|Oops|general protection|Kernel panic" "$1"
}

check "the kernel's first printk lines reach the launcher's console" \
	has "$out" "Linux version 6.1"
check "it entered through the megavirt entry point, with the TSC rate" \
	grep -q "megavirt: ring-1 guest, TSC [1-9][0-9]* kHz" "$out"
check "the kernel found the megavirt platform" \
	has "$out" "Hypervisor detected: megavirt"
check "memory init, interrupts and the clock: the TSC clocksource runs" \
	has "$out" "clocksource: Switched to clocksource tsc"
check "virtio-console takes over from the boot console" \
	has "$out" "printk: console [hvc0] enabled"
check "the kernel runs init in user space" \
	has "$out" "megavirt-guest: ready index=0 node=0"
check "a command given on the command line runs in the guest" \
	sh -c "grep -q '^guest-ran-this' '$out' && grep -q ' up .*load average' '$out'"
check "poweroff ends the guest with status 0" \
	sh -c "[ $rc = 0 ] && grep -q 'guest 0: up after' '$out' &&
	       ! grep -q 'guest 0: rebooted' '$out'"
check "no warning, oops or BUG on the way" clean "$out"
check "--stats counts the guest's exits by cause (MV_GET_STATS)" \
	grep -Eq 'guest 0: up after .* [1-9][0-9]* exits: [1-9][0-9]* page faults, [1-9][0-9]* hypercalls, [0-9]+ interrupts' "$out"

# PCID, always: the hypervisor keeps a shadow per PCID in software, so
# the guest tags its processes' roots whatever the CPU has (patch 0007).
# RDTSCP exactly when the test host's CPU has it: the guest's own TSC_AUX
# is loaded for it (MV_HC_SET_TSC_AUX).
flags=$(grep '^flags' "$out" | head -n 1)
echo "# guest $flags"
check "the guest runs with PCIDs" sh -c "echo '$flags' | grep -qw pcid"
want=no got=no
grep -qw rdtscp /proc/cpuinfo && want=yes
echo "$flags" | grep -qw rdtscp && got=yes
echo "# rdtscp: test host $want, guest $got"
check "the guest offers rdtscp exactly when its CPU has it" [ $want = $got ]

# The busybox shell on hvc0: a line typed on the guest's console socket
# goes through virtio-console's receive queue and its interrupt, and the
# answer comes back out; "reboot -f" then ends the guest.  (The tty echoes
# "$((6 * 7))" as typed: only the shell's answer can say 42.)
C=$WORK/cons
L=$WORK/logs
mkdir "$C" "$L"
timeout 90 "$MVLAUNCH" --engine megavirt --mem 64M --log-dir "$L" \
	--console-socket "$C" "$KERNEL" "$INITRD" \
	> "$WORK/shell.out" 2>&1 < /dev/null &
pid=$!
wait_for "$L/guest-0.log" "megavirt-guest: ready" 60
"$MVCONSOLE" --send 'echo "answer $((6 * 7)) from $(hostname)"' \
	--expect "answer 42 from n0-g0" --timeout 30 "$C" 0 \
	> "$WORK/answer.out" 2>&1
arc=$?
check "a command typed into the shell on hvc0 is answered" \
	sh -c "[ $arc = 0 ] && grep -q 'answer 42 from n0-g0' '$L/guest-0.log'"
"$MVCONSOLE" --quiet --send "reboot -f" --timeout 10 "$C" 0
wait $pid
rc=$?
diag "$L/guest-0.log" | tail -n 20
diag "$WORK/shell.out"
check "reboot ends the guest with status 0" \
	sh -c "[ $rc = 0 ] && grep -q 'guest 0: rebooted' '$WORK/shell.out'"
check "no warning, oops or BUG in the shell's guest" clean "$L/guest-0.log"

# A reboot starts the guest again under --restart always: the same
# process boots a fresh megavirt guest.  Wait for the second run of the
# command, then stop it.  (Not --log-dir: each start truncates the log.)
timeout 120 "$MVLAUNCH" --engine megavirt --mem 64M --restart always \
	--append 'mv.run="echo run-$MV_NAME" mv.exit=reboot' \
	"$KERNEL" "$INITRD" > "$WORK/restart.out" 2>&1 < /dev/null &
pid=$!
runs=0
t=0
while [ $t -lt 900 ] && [ "$runs" -lt 2 ]; do
	runs=$(grep -c '^run-n0-g0' "$WORK/restart.out" 2>/dev/null)
	runs=${runs:-0}
	sleep 0.1
	t=$((t + 1))
done
kill -TERM $pid
wait $pid
rc=$?
grep restarts "$WORK/restart.out" | sed 's/^/#   /'
check "reboot with --restart always starts the guest again" \
	sh -c "[ $runs -ge 2 ] && grep -qE '; [1-9][0-9]* restarts' '$WORK/restart.out'"
check "... until SIGTERM stops it (status 143)" [ $rc = 143 ]
finish
