// SPDX-License-Identifier: GPL-2.0
/*
 * Device space and eventfds (issue 3, item 8, and the launcher interface
 * that keeps device threads from stopping the vCPU): every mov form the
 * test guest makes against device space arrives here as MV_EXIT_MMIO with
 * its exact address, size and value, reads are completed with our answer,
 * kicks bound to eventfds never leave the module, and an irqfd written by
 * another thread wakes a halted guest.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/eventfd.h>

#include "kselftest_harness.h"
#include "core_test.h"

#define GUEST(mode, arg, arg2)						\
	struct vm vm = { 0 };						\
	int fd;								\
	mv_open_or_skip(fd);						\
	ASSERT_EQ(0, vm_create_mmio(&vm, fd, (mode), (arg), (arg2), 0x1000)) \
		TH_LOG("creating the guest: %s", strerror(errno))

#define EXPECT_DONE(vm) do {						\
	ASSERT_EQ(MV_EXIT_HYPERCALL, (vm)->run.exit_reason)		\
		TH_LOG("exit %u: %s", (vm)->run.exit_reason, (vm)->run.end.reason); \
	ASSERT_NE(UCALL_FAIL, (vm)->run.hypercall.nr)			\
		TH_LOG("guest assertion at line %llu: got %#llx want %#llx", \
		       (unsigned long long)(vm)->run.hypercall.args[0],	\
		       (unsigned long long)(vm)->run.hypercall.args[1],	\
		       (unsigned long long)(vm)->run.hypercall.args[2]); \
	ASSERT_EQ(UCALL_DONE, (vm)->run.hypercall.nr);			\
} while (0)

struct access {
	uint64_t off;
	uint32_t size;
	int write;
	uint64_t data;
};

/* In the order guest_main.c's mmio_writes() and mmio_reads() make them. */
static const struct access accesses[] = {
	{ 0, 1, 1, 0x11 },
	{ 8, 2, 1, 0x2222 },
	{ 16, 4, 1, 0x33333333 },
	{ 24, 8, 1, 0x4444444444444444ULL },
	{ 32, 1, 1, 0x55 },
	{ 40, 2, 1, 0x6666 },
	{ 48, 4, 1, 0x77777777 },
	{ 56, 8, 1, 0xfffffffffffffffeULL },
	{ 64, 8, 1, 0x9999999999999999ULL },
	{ 72, 1, 1, 0xab },
	{ 80, 1, 1, 0x5e },
	{ 96, 4, 1, 0xc0ffee00 },
	{ 104, 1, 0, 0 }, { 112, 2, 0, 0 }, { 120, 4, 0, 0 }, { 128, 8, 0, 0 },
	{ 136, 1, 0, 0 }, { 144, 2, 0, 0 }, { 152, 1, 0, 0 }, { 160, 2, 0, 0 },
	{ 168, 1, 0, 0 }, { 176, 4, 0, 0 }, { 184, 2, 0, 0 },
};

TEST(mmio_every_mov_form)
{
	unsigned int i;

	GUEST(GM_MMIO, 0, 0);
	for (i = 0; i < sizeof(accesses) / sizeof(accesses[0]); i++) {
		const struct access *a = &accesses[i];

		ASSERT_EQ(0, vm_run(&vm));
		ASSERT_EQ(MV_EXIT_MMIO, vm.run.exit_reason)
			TH_LOG("access %u: exit %u: %s", i, vm.run.exit_reason,
			       vm.run.end.reason);
		EXPECT_EQ(G_MMIO + a->off, vm.run.mmio.addr) TH_LOG("access %u", i);
		EXPECT_EQ(a->size, vm.run.mmio.size) TH_LOG("access %u", i);
		EXPECT_EQ(a->write, vm.run.mmio.is_write) TH_LOG("access %u", i);
		if (a->write) {
			EXPECT_EQ(a->data, vm.run.mmio.data) TH_LOG("access %u", i);
		} else {
			vm.run.mmio.data = MMIO_READ_VALUE;
		}
	}
	ASSERT_EQ(0, vm_run(&vm));
	EXPECT_DONE(&vm);
}

