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

step "tests on the build machine ($(elapsed))"
{
	scripts/harness-selftest.sh
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
} | tee build/host-tap.log
add $(awk '/^ok/ { p++ } /^not ok/ { f++ } END { print p + 0, f + 0, 0 }' build/host-tap.log)

for run in ${MV_RUNS:-host no5lvl pti kvm}; do
	if ! awk -v run="$run" '!/^[ \t]*#/ && NF >= 3 { n = split($1, r, ","); for (i = 1; i <= n; i++) if (r[i] == run) found = 1 } END { exit !found }' selftests/tests.list; then
		continue
	fi
	step "test host: $run ($(elapsed))"
	rm -rf "build/check/$run"
	scripts/testhost.sh --run "$run" --out "build/check/$run"
	if [ -f "build/check/$run/result" ]; then
		add $(cat "build/check/$run/result")
	else
		add 0 1 0
	fi
done
finish
