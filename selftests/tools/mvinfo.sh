#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mvinfo against a loaded and an unloaded module: what it prints must be
# what the module found, and its exit status must say which case it is.
n=0
t() {	# t <description> <command...>
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n $desc"; else echo "not ok $n $desc"; fi
}
echo "TAP version 13"
echo "1..6"

out=$(mvinfo)
t "mvinfo succeeds with the module loaded" [ $? = 0 ]
t "it reports ABI version 1" sh -c "echo '$out' | grep -q '^abi version: *1$'"
levels=5
grep -qw no5lvl /proc/cmdline && levels=4
t "it reports ${levels}-level paging" sh -c "echo '$out' | grep -q '^paging: *${levels}-level$'"
mvinfo --no-such-option 2> /dev/null
t "a bad option exits 2" [ $? = 2 ]

rmmod megavirt
mvinfo --quiet
t "without the module it exits 3" [ $? = 3 ]
insmod "$MV_MODULE" $MV_MODULE_PARAMS
mvinfo --quiet
t "after reloading it exits 0 again" [ $? = 0 ]
