// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's FPU state is its own (issue 3: "guest FPU/XSAVE state kept
 * across runs").  Two guests and a host thread share one CPU, each keeping
 * its own patterns in xmm0-15 (ymm0-15 where the CPU has AVX) and checking
 * them after every switch: a guest across its hypercalls, exits to its
 * launcher, preemptions and the others' use of the FPU; each launcher
 * across its own MV_RUN calls; the host thread across its yields.  A guest
 * also checks that it starts in the init state, with nothing of the
 * launcher's patterns.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "core_test.h"

#define ROUNDS	20000	/* per guest, a sixteenth of them out to the launcher */

static int avx;

/* ymm0-15 (or xmm0-15) from @pat, then out to @out, around one syscall. */
#define AROUND(load, store, reg, nr, a0, a1, a2, ret) do {		\
	register long _a0 asm("rdi") = (a0);				\
	register long _a1 asm("rsi") = (a1);				\
	register long _a2 asm("rdx") = (a2);				\
	asm volatile(".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"	\
		     load " 32*\\r(%[p]), %%" reg "\\r\n\t.endr\n\t"	\
		     "syscall\n\t"					\
		     ".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"	\
		     store " %%" reg "\\r, 32*\\r(%[o])\n\t.endr"	\
		     : "=a"(ret)					\
		     : "a"(nr), "r"(_a0), "r"(_a1), "r"(_a2),		\
		       [p] "r"(pat), [o] "r"(out)			\
		     : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2",	\
		       "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",	\
		       "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",	\
		       "xmm14", "xmm15");				\
} while (0)

static long syscall_keeping(long nr, long a0, long a1, long a2,
			    const uint64_t *pat, uint64_t *out)
{
	long ret;

	if (avx)
		AROUND("vmovdqu", "vmovdqu", "ymm", nr, a0, a1, a2, ret);
	else
		AROUND("movdqu", "movdqu", "xmm", nr, a0, a1, a2, ret);
	return ret;
}

/* The registers' part of @a and @b agree. */
static int same(const uint64_t *a, const uint64_t *b)
{
	int r, k;

	for (r = 0; r < 16; r++)
		for (k = 0; k < (avx ? 4 : 2); k++)
			if (a[4 * r + k] != b[4 * r + k])
				return 0;
	return 1;
}

static void fill(uint64_t *p, uint64_t seed)
{
	int i;

	for (i = 0; i < 64; i++)
		p[i] = seed * 0x9e3779b97f4a7c15ULL ^ i;
}

/* A launcher: runs its guest to the end, its own patterns loaded. */
static int launcher(uint64_t seed)
{
	uint64_t pat[64], out[64];
	struct vm vm = { 0 };
	long i, ret;
	int fd;

	fd = open(MV_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0 || vm_create(&vm, fd, GM_FPU, seed, ROUNDS))
		return 10;
	for (i = 0; ; i++) {
		fill(pat, ~seed ^ i);
		ret = syscall_keeping(SYS_ioctl, fd, MV_RUN, (long)&vm.run,
				      pat, out);
		if (ret)
			return 11;
		if (!same(pat, out)) {
			fprintf(stderr, "launcher %#llx: its registers changed across MV_RUN\n",
				(unsigned long long)seed);
			return 12;
		}
		if (vm.run.exit_reason != MV_EXIT_HYPERCALL)
			break;
		if (vm.run.hypercall.nr == UCALL_DONE)
			return 0;
		if (vm.run.hypercall.nr != UCALL_SYNC)
			break;
		vm.run.hypercall.ret = 0;
	}
	fprintf(stderr, "guest %#llx: exit %u nr %#llx (%llu, %#llx, %#llx) %s\n",
		(unsigned long long)seed, vm.run.exit_reason,
		(unsigned long long)vm.run.hypercall.nr,
		(unsigned long long)vm.run.hypercall.args[0],
		(unsigned long long)vm.run.hypercall.args[1],
		(unsigned long long)vm.run.hypercall.args[2], vm.run.end.reason);
	return 13;
}

TEST(two_guests_and_a_host_thread_share_a_cpu)
{
	uint64_t pat[64], out[64];
	long rounds = 0, bad = 0;
	pid_t pids[2];
	int fd, i, status, running = 2;

	mv_open_or_skip(fd);
	close(fd);
	avx = __builtin_cpu_supports("avx");
	TH_LOG("%s, %d rounds per guest", avx ? "ymm0-15" : "xmm0-15", ROUNDS);
	pin_to_cpu(0);
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i])
			_exit(launcher(0x1111111111111111ULL * (i + 1)));
	}
	/* the host thread: its patterns across yields, until both are done */
	while (running) {
		fill(pat, 0xabcdef00 + rounds);
		syscall_keeping(SYS_sched_yield, 0, 0, 0, pat, out);
		bad += !same(pat, out);
		rounds++;
		for (i = 0; i < 2; i++)
			if (pids[i] && waitpid(pids[i], &status, WNOHANG) == pids[i]) {
				EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
					TH_LOG("launcher %d: status %#x", i, status);
				pids[i] = 0;
				running--;
			}
	}
	TH_LOG("host thread: %ld rounds, %ld with its registers changed", rounds, bad);
	EXPECT_EQ(0, bad);
	EXPECT_LT(100, rounds);
}

TEST_HARNESS_MAIN
