// SPDX-License-Identifier: GPL-2.0
/*
 * The switcher's fast path: a guest user syscall or exception delivered to
 * the guest kernel without a trip to the host (kernel/switcher.S,
 * "Reflecting in guest context").  The guest checks every frame it gets
 * and every register its user space kept; MV_GET_STATS tells us how often
 * it left the switcher for the module, which is what the fast path must
 * avoid, and how often the fast path gave a delivery up half-way to the
 * slow one.  The cases that must not be fast (a kernel stack the shadow
 * does not map writable, a bad kernel stack, no syscall entry) still
 * work, or kill the guest with a reason.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "core_test.h"

#define ROUNDS	100000

static int get_stats(int fd, struct mv_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(fd, MV_GET_STATS, st);
}

FIXTURE(fast) {
	struct vm vm;
	int fd;
};

FIXTURE_SETUP(fast)
{
	memset(&self->vm, 0, sizeof(self->vm));
	mv_open_or_skip(self->fd);
}

FIXTURE_TEARDOWN(fast)
{
	set_fastpath(true);
	if (self->fd >= 0)
		close(self->fd);
	if (self->vm.mem)
		munmap(self->vm.mem, G_MEM_SIZE);
}

/* Run @mode to its UCALL_DONE and return the stats it left. */
static void run_done(struct __test_metadata *_metadata, FIXTURE_DATA(fast) *self,
		     uint64_t mode, uint64_t arg, uint64_t arg2,
		     struct mv_stats *st)
{
	ASSERT_EQ(0, vm_create(&self->vm, self->fd, mode, arg, arg2));
	EXPECT_UCALL(&self->vm, UCALL_DONE);
	ASSERT_EQ(0, get_stats(self->fd, st)) TH_LOG("MV_GET_STATS: %s",
						     strerror(errno));
}

/*
 * 100 000 checked syscalls, and fewer than one exit in ten of them: the
 * host's own interrupts and the first touches of each page still come
 * out, the syscalls do not.  The slow path makes at least one per call.
 */
TEST_F(fast, user_syscalls_stay_in_the_switcher)
{
	struct mv_stats st;

	run_done(_metadata, self, GM_USER_SYSCALLS, ROUNDS, 0, &st);
	TH_LOG("%llu syscalls, %llu exits, %llu fallbacks", (unsigned long long)ROUNDS,
	       (unsigned long long)st.exits, (unsigned long long)st.fast_fallbacks);
	EXPECT_LT(st.exits, ROUNDS / 10);
	EXPECT_LT(st.fast_fallbacks, 10);
}

/* 25 000 rounds of #DE, #BP, #UD and #GP(0) from user space, likewise. */
TEST_F(fast, user_exceptions_stay_in_the_switcher)
{
	struct mv_stats st;

	run_done(_metadata, self, GM_USER_EXCEPTIONS, ROUNDS / 4, 0, &st);
	TH_LOG("%d exceptions, %llu exits, %llu fallbacks", ROUNDS,
	       (unsigned long long)st.exits, (unsigned long long)st.fast_fallbacks);
	EXPECT_LT(st.exits, ROUNDS / 10);
	EXPECT_LT(st.fast_fallbacks, 10);
}

/*
 * The virtual IF is the guest's, read from its shared page at each event:
 * off in user space, the frames say off (and a trap gate leaves it off).
 */
