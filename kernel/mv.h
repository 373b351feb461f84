/* SPDX-License-Identifier: GPL-2.0 */
/*
 * megavirt.ko's private header, and its table of contents: each block below
 * names a file and the functions it offers the others.  Read the files in
 * this order: main.c (is this host fit?), device.c (/dev/megavirt),
 * guest.c (a guest's birth and death), run.c (the run loop), msrs.c (the
 * MSRs switched lazily), switcher.h,
 * switcher.S and switcher_setup.c (the world switch), mmu.c (shadow page
 * tables), mmio.c, eventfd.c, traps.c, irq.c, hypercalls.c.
 */
#ifndef _MV_H
#define _MV_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/printk.h>
#include <linux/wait.h>
#include <asm/fpu/types.h>

#include "uapi/megavirt.h"

#undef pr_fmt
#define pr_fmt(fmt) "megavirt: " fmt

struct mm_struct;
struct page;
struct task_struct;

#define MV_NR_VECTORS	256
#define MV_FIRST_IRQ	32	/* below are exceptions, never raised */

/*
 * The trap frame at the end of the register page, as switcher.S pushes it
 * (the MV_FR_* offsets in switcher.h).
 */
struct mv_frame {
	u64 fs_base, gs_base, cr2;
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, errcode;
	u64 rip, cs, rflags, rsp, ss;
};

/* A tree of page tables for the hypervisor hole (switcher_setup.c). */
struct mv_sw_tree {
	u64 top;		/* the entry for the root's slot 256 */
	u64 *p4d, *pud, *pmd;	/* no p4d with 4-level paging */
	u64 **pte;
	unsigned int nr_pte;
};

/*
 * The shadow of one guest address space, as the CPU walks it (mmu.c): a
 * PML5 or a PML4, and the PML4 of its lower half.
 */
struct mv_root {
	u64 *top;		/* NULL: this slot of the cache is unused */
	u64 *user;		/* the top itself on a 4-level host */
	u64 gcr3;		/* the guest's PML4, guest-physical */
	u16 pcid;		/* the guest's PCID for it */
	u64 used;		/* mv_shadow.loads when last loaded */
};

#define MV_SHADOW_ROOTS	6	/* Linux's dynamic ASIDs per CPU */

/* All of a guest's shadow: a few roots sharing one kernel half. */
struct mv_shadow {
	struct mv_root roots[MV_SHADOW_ROOTS];
	struct mv_root *cur;	/* the one the guest runs on */
	u64 *kernel;		/* the PML4 of the upper half */
	u64 loads;
	bool kernel_local;	/* the upper half has non-global leaves */
};

/* One gate of the guest's IDT, as it gave it to us (traps.c). */
struct mv_gate {
	u64 handler;
	bool present, trap;
	u8 dpl;
};

/* A decoded MMIO instruction, waiting for the launcher (mmio.c). */
struct mv_mmio_insn {
	u8 len;			/* bytes, to step over */
	u8 size;		/* of the access: 1, 2, 4 or 8 */
	u8 opsize;		/* of the register operand */
	u8 reg;			/* its number, ModRM order */
	u8 extend;		/* MV_MMIO_ZERO/SIGN for movzx/movsx */
	bool write, high8, has_imm;
	u64 imm;
};

#define MV_MMIO_ZERO	1
#define MV_MMIO_SIGN	2

/* One guest: one open /dev/megavirt, one vCPU. */
struct mv_guest {
	struct mutex lock;		/* serialises the ioctls */
	struct mm_struct *mm;		/* the launcher's; guest memory is in it */
	u64 mem_base, mem_size;
	u64 mmio_base, mmio_size;

	struct page *regs_page;		/* mapped at MV_SW_REGS for the guest */
	struct mv_frame *frame;		/* its trap frame */
	u64 cr3;			/* guest-physical root */
	u32 pkru;			/* the guest's PKRU */
	struct fpu_guest fpu;		/* its FPU, SSE, AVX... state (run.c) */

	struct mv_sw_tree sw;		/* the guest's view of the hole */
	int sw_cpu;			/* whose area it maps, -1 for none */

