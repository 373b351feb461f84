/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The one contract between megavirt.ko, mvlaunch, the guest and the tests.
 *
 * Everything that crosses /dev/megavirt is described here, in fixed-width
 * types only, so that a 64-bit launcher, the module and the selftests agree
 * byte for byte.  Documentation/abi.rst tells the same story with each
 * ioctl's capability, parameters, returns and errors.  A number, once
 * published, is never reused: a retired ioctl keeps its slot reserved.
 *
 * The header has two halves.  The first is what a launcher sees: ioctls on
 * /dev/megavirt and the exits MV_RUN returns.  The second is what a guest
 * sees: the hypercall numbers, the segment selectors it runs with, the
 * shared page, and the address range it must leave to the switcher.
 */
#ifndef _UAPI_LINUX_MEGAVIRT_H
#define _UAPI_LINUX_MEGAVIRT_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/const.h>

/*
 * The ABI version moves only when an existing ioctl changes meaning.  New
 * ioctls are discovered by asking for them (an unknown one answers -ENOTTY),
 * the way KVM's capabilities are.
 */
#define MEGAVIRT_ABI_VERSION	1

#define MEGAVIRT_IOCTL_BASE	0xAE	/* shared with KVM's range, numbers differ */

/*
 * MV_GET_ABI_VERSION: the first call a launcher makes.  It carries no
 * argument and returns MEGAVIRT_ABI_VERSION; a launcher built for another
 * version must refuse to go on.
 */
#define MV_GET_ABI_VERSION	_IO(MEGAVIRT_IOCTL_BASE, 0xe0)

/*
 * MV_GET_HOST_INFO: what the module found on this host at load time, for
 * the launcher's diagnostics and the tests.  The caller sets @size to the
 * size of the structure it knows; the module fills at most that much and
 * answers -EINVAL to a size smaller than the version-1 layout, so a future
 * longer structure stays compatible both ways.
 */
struct mv_host_info {
	__u32 size;		/* in: sizeof(struct mv_host_info) */
	__u32 abi_version;	/* out: MEGAVIRT_ABI_VERSION */
	__u32 flags;		/* out: MV_HOST_* below */
	__u32 paging_levels;	/* out: 4 or 5 */
	__u64 tsc_khz;		/* out: host TSC frequency */
	__u64 reserved[4];	/* out: zero */
};

#define MV_HOST_KPTI		_BITUL(0)	/* page table isolation is on */
#define MV_HOST_SMAP		_BITUL(1)
#define MV_HOST_SMEP		_BITUL(2)
#define MV_HOST_UMIP		_BITUL(3)
#define MV_HOST_LA57		_BITUL(4)	/* 5-level paging is in use */

#define MV_GET_HOST_INFO	_IOWR(MEGAVIRT_IOCTL_BASE, 0xe1, struct mv_host_info)

/*
 * MV_CREATE_GUEST: turn this open file into a guest.  Guest-physical
 * address 0 is @mem_base in the caller's address space and guest memory
 * runs for @mem_size bytes; both are page aligned.  The module never copies
 * or pins that range for longer than one access: the launcher keeps owning
 * it (mmap it MAP_PRIVATE from a file, mark it mergeable, ...) and the
 * guest sees every change the launcher makes.  Guest-physical addresses in
 * [@mmio_base, @mmio_base + @mmio_size) are device space: a guest access
 * there is decoded and handed to the launcher as an MV_EXIT_MMIO.  Any
 * other address outside guest memory kills the guest.
 *
 * One guest per open file, created once: a second call answers -EEXIST.
 * The guest lives until the last reference to the file is closed.
 */
struct mv_guest_config {
	__u64 mem_base;		/* launcher virtual address of guest-physical 0 */
	__u64 mem_size;		/* bytes, page aligned, at least one page */
	__u64 mmio_base;	/* guest-physical start of device space */
	__u64 mmio_size;	/* its length; 0 for none */
	__u32 flags;		/* must be 0 */
	__u32 reserved0;
	__u64 reserved[3];	/* must be 0 */
};

#define MV_CREATE_GUEST		_IOW(MEGAVIRT_IOCTL_BASE, 0xe2, struct mv_guest_config)

/*
 * MV_GET_REGS / MV_SET_REGS: the guest's general registers.  Before the
 * first MV_RUN this is the boot state (see "Boot state" below); between
 * runs it is where the guest stopped.  The module sanitises what it is
 * given rather than refusing it: @cs and @ss are forced to the guest's
 * own selectors for the privilege level the guest was in, RFLAGS to IOPL 0
 * with interrupts on.  @cr3 is guest-physical, @fs_base and @gs_base are
 * the values the guest's rdfsbase/rdgsbase return.  A RIP or RSP the CPU
 * would refuse kills the guest at its next run with a reason, not here.
 */
