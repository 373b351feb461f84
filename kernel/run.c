// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop: MV_RUN lands here.  Read after guest.c, before switcher.h.
 *
 * Each turn of the loop puts the CPU in the state that keeps ring 1
 * harmless, runs the guest until something takes it out, puts the host's
 * state back, and only then looks at why the guest stopped.  A host
 * interrupt that arrived meanwhile is handed to the host's own handler
 * before interrupts come back on, so the host never loses a tick to a
 * guest; everything else (hypercalls, page faults, the guest's mistakes)
 * is dealt with in ordinary process context, where we may sleep.  The loop
 * returns to the launcher when the guest needs it, when the guest is dead,
 * or when a signal is pending.
 */
#include <linux/hw_breakpoint.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <asm/apic.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/special_insns.h>
#include <asm/sync_core.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>

#include "mv.h"
#include "switcher.h"

static bool canonical48(u64 va)
{
	return (u64)((s64)(va << 16) >> 16) == va;
}

/*
 * The guest's state must be one the CPU accepts, or the iret into it
 * faults inside the switcher.  That would be survivable (switcher.S turns
 * it into MV_TRAP_SWITCHER) but tells the launcher less than this does.
 *
 * A long-mode guest can only be in one of three code segments.  Anything
 * else is an emulator's doing (QEMU's TCG lets a 32-bit iret enter
 * virtual-8086 mode in long mode, see switcher.S) and no state to go on
 * from.
 */
static bool state_ok(struct mv_guest *g)
{
	struct mv_frame *f = g->frame;

	if (f->cs != MV_GUEST_CS && f->cs != MV_USER_CS &&
	    f->cs != MV_USER32_CS) {
		mv_kill(g, "the guest left long mode (cs %#llx, rflags %#llx at %#llx)",
			f->cs, f->rflags, f->rip);
		return false;
	}
	if (!canonical48(f->rip)) {
		mv_kill(g, "rip %#llx is not a canonical address", f->rip);
		return false;
	}
	if (!canonical48(f->fs_base) || !canonical48(f->gs_base)) {
		mv_kill(g, "fs/gs base %#llx/%#llx not canonical", f->fs_base,
			f->gs_base);
		return false;
	}
	f->rflags &= ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM | X86_EFLAGS_VIF |
		       X86_EFLAGS_VIP | X86_EFLAGS_NT);
	f->rflags |= X86_EFLAGS_FIXED | X86_EFLAGS_IF;
	return true;
}

/* The host page: what the switcher needs to restore our tables. */
static void fill_host_page(int cpu)
{
	void *host = mv_sw_host_page(cpu);
	struct desc_ptr *rw = host + MV_HO_GDTR_RW;

	*(u64 *)(host + MV_HO_TSS_DESC) =
		(unsigned long)&get_cpu_gdt_rw(cpu)[GDT_ENTRY_TSS];
	native_store_gdt(host + MV_HO_GDTR);
	rw->address = (unsigned long)get_cpu_gdt_rw(cpu);
	rw->size = GDT_SIZE - 1;
	store_idt(host + MV_HO_IDTR);
}

/*
 * MSR_KERNEL_GS_BASE holds the host's CR3 for the switcher's way out
 * (switcher.S); the host's own value, the task's user GS base, goes back
 * after every trip.  The other MSRs the guest must not see are switched
 * lazily (msrs.c).
 */
static u64 switch_kernel_gs_base(void)
{
	u64 kgs;

	rdmsrl(MSR_KERNEL_GS_BASE, kgs);
	wrmsrl(MSR_KERNEL_GS_BASE, __read_cr3());
	return kgs;
}

/* Returns true if an NMI hit the switcher while the guest's MSRs were in. */
static bool restore_kernel_gs_base(u64 host_kgs)
{
	u64 kgs;

	rdmsrl(MSR_KERNEL_GS_BASE, kgs);
	wrmsrl(MSR_KERNEL_GS_BASE, host_kgs);
	return kgs & BIT_ULL(MV_NMI_SEEN_BIT);
}