/* What the decoder does not know kills the guest, with the bytes. */
TEST(mmio_undecodable)
{
	GUEST(GM_MMIO_BAD, 0, 0);
	EXPECT_KILLED(&vm, "not decoded");
	EXPECT_NE(NULL, strstr(vm.run.end.reason, "83 0"))
		TH_LOG("reason: %s", vm.run.end.reason);
}

static uint64_t count_of(int efd)
{
	uint64_t n = 0;

	if (read(efd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

/* Kicks bound to eventfds do not stop the guest; unbound ones do. */
TEST(kicks_go_to_eventfds)
{
	struct mv_eventfd mmio = { .flags = MV_IOEVENTFD_MMIO, .value = G_MMIO_KICK };
	struct mv_eventfd notify = { .value = 8 };
	struct mv_eventfd bad = { .flags = MV_IOEVENTFD_MMIO, .value = G_MMIO + 0x1000 };

	GUEST(GM_KICKS, 100, 0);
	mmio.fd = eventfd(0, EFD_NONBLOCK);
	notify.fd = eventfd(0, EFD_NONBLOCK);
	bad.fd = mmio.fd;
	ASSERT_LE(0, mmio.fd);
	ASSERT_LE(0, notify.fd);
	ASSERT_EQ(0, ioctl(fd, MV_IOEVENTFD, &mmio));
	ASSERT_EQ(0, ioctl(fd, MV_IOEVENTFD, &notify));
	EXPECT_EQ(-1, ioctl(fd, MV_IOEVENTFD, &notify));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioctl(fd, MV_IOEVENTFD, &bad));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, vm_run(&vm));
	ASSERT_EQ(MV_EXIT_NOTIFY, vm.run.exit_reason)
		TH_LOG("exit %u: %s", vm.run.exit_reason, vm.run.end.reason);
	EXPECT_EQ(7, vm.run.notify.value);
	EXPECT_EQ(100, count_of(mmio.fd));
	EXPECT_EQ(100, count_of(notify.fd));
	ASSERT_EQ(0, vm_run(&vm));
	EXPECT_DONE(&vm);

	notify.flags = MV_EVENTFD_DEASSIGN;
	EXPECT_EQ(0, ioctl(fd, MV_IOEVENTFD, &notify));
	EXPECT_EQ(-1, ioctl(fd, MV_IOEVENTFD, &notify));
	EXPECT_EQ(ENOENT, errno);
}

static void *write_later(void *arg)
{
	uint64_t one = 1;

	usleep(200000);
	if (write(*(int *)arg, &one, sizeof(one)) != sizeof(one))
		return (void *)1;
	return NULL;
}

/* Another thread's write to an irqfd wakes the halted guest. */
TEST(irqfd_wakes_halted_guest)
{
	struct mv_eventfd irq = { .value = 0x40 };
	pthread_t t;
	void *ret;

	GUEST(GM_HALT, 0, 0);
	irq.fd = eventfd(0, 0);
	ASSERT_LE(0, irq.fd);
	ASSERT_EQ(0, ioctl(fd, MV_IRQFD, &irq));
	ASSERT_EQ(0, vm_run(&vm));
	ASSERT_EQ(UCALL_READY, vm.run.hypercall.nr);
	ASSERT_EQ(0, pthread_create(&t, NULL, write_later, &irq.fd));
	ASSERT_EQ(0, vm_run(&vm));
	EXPECT_DONE(&vm);
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(NULL, ret);
	irq.flags = MV_EVENTFD_DEASSIGN;
	EXPECT_EQ(0, ioctl(fd, MV_IRQFD, &irq));
	/* closing with bindings left is fine too */
	EXPECT_EQ(0, ioctl(fd, MV_IRQFD, &(struct mv_eventfd){ .fd = irq.fd, .value = 0x41 }));
}

TEST_HARNESS_MAIN
