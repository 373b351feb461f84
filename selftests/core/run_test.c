// SPDX-License-Identifier: GPL-2.0
/*
 * The first guests: a freestanding test guest in ring 1, driven through
 * MV_CREATE_GUEST, MV_SET_REGS and MV_RUN.  One test per way a guest can
 * stop: a hypercall answered by us, one answered by the module, a clean
 * shutdown, and each way of dying, with the reason the module gives.  The
 * test host's kernel log is checked by the runner: none of this may leave
 * a warning there.
 */
#define _GNU_SOURCE
#include <time.h>
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

#define EXPECT_DONE(vm, mode) do {					\
	ASSERT_EQ(0, vm_run(vm)) TH_LOG("MV_RUN: %s", strerror(errno)); \
	ASSERT_EQ(MV_EXIT_HYPERCALL, (vm)->run.exit_reason)		\
		TH_LOG("exit %u: %s", (vm)->run.exit_reason, (vm)->run.end.reason); \
	ASSERT_NE(UCALL_FAIL, (vm)->run.hypercall.nr)			\
		TH_LOG("guest assertion at line %llu: got %#llx want %#llx", \
		       (unsigned long long)(vm)->run.hypercall.args[0],	\
		       (unsigned long long)(vm)->run.hypercall.args[1],	\
		       (unsigned long long)(vm)->run.hypercall.args[2]); \
	ASSERT_EQ(UCALL_DONE, (vm)->run.hypercall.nr);			\
	ASSERT_EQ((mode), (vm)->run.hypercall.args[0]);			\
} while (0)

/* 1000 hypercalls to the launcher, each with five arguments and a result. */
TEST(hypercall_round_trip)
{
	GUEST(GM_ECHO, 0, 0);
	EXPECT_DONE(&vm, GM_ECHO);
}

/* No register but %rax changes across a hypercall, in-module or not. */
TEST(registers_survive_hypercalls)
{
	GUEST(GM_REGS, 0, 0);
	EXPECT_DONE(&vm, GM_REGS);
}

/* The cheapest round trip, many times: the switch in and out holds up. */
TEST(nop_hypercalls)
{
	struct timespec a, b;
	double us;

	GUEST(GM_NOP_LOOP, 100000, 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	EXPECT_DONE(&vm, GM_NOP_LOOP);
	clock_gettime(CLOCK_MONOTONIC, &b);
	us = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
	TH_LOG("100000 MV_HC_NOP round trips: %.2f us each (TCG)", us / 100000);
}

TEST(unknown_hypercall_is_enosys)
{
	GUEST(GM_UNKNOWN_HC, 0, 0);
	EXPECT_DONE(&vm, GM_UNKNOWN_HC);
}

/* The three ends a guest asks for, each final. */
static void shutdown_as(struct __test_metadata *_metadata, uint64_t kind,
			uint32_t reason, uint32_t origin)
{
	GUEST(GM_SHUTDOWN, kind, 0);
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, vm_run(&vm));
		ASSERT_EQ(reason, vm.run.exit_reason);
		EXPECT_EQ(origin, vm.run.end.origin);
		EXPECT_STREQ("test guest says goodbye", vm.run.end.reason);
	}
}

TEST(shutdown_poweroff)
{
	shutdown_as(_metadata, MV_SHUTDOWN_POWEROFF, MV_EXIT_SHUTDOWN, 0);
}

TEST(shutdown_reboot)
{
	shutdown_as(_metadata, MV_SHUTDOWN_REBOOT, MV_EXIT_REBOOT, 0);
}

TEST(shutdown_crash)
{
	shutdown_as(_metadata, MV_SHUTDOWN_CRASH, MV_EXIT_CRASH, MV_CRASH_GUEST);
}

/*
 * Every privileged instruction faults in ring 1 and, with no guest handler
 * yet, kills the guest right there: it never runs natively.
 */
TEST(privileged_instructions_are_fatal)
{
	static const char *const names[] = PRIV_NAMES;

	for (int k = 0; k < PRIV_COUNT; k++) {
		GUEST(GM_PRIV, k, 0);
		ASSERT_EQ(0, vm_run(&vm));
		ASSERT_EQ(MV_EXIT_CRASH, vm.run.exit_reason) TH_LOG("%s", names[k]);
		EXPECT_EQ(MV_CRASH_HYPERVISOR, vm.run.end.origin);
		EXPECT_TRUE(!strncmp(vm.run.end.reason, "#GP", 3) ||
			    !strncmp(vm.run.end.reason, "#UD", 3))
			TH_LOG("%s: %s", names[k], vm.run.end.reason);
		EXPECT_EQ(vm.last_sync, vm.run.end.rip) TH_LOG("%s", names[k]);
		close(fd);
		munmap(vm.mem, G_MEM_SIZE);
	}
}

