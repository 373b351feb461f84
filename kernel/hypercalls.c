// SPDX-License-Identifier: GPL-2.0
/*
 * Hypercalls: "int $0x1f" from the guest kernel.  Read after mmu.c.
 *
 * The number is in %rax, the arguments in %rdi, %rsi, %rdx, %rcx and %r8,
 * and the answer goes back in %rax (Documentation/abi.rst).  The gate has
 * DPL 1, so only the guest kernel gets here; the CPU has already moved the
 * saved RIP past the instruction.  A number we do not know returns
 * -MV_ENOSYS: that is how a guest finds out what this module offers.
 */
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <asm/tsc.h>

#include "mv.h"

/* Hand the call to the launcher: MV_RUN returns, its answer comes next. */
static void to_launcher(struct mv_guest *g)
{
	struct mv_frame *f = g->frame;

	memset(&g->exit, 0, sizeof(g->exit));
	g->exit.exit_reason = MV_EXIT_HYPERCALL;
	g->exit.hypercall.nr = f->rax;
	g->exit.hypercall.args[0] = f->rdi;
	g->exit.hypercall.args[1] = f->rsi;
	g->exit.hypercall.args[2] = f->rdx;
	g->exit.hypercall.args[3] = f->rcx;
	g->exit.hypercall.args[4] = f->r8;
	g->awaiting = MV_EXIT_HYPERCALL;
}

static u64 hc_init(struct mv_guest *g, u64 gpa)
{
	struct mv_shared sh = {
		.tsc_khz = tsc_khz,
		.switcher_base = mv_sw_base,
		.switcher_size = 1ULL << 39,
		.boot_wallclock_ns = ktime_get_real_ns(),
		.boot_tsc = rdtsc(),
	};

	if (g->shared_gpa)
		return -EBUSY;
	if ((gpa & ~PAGE_MASK) || mv_write_gpa(g, gpa, &sh, sizeof(sh))) {
		mv_kill(g, "MV_HC_INIT with shared page at gpa %#llx, outside its memory",
			gpa);
		return 0;
	}
	g->shared_gpa = gpa;
	return 0;
}

static u64 hc_shutdown(struct mv_guest *g, u64 kind, u64 gpa, u64 len)
{
	char msg[MV_REASON_LEN] = "";

	if (kind > MV_SHUTDOWN_CRASH)
		return -MV_ENOSYS;
	len = min_t(u64, len, sizeof(msg) - 1);
	if (len && mv_read_gpa(g, msg, gpa, len))
		strscpy(msg, "(reason outside guest memory)", sizeof(msg));
	msg[len] = '\0';
	/* an end always has a reason, if only this one */
	if (kind == MV_SHUTDOWN_CRASH && !msg[0])
		strscpy(msg, "the guest crashed without saying why", sizeof(msg));
	if (kind == MV_SHUTDOWN_POWEROFF)
		mv_end(g, MV_EXIT_SHUTDOWN, 0, msg);
	else if (kind == MV_SHUTDOWN_REBOOT)
		mv_end(g, MV_EXIT_REBOOT, 0, msg);
	else
		mv_end(g, MV_EXIT_CRASH, MV_CRASH_GUEST, msg);
	return 0;
}

/*
 * The calls that a batch may hold too: each stays in the module and
 * returns to the guest.  Returns false for any other number.
 */
static bool in_module_call(struct mv_guest *g, u64 nr, const u64 *a, u64 *ret)
{
	*ret = 0;
	switch (nr) {
	case MV_HC_NOP:
		break;
	case MV_HC_NEW_PGTABLE:
		if (mv_mmu_new_root(g, a[0], true))
			mv_kill(g, "out of memory for shadow page tables");
		break;
	case MV_HC_FLUSH_TLB:
		*ret = mv_mmu_flush(g, a[0], a[1]);
		break;
	case MV_HC_SET_PTE:
		*ret = mv_mmu_set_pte(g, a[0], a[1], a[2]);
		break;
	case MV_HC_SET_IDT_ENTRY:
		*ret = mv_set_idt_entry(g, a[0], a[1], a[2]);
		break;
	case MV_HC_SET_STACK:
		g->kstack = a[0];
		break;
	case MV_HC_SET_TSC_AUX:
		/* the MSR's upper half is reserved: writing it faults */
		if (a[0] > U32_MAX)
			*ret = -EINVAL;
		else
			g->tsc_aux = a[0];
		break;
	case MV_HC_SET_CLOCKEVENT:
		*ret = mv_set_clockevent(g, a[0], a[1]);
		break;
	default:
		return false;
	}
	return true;
}

/*
 * MV_HC_FLUSH_ASYNC: a batch of calls for one exit, the way lguest's
 * guest queued its page-table calls.  The calls run in order and their
 * results are written back; a guest that dies halfway (out of memory for
 * shadow tables) stops it.
 */
static u64 hc_batch(struct mv_guest *g, u64 gpa, u64 n)
{
	struct mv_batch_call c[8];	/* a few at a time: this is the stack */
	u64 done = 0, i, k;

	if (n > MV_BATCH_MAX)
		return -EINVAL;
	while (done < n && !g->dead) {
		k = min_t(u64, n - done, ARRAY_SIZE(c));
		if (mv_read_gpa(g, c, gpa + done * sizeof(c[0]), k * sizeof(c[0])))
			return -EFAULT;
		for (i = 0; i < k && !g->dead; i++)
			if (!in_module_call(g, c[i].nr, c[i].args, &c[i].ret))
				c[i].ret = -EINVAL;
		if (mv_write_gpa(g, gpa + done * sizeof(c[0]), c, i * sizeof(c[0])))
			return -EFAULT;
		done += i;
	}
	return done;
}

void mv_hypercall(struct mv_guest *g)
{
	struct mv_frame *f = g->frame;
	u64 args[4] = { f->rdi, f->rsi, f->rdx, f->rcx };
	u64 ret = 0;

	if (f->rax >= MV_HC_LAUNCHER_BASE || f->rax == MV_HC_CONSOLE_WRITE) {
		to_launcher(g);
		return;
	}
	if (in_module_call(g, f->rax, args, &ret)) {
		f->rax = ret;
		return;
	}
	switch (f->rax) {
	case MV_HC_INIT:
		ret = hc_init(g, f->rdi);
		break;
	case MV_HC_SHUTDOWN:
		ret = hc_shutdown(g, f->rdi, f->rsi, f->rdx);
		break;
	case MV_HC_FLUSH_ASYNC:
		ret = hc_batch(g, f->rdi, f->rsi);
		break;
	case MV_HC_LOAD_IDT:
		ret = mv_load_idt(g, f->rdi, f->rsi);
		break;
	case MV_HC_SET_SYSCALL:
		g->syscall_entry = f->rdi;
		break;
	case MV_HC_HALT:
		mv_halt(g);
		break;
	case MV_HC_NOTIFY:
		mv_notify(g, f->rdi);
		break;
	case MV_HC_SEND_INTERRUPTS:
		/* the run loop delivers them on the way back in */
		break;
	default:
		ret = -MV_ENOSYS;
	}
	f->rax = ret;
}
