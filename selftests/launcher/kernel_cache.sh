#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The node's kernel cache (--kernel-cache): the first mvlaunch to boot
# a kernel decompresses it into a file of the cache, and a second fleet
# of the same kernel maps that very file into its guests instead of
# decompressing its own copy, so the two share its pages.  The guests
# need not boot for that: the kernel is mapped before their first
# instruction, so each fleet is stopped as soon as it is.
#
# The stock Debian kernel (xz, which mvlaunch decompresses itself).
. "$(dirname "$0")/lib.sh"

KERNEL=${MV_HOST_KERNEL:-/boot/vmlinuz}
plan 3
have_kvm && [ -f "$KERNEL" ] || skip_all 3 "kernel cache" "needs KVM and $KERNEL"
KC=$WORK/kc

# The inode of the cache file process $1 maps, once it maps one.
mapped_inode() {
	i=0
	while [ $i -lt 1800 ]; do
		ino=$(grep -m1 "$KC/vmlinux-" /proc/"$1"/maps 2>/dev/null |
		      awk '{ print $5 }')
		[ -n "$ino" ] && echo "$ino" && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

fleet() {
	"$MVLAUNCH" --mem 256M --kernel-cache "$KC" --append mvt.stock=hang \
		"$KERNEL" "$STOCK_INITRD" > "$WORK/$1.out" 2>&1 < /dev/null &
}

t0=$(cut -d' ' -f1 /proc/uptime)
fleet first
first=$!
ino1=$(mapped_inode $first)
t1=$(cut -d' ' -f1 /proc/uptime)
fleet second
second=$!
ino2=$(mapped_inode $second)
t2=$(cut -d' ' -f1 /proc/uptime)
echo "# kernel mapped after $(echo "$t1 - $t0" | bc) s (decompressed), then $(echo "$t2 - $t1" | bc) s (from the cache)"
ls -la "$KC" | sed 's/^/#   /'

check "the first fleet maps the kernel from a file of the cache" \
	sh -c "[ -n '$ino1' ] && [ \$(ls '$KC' | grep -c '^vmlinux-') = 1 ]"
check "a second fleet maps the same file (inode ${ino1:-none})" \
	sh -c "[ -n '$ino2' ] && [ '$ino1' = '$ino2' ]"
kill -TERM $first $second
wait $first
rc1=$?
wait $second
rc2=$?
check "both stop on SIGTERM (143), the cache file stays, read-only" \
	sh -c "[ $rc1 = 143 ] && [ $rc2 = 143 ] &&
	       [ -z \"\$(ls -A '$KC' | grep -v '^vmlinux-')\" ] &&
	       ls -l '$KC' | grep -q '^-r--r--r--'"
finish