struct mv_regs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
	__u64 cr3;		/* guest-physical address of the 4-level root */
	__u64 fs_base, gs_base;
	__u16 cs, ss;		/* out only: MV_GUEST_CS/DS or the user ones */
	__u32 reserved0;
	__u64 reserved[4];
};

#define MV_GET_REGS		_IOR(MEGAVIRT_IOCTL_BASE, 0xe3, struct mv_regs)
#define MV_SET_REGS		_IOW(MEGAVIRT_IOCTL_BASE, 0xe4, struct mv_regs)

/*
 * MV_RUN: run the guest until it needs the launcher.  The call returns 0
 * with @exit_reason and the matching member filled, or -1 with errno:
 * EINTR when a signal is pending (nothing else changed: call again), EINVAL
 * before MV_CREATE_GUEST, EFAULT for a bad pointer.
 *
 * Some exits wait for an answer.  MV_EXIT_HYPERCALL takes hypercall.ret
 * and MV_EXIT_MMIO of a read takes mmio.data; the launcher writes it into
 * the same structure and passes it to the next MV_RUN, which completes the
 * guest's instruction before the guest goes on.  The ends (shutdown,
 * reboot, crash) are final: every later MV_RUN returns the same exit.
 */
enum mv_exit_reason {
	MV_EXIT_NONE		= 0,
	MV_EXIT_HYPERCALL	= 1,	/* a hypercall in the launcher's range */
	MV_EXIT_MMIO		= 2,	/* an access to device space */
	MV_EXIT_NOTIFY		= 3,	/* MV_HC_NOTIFY with no eventfd bound */
	MV_EXIT_SHUTDOWN	= 4,	/* the guest powered off */
	MV_EXIT_REBOOT		= 5,	/* the guest asked to be started again */
	MV_EXIT_CRASH		= 6,	/* the guest is dead; crash.reason says why */
};

/* Who ended the guest, in crash.origin. */
#define MV_CRASH_GUEST		1	/* the guest reported it (a panic) */
#define MV_CRASH_HYPERVISOR	2	/* the module killed it for what it did */

#define MV_REASON_LEN		200

struct mv_run {
	__u32 exit_reason;	/* out: enum mv_exit_reason */
	__u32 flags;		/* in: must be 0 */
	union {
		/* MV_EXIT_HYPERCALL: numbers >= MV_HC_LAUNCHER_BASE */
		struct {
			__u64 nr;
			__u64 args[5];
			__u64 ret;	/* in, on the next MV_RUN */
		} hypercall;
		/* MV_EXIT_MMIO: decoded by the module, values little-endian */
		struct {
			__u64 addr;	/* guest-physical */
			__u64 data;	/* out for writes, in for reads */
			__u32 size;	/* 1, 2, 4 or 8 */
			__u8 is_write;
			__u8 pad[3];
		} mmio;
		/* MV_EXIT_NOTIFY */
		struct {
			__u64 value;
		} notify;
		/* MV_EXIT_SHUTDOWN, MV_EXIT_REBOOT, MV_EXIT_CRASH */
		struct {
			__u32 origin;	/* MV_CRASH_*; 0 for shutdown and reboot */
			__u32 trap;	/* for the hypervisor's kills: the vector */
			__u64 rip;	/* where the guest was */
			char reason[MV_REASON_LEN];	/* NUL-terminated */
		} end;
		__u8 pad[256];
	};
};

#define MV_RUN			_IOWR(MEGAVIRT_IOCTL_BASE, 0xe5, struct mv_run)

/*
 * The interrupt side of the launcher interface.  None of these takes the
 * vCPU's lock: any thread of the launcher may call them while MV_RUN runs
 * or sleeps in the guest's HALT.
 *
 * MV_INTERRUPT raises a vector (32-255) of the guest's IDT; it is
 * delivered when the guest's virtual IF allows.
 *
 * MV_IRQFD binds an eventfd to a vector: every write to the eventfd raises
 * it.  MV_IOEVENTFD binds an eventfd to a kick: MV_HC_NOTIFY with @value,
 * or, with MV_IOEVENTFD_MMIO, a guest write of any size and value to the
 * device-space address @value.  A bound kick signals the eventfd and the
 * guest goes on: no MV_EXIT_NOTIFY or MV_EXIT_MMIO.  A value takes one
 * eventfd (-EEXIST).  MV_EVENTFD_DEASSIGN in @flags undoes a binding
 * (-ENOENT if there was none).  Bindings go with the guest.
 */
#define MV_INTERRUPT		_IOW(MEGAVIRT_IOCTL_BASE, 0xe6, __u32)
#define MV_IRQFD		_IOW(MEGAVIRT_IOCTL_BASE, 0xe7, struct mv_eventfd)
#define MV_IOEVENTFD		_IOW(MEGAVIRT_IOCTL_BASE, 0xe8, struct mv_eventfd)

