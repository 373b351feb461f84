#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: set up what is missing, build, and run the demo in the test
# host (see scripts/testhost-demo.sh for what it shows).
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$MV_ROOT"
scripts/deps.sh
make -s all
make -s guest
make -s initramfs
exec scripts/testhost.sh --run demo "$@"
