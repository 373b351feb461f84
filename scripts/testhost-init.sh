#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test host: Debian's stock kernel, booted by testhost.sh in
# QEMU.  The kernel's own log goes to ttyS0; everything we print goes to
# ttyS1, which testhost.sh streams to the terminal.  We load the module,
# run the listed selftests, unload the module, say we are done and power
# off.  Kernel warnings are judged outside, from the ttyS0 log.
export PATH=/usr/bin:/bin:/usr/sbin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm /tmp /run
mount -t devpts devpts /dev/pts
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
exec > /dev/ttyS1 2>&1 < /dev/null

mode=$(sed -n 's/.*megavirt.mode=\([a-z]*\).*/\1/p' /proc/cmdline)
export MV_MODULE=/lib/megavirt/megavirt.ko
export MV_HOST_KERNEL=/boot/vmlinuz
export MV_GUEST_KERNEL=/guest/bzImage
export MV_GUEST_INITRD=/guest/initramfs.cpio.gz
export HOME=/root TERM=dumb TMPDIR=/tmp

# TCG's CPU model has no invariant TSC; the module wants to be told.
grep -q ' constant_tsc' /proc/cpuinfo || export MV_MODULE_PARAMS=allow_inconstant_tsc=1

ip link set lo up
echo "# test host: $(uname -r), $(nproc) CPU(s), $(sed -n 's/MemTotal: *//p' /proc/meminfo)"
echo "# cmdline: $(cat /proc/cmdline)"

if [ "$mode" = demo ]; then
	/usr/bin/megavirt-demo
	echo "# megavirt-testhost: done"
	poweroff -f
fi

echo "TAP version 13"
n=0
check() {
	n=$((n + 1))
	if "$@" > "$TMPDIR/check.out" 2>&1; then
		echo "ok $n $*"
	else
		sed 's/^/# /' "$TMPDIR/check.out"
		echo "not ok $n $*"
	fi
}

check insmod "$MV_MODULE" $MV_MODULE_PARAMS
/lib/megavirt/testhost-runner.sh /selftests/tests.run /selftests $n
n=$((n + $(grep -c '^[0-9]' /selftests/tests.run)))

# Whatever the tests did, the module must leave cleanly once they are gone.
if [ -e /sys/module/megavirt ]; then
	check rmmod megavirt
fi
echo "1..$n"
echo "# megavirt-testhost: done"
poweroff -f
