// SPDX-License-Identifier: GPL-2.0
/*
 * Setting up the switcher: its pages, its page tables and the tables it
 * loads.  Read after switcher.S.
 *
 * At insmod every possible CPU gets its area (switcher.h): its own copy of
 * the switcher code, an IDT whose 256 gates all lead to that copy, a GDT
 * and a TSS, IST stacks and a host page.  They are mapped by page tables
 * we build by hand in the hypervisor hole, host PGD slot 256: Linux leaves
 * that slot empty in every mm (Documentation/x86/x86_64/mm.rst, "guard
 * hole, also reserved for hypervisor") at 0xffff800000000000 with 4-level
 * paging and at 0xff00000000000000 with 5-level paging, and 6.1 no longer
 * exports the vmalloc calls lguest used to reserve a fixed address.
 *
 * There are two views of the hole.  The host's view maps every CPU's area
 * and goes into slot 256 of each launcher's mm while it has guests; it is
 * the view in force on the way in and out.  Each guest has its own view,
 * which goes into slot 256 of its shadow roots and maps only the area of
 * the CPU it runs on, with the guest's own register page in it and without
 * the host page.  Nothing in either view has the global bit, and while any
 * guest exists the CPUs run with CR4.PGE clear (see mv_sw_guest_get()), so
 * a guest at ring 1 cannot reach the host kernel through a TLB entry left
 * over from before the switch.
 */
#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/workqueue.h>
#include <asm/desc.h>
#include <asm/irq_vectors.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>

#include "mv.h"
#include "switcher.h"

/* Page-table entry bits, spelled out: these tables are ours alone. */
#define PT_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PT_RX		(_PAGE_PRESENT | _PAGE_ACCESSED)
#define PT_RO		(_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_NX)
#define PT_RW		(PT_TABLE | _PAGE_NX)

#define CPUS_PER_PTE_PAGE	(PTRS_PER_PTE / MV_SW_PAGES)

/* What one CPU's area is made of. */
struct sw_cpu {
	struct page *text[MV_SW_TEXT_PAGES];
	struct page *idt, *tables, *stacks, *host;
};

static struct sw_cpu *sw_cpus;
static struct mv_sw_tree host_tree;
unsigned long mv_sw_base;

#define BLOB_OFFSET(sym)	((unsigned long)((sym) - mv_sw_blob_start))

unsigned long mv_sw_area(int cpu)
{
	return mv_sw_base + (unsigned long)cpu * MV_SW_STRIDE;
}

unsigned long mv_sw_entry(int cpu)
{
	return mv_sw_area(cpu) + MV_SW_TEXT + BLOB_OFFSET(mv_sw_enter);
}

unsigned long mv_sw_lstar(int cpu)
{
	return mv_sw_area(cpu) + MV_SW_TEXT + BLOB_OFFSET(mv_sw_syscall64);
}

unsigned long mv_sw_cstar(int cpu)
{
	return mv_sw_area(cpu) + MV_SW_TEXT + BLOB_OFFSET(mv_sw_syscall32);
}

void *mv_sw_host_page(int cpu)
{
	return page_address(sw_cpus[cpu].host);
}

void *mv_sw_stacks_page(int cpu)
{
	return page_address(sw_cpus[cpu].stacks);
}

void *mv_sw_tables_page(int cpu)
{
	return page_address(sw_cpus[cpu].tables);
}

static u64 entry_of(void *table, u64 flags)
{
	return __pa(table) | flags;
}

