#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A TCP transfer of 100 MiB between two megavirt guests on the node
# bridge (issue 5, item 3).  Guest 0 (10.0.0.2) listens, guest 1 sends it
# a known stream made in the guest (tcp_xfer.c, from the tests' squashfs
# disk); both compute a checksum of what went over the wire, the receiver
# sends its own back, and the test host computes the checksum the stream
# must have.  All three must agree and the byte count must be exact.  The
# receiver's throughput is printed (TCG makes it a lower bound by far).
# MV_TCP_MIB=N moves N MiB instead, for trying things quickly.
# A kernel placed next to this script as "bzImage" wins over
# $MV_GUEST_KERNEL (lib.sh).
. "$(dirname "$0")/lib.sh"
DISK=$HERE/guest-tests.sqfs
XFER=$HERE/disk/tcp_xfer
MIB=${MV_TCP_MIB:-100}
BR=mvtbr0
PORT=5001

plan 5
[ -c /dev/megavirt ] && [ -f "$KERNEL" ] && [ -f "$INITRD" ] &&
	[ -f "$DISK" ] && [ -x "$XFER" ] && in_testhost ||
	skip_all 5 "megavirt TCP" "needs the test host, /dev/megavirt, $KERNEL, $DISK and $XFER"

want=$("$XFER" sum "$MIB" | sed -n 's/.* sum \([0-9a-f]*\)$/\1/p')
bytes=$((MIB * 1048576))
echo "# the pattern's checksum, computed in the test host: $want"

# One fleet of two: the same command line for both, the role from the
# index init exports.  Each powers off when its half is done.
RUN="mount -t squashfs -o ro /dev/vda /mnt || exit 1; \
if [ \$MV_INDEX = 0 ]; then /mnt/tcp_xfer recv $PORT; \
else /mnt/tcp_xfer send 10.0.0.2 $PORT $MIB; fi"
modprobe tun
modprobe bridge
ip link add $BR type bridge && ip link set $BR up
t0=$(cut -d' ' -f1 /proc/uptime)
run_timed $((60 + MIB * 3)) tcp --engine megavirt --count 2 --mem 64M \
	--bridge $BR --disk "$DISK" --append "mv.run=\"$RUN\" mv.exit=poweroff" \
	"$KERNEL" "$INITRD"
t1=$(cut -d' ' -f1 /proc/uptime)
ip link del $BR
grep 'tcp:' "$out" | sed 's/^/#   /'
echo "# the whole run, two boots included: $(echo "$t1 - $t0" | bc) s"

rx=$(sed -n 's/^guest 0: tcp: received \([0-9]*\) bytes sum \([0-9a-f]*\) .*/\1 \2/p' "$out")
tx=$(sed -n 's/^guest 1: tcp: sent \([0-9]*\) bytes sum \([0-9a-f]*\) .*receiver.s sum \([0-9a-f]*\)$/\1 \2 \3/p' "$out")
echo "# receiver: ${rx:-nothing}; sender: ${tx:-nothing}"
check "the receiver got exactly $bytes bytes" [ "${rx% *}" = "$bytes" ]
check "... whose checksum is the pattern's ($want)" \
	[ -n "$want" -a "${rx#* }" = "$want" ]
check "the sender's checksum and the one it got back match it too" \
	[ -n "$want" -a "$tx" = "$bytes $want $want" ]
check "both guests powered off (status 0)" expect_rc 0
check "no warning, oops or BUG in either guest" \
	sh -c "! grep -E 'WARNING:|BUG:|Oops|general protection|Kernel panic' '$out'"
finish