/* The switcher's pages: read-only, or absent, to the guest. */
TEST(switcher_is_out_of_reach)
{
	static const struct { uint64_t off; int write; const char *what; } t[] = {
		{ 0x0000, 1, "wrote to the switcher" },	/* text */
		{ 0x2000, 1, "wrote to the switcher" },	/* IDT */
		{ 0x3000, 1, "wrote to the switcher" },	/* GDT */
		{ 0x3100, 1, "wrote to the switcher" },	/* TSS */
		{ 0x6000, 0, "touched the switcher" },	/* host page */
		{ 0x8000, 0, "touched the switcher" },	/* another CPU's */
	};

	pin_to_cpu(0);
	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int fd2;
		uint64_t base;

		mv_open_or_skip(fd2);
		base = switcher_base(fd2);
		close(fd2);
		{
			GUEST(t[i].write ? GM_WRITE : GM_READ, base + t[i].off, 0);
			EXPECT_KILLED(&vm, t[i].what);
			close(fd);
			munmap(vm.mem, G_MEM_SIZE);
		}
	}
}

TEST(software_interrupt_to_host_vector)
{
	GUEST(GM_INT, 0, 0);
	EXPECT_KILLED(&vm, "#GP");
}

TEST(syscall_without_entry)
{
	GUEST(GM_SYSCALL, 0, 0);
	EXPECT_KILLED(&vm, "syscall");
}

TEST(ud2)
{
	GUEST(GM_UD2, 0, 0);
	EXPECT_KILLED(&vm, "#UD");
}

TEST(divide_error)
{
	GUEST(GM_DIV0, 0, 0);
	EXPECT_KILLED(&vm, "#DE");
}

TEST(breakpoint)
{
	GUEST(GM_INT3, 0, 0);
	EXPECT_KILLED(&vm, "#BP");
}

TEST(unmapped_address)
{
	GUEST(GM_READ, 0x40000000, 0);
	EXPECT_KILLED(&vm, "page fault at 0x40000000");
}

TEST(page_table_outside_memory)
{
	GUEST(GM_BAD_PGTABLE, 0, 0);
	EXPECT_KILLED(&vm, "outside its memory");
}

/* Shadow paging: the guest's writes land in our memory, page by page. */
TEST(guest_writes_reach_launcher_memory)
{
	GUEST(GM_TOUCH, 0x200000, 200);
	EXPECT_DONE(&vm, GM_TOUCH);
	for (uint64_t i = 0; i < 200; i++)
		ASSERT_EQ(i * 7, *(uint64_t *)(vm.mem + 0x200000 + 4096 * i));
}

TEST(noncanonical_rip)
{
	struct mv_regs regs;

	GUEST(GM_SPIN, 0, 0);
	ASSERT_EQ(0, ioctl(fd, MV_GET_REGS, &regs));
	regs.rip = 0x0000800000000000ULL;
	ASSERT_EQ(0, ioctl(fd, MV_SET_REGS, &regs));
	EXPECT_KILLED(&vm, "canonical");
}

static void on_alarm(int sig)
{
}

/*
 * A guest that spins with interrupts on: the host's timer still ticks
 * (the guest is taken out on every interrupt), and a signal gets the
 * launcher back with EINTR.
 */
TEST(spinning_guest_yields_to_signals)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct tms t0, t1;
	clock_t c0, c1;

	GUEST(GM_SPIN, 0, 0);
	sigaction(SIGALRM, &sa, NULL);
	c0 = times(&t0);
	alarm(2);
	ASSERT_EQ(-1, ioctl(fd, MV_RUN, &vm.run));
	ASSERT_EQ(EINTR, errno);
	c1 = times(&t1);
	/* times() counts jiffies: two seconds of them went by */
	EXPECT_GE(c1 - c0, sysconf(_SC_CLK_TCK));
	TH_LOG("guest spun for %ld ticks, %ld of them in the kernel",
	       (long)(c1 - c0), (long)(t1.tms_stime - t0.tms_stime));
	/* and it can be run again */
	alarm(1);
	ASSERT_EQ(-1, ioctl(fd, MV_RUN, &vm.run));
	ASSERT_EQ(EINTR, errno);
}

/* The local timer interrupts @cpu has taken, from /proc/interrupts. */
static long local_timer_count(int cpu)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096], *p;
	long n = -1;
	int c;

	while (f && fgets(line, sizeof(line), f)) {
		for (p = line; *p == ' '; p++)
			;
		if (strncmp(p, "LOC:", 4))
			continue;
		for (p += 4, c = 0; c <= cpu; c++)
			n = strtol(p, &p, 10);
		break;
	}
	if (f)
		fclose(f);
	return n;
}

static void spin_for_ms(long ms)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

/*
 * A 32-bit iret with VM set in its EFLAGS, to a selector with RPL 0.  A
 * CPU in long mode takes no virtual-8086 mode and faults on the selector;
 * QEMU's TCG enters virtual-8086 mode, where the guest spins until a host
 * interrupt takes it out with that selector in its frame, as if from ring
 * 0.  Either way the guest dies with a reason, and the interrupt reaches
 * the host: the CPU's local timer keeps ticking afterwards.  (The switcher
 * once took such an exit for a fault of its own and swallowed the timer
 * interrupt, EOI and all, silencing the CPU's timer for good: the fuzz
 * test's RCU stall.)
 */
