// SPDX-License-Identifier: GPL-2.0
/*
 * Traps: giving the guest its own exceptions.  Read after mmu.c.
 *
 * A guest kernel registers its IDT with MV_HC_LOAD_IDT (native 16-byte
 * gates, copied here) and its kernel stack for events from user mode with
 * MV_HC_SET_STACK.  When the guest takes an exception that is its own
 * business (a #UD, a #GP from a privileged instruction, a page fault its
 * own tables do not allow), we do what the CPU would have done had the
 * guest been on bare metal: pick the stack, push SS, RSP, RFLAGS, CS, RIP
 * and the error code on it, and resume the guest at its handler.  The
 * guest's iretq needs no help: returning from ring 1 to ring 1 or 3 is
 * something the CPU does itself.
 *
 * What is not the CPU's way: the IF in the pushed RFLAGS is the guest's
 * virtual one (the real IF is always on), an interrupt gate clears the
 * virtual IF rather than the real one, and a page fault's address also
 * goes to the shared page, since the guest cannot read CR2.  The guest's
 * IST indexes are ignored: a v1 guest keeps its exception stacks itself.
 *
 * Most of this never runs for a guest user's SYSCALL or exception: the
 * switcher delivers those itself, in the guest's context (switcher.S,
 * "Reflecting in guest context"), producing the frame deliver() would,
 * from the table mv_fast_prepare() writes for it.  deliver() remains the
 * one definition of what a delivery is, and the way whenever the switcher
 * declines.
 */
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <asm/traps.h>

#include "mv.h"
#include "switcher.h"

#define GATE_INTERRUPT	0xe
#define GATE_TRAP	0xf
#define SW_HOLE_SIZE	BIT_ULL(39)	/* the switcher's part of the hole */

static bool canonical48(u64 va)
{
	return (u64)((s64)(va << 16) >> 16) == va;
}

static int set_gate(struct mv_guest *g, unsigned int vector, u64 lo, u64 hi)
{
	struct mv_gate *gate = &g->idt[vector];
	u64 handler = (lo & 0xffff) | ((lo >> 32) & 0xffff0000) | (hi << 32);
	u8 type = (lo >> 40) & 0xf;

	memset(gate, 0, sizeof(*gate));
	if (!(lo & BIT_ULL(47)))
		return 0;		/* not present */
	if ((type != GATE_INTERRUPT && type != GATE_TRAP) ||
	    !canonical48(handler))
		return -EINVAL;
	gate->handler = handler;
	gate->present = true;
	gate->trap = type == GATE_TRAP;
	gate->dpl = (lo >> 45) & 3;
	return 0;
}

u64 mv_set_idt_entry(struct mv_guest *g, u64 vector, u64 lo, u64 hi)
{
	if (vector >= ARRAY_SIZE(g->idt))
		return -EINVAL;
	g->idt_gen++;
	return set_gate(g, vector, lo, hi);
}

u64 mv_load_idt(struct mv_guest *g, u64 gpa, u64 entries)
{
	u64 desc[2];
	unsigned int v;

	if (entries > ARRAY_SIZE(g->idt))
		return -EINVAL;
	g->idt_gen++;
	for (v = 0; v < ARRAY_SIZE(g->idt); v++) {
		if (v >= entries) {
			memset(&g->idt[v], 0, sizeof(g->idt[v]));
			continue;
		}
		if (mv_read_gpa(g, desc, gpa + 16 * v, sizeof(desc)))
			return -EFAULT;
		if (set_gate(g, v, desc[0], desc[1]))
			return -EINVAL;
	}
	return 0;
}

/*
 * Deliver an event through @gate.  Returns false, with the guest dead,
 * when the frame cannot be pushed: where the CPU would have double-faulted.
 */