struct mv_eventfd {
	__s32 fd;
	__u32 flags;		/* MV_EVENTFD_DEASSIGN, MV_IOEVENTFD_MMIO */
	__u64 value;		/* the vector, the notify value or the address */
	__u64 reserved[2];	/* must be 0 */
};

#define MV_EVENTFD_DEASSIGN	_BITUL(0)
#define MV_IOEVENTFD_MMIO	_BITUL(1)

/*
 * MV_GET_STATS: counters of the guest's life so far, for tests and tools.
 * The caller sets @size as for MV_GET_HOST_INFO.  @exits counts the
 * guest's trips out of the switcher into the module (each hypercall,
 * shadow page fault, host interrupt, slow delivery ...); a user syscall or
 * exception the switcher delivered to the guest kernel by itself (the
 * fast path) is not one.  @fast_fallbacks counts the deliveries the fast
 * path began and left to the module (the guest kernel's stack or shared
 * page not mapped writable in the shadow tables at that moment).
 */
struct mv_stats {
	__u32 size;		/* in: sizeof(struct mv_stats) */
	__u32 reserved0;
	__u64 exits;		/* out */
	__u64 fast_fallbacks;	/* out */
	__u64 page_faults;	/* out: exits for a page fault */
	__u64 hypercalls;	/* out: exits for a hypercall */
	__u64 interrupts;	/* out: exits for a host interrupt */
	__u64 reserved[2];	/* out: zero */
};

#define MV_GET_STATS		_IOWR(MEGAVIRT_IOCTL_BASE, 0xe9, struct mv_stats)

/*
 * ---------------------------------------------------------------------
 * The guest's side.
 *
 * The guest kernel runs in ring 1 in 64-bit mode, its user code in ring 3.
 * It talks to the hypervisor with "int $MV_HCALL_VECTOR": the gate has DPL
 * 1, so guest user code that tries gets a #GP like any other privileged
 * instruction.  The call number goes in %rax, up to five arguments in
 * %rdi, %rsi, %rdx, %rcx and %r8, and the result comes back in %rax.  No
 * other register changes.  A number the hypervisor does not know returns
 * -MV_ENOSYS, so a guest can probe for newer calls.
 */
#define MV_HCALL_VECTOR		0x1f
#define MV_ENOSYS		38

enum mv_hypercall {
	MV_HC_NOP		= 0,	/* returns 0: the cheapest round trip */
	MV_HC_INIT		= 1,	/* (shared page gpa): must come first */
	MV_HC_SHUTDOWN		= 2,	/* (MV_SHUTDOWN_*, reason gpa, len) */
	MV_HC_CONSOLE_WRITE	= 3,	/* (gpa, len): early console */
	MV_HC_NEW_PGTABLE	= 4,	/* (cr3 gpa): switch address space */
	MV_HC_FLUSH_TLB		= 5,	/* (MV_FLUSH_*, va) */
	MV_HC_SET_PTE		= 6,	/* (root gpa, va, level, value) */
	MV_HC_LOAD_IDT		= 7,	/* (gpa of gate table, entries) */
	MV_HC_SET_IDT_ENTRY	= 8,	/* (vector, low quad, high quad) */
	MV_HC_SET_STACK		= 9,	/* (guest kernel rsp for ring 3 -> 1) */
	MV_HC_SET_CLOCKEVENT	= 10,	/* (ns from now or 0 to stop, period ns) */
	MV_HC_HALT		= 11,	/* IF on, sleep until an interrupt is due */
	MV_HC_SEND_INTERRUPTS	= 12,	/* IF came back on with irq_pending */
	MV_HC_NOTIFY		= 13,	/* (value): device kick */
	MV_HC_LOAD_TLS		= 14,	/* (gpa of three GDT descriptors) */
	MV_HC_FLUSH_ASYNC	= 15,	/* (gpa, n): run a batch, see below */
	MV_HC_SET_SYSCALL	= 16,	/* (entry rip): where user SYSCALLs go */
	MV_HC_SET_TSC_AUX	= 17,	/* (value < 2^32): RDTSCP/RDPID's answer */
};

/*
 * A batch (MV_HC_FLUSH_ASYNC): up to MV_BATCH_MAX calls in guest memory,
 * run in order in one exit, each one's result written into its ret.  Only
 * the calls that stay in the module and neither stop nor end the guest
 * may be batched: NOP, NEW_PGTABLE, FLUSH_TLB, SET_PTE, SET_IDT_ENTRY,
 * SET_STACK, SET_CLOCKEVENT and SET_TSC_AUX.  Another gets -EINVAL in its
 * ret and the rest still run.  The call returns the number run, or
 * -EINVAL for n over MV_BATCH_MAX, -EFAULT for a batch outside memory.
 */
