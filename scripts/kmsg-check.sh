#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test host's kernel log is part of every verdict: print every line
# that says the kernel went wrong, and fail if there is one.
#
# usage: kmsg-check.sh LOG
log=$1
bad='WARNING:|BUG:|Oops|general protection|watchdog: BUG|RCU stall|rcu_.*detected stall|Kernel panic|UBSAN:|KASAN:|kernel BUG at|refcount_t:|list_add corruption|list_del corruption'
if grep -a -E -n "$bad" "$log" > "$log.bad"; then
	echo "kernel log of the test host has $(wc -l < "$log.bad") bad line(s):"
	head -n 20 "$log.bad" | sed 's/^/    /'
	[ "$(wc -l < "$log.bad")" -le 20 ] || echo "    ... (all of them in $log.bad)"
	exit 1
fi
rm -f "$log.bad"
exit 0
