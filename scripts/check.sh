#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: install what is missing, build everything, test the harness
# on this machine, then boot the test host once per configuration and run
# the selftests listed for it.  Ends with one line, "N passed, M failed"
# (", K skipped" when any), and exits non-zero on any failure, including a
# bad line in any test host's kernel log.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$MV_ROOT"

step() { printf '\n== %s\n' "$*"; }
t0=$(date +%s)
passed=0 failed=0 skipped=0
add() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + $3)); }
elapsed() { echo "$(($(date +%s) - t0))s"; }

finish() {
	step "summary ($(elapsed))"
	if [ "$skipped" -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	[ "$failed" = 0 ]
	exit $?
}

step "dependencies"
scripts/deps.sh || { echo "not ok - make deps failed"; add 0 1 0; finish; }

step "build ($(elapsed))"
if ! make -s all; then
	echo "not ok - the build failed"
	add 0 1 0
	finish
fi

step "guest kernel and initramfs ($(elapsed))"
make -s guest || { echo "not ok - make guest failed"; add 0 1 0; }
make -s initramfs || { echo "not ok - make initramfs failed"; add 0 1 0; }

# What is left is a handful of independent jobs: the build machine's own
# tests and one test-host boot per configuration.  A test host under TCG
# keeps about one core busy on average (most tests are single threaded,
# many wait on timers), so two workers take jobs from one queue, longest
# first (Documentation/build-and-test.rst has the measurements and why
# not three).  Each job
# writes its own log; a line tells when each ends, and the logs are shown
# whole, in queue order, once all are done, so that what CI prints reads
# in order.  MV_JOBS=1 runs them one at a time.
has_tests() {
	awk -v run="$1" '!/^[ \t]*#/ && NF >= 3 { n = split($1, r, ","); for (i = 1; i <= n; i++) if (r[i] == run) found = 1 } END { exit !found }' selftests/tests.list
}

build_machine_tests() {
	scripts/harness-selftest.sh
	# the launcher's unit tests need neither KVM nor the module
	if ! make -s -C launcher check; then
		echo "not ok - the launcher's unit tests (make -C launcher check)"
	fi
	if [ -e build/guest/bzImage ] && [ -e build/guest/initramfs.cpio.gz ]; then
		guest/test-boot.sh --kernel build/guest/bzImage \
			--initrd build/guest/initramfs.cpio.gz
	fi
	if out=$(scripts/checkpatch.sh 2>&1); then
		echo "ok - checkpatch --strict is clean for kernel/ and launcher/"
	else
		printf '%s\n' "$out" | sed 's/^/# /'
		echo "not ok - checkpatch --strict found problems in kernel/ or launcher/"
	fi
}

# One job: its log in build/check/<job>.log, its "passed failed skipped"
# in build/check/<job>.result.
run_job() {
	local job=$1 log=build/check/$1.log

	if [ "$job" = build-machine ]; then
		build_machine_tests > "$log" 2>&1
		awk '/^ok/ { p++ } /^not ok/ { f++ } END { print p + 0, f + 0, 0 }' \
			"$log" > "build/check/$job.result"
		cp "$log" build/host-tap.log
		return
	fi
	rm -rf "build/check/$job"
	scripts/testhost.sh --run "$job" --out "build/check/$job" > "$log" 2>&1
	if [ -f "build/check/$job/result" ]; then
		cp "build/check/$job/result" "build/check/$job.result"
	else
		echo "not ok - the $job run left no result" >> "$log"
		echo "0 1 0" > "build/check/$job.result"
	fi
}

# Take the next job off the queue; false when it is empty.
next_job() {
	local job

	exec 8< build/check/queue.lock
	flock 8
	job=$(head -n 1 build/check/queue)
	sed -i 1d build/check/queue
	exec 8<&-
	[ -n "$job" ] && echo "$job"
}

worker() {
	local job

	while job=$(next_job); do
		echo "   $job: started ($(elapsed))"
		run_job "$job"
		echo "   $job: $(awk '{ print $1 " passed, " $2 " failed" }' \
			"build/check/$job.result") ($(elapsed))"
	done
}

# Longest first: the core's full counts, the Linux guests, nested KVM,
# then the other paging runs.  The fleet of 64 runs after them all,
# alone: its idle cost is a figure of a quiet machine (under another test
# host's load TCG's time inflated the same fleet's 0.69 % of one CPU to
# 1.82 %), and it needs both CPUs to boot the 64 anyway.
jobs="" solo=""
for run in ${MV_RUNS:-host guest kvm pti no5lvl fleet}; do
	has_tests "$run" || continue
	case "$run" in
	fleet) solo="$solo $run" ;;
	*) jobs="$jobs $run" ;;
	esac
done
jobs="$jobs build-machine"

rm -rf build/check
mkdir -p build/check
printf '%s\n' $jobs > build/check/queue
: > build/check/queue.lock
step "tests: $(echo $jobs) (${MV_JOBS:-2} at a time)${solo:+, then$solo alone} ($(elapsed))"
pids=""
for _ in $(seq "${MV_JOBS:-2}"); do
	worker &
	pids="$pids $!"
done
trap 'kill $pids 2>/dev/null' EXIT
wait
trap - EXIT
for job in $solo; do
	echo "   $job: started, alone ($(elapsed))"
	run_job "$job"
	echo "   $job: $(awk '{ print $1 " passed, " $2 " failed" }' \
		"build/check/$job.result") ($(elapsed))"
done

for job in $jobs $solo; do
	step "$job"
	cat "build/check/$job.log"
	add $(cat "build/check/$job.result")
done
finish
