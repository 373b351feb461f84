// SPDX-License-Identifier: GPL-2.0
/*
 * The hypervisor core's costs, for `make bench`: each printed as a BENCH
 * line that scripts/bench-report.sh shows as a multiple of the host's own
 * getpid() measured in the same boot (selftests/bench/getpid.c).  Each
 * figure is the best of three tries, the one least disturbed.
 *
 *   core.world_switch    MV_HC_NOP: guest -> switcher -> host -> guest,
 *                        the smallest round trip there is
 *   core.hypercall       a hypercall answered by the launcher: the above
 *                        plus the way out of MV_RUN and back in
 *   core.page_fault      a guest read of a page its tables map and the
 *                        shadow does not yet: one fault served by mmu.c
 *   core.user_syscall    a guest user SYSCALL to the guest kernel's entry
 *                        and its iretq back, through the switcher's fast
 *                        path (kernel/switcher.S)
 *   core.user_exception  a guest user #UD, #BP, #DE or #GP to the guest
 *                        kernel's handler and back, the same way
 *   core.*_slow          the same two with the fast path turned off (the
 *                        module's fastpath parameter): through the host
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "core_test.h"

#define TRIES	3

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* ns the guest takes to run @mode to its end, best of TRIES. */
static double best_run(struct __test_metadata *_metadata, uint64_t mode,
		       uint64_t arg, uint64_t arg2)
{
	double best = 1e30;

	for (int t = 0; t < TRIES; t++) {
		struct vm vm = { 0 };
		double t0, ns;
		int fd;

		fd = open(MV_DEV, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -1;
		if (vm_create(&vm, fd, mode, arg, arg2))
			return -1;
		t0 = now_ns();
		if (vm_run(&vm) || vm.run.exit_reason != MV_EXIT_HYPERCALL ||
		    vm.run.hypercall.nr != UCALL_DONE)
			return -1;
		ns = now_ns() - t0;
		if (ns < best)
			best = ns;
		close(fd);
		munmap(vm.mem, G_MEM_SIZE);
	}
	return best;
}

static void report(struct __test_metadata *_metadata, const char *key,
		   double ns)
{
	ASSERT_LT(0, ns);
	printf("BENCH core.%s %.1f ns\n", key, ns);
	fflush(stdout);
}

TEST(world_switch)
{
	int fd;

	mv_open_or_skip(fd);
	close(fd);
	report(_metadata, "world_switch",
	       best_run(_metadata, GM_NOP_LOOP, 100000, 0) / 100000);
}

TEST(hypercall)
{
	int fd;

	mv_open_or_skip(fd);
	close(fd);
	/* GM_ECHO makes 1000 of them, each with five arguments checked */
	report(_metadata, "hypercall", best_run(_metadata, GM_ECHO, 0, 0) / 1000);
}

TEST(page_fault)
{
	double with, without;
	int fd;

	mv_open_or_skip(fd);
	close(fd);
	/* the same flushes with and without 128 fresh pages each time */
	with = best_run(_metadata, GM_FAULT_LOOP, 500, 128);
	without = best_run(_metadata, GM_FAULT_LOOP, 500, 0);
	report(_metadata, "page_fault", (with - without) / (500 * 128));
}

TEST(user_syscall)
{
	int fd;

	mv_open_or_skip(fd);
	close(fd);
	report(_metadata, "user_syscall",
	       best_run(_metadata, GM_USER_SYSCALLS, 100000, 0) / 100000);
}

/* GM_USER_EXCEPTIONS makes four per round */
TEST(user_exception)
{
	int fd;

	mv_open_or_skip(fd);
	close(fd);
	report(_metadata, "user_exception",
	       best_run(_metadata, GM_USER_EXCEPTIONS, 25000, 0) / 100000);
}

/* The same through the host, for comparison: fewer rounds, it is slow. */
TEST(user_slow)
{
	double sys, exc;
	int fd;

	mv_open_or_skip(fd);
	close(fd);
	if (!set_fastpath(false))
		SKIP(return, "cannot turn the fast path off");
	sys = best_run(_metadata, GM_USER_SYSCALLS, 20000, 0) / 20000;
	exc = best_run(_metadata, GM_USER_EXCEPTIONS, 5000, 0) / 20000;
	ASSERT_TRUE(set_fastpath(true));
	report(_metadata, "user_syscall_slow", sys);
	report(_metadata, "user_exception_slow", exc);
}

TEST_HARNESS_MAIN
