// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory stays the launcher's (issue 3, items 11 and 12): no shadow
 * entry pins a page, so KSM merges identical pages of running guests and
 * the guests go on reading and writing them correctly; and a launcher
 * killed in the middle of a run gives everything back.
 */
#define _GNU_SOURCE
#include <time.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "core_test.h"

#define KSM	"/sys/kernel/mm/ksm/"

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fputs(s, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* The PFN behind a virtual address of ours, from /proc/self/pagemap. */
static uint64_t pfn_of(const void *va)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (uintptr_t)va / 4096 * 8) != sizeof(e))
		e = 0;
	close(fd);
	return (e & (1ULL << 63)) ? e & ((1ULL << 55) - 1) : 0;
}

/* How many of the guests' pattern pages are one and the same page. */
static int merged(struct vm *a, struct vm *b)
{
	int i, n = 0;

	for (i = 0; i < KSM_PAGES; i++) {
		uint64_t pa = pfn_of(a->mem + KSM_BASE + 4096 * i);

		n += pa && pa == pfn_of(b->mem + KSM_BASE + 4096 * i);
	}
	return n;
}

/*
 * Two guests fill 200 pages each with the same contents and halt; ksmd
 * merges them (pages_sharing rises); woken, each guest finds its contents
 * intact and writes its own values, which land in its own launcher's
 * memory and nowhere else.
 */
TEST(ksm_merges_running_guests)
{
	struct vm a = { 0 }, b = { 0 };
	uint32_t wake = 0x40;
	long before, now = 0;
	int fa, fb, i;

	mv_open_or_skip(fa);
	mv_open_or_skip(fb);
	if (read_long(KSM "run") < 0)
		SKIP(return, "no KSM in this kernel");
	ASSERT_EQ(0, vm_create(&a, fa, GM_KSM, 0x1000, 0xa000));
	ASSERT_EQ(0, vm_create(&b, fb, GM_KSM, 0x1000, 0xb000));
	ASSERT_EQ(0, madvise(a.mem, G_MEM_SIZE, MADV_MERGEABLE));
	ASSERT_EQ(0, madvise(b.mem, G_MEM_SIZE, MADV_MERGEABLE));
	EXPECT_UCALL(&a, UCALL_READY);
	EXPECT_UCALL(&b, UCALL_READY);

	before = read_long(KSM "pages_sharing");
	ASSERT_EQ(0, write_str(KSM "pages_to_scan", "2000"));
	ASSERT_EQ(0, write_str(KSM "sleep_millisecs", "10"));
	ASSERT_EQ(0, write_str(KSM "run", "1"));
	ASSERT_EQ(0, merged(&a, &b));
	for (i = 0; i < 600; i++) {
		now = read_long(KSM "pages_sharing");
		if (now - before >= KSM_PAGES && merged(&a, &b) == KSM_PAGES)
			break;
		usleep(100000);
	}
	TH_LOG("pages_sharing %ld -> %ld, %d of the %d pattern pages merged, after %.1f s",
	       before, now, merged(&a, &b), KSM_PAGES, i / 10.0);
	EXPECT_GE(now - before, KSM_PAGES);
	EXPECT_EQ(KSM_PAGES, merged(&a, &b));
	write_str(KSM "run", "0");

	/* both still run, read what they wrote and write their own */
	ASSERT_EQ(0, ioctl(fa, MV_INTERRUPT, &wake));
	ASSERT_EQ(0, ioctl(fb, MV_INTERRUPT, &wake));
	EXPECT_UCALL(&a, UCALL_DONE);
	EXPECT_UCALL(&b, UCALL_DONE);
	for (i = 0; i < KSM_PAGES; i++) {
		uint64_t *pa = (uint64_t *)(a.mem + KSM_BASE + 4096 * i);
		uint64_t *pb = (uint64_t *)(b.mem + KSM_BASE + 4096 * i);

		ASSERT_EQ(0x1000 + i, pa[0]);
		ASSERT_EQ(0xa000 + i, pa[1]);
		ASSERT_EQ(0x1000 + i, pb[0]);
		ASSERT_EQ(0xb000 + i, pb[1]);
	}
}