static u64 *new_table(void)
{
	return (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
}

/*
 * A tree for the hole: P4D (5-level only), PUD, PMD, and @nr_pte PTE
 * pages.  All our areas fit in the first 1 GB of the slot, so the upper
 * levels have a single entry each.
 */
int mv_sw_tree_alloc(struct mv_sw_tree *t, unsigned int nr_pte)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->pte = kcalloc(nr_pte, sizeof(*t->pte), GFP_KERNEL_ACCOUNT);
	if (!t->pte)
		return -ENOMEM;
	t->nr_pte = nr_pte;
	if (pgtable_l5_enabled()) {
		t->p4d = new_table();
		if (!t->p4d)
			goto nomem;
	}
	t->pud = new_table();
	t->pmd = new_table();
	if (!t->pud || !t->pmd)
		goto nomem;
	for (i = 0; i < nr_pte; i++) {
		t->pte[i] = new_table();
		if (!t->pte[i])
			goto nomem;
	}
	if (t->p4d)
		t->p4d[0] = entry_of(t->pud, PT_TABLE);
	t->pud[0] = entry_of(t->pmd, PT_TABLE);
	t->top = entry_of(t->p4d ? t->p4d : t->pud, PT_TABLE);
	return 0;
nomem:
	mv_sw_tree_free(t);
	return -ENOMEM;
}

void mv_sw_tree_free(struct mv_sw_tree *t)
{
	unsigned int i;

	for (i = 0; t->pte && i < t->nr_pte; i++)
		free_page((unsigned long)t->pte[i]);
	kfree(t->pte);
	free_page((unsigned long)t->pmd);
	free_page((unsigned long)t->pud);
	free_page((unsigned long)t->p4d);
	memset(t, 0, sizeof(*t));
}

/* Fill the eight PTEs of @cpu's area in @pte, from the CPU's pages. */
static void fill_area(u64 *pte, int cpu, struct page *regs, bool host)
{
	struct sw_cpu *c = &sw_cpus[cpu];
	u64 *p = pte + (cpu % CPUS_PER_PTE_PAGE) * MV_SW_PAGES;
	int i;

	for (i = 0; i < MV_SW_TEXT_PAGES; i++)
		p[MV_SW_TEXT / PAGE_SIZE + i] = entry_of(page_address(c->text[i]), PT_RX);
	p[MV_SW_IDT / PAGE_SIZE] = entry_of(page_address(c->idt), PT_RO);
	/* ltr marks the TSS busy in the GDT: it runs under the host's view */
	p[MV_SW_TABLES / PAGE_SIZE] = entry_of(page_address(c->tables),
					       host ? PT_RW : PT_RO);
	p[MV_SW_STACKS / PAGE_SIZE] = entry_of(page_address(c->stacks), PT_RW);
	p[MV_SW_REGS / PAGE_SIZE] = regs ? entry_of(page_address(regs), PT_RW) : 0;
	p[MV_SW_HOST / PAGE_SIZE] = host ? entry_of(page_address(c->host), PT_RW) : 0;
}

/*
 * Point a guest's view at @cpu's area, and away from the one it had.  Its
 * shadow roots share this tree, and the guest's CR3 is reloaded without
 * NOFLUSH on every entry, so no stale translation survives.
 */
void mv_sw_tree_map_cpu(struct mv_sw_tree *t, int *mapped, int cpu,
			struct page *regs)
{
	int old = *mapped;

	if (old >= 0) {
		memset(t->pte[0] + (old % CPUS_PER_PTE_PAGE) * MV_SW_PAGES, 0,
		       MV_SW_PAGES * sizeof(u64));
		t->pmd[old / CPUS_PER_PTE_PAGE] = 0;
	}
	fill_area(t->pte[0], cpu, regs, false);
	t->pmd[cpu / CPUS_PER_PTE_PAGE] = entry_of(t->pte[0], PT_TABLE);
	*mapped = cpu;
}

/*
 * The vCPU's shared page in the guest's view of @cpu's area, for the fast
 * path (switcher.S), or nothing (@pte 0).  run.c sets it before every
 * entry from what mmu.c keeps up to date; the host's view has no such
 * page.
 */
void mv_sw_tree_set_shared(struct mv_sw_tree *t, int cpu, u64 pte)
{
	u64 *p = t->pte[0] + (cpu % CPUS_PER_PTE_PAGE) * MV_SW_PAGES;

	WRITE_ONCE(p[MV_SW_SHARED / PAGE_SIZE], pte);
}

/* The slot the hole occupies in a root of the host's paging depth. */
#define HOLE_SLOT	256

/*
 * Launchers' mms that carry the host view, with how many guests each has.
 * The slot is cleared before the last guest lets go of the mm, which it
 * holds with mmgrab() so the PGD page cannot be freed under it.
 */
