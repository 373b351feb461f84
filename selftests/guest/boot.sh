#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest kernel on megavirt: mvlaunch --engine megavirt with the
# bzImage and initramfs that `make guest` and `make initramfs` built, in
# the test host.  Each check is one step further into the boot, so the
# first failure says how far the port gets (Documentation/guest.rst).
# A kernel placed next to this script as "bzImage" wins over
# $MV_GUEST_KERNEL: that is how a work-in-progress kernel is tried.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../launcher/lib.sh"

# later DESCRIPTION COMMAND...: a step the port does not reach yet
# (Documentation/guest.rst says where the boot stops).  It passes when it
# works and is a TAP skip until then, so that it fails nobody's run.
later() {
	desc=$1
	shift
	if "$@" > /dev/null 2>&1; then
		ok "$desc"
	else
		skip "$desc" "not reached yet: the boot stops in init_mem_mapping"
	fi
}

KERNEL=${MV_GUEST_KERNEL:-/guest/bzImage}
[ -f "$HERE/bzImage" ] && KERNEL=$HERE/bzImage
INITRD=${MV_GUEST_INITRD:-/guest/initramfs.cpio.gz}
N=6

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
out=$WORK/boot.out
start=$(date +%s)
timeout 60 "$MVLAUNCH" --engine megavirt --mem 64M \
	--append 'loglevel=8 mv.run="echo guest-ran-this; uptime" mv.exit=poweroff' \
	"$KERNEL" "$INITRD" > "$out" 2>&1 < /dev/null
rc=$?
echo "# mvlaunch exited with $rc after $(($(date +%s) - start)) s"
diag "$out" | tail -n 40

check "the kernel's first printk lines reach the launcher's console" \
	has "$out" "Linux version 6.1"
check "it entered through the megavirt entry point, with the TSC rate" \
	grep -q "megavirt: ring-1 guest, TSC [1-9][0-9]* kHz" "$out"
check "the kernel found the megavirt platform" \
	has "$out" "Hypervisor detected: megavirt"
later "the kernel runs init in user space" \
	has "$out" "megavirt-guest: ready"
later "a command given on the command line runs in the guest" \
	grep -q "^guest-ran-this" "$out"
later "poweroff ends the guest with status 0" \
	sh -c "[ $rc = 0 ] && grep -q 'powered off' '$out'"
finish