/*
 * The last guest each CPU ran, by serial: branch predictions one guest
 * trained are not for the next one to use.  KVM makes the same IBPB when
 * a CPU loads another vCPU's VMCB.  Hosts that make one after every exit
 * (ENTRY_IBPB, IBPB_ON_VMEXIT; switcher.S) need no second.
 */
static DEFINE_PER_CPU(u64, last_guest);

static void ibpb_if_new_owner(struct mv_guest *g)
{
	if (__this_cpu_read(last_guest) == g->serial)
		return;
	__this_cpu_write(last_guest, g->serial);
	if (!cpu_feature_enabled(X86_FEATURE_ENTRY_IBPB) &&
	    !cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT))
		indirect_branch_prediction_barrier();
}

/*
 * The guest runs with the host kernel's SPEC_CTRL, which it cannot write
 * (WRMSR faults at ring 1).  Where the host sets IBRS again on every entry
 * from user space (KERNEL_IBRS: the write is what fences off predictions
 * made in a lower mode), we do the same after an exit from the guest, as
 * KVM does after a VM exit on such hosts.
 */
static void restore_spec_ctrl(void)
{
	if (cpu_feature_enabled(X86_FEATURE_KERNEL_IBRS))
		native_wrmsrl(MSR_IA32_SPEC_CTRL,
			      this_cpu_read(x86_spec_ctrl_current));
}

/*
 * Whether the local APIC has @vector in service: the CPU put it there when
 * it took the interrupt.  A vector from 32 up that is not there was an
 * "int n" the CPU should have refused the guest with a #GP, and did not:
 * QEMU's TCG lets a ring-1 guest with a null SS run as ring 0 until its
 * next exit (hypervisor.rst).  The host's handler for it must not run:
 * its reboot vector's handler, for one, stops the CPU.  The spurious
 * vector is never in service; its handler expects that.
 */
static bool host_interrupt(u64 vector)
{
	if (vector == SPURIOUS_APIC_VECTOR)
		return true;
	return apic_read(APIC_ISR + (vector / 32) * 0x10) & BIT(vector % 32);
}

/*
 * Hand the host what was its own: an NMI is sent again (an NMI taken from
 * the guest left NMIs blocked until the next iret, hence iret_to_self),
 * and an external interrupt goes to the handler in the host's IDT.
 * Returns false for a vector that was not the host's interrupt.
 */
static bool give_back(int cpu, u64 vector, bool nmi_seen)
{
	if (vector == X86_TRAP_NMI || nmi_seen) {
		apic->send_IPI_mask(cpumask_of(cpu), NMI_VECTOR);
		/* an iret that faulted may not have unblocked NMIs: do one */
		iret_to_self();
	}
	if (vector >= FIRST_EXTERNAL_VECTOR && vector < NR_VECTORS &&
	    vector != IA32_SYSCALL_VECTOR) {
		struct desc_ptr idt;

		if (!host_interrupt(vector))
			return false;
		store_idt(&idt);
		mv_call_host_handler(gate_offset((gate_desc *)idt.address + vector));
	}
	return true;
}

/*
 * One trip into the guest and back, with interrupts off.  Returns the
 * vector that brought the guest out.
 */
