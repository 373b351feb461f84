#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mvlaunch's run path with the test guest (tguest.c): every way a guest
# ends and its exit status, the virtio devices driven by a polled driver
# (direct and indirect chains, event index, interrupts), a hostile driver,
# the identity on the command line, capabilities, SIGTERM, and fleets.
# The test guest boots in milliseconds, so this runs anywhere with KVM.
. "$(dirname "$0")/lib.sh"

plan 28
have_kvm || skip_all 28 "tguest" "no usable /dev/kvm"
MEM="--mem 32M"

run poweroff $MEM --append mvt.test=poweroff "$TGUEST"
check "poweroff ends the guest with status 0" expect_rc 0
check "the ready marker reaches stdout" has "$out" "megavirt-guest: ready"

run panic $MEM --append mvt.test=panic "$TGUEST"
check "a panic gives status 1" expect_rc 1
check "the panic is reported with its reason" \
	has "$out" "guest 0: panic: tguest was told to panic"

run reboot $MEM --append mvt.test=reboot "$TGUEST"
check "a reboot ends the guest with status 0, reported" \
	sh -c "[ $rc = 0 ] && grep -q 'guest 0: rebooted' '$out'"

# Real SVM and VMX report a shutdown; some nested KVMs fail emulation.
run triple $MEM --append mvt.test=triple "$TGUEST"
grep 'crashed:' "$out" | sed 's/^/# /'
check "a triple fault is a crash, status 1" \
	sh -c "[ $rc = 1 ] && grep -q 'guest 0: crashed: ' '$out'"

run virtio $MEM --append mvt.test=virtio "$TGUEST"
check "virtio console: direct and indirect chains, in order" \
	has "$out" "virtio console: hello world"
check "virtio console: event index asked for an interrupt" \
	has "$out" "console isr 1"
check "virtio-rng fills a buffer with random bytes" \
	has "$out" "rng bytes 64 random"
check "virtio-balloon: a reported free block goes back to the host" \
	has "$out" "balloon: reported block reads zero: yes"

run badring $MEM --append mvt.test=badring "$TGUEST"
check "a buffer outside RAM stops the device, not the launcher" \
	sh -c "[ $rc = 0 ] && grep -q 'needs reset: yes' '$out' &&
	       grep -q 'loop refused: yes' '$out' &&
	       grep -q 'console after reset: ok' '$out'"

dd if=/dev/zero of="$WORK/disk.img" bs=512 count=8 2>/dev/null
printf 'megavirt-blk-test' | dd of="$WORK/disk.img" conv=notrunc 2>/dev/null
run blk $MEM --disk "$WORK/disk.img" --append mvt.test=blk "$TGUEST"
check "virtio-blk: read-only, its size, sector 0 read back" \
	sh -c "grep -q 'blk features ro 1 sectors 8' '$out' &&
	       grep -q 'blk read status 0 data megavirt-blk-tes' '$out'"
check "virtio-blk: writes and reads past the end fail with IOERR" \
	sh -c "grep -q 'blk write status 1' '$out' &&
	       grep -q 'blk read past end status 1' '$out'"

run acpi $MEM --node 5 --first-index 9 --append mvt.test=acpi "$TGUEST"
check "ACPI tables: checksums, hardware-reduced, one device per slot" \
	has "$out" "acpi checksums bad 0 virtio devices 3 hw-reduced 1"
check "CPUID: the hypervisor bit and KVM's signature" \
	has "$out" "cpuid hypervisor 1 signature KVMKVMKVM"
check "identity and devices on the command line" \
	sh -c "grep -q 'mv.index=9 mv.count=1 mv.node=5' '$out' &&
	       grep -q 'virtio_mmio.device=4K@0xd0000000:5' '$out'"

# Terminal input reaches the console: here the UART's receiver.
(sleep 1; echo "typed at the terminal") |
	"$MVLAUNCH" $MEM --append mvt.test=echo "$TGUEST" > "$WORK/echo.out" 2>&1
check "standard input reaches the guest's serial console" \
	has "$WORK/echo.out" "echo: typed at the terminal"

# A guest that never ends: capabilities while it runs, then SIGTERM.
"$MVLAUNCH" $MEM --append mvt.test=hang "$TGUEST" > "$WORK/hang.out" 2>&1 &
pid=$!
if wait_for "$WORK/hang.out" "megavirt-guest: ready" 10; then
	check "no capabilities left once the guest runs" caps_all_clear $pid
else
	not_ok "no capabilities left once the guest runs"
