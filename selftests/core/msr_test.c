// SPDX-License-Identifier: GPL-2.0
/*
 * The MSRs switched lazily (kernel/msrs.c): the guest's SYSCALL MSRs,
 * SYSENTER_CS and TSC_AUX stay loaded across exits the module handles
 * itself and go back to the host's before any task returns to user space.
 *
 * What could go wrong, and what would show it here: a host task reading
 * the guest's TSC_AUX (RDTSCP, RDPID, getcpu() in the vDSO) or entering
 * the switcher with SYSCALL (the test host dies, or its log shows an
 * oops); a guest reading the host's CPU number, or another guest's value,
 * after a migration, a preemption or a trip out to its launcher.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "core_test.h"

static int have_rdtscp, have_rdpid;

static void probe(void)
{
	unsigned int a, b, c, d;

	if (__get_cpuid(0x80000001, &a, &b, &c, &d))
		have_rdtscp = !!(d & (1U << 27));
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
		have_rdpid = !!(c & (1U << 22));
}

static unsigned long host_rdtscp_aux(void)
{
	unsigned int lo, hi, aux;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	return aux;
}

static unsigned long host_rdpid(void)
{
	unsigned long v;

	asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(v));
	return v;
}

/*
 * The host's view from user space on @cpu, where we are pinned: 0 if the
 * CPU number is right by every means there is, else which one was not.
 * Linux keeps the CPU in TSC_AUX's low 12 bits, the node above.
 */
static int host_view_wrong(int cpu)
{
	if (sched_getcpu() != cpu)
		return 1;
	if (have_rdtscp && (host_rdtscp_aux() & 0xfff) != (unsigned long)cpu)
		return 2;
	if (have_rdpid && (host_rdpid() & 0xfff) != (unsigned long)cpu)
		return 3;
	if (syscall(SYS_getpid) != getpid())
		return 4;
	return 0;
}

/* Run GM_TSC_AUX to its end; 0 and what it checked in *@have, or -1. */
static int run_tsc_aux(struct vm *vm, int fd, uint64_t value, uint64_t n,
		       uint64_t *have)
{
	if (vm_create(vm, fd, GM_TSC_AUX, value, n))
		return -1;
	for (;;) {
		if (vm_run(vm) == 0)
			break;
		if (errno != EINTR)
			return -1;
	}
	if (vm->run.exit_reason != MV_EXIT_HYPERCALL ||
	    vm->run.hypercall.nr != UCALL_DONE) {
		fprintf(stderr, "# exit %u nr %#llx line %llu got %#llx want %#llx\n",
			vm->run.exit_reason,
			(unsigned long long)vm->run.hypercall.nr,
			(unsigned long long)vm->run.hypercall.args[0],
			(unsigned long long)vm->run.hypercall.args[1],
			(unsigned long long)vm->run.hypercall.args[2]);
		return -1;
	}
	*have = vm->run.hypercall.args[0];
	return 0;
}

TEST(host_after_guests_on_every_cpu)
{
	int cpu, fd, status, cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t have = 0;

	mv_open_or_skip(fd);
	close(fd);
	probe();
	for (cpu = 0; cpu < cpus; cpu++) {
		struct vm vm = { 0 };

		pin_to_cpu(cpu);
		fd = open(MV_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, run_tsc_aux(&vm, fd, 0x5a0 + cpu, 256, &have));
		/* it made it through all its rounds, out to us and back */
		EXPECT_EQ(192, vm.last_sync);
		EXPECT_EQ(have, (uint64_t)(have_rdtscp * TSC_AUX_RDTSCP |
					   have_rdpid * TSC_AUX_RDPID));
		/* the launcher is back in user space: the host's values */
		EXPECT_EQ(0, host_view_wrong(cpu)) TH_LOG("launcher on CPU %d", cpu);
		close(fd);
		munmap(vm.mem, G_MEM_SIZE);
	}
	/* and any other task, on every CPU a guest ran on */
	for (cpu = 0; cpu < cpus; cpu++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid) {
			pin_to_cpu(cpu);
			_exit(host_view_wrong(cpu));
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("a task on CPU %d", cpu);
	}
	TH_LOG("RDTSCP %s, RDPID %s", have_rdtscp ? "checked" : "absent",
	       have_rdpid ? "checked" : "absent");
}

#define MOVERS		2
#define MOVER_ROUNDS	20000

static pid_t vcpu_tid;
static volatile int mover_done;

/* Move the vCPU thread between CPU 0 and 1 every millisecond. */
static void *mover(void *arg)
{
	int i = 0;

	while (!mover_done) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(i++ & 1, &set);
		sched_setaffinity(vcpu_tid, sizeof(set), &set);
		usleep(1000);
	}
	return NULL;
}

/* One launcher whose guest is moved around while it checks its TSC_AUX. */
static int moving_guest(int i)
{
	struct vm vm = { 0 };
	pthread_t t;
	uint64_t have;
	int fd = open(MV_DEV, O_RDWR | O_CLOEXEC), err;

	if (fd < 0)
		return 10;
	vcpu_tid = syscall(SYS_gettid);
	if (pthread_create(&t, NULL, mover, NULL))
		return 11;
	err = run_tsc_aux(&vm, fd, 0x700 + i, mv_scaled(MOVER_ROUNDS, 4), &have);
	mover_done = 1;
	pthread_join(t, NULL);
	return err ? 12 : 0;
}

/*
 * Two guests with values of their own, moved between the CPUs every
 * millisecond and preempted by each other and by us; we meanwhile check
 * the host's view from each CPU in turn, as the task the scheduler runs
 * between their exits.
 */
TEST(migrating_guests_and_a_neighbour)
{
	int i, fd, status, cpus = sysconf(_SC_NPROCESSORS_ONLN), running, round = 0;
	long checks = 0, wrong = 0, last = 0;
	pid_t pids[MOVERS];

	mv_open_or_skip(fd);
	close(fd);
	probe();
	if (cpus < 2)
		SKIP(return, "one CPU: nothing to migrate between");
	for (i = 0; i < MOVERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i])
			_exit(moving_guest(i));
	}
	running = MOVERS;
	while (running) {
		int cpu = round++ & 1;

		pin_to_cpu(cpu);
		for (i = 0; i < 100; i++) {
			int w = host_view_wrong(cpu);

			checks++;
			if (w) {
				wrong++;
				last = w;
			}
			sched_yield();
		}
		for (i = 0; i < MOVERS; i++) {
			if (pids[i] && waitpid(pids[i], &status, WNOHANG) == pids[i]) {
				EXPECT_TRUE(WIFEXITED(status));
				EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("guest %d", i);
				pids[i] = 0;
				running--;
			}
		}
	}
	TH_LOG("%ld checks of the host's view, %ld wrong", checks, wrong);
	EXPECT_EQ(0, wrong) TH_LOG("last wrong: check %ld", last);
	EXPECT_LT(100, checks);
}

TEST_HARNESS_MAIN
