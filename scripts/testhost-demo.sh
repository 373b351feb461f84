#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, as the test host runs it (make demo): load megavirt.ko on
# Debian's stock kernel and show that it answers.  It grows into a booted
# fleet as the launcher and the guest port land.
set -e
echo "== loading megavirt.ko on $(uname -r) ($(nproc) CPUs, no VT-x/AMD-V used)"
insmod "$MV_MODULE" $MV_MODULE_PARAMS
dmesg | grep 'megavirt:' | grep -v taint | sed 's/^/   /'
echo "== the device"
ls -l /dev/megavirt | sed 's/^/   /'
echo "== mvinfo"
mvinfo | sed 's/^/   /'
if [ -x /usr/bin/mvlaunch ]; then
	echo "== mvlaunch"
	mvlaunch --help 2>&1 | head -n 3 | sed 's/^/   /'
fi
echo "== unloading"
rmmod megavirt
echo "   /dev/megavirt gone: $([ -e /dev/megavirt ] && echo no || echo yes)"