fi
kill -TERM $pid
wait $pid
rc=$?
out=$WORK/hang.out
check "SIGTERM stops the guest: status 143, reported" \
	sh -c "[ $rc = 143 ] && grep -q 'stopped: by SIGTERM' '$out'"

# Fleets.
run fleet $MEM --count 4 --append mvt.test=poweroff "$TGUEST"
check "--count 4: four processes, prefixed lines, a summary" \
	sh -c "[ $rc = 0 ] && grep -q '^guest 3: megavirt-guest: ready' '$out' &&
	       grep -q '4 guests: 4 came up; 4 powered off' '$out'"

mkdir "$WORK/logs"
run batch $MEM --count 4 --batch 2 --paused --log-dir "$WORK/logs" \
	--append mvt.test=panic "$TGUEST"
check "--batch --paused --log-dir: per-guest logs, panics counted" \
	sh -c "[ $rc = 1 ] && grep -q 'megavirt-guest: ready' '$WORK/logs/guest-3.log' &&
	       grep -q '4 panicked' '$out'"

# --console-socket: each guest of a fleet reads a line typed on its own
# socket (through the UART's receiver) and echoes it.
echo_fleet $MEM "$TGUEST"
check "--console-socket: a line typed on each guest's socket reaches it" \
	sh -c "[ $rc = 0 ] &&
	       grep -q '^guest 1: echo: typed into guest 1' '$WORK/cons.out' &&
	       grep -q '^guest 0: echo: typed into guest 0' '$WORK/cons.out' &&
	       grep -q 'echo: typed into guest 1' '$WORK/cons1.out'"
check "... and each socket is gone with its guest" [ -z "$(ls "$WORK/cons")" ]

# --restart on-failure: a panicking guest comes back, once a second.
"$MVLAUNCH" $MEM --restart on-failure --append mvt.test=panic "$TGUEST" \
	> "$WORK/restart.out" 2>&1 &
pid=$!
sleep 3.5
kill -TERM $pid
wait $pid
rc=$?
grep -E 'restarts' "$WORK/restart.out" | sed 's/^/# /'
check "--restart on-failure restarts a panicking guest" \
	sh -c "[ $rc = 143 ] && grep -qE '; [2-9] restarts' '$WORK/restart.out'"

# --restart always: a guest that powers off comes back too; on-failure
# leaves it off, and the fleet ends by itself.
"$MVLAUNCH" $MEM --restart always --append mvt.test=poweroff "$TGUEST" \
	> "$WORK/always.out" 2>&1 &
pid=$!
sleep 3.5
kill -TERM $pid
wait $pid
rc=$?
grep -E 'restarts' "$WORK/always.out" | sed 's/^/# /'
check "--restart always restarts a guest that powered off" \
	sh -c "[ $rc = 143 ] && grep -qE '; [2-9] restarts' '$WORK/always.out'"
run onfail-poweroff $MEM --restart on-failure --append mvt.test=poweroff \
	"$TGUEST"
check "--restart on-failure leaves a powered-off guest off: status 0" \
	sh -c "[ $rc = 0 ] && grep -q '1 powered off.*; 0 restarts' '$out'"

# Kill one guest's process: the others go on, the fleet stops on SIGTERM.
# With --progress and no terminal, the progress line is a log line.
"$MVLAUNCH" $MEM --count 3 --progress --append mvt.test=hang "$TGUEST" \
	> "$WORK/kill.out" 2>&1 &
pid=$!
wait_for "$WORK/kill.out" "guest 2: megavirt-guest: ready" 10
sleep 0.5
kill_one $pid 1
kill -TERM $pid
wait $pid
rc=$?
out=$WORK/kill.out
check "a killed guest process leaves the other two running" \
	sh -c "[ $alive = 2 ] && [ $rc = 143 ] &&
	       grep -q '1 crashed, 2 stopped' '$out' &&
	       grep -q 'killed by SIGKILL' '$out'"
grep '^mvlaunch: [0-9]*/3 up' "$out" | sed 's/^/# /'
check "--progress: 3/3 up, then 2/3 up and 1 failed, then all ended" \
	sh -c "grep -q '^mvlaunch: 3/3 up, 0 failed, 0 ended$' '$out' &&
	       grep -q '^mvlaunch: 2/3 up, 1 failed, 0 ended$' '$out' &&
	       grep -q '^mvlaunch: 0/3 up, 1 failed, 2 ended (stopping)$' '$out'"
finish
