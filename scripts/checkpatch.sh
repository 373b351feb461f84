#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel style for kernel/ and launcher/: checkpatch.pl from the linux
# source in the cache, strict, over every C and header file.  Types we
# ignore, each with its reason, are in .checkpatch.conf at the top.
set -euo pipefail
. "$(dirname "$0")/common.sh"

src=$("$MV_ROOT/scripts/linux-source.sh")
cd "$MV_ROOT"
files=$(git ls-files -co --exclude-standard 'kernel/*.[ch]' 'kernel/*.S' 'launcher/*.[ch]' |
	grep -v '\.mod\.c$' || true)
[ -n "$files" ] || exit 0
# checkpatch reads .checkpatch.conf from the current directory.
rc=0
# shellcheck disable=SC2086
out=$(perl "$src/scripts/checkpatch.pl" --no-tree --strict --quiet --terse \
	--show-types -f $files) || rc=$?
printf '%s\n' "$out" | grep -v '^total: 0 errors, 0 warnings, 0 checks' || true
exit $rc