struct sw_mm {
	struct list_head list;
	struct mm_struct *mm;
	unsigned int guests;
};

static LIST_HEAD(sw_mms);
static DEFINE_MUTEX(sw_lock);
static unsigned int sw_guests;
static bool sw_pge_off;		/* we turned CR4.PGE off everywhere */

static void pge_off(void *unused)
{
	cr4_clear_bits(X86_CR4_PGE);
}

static void pge_on(void *unused)
{
	if (boot_cpu_has(X86_FEATURE_PGE))
		cr4_set_bits(X86_CR4_PGE);
}

/*
 * Global pages come back a second after the last guest is gone, not at
 * once: turning PGE off or on is an IPI to every CPU and a full TLB flush
 * on each, and a launcher that starts guests one after the other (a fleet
 * restarting, the fuzz test) would pay both for every guest.
 */
#define PGE_RESTORE_DELAY	HZ

static void pge_restore(struct work_struct *work)
{
	mutex_lock(&sw_lock);
	if (!sw_guests && sw_pge_off) {
		on_each_cpu(pge_on, NULL, 1);
		sw_pge_off = false;
	}
	mutex_unlock(&sw_lock);
}

static DECLARE_DELAYED_WORK(pge_work, pge_restore);

/*
 * A guest is being created in @mm: make sure the mm carries the switcher
 * and that global pages are off everywhere.  run.c checks CR4.PGE again
 * before every entry, which covers CPUs that come online later.
 */
int mv_sw_guest_get(struct mm_struct *mm)
{
	struct sw_mm *m;
	int err = 0;

	mutex_lock(&sw_lock);
	list_for_each_entry(m, &sw_mms, list)
		if (m->mm == mm)
			goto found;
	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m) {
		err = -ENOMEM;
		goto out;
	}
	m->mm = mm;
	mmgrab(mm);
	WRITE_ONCE(((u64 *)mm->pgd)[HOLE_SLOT], host_tree.top);
	list_add(&m->list, &sw_mms);
found:
	m->guests++;
	sw_guests++;
	if (!sw_pge_off) {
		on_each_cpu(pge_off, NULL, 1);
		sw_pge_off = true;
	}
out:
	mutex_unlock(&sw_lock);
	return err;
}

void mv_sw_guest_put(struct mm_struct *mm)
{
	struct sw_mm *m;

	mutex_lock(&sw_lock);
	list_for_each_entry(m, &sw_mms, list) {
		if (m->mm != mm)
			continue;
		if (!--m->guests) {
			WRITE_ONCE(((u64 *)mm->pgd)[HOLE_SLOT], 0);
			list_del(&m->list);
			mmdrop(mm);
			kfree(m);
		}
		break;
	}
	if (!--sw_guests)
		mod_delayed_work(system_wq, &pge_work, PGE_RESTORE_DELAY);
	mutex_unlock(&sw_lock);
}

static u64 gdt_entry(u16 flags)
{
	/* base 0, limit 0xfffff, accessed bit preset: the GDT is read-only */
	u64 d = 0xffffULL | (0xfULL << 48);

	return d | ((u64)(flags & 0xff) << 40) | ((u64)(flags >> 12) << 52) |
		(1ULL << 40);
}

static void tss_descriptor(u64 *d, unsigned long base, u32 limit)
{
	d[0] = (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) |
		(0x89ULL << 40) | ((u64)((limit >> 16) & 0xf) << 48) |
		((u64)((base >> 24) & 0xff) << 56);
	d[1] = base >> 32;
}

static void gate(u64 *g, unsigned long target, int ist, int dpl)
{
	g[0] = (target & 0xffff) | ((u64)MV_SEL_CS << 16) | ((u64)ist << 32) |
		((u64)(0x8e | (dpl << 5)) << 40) | ((u64)((target >> 16) & 0xffff) << 48);
	g[1] = target >> 32;
}

/* Reset the TSS descriptor to "available": ltr on the way in marks it busy. */
void mv_sw_tss_unbusy(int cpu)
{
	u64 *gdt = mv_sw_tables_page(cpu) + MV_TB_GDT;

	gdt[MV_GDT_TSS] &= ~(0x2ULL << 40);
}

