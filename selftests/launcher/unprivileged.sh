#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Issue 4, least privilege: mvlaunch runs as a normal user (here uid
# 65534) who was given access to /dev/kvm and a tap made beforehand by
# root.  The guest boots and pings the host through that tap; the process
# runs as that user with no capability at all; and without access to
# /dev/kvm the same command fails before anything starts, saying why.
. "$(dirname "$0")/lib.sh"

USR=65534
TAP=mvu0
plan 5
small_kernel
have_kvm && [ -f "$KERNEL" ] && in_testhost ||
	skip_all 5 "unprivileged" "needs the test host, KVM and $KERNEL"
INITRD=${MV_GUEST_INITRD:-$STOCK_INITRD}
[ "$KERNEL" = "${MV_GUEST_KERNEL:-}" ] ||
	skip_all 5 "unprivileged" "needs our guest kernel (make guest)"

# What root does once per node: a tap owned by the user, an address on
# the host's side of it, and the user let into /dev/kvm.
modprobe tun
chmod 0666 /dev/net/tun		# as Debian's udev rules leave it
"$HERE/mktap" $TAP $USR
ip addr add 10.0.0.1/20 dev $TAP
ip link set $TAP up
kvm_mode=$(stat -c %a /dev/kvm)
chmod o+rw /dev/kvm
# its home, for mvlaunch's kernel cache; $WORK is root's alone
home=$(mktemp -d "${TMPDIR:-/tmp}/mvuser.XXXXXX")
chown $USR "$home"

as_user() {
	"$HERE/runas" $USR env HOME="$home" "$MVLAUNCH" "$@"
}

run_user='mv.run="ping -c 2 -w 60 10.0.0.1 && echo unprivileged: ping ok; sleep 2"'
# runas and env exec, so $! is mvlaunch itself
"$HERE/runas" $USR env HOME="$home" \
	"$MVLAUNCH" --engine kvm --mem $MEM --tap $TAP --append "$run_user" \
	"$KERNEL" "$INITRD" > "$WORK/user.out" 2>&1 < /dev/null &
pid=$!
wait_for "$WORK/user.out" "megavirt-guest: ready" 150
uid=$(awk '/^Uid:/ { print $2 }' /proc/$pid/status 2>/dev/null)
# No capability held or inheritable, and none to be gained (no new
# privileges).  The bounding set stays full: dropping it takes
# CAP_SETPCAP, which a normal user never had, and with no new privileges
# it can grant nothing.
caps=no
grep -E '^(Cap(Inh|Prm|Eff|Amb)|NoNewPrivs):' /proc/$pid/status > "$WORK/caps"
if ! grep '^Cap' "$WORK/caps" | grep -qv '0000000000000000$' &&
    grep -q '^NoNewPrivs:[[:space:]]*1' "$WORK/caps"; then
	caps=yes
else
	diag "$WORK/caps"
fi
wait $pid
rc=$?
out=$WORK/user.out
grep -E 'unprivileged:|packets|error' "$out" | sed 's/^/#   /'
check "a guest runs for uid $USR on a pre-made tap (status 0)" expect_rc 0
check "... and pings the host through it" has "$out" "unprivileged: ping ok"
check "the launcher ran as uid $USR ($uid) with no capability" \
	sh -c "[ '$uid' = $USR ] && [ $caps = yes ]"

chmod "$kvm_mode" /dev/kvm
as_user --engine kvm --mem $MEM --tap $TAP "$KERNEL" "$INITRD" \
	> "$WORK/denied.out" 2>&1 < /dev/null
rc=$?
out=$WORK/denied.out
sed 's/^/#   /' "$out"
check "without access to /dev/kvm: exit status 4" expect_rc 4
check "... with a message that names /dev/kvm" has "$out" "/dev/kvm"
"$HERE/mktap" -d $TAP
rm -rf "$home"
finish
