// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual interrupts, the guest's clock and its sleep.  Read after traps.c,
 * before hypercalls.c.
 *
 * A guest in ring 1 cannot turn interrupts off: cli faults, and the real
 * IF stays on so that the host keeps its own interrupts.  Its interrupt
 * flag is therefore a word in the shared page (uapi/megavirt.h), which it
 * writes with plain stores, and its interrupts are vectors we raise in
 * g->irqs: from the clock event's hrtimer, from MV_INTERRUPT, from an
 * irqfd.  Raising happens in any context, even hard interrupt; delivering
 * is done by the run loop just before it enters the guest, in process
 * context, where we may write the frame onto the guest's stack.
 *
 * The danger is the interrupt that is raised just after the run loop
 * looked and just before the guest runs: it would wait for the next exit,
 * which for an idle guest may be never.  So every raise bumps irq_seq, the
 * run loop looks at it once more with interrupts off just before the
 * switch (mv_irq_changed()), and the raiser kicks the vCPU's CPU with an
 * IPI, which takes the guest out at once if it already went in.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "mv.h"

#define SHARED(field)	(g->shared_gpa + offsetof(struct mv_shared, field))

/* The guest's virtual IF, from the shared page; off until there is one. */
bool mv_virtual_if(struct mv_guest *g)
{
	u64 on = 0;

	if (g->shared_gpa)
		mv_read_gpa(g, &on, SHARED(irq_enabled), sizeof(on));
	return on & MV_IRQ_ENABLED;
}

void mv_set_virtual_if(struct mv_guest *g, bool on)
{
	u64 val = on ? MV_IRQ_ENABLED : 0;

	if (g->shared_gpa)
		mv_write_gpa(g, SHARED(irq_enabled), &val, sizeof(val));
}

/*
 * Raise @vector; safe from any context.  The order matters: the bit, then
 * the sequence number (fully ordered), then the wake-ups.  Whoever reads
 * the sequence and then the bits cannot miss the bit.
 */
void mv_irq_raise(struct mv_guest *g, unsigned int vector)
{
	struct task_struct *t;

	set_bit(vector, g->irqs);
	atomic_inc_return(&g->irq_seq);
	wake_up(&g->irq_wq);
	rcu_read_lock();
	t = READ_ONCE(g->vcpu_task);
	if (t)
		kick_process(t);
	rcu_read_unlock();
}

int mv_irq_seq(struct mv_guest *g)
{
	return atomic_read(&g->irq_seq);
}

/* True if something was raised since @seq: go round the loop again. */
bool mv_irq_changed(struct mv_guest *g, int seq)
{
	return atomic_read(&g->irq_seq) != seq;
}

/*
 * Tell the guest what waits for its IF: irq_pending and pending[].  Only
 * written when there is something to say or something to take back.
 */
static void show_pending(struct mv_guest *g)
{
	u64 bits[4];
	u32 any;
	int i;

	for (i = 0; i < 4; i++)
		bits[i] = READ_ONCE(g->irqs[i]);
	any = bits[0] || bits[1] || bits[2] || bits[3];
	if (!any && !g->pending_shown)
		return;
	mv_write_gpa(g, SHARED(pending), bits, sizeof(bits));
	mv_write_gpa(g, SHARED(irq_pending), &any, sizeof(any));
	g->pending_shown = any;
}

/*
 * The guest stands at its noirq iretq: do that iretq here, so that the
 * interrupt is delivered on the frame the guest returns to, not on top of
 * the one it is leaving.  Only the returns a guest kernel makes (to its own
 * ring or to user space) are done; anything else is left for the CPU, and
 * the interrupt waits for the next exit.
 */
static bool emulate_iret(struct mv_guest *g)
{
	struct mv_frame *f = g->frame;
	u64 fr[5];	/* rip, cs, rflags, rsp, ss */

	if (mv_mmu_read_gva(g, f->rsp, fr, sizeof(fr)))
		return false;
	if (!((fr[1] == MV_GUEST_CS && fr[4] == MV_GUEST_DS) ||
	      (fr[1] == MV_USER_CS && fr[4] == MV_USER_DS) ||
	      (fr[1] == MV_USER32_CS && fr[4] == MV_USER_DS)))
		return false;
	f->rip = fr[0];
	f->cs = fr[1];
	f->rflags = fr[2];
	f->rsp = fr[3];
	f->ss = fr[4];
	return true;
}

static bool at_noirq_iret(struct mv_guest *g)
{
	u64 noirq = 0;

	if ((g->frame->cs & 3) != 1)
		return false;
	mv_read_gpa(g, &noirq, SHARED(noirq_iret), sizeof(noirq));
	return noirq && noirq == g->frame->rip;
}

/*
 * After an interrupt is delivered the guest's IF is off until its handler
 * returns, and with more vectors waiting nothing may take the guest out
 * again for a long while if it spins.  So we come back soon by ourselves:
 * a short pinned hrtimer whose interrupt ends the guest's run (and which
 * kicks the vCPU if it moved), a few times at most while the guest's IF
 * stays off.  KVM asks the hardware for an "interrupt window" exit; this
 * is the poor man's one.
 */
