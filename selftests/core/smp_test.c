// SPDX-License-Identifier: GPL-2.0
/*
 * Guests on several CPUs at once (issue 3, item 9): four launchers on the
 * test host's two CPUs for 30 s, each guest crossing into the host in
 * every way it can (launcher hypercalls with their arguments checked,
 * in-module hypercalls, exceptions delivered to its handler, page
 * touches), while we move them from CPU to CPU every 20 ms.  Every guest
 * must keep its state through all of it and end cleanly when asked.
 */
#define _GNU_SOURCE
#include <time.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "core_test.h"

#define GUESTS	4
#define SECONDS	30

static volatile sig_atomic_t stop;

static void on_usr1(int sig)
{
	stop = 1;
}

/* One launcher: run GM_CHURN until SIGUSR1, then let it finish. */
static int churner(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct vm vm = { 0 };
	volatile uint64_t *c;
	int fd = open(MV_DEV, O_RDWR | O_CLOEXEC);

	sigaction(SIGUSR1, &sa, NULL);
	if (fd < 0 || vm_create(&vm, fd, GM_CHURN, 0, 0))
		return 1;
	c = (volatile uint64_t *)(vm.mem + G_COUNTERS);
	for (;;) {
		__u64 *a = vm.run.hypercall.args;

		if (stop)
			c[C_GO] = 1;
		if (ioctl(fd, MV_RUN, &vm.run)) {
			if (errno != EINTR)
				return 2;
			continue;
		}
		if (vm.run.exit_reason != MV_EXIT_HYPERCALL)
			return 3;
		if (vm.run.hypercall.nr == UCALL_DONE)
			break;
		if (vm.run.hypercall.nr != UCALL_ECHO)
			return 4;	/* UCALL_FAIL: the guest saw a wrong value */
		vm.run.hypercall.ret = a[0] + a[1] + a[2] + a[3] + a[4] + 1;
	}
	return c[C_IRQS] > 100 ? 0 : 5;
}

/* se.nr_migrations from /proc/PID/sched, -1 if the kernel has no such line. */
static long migrations(pid_t pid)
{
	char path[64], line[256];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/sched", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "se.nr_migrations", 16))
			n = atol(strchr(line, ':') + 1);
	fclose(f);
	return n;
}

FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, four_guests_two_cpus_migrating, 200)
{
	pid_t pids[GUESTS];
	long moved[GUESTS];
	int i, fd, round = 0, status, cpus = sysconf(_SC_NPROCESSORS_ONLN);
	time_t end;

	mv_open_or_skip(fd);
	close(fd);
	if (cpus < 2)
		SKIP(return, "one CPU: nothing to migrate between");
	for (i = 0; i < GUESTS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i])
			_exit(churner());
	}
	end = time(NULL) + mv_scaled(SECONDS, 3);
	while (time(NULL) < end) {
		for (i = 0; i < GUESTS; i++) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET((i + round) % 2, &set);
			sched_setaffinity(pids[i], sizeof(set), &set);
		}
		round++;
		usleep(20000);
	}
	for (i = 0; i < GUESTS; i++) {
		moved[i] = migrations(pids[i]);
		kill(pids[i], SIGUSR1);
	}
	for (i = 0; i < GUESTS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status)) TH_LOG("guest %d died", i);
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("guest %d", i);
		TH_LOG("guest %d: %ld migrations", i, moved[i]);
		if (moved[i] >= 0)
			EXPECT_GE(moved[i], 100);
	}
}

TEST_HARNESS_MAIN
