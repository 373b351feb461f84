// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow page tables.  Read after run.c.
 *
 * The guest keeps ordinary x86-64 4-level page tables in its own memory,
 * with guest-physical addresses in them.  The CPU cannot use those, so we
 * keep a shadow of them: tables in host memory, shaped like the guest's
 * (entry i of a guest table is entry i of its shadow), whose leaves hold
 * host physical addresses.  The shadow starts empty and is filled one page
 * at a time when the guest faults on an address its own tables map; a
 * fault its own tables do not allow is the guest's, and goes back to it.
 *
 * On a 5-level host the CPU walks five levels whatever the guest wants, so
 * the shadow root is a PML5 whose slots 0 and 511 hold the two halves of
 * the guest's 4-level space.  Slot 256 of the root, in either mode, is the
 * switcher's: it points at the guest's view of the hole.
 *
 * No shadow leaf holds a reference on its page.  The page is looked up
 * (and referenced) only for the moment it takes to install the leaf, as
 * KVM does, and an MMU notifier on the launcher's mm zaps the leaves of
 * any range the host is about to change: munmap, COW, KSM merging a page,
 * reclaim, migration, THP splits.  The guest then faults again and finds
 * whatever page the launcher's mm holds now.  That is what lets KSM merge
 * the pages of a thousand guests booted from the same kernel.  A read
 * fault maps the page read-only without asking for write access, so the
 * zero page and KSM's shared pages stay shared until the guest writes.
 *
 * To zap by address we must know which guest page each leaf maps: every
 * leaf table has a companion page (in its struct page's private field)
 * holding the guest-physical address of each of its entries.  All changes
 * to the shadow tables happen under mmu_lock, a spinlock, since the
 * notifier may be called where it must not sleep; the tables a fault may
 * need are therefore allocated before the lock is taken (fill_cache()).
 * The fault path reads mmu_seq before looking the page up and installs
 * the leaf only if no invalidation ran or runs meanwhile; otherwise the
 * guest simply faults again.
 */
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/pgtable.h>
#include <asm/trap_pf.h>

#include "mv.h"

#define PTE_ADDR	0x000ffffffffff000ULL
#define SHADOW_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | \
			 _PAGE_ACCESSED | _PAGE_DIRTY)
/* A leaf the guest marked global (see sweep_kernel()); the CPU ignores it. */
#define SHADOW_GLOBAL	_PAGE_SOFTW1
#define HOLE_SLOT	256
#define SW_HOLE_SIZE	BIT_ULL(39)	/* we use the first 512 GB of the slot */

