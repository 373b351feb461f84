#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, as the test host runs it (make demo): megavirt.ko loaded on
# Debian's stock kernel, then two small fleets.  The first runs on the
# module itself: eight of the launcher's test guests in ring 1, no VT-x.
# The second is the real guest kernel and initramfs on the kvm engine
# (nested KVM is what the test host offers for a Linux guest until the
# megavirt guest port boots), four guests on a bridge, each pinging the
# host and its neighbour.  Each step says what it shows; a step that
# cannot run here says why and the demo goes on.
tguest=/selftests/launcher/tguest.elf

step() { echo; echo "== $*"; }
indent() { sed 's/^/   /'; }

step "loading megavirt.ko on $(uname -r) ($(nproc) CPU, no VT-x/AMD-V used)"
# shellcheck disable=SC2086 # the parameters are words
insmod "$MV_MODULE" $MV_MODULE_PARAMS || exit 1
dmesg | grep 'megavirt:' | grep -v taint | indent
ls -l /dev/megavirt | indent
mvinfo | indent

step "8 test guests at once on the megavirt engine (ring 1)"
if [ -f "$tguest" ]; then
	mvlaunch --engine megavirt --count 8 --mem 32M --no-progress \
		--append mvt.test=poweroff "$tguest" 2>&1 |
		grep -E 'ready|^mvlaunch:' | indent
else
	echo "   (no $tguest: run 'make' first)"
fi

step "4 Linux guests on a bridge, on the kvm engine"
kernel=${MV_GUEST_KERNEL:-/guest/bzImage}
initrd=${MV_GUEST_INITRD:-/guest/initramfs.cpio.gz}
if ! modprobe kvm_amd 2>/dev/null || [ ! -c /dev/kvm ]; then
	echo "   (no nested KVM in this test host: skipped)"
elif [ ! -f "$kernel" ] || [ ! -f "$initrd" ]; then
	echo "   (no guest kernel: run 'make guest initramfs' first)"
else
	modprobe bridge
	modprobe tun
	# Node 0's network is 10.0.0.0/20 with the host at .1 and guest i
	# at .(2 + i), as the guest's init computes it (guest.rst).
	ip link add mvdemo0 type bridge
	ip addr add 10.0.0.1/20 dev mvdemo0
	ip link set mvdemo0 up
	run='echo to the host: $(ping -c 2 -w 60 10.0.0.1 | grep packets);'
	run="$run n=\$(((MV_INDEX + 1) % MV_COUNT));"
	run="$run echo to guest \$n: \$(ping -c 2 -w 60 10.0.0.\$((2 + n)) | grep packets);"
	# stay up a little for the guest whose neighbour we are
	run="$run sleep 5"
	mvlaunch --engine kvm --count 4 --mem 64M --bridge mvdemo0 \
		--stats --progress --append "mv.run=\"$run\"" \
		"$kernel" "$initrd" 2>&1 |
		grep -E 'ready|to the host|to guest|^mvlaunch:' | indent
	ip link del mvdemo0
fi

step "unloading"
rmmod megavirt
echo "   /dev/megavirt gone: $([ -e /dev/megavirt ] && echo no || echo yes)"