TEST_F(fast, user_space_with_virtual_if_off)
{
	struct mv_stats st;

	run_done(_metadata, self, GM_USER_SYSCALLS, ROUNDS / 10, 1, &st);
	EXPECT_LT(st.exits, ROUNDS / 100);
	ASSERT_EQ(0, close(self->fd));
	munmap(self->vm.mem, G_MEM_SIZE);
	self->fd = open(MV_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	run_done(_metadata, self, GM_USER_EXCEPTIONS, ROUNDS / 40, 1, &st);
	EXPECT_LT(st.exits, ROUNDS / 100);
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/*
 * Virtual interrupts are not held back by a guest that never exits on
 * its own: a 1 kHz clock's ticks reach a user space that makes 300 000
 * syscalls on the fast path.  A tick that finds the guest kernel with its
 * virtual IF off waits for an exit in user space (irq.c's window polls);
 * measured: 59 ticks in 134 ms, the rest of the backlog dropped when the
 * clock stopped.  With the fast path declining while a tick waited (an
 * earlier version), every syscall went through the host, which reflects
 * the syscall before it could deliver: 213 ticks in 14 s.  The bound is
 * a tenth of the ideal, for a loaded test host.
 */
TEST_F(fast, clock_ticks_reach_fast_user_space)
{
	struct mv_stats st;
	uint64_t irqs;
	double t0, ms;

	ASSERT_EQ(0, vm_create(&self->vm, self->fd, GM_USER_TICKS, 3 * ROUNDS,
			       1000000));
	t0 = now_ms();
	EXPECT_UCALL(&self->vm, UCALL_DONE);
	ms = now_ms() - t0;
	irqs = COUNTER(&self->vm, C_IRQS);
	ASSERT_EQ(0, get_stats(self->fd, &st));
	TH_LOG("%.0f ms, %llu ticks, %llu exits", ms, (unsigned long long)irqs,
	       (unsigned long long)st.exits);
	EXPECT_LE(ms / 10, irqs);
	EXPECT_GE(ms + 10, irqs);
	EXPECT_LT(st.exits, 3 * ROUNDS / 10);
}

/* MV_GET_STATS wants a guest and a size it knows; a new guest is at 0. */
TEST_F(fast, stats_ioctl)
{
	struct mv_stats st = { .size = sizeof(st) };

	EXPECT_EQ(-1, ioctl(self->fd, MV_GET_STATS, &st));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, vm_create(&self->vm, self->fd, GM_USER_SYSCALLS, 1, 0));
	st.size = sizeof(st) - 8;
	EXPECT_EQ(-1, ioctl(self->fd, MV_GET_STATS, &st));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, get_stats(self->fd, &st));
	EXPECT_EQ(sizeof(st), st.size);
	EXPECT_EQ(0, st.exits);
	EXPECT_EQ(0, st.fast_fallbacks);
	EXPECT_UCALL(&self->vm, UCALL_DONE);
	ASSERT_EQ(0, get_stats(self->fd, &st));
	EXPECT_LT(0, st.exits);
}

/* The counter is not blind: with the fast path off every syscall exits. */
TEST_F(fast, slow_path_counts_every_syscall)
{
	struct mv_stats st;

	if (!set_fastpath(false))
		SKIP(return, "cannot write " FASTPATH_PARAM);
	run_done(_metadata, self, GM_USER_SYSCALLS, 1000, 0, &st);
	EXPECT_LE(1000, st.exits);
	EXPECT_EQ(0, st.fast_fallbacks);
}

/*
 * The kernel stack absent from the shadow at the syscall: the switcher's
 * write to it faults, and the module delivers instead.  Once a round.
 */
TEST_F(fast, kernel_stack_unmapped_falls_back)
{
	struct mv_stats st;

	run_done(_metadata, self, GM_FAST_FALLBACK, FB_UNMAPPED, 200, &st);
	EXPECT_LE(200, st.fast_fallbacks);
}

/* The same with the kernel stack read-only in the shadow (CR0.WP). */
TEST_F(fast, kernel_stack_read_only_falls_back)
{
	struct mv_stats st;

	run_done(_metadata, self, GM_FAST_FALLBACK, FB_READONLY, 200, &st);
	EXPECT_LE(200, st.fast_fallbacks);
}

static void expect_bad(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fast) *self, uint64_t stack, uint64_t what,
		       const char *reason)
{
	ASSERT_EQ(0, vm_create(&self->vm, self->fd, GM_FAST_BAD, stack, what));
	EXPECT_KILLED(&self->vm, reason);
}

/* A kernel stack the guest's own tables do not map. */
TEST_F(fast, kernel_stack_unmapped_kills)
{
	expect_bad(_metadata, self, 0x7ff000, 0, "cannot push the exception frame");
}

TEST_F(fast, kernel_stack_unmapped_kills_on_exception)
{
	expect_bad(_metadata, self, 0x7ff000, 1, "cannot push the exception frame");
}

/* Not canonical, or inside the switcher's hole: never written, by anyone. */
TEST_F(fast, kernel_stack_not_canonical_kills)
{
	expect_bad(_metadata, self, 0x0000800000000020ULL, 0,
		   "cannot push the exception frame");
}

TEST_F(fast, kernel_stack_in_switcher_kills)
{
	uint64_t sw = switcher_base(self->fd);

	ASSERT_NE(0, sw);
	pin_to_cpu(0);
	/* just past this CPU's register page: TSS.RSP0 */
	expect_bad(_metadata, self, sw + 0x6000, 0,
		   "cannot push the exception frame");
}

TEST_F(fast, no_syscall_entry_kills)
{
	expect_bad(_metadata, self, G_KSTACK_TOP, 2, "no syscall entry");
}

TEST_HARNESS_MAIN