TEST(iret_to_vm86)
{
	int cpu, ncpus = sysconf(_SC_NPROCESSORS_ONLN);

	for (cpu = 0; cpu < ncpus; cpu++) {
		struct vm vm = { 0 };
		long before, after;
		int fd, i;

		pin_to_cpu(cpu);
		for (i = 0; i < 20; i++) {
			mv_open_or_skip(fd);
			ASSERT_EQ(0, vm_create(&vm, fd, GM_IRET_VM86, 0, 0));
			EXPECT_KILLED(&vm, "");
			if (i == 0)
				TH_LOG("cpu %d: %s", cpu, vm.run.end.reason);
			close(fd);
			munmap(vm.mem, G_MEM_SIZE);
		}
		before = local_timer_count(cpu);
		spin_for_ms(200);
		after = local_timer_count(cpu);
		ASSERT_LE(0, before);
		EXPECT_LT(before + 2, after)
			TH_LOG("cpu %d took %ld timer interrupts in 200 ms",
			       cpu, after - before);
	}
}

TEST(one_guest_per_file)
{
	struct mv_guest_config cfg = { 0 };

	GUEST(GM_SPIN, 0, 0);
	cfg.mem_base = (uintptr_t)vm.mem;
	cfg.mem_size = G_MEM_SIZE;
	EXPECT_EQ(-1, ioctl(fd, MV_CREATE_GUEST, &cfg));
	EXPECT_EQ(EEXIST, errno);
}

TEST(bad_configs)
{
	struct mv_guest_config cfg = { 0 };
	struct mv_run run = { 0 };
	int fd;

	mv_open_or_skip(fd);
	EXPECT_EQ(-1, ioctl(fd, MV_RUN, &run));
	EXPECT_EQ(EINVAL, errno);
	cfg.mem_base = 0x1001;
	cfg.mem_size = 4096;
	EXPECT_EQ(-1, ioctl(fd, MV_CREATE_GUEST, &cfg));
	EXPECT_EQ(EINVAL, errno);
	cfg.mem_base = 0x100000;
	cfg.mem_size = 0;
	EXPECT_EQ(-1, ioctl(fd, MV_CREATE_GUEST, &cfg));
	EXPECT_EQ(EINVAL, errno);
	cfg.mem_base = 0xffffffff00000000ULL;
	cfg.mem_size = 0x10000;
	EXPECT_EQ(-1, ioctl(fd, MV_CREATE_GUEST, &cfg));
	EXPECT_EQ(EINVAL, errno);
	cfg.mem_base = 0x100000;
	cfg.mem_size = 0x10000;
	cfg.flags = 1;
	EXPECT_EQ(-1, ioctl(fd, MV_CREATE_GUEST, &cfg));
	EXPECT_EQ(EINVAL, errno);
}

/* Memory that is not there: the guest dies, the host does not mind. */
TEST(guest_memory_unmapped_by_launcher)
{
	GUEST(GM_TOUCH, 0x200000, 10);
	ASSERT_EQ(0, munmap(vm.mem + 0x200000, 0x100000));
	EXPECT_KILLED(&vm, "not accessible");
}

/* The guest belongs to its creator's address space. */
TEST(other_process_cannot_run_it)
{
	pid_t pid;
	int status;

	GUEST(GM_SPIN, 0, 0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct mv_run run = { 0 };

		_exit(ioctl(fd, MV_RUN, &run) == -1 && errno == EIO ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * With an IDT registered, the guest's exceptions go to its own handlers,
 * with the vector, error code, RIP and CR2 of bare metal.
 */
TEST(exceptions_reach_guest_handlers)
{
	GUEST(GM_TRAPS, 0, 0);
	EXPECT_DONE(&vm, GM_TRAPS);
}

/* Many deliveries in a row: the guest's stack does not creep. */
TEST(many_exceptions)
{
	GUEST(GM_TRAP_LOOP, 20000, 0);
	EXPECT_DONE(&vm, GM_TRAP_LOOP);
}

/*
 * The shadow forgets what a TLB with global pages forgets, and no more:
 * the guest checks each case itself (GM_TLB in guest_main.c).
 */
TEST(tlb_semantics)
{
	GUEST(GM_TLB, 0, 0);
	EXPECT_DONE(&vm, GM_TLB);
}

/*
 * A ring-3 task in the guest makes 100000 syscalls; each reaches the guest
 * kernel's entry and returns with every register checked in user space.
 */
TEST(user_syscalls)
{
	struct timespec a, b;
	double us;

	GUEST(GM_USER_SYSCALLS, 100000, 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	EXPECT_DONE(&vm, GM_USER_SYSCALLS);
	clock_gettime(CLOCK_MONOTONIC, &b);
	us = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
	TH_LOG("100000 guest user syscalls: %.2f us each (TCG, through the host)",
	       us / 100000);
}

/* Exceptions in guest user space reach the guest kernel as from ring 3. */
TEST(user_faults)
{
	GUEST(GM_USER_FAULTS, 0, 0);
	EXPECT_DONE(&vm, GM_USER_FAULTS);
}

TEST_HARNESS_MAIN