static u64 *new_table(void)
{
	return (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
}

/* The guest-physical addresses of a leaf table's entries. */
static u64 *companion(u64 *leaf_table)
{
	return (u64 *)page_private(virt_to_page(leaf_table));
}

/* Free a shadow table of @level (1 = PTE) and everything below it. */
static void free_table(u64 *table, int level)
{
	int i;

	if (level == 1) {
		free_page((unsigned long)companion(table));
	} else {
		for (i = 0; i < PTRS_PER_PTE; i++)
			if (table[i] & _PAGE_PRESENT)
				free_table(__va(table[i] & PTE_ADDR), level - 1);
	}
	free_page((unsigned long)table);
}

/*
 * Which top-level slots hold which half.  On a 5-level host a root's PML5
 * points at two PML4s: the lower half's, its own, and the upper half's,
 * shared by every root.  On a 4-level host the root is the PML4 itself:
 * slots 0-255 are its own, and the kernel slots above the switcher's are
 * copied from the shared kernel PML4 whenever the root is loaded.
 */
static int user_end(void)
{
	return pgtable_l5_enabled() ? PTRS_PER_PTE : HOLE_SLOT;
}

static int kernel_start(void)
{
	return pgtable_l5_enabled() ? 0 : HOLE_SLOT + 1;
}

/* Free the shadow tables below slots [@lo, @hi) of @l4 and clear them. */
static void drop_slots(u64 *l4, int lo, int hi)
{
	int i;

	for (i = lo; i < hi; i++) {
		if (!(l4[i] & _PAGE_PRESENT))
			continue;
		free_table(__va(l4[i] & PTE_ADDR), 3);
		WRITE_ONCE(l4[i], 0);
	}
}

static void drop_user(struct mv_root *r)
{
	drop_slots(r->user, 0, user_end());
}

/* The root the CPU walks must see the shared kernel half as it is now. */
static void sync_kernel(struct mv_shadow *s, struct mv_root *r)
{
	int i;

	if (r->user != r->top)
		return;
	for (i = kernel_start(); i < PTRS_PER_PTE; i++)
		WRITE_ONCE(r->top[i], s->kernel[i]);
}

static void drop_kernel(struct mv_shadow *s)
{
	drop_slots(s->kernel, kernel_start(), PTRS_PER_PTE);
	sync_kernel(s, s->cur);
	s->kernel_local = false;
}

/* What a flush of everything, or new registers, leaves: nothing. */
static void drop_all(struct mv_shadow *s)
{
	int i;

	for (i = 0; i < MV_SHADOW_ROOTS; i++)
		if (s->roots[i].top)
			drop_user(&s->roots[i]);
	drop_kernel(s);
}

static void free_root(struct mv_root *r)
{
	if (!r->top)
		return;
	drop_user(r);
	if (r->user != r->top)
		free_page((unsigned long)r->user);
	free_page((unsigned long)r->top);
	memset(r, 0, sizeof(*r));
}

static void free_shadow(struct mv_shadow *s)
{
	int i;

	for (i = 0; i < MV_SHADOW_ROOTS; i++)
		free_root(&s->roots[i]);
	if (s->kernel) {
		drop_slots(s->kernel, kernel_start(), PTRS_PER_PTE);
		free_page((unsigned long)s->kernel);
	}
	memset(s, 0, sizeof(*s));
}

/* A new, empty root in slot @r, taken before mmu_lock: this may sleep. */
static int alloc_root(struct mv_guest *g, struct mv_root *r)
{
	struct mv_shadow *s = &g->shadow;
	u64 *top = new_table(), *user = top;

	if (top && pgtable_l5_enabled())
		user = new_table();
	if (!top || !user) {
		free_page((unsigned long)top);
		return -ENOMEM;
	}
	if (user != top) {
		top[0] = __pa(user) | SHADOW_TABLE;
		top[PTRS_PER_PTE - 1] = __pa(s->kernel) | SHADOW_TABLE;
	}
	top[HOLE_SLOT] = g->sw.top;
	r->top = top;
	r->user = user;
	return 0;
}

static int alloc_shadow(struct mv_guest *g, struct mv_shadow *s)
{
	memset(s, 0, sizeof(*s));
	s->kernel = new_table();
	if (!s->kernel)
		return -ENOMEM;
	s->cur = &s->roots[0];
	if (alloc_root(g, s->cur)) {
		free_page((unsigned long)s->kernel);
		s->kernel = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Zap the leaves mapping guest-physical [@start, @end) under @table. */
static void zap_table(u64 *table, int level, int lo, int hi, u64 start,
		      u64 end)
{
	u64 *gpas = level == 1 ? companion(table) : NULL;
	int i;

	for (i = lo; i < hi; i++) {
		if (!(table[i] & _PAGE_PRESENT))
			continue;
		if (level > 1)
			zap_table(__va(table[i] & PTE_ADDR), level - 1, 0,
				  PTRS_PER_PTE, start, end);
		else if (gpas[i] >= start && gpas[i] < end)
			WRITE_ONCE(table[i], 0);
	}
}

/*
 * Every root's lower half, and the one kernel half.  The kernel slots of
 * a 4-level root that is not loaded may be stale copies: never walk them.
 */
static void zap(struct mv_guest *g, u64 start, u64 end)
{
	struct mv_shadow *s = &g->shadow;
	int i;

	lockdep_assert_held(&g->mmu_lock);
	/* the switcher's window on the shared page: see mv_mmu_map_shared() */
	if (g->shared_pte && g->shared_gpa >= start && g->shared_gpa < end)
		WRITE_ONCE(g->shared_pte, 0);
	for (i = 0; i < MV_SHADOW_ROOTS; i++)
		if (s->roots[i].top)
			zap_table(s->roots[i].user, 4, 0, user_end(), start, end);
	zap_table(s->kernel, 4, kernel_start(), PTRS_PER_PTE, start, end);
}

static void nothing(void *info)
{
}

/*
 * The shadow changed under a guest that may be running on another CPU,
 * with the old translations in its TLB: take it out and wait.  Its next
 * entry reloads CR3, which flushes them (no shadow entry is global).
 */
static void out_of_guest(struct mv_guest *g)
{
	int cpu;

	smp_mb();	/* the zap before the look at guest_cpu; see run.c */
	cpu = READ_ONCE(g->guest_cpu);
	if (cpu >= 0 && cpu != raw_smp_processor_id())
		smp_call_function_single(cpu, nothing, NULL, 1);
}

/*
 * The host is about to change the launcher's mappings in a range: zap
 * what we built on the pages there.  Never fails, never sleeps.
 */
static int mn_start(struct mmu_notifier *mn,
		    const struct mmu_notifier_range *r)
{
	struct mv_guest *g = container_of(mn, struct mv_guest, mn);
	u64 start = max_t(u64, r->start, g->mem_base);
	u64 end = min_t(u64, r->end, g->mem_base + g->mem_size);

	spin_lock(&g->mmu_lock);
	g->mmu_invalidating++;
	g->mmu_seq++;
	if (start < end)
		zap(g, start - g->mem_base, end - g->mem_base);
	spin_unlock(&g->mmu_lock);
	if (start < end)
		out_of_guest(g);
	return 0;
}

static void mn_end(struct mmu_notifier *mn, const struct mmu_notifier_range *r)
{
	struct mv_guest *g = container_of(mn, struct mv_guest, mn);

	spin_lock(&g->mmu_lock);
	g->mmu_seq++;
	g->mmu_invalidating--;
	spin_unlock(&g->mmu_lock);
}

/* The launcher's mm is going away: nothing of it may stay mapped. */
static void mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct mv_guest *g = container_of(mn, struct mv_guest, mn);

	spin_lock(&g->mmu_lock);
	g->mmu_seq++;
	zap(g, 0, ~0ULL);
	spin_unlock(&g->mmu_lock);
	out_of_guest(g);
}

/* No callback can run any more: the shadow, and the guest, may go. */
static void mn_free(struct mmu_notifier *mn)
{
	struct mv_guest *g = container_of(mn, struct mv_guest, mn);
	int i;

	free_shadow(&g->shadow);
	for (i = 0; i < g->nr_cache; i++)
		free_page((unsigned long)g->cache[i]);
	kfree(g);
}

static const struct mmu_notifier_ops mn_ops = {
	.invalidate_range_start = mn_start,
	.invalidate_range_end = mn_end,
	.release = mn_release,
	.free_notifier = mn_free,
};

/* Last of a guest's creation: nothing to undo for the caller on failure. */
int mv_mmu_init(struct mv_guest *g)
{
	int err;

	spin_lock_init(&g->mmu_lock);
	g->guest_cpu = -1;
	err = alloc_shadow(g, &g->shadow);
	if (err)
		return err;
	g->mn.ops = &mn_ops;
	err = mmu_notifier_register(&g->mn, g->mm);
	if (err)
		free_shadow(&g->shadow);
	return err;
}

/*
 * Last of a guest's destruction: it no longer runs, so no leaf can be
 * added, and the notifier frees it all once its callbacks are done
 * (mn_free()).  mv_mmu_exit() waits for the last of those at rmmod.
 */
void mv_mmu_destroy(struct mv_guest *g)
{
	mmu_notifier_put(&g->mn);
}

void mv_mmu_exit(void)
{
	mmu_notifier_synchronize();
}

u64 mv_mmu_hw_cr3(struct mv_guest *g)
{
	return __pa(g->shadow.cur->top);
}

static bool canonical48(u64 va)
{
	return (u64)((s64)(va << 16) >> 16) == va;
}

static int index_of(u64 va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PTRS_PER_PTE - 1);
}

/* What the guest's own tables say about an address. */
struct walk {
	u64 gpa;		/* of the 4 KB page */
	bool user, write, nx;
	bool global;		/* the leaf's G bit */
	bool fault;		/* the guest's tables do not allow it */
};

/*
 * Walk the guest's tables for @va, setting accessed bits on the way and
 * the dirty bit on a leaf written to, as the CPU would.  A large guest
 * page is fine: the shadow maps the 4 KB piece the guest touched.
 */
static int walk_guest(struct mv_guest *g, u64 va, bool write, struct walk *w)
{
	u64 table = g->cr3, entry, addr;
	int level;

	w->user = true;
	w->write = true;
	w->nx = false;
	w->global = false;
	w->fault = false;
	for (level = 4; level >= 1; level--) {
		addr = table + 8 * index_of(va, level);
		if (mv_read_gpa(g, &entry, addr, sizeof(entry))) {
			mv_kill(g, "guest page table at gpa %#llx is outside its memory",
				addr);
			return -EFAULT;
		}
		if (!(entry & _PAGE_PRESENT) ||
		    (level == 4 && index_of(va, 4) == HOLE_SLOT)) {
			w->fault = true;
			return 0;
		}
		w->user &= !!(entry & _PAGE_USER);
		w->write &= !!(entry & _PAGE_RW);
		w->nx |= !!(entry & _PAGE_NX);
		if (level > 1 && (entry & _PAGE_PSE) && level < 4) {
			u64 size = 1ULL << (PAGE_SHIFT + 9 * (level - 1));

			w->gpa = ((entry & PTE_ADDR) & ~(size - 1)) +
				 (va & (size - 1) & PAGE_MASK);
			w->global = !!(entry & _PAGE_GLOBAL);
			break;
		}
		if (level == 1) {
			w->gpa = entry & PTE_ADDR;
			w->global = !!(entry & _PAGE_GLOBAL);
		} else {
			table = entry & PTE_ADDR;
		}
		if (!(entry & _PAGE_ACCESSED)) {
			entry |= _PAGE_ACCESSED;
			mv_write_gpa(g, addr, &entry, sizeof(entry));
		}
	}
	/* the leaf: accessed, and dirty when written */
	if (!(entry & _PAGE_ACCESSED) || (write && !(entry & _PAGE_DIRTY))) {
		entry |= _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
		mv_write_gpa(g, addr, &entry, sizeof(entry));
	}
	return 0;
}

/* Enough zeroed pages for the tables one fault may add, taken unlocked. */
static int fill_cache(struct mv_guest *g)
{
	while (g->nr_cache < ARRAY_SIZE(g->cache)) {
		u64 *t = new_table();

		if (!t)
			return -ENOMEM;
		g->cache[g->nr_cache++] = t;
	}
	return 0;
}

/*
 * The shadow leaf for @va, with the tables above it taken from the cache
 * if @alloc, or NULL.  Under mmu_lock.
 */
static u64 *shadow_leaf(struct mv_guest *g, u64 va, bool alloc)
{
	struct mv_shadow *s = &g->shadow;
	bool kernel = va >> 63;
	u64 *table = kernel ? s->kernel : s->cur->user;
	int level;

	for (level = 4; level > 1; level--) {
		u64 *e = &table[index_of(va, level)];

		if (!(*e & _PAGE_PRESENT)) {
			u64 *t;

			if (!alloc)
				return NULL;
			t = g->cache[--g->nr_cache];
			if (level == 2)
				set_page_private(virt_to_page(t),
						 (unsigned long)g->cache[--g->nr_cache]);
			WRITE_ONCE(*e, __pa(t) | SHADOW_TABLE);
			/* a 4-level root holds a copy of the kernel slots */
			if (level == 4 && kernel && s->cur->user == s->cur->top)
				WRITE_ONCE(s->cur->top[index_of(va, 4)], *e);
		}
		table = __va(*e & PTE_ADDR);
	}
	return &table[index_of(va, 1)];
}

/* Already mapped as asked: SMAP, SMEP or PKU said no, not the shadow. */
static bool mapped_as_asked(struct mv_guest *g, u64 va, bool write, bool user,
			    bool fetch)
{
	u64 *leaf, pte = 0;

	spin_lock(&g->mmu_lock);
	leaf = shadow_leaf(g, va, false);
	if (leaf)
		pte = *leaf;
	spin_unlock(&g->mmu_lock);
	return (pte & _PAGE_PRESENT) && (!write || (pte & _PAGE_RW)) &&
	       (!user || (pte & _PAGE_USER)) && (!fetch || !(pte & _PAGE_NX));
}

/*
 * Install the leaf for @va -> @page, unless an invalidation ran since
 * @seq was read: then the guest just faults again.
 */
static void install(struct mv_guest *g, u64 va, u64 gpa, struct page *page,
		    unsigned long seq, const struct walk *w, bool write)
{
	u64 pte = ((u64)page_to_pfn(page) << PAGE_SHIFT) | _PAGE_PRESENT |
		  _PAGE_ACCESSED;
	u64 *leaf;

	if (write)
		pte |= _PAGE_RW | _PAGE_DIRTY;
	if (w->user)
		pte |= _PAGE_USER;
	if (w->nx)
		pte |= _PAGE_NX;
	if (w->global && (va >> 63))
		pte |= SHADOW_GLOBAL;
	spin_lock(&g->mmu_lock);
	if (!g->mmu_invalidating && g->mmu_seq == seq) {
		if ((va >> 63) && !w->global)
			g->shadow.kernel_local = true;
		leaf = shadow_leaf(g, va, true);
		companion(PTR_ALIGN_DOWN(leaf, PAGE_SIZE))[index_of(va, 1)] = gpa;
		WRITE_ONCE(*leaf, pte);
	}
	spin_unlock(&g->mmu_lock);
}

/*
 * The shadow is the guest's TLB, and it forgets what a TLB forgets.  The
 * guest sees global pages (CR4.PGE) on: a switch of address space, or a
 * flush of "user" translations, drops every translation except those of
 * the kernel half that the guest's own leaf marked global, and only a
 * flush of everything or of that one page drops those.  Linux marks its
 * kernel mappings global and flushes them itself whenever it changes one,
 * so the kernel half of the shadow survives the guest's context switches
 * instead of being faulted in again, page by page, after each of them.
 *
 * The shadow leaf of a global page carries SHADOW_GLOBAL, a bit of the
 * CPU's left to software.  The CPU's own G bit is never set in a shadow:
 * with the host's global pages back on, such a translation would outlive
 * the switch back to the host.
 */

/* Clear the leaves under @table that the guest did not mark global. */
static void sweep_table(u64 *table, int level)
{
	int i;

	for (i = 0; i < PTRS_PER_PTE; i++) {
		if (!(table[i] & _PAGE_PRESENT))
			continue;
		if (level > 1)
			sweep_table(__va(table[i] & PTE_ADDR), level - 1);
		else if (!(table[i] & SHADOW_GLOBAL))
			WRITE_ONCE(table[i], 0);
	}
}

static void sweep_kernel(struct mv_shadow *s)
{
	int i;

	if (!s->kernel_local)
		return;
	for (i = kernel_start(); i < PTRS_PER_PTE; i++)
		if (s->kernel[i] & _PAGE_PRESENT)
			sweep_table(__va(s->kernel[i] & PTE_ADDR), 3);
	s->kernel_local = false;
}

/*
 * PCIDs: a guest that tags its roots, as Linux does when it sees the PCID
 * feature, gets a shadow root per tag, up to MV_SHADOW_ROOTS.  A CR3 load
 * with bit 63 set keeps what that tag's root had, exactly as a CPU keeps
 * that PCID's TLB entries; without bit 63 the root starts empty.  Linux
 * flushes a PCID itself when it gives it to another mm or finds it stale,
 * so its processes keep their shadow across context switches.  A tag not
 * cached takes the root loaded least recently.  A guest that never tags
 * (PCID 0 always, bit 63 clear) gets what a CPU without PCIDs gives.
 */
static struct mv_root *root_for(struct mv_shadow *s, u16 pcid)
{
	struct mv_root *r, *lru = NULL;

	for (r = s->roots; r < s->roots + MV_SHADOW_ROOTS; r++) {
		if (r->top && r->pcid == pcid)
			return r;
		if (!lru || (lru->top && (!r->top || r->used < lru->used)))
			lru = r;
	}
	return lru;
}

/*
 * The guest loads a root (MV_HC_NEW_PGTABLE with @keep: the kernel's
 * global pages stay), or the launcher sets its registers (all starts
 * afresh).  The guest is not running, and its next entry reloads CR3,
 * which drops what any TLB held.
 */
int mv_mmu_new_root(struct mv_guest *g, u64 cr3, bool keep)
{
	struct mv_shadow *s = &g->shadow;
	u16 pcid = cr3 & X86_CR3_PCID_MASK;
	bool noflush = keep && (cr3 & X86_CR3_PCID_NOFLUSH);
	struct mv_root *r = root_for(s, pcid);

	if (!r->top && alloc_root(g, r))
		return -ENOMEM;
	spin_lock(&g->mmu_lock);
	if (!keep)
		drop_all(s);
	else if (r->pcid != pcid || !noflush)
		drop_user(r);
	/* Another tag's non-global kernel leaves are not this one's. */
	if (r != s->cur || !noflush)
		sweep_kernel(s);
	r->pcid = pcid;
	r->gcr3 = cr3 & PTE_ADDR;
	r->used = ++s->loads;
	/* the root loaded until now is the one kept in step with the kernel */
	if (r != s->cur)
		sync_kernel(s, r);
	s->cur = r;
	spin_unlock(&g->mmu_lock);
	g->cr3 = cr3 & PTE_ADDR;
	return 0;
}

/* The shadow leaf for @va in root @r, if any.  Under mmu_lock. */
static void drop_leaf(struct mv_shadow *s, struct mv_root *r, u64 va)
{
	u64 *table = (va >> 63) ? s->kernel : r->user;
	int level;

	for (level = 4; level > 1; level--) {
		u64 e = table[index_of(va, level)];

		if (!(e & _PAGE_PRESENT))
			return;
		table = __va(e & PTE_ADDR);
	}
	WRITE_ONCE(table[index_of(va, 1)], 0);
}

/* MV_HC_FLUSH_TLB: @how is MV_FLUSH_ALL, MV_FLUSH_USER or MV_FLUSH_ONE. */
u64 mv_mmu_flush(struct mv_guest *g, u64 how, u64 va)
{
	struct mv_shadow *s = &g->shadow;

	if (how > MV_FLUSH_ONE)
		return -EINVAL;
	spin_lock(&g->mmu_lock);
	if (how == MV_FLUSH_ALL) {
		drop_all(s);
	} else if (how == MV_FLUSH_USER) {
		drop_user(s->cur);
		sweep_kernel(s);
	} else if (canonical48(va)) {
		drop_leaf(s, s->cur, va);
	}
	spin_unlock(&g->mmu_lock);
	return 0;
}

/*
 * MV_HC_SET_PTE: the guest changed an entry of @level at @va under the
 * root at @root.  A leaf is one page's flush in every shadow of that
 * root; a table above a leaf may have mapped anything beneath, so that
 * is a flush of everything.
 */
u64 mv_mmu_set_pte(struct mv_guest *g, u64 root, u64 va, u64 level)
{
	struct mv_shadow *s = &g->shadow;
	int i;

	if (level < 1 || level > 4)
		return -EINVAL;
	if (level > 1)
		return mv_mmu_flush(g, MV_FLUSH_ALL, 0);
	if (!canonical48(va))
		return 0;
	spin_lock(&g->mmu_lock);
	for (i = 0; i < MV_SHADOW_ROOTS; i++)
		if (s->roots[i].top && (s->roots[i].gcr3 == (root & PTE_ADDR) ||
					&s->roots[i] == s->cur))
			drop_leaf(s, &s->roots[i], va);
	spin_unlock(&g->mmu_lock);
	return 0;
}

/*
 * A page fault the guest took.  Returns with the shadow fixed, the fault
 * handed to the guest's own handler (traps.c), or the guest dead.
 */
void mv_mmu_page_fault(struct mv_guest *g, u64 cr2, u64 errcode)
{
	bool write = errcode & X86_PF_WRITE, user = errcode & X86_PF_USER;
	bool fetch = errcode & X86_PF_INSTR;
	struct walk w = { .fault = true };
	unsigned long seq;
	struct page *page;

	if (cr2 - mv_sw_base < SW_HOLE_SIZE) {
		mv_kill(g, "guest %s the switcher at %#llx",
			write ? "wrote to" : "touched", cr2);
		return;
	}
	if (!canonical48(cr2))
		goto guest_fault;
	if (walk_guest(g, cr2, write, &w))
		return;
	if (w.fault || (user && !w.user) || (write && !w.write) ||
	    (fetch && w.nx))
		goto guest_fault;
	if (w.gpa >= g->mem_size) {
		if (w.gpa - g->mmio_base < g->mmio_size) {
			mv_mmio_fault(g, w.gpa | (cr2 & ~PAGE_MASK), write);
			return;
		}
		mv_kill(g, "guest maps gpa %#llx at %#llx, outside its memory",
			w.gpa, cr2);
		return;
	}
	if (mapped_as_asked(g, cr2, write, user, fetch))
		goto guest_fault;
	if (fill_cache(g)) {
		mv_kill(g, "out of memory for shadow page tables");
		return;
	}

	/*
	 * Write access only for a write: a read may well get the zero page
	 * or a KSM page, mapped read-only; the guest's first write faults
	 * again and gets its own copy, and the notifier takes the old one
	 * away.  The reference lives until install() is done.
	 */
	seq = READ_ONCE(g->mmu_seq);
	smp_rmb();	/* the sequence before the page: install() re-checks */
	if (get_user_pages_fast(g->mem_base + w.gpa, 1, write ? FOLL_WRITE : 0,
				&page) != 1) {
		mv_kill(g, "guest memory at gpa %#llx is not accessible", w.gpa);
		return;
	}
	install(g, cr2, w.gpa, page, seq, &w, write);
	put_page(page);
	return;

guest_fault:
	/* As the CPU would report it: present unless the guest's walk failed */
	if (w.fault)
		errcode &= ~X86_PF_PROT;
	else
		errcode |= X86_PF_PROT;
	mv_reflect_page_fault(g, cr2, errcode & ~X86_PF_RSVD);
}

/*
 * Read or write guest virtual memory as the guest kernel would, through
 * its own tables: exception frames pushed on its behalf, the frame of an
 * iretq done for it, instructions to decode.
 */
static int access_gva(struct mv_guest *g, u64 gva, void *buf, size_t len,
		      bool write)
{
	while (len) {
		size_t chunk = min_t(size_t, len, PAGE_SIZE - (gva & ~PAGE_MASK));
		struct walk w;
		u64 gpa;

		if (!canonical48(gva) || gva - mv_sw_base < SW_HOLE_SIZE)
			return -EFAULT;
		if (walk_guest(g, gva, write, &w) || w.fault ||
		    (write && !w.write))
			return -EFAULT;
		gpa = w.gpa + (gva & ~PAGE_MASK);
		if (write ? mv_write_gpa(g, gpa, buf, chunk) :
			    mv_read_gpa(g, buf, gpa, chunk))
			return -EFAULT;
		gva += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

int mv_mmu_write_gva(struct mv_guest *g, u64 gva, const void *src, size_t len)
{
	return access_gva(g, gva, (void *)src, len, true);
}

int mv_mmu_read_gva(struct mv_guest *g, u64 gva, void *dst, size_t len)
{
	return access_gva(g, gva, dst, len, false);
}

/*
 * The fast path in the switcher reads and writes the guest's shared page
 * (the virtual IF) while the guest's page tables are loaded, through a
 * window in the guest's view of the switcher area (switcher.h).  That
 * window is a leaf like any other here: the page is looked up and
 * referenced only while the leaf is made, and zap() takes the leaf away
 * whenever the host changes the page, after which the guest, and the
 * switcher, go the slow way until the next entry maps it again.  run.c
 * copies shared_pte into the window before every entry, after it has
 * said it is in the guest, so that a zap either sees the vCPU there and
 * takes it out, or comes first and is seen.
 */
void mv_mmu_map_shared(struct mv_guest *g)
{
	unsigned long seq;
	struct page *page;

	if (!g->shared_gpa || READ_ONCE(g->shared_pte))
		return;
	seq = READ_ONCE(g->mmu_seq);
	smp_rmb();	/* the sequence before the page, as for a fault */
	if (get_user_pages_fast(g->mem_base + g->shared_gpa, 1, FOLL_WRITE,
				&page) != 1)
		return;		/* the slow path will say what is wrong */
	spin_lock(&g->mmu_lock);
	if (!g->mmu_invalidating && g->mmu_seq == seq)
		WRITE_ONCE(g->shared_pte, ((u64)page_to_pfn(page) << PAGE_SHIFT) |
			   _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED |
			   _PAGE_DIRTY | _PAGE_NX);
	spin_unlock(&g->mmu_lock);
	put_page(page);
}
