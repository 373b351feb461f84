#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mvlaunch's megavirt engine, on the module the test host loaded: the
# launcher's test guest (tguest.c) given as an ELF test image, run in
# ring 1.  It ends every way a guest can end, drives the virtio devices
# through MMIO exits, an ioeventfd and an irqfd, and runs 8 at once.
. "$(dirname "$0")/lib.sh"

ELF=$HERE/tguest.elf
MEM="--mem 32M"

plan 23
[ -c /dev/megavirt ] || skip_all 23 "megavirt" "no /dev/megavirt"

run poweroff $MEM --engine megavirt --append mvt.test=poweroff "$ELF"
check "poweroff ends the guest with status 0" expect_rc 0
check "the hypercall console carries the marker" \
	has "$out" "megavirt-guest: ready"
check "the command line reaches the guest in boot_params" \
	has "$out" "mv.index=0 mv.count=1 mv.node=0"

run auto $MEM --append mvt.test=poweroff "$ELF"
check "--engine auto runs an ELF test image on megavirt" \
	sh -c "[ $rc = 0 ] && grep -q 'megavirt-guest: ready' '$out'"

run virtio $MEM --engine megavirt --append mvt.test=virtio "$ELF"
check "virtio console over MMIO exits and an ioeventfd" \
	has "$out" "virtio console: hello world"
check "virtio console: the marker, through the virtqueue" \
	sh -c "[ \$(grep -c 'megavirt-guest: ready' '$out') = 1 ]"
check "the device's irqfd reaches the guest as vector 0x30 + IRQ 5" \
	sh -c "grep -q 'console isr 1' '$out' &&
	       grep -q 'console interrupt vector 0x0000000000000035' '$out'"
check "virtio-rng kicked with MV_HC_NOTIFY (ioeventfd on a notify value)" \
	has "$out" "rng bytes 64 random"
check "virtio-balloon: a reported block comes back zeroed" \
	has "$out" "balloon: reported block reads zero: yes"

run panic $MEM --engine megavirt --append mvt.test=panic "$ELF"
check "a guest's crash report gives status 1" expect_rc 1
check "... with the guest's reason" \
	has "$out" "guest 0: panic: "
check "... the reason being the guest's own words" \
	has "$out" "tguest was told to panic"

run triple $MEM --engine megavirt --append mvt.test=triple "$ELF"
grep 'crashed:' "$out" | sed 's/^/# /'
check "a guest megavirt kills is a crash, status 1, with the reason" \
	sh -c "[ $rc = 1 ] &&
	       grep -q 'guest 0: crashed: killed by megavirt: .*trap 13' '$out'"

run reboot $MEM --engine megavirt --append mvt.test=reboot "$ELF"
check "a reboot ends the guest with status 0, reported" \
	sh -c "[ $rc = 0 ] && grep -q 'guest 0: rebooted' '$out'"

dd if=/dev/zero of="$WORK/disk.img" bs=512 count=8 2>/dev/null
printf 'megavirt-blk-test' | dd of="$WORK/disk.img" conv=notrunc 2>/dev/null
run blk $MEM --engine megavirt --disk "$WORK/disk.img" --append mvt.test=blk "$ELF"
check "virtio-blk on megavirt: read-only, sector 0 read, writes refused" \
	sh -c "grep -q 'blk features ro 1 sectors 8' '$out' &&
	       grep -q 'blk read status 0 data megavirt-blk-tes' '$out' &&
	       grep -q 'blk write status 1' '$out'"

mkdir "$WORK/logs"
run batch $MEM --engine megavirt --count 4 --batch 2 --paused \
	--log-dir "$WORK/logs" --append mvt.test=panic "$ELF"