static u64 run_once(struct mv_guest *g)
{
	int cpu = smp_processor_id();
	void *host = mv_sw_host_page(cpu);
	bool have_pkru = cpu_feature_enabled(X86_FEATURE_OSPKE);
	unsigned long dr7 = 0;
	u32 host_pkru = 0;
	u64 host_kgs;
	u64 vector, fault;
	bool nmi_seen;

	/* No host global page may survive into the guest's address space. */
	if (__read_cr4() & X86_CR4_PGE)
		cr4_clear_bits(X86_CR4_PGE);
	if (g->sw_cpu != cpu)
		mv_sw_tree_map_cpu(&g->sw, &g->sw_cpu, cpu, g->regs_page);
	mv_sw_tss_unbusy(cpu);
	fill_host_page(cpu);
	mv_msrs_load_guest(cpu, g->tsc_aux);
	ibpb_if_new_owner(g);
	host_kgs = switch_kernel_gs_base();
	if (hw_breakpoint_active()) {
		get_debugreg(dr7, 7);
		set_debugreg(0, 7);
	}
	if (have_pkru) {
		host_pkru = rdpkru();
		if (host_pkru != g->pkru)
			wrpkru(g->pkru);
	}

	/*
	 * Against the MMU notifier (mmu.c): either it sees us in the guest
	 * and waits for us to come out, or our CR3 load below sees its zap.
	 */
	WRITE_ONCE(g->guest_cpu, cpu);
	smp_mb();	/* pairs with the one in out_of_guest() */
	mv_fast_prepare(g, cpu);	/* after the barrier: see mmu.c */
	mv_switch_to_guest(mv_sw_entry(cpu), mv_mmu_hw_cr3(g));
	restore_spec_ctrl();
	WRITE_ONCE(g->guest_cpu, -1);

	if (have_pkru) {
		g->pkru = rdpkru();
		if (g->pkru != host_pkru)
			wrpkru(host_pkru);
	}
	if (dr7)
		hw_breakpoint_restore();
	nmi_seen = restore_kernel_gs_base(host_kgs);

	vector = g->frame->vector;
	g->exits++;
	if (vector & MV_TRAP_FELL_BACK) {
		/* the fast path gave up: the slow one delivers (switcher.S) */
		vector &= ~MV_TRAP_FELL_BACK;
		g->frame->vector = vector;
		g->fast_fallbacks++;
	}
	if (vector == X86_TRAP_PF)
		g->pf_exits++;
	else if (vector == MV_HCALL_VECTOR)
		g->hc_exits++;
	else if (vector >= FIRST_EXTERNAL_VECTOR && vector < NR_VECTORS)
		g->irq_exits++;
	fault = *(u64 *)(host + MV_HO_FAULT_VECTOR);
	if (fault) {
		/* The guest's registers did not make it; see switcher.S */
		vector = MV_TRAP_SWITCHER;
		g->frame->vector = vector;
		g->frame->errcode = fault - 1;
		g->frame->rip = *(u64 *)(host + MV_HO_FAULT_RIP);
	}
	/*
	 * The IST stacks are in the guest's view, and an NMI, #DF or #MC may
	 * have left a host stack pointer and registers there (taken in the
	 * switcher) or this guest's state (taken from it) for the next guest
	 * on this CPU to read.  Rare events: wipe them.
	 */
	if (nmi_seen || fault || vector == X86_TRAP_NMI ||
	    vector == X86_TRAP_DF || vector == X86_TRAP_MC)
		memset(mv_sw_stacks_page(cpu), 0, MV_ST_MC_TOP);
	if (!give_back(cpu, vector, nmi_seen)) {
		g->frame->errcode = vector;
		vector = MV_TRAP_SOFT_INT;
		g->frame->vector = vector;
	}
	return vector;
}

static const char *const trap_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO",
	"#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC",
	"#SX", "#31",
};

const char *mv_trap_name(unsigned int vector)
{
	return vector < ARRAY_SIZE(trap_names) ? trap_names[vector] : "vector";
}

/* Why the guest stopped, in process context with interrupts on. */
static void handle_exit(struct mv_guest *g, u64 vector)
{
	struct mv_frame *f = g->frame;

	switch (vector) {
	case MV_HCALL_VECTOR:
		mv_hypercall(g);
		return;
	case X86_TRAP_PF:
		mv_mmu_page_fault(g, f->cr2, f->errcode);
		return;
	case X86_TRAP_NMI:
		return;
	case MV_TRAP_SYSCALL:
	case MV_TRAP_SYSCALL32:
		mv_reflect_syscall(g);
		return;
	case MV_TRAP_SWITCHER:
		mv_kill(g, "the guest's state made the switcher fault (vector %llu at %#llx)",
			f->errcode, f->rip);
		return;
	case MV_TRAP_SOFT_INT:
		mv_kill(g, "int $%#llx at %#llx passed the privilege check (an emulator bug)",
			f->errcode, f->rip);
		return;
	}
	if (vector >= FIRST_EXTERNAL_VECTOR && vector < NR_VECTORS &&
	    vector != IA32_SYSCALL_VECTOR)
		return;	/* the host's interrupt, already handled */
	if (vector < 32)
		mv_guest_exception(g, vector);
	else
		mv_kill(g, "unexpected vector %llu at %#llx", vector, f->rip);
}

