#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Every bad input of issue 4 gets its own message and exit status before
# anything starts (2 command line, 3 unusable file, 4 host cannot run it),
# and leaves no process, tap or file behind.
. "$(dirname "$0")/lib.sh"

plan 25
# bad NAME WANT-STATUS WANT-TEXT ARGS...: one refused command line.
bad() {
	name=$1
	want=$2
	text=$3
	shift 3
	run "$name" "$@"
	if [ "$rc" = "$want" ] && grep -qF -- "$text" "$out"; then
		ok "$name: status $want, \"$text\""
	else
		echo "# status $rc, expected $want and \"$text\":"
		diag "$out"
		not_ok "$name: status $want, \"$text\""
	fi
}

K=$TGUEST
in_testhost && modprobe tun 2>/dev/null
# The host checks below come after the engine's: KVM must be there.
have_kvm
i=0
while [ $i -lt 64 ]; do
	echo "just text, not a kernel: line $i" >> "$WORK/text"
	i=$((i + 1))
done
: > "$WORK/empty"
dd if=/dev/zero of="$WORK/arm64" bs=1024 count=64 2>/dev/null
printf 'ARM\144' | dd of="$WORK/arm64" bs=1 seek=56 conv=notrunc 2>/dev/null
cp "$K" "$WORK/k32"
printf '\000' | dd of="$WORK/k32" bs=1 seek=$((0x236)) conv=notrunc 2>/dev/null
head -c 3000 "$K" > "$WORK/short"
dd if=/dev/zero of="$WORK/big.cpio" bs=1M count=40 2>/dev/null
mkdir "$WORK/logs"

bad not-a-kernel 3 "not a bzImage" "$WORK/text"
bad elf-program 3 "ELF" /bin/busybox
bad arm64-image 3 "arm64 kernel Image" "$WORK/arm64"
bad 32-bit-kernel 3 "32-bit x86 kernel" "$WORK/k32"
bad truncated 3 "truncated" "$WORK/short"
bad empty-file 3 "empty file" "$WORK/empty"
bad missing-file 3 "No such file" "$WORK/nothing-here"
bad initramfs-too-big 2 "is larger than --mem 32 MiB" --mem 32M "$K" "$WORK/big.cpio"
bad mem-too-small 2 "use at least --mem 20M" --mem 16M "$K"
bad mem-too-large 2 "too large, at most 3072M" --mem 4G "$K"
bad mem-bad-suffix 2 "not a size" --mem 30X "$K"
bad count-zero 2 "--count 0: must be from 1" --count 0 "$K"
bad count-negative 2 "--count -2: must be from 1" --count -2 "$K"
bad count-too-many 4 "more than this host's" --count 65536 --mem 3G "$K"
if [ -c /dev/megavirt ]; then
	bad megavirt-bzimage 2 "boots ELF test images only" --engine megavirt "$K"
else
	bad no-megavirt 4 "/dev/megavirt does not exist" --engine megavirt "$K"
fi
bad missing-tap 4 "tap mvnosuch0 does not exist" --tap mvnosuch0 "$K"
bad missing-bridge 4 "no such bridge" --bridge mvnobr0 "$K"
bad missing-disk 3 "--disk" --disk "$WORK/nothing-here" "$K"
bad missing-log-dir 3 "--log-dir" --count 2 --log-dir "$WORK/nothing" "$K"
bad unknown-option 2 "unrecognized option" --frobnicate "$K"
bad missing-console-dir 3 "--console-socket $WORK/nothing: No such file" \
	--console-socket "$WORK/nothing" "$K"
long=$WORK/a-directory-name-long-enough-that-its-sockets-do-not-fit-sun-path-which-holds-108-bytes
mkdir "$long"
bad console-socket-too-long 3 "too long for a socket address" \
	--console-socket "$long" "$K"
# A socket a running guest serves is not taken over by a second fleet.
mkdir "$WORK/cons"
"$MVLAUNCH" --mem 32M --console-socket "$WORK/cons" --append mvt.test=hang \
	"$K" > "$WORK/hang.out" 2>&1 < /dev/null &
hang=$!
wait_for "$WORK/hang.out" "megavirt-guest: ready" 10
bad console-socket-in-use 3 "guest-0.sock is in use by a running mvlaunch" \
	--console-socket "$WORK/cons" "$K"
[ -S "$WORK/cons/guest-0.sock" ] || echo "# the running guest lost its socket"
kill -TERM $hang
wait $hang

# No /dev/kvm: only where hiding it hurts nobody.
if in_testhost && [ -c /dev/kvm ]; then
	mv /dev/kvm /dev/kvm.hidden
	bad no-dev-kvm 4 "/dev/kvm does not exist" "$K"
	mv /dev/kvm.hidden /dev/kvm
else
	skip "no-dev-kvm" "only in the test host"
fi

# Nothing was left behind: processes, taps, log files.
left=""
for p in /proc/[0-9]*; do
	[ "$(cat "$p/comm" 2>/dev/null)" = mvlaunch ] && left="$left ${p#/proc/}"
done
ls /sys/class/net | grep -q '^mv' && left="$left taps:$(ls /sys/class/net | grep '^mv')"
[ -z "$(ls "$WORK/logs")" ] || left="$left logs"
[ -z "$(ls "$WORK/cons")$(ls "$long")" ] || left="$left sockets"
check "no process, tap or file left behind${left:+ ($left)}" [ -z "$left" ]
finish
