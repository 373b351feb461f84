// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual interrupts, the clock event and HALT (issue 3, items 6 and 7).
 * The test guest counts its interrupts in G_COUNTERS, which we read
 * straight from its memory; the host's side is measured from here: how
 * many ticks in how much time, whether the host's own clock kept going,
 * and how much CPU a crowd of halted guests costs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <time.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "core_test.h"

#define GUEST(mode, arg, arg2)						\
	struct vm vm = { 0 };						\
	int fd;								\
	mv_open_or_skip(fd);						\
	ASSERT_EQ(0, vm_create(&vm, fd, (mode), (arg), (arg2)))	\
		TH_LOG("creating the guest: %s", strerror(errno))

static void on_alarm(int sig)
{
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Run the guest for @sec seconds of wall time; it must still be running. */
static int run_for(struct vm *vm, double sec)
{
	struct itimerval it = { .it_value = { (time_t)sec,
					      (sec - (time_t)sec) * 1e6 } };
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	if (ioctl(vm->fd, MV_RUN, &vm->run) != -1 || errno != EINTR)
		return -1;
	return 0;
}

/*
 * A 1 kHz clock event for 5 s: 5000 interrupts, give or take 2 %, for a
 * guest that idles in MV_HC_HALT as a tickful Linux guest does.  A guest
 * that spins needs one exit more per tick (irq.c's "come back soon");
 * under TCG on a loaded machine the test host then runs out of exits per
 * second before the guest runs out of ticks, so for it we ask only that
 * no tick be invented and that a good share arrive, and log the count.
 */
static void timer_1khz(struct __test_metadata *_metadata, int spin)
{
	uint64_t c0, c1, n;
	double t0, t1, want;

	pin_to_cpu(0);
	GUEST(GM_TIMER, 1000000, spin);
	EXPECT_UCALL(&vm, UCALL_READY);
	c0 = COUNTER(&vm, C_IRQS);
	t0 = now();
	ASSERT_EQ(0, run_for(&vm, 5.0)) TH_LOG("exit %u: %s",
		vm.run.exit_reason, vm.run.end.reason);
	t1 = now();
	c1 = COUNTER(&vm, C_IRQS);
	n = c1 - c0;
	want = (t1 - t0) * 1000;
	TH_LOG("%s guest: %llu interrupts in %.3f s (%.0f expected)",
	       spin ? "spinning" : "halting", (unsigned long long)n,
	       t1 - t0, want);
	EXPECT_EQ(MV_TIMER_VECTOR, COUNTER(&vm, C_LAST_VECTOR));
	EXPECT_LE(n, want * 1.02);
	EXPECT_LE(n, 5000 * 1.02);
	if (spin) {
		/* a quarter: CI saw 2193 of 5001 at load average 6 */
		EXPECT_GE(n, want / 4);
		return;
	}
	EXPECT_GE(n, 5000 * 0.98);
	EXPECT_GE(n, want * 0.98);
}

TEST(timer_1khz_for_5s_halting)
{
	timer_1khz(_metadata, 0);
}

TEST(timer_1khz_for_5s_spinning)
{
	timer_1khz(_metadata, 1);
}

/*
 * A guest that spins with its virtual interrupts off keeps its clock's
 * tick pending, and the host's own clock keeps ticking; when the guest
 * turns IF back on, the pending tick arrives at once (the guest checks).
 */
TEST(interrupts_off_keep_pending_host_ticks)
{
	struct tms tm;
	clock_t c0, c1;

	GUEST(GM_TIMER_IF_OFF, 0, 0);
	EXPECT_UCALL(&vm, UCALL_READY);
	c0 = times(&tm);
	ASSERT_EQ(0, run_for(&vm, 2.0));
	c1 = times(&tm);
	EXPECT_GE(c1 - c0, sysconf(_SC_CLK_TCK) * 19 / 10);
	TH_LOG("host clock: %ld ticks in 2 s", (long)(c1 - c0));
	EXPECT_EQ(0, COUNTER(&vm, C_IRQS));
	COUNTER(&vm, C_GO) = 1;
	EXPECT_UCALL(&vm, UCALL_DONE);
	EXPECT_EQ(1, COUNTER(&vm, C_IRQS));
}

/* MV_INTERRUPT wakes a halted guest and the vector reaches its handler. */
TEST(interrupt_wakes_halted_guest)
{
	uint32_t vector = 0x40, bad = 0x1f;

	GUEST(GM_HALT, 0, 0);
	EXPECT_UCALL(&vm, UCALL_READY);
	ASSERT_EQ(0, run_for(&vm, 0.3));
	EXPECT_EQ(0, COUNTER(&vm, C_IRQS));
	EXPECT_EQ(-1, ioctl(fd, MV_INTERRUPT, &bad));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(fd, MV_INTERRUPT, &vector));
	EXPECT_UCALL(&vm, UCALL_DONE);
	EXPECT_EQ(1, COUNTER(&vm, C_IRQS));
}

/* CPU time a process has used, in ns, from /proc/PID/schedstat. */
static long long cpu_ns(pid_t pid)
{
	char path[64];
	long long ns = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &ns) != 1)
		ns = -1;
	fclose(f);
	return ns;
}

#define HALTED	100

/* One halted guest per child; SIGUSR1 wakes it with MV_INTERRUPT. */
static int halted_child(int ready_fd)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct vm vm = { 0 };
	uint32_t vector = 0x40;
	int fd = open(MV_DEV, O_RDWR | O_CLOEXEC);

	sigaction(SIGUSR1, &sa, NULL);
	if (fd < 0 || vm_create(&vm, fd, GM_HALT, 0, 0) || vm_run(&vm) ||
	    vm.run.hypercall.nr != UCALL_READY)
		return 1;
	if (write(ready_fd, "r", 1) != 1)
		return 2;
	if (ioctl(fd, MV_RUN, &vm.run) != -1 || errno != EINTR)
		return 3;	/* the guest must still be halted */
	if (ioctl(fd, MV_INTERRUPT, &vector) || vm_run(&vm))
		return 4;
	return vm.run.exit_reason == MV_EXIT_HYPERCALL &&
	       vm.run.hypercall.nr == UCALL_DONE ? 0 : 5;
}

/* 100 halted guests cost less than 1 % of one CPU over 5 s. */
TEST(halted_guests_cost_nothing)
{
	pid_t pids[HALTED];
	long long before = 0, after = 0;
	int p[2], i, status, fd;
	char c;

	mv_open_or_skip(fd);
	close(fd);
	ASSERT_EQ(0, pipe(p));
	for (i = 0; i < HALTED; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i])
			_exit(halted_child(p[1]));
	}
	for (i = 0; i < HALTED; i++)
		ASSERT_EQ(1, read(p[0], &c, 1));
	usleep(200000);
	for (i = 0; i < HALTED; i++) {
		long long ns = cpu_ns(pids[i]);

		ASSERT_LT(0, ns) TH_LOG("no /proc/%d/schedstat", pids[i]);
		before += ns;
	}
	sleep(5);
	for (i = 0; i < HALTED; i++)
		after += cpu_ns(pids[i]);
	TH_LOG("%d halted guests used %.3f ms of CPU in 5 s", HALTED,
	       (after - before) / 1e6);
	EXPECT_LT(after - before, 5e9 / 100);
	for (i = 0; i < HALTED; i++)
		kill(pids[i], SIGUSR1);
	for (i = 0; i < HALTED; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child %d", i);
	}
}

TEST_HARNESS_MAIN
