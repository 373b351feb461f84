// SPDX-License-Identifier: GPL-2.0
/*
 * The kvm engine: a guest on /dev/kvm.  Read after engine.c.
 *
 * KVM gives us almost the PC we want: KVM_CREATE_IRQCHIP puts the PIC,
 * IOAPIC and local APIC in the kernel, KVM_CREATE_PIT2 the timer, and the
 * virtio eventfds are wired with KVM_IOEVENTFD and KVM_IRQFD so that a
 * queue notification or an interrupt never needs this process's vCPU
 * thread.  What is left for us: the vCPU's state at the kernel's 64-bit
 * entry, and the exits KVM cannot finish itself (port I/O, MMIO, the
 * guest's end), handed to the device model through guest__pio() and
 * guest__mmio().
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "guest.h"

#define KVM_DEV			"/dev/kvm"
#define KVM_TSS_ADDR		0xfffbd000ULL
#define KVM_IDENTITY_ADDR	0xfffbc000ULL

#define CR0_PE			BIT_ULL(0)
#define CR0_MP			BIT_ULL(1)
#define CR0_ET			BIT_ULL(4)
#define CR0_NE			BIT_ULL(5)
#define CR0_PG			BIT_ULL(31)
#define CR4_PAE			BIT_ULL(5)
#define EFER_LME		BIT_ULL(8)
#define EFER_LMA		BIT_ULL(10)

#define CPUID_1_ECX_HYPERVISOR	BIT(31)

#define APIC_LVT_LINT0		0x350
#define APIC_LVT_LINT1		0x360
#define APIC_MODE_NMI		(4 << 8)
#define APIC_MODE_EXTINT	(7 << 8)

#define EXIT_REASONS		64

/* With MVLAUNCH_DEBUG: exits by reason and port I/O exits by port. */
struct exit_stats {
	u64 reason[EXIT_REASONS];
	u32 port[65536];
};

struct kvm_vm {
	int sys_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	struct exit_stats *stats;
};

static const struct {
	int cap;
	const char *name;
} kvm_needs[] = {
	{ KVM_CAP_IRQCHIP, "in-kernel irqchip" },
	{ KVM_CAP_USER_MEMORY, "user memory" },
	{ KVM_CAP_IOEVENTFD, "ioeventfd" },
	{ KVM_CAP_IRQFD, "irqfd" },
	{ KVM_CAP_PIT2, "in-kernel PIT" },
	{ KVM_CAP_SET_TSS_ADDR, "TSS address" },
	{ KVM_CAP_EXT_CPUID, "CPUID" },
	{ KVM_CAP_IMMEDIATE_EXIT, "immediate exit" },
};

static int kvm_open(char *why, size_t len)
{
	int fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		snprintf(why, len,
			 "%s does not exist: load kvm_intel or kvm_amd, or use a host with VT-x/AMD-V",
			 KVM_DEV);
	else if (errno == EACCES || errno == EPERM)
		snprintf(why, len,
			 "no permission to open %s (add the user to its group, usually 'kvm')",
			 KVM_DEV);
	else
		snprintf(why, len, "cannot open %s: %s", KVM_DEV,
			 strerror(errno));
	return -1;
}

/* Before anything starts: is there a KVM here that can run our guest? */
static int kvm_probe(char *why, size_t len)
{
	unsigned int i;
	int fd = kvm_open(why, len);

	if (fd < 0)
		return MV_EXIT_HOST;
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(why, len, "%s speaks an unknown KVM API", KVM_DEV);
		close(fd);
		return MV_EXIT_HOST;
	}
	for (i = 0; i < ARRAY_SIZE(kvm_needs); i++) {
		if (ioctl(fd, KVM_CHECK_EXTENSION, kvm_needs[i].cap) <= 0) {
			snprintf(why, len, "this KVM lacks %s",
				 kvm_needs[i].name);
			close(fd);
			return MV_EXIT_HOST;
		}
	}
	close(fd);
	return 0;
}

static int kvm_create(struct guest *g)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct kvm_vm *vm = calloc(1, sizeof(*vm));
	u64 ident = KVM_IDENTITY_ADDR;
	char why[160];

	if (!vm)
		return guest__fail(g, "out of memory");
	vm->vm_fd = -1;
	vm->vcpu_fd = -1;
	g->engine_data = vm;
	vm->sys_fd = kvm_open(why, sizeof(why));
	if (vm->sys_fd < 0) {
		guest__end(g, GUEST_FAILED, "%s", why);
		return -1;
	}
	vm->vm_fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return guest__fail(g, "KVM_CREATE_VM");
	/* Intel needs these two pages of its own below 4 GiB; AMD ignores. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0)
		return guest__fail(g, "KVM_SET_TSS_ADDR");
	ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return guest__fail(g, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return guest__fail(g, "KVM_CREATE_PIT2");
	if (getenv("MVLAUNCH_DEBUG"))
		vm->stats = calloc(1, sizeof(*vm->stats));
	return 0;
}

static int kvm_add_memory(struct guest *g)
{
	struct kvm_vm *vm = g->engine_data;
	struct kvm_userspace_memory_region r = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = g->mem.size,
		.userspace_addr = (u64)(unsigned long)g->mem.hva,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return guest__fail(g, "KVM_SET_USER_MEMORY_REGION");
	return 0;
}

/*
 * The host CPU's features, as KVM can virtualise them, with APIC id 0 and
 * the hypervisor bit, which KVM leaves to us.  Without it Linux never
 * looks at KVM's leaves: no kvmclock, so no TSC frequency, and under
 * hardware-reduced ACPI (no PIT, no HPET) no timer at all.
 */