static void fill_tables(int cpu)
{
	unsigned long area = mv_sw_area(cpu);
	void *tb = mv_sw_tables_page(cpu);
	u64 *gdt = tb + MV_TB_GDT;
	struct x86_hw_tss *tss = tb + MV_TB_TSS;
	struct desc_ptr *gdtr = tb + MV_TB_GDTR, *idtr = tb + MV_TB_IDTR;
	u64 *idt = page_address(sw_cpus[cpu].idt);
	int v;

	/* 1-3 as the host's, so its gates and SYSCALL find what they expect */
	gdt[1] = gdt_entry(0xc09b);
	gdt[2] = gdt_entry(0xa09b);
	gdt[3] = gdt_entry(0xc093);
	gdt[4] = gdt_entry(0xc0fb);
	gdt[5] = gdt_entry(0xc0f3);
	gdt[6] = gdt_entry(0xa0fb);
	tss_descriptor(&gdt[MV_GDT_TSS], area + MV_SW_TABLES + MV_TB_TSS,
		       sizeof(*tss) - 1);
	gdt[MV_GDT_GUEST_CS] = gdt_entry(0xa0bb);
	gdt[MV_GDT_GUEST_DS] = gdt_entry(0xc0b3);

	/*
	 * RSP0 is the end of the register page: a trap from the guest builds
	 * its frame there.  No I/O bitmap: the offset lies past the limit.
	 *
	 * Vectors from 32 up (the host's interrupts, and "int n") go to the
	 * same place through an IST slot, so that the CPU switches stacks
	 * even when it thinks it interrupted ring 0.  A real CPU never does
	 * (interrupts are off in the switcher), but QEMU's TCG lets a ring-1
	 * guest that loads a null SS run on at CPL 0 (fuzz_test.c's null_ss
	 * cases): without the IST, an interrupt there pushed its frame on
	 * the guest's own stack, the exit read a stale vector from the
	 * register page, and the host never got the interrupt nor sent its
	 * EOI, which took the CPU's local timer with it.
	 */
	tss->sp0 = area + MV_SW_REGS + PAGE_SIZE;
	tss->ist[MV_IST_DF - 1] = area + MV_SW_STACKS + MV_ST_DF_TOP;
	tss->ist[MV_IST_NMI - 1] = area + MV_SW_STACKS + MV_ST_NMI_TOP;
	tss->ist[MV_IST_MC - 1] = area + MV_SW_STACKS + MV_ST_MC_TOP;
	tss->ist[MV_IST_IRQ - 1] = tss->sp0;
	tss->io_bitmap_base = sizeof(*tss);

	for (v = 0; v < 256; v++) {
		unsigned long stub = area + MV_SW_TEXT +
			BLOB_OFFSET(mv_sw_idt_stubs) + 16 * v;
		int ist = 0, dpl = 0;

		if (v == 2)
			ist = MV_IST_NMI;
		else if (v == 8)
			ist = MV_IST_DF;
		else if (v == 18)
			ist = MV_IST_MC;
		else if (v >= FIRST_EXTERNAL_VECTOR)
			ist = MV_IST_IRQ;
		if (v == MV_HCALL_VECTOR)
			dpl = 1;
		else if (v == 3 || v == 4)
			dpl = 3;
		gate(idt + 2 * v, stub, ist, dpl);
	}

	gdtr->size = MV_GDT_ENTRIES * 8 - 1;
	gdtr->address = area + MV_SW_TABLES + MV_TB_GDT;
	idtr->size = 256 * 16 - 1;
	idtr->address = area + MV_SW_IDT;
	*(u32 *)(tb + MV_TB_CPU) = cpu;
	*(u16 *)(tb + MV_TB_VERW_SEL) = MV_SEL_DS;
	if (cpu_feature_enabled(X86_FEATURE_CLEAR_CPU_BUF))
		*(u32 *)(tb + MV_TB_FLAGS) |= MV_TBF_VERW;
}