	/* The shadow tables and what keeps them honest (mmu.c). */
	spinlock_t mmu_lock;		/* every change to them */
	struct mv_shadow shadow;
	struct mmu_notifier mn;		/* on mm */
	unsigned long mmu_seq;		/* bumped by every invalidation */
	int mmu_invalidating;		/* invalidations under way */
	u64 *cache[4];			/* zeroed pages for the next fault */
	int nr_cache;
	int guest_cpu;			/* the CPU in the guest now, or -1 */

	u64 shared_gpa;			/* MV_HC_INIT's page, 0 until then */
	u64 shared_pte;			/* its leaf for the switcher, 0 for none */
	struct mv_gate idt[256];	/* the guest's own IDT */
	u64 idt_gen;			/* bumped by every change to it */
	u64 kstack;			/* its stack for events from user mode */
	u64 syscall_entry;		/* where user SYSCALLs go, 0 for none */
	u32 tsc_aux;			/* what RDTSCP and RDPID read (msrs.c) */
	u64 serial;			/* unique for the module's life (run.c) */

	/* Virtual interrupts (irq.c): raised from any context. */
	unsigned long irqs[BITS_TO_LONGS(MV_NR_VECTORS)];
	atomic_t irq_seq;		/* bumped by every raise */
	wait_queue_head_t irq_wq;	/* where a halted vCPU sleeps */
	struct task_struct *vcpu_task;	/* in MV_RUN, to be kicked */
	bool pending_shown;		/* irq_pending last written nonzero */
	struct hrtimer timer;		/* the clock event */
	u64 timer_period;		/* ns, 0 for one-shot */
	atomic_t timer_ticks;		/* its ticks not delivered yet */
	struct hrtimer window;		/* "come back soon" (irq.c) */
	unsigned int window_polls;

	/* Eventfds bound to vectors and to kicks (eventfd.c). */
	struct mutex ev_lock;
	struct list_head irqfds, ioeventfds;

	/* Counted for MV_GET_STATS (run.c). */
	u64 exits;			/* trips to the host */
	u64 fast_fallbacks;		/* fast path given up half-way */
	u64 pf_exits, hc_exits, irq_exits;	/* exits by cause */

	/* What the launcher must see, and what it owes us. */
	struct mv_mmio_insn mmio;	/* the access behind MV_EXIT_MMIO */
	struct mv_run exit;
	bool dead;			/* exit holds the end, for good */
	u32 awaiting;			/* MV_EXIT_* whose answer is due */
};

/* main.c: what the host looked like when the module was loaded. */
void mv_fill_host_info(struct mv_host_info *info);

/* device.c: /dev/megavirt. */
int mv_device_register(void);
void mv_device_unregister(void);

/* guest.c: creation, destruction, and the one way to die. */
struct mv_guest *mv_guest_create(const struct mv_guest_config *cfg);
void mv_guest_destroy(struct mv_guest *g);
int mv_get_regs(struct mv_guest *g, struct mv_regs *r);
int mv_set_regs(struct mv_guest *g, const struct mv_regs *r);
__printf(2, 3) void mv_kill(struct mv_guest *g, const char *fmt, ...);
void mv_end(struct mv_guest *g, u32 reason, u32 origin, const char *msg);
int mv_read_gpa(struct mv_guest *g, void *dst, u64 gpa, size_t len);
int mv_write_gpa(struct mv_guest *g, u64 gpa, const void *src, size_t len);

/* run.c: the run loop. */
long mv_run(struct mv_guest *g, struct mv_run __user *urun);
int mv_get_stats(struct mv_guest *g, struct mv_stats __user *ustats);
const char *mv_trap_name(unsigned int vector);

/* msrs.c: the MSRs switched lazily, with a user return notifier. */
int mv_msrs_init(void);
void mv_msrs_exit(void);
void mv_msrs_load_guest(int cpu, u32 tsc_aux);

/* switcher_setup.c: the switcher's pages and page tables. */
extern unsigned long mv_sw_base;
int mv_switcher_init(void);
void mv_switcher_exit(void);
unsigned long mv_sw_area(int cpu);
unsigned long mv_sw_entry(int cpu);
unsigned long mv_sw_lstar(int cpu);
unsigned long mv_sw_cstar(int cpu);
void *mv_sw_host_page(int cpu);
void *mv_sw_tables_page(int cpu);
void *mv_sw_stacks_page(int cpu);
void mv_sw_tss_unbusy(int cpu);
int mv_sw_tree_alloc(struct mv_sw_tree *t, unsigned int nr_pte);
void mv_sw_tree_free(struct mv_sw_tree *t);
void mv_sw_tree_map_cpu(struct mv_sw_tree *t, int *mapped, int cpu,
			struct page *regs);
