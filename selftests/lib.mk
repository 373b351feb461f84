# SPDX-License-Identifier: GPL-2.0
#
# Included by each suite's Makefile.  Tests run in the test host, which has
# no C library, so every program is linked statically.  The kselftest
# harness comes from Debian's linux-source-6.1, unpacked once in the cache.
TOP      := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
SUITE    := $(notdir $(CURDIR))
OUT      := $(TOP)/selftests/out/$(SUITE)
KSFT_DIR ?= $(shell $(TOP)/scripts/linux-source.sh)/tools/testing/selftests
CC       ?= gcc
# The harness macros compare ints with fixed-width results; that is theirs.
CFLAGS   += -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Werror -static -pthread \
	    -I$(KSFT_DIR) -I$(TOP)/kernel/uapi -I$(TOP)/selftests/include

$(OUT)/%: %.c $(wildcard $(TOP)/selftests/include/*.h) $(TOP)/kernel/uapi/megavirt.h
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

# Tests written as busybox shell scripts are installed as they are.
$(OUT)/%.sh: %.sh
	@mkdir -p $(OUT)
	install -m 755 $< $@