#define MV_WINDOW_NS		20000
#define MV_WINDOW_POLLS		8

static enum hrtimer_restart window_fired(struct hrtimer *t)
{
	struct mv_guest *g = container_of(t, struct mv_guest, window);
	struct task_struct *task;

	rcu_read_lock();
	task = READ_ONCE(g->vcpu_task);
	if (task)
		kick_process(task);
	rcu_read_unlock();
	return HRTIMER_NORESTART;
}

static void come_back_soon(struct mv_guest *g, bool delivered)
{
	if (delivered)
		g->window_polls = 0;
	if (bitmap_empty(g->irqs, MV_NR_VECTORS) ||
	    g->window_polls >= MV_WINDOW_POLLS ||
	    (!delivered && !g->window_polls))
		return;
	g->window_polls++;
	hrtimer_start(&g->window, ns_to_ktime(MV_WINDOW_NS),
		      HRTIMER_MODE_REL_PINNED);
}

/*
 * Just before the guest runs: deliver the highest raised vector if the
 * guest's IF allows it, and show it the rest.  One per entry, as an
 * interrupt gate turns the virtual IF off anyway.
 */
void mv_irq_before_entry(struct mv_guest *g)
{
	unsigned int vector = find_last_bit(g->irqs, MV_NR_VECTORS);
	bool delivered = false;

	if (vector < MV_NR_VECTORS && mv_virtual_if(g) &&
	    (!at_noirq_iret(g) || emulate_iret(g)) &&
	    test_and_clear_bit(vector, g->irqs)) {
		/* the clock's ticks are counted, not merged: see below */
		if (vector == MV_TIMER_VECTOR &&
		    atomic_dec_if_positive(&g->timer_ticks) > 0)
			set_bit(vector, g->irqs);
		mv_deliver_interrupt(g, vector);
		delivered = true;
	}
	if (g->shared_gpa && !g->dead) {
		show_pending(g);
		come_back_soon(g, delivered);
	}
}

/* MV_HC_HALT: "sti; hlt".  Sleep, costing nothing, until a vector is raised. */
void mv_halt(struct mv_guest *g)
{
	if (!g->shared_gpa) {
		mv_kill(g, "halted before MV_HC_INIT: nothing could wake it");
		return;
	}
	mv_set_virtual_if(g, true);
	wait_event_interruptible(g->irq_wq,
				 !bitmap_empty(g->irqs, MV_NR_VECTORS));
}

/*
 * The clock event: one hrtimer on CLOCK_MONOTONIC, so that setting the
 * host's wall clock moves no guest timer.  A periodic one is forwarded from
 * its own expiry, not from when it ran, and so never drifts; and it loses
 * no ticks.  When the guest could not take them in time (its interrupts
 * were off, or its host thread did not get a CPU), every period that went
 * by is counted in timer_ticks and delivered, one after the other, as soon
 * as the guest lets us, as KVM's PIT does by default ("reinject").  A guest
 * asleep for long gets at most MV_TIMER_BACKLOG of them.
 */
#define MV_TIMER_BACKLOG	1000

static enum hrtimer_restart timer_fired(struct hrtimer *t)
{
	struct mv_guest *g = container_of(t, struct mv_guest, timer);
	u64 period = READ_ONCE(g->timer_period);
	int ticks = 1;

	if (period)
		ticks = hrtimer_forward_now(t, ns_to_ktime(period));
	if (atomic_read(&g->timer_ticks) < MV_TIMER_BACKLOG)
		atomic_add(ticks, &g->timer_ticks);
	mv_irq_raise(g, MV_TIMER_VECTOR);
	return period ? HRTIMER_RESTART : HRTIMER_NORESTART;
}

/* MV_HC_SET_CLOCKEVENT(ns from now, period ns): 0 stops it. */
u64 mv_set_clockevent(struct mv_guest *g, u64 delta, u64 period)
{
	hrtimer_cancel(&g->timer);
	atomic_set(&g->timer_ticks, 0);
	if (!delta)
		return 0;
	if (period && period < MV_TIMER_MIN_PERIOD)
		return -EINVAL;
	WRITE_ONCE(g->timer_period, min_t(u64, period, KTIME_MAX));
	hrtimer_start(&g->timer, ns_to_ktime(min_t(u64, delta, KTIME_MAX)),
		      HRTIMER_MODE_REL);
	return 0;
}

/* MV_INTERRUPT: any thread of the launcher, without stopping the vCPU. */
long mv_interrupt(struct mv_guest *g, u32 __user *uvector)
{
	u32 vector;

	if (get_user(vector, uvector))
		return -EFAULT;
	if (vector < MV_FIRST_IRQ || vector >= MV_NR_VECTORS)
		return -EINVAL;
	mv_irq_raise(g, vector);
	return 0;
}

void mv_irq_init(struct mv_guest *g)
{
	init_waitqueue_head(&g->irq_wq);
	hrtimer_init(&g->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	g->timer.function = timer_fired;
	hrtimer_init(&g->window, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	g->window.function = window_fired;
}

void mv_irq_destroy(struct mv_guest *g)
{
	hrtimer_cancel(&g->timer);
	hrtimer_cancel(&g->window);
}