/*
 * No host kernel address in anything a guest can read: its memory and the
 * switcher pages of its CPU, on each CPU in turn (the guest says where).
 */
TEST(no_host_pointer_readable)
{
	int cpus = sysconf(_SC_NPROCESSORS_ONLN);

	for (int cpu = 0; cpu < cpus && cpu < 4; cpu++) {
		struct vm vm = { 0 };
		int fd;

		pin_to_cpu(cpu);
		mv_open_or_skip(fd);
		ASSERT_EQ(0, vm_create(&vm, fd, GM_SCAN,
				       switcher_base(fd) + cpu * 0x8000ULL, 0));
		EXPECT_UCALL(&vm, UCALL_DONE);
		close(fd);
		munmap(vm.mem, G_MEM_SIZE);
	}
}

/* What the kernel says about its memory, in kB. */
static long meminfo(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = atol(line + strlen(key) + 1);
	fclose(f);
	return v;
}

/*
 * Free memory as the page allocator sees it: MemFree plus the pages that
 * wait in per-CPU lists, which MemFree does not count and which a burst of
 * frees fills and empties at random.
 */
static long free_kb(void)
{
	char line[256];
	long pcp = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *c = strstr(line, "count:");

		if (c && line[0] == ' ')
			pcp += atol(c + 6);
	}
	fclose(f);
	return meminfo("MemFree") + pcp * 4;
}

static void settle(void)
{
	sync();
	write_str("/proc/sys/vm/drop_caches", "3");
	usleep(100000);
}

/* A launcher with a running guest, a clock, an irqfd and an ioeventfd. */
static int victim(int ready)
{
	struct vm vm = { 0 };
	int fd = open(MV_DEV, O_RDWR | O_CLOEXEC);
	struct mv_eventfd irq = { .fd = eventfd(0, 0), .value = 0x40 };
	struct mv_eventfd kick = { .fd = eventfd(0, 0), .value = 8 };

	if (fd < 0 || vm_create(&vm, fd, GM_TIMER, 1000000, 1) ||
	    ioctl(fd, MV_IRQFD, &irq) || ioctl(fd, MV_IOEVENTFD, &kick) ||
	    vm_run(&vm) || vm.run.hypercall.nr != UCALL_READY)
		return 1;
	if (write(ready, "r", 1) != 1)
		return 2;
	vm_run(&vm);	/* spins until killed */
	return 3;
}

#define KILLS	1000

/* The harness's 30 s are not enough for 1000 launchers under TCG. */
FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

/*
 * 1000 launchers killed in the middle of MV_RUN: free memory and Slab come
 * back to where they were, and the module's reference count to zero.
 */
TEST_F_TIMEOUT(slow, sigkill_mid_run_leaks_nothing, 500)
{
	long free0 = 0, slab0 = 0, free1, slab1, kills = mv_scaled(KILLS, 10);
	time_t t0 = time(NULL);
	int p[2], fd, i, status;
	char c;

	mv_open_or_skip(fd);
	close(fd);
	ASSERT_EQ(0, pipe(p));
	/* one round first, so that what is allocated once is counted */
	for (i = 0; i <= kills; i++) {
		pid_t pid;

		if (i == 1) {
			settle();
			free0 = free_kb();
			slab0 = meminfo("Slab");
		}
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(victim(p[1]));
		ASSERT_EQ(1, read(p[0], &c, 1)) TH_LOG("victim %d never ran", i);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status));
	}
	settle();
	free1 = free_kb();
	slab1 = meminfo("Slab");
	TH_LOG("%ld kills in %.1f s: free %ld -> %ld kB, Slab %ld -> %ld kB",
	       kills, (double)(time(NULL) - t0), free0, free1, slab0, slab1);
	/* a leak of one page per guest would be 4000 kB */
	EXPECT_LT(free0 - free1, 3000);
	EXPECT_LT(slab1 - slab0, 1000);
	EXPECT_EQ(0, mv_module_refcnt());
}

TEST_HARNESS_MAIN