static int alloc_cpu(int cpu)
{
	struct sw_cpu *c = &sw_cpus[cpu];
	unsigned long blob = mv_sw_blob_end - mv_sw_blob_start;
	struct page **pages[] = { &c->text[0], &c->text[1], &c->idt,
				  &c->tables, &c->stacks, &c->host };
	int i;

	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		*pages[i] = alloc_pages_node(cpu_to_node(cpu),
					     GFP_KERNEL | __GFP_ZERO, 0);
		if (!*pages[i])
			return -ENOMEM;
	}
	memcpy(page_address(c->text[0]), mv_sw_blob_start,
	       min_t(unsigned long, blob, PAGE_SIZE));
	if (blob > PAGE_SIZE)
		memcpy(page_address(c->text[1]), mv_sw_blob_start + PAGE_SIZE,
		       blob - PAGE_SIZE);
	fill_tables(cpu);
	fill_area(host_tree.pte[cpu / CPUS_PER_PTE_PAGE], cpu, NULL, true);
	host_tree.pmd[cpu / CPUS_PER_PTE_PAGE] =
		entry_of(host_tree.pte[cpu / CPUS_PER_PTE_PAGE], PT_TABLE);
	return 0;
}

static void free_cpus(void)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct sw_cpu *c = &sw_cpus[cpu];
		struct page *pages[] = { c->text[0], c->text[1], c->idt,
					 c->tables, c->stacks, c->host };

		for (i = 0; i < ARRAY_SIZE(pages); i++)
			if (pages[i])
				__free_page(pages[i]);
	}
	kfree(sw_cpus);
	sw_cpus = NULL;
}

int mv_switcher_init(void)
{
	unsigned long blob = mv_sw_blob_end - mv_sw_blob_start;
	int cpu, err;

	BUILD_BUG_ON(MV_SW_PAGES * CPUS_PER_PTE_PAGE != PTRS_PER_PTE);
	BUILD_BUG_ON(MV_TB_TSS + sizeof(struct x86_hw_tss) > MV_TB_GDTR);
	BUILD_BUG_ON(MV_GDT_ENTRIES * 8 > MV_TB_TSS);
	if (WARN_ON_ONCE(blob > MV_SW_TEXT_PAGES * PAGE_SIZE))
		return -EINVAL;
	if (nr_cpu_ids > CPUS_PER_PTE_PAGE * PTRS_PER_PMD) {
		pr_err("refusing to load: %u possible CPUs, the switcher handles %u\n",
		       nr_cpu_ids, (unsigned int)(CPUS_PER_PTE_PAGE * PTRS_PER_PMD));
		return -ENODEV;
	}

	mv_sw_base = pgtable_l5_enabled() ? 0xff00000000000000UL :
					    0xffff800000000000UL;
	sw_cpus = kcalloc(nr_cpu_ids, sizeof(*sw_cpus), GFP_KERNEL);
	if (!sw_cpus)
		return -ENOMEM;
	err = mv_sw_tree_alloc(&host_tree,
			       DIV_ROUND_UP(nr_cpu_ids, CPUS_PER_PTE_PAGE));
	if (err)
		goto free_cpus;
	for_each_possible_cpu(cpu) {
		err = alloc_cpu(cpu);
		if (err)
			goto free_tree;
	}
	pr_info("switcher: %lu bytes of code at %#lx, %u CPUs\n", blob,
		mv_sw_base, nr_cpu_ids);
	return 0;

free_tree:
	mv_sw_tree_free(&host_tree);
free_cpus:
	free_cpus();
	return err;
}

/*
 * No launcher mm points at the host view any more (every guest is gone,
 * or the module could not be unloaded), but a CPU may still hold cached
 * translations of it: flush before the pages go.
 */
static void flush_all(void *unused)
{
	__flush_tlb_all();
}

void mv_switcher_exit(void)
{
	cancel_delayed_work_sync(&pge_work);
	if (sw_pge_off)
		on_each_cpu(pge_on, NULL, 1);
	on_each_cpu(flush_all, NULL, 1);
	mv_sw_tree_free(&host_tree);
	free_cpus();
}