static bool deliver(struct mv_guest *g, const struct mv_gate *gate,
		    const char *name, bool has_err, u64 errcode)
{
	struct mv_frame *f = g->frame;
	bool from_user = (f->cs & 3) == 3;
	u64 frame[6], rsp;
	int n = 0;

	rsp = from_user ? g->kstack : f->rsp;
	rsp &= ~0xfULL;
	if (has_err)
		frame[n++] = errcode;
	frame[n++] = f->rip;
	frame[n++] = f->cs;
	frame[n++] = (f->rflags & ~X86_EFLAGS_IF) |
		     (mv_virtual_if(g) ? X86_EFLAGS_IF : 0);
	frame[n++] = f->rsp;
	frame[n++] = f->ss;
	rsp -= n * sizeof(u64);
	if (mv_mmu_write_gva(g, rsp, frame, n * sizeof(u64))) {
		mv_kill(g, "%s at %#llx: cannot push the exception frame at %#llx",
			name, f->rip, rsp);
		return false;
	}
	if (!gate->trap)
		mv_set_virtual_if(g, false);
	f->rip = gate->handler;
	f->cs = MV_GUEST_CS;
	f->ss = MV_GUEST_DS;
	f->rsp = rsp;
	f->rflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF);
	return true;
}

/* Deliver @vector to the guest's handler for it; no handler kills it. */
bool mv_reflect(struct mv_guest *g, unsigned int vector, bool has_err,
		u64 errcode)
{
	struct mv_gate *gate = &g->idt[vector];

	if (!gate->present) {
		mv_kill(g, "%s (error %#llx) at %#llx with no handler",
			mv_trap_name(vector), errcode, g->frame->rip);
		return false;
	}
	return deliver(g, gate, mv_trap_name(vector), has_err, errcode);
}

/*
 * SYSCALL from guest user space: the switcher built a user-mode frame
 * (switcher.S), which we move to the guest kernel's stack like an
 * exception's, to the entry MV_HC_SET_SYSCALL named.
 */
void mv_reflect_syscall(struct mv_guest *g)
{
	struct mv_gate gate = {
		.handler = g->syscall_entry,
		.present = true,
	};

	if (!g->syscall_entry) {
		mv_kill(g, "syscall at %#llx, and the guest has no syscall entry",
			g->frame->rip);
		return;
	}
	deliver(g, &gate, "syscall", false, 0);
}

/* A page fault that is the guest's: CR2 into the shared page, then deliver. */
void mv_reflect_page_fault(struct mv_guest *g, u64 cr2, u64 errcode)
{
	if (g->shared_gpa)
		mv_write_gpa(g, g->shared_gpa + offsetof(struct mv_shared, cr2),
			     &cr2, sizeof(cr2));
	if (!g->idt[X86_TRAP_PF].present) {
		mv_kill(g, "page fault at %#llx (error %#llx) with no handler",
			cr2, errcode);
		return;
	}
	mv_reflect(g, X86_TRAP_PF, true, errcode);
}

/* Exceptions that carry an error code. */
static bool has_errcode(unsigned int v)
{
	return v == X86_TRAP_DF || (v >= X86_TRAP_TS && v <= X86_TRAP_PF) ||
	       v == X86_TRAP_AC || v == X86_TRAP_CP || v == X86_TRAP_VC;
}

/* An exception from the guest, other than the ones run.c handles itself. */
void mv_guest_exception(struct mv_guest *g, unsigned int vector)
{
	if (vector == X86_TRAP_DF || vector == X86_TRAP_MC) {
		mv_kill(g, "%s at %#llx", mv_trap_name(vector), g->frame->rip);
		return;
	}
	mv_reflect(g, vector, has_errcode(vector), g->frame->errcode);
}

/*
 * A virtual interrupt the guest's IF allows (irq.c decided that): through
 * its IDT gate, no error code, like an external interrupt on bare metal.
 */
void mv_deliver_interrupt(struct mv_guest *g, unsigned int vector)
{
	struct mv_gate *gate = &g->idt[vector];

	if (!gate->present) {
		mv_kill(g, "interrupt %u at %#llx with no handler", vector,
			g->frame->rip);
		return;
	}
	deliver(g, gate, "interrupt", false, 0);
}

/*
 * The fast path's table.  The vectors the switcher may deliver from guest
 * user space by itself are the ones whose delivery is a plain deliver():
 * not #PF (the shadow's), #DB (DR6), #NM (the FPU), #DF, #MC, NMI or the
 * reserved ones.
 */
