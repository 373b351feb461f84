#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the guest kernel and initramfs under QEMU's software emulation and
# check what Documentation/guest.rst promises: the ready marker with the
# identity from the command line, the computed addresses, mv.run and its
# exit marker, a guest that really ends, both QEMU machine types, and the
# memory floor.  Needs no test host and no KVM.  Prints TAP.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

usage() {
	cat <<EOF
Usage: $(basename "$0") [--kernel BZIMAGE] [--initrd CPIO] [--floor MIB]

Boot the megavirt guest under QEMU (TCG) and check it; prints TAP.

  --kernel BZIMAGE  default: the output of guest/build-kernel.sh
  --initrd CPIO     default: the output of guest/build-initramfs.sh
  --floor MIB       the smallest memory that must boot (default 16)
  -h, --help        show this help

Exit codes: 0 all passed (or skipped: no QEMU), 1 a check failed, 2 usage.
EOF
}

kernel='' initrd='' floor=16
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:?}; shift ;;
	--initrd) initrd=${2:?}; shift ;;
	--floor) floor=${2:?}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "1..0 # SKIP qemu-system-x86_64 not installed"
	exit 0
fi
[ -n "$kernel" ] || kernel=$("$here/build-kernel.sh")
[ -n "$initrd" ] || initrd=$("$here/build-initramfs.sh")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One guest: machine, memory, command line; the console goes to a file.
# -no-reboot turns the guest's final reboot into QEMU's exit, so a guest
# that does not end is caught by the time limit.
boot() {
	local machine=$1 mem=$2 append=$3 out=$4
	shift 4
	timeout 120 qemu-system-x86_64 -M "$machine" -accel tcg -cpu max \
		-m "$mem" -nodefaults -no-user-config -nographic \
		-serial stdio -no-reboot "$@" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 quiet $append" </dev/null >"$out" 2>&1
}

n=0 failed=0
check() {
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		failed=$((failed + 1))
	fi
}
has() { grep -qF -- "$2" "$1"; }
dump() { sed 's/^/# /' "$1"; }

echo "1..12"

# microvm as mvlaunch sets guests up: identity and a virtio-net device.
# acpi=off makes QEMU list the virtio-mmio devices on the command line.
out=$tmp/microvm
boot microvm,acpi=off 30M \
	'mv.node=5 mv.index=3 mv.count=4 mv.run="ip addr show eth0; exit 7"' \
	"$out" -netdev user,id=n0 -device virtio-net-device,netdev=n0 &&
	ended=0 || ended=$?
check "microvm 30M: the guest ends by itself" [ "$ended" = 0 ]
check "microvm 30M: ready marker carries the identity" \
	has "$out" "megavirt-guest: ready index=3 node=5 count=4 name=n5-g3 ip=10.0.80.5"
check "microvm 30M: IPv4 address from the formula" \
	has "$out" "inet 10.0.80.5/20"
check "microvm 30M: IPv6 address from the formula" \
	has "$out" "inet6 fd6d:7600:0:5::5/64"
check "microvm 30M: mv.run's exit status is reported" \
	has "$out" "megavirt-guest: exit status=7 index=3 node=5"
[ $failed = 0 ] || dump "$out"

# The legacy PC: no virtio (the guest has no PCI), the same init.
out=$tmp/pc
boot pc 30M 'mv.index=1 mv.run=true' "$out" && ended=0 || ended=$?
check "pc 30M: boots to the ready marker and ends" \
	sh -c "[ $ended = 0 ] && grep -qF 'megavirt-guest: ready index=1 node=0' '$out'"

# Quoting: the value keeps its inner spaces and single quotes.
out=$tmp/quote
boot microvm,acpi=off 30M "mv.run=\"echo 'a  b'\"" "$out" || true
check "mv.run keeps a quoted value whole" has "$out" "a  b"

# A bad key is named and replaced, not fatal.
out=$tmp/bad
boot microvm,acpi=off 30M 'mv.index=x mv.exit=later mv.run=true' "$out" || true
check "a bad mv.index is reported" has "$out" "bad mv.index='x', using 0"
check "a bad mv.exit is reported" has "$out" "bad mv.exit='later', using reboot"
check "after bad keys the guest is guest 0" \
	has "$out" "megavirt-guest: ready index=0 node=0"

# The memory floor Documentation/guest.rst states, and one MiB below it
# to show the check can fail (the kernel panics unpacking the initramfs;
# reboot=t makes that panic end QEMU instead of restarting the firmware).
out=$tmp/floor
boot microvm,acpi=off "${floor}M" 'mv.run=true' "$out" || true
check "microvm ${floor}M: reaches the ready marker" \
	has "$out" "megavirt-guest: ready"
out=$tmp/below
boot microvm,acpi=off "$((floor - 1))M" 'mv.run=true panic=-1 reboot=t' "$out" || true
check "microvm $((floor - 1))M: does not (the floor is tight)" \
	sh -c "! grep -qF 'megavirt-guest: ready' '$out'"

echo "# $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
