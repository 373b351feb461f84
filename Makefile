# SPDX-License-Identifier: GPL-2.0
#
# megavirt's one entry point.  `make` builds the module, the launcher, the
# tools and the selftests; `make check` installs what is missing, builds
# everything, boots the test host and runs the suite; `make demo` boots a
# small fleet.  Documentation/build-and-test.rst tells the whole story.

# The kernel to build the module for: KDIR if given, else the running
# kernel's build directory, else Debian's linux-headers-amd64 (our machines
# run a kernel without module support, so the last is the usual case).
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))

RUN  ?= host
ONLY ?=

all: module launcher tools selftests

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run 'make deps'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 KCFLAGS=-Werror modules

launcher tools:
	@if [ -f $@/Makefile ]; then $(MAKE) -C $@; fi

selftests: module
	$(MAKE) -C selftests

deps:
	scripts/deps.sh

guest:
	@mkdir -p build/guest
	@if [ -x guest/build-kernel.sh ]; then \
		k=$$(guest/build-kernel.sh) && ln -sf "$$k" build/guest/bzImage; \
	else echo "guest/build-kernel.sh is not there yet: no guest kernel"; fi

initramfs:
	@mkdir -p build/guest
	@if [ -x guest/build-initramfs.sh ]; then \
		i=$$(guest/build-initramfs.sh) && ln -sf "$$i" build/guest/initramfs.cpio.gz; \
	else echo "guest/build-initramfs.sh is not there yet: no guest initramfs"; fi

# One test-host run, for iterating: make testhost RUN=pti ONLY=abi
testhost: all
	scripts/testhost.sh --run $(RUN) $(if $(ONLY),--only $(ONLY))

check:
	scripts/check.sh

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

checkpatch:
	scripts/checkpatch.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	@if [ -f launcher/Makefile ]; then $(MAKE) -C launcher clean; fi
	@if [ -f tools/Makefile ]; then $(MAKE) -C tools clean; fi
	$(MAKE) -C selftests clean
	rm -rf build

.PHONY: all module launcher tools selftests deps guest initramfs testhost \
	check demo bench checkpatch clean
