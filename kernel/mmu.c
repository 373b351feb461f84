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
 * Every shadow leaf holds a reference on its page, dropped when the leaf
 * is zapped.  That keeps the host safe (a page cannot be freed while the
 * guest can reach it) but keeps KSM, reclaim and THP away from mapped
 * guest pages; the MMU-notifier scheme of DESIGN.md replaces it later.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/pgtable.h>
#include <asm/trap_pf.h>

#include "mv.h"

#define PTE_ADDR	0x000ffffffffff000ULL
#define SHADOW_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | \
			 _PAGE_ACCESSED | _PAGE_DIRTY)
#define HOLE_SLOT	256
#define SW_HOLE_SIZE	BIT_ULL(39)	/* we use the first 512 GB of the slot */

static u64 *new_table(void)
{
	return (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
}

static void release_leaf(u64 pte)
{
	struct page *page;

	if (!(pte & _PAGE_PRESENT))
		return;
	page = pfn_to_page((pte & PTE_ADDR) >> PAGE_SHIFT);
	if (pte & _PAGE_DIRTY)
		set_page_dirty_lock(page);
	put_page(page);
}

/* Free a shadow table of @level (1 = PTE) and everything below it. */
static void free_table(u64 *table, int level)
{
	int i;

	for (i = 0; i < PTRS_PER_PTE; i++) {
		u64 e = table[i];

		if (!(e & _PAGE_PRESENT))
			continue;
		if (level == 1)
			release_leaf(e);
		else
			free_table(__va(e & PTE_ADDR), level - 1);
	}
	free_page((unsigned long)table);
}

static void free_shadow(struct mv_shadow *s)
{
	int i;

	if (!s->top)
		return;
	if (s->top == s->l4[0]) {
		for (i = 0; i < PTRS_PER_PTE; i++)
			if (i != HOLE_SLOT && (s->top[i] & _PAGE_PRESENT))
				free_table(__va(s->top[i] & PTE_ADDR), 3);
		free_page((unsigned long)s->top);
	} else {
		free_table(s->l4[0], 4);
		free_table(s->l4[1], 4);
		free_page((unsigned long)s->top);
	}
	memset(s, 0, sizeof(*s));
}

static int alloc_shadow(struct mv_guest *g, struct mv_shadow *s, u64 gcr3)
{
	memset(s, 0, sizeof(*s));
	s->gcr3 = gcr3;
	s->top = new_table();
	if (!s->top)
		return -ENOMEM;
	if (pgtable_l5_enabled()) {
		s->l4[0] = new_table();
		s->l4[1] = new_table();
		if (!s->l4[0] || !s->l4[1]) {
			free_page((unsigned long)s->l4[0]);
			free_page((unsigned long)s->l4[1]);
			free_page((unsigned long)s->top);
			s->top = NULL;
			return -ENOMEM;
		}
		s->top[0] = __pa(s->l4[0]) | SHADOW_TABLE;
		s->top[PTRS_PER_PTE - 1] = __pa(s->l4[1]) | SHADOW_TABLE;
	} else {
		s->l4[0] = s->top;
		s->l4[1] = s->top;
	}
	s->top[HOLE_SLOT] = g->sw.top;
	return 0;
}

int mv_mmu_init(struct mv_guest *g)
{
	return alloc_shadow(g, &g->shadow, 0);
}

void mv_mmu_destroy(struct mv_guest *g)
{
	free_shadow(&g->shadow);
}

/* A new guest root: throw the old shadow away and start an empty one. */
int mv_mmu_new_root(struct mv_guest *g, u64 gcr3)
{
	struct mv_shadow s;
	int err;

	err = alloc_shadow(g, &s, gcr3 & PTE_ADDR);
	if (err)
		return err;
	free_shadow(&g->shadow);
	g->shadow = s;
	g->cr3 = gcr3 & PTE_ADDR;
	return 0;
}

u64 mv_mmu_hw_cr3(struct mv_guest *g)
{
	return __pa(g->shadow.top);
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
			break;
		}
		if (level == 1)
			w->gpa = entry & PTE_ADDR;
		else
			table = entry & PTE_ADDR;
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

/* The shadow leaf for @va, allocating the tables above it. */
static u64 *shadow_leaf(struct mv_guest *g, u64 va)
{
	u64 *table = g->shadow.l4[va >> 63];
	int level;

	for (level = 4; level > 1; level--) {
		u64 *e = &table[index_of(va, level)];

		if (!(*e & _PAGE_PRESENT)) {
			u64 *t = new_table();

			if (!t)
				return NULL;
			*e = __pa(t) | SHADOW_TABLE;
		}
		table = __va(*e & PTE_ADDR);
	}
	return &table[index_of(va, 1)];
}

/*
 * A page fault the guest took.  Returns with the shadow fixed, the fault
 * handed to the guest's own handler (traps.c), or the guest dead.
 */
void mv_mmu_page_fault(struct mv_guest *g, u64 cr2, u64 errcode)
{
	bool write = errcode & X86_PF_WRITE, user = errcode & X86_PF_USER;
	bool fetch = errcode & X86_PF_INSTR;
	struct page *page;
	struct walk w = { .fault = true };
	u64 *leaf, pte;

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

	leaf = shadow_leaf(g, cr2);
	if (!leaf) {
		mv_kill(g, "out of memory for shadow page tables");
		return;
	}
	/* Already mapped as asked: SMAP, SMEP or PKU said no, not us. */
	if ((*leaf & _PAGE_PRESENT) && (!write || (*leaf & _PAGE_RW)) &&
	    (!user || (*leaf & _PAGE_USER)) && (!fetch || !(*leaf & _PAGE_NX)))
		goto guest_fault;

	/*
	 * Always with FOLL_WRITE, so that the page the shadow maps is the
	 * one the launcher's mm maps, now and after our own writes into
	 * guest memory: a read of a MAP_PRIVATE page would otherwise give
	 * the zero page or the page cache's, and the first write through
	 * the launcher's mapping would leave the guest on the old copy.
	 * (The cost is sharing; the MMU notifier will give it back.)  The
	 * leaf itself is writable only after a write fault, so the guest's
	 * dirty bits stay exact.
	 */
	if (get_user_pages_fast(g->mem_base + w.gpa, 1, FOLL_WRITE, &page) != 1) {
		mv_kill(g, "guest memory at gpa %#llx is not accessible", w.gpa);
		return;
	}
	pte = ((u64)page_to_pfn(page) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED;
	if (write)
		pte |= _PAGE_RW | _PAGE_DIRTY;
	if (w.user)
		pte |= _PAGE_USER;
	if (w.nx)
		pte |= _PAGE_NX;
	release_leaf(*leaf);
	WRITE_ONCE(*leaf, pte);
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