if ! check "--batch --paused --log-dir on megavirt: logs, 4 panics, status 1" \
	sh -c "[ $rc = 1 ] && grep -q 'megavirt-guest: ready' '$WORK/logs/guest-3.log' &&
	       grep -q '4 panicked' '$out'"; then
	# failed once in many runs (pti): say which part
	echo "# status $rc; the launcher said:"
	diag "$out" | tail -n 12
	for g in 0 1 2 3; do
		echo "# guest-$g.log:"
		diag "$WORK/logs/guest-$g.log" | tail -n 4
	done
fi

# Terminal input: no UART in ring 1, so it goes to virtio-console.
(sleep 2; echo "typed at the terminal") |
	"$MVLAUNCH" $MEM --engine megavirt --append mvt.test=echo "$ELF" \
	> "$WORK/echo.out" 2>&1
check "standard input reaches the guest through virtio-console" \
	has "$WORK/echo.out" "echo: typed at the terminal"

# The console socket: no UART in ring 1 either, so virtio-console.
echo_fleet $MEM --engine megavirt "$ELF"
check "--console-socket on megavirt: each guest echoes what its socket typed" \
	sh -c "[ $rc = 0 ] &&
	       grep -q '^guest 1: echo: typed into guest 1' '$WORK/cons.out' &&
	       grep -q '^guest 0: echo: typed into guest 0' '$WORK/cons.out' &&
	       [ -z \"\$(ls '$WORK/cons')\" ]"

run bz $MEM --engine megavirt --append mvt.test=poweroff "$TGUEST"
check "a bzImage on megavirt: status 2 and why" \
	sh -c "[ $rc = 2 ] && grep -q 'boots ELF test images only' '$out'"

# 8 at once; kill one guest's process, the other 7 go on.
"$MVLAUNCH" $MEM --engine megavirt --count 8 --append mvt.test=hang "$ELF" \
	> "$WORK/fleet.out" 2>&1 < /dev/null &
pid=$!
# Guests come up in any order: wait for all eight markers, not guest 7's.
up=0
i=0
while [ $i -lt 600 ]; do
	up=$(grep -c '^guest [0-7]: megavirt-guest: ready' "$WORK/fleet.out")
	[ "$up" = 8 ] && break
	sleep 0.1
	i=$((i + 1))
done
caps=no
first=$(children $pid | head -n 1)
[ -n "$first" ] && caps_all_clear "$first" && caps=yes
kill_one $pid 1
kill -TERM $pid
wait $pid
rc=$?
out=$WORK/fleet.out
echo "# $up up, $alive alive after the kill, status $rc"
grep 'guests:' "$out" | sed 's/^/# /'
check "a guest process on megavirt holds no capabilities" [ $caps = yes ]
check "--count 8: all up; killing one leaves 7 running, then SIGTERM" \
	sh -c "[ $up = 8 ] && [ $alive = 7 ] && [ $rc = 143 ] &&
	       grep -q '1 crashed, 7 stopped' '$out'"

# No /dev/megavirt: only where hiding it hurts nobody.
if in_testhost; then
	mv /dev/megavirt /dev/megavirt.hidden
	run nodev $MEM --append mvt.test=poweroff "$ELF"
	mv /dev/megavirt.hidden /dev/megavirt
	check "no /dev/megavirt: status 4 and why, before anything starts" \
		sh -c "[ $rc = 4 ] && grep -q '/dev/megavirt does not exist' '$out'"
	# Another device in its place fails the ABI version check (the
	# message for a version other than ours is in launcher/tests).
	if mount --bind /dev/null /dev/megavirt 2>/dev/null; then
		run notmv $MEM --append mvt.test=poweroff "$ELF"
		umount /dev/megavirt
		check "a device that is not megavirt's: status 4, the ABI check says so" \
			sh -c "[ $rc = 4 ] && grep -q 'does not answer MV_GET_ABI_VERSION: not a megavirt device' '$out'"
	else
		skip "not-megavirt" "cannot bind-mount over /dev/megavirt"
	fi
else
	skip "no-dev-megavirt" "only in the test host"
	skip "not-megavirt" "only in the test host"
fi
finish
