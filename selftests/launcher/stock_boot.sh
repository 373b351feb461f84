#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Issue 4, item 1: the test host's own stock Debian kernel boots under
# mvlaunch on KVM to userspace, its virtio console, rng and the ready
# marker work, `poweroff` ends it with status 0, and a panic is reported
# as a panic with its reason.  Both ways of loading it: vmlinux
# decompressed by the launcher (the default) and the bzImage decompressing
# itself.  Nested KVM on TCG is slow: ~13 s a boot.
. "$(dirname "$0")/lib.sh"

KERNEL=${MV_HOST_KERNEL:-/boot/vmlinuz}
plan 9
have_kvm && [ -f "$KERNEL" ] || skip_all 9 "stock boot" "needs KVM and $KERNEL"
# The kernel cache: the first run decompresses the kernel (about 30 s
# under TCG), the panic run finds it there.
MEM="--mem 256M --kernel-cache $WORK/kc"

t0=$(cut -d' ' -f1 /proc/uptime)
run_timed 170 boot $MEM --stats --append mvt.stock=idle "$KERNEL" \
	"$STOCK_INITRD"
t1=$(cut -d' ' -f1 /proc/uptime)
echo "# stock kernel to poweroff: $(echo "$t1 - $t0" | bc) s"
check "poweroff ends the stock guest with status 0" expect_rc 0
check "it reached userspace (ready marker on ttyS0)" \
	has "$out" "megavirt-guest: ready"
check "virtio console: hvc0 carries userspace output" \
	has "$out" "hvc0: hello from guest 0"
check "virtio-rng is the guest's hardware RNG" \
	has "$out" "hwrng: virtio_rng.0 gives bytes"
check "free page reporting gave memory back to the host" \
	sh -c "grep -q 'MiB given back' '$out' && ! grep -q ' 0.0 MiB given back' '$out'"

# The bzImage's own decompressor, as on real hardware.
run_timed 170 selfdec $MEM --stats --decompress guest \
	--append mvt.stock=poweroff "$KERNEL" "$STOCK_INITRD"
check "--decompress guest: the bzImage decompresses itself, powers off" \
	expect_rc 0
check "... and reaches userspace" has "$out" "megavirt-guest: ready"

t0=$(cut -d' ' -f1 /proc/uptime)
run_timed 170 panic $MEM --append mvt.stock=panic "$KERNEL" "$STOCK_INITRD"
t1=$(cut -d' ' -f1 /proc/uptime)
echo "# stock kernel from the kernel cache to its panic: $(echo "$t1 - $t0" | bc) s"
check "a panic gives status 1" expect_rc 1
check "the panic is reported with the kernel's reason" \
	has "$out" "guest 0: panic: sysrq triggered crash"
finish