#define DIRECT_VECTORS	(BIT(X86_TRAP_DE) | BIT(X86_TRAP_BP) |		\
			 BIT(X86_TRAP_OF) | BIT(X86_TRAP_BR) |		\
			 BIT(X86_TRAP_UD) | BIT(X86_TRAP_TS) |		\
			 BIT(X86_TRAP_NP) | BIT(X86_TRAP_SS) |		\
			 BIT(X86_TRAP_GP) | BIT(X86_TRAP_MF) |		\
			 BIT(X86_TRAP_AC) | BIT(X86_TRAP_XF))

static bool fastpath = true;
module_param(fastpath, bool, 0644);
MODULE_PARM_DESC(fastpath,
		 "deliver guest user syscalls and exceptions in the switcher (default on)");

bool mv_fast_wanted(void)
{
	return READ_ONCE(fastpath);
}

/*
 * The frame deliver() pushes from user mode goes just below the kernel
 * stack: six words at most, none of them in the switcher's hole, where
 * the switcher would be writing its own pages.  deliver() refuses such a
 * stack too (access_gva()), and kills the guest.
 */
static bool kstack_ok(u64 top)
{
	u64 lo = top - 6 * sizeof(u64);

	return top >= 6 * sizeof(u64) && canonical48(lo) && canonical48(top - 1) &&
	       !(lo < mv_sw_base + SW_HOLE_SIZE && top > mv_sw_base);
}

/*
 * Whose gates each CPU's tables page holds, and of which version of its
 * IDT: the guest's serial and idt_gen.  Serials start at 1.
 */
static DEFINE_PER_CPU(u64, gates_owner);
static DEFINE_PER_CPU(u64, gates_gen);

static void write_gates(struct mv_guest *g, u64 *gates)
{
	unsigned int v;

	for (v = 0; v < 32; v++) {
		const struct mv_gate *gate = &g->idt[v];
		u64 f = 0;

		if ((DIRECT_VECTORS & BIT(v)) && gate->present)
			f = MV_GATE_DIRECT | (gate->trap ? MV_GATE_TRAP : 0) |
			    (has_errcode(v) ? MV_GATE_ERRCODE : 0);
		gates[2 * v] = f ? gate->handler : 0;
		gates[2 * v + 1] = f;
	}
}

/*
 * Before every entry, with interrupts off and after run.c has said the
 * vCPU is in the guest: map the shared page into this CPU's area for the
 * guest's view (or unmap it, if mmu.c has taken it away) and write what
 * the switcher may deliver into the CPU's tables page, which the guest
 * can read but not write.  The gates are written again only when another
 * guest used the page since, or the guest changed its IDT.
 */
void mv_fast_prepare(struct mv_guest *g, int cpu)
{
	void *tb = mv_sw_tables_page(cpu);
	u64 pte = READ_ONCE(g->shared_pte);
	u64 kstack = g->kstack & ~0xfULL;
	u64 flags = 0;

	BUILD_BUG_ON(offsetof(struct mv_shared, irq_enabled) != MV_SH_IRQ_ENABLED);
	BUILD_BUG_ON(MV_SW_GUEST_CS != MV_GUEST_CS || MV_SW_GUEST_DS != MV_GUEST_DS);
	BUILD_BUG_ON(MV_TB_GATES + 32 * MV_TB_GATE_SIZE > PAGE_SIZE);

	mv_sw_tree_set_shared(&g->sw, cpu, pte);
	if (pte && mv_fast_wanted() && kstack_ok(kstack)) {
		flags = MV_FAST_ON;
		if (g->syscall_entry && canonical48(g->syscall_entry))
			flags |= MV_FAST_SYSCALL;
	}
	*(u64 *)(tb + MV_TB_FAST) = flags;
	*(u64 *)(tb + MV_TB_KSTACK) = kstack;
	*(u64 *)(tb + MV_TB_SYSCALL) = g->syscall_entry;
	if (__this_cpu_read(gates_owner) != g->serial ||
	    __this_cpu_read(gates_gen) != g->idt_gen) {
		write_gates(g, tb + MV_TB_GATES);
		__this_cpu_write(gates_owner, g->serial);
		__this_cpu_write(gates_gen, g->idt_gen);
	}
}
