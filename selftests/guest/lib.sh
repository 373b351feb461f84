#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What every guest test starts with: the launcher tests' helpers (TAP,
# run, wait_for, ...) and the guest to boot.  That is our guest kernel and
# initramfs as the test host carries them, or a kernel placed next to the
# scripts as "bzImage", which wins (for trying a kernel by hand).
. "$(dirname "$0")/../launcher/lib.sh"

KERNEL=${MV_GUEST_KERNEL:-/guest/bzImage}
[ -f "$HERE/bzImage" ] && KERNEL=$HERE/bzImage
INITRD=${MV_GUEST_INITRD:-/guest/initramfs.cpio.gz}
