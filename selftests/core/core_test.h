/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side of a core test: a guest of G_MEM_SIZE bytes in our own
 * memory, the test guest image loaded at G_LOAD, identity-mapped with 2 MB
 * pages, and helpers to run it and read its exits.
 */
#ifndef CORE_TEST_H
#define CORE_TEST_H

#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mv_test.h"
#include "guest.h"

extern const char _binary_guest_bin_start[], _binary_guest_bin_end[];

struct vm {
	int fd;
	uint8_t *mem;
	struct mv_run run;
	uint64_t last_sync;	/* the argument of the last UCALL_SYNC */
};

#define PTE_P	0x1ULL
#define PTE_W	0x2ULL
#define PTE_U	0x4ULL
#define PTE_PS	0x80ULL

/* The module's fastpath parameter (switcher.S's fast path). */
#define FASTPATH_PARAM	"/sys/module/megavirt/parameters/fastpath"

/* Turn the fast path on or off; false if we cannot. */
static inline bool set_fastpath(bool on)
{
	int fd = open(FASTPATH_PARAM, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, on ? "Y" : "N", 1) == 1;
	close(fd);
	return ok;
}

/* Lay out guest memory: the image twice, and the identity page tables. */
static inline void vm_init_memory(uint8_t *mem)
{
	uint64_t *pml4, *pdpt, *pd;
	size_t len = _binary_guest_bin_end - _binary_guest_bin_start;

	memcpy(mem + G_LOAD, _binary_guest_bin_start, len);
	memcpy(mem + G_USER_LOAD, _binary_guest_bin_start, len);
	memset(mem + G_PML4, 0, 3 * 4096);
	pml4 = (uint64_t *)(mem + G_PML4);
	pdpt = (uint64_t *)(mem + G_PDPT);
	pd = (uint64_t *)(mem + G_PD);
	/* user access needs U at every level; the leaves decide */
	pml4[0] = G_PDPT | PTE_P | PTE_W | PTE_U;
	pdpt[0] = G_PD | PTE_P | PTE_W | PTE_U;
	pd[0] = 0 | PTE_P | PTE_W | PTE_PS;
	pd[1] = (2UL << 20) | PTE_P | PTE_W | PTE_PS;
	pd[2] = (4UL << 20) | PTE_P | PTE_W | PTE_PS | PTE_U;
	pdpt[G_MMIO >> 30] = G_MMIO | PTE_P | PTE_W | PTE_PS;
}

/* Make @vm->fd a guest on @vm->mem, entering guest_main(mode, arg, arg2). */
static inline int vm_start(struct vm *vm, uint64_t mode, uint64_t arg,
			   uint64_t arg2, uint64_t mmio_size)
{
	struct mv_guest_config cfg = { 0 };
	struct mv_regs regs = { 0 };

	cfg.mem_base = (uintptr_t)vm->mem;
	cfg.mem_size = G_MEM_SIZE;
	cfg.mmio_base = mmio_size ? G_MMIO : 0;
	cfg.mmio_size = mmio_size;
	if (ioctl(vm->fd, MV_CREATE_GUEST, &cfg))
		return -1;
	regs.rip = G_LOAD;
	regs.rsp = G_STACK_TOP;
	regs.rdi = mode;
	regs.rsi = arg;
	regs.rdx = arg2;
	regs.cr3 = G_PML4;
	regs.rflags = 0x2;
	return ioctl(vm->fd, MV_SET_REGS, &regs);
}

/*
 * Create the guest and set it up to enter guest_main(mode, arg, arg2),
 * with @mmio_size bytes of device space at G_MMIO.
 */
static inline int vm_create_mmio(struct vm *vm, int fd, uint64_t mode,
				 uint64_t arg, uint64_t arg2, uint64_t mmio_size)
{
	vm->fd = fd;
	vm->mem = mmap(NULL, G_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED)
		return -1;
	vm_init_memory(vm->mem);
	return vm_start(vm, mode, arg, arg2, mmio_size);
}

static inline int vm_create(struct vm *vm, int fd, uint64_t mode, uint64_t arg,
			    uint64_t arg2)
{
	return vm_create_mmio(vm, fd, mode, arg, arg2, 0);
}

/* Run until an exit that is not an echo or sync ucall (those we answer). */
static inline int vm_run(struct vm *vm)
{
	for (;;) {
		if (ioctl(vm->fd, MV_RUN, &vm->run))
			return -1;
		if (vm->run.exit_reason != MV_EXIT_HYPERCALL)
			return 0;
		if (vm->run.hypercall.nr == UCALL_ECHO) {
			__u64 *a = vm->run.hypercall.args;

			vm->run.hypercall.ret = a[0] + a[1] + a[2] + a[3] + a[4] + 1;
		} else if (vm->run.hypercall.nr == UCALL_SYNC) {
			vm->last_sync = vm->run.hypercall.args[0];
			vm->run.hypercall.ret = 0x5a5a;
		} else {
			return 0;
		}
	}
}

/* A counter the guest keeps in its memory (G_COUNTERS). */
#define COUNTER(vm, i)	(((volatile uint64_t *)((vm)->mem + G_COUNTERS))[i])

/* Run the guest and expect this ucall; a guest assertion shows its line. */
#define EXPECT_UCALL(vm, want) do {					\
	ASSERT_EQ(0, vm_run(vm)) TH_LOG("MV_RUN: %s", strerror(errno)); \
	ASSERT_EQ(MV_EXIT_HYPERCALL, (vm)->run.exit_reason)		\
		TH_LOG("exit %u: %s", (vm)->run.exit_reason, (vm)->run.end.reason); \
	ASSERT_EQ((want), (vm)->run.hypercall.nr)				\
		TH_LOG("guest assertion at line %llu: got %#llx want %#llx", \
		       (unsigned long long)(vm)->run.hypercall.args[0],	\
		       (unsigned long long)(vm)->run.hypercall.args[1],	\
		       (unsigned long long)(vm)->run.hypercall.args[2]); \
} while (0)

/* Run the guest and expect it to die by the hypervisor's hand. */
#define EXPECT_KILLED(vm, what) do {					\
	ASSERT_EQ(0, vm_run(vm));					\
	ASSERT_EQ(MV_EXIT_CRASH, (vm)->run.exit_reason)			\
		TH_LOG("exit %u nr %#llx", (vm)->run.exit_reason,	\
		       (unsigned long long)(vm)->run.hypercall.nr);	\
	EXPECT_EQ(MV_CRASH_HYPERVISOR, (vm)->run.end.origin);		\
	EXPECT_NE(NULL, strstr((vm)->run.end.reason, (what)))		\
		TH_LOG("reason: %s", (vm)->run.end.reason);		\
} while (0)

/* Guest code addresses, from the image: the guest is loaded where linked. */
static inline uint64_t guest_sym_addr(const void *host_sym_in_image)
{
	return G_LOAD + ((const char *)host_sym_in_image - _binary_guest_bin_start);
}

/* The switcher's base, from the paging depth the module reports. */
static inline uint64_t switcher_base(int fd)
{
	struct mv_host_info info = { .size = sizeof(info) };

	if (ioctl(fd, MV_GET_HOST_INFO, &info))
		return 0;
	return info.paging_levels == 5 ? 0xff00000000000000ULL :
					 0xffff800000000000ULL;
}

static inline void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

#endif
