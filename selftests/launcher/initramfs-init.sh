#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the launcher tests' stock-kernel initramfs.  Loads the virtio
# modules, says hello on hvc0 (the virtio console) and the ready marker
# on the console, does what "mvt.stock=" on the command line asks, then
# powers off.  The guest engineer's initramfs (guest/) is the real one;
# this one only has to exercise mvlaunch's devices on a stock kernel.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do
	insmod "/lib/modules/$m.ko"
done

arg() {
	sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p" /proc/cmdline
}
test=$(arg mvt.stock)
index=$(arg mv.index)

i=0
while [ ! -c /dev/hvc0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -c /dev/hvc0 ] && echo "hvc0: hello from guest $index" > /dev/hvc0
if [ "$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)" = \
     "virtio_rng.0" ] && [ "$(head -c 16 /dev/hwrng | wc -c)" = 16 ]; then
	echo "hwrng: virtio_rng.0 gives bytes"
fi
echo "megavirt-guest: ready"

case "$test" in
idle)
	# Long enough for free page reporting (2 s after frees) to run.
	sleep 8
	;;
panic)
	echo c > /proc/sysrq-trigger
	;;
hang)
	while :; do sleep 3600; done
	;;
shell)
	# console.sh types commands into the console; they run here, in
	# this shell, until one of them powers the guest off.
	echo "megavirt-guest: shell"
	while read -r line; do
		eval "$line"
	done
	;;
blk)
	if mount -t ext4 -o ro /dev/vda /mnt; then
		echo "blk: $(md5sum /mnt/data | cut -d' ' -f1)"
		umount /mnt
	else
		echo "blk: mount failed; $(ls /dev/vd* 2>&1)"
		dmesg | tail -n 5
	fi
	;;
net)
	# Guests 0 and 1 ping each other, whichever comes up first waiting.
	ip link set eth0 up
	ip addr add "10.99.0.$((index + 1))/24" dev eth0
	peer=10.99.0.$((2 - index))
	i=0
	while [ $i -lt 60 ] && ! ping -c 1 -W 2 $peer > /dev/null 2>&1; do
		i=$((i + 1))
	done
	if said=$(ping -c 3 -W 5 $peer 2>&1); then
		echo "net: ping $peer ok"
	fi
	echo "$said" | tail -n 2
	sleep 5
	;;
esac
poweroff -f