struct mv_batch_call {
	__u64 nr;
	__u64 args[4];
	__u64 ret;
};

#define MV_BATCH_MAX		32

/* Numbers from here up leave the module: MV_EXIT_HYPERCALL. */
#define MV_HC_LAUNCHER_BASE	0x80000000ULL

#define MV_SHUTDOWN_POWEROFF	0
#define MV_SHUTDOWN_REBOOT	1
#define MV_SHUTDOWN_CRASH	2

#define MV_FLUSH_ALL		0	/* every shadow mapping */
#define MV_FLUSH_USER		1	/* those below the kernel half */
#define MV_FLUSH_ONE		2	/* the page at va */

/*
 * Segments.  The guest runs on the switcher's GDT.  Entries 4-6 are the
 * usual Linux user segments, so a guest's user space needs no change; the
 * guest kernel's own code and data segments are entries 16 and 17, with
 * DPL 1 (entries 1-3 belong to the switcher).
 */
#define MV_USER32_CS		0x23
#define MV_USER_DS		0x2b
#define MV_USER_CS		0x33
#define MV_GUEST_CS		0x81	/* entry 16, RPL 1 */
#define MV_GUEST_DS		0x89	/* entry 17, RPL 1 */

/*
 * Address space.  The guest gives the hypervisor 4-level page tables in
 * guest-physical memory and never maps PML4 slot 256 (0xffff800000000000,
 * 512 GB, which Linux leaves as the hypervisor's hole anyway): the shadow
 * tables put the switcher there, or elsewhere on a 5-level host; the shared
 * page says where.  Only 4 KB guest pages are supported (no PSE in v1).
 */
#define MV_GUEST_RESERVED_PML4	256

/*
 * The shared page: one page of guest memory the guest names in MV_HC_INIT.
 * The guest writes the fields marked "guest"; the hypervisor writes the
 * rest.
 *
 * Interrupts are virtual.  The real IF is always on while a guest runs;
 * the guest's own is bit 9 of irq_enabled, an RFLAGS-shaped word so that
 * the return path can copy a saved RFLAGS into it with one "popq".  An
 * interrupt (a vector 32-255) is delivered only when that bit is set: the
 * hypervisor pushes an interrupt frame on the guest's stack and enters the
 * handler of the guest's IDT, like an exception's.  While the bit is clear
 * the hypervisor keeps the vector pending, sets irq_pending and the bit in
 * pending[]; a guest that turns the bit on again and finds irq_pending set
 * makes the MV_HC_SEND_INTERRUPTS hypercall to have them delivered.
 *
 * The return path is race free if the guest names, in noirq_iret, the
 * address of the iretq that immediately follows the instruction restoring
 * irq_enabled from the frame it is about to pop.  An interrupt due while
 * the guest stands at that iretq is delivered as if the iretq had already
 * run, so interrupt frames never pile up on the guest's stack.
 */
struct mv_shared {
	__u64 irq_enabled;	/* guest: MV_IRQ_ENABLED when virtual IF is on */
	__u32 irq_pending;	/* host: nonzero when pending[] has a vector */
	__u32 reserved0;
	__u64 noirq_iret;	/* guest: its iretq after restoring irq_enabled */
	__u64 pending[4];	/* host: vectors 0-255 raised, not yet delivered */
	__u64 cr2;		/* host: faulting address of the last #PF delivered */
	__u64 tsc_khz;		/* host: TSC frequency */
	__u64 switcher_base;	/* host: the range the guest cannot map */
	__u64 switcher_size;
	__u64 boot_wallclock_ns;	/* host: CLOCK_REALTIME at MV_HC_INIT */
	__u64 boot_tsc;		/* host: the TSC at the same instant */
	__u64 reserved[50];
};

#define MV_IRQ_ENABLED		0x200	/* the RFLAGS.IF bit, for pushf emulation */

/* The vector of the clock event (MV_HC_SET_CLOCKEVENT). */
#define MV_TIMER_VECTOR		0x20
/* The shortest period of a periodic clock event, in nanoseconds. */
#define MV_TIMER_MIN_PERIOD	100000

/*
 * Boot state.  At the first MV_RUN the guest starts at rip in ring 1,
 * 64-bit mode, paging on with the launcher's page tables at cr3, RFLAGS
 * 0x202, virtual interrupts off (there is no shared page until MV_HC_INIT),
 * every other register as the launcher set it.  By convention the launcher
 * puts the guest-physical address of boot_params in %rsi, as a bzImage's
 * 64-bit entry expects.
 */

#endif /* _UAPI_LINUX_MEGAVIRT_H */
