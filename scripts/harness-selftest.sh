#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness tests itself, on the build machine, before it is trusted
# with the test host: a hanging test is killed at its limit with everything
# it started and reported as a failure, the count survives a crash, and a
# kernel warning in the log fails the run with the line shown.  Prints TAP.
set -uo pipefail
. "$(dirname "$0")/common.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
result() {	# result <0|1> <description>
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi
}

# Five fake tests: one passes, one hangs with a child, one fails late,
# one ends before its plan is complete, one ends leaving a child that
# holds its output open (a failed test whose guests were never reaped).
mkdir -p "$tmp/root/fake"
cat > "$tmp/root/fake/pass" <<'T'
#!/bin/sh
echo "1..2"; echo "ok 1 a"; echo "ok 2 b # SKIP not here"
T
cat > "$tmp/root/fake/hang" <<T
#!/bin/sh
echo "1..1"
sleep 1000 &
echo \$! > "$tmp/hang-child"
sleep 1000
T
cat > "$tmp/root/fake/late" <<'T'
#!/bin/sh
echo "1..2"; echo "ok 1 a"; exit 3
T
cat > "$tmp/root/fake/short" <<'T'
#!/bin/sh
echo "1..3"; echo "ok 1 a"; echo "ok 2 b"
T
cat > "$tmp/root/fake/orphan" <<T
#!/bin/sh
echo "1..1"; echo "not ok 1 a"
sleep 1000 &
echo \$! > "$tmp/orphan-child"
exit 1
T
chmod +x "$tmp"/root/fake/*
printf '10 fake/pass\n2 fake/hang\n10 fake/late\n10 fake/short\n10 fake/orphan\n' > "$tmp/list"

start=$(date +%s)
sh "$MV_ROOT/scripts/testhost-runner.sh" "$tmp/list" "$tmp/root" > "$tmp/tap"
took=$(($(date +%s) - start))

grep -q '^not ok 2 selftests: fake: hang # TIMEOUT 2s' "$tmp/tap"
result $? "a hanging test is reported as a timeout failure"
[ "$took" -lt 10 ]
result $? "the hang is killed at its limit (${took}s for a 2s limit)"
child=$(cat "$tmp/hang-child" 2>/dev/null)
sleep 0.2
# Gone, or a zombie waiting for init to reap it.
[ -n "$child" ] && { [ ! -e "/proc/$child" ] ||
	[ "$(awk '{ print $3 }' "/proc/$child/stat" 2>/dev/null)" = Z ]; }
result $? "what the hanging test started is killed with it"
grep -q '^ok 1 selftests: fake: pass' "$tmp/tap" &&
	grep -q '^not ok 3 selftests: fake: late # exit=3' "$tmp/tap"
result $? "the tests around the hang still run and report"
grep -q '^ok 4 selftests: fake: short' "$tmp/tap"
result $? "a test that stops short of its plan exits 0 ..."
grep -q '^not ok 5 selftests: fake: orphan # exit=1' "$tmp/tap"
result $? "a test that leaves a child holding its output still ends ..."
child=$(cat "$tmp/orphan-child" 2>/dev/null)
[ -n "$child" ] && { [ ! -e "/proc/$child" ] ||
	[ "$(awk '{ print $3 }' "/proc/$child/stat" 2>/dev/null)" = Z ]; }
result $? "... and the child is killed when the test ends"
[ "$(awk -f "$MV_ROOT/scripts/tap-count.awk" "$tmp/tap")" = "4 4 1" ]
result $? "... and the count still finds it: 4 passed, 4 failed, 1 skipped ($(awk -f "$MV_ROOT/scripts/tap-count.awk" "$tmp/tap"))"

# The kernel log check.
printf '[    1.0] megavirt: ready\n[    2.0] all fine\n' > "$tmp/good.log"
"$MV_ROOT/scripts/kmsg-check.sh" "$tmp/good.log" > /dev/null
result $? "a clean kernel log passes"
bad='[    3.1] WARNING: CPU: 1 PID: 77 at kernel/main.c:90 mv_init+0x12/0x30 [megavirt]'
printf '[    1.0] megavirt: ready\n%s\n' "$bad" > "$tmp/bad.log"
out=$("$MV_ROOT/scripts/kmsg-check.sh" "$tmp/bad.log")
rc=$?
[ $rc != 0 ] && printf '%s\n' "$out" | grep -qF "$bad"
result $? "a WARNING in the kernel log fails the run and shows the line"
for line in 'BUG: unable to handle page fault for address: ff00000000001000' \
	     'Oops: 0000 [#1] PREEMPT SMP NOPTI' \
	     'general protection fault, probably for non-canonical address' \
	     'watchdog: BUG: soft lockup - CPU#0 stuck for 22s!' \
	     'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:' \
	     'Kernel panic - not syncing: Fatal exception'; do
	echo "[    9.9] $line" > "$tmp/one.log"
	! "$MV_ROOT/scripts/kmsg-check.sh" "$tmp/one.log" > /dev/null
	result $? "the log check catches: ${line%%:*}"
done
echo "1..$n"
