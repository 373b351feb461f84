#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: one test-host boot runs every benchmark listed for the
# "bench" run in selftests/tests.list; scripts/bench-report.sh turns their
# BENCH lines into the report, as ratios against baselines measured in
# the same boot (the host's getpid(), QEMU microvm on KVM) and memory.
# The report lands in build/bench/report.txt.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$MV_ROOT"

scripts/deps.sh
make -s all && make -s guest && make -s initramfs || die "the build failed"
rm -rf build/bench
scripts/testhost.sh --run bench --out build/bench "$@"
rc=$?
scripts/bench-report.sh build/bench/tap.log | tee build/bench/report.txt
exit $rc