void mv_sw_tree_set_shared(struct mv_sw_tree *t, int cpu, u64 pte);
int mv_sw_guest_get(struct mm_struct *mm);
void mv_sw_guest_put(struct mm_struct *mm);

/*
 * switcher.S: the code copied into every CPU's area and its entries, the
 * way in, and the way to the host's interrupt handlers.
 */
extern const char mv_sw_blob_start[], mv_sw_blob_end[];
extern const char mv_sw_enter[], mv_sw_syscall64[], mv_sw_syscall32[];
extern const char mv_sw_idt_stubs[];
void mv_switch_to_guest(unsigned long entry, unsigned long cr3);
void mv_call_host_handler(unsigned long handler);

/* mmu.c: shadow page tables. */
int mv_mmu_init(struct mv_guest *g);
void mv_mmu_destroy(struct mv_guest *g);
void mv_mmu_exit(void);
int mv_mmu_new_root(struct mv_guest *g, u64 cr3, bool keep);
u64 mv_mmu_flush(struct mv_guest *g, u64 how, u64 va);
u64 mv_mmu_set_pte(struct mv_guest *g, u64 root, u64 va, u64 level);
u64 mv_mmu_hw_cr3(struct mv_guest *g);
void mv_mmu_page_fault(struct mv_guest *g, u64 cr2, u64 errcode);
int mv_mmu_write_gva(struct mv_guest *g, u64 gva, const void *src, size_t len);
int mv_mmu_read_gva(struct mv_guest *g, u64 gva, void *dst, size_t len);
void mv_mmu_map_shared(struct mv_guest *g);

/* traps.c: the guest's own exceptions, delivered to its handlers. */
u64 mv_load_idt(struct mv_guest *g, u64 gpa, u64 entries);
u64 mv_set_idt_entry(struct mv_guest *g, u64 vector, u64 lo, u64 hi);
bool mv_reflect(struct mv_guest *g, unsigned int vector, bool has_err,
		u64 errcode);
void mv_reflect_page_fault(struct mv_guest *g, u64 cr2, u64 errcode);
void mv_reflect_syscall(struct mv_guest *g);
void mv_guest_exception(struct mv_guest *g, unsigned int vector);
void mv_deliver_interrupt(struct mv_guest *g, unsigned int vector);
bool mv_fast_wanted(void);
void mv_fast_prepare(struct mv_guest *g, int cpu);

/* irq.c: virtual interrupts, the clock event, HALT. */
void mv_irq_init(struct mv_guest *g);
void mv_irq_destroy(struct mv_guest *g);
bool mv_virtual_if(struct mv_guest *g);
void mv_set_virtual_if(struct mv_guest *g, bool on);
void mv_irq_raise(struct mv_guest *g, unsigned int vector);
int mv_irq_seq(struct mv_guest *g);
bool mv_irq_changed(struct mv_guest *g, int seq);
void mv_irq_before_entry(struct mv_guest *g);
void mv_halt(struct mv_guest *g);
u64 mv_set_clockevent(struct mv_guest *g, u64 delta, u64 period);
long mv_interrupt(struct mv_guest *g, u32 __user *uvector);

/* mmio.c: device space, decoded. */
void mv_mmio_fault(struct mv_guest *g, u64 gpa, bool write);
void mv_mmio_complete(struct mv_guest *g, u64 data);

/* eventfd.c: irqfds and ioeventfds. */
void mv_eventfd_init(struct mv_guest *g);
void mv_eventfd_destroy(struct mv_guest *g);
long mv_irqfd(struct mv_guest *g, const struct mv_eventfd *e);
long mv_ioeventfd(struct mv_guest *g, const struct mv_eventfd *e);
bool mv_ioeventfd_mmio(struct mv_guest *g, u64 gpa);
void mv_notify(struct mv_guest *g, u64 value);

/* hypercalls.c */
void mv_hypercall(struct mv_guest *g);

#endif /* _MV_H */