static int set_cpuid(struct kvm_vm *vm)
{
	struct kvm_cpuid2 *c;
	unsigned int n = 64, i;

	for (;;) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return -1;
		c->nent = n;
		if (!ioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, c))
			break;
		free(c);
		if (errno != E2BIG || n > 4096)
			return -1;
		n *= 2;
	}
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1) {
			e->ebx &= 0x00ffffff;
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
		}
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = 0;
	}
	i = ioctl(vm->vcpu_fd, KVM_SET_CPUID2, c);
	free(c);
	return i ? -1 : 0;
}

/* Legacy interrupts through LINT0 (the PIC) and NMIs through LINT1. */
static int set_lapic(struct kvm_vm *vm)
{
	struct kvm_lapic_state lapic;
	u32 v;

	if (ioctl(vm->vcpu_fd, KVM_GET_LAPIC, &lapic) < 0)
		return -1;
	memcpy(&v, lapic.regs + APIC_LVT_LINT0, 4);
	v = (v & ~0x700) | APIC_MODE_EXTINT;
	memcpy(lapic.regs + APIC_LVT_LINT0, &v, 4);
	memcpy(&v, lapic.regs + APIC_LVT_LINT1, 4);
	v = (v & ~0x700) | APIC_MODE_NMI;
	memcpy(lapic.regs + APIC_LVT_LINT1, &v, 4);
	return ioctl(vm->vcpu_fd, KVM_SET_LAPIC, &lapic) < 0 ? -1 : 0;
}

/*
 * The state Documentation/x86/boot.rst asks for at the 64-bit entry:
 * long mode with paging on identity-mapped tables, __BOOT_CS and
 * __BOOT_DS loaded from a flat GDT, interrupts off, %rsi = boot_params.
 */
static int set_sregs(struct guest *g, struct kvm_vm *vm)
{
	struct kvm_segment code = {
		.limit = 0xffffffff, .selector = 0x10, .type = 11,
		.present = 1, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = {
		.limit = 0xffffffff, .selector = 0x18, .type = 3,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};
	struct kvm_sregs s;

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	s.cs = code;
	s.ds = data;
	s.es = data;
	s.fs = data;
	s.gs = data;
	s.ss = data;
	s.gdt.base = g->boot.gdt_base;
	s.gdt.limit = g->boot.gdt_limit;
	s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG;
	s.cr3 = g->boot.cr3;
	s.cr4 = CR4_PAE;
	s.efer = EFER_LME | EFER_LMA;
	return ioctl(vm->vcpu_fd, KVM_SET_SREGS, &s) < 0 ? -1 : 0;
}

static int kvm_set_boot_state(struct guest *g)
{
	struct kvm_vm *vm = g->engine_data;
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	struct kvm_regs r = {
		.rflags = 2,
		.rip = g->boot.rip,
		.rsi = g->boot.rsi,
		.rsp = g->boot.rsp,
	};
	int size;

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return guest__fail(g, "KVM_CREATE_VCPU");
	size = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return guest__fail(g, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return guest__fail(g, "mmap kvm_run");
	}
	vm->run_size = size;
	if (set_cpuid(vm))
		return guest__fail(g, "KVM_SET_CPUID2");
	if (set_lapic(vm))
		return guest__fail(g, "KVM_SET_LAPIC");
	if (set_sregs(g, vm))
		return guest__fail(g, "KVM_SET_SREGS");
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &r) < 0)
		return guest__fail(g, "KVM_SET_REGS");
	if (ioctl(vm->vcpu_fd, KVM_SET_FPU, &fpu) < 0)
		return guest__fail(g, "KVM_SET_FPU");
	return 0;
}

static int kvm_irqfd(struct guest *g, u32 gsi, int fd)
{
	struct kvm_vm *vm = g->engine_data;
	struct kvm_irqfd i = { .fd = fd, .gsi = gsi };

	return ioctl(vm->vm_fd, KVM_IRQFD, &i) < 0 ? -1 : 0;
}

static int kvm_ioeventfd(struct guest *g, u64 addr, u32 len, u64 match,
			 int fd)
{
	struct kvm_vm *vm = g->engine_data;
	struct kvm_ioeventfd e = {
		.datamatch = match, .addr = addr, .len = len, .fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};

	return ioctl(vm->vm_fd, KVM_IOEVENTFD, &e) < 0 ? -1 : 0;
}

