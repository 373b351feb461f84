// SPDX-License-Identifier: GPL-2.0
/*
 * The MSRs a guest runs with, switched lazily.  Read after run.c.
 *
 * While a guest can run on a CPU, SYSCALL must land in that CPU's switcher
 * with the switcher's selectors and flag mask (LSTAR, CSTAR, STAR,
 * SFMASK), SYSENTER must fault (a zero SYSENTER_CS), and RDTSCP and RDPID
 * must read the guest's own TSC_AUX, not the host's CPU number.  The host
 * needs none of these as long as it stays in the kernel: it executes no
 * SYSCALL, and its paranoid entries take the CPU number from the GDT, not
 * with RDPID, precisely so that KVM may leave a guest's TSC_AUX in place
 * (arch/x86/entry/calling.h).  Only user space reads them.  So, as KVM
 * does with its "user return MSRs", the guest's values go in at the first
 * entry on a CPU and stay there across every exit the module handles
 * itself; a user return notifier puts the host's back just before this
 * CPU returns to user space, whichever task that is.  A round trip that
 * stays in the module writes no MSR of these; one that returns to the
 * launcher writes the ones that differ, twice.
 *
 * The host's values are read when the guest's go in, not once at insmod:
 * they are then exactly what we overwrite.  If another hypervisor left its
 * own lazy values there (KVM's guest TSC_AUX, say), ours is the later
 * notifier, runs first, and gives those back before KVM gives back the
 * host's.
 *
 * MSR_KERNEL_GS_BASE cannot be lazy: it holds the host's CR3 for the
 * switcher's way home, and the host saves it as the task's user GS base
 * at every context switch.  run.c switches it around each entry.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>
#include <linux/user-return-notifier.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>

#include "mv.h"
#include "switcher.h"

enum { LSTAR, CSTAR, STAR, SFMASK, SYSENTER_CS, TSC_AUX, NR_LAZY };

static const u32 lazy_msr[NR_LAZY] = {
	[LSTAR] = MSR_LSTAR,
	[CSTAR] = MSR_CSTAR,
	[STAR] = MSR_STAR,
	[SFMASK] = MSR_SYSCALL_MASK,
	[SYSENTER_CS] = MSR_IA32_SYSENTER_CS,
	[TSC_AUX] = MSR_TSC_AUX,
};

struct lazy_msrs {
	struct user_return_notifier urn;
	bool loaded;		/* the guest's values are in this CPU's MSRs */
	u64 host[NR_LAZY];	/* what they held before */
	u64 curr[NR_LAZY];	/* what they hold now */
};

static DEFINE_PER_CPU(struct lazy_msrs, lazy_msrs);
static unsigned int nr_lazy;	/* NR_LAZY, or TSC_AUX without one */
static int hp_state;

/*
 * SYSCALL into the switcher's ring 0 (MV_SEL_CS, MV_SEL_DS), and SYSRET's
 * selectors as the host's, though the switcher never uses SYSRET.  The
 * mask clears what the host's does: above all IF, TF, DF and AC before
 * the first instruction of the stub, which still runs on the guest's
 * stack.
 */
#define SW_STAR		(((u64)MV_SW_USER32_CS << 48) | ((u64)MV_SEL_CS << 32))
#define SW_SFMASK	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
			 X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_OF | \
			 X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_RF | \
			 X86_EFLAGS_AC | X86_EFLAGS_ID)

static void put_msr(struct lazy_msrs *m, unsigned int i, u64 val)
{
	if (m->curr[i] != val) {
		wrmsrl(lazy_msr[i], val);
		m->curr[i] = val;
	}
}

/* Give the host its values back, on this CPU.  Interrupts off. */
static void put_host(struct lazy_msrs *m)
{
	unsigned int i;

	if (!m->loaded)
		return;
	for (i = 0; i < nr_lazy; i++)
		put_msr(m, i, m->host[i]);
	m->loaded = false;
	user_return_notifier_unregister(&m->urn);
}

static void on_user_return(struct user_return_notifier *urn)
{
	unsigned long flags;

	local_irq_save(flags);
	put_host(container_of(urn, struct lazy_msrs, urn));
	local_irq_restore(flags);
}

/*
 * Interrupts off, just before a guest whose TSC_AUX is @tsc_aux enters
 * on @cpu.  After the first entry since the last return to user space
 * this is one comparison.
 */
void mv_msrs_load_guest(int cpu, u32 tsc_aux)
{
	struct lazy_msrs *m = this_cpu_ptr(&lazy_msrs);
	unsigned int i;

	if (m->loaded) {
		if (nr_lazy > TSC_AUX)
			put_msr(m, TSC_AUX, tsc_aux);
		return;
	}
	for (i = 0; i < nr_lazy; i++) {
		rdmsrl(lazy_msr[i], m->host[i]);
		m->curr[i] = m->host[i];
	}
	put_msr(m, LSTAR, mv_sw_lstar(cpu));
	put_msr(m, CSTAR, mv_sw_cstar(cpu));
	put_msr(m, STAR, SW_STAR);
	put_msr(m, SFMASK, SW_SFMASK);
	put_msr(m, SYSENTER_CS, 0);
	if (nr_lazy > TSC_AUX)
		put_msr(m, TSC_AUX, tsc_aux);
	m->urn.on_user_return = on_user_return;
	user_return_notifier_register(&m->urn);
	m->loaded = true;
}

static void drop_this_cpu(void *unused)
{
	on_user_return(&this_cpu_ptr(&lazy_msrs)->urn);
}

/*
 * A CPU going down gets the host's values back.  One coming up starts
 * with the host's values whatever we thought it held (a vCPU may have run
 * there after the teardown), and must not keep our notifier on its list.
 */
static int cpu_down(unsigned int cpu)
{
	drop_this_cpu(NULL);
	return 0;
}

static int cpu_up(unsigned int cpu)
{
	struct lazy_msrs *m = this_cpu_ptr(&lazy_msrs);
	unsigned long flags;

	local_irq_save(flags);
	if (m->loaded) {
		m->loaded = false;
		user_return_notifier_unregister(&m->urn);
	}
	local_irq_restore(flags);
	return 0;
}

/* Suspend: the CPU that stays online, with every task frozen. */
static int mv_msrs_suspend(void)
{
	drop_this_cpu(NULL);
	return 0;
}

static struct syscore_ops msrs_syscore = {
	.suspend = mv_msrs_suspend,
};

int mv_msrs_init(void)
{
	nr_lazy = boot_cpu_has(X86_FEATURE_RDTSCP) ||
		  boot_cpu_has(X86_FEATURE_RDPID) ? NR_LAZY : TSC_AUX;
	hp_state = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN,
					     "megavirt/msrs:online",
					     cpu_up, cpu_down);
	if (hp_state < 0)
		return hp_state;
	register_syscore_ops(&msrs_syscore);
	return 0;
}

/* No guest left: every CPU gets the host's values, and forgets us. */
void mv_msrs_exit(void)
{
	unregister_syscore_ops(&msrs_syscore);
	cpus_read_lock();
	on_each_cpu(drop_this_cpu, NULL, 1);
	cpuhp_remove_state_nocalls_cpuslocked(hp_state);
	cpus_read_unlock();
}
