#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Shared by the launcher's test scripts: TAP output, where mvlaunch and
# the test guests are, KVM, and waiting for console lines.  Busybox sh.

MVLAUNCH=${MVLAUNCH:-mvlaunch}
MVCONSOLE=${MVCONSOLE:-mvconsole}
HERE=$(cd "$(dirname "$0")" && pwd)
TGUEST=$HERE/tguest.bzImage
STOCK_INITRD=$HERE/stock-initramfs.cpio.gz
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mvltest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
n=0
fails=0
skips=0

plan() {
	echo "TAP version 13"
	echo "1..$1"
}

ok() {
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n $1"
}

skip() {
	n=$((n + 1))
	skips=$((skips + 1))
	echo "ok $n $1 # SKIP $2"
}

# Show a file as TAP diagnostics.
diag() {
	sed 's/^/#   /' "$@"
}

# check DESCRIPTION COMMAND...: one test line from one command's status,
# and false when it failed, for a test that then shows why.
check() {
	desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
		return 1
	fi
}

# has FILE TEXT: the file holds the text (a fixed string).
has() {
	grep -qF -- "$2" "$1" || {
		echo "# expected \"$2\" in $(basename "$1"):"
		diag "$1" | tail -n 15
		return 1
	}
}

finish() {
	[ $fails = 0 ] || exit 1
	[ $n -gt 0 ] && [ $skips = $n ] && exit 4
	exit 0
}

# skip_all N DESCRIPTION REASON: the whole plan skipped, and done.
skip_all() {
	i=0
	while [ $i -lt "$1" ]; do
		skip "$2" "$3"
		i=$((i + 1))
	done
	finish
}

# The kernel for tests about mvlaunch rather than the kernel: our small
# guest kernel when it is built (a stock Debian boot costs ~13 s of
# nested KVM), else the stock one.  Sets KERNEL and MEM.
small_kernel() {
	KERNEL=${MV_HOST_KERNEL:-/boot/vmlinuz}
	MEM=256M
	if [ -f "${MV_GUEST_KERNEL:-}" ]; then
		KERNEL=$MV_GUEST_KERNEL
		MEM=64M
	fi
}

# kill_one FLEET-PID SECONDS: SIGKILL the fleet's first guest process,
# give the fleet SECONDS to reap it, and count the guest processes still
# alive into $alive.
kill_one() {
	victim=$(children "$1" | head -n 1)
	[ -n "$victim" ] && kill -KILL "$victim"
	sleep "$2"
	alive=0
	for c in $(children "$1"); do
		kill -0 "$c" 2>/dev/null && alive=$((alive + 1))
	done
}

# stop_within PID SECONDS: SIGTERM mvlaunch, SIGKILL it if it is still
# running SECONDS later (a launcher that hangs must fail its test, not
# hold the whole run until the runner's limit), and put its exit status
# in $rc.  An exited child stays a zombie until waited for, hence the
# state letter rather than kill -0.
stop_within() {
	kill -TERM "$1"
	i=0
	while [ $i -lt $(($2 * 10)) ] &&
	    ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null &&
	    [ -e "/proc/$1" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ $i -ge $(($2 * 10)) ]; then
		echo "# mvlaunch was still running $2 s after SIGTERM: SIGKILL"
		kill -KILL "$1"
	fi
	wait "$1"
	rc=$?
}

# The test host is where destructive checks (hiding /dev/kvm) are allowed.
in_testhost() {
	[ -f /lib/megavirt/testhost-runner.sh ]
}

# KVM: load the module if we may; true if /dev/kvm is there to use.
have_kvm() {
	if [ ! -c /dev/kvm ] && in_testhost; then
		modprobe kvm_amd 2>/dev/null || modprobe kvm_intel 2>/dev/null
	fi
	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]
}

# run NAME ARGS...: mvlaunch ARGS with stdout+stderr in $WORK/NAME.out
# and the exit status in $rc.
run() {
	name=$1
	shift
	"$MVLAUNCH" "$@" > "$WORK/$name.out" 2>&1 < /dev/null
	rc=$?
	out=$WORK/$name.out
}

# run_timed SECONDS NAME ARGS...: like run, but SIGTERM ends mvlaunch
# after SECONDS (it then reports where the vCPU was), and the output's
# last lines are shown as diagnostics: slow boots show how far they got.
run_timed() {
	secs=$1
	name=$2
	shift 2
	out=$WORK/$name.out
	MVLAUNCH_DEBUG=1 timeout -s TERM "$secs" "$MVLAUNCH" "$@" \
		> "$out" 2>&1 < /dev/null
	rc=$?
	tail -n 12 "$out" | sed 's/^/#   /'
}

# expect_rc WANT: compare $rc, showing the output when it differs.
expect_rc() {
	[ "$rc" = "$1" ] && return 0
	echo "# exit status $rc, expected $1:"
	diag "$out" | tail -n 25
	return 1
}

# wait_for FILE TEXT SECONDS: until the file holds the text.
wait_for() {
	i=0
	while [ $i -lt $(($3 * 10)) ]; do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "# timed out after $3 s waiting for \"$2\" in $(basename "$1")"
	diag "$1" | tail -n 15
	return 1
}

# The children of process $1, one per line.
children() {
	cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep .
}

# echo_fleet ARGS...: mvlaunch ARGS as two test guests (mvt.test=echo)
# with console sockets in $WORK/cons; a line is typed on each guest's
# socket with mvconsole (guest 1's first, its answer kept in
# $WORK/cons1.out) and each guest echoes it and powers off.  The fleet's
# output is in $out, its status in $rc.
echo_fleet() {
	mkdir "$WORK/cons"
	out=$WORK/cons.out
	"$MVLAUNCH" "$@" --count 2 --console-socket "$WORK/cons" \
		--append mvt.test=echo > "$out" 2>&1 < /dev/null &
	pid=$!
	for g in 1 0; do
		wait_for "$out" "guest $g: megavirt-guest: ready" 20
	done
	for g in 1 0; do
		"$MVCONSOLE" --send "typed into guest $g" \
			--expect "echo: typed into guest $g" --timeout 20 \
			"$WORK/cons" $g > "$WORK/cons$g.out" 2>&1
		echo "# mvconsole for guest $g: status $?"
	done
	wait $pid
	rc=$?
}

# Process $1 holds no capability in any set, and cannot gain one.
caps_all_clear() {
	grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/"$1"/status \
		> "$WORK/caps"
	if grep -E '^Cap' "$WORK/caps" | grep -qv '0000000000000000$' ||
	    ! grep -q '^NoNewPrivs:[[:space:]]*1' "$WORK/caps"; then
		diag "$WORK/caps"
		return 1
	fi
}
