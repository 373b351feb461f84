#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The test runner that runs inside the test host (busybox sh), and on the
# build machine for its own self-test.  It reads a list of test programs,
# one per line as "<timeout-seconds> <path relative to ROOT> [VAR=value...]"
# (the variables are put in that test's environment), runs each in
# a session of its own so that a hang can be killed with everything it
# started, and prints kselftest-style TAP: one "ok"/"not ok" line per
# program, with the program's own output nested under "# ".
#
# usage: testhost-runner.sh LIST ROOT [FIRST-NUMBER]
list=$1
root=$2
n=${3:-0}
work=${TMPDIR:-/tmp}/mvrun.$$
mkdir -p "$work"

run_one() {
	timeout=$1
	prog=$2
	name=$3
	vars=$4
	rm -f "$work/pid" "$work/rc" "$work/timedout"

	echo "# selftests: $name"
	start=$(date +%s)
	{
		cd "$(dirname "$root/$prog")" &&
		# shellcheck disable=SC2086 # $vars is words on purpose
		setsid sh -c 'echo $$ > "$1"; shift; exec "$@"' sh \
			"$work/pid" env $vars "$root/$prog" 2>&1 </dev/null
		echo $? > "$work/rc"
		# Whatever the test left running (a failed assertion skips
		# its clean-up) would hold the pipe open and hang us here,
		# and take memory from the tests after it: its session goes.
		kill -9 "-$(cat "$work/pid")" 2>/dev/null
	} | sed 's/^/# /' &
	pipe=$!

	# The watchdog: past the limit, kill the whole session of the test.
	(
		sleep "$timeout"
		[ -f "$work/rc" ] && exit 0
		touch "$work/timedout"
		pid=$(cat "$work/pid" 2>/dev/null)
		[ -n "$pid" ] && kill -9 "-$pid" 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
	) &
	dog=$!

	wait $pipe
	kill $dog 2>/dev/null
	wait $dog 2>/dev/null

	n=$((n + 1))
	rc=$(cat "$work/rc" 2>/dev/null)
	echo "# runner: $name took $(($(date +%s) - start)) s"
	if [ -f "$work/timedout" ]; then
		echo "not ok $n selftests: $name # TIMEOUT ${timeout}s"
	elif [ "$rc" = 0 ]; then
		echo "ok $n selftests: $name"
	elif [ "$rc" = 4 ]; then
		echo "ok $n selftests: $name # SKIP"
	else
		echo "not ok $n selftests: $name # exit=${rc:-none}"
	fi
}

while read -r timeout prog vars; do
	case "$timeout" in ''|'#'*) continue ;; esac
	name=$(echo "$prog" | sed 's|/|: |')${vars:+ ($vars)}
	run_one "$timeout" "$prog" "$name" "$vars"
done < "$list"
rm -rf "$work"
echo "# runner: $n programs run"
