#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, as the test host runs it (make demo): megavirt.ko loaded on
# Debian's stock kernel, then three small fleets.  The first runs the
# launcher's test guests in ring 1 on the module.  The second is the
# product's job: eight Linux guests (our guest kernel and initramfs) on
# the module, in ring 1 with no VT-x, on a bridge, each pinging the host
# and its neighbour.  The third boots the same bzImage on the kvm engine
# (nested KVM), four guests doing the same.  Each step says what it
# shows; a step that cannot run here says why and the demo goes on.
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

kernel=${MV_GUEST_KERNEL:-/guest/bzImage}
initrd=${MV_GUEST_INITRD:-/guest/initramfs.cpio.gz}

# fleet ENGINE COUNT MEM: guests on bridge mvdemo0, each pinging the host
# and its neighbour.  Node 0's network is 10.0.0.0/20 with the host at .1
# and guest i at .(2 + i), as the guest's init computes it (guest.rst).
fleet() {
	modprobe bridge
	modprobe tun
	ip link add mvdemo0 type bridge
	ip addr add 10.0.0.1/20 dev mvdemo0
	ip link set mvdemo0 up
	run='echo to the host: $(ping -c 2 -w 60 10.0.0.1 | grep packets);'
	run="$run n=\$(((MV_INDEX + 1) % MV_COUNT));"
	run="$run echo to guest \$n: \$(ping -c 2 -w 60 10.0.0.\$((2 + n)) | grep packets);"
	# stay up a little for the guest whose neighbour we are
	run="$run sleep 5"
	mvlaunch --engine "$1" --count "$2" --mem "$3" --bridge mvdemo0 \
		--stats --progress --append "mv.run=\"$run\"" \
		"$kernel" "$initrd" 2>&1 |
		grep -E 'ready|to the host|to guest|^mvlaunch:' |
		grep -v 'Command line' | indent
	ip link del mvdemo0
}

step "8 Linux guests on a bridge, on the megavirt engine (ring 1)"
if [ ! -f "$kernel" ] || [ ! -f "$initrd" ]; then
	echo "   (no guest kernel: run 'make guest initramfs' first)"
else
	fleet megavirt 8 30M
fi

step "the same bzImage: 4 Linux guests on the kvm engine"
if ! modprobe kvm_amd 2>/dev/null || [ ! -c /dev/kvm ]; then
	echo "   (no nested KVM in this test host: skipped)"
elif [ ! -f "$kernel" ] || [ ! -f "$initrd" ]; then
	echo "   (no guest kernel: run 'make guest initramfs' first)"
else
	fleet kvm 4 64M
fi

step "unloading"
rmmod megavirt
echo "   /dev/megavirt gone: $([ -e /dev/megavirt ] && echo no || echo yes)"
