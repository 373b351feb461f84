// SPDX-License-Identifier: GPL-2.0
/*
 * A guest's birth and death.  Read after device.c, before run.c.
 *
 * MV_CREATE_GUEST turns an open /dev/megavirt into a guest: a range of the
 * launcher's memory, a register page for its one vCPU, its own view of the
 * switcher, and a shadow root.  The guest dies in exactly one way: someone
 * calls mv_kill() or mv_end(), which records the first reason and makes
 * every later MV_RUN return it.  Nothing a guest or a launcher does makes
 * the host warn; WARN_ON_ONCE is kept for our own invariants.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/pgtable.h>

#include "mv.h"
#include "switcher.h"

/* The guest may set these RFLAGS bits; IF is always on, IOPL always 0. */
#define GUEST_RFLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
			 X86_EFLAGS_DF | X86_EFLAGS_OF | X86_EFLAGS_AC | \
			 X86_EFLAGS_RF | X86_EFLAGS_ID)

static bool config_ok(const struct mv_guest_config *cfg)
{
	u64 end;
	int i;

	if (cfg->flags || cfg->reserved0)
		return false;
	for (i = 0; i < ARRAY_SIZE(cfg->reserved); i++)
		if (cfg->reserved[i])
			return false;
	if (!cfg->mem_size || !PAGE_ALIGNED(cfg->mem_base) ||
	    !PAGE_ALIGNED(cfg->mem_size))
		return false;
	if (check_add_overflow(cfg->mem_base, cfg->mem_size, &end) ||
	    end > TASK_SIZE_MAX)
		return false;
	/* Guest-physical addresses must fit a page-table entry. */
	if (cfg->mem_size > (1ULL << 46))
		return false;
	if (cfg->mmio_size &&
	    (cfg->mmio_base < cfg->mem_size ||
	     check_add_overflow(cfg->mmio_base, cfg->mmio_size, &end) ||
	     end > (1ULL << 46)))
		return false;
	return true;
}

/* Guests' serial numbers: a freed guest's address may come back, these not. */
static atomic64_t serials;

struct mv_guest *mv_guest_create(const struct mv_guest_config *cfg)
{
	struct mv_guest *g;
	int err = -ENOMEM;

	if (!config_ok(cfg))
		return ERR_PTR(-EINVAL);
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return ERR_PTR(-ENOMEM);
	mutex_init(&g->lock);
	g->mm = current->mm;
	g->mem_base = cfg->mem_base;
	g->mem_size = cfg->mem_size;
	g->mmio_base = cfg->mmio_base;
	g->mmio_size = cfg->mmio_size;
	g->sw_cpu = -1;
	g->serial = atomic64_inc_return(&serials);
	mv_irq_init(g);
	mv_eventfd_init(g);

	g->regs_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!g->regs_page)
		goto free_guest;
	g->frame = page_address(g->regs_page) + MV_FR_START;
	g->frame->cs = MV_GUEST_CS;
	g->frame->ss = MV_GUEST_DS;
	g->frame->rflags = X86_EFLAGS_FIXED | X86_EFLAGS_IF;

	/*
	 * The guest's FPU state is its own, as a KVM vCPU's is: it starts in
	 * the init state (nothing of the launcher's), and run.c swaps it in
	 * for the time MV_RUN runs.
	 */
	err = -ENOMEM;
	if (!fpu_alloc_guest_fpstate(&g->fpu))
		goto free_regs;

	err = mv_sw_tree_alloc(&g->sw, 1);
	if (err)
		goto free_fpu;
	err = mv_sw_guest_get(g->mm);
	if (err)
		goto free_tree;
	/* last: from here on the guest is freed by mv_mmu_destroy() */
	err = mv_mmu_init(g);
	if (err)
		goto put_switcher;
	return g;

put_switcher:
	mv_sw_guest_put(g->mm);
free_tree:
	mv_sw_tree_free(&g->sw);
free_fpu:
	fpu_free_guest_fpstate(&g->fpu);
free_regs:
	__free_page(g->regs_page);
free_guest:
	kfree(g);
	return ERR_PTR(err);
}