/* The launcher's answer to the exit it last saw. */
static void complete_exit(struct mv_guest *g, const struct mv_run *run)
{
	if (g->awaiting == MV_EXIT_HYPERCALL)
		g->frame->rax = run->hypercall.ret;
	else if (g->awaiting == MV_EXIT_MMIO)
		mv_mmio_complete(g, run->mmio.data);
	g->awaiting = 0;
}

/* Until the guest needs the launcher, is dead, or a signal is pending. */
static long run_loop(struct mv_guest *g)
{
	u64 vector;

	while (!g->dead && !g->awaiting) {
		int seq;

		if (signal_pending(current))
			return -EINTR;
		cond_resched();
		seq = mv_irq_seq(g);
		mv_irq_before_entry(g);
		if (mv_fast_wanted())
			mv_mmu_map_shared(g);
		if (g->dead || !state_ok(g))
			break;

		/*
		 * Interrupts off from here to the guest: a vector raised
		 * after this last look kicks us out of the guest (irq.c).
		 */
		local_irq_disable();
		if (need_resched() || mv_irq_changed(g, seq)) {
			local_irq_enable();
			continue;
		}
		/* the guest's FPU registers, if anyone used the FPU since */
		if (test_thread_flag(TIF_NEED_FPU_LOAD))
			switch_fpu_return();
		vector = run_once(g);
		local_irq_enable();

		handle_exit(g, vector);
	}
	return 0;
}

/*
 * The guest's FPU state is swapped in for the whole of MV_RUN, as KVM
 * does (fpu_swap_kvm_fpstate()): while it is in, the task's fpstate *is*
 * the guest's, so a context switch, a host interrupt or softirq using the
 * FPU, or a preemption saves the guest's registers into the guest's
 * buffer, and TIF_NEED_FPU_LOAD tells us to load them again before the
 * next entry.  The launcher's own state is saved on the way in and comes
 * back on the way out, untouched by the guest and unseen by it.  PKRU is
 * not part of the swap: run_once() switches it itself.
 */
long mv_run(struct mv_guest *g, struct mv_run __user *urun)
{
	struct mv_run run;
	long ret;

	if (copy_from_user(&run, urun, sizeof(run)))
		return -EFAULT;
	if (run.flags)
		return -EINVAL;
	if (!g->dead) {
		if (g->awaiting)
			complete_exit(g, &run);
		memset(&g->exit, 0, sizeof(g->exit));
	}

	fpu_swap_kvm_fpstate(&g->fpu, true);
	WRITE_ONCE(g->vcpu_task, current);
	ret = run_loop(g);
	WRITE_ONCE(g->vcpu_task, NULL);
	fpu_swap_kvm_fpstate(&g->fpu, false);
	if (ret)
		return ret;

	if (copy_to_user(urun, &g->exit, sizeof(g->exit)))
		return -EFAULT;
	return 0;
}

/* MV_GET_STATS: what the guest's life cost so far. */
int mv_get_stats(struct mv_guest *g, struct mv_stats __user *ustats)
{
	struct mv_stats st = { };
	u32 size;

	if (get_user(size, &ustats->size))
		return -EFAULT;
	if (size < sizeof(st))
		return -EINVAL;
	st.size = sizeof(st);
	st.exits = g->exits;
	st.fast_fallbacks = g->fast_fallbacks;
	st.page_faults = g->pf_exits;
	st.hypercalls = g->hc_exits;
	st.interrupts = g->irq_exits;
	if (copy_to_user(ustats, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}