static int kvm_irq_line(struct guest *g, u32 gsi, int level)
{
	struct kvm_vm *vm = g->engine_data;
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	return ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0 ? -1 : 0;
}

static void handle_io(struct guest *g, struct kvm_run *run)
{
	u8 *data = (u8 *)run + run->io.data_offset;
	u32 i;

	for (i = 0; i < run->io.count; i++, data += run->io.size)
		guest__pio(g, run->io.port, data, run->io.size,
			   run->io.direction == KVM_EXIT_IO_OUT);
}

static void count_exit(struct exit_stats *st, struct kvm_run *run)
{
	st->reason[run->exit_reason % EXIT_REASONS]++;
	if (run->exit_reason == KVM_EXIT_IO)
		st->port[run->io.port]++;
}

/* One exit; false when the vCPU must not run again. */
static bool handle_exit(struct guest *g, struct kvm_run *run)
{
	struct kvm_vm *vm = g->engine_data;

	if (vm->stats)
		count_exit(vm->stats, run);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(g, run);
		return true;
	case KVM_EXIT_MMIO:
		guest__mmio(g, run->mmio.phys_addr, run->mmio.data,
			    run->mmio.len, run->mmio.is_write);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SHUTDOWN:
		guest__end(g, GUEST_CRASH, "triple fault (CPU shutdown)");
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
			guest__end(g, GUEST_POWEROFF, "powered off");
		else if (run->system_event.type == KVM_SYSTEM_EVENT_RESET)
			guest__end(g, GUEST_REBOOT, "rebooted");
		else
			guest__end(g, GUEST_CRASH, "system event %u",
				   run->system_event.type);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		guest__end(g, GUEST_CRASH,
			   "KVM internal error %u (emulation failed?)",
			   run->internal.suberror);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		guest__end(g, GUEST_CRASH, "VM entry failed, reason %#llx",
			   (unsigned long long)
			   run->fail_entry.hardware_entry_failure_reason);
		return false;
	default:
		guest__end(g, GUEST_CRASH, "unexpected KVM exit %u",
			   run->exit_reason);
		return false;
	}
}

/* The vCPU thread's whole life: run until the guest ends. */
static int kvm_run(struct guest *g)
{
	struct kvm_vm *vm = g->engine_data;

	while (!guest__ended(g)) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				vm->run->immediate_exit = 0;
				continue;
			}
			return guest__fail(g, "KVM_RUN");
		}
		if (!handle_exit(g, vm->run))
			break;
	}
	return 0;
}

/*
 * From another thread: make KVM_RUN return.  immediate_exit covers the
 * window before the vCPU thread re-enters the kernel, the signal the
 * time it spends inside.
 */
static void kvm_kick(struct guest *g)
{
	struct kvm_vm *vm = g->engine_data;

	if (!vm || !vm->run || !g->vcpu_started)
		return;
	vm->run->immediate_exit = 1;
	pthread_kill(g->vcpu_thread, SIGUSR1);
}

/* The busiest exits: what a boot spends its time on. */
static void dump_stats(struct guest *g, struct exit_stats *st)
{
	unsigned int i, k, best;

	for (i = 0; i < EXIT_REASONS; i++)
		if (st->reason[i])
			mv_info("guest %u: %llu exits of reason %u", g->index,
				(unsigned long long)st->reason[i], i);
	for (k = 0; k < 8; k++) {
		best = 0;
		for (i = 1; i < 65536; i++)
			if (st->port[i] > st->port[best])
				best = i;
		if (!st->port[best])
			break;
		mv_info("guest %u: %u exits on port %#x", g->index,
			st->port[best], best);
		st->port[best] = 0;
	}
}

/* Where the vCPU was, for a crash report or a guest stopped mid-boot. */
static void kvm_dump(struct guest *g)
{
	struct kvm_vm *vm = g->engine_data;
	struct kvm_sregs s;
	struct kvm_regs r;

	if (vm && vm->stats)
		dump_stats(g, vm->stats);
	if (!vm || vm->vcpu_fd < 0 || ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) ||
	    ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s))
		return;
	mv_info("guest %u: vCPU at rip %#llx rsp %#llx rflags %#llx cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx",
		g->index, r.rip, r.rsp, r.rflags, s.cr0, s.cr3, s.cr4, s.efer);
}

static void kvm_destroy(struct guest *g)
{
	struct kvm_vm *vm = g->engine_data;

	if (!vm)
		return;
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	free(vm->stats);
	free(vm);
	g->engine_data = NULL;
}

const struct engine_ops kvm_engine = {
	.name = "kvm",
	.dev_path = KVM_DEV,
	.probe = kvm_probe,
	.create = kvm_create,
	.add_memory = kvm_add_memory,
	.set_boot_state = kvm_set_boot_state,
	.irqfd = kvm_irqfd,
	.ioeventfd = kvm_ioeventfd,
	.irq_line = kvm_irq_line,
	.run = kvm_run,
	.kick = kvm_kick,
	.dump = kvm_dump,
	.destroy = kvm_destroy,
};