/*
 * In reverse.  The MMU notifier's callbacks may still be running on other
 * CPUs; mv_mmu_destroy() lets go of it and frees the shadow tables and the
 * guest itself once they are done (after an SRCU grace period), so that
 * closing a guest never waits for one.
 */
void mv_guest_destroy(struct mv_guest *g)
{
	mv_eventfd_destroy(g);
	mv_irq_destroy(g);
	mv_sw_tree_free(&g->sw);
	mv_sw_guest_put(g->mm);
	fpu_free_guest_fpstate(&g->fpu);
	__free_page(g->regs_page);
	mv_mmu_destroy(g);
}

void mv_end(struct mv_guest *g, u32 reason, u32 origin, const char *msg)
{
	if (g->dead)
		return;
	memset(&g->exit, 0, sizeof(g->exit));
	g->exit.exit_reason = reason;
	g->exit.end.origin = origin;
	g->exit.end.trap = g->frame->vector;
	g->exit.end.rip = g->frame->rip;
	strscpy(g->exit.end.reason, msg, sizeof(g->exit.end.reason));
	g->dead = true;
}

/* The one way a guest dies for what it did. */
void mv_kill(struct mv_guest *g, const char *fmt, ...)
{
	char msg[MV_REASON_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mv_end(g, MV_EXIT_CRASH, MV_CRASH_HYPERVISOR, msg);
}

int mv_get_regs(struct mv_guest *g, struct mv_regs *r)
{
	struct mv_frame *f = g->frame;

	memset(r, 0, sizeof(*r));
	r->rax = f->rax; r->rbx = f->rbx; r->rcx = f->rcx; r->rdx = f->rdx;
	r->rsi = f->rsi; r->rdi = f->rdi; r->rbp = f->rbp; r->rsp = f->rsp;
	r->r8 = f->r8; r->r9 = f->r9; r->r10 = f->r10; r->r11 = f->r11;
	r->r12 = f->r12; r->r13 = f->r13; r->r14 = f->r14; r->r15 = f->r15;
	r->rip = f->rip;
	r->rflags = f->rflags;
	r->cr3 = g->cr3;
	r->fs_base = f->fs_base;
	r->gs_base = f->gs_base;
	r->cs = f->cs;
	r->ss = f->ss;
	return 0;
}

int mv_set_regs(struct mv_guest *g, const struct mv_regs *r)
{
	struct mv_frame *f = g->frame;

	f->rax = r->rax; f->rbx = r->rbx; f->rcx = r->rcx; f->rdx = r->rdx;
	f->rsi = r->rsi; f->rdi = r->rdi; f->rbp = r->rbp; f->rsp = r->rsp;
	f->r8 = r->r8; f->r9 = r->r9; f->r10 = r->r10; f->r11 = r->r11;
	f->r12 = r->r12; f->r13 = r->r13; f->r14 = r->r14; f->r15 = r->r15;
	f->rip = r->rip;
	f->rflags = (r->rflags & GUEST_RFLAGS) | X86_EFLAGS_FIXED | X86_EFLAGS_IF;
	f->fs_base = r->fs_base;
	f->gs_base = r->gs_base;
	if (r->cr3 != g->cr3)
		return mv_mmu_new_root(g, r->cr3, false);
	return 0;
}

static void __user *gpa_to_user(struct mv_guest *g, u64 gpa, size_t len)
{
	u64 end;

	if (check_add_overflow(gpa, (u64)len, &end) || end > g->mem_size)
		return NULL;
	return (void __user *)(unsigned long)(g->mem_base + gpa);
}

int mv_read_gpa(struct mv_guest *g, void *dst, u64 gpa, size_t len)
{
	void __user *src = gpa_to_user(g, gpa, len);

	if (!src || copy_from_user(dst, src, len))
		return -EFAULT;
	return 0;
}

int mv_write_gpa(struct mv_guest *g, u64 gpa, const void *src, size_t len)
{
	void __user *dst = gpa_to_user(g, gpa, len);

	if (!dst || copy_to_user(dst, src, len))
		return -EFAULT;
	return 0;
}
