// SPDX-License-Identifier: GPL-2.0
/*
 * The test guest: a few hundred bytes of freestanding C that run in ring 1
 * under megavirt and report to the host-side test through "ucalls"
 * (hypercalls the module hands to the launcher).  Which behaviour runs is
 * the test's choice, in %rdi at entry.
 */
#include "guest.h"
#include "../../kernel/switcher.h"

typedef unsigned long u64;

static inline u64 hcall(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4)
{
	register u64 r8 asm("r8") = a4;
	u64 ret;

	asm volatile("int $0x1f"
		     : "=a"(ret)
		     : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "c"(a3), "r"(r8)
		     : "memory");
	return ret;
}

#define GUEST_DONE(v)	hcall(UCALL_DONE, (v), 0, 0, 0, 0)
#define GUEST_ASSERT_EQ(got, want) do {					\
	u64 __g = (got), __w = (want);					\
	if (__g != __w)							\
		hcall(UCALL_FAIL, __LINE__, __g, __w, 0, 0);		\
} while (0)

void regs_roundtrip(u64 *out, u64 nr);
void iret_to_vm86(u64 cs);
void fpu_load(const u64 *buf, u64 avx), fpu_store(u64 *buf, u64 avx);
extern char priv_insns[];

static const char bye[] = "test guest says goodbye";

static void echo_once(void);

int try_call(void *fn, u64 a, u64 b, u64 c);
extern char trap_stubs[];
extern u64 fault_rec[5];	/* vector, error code, rip, cs, rflags */
void do_ud2(void), do_hlt(void), do_int20(void), do_int3(void);
void do_read_unmapped(void), do_div0(void);

/* Our IDT: 32 interrupt gates, DPL 0 (3 for #BP), into trap_stubs. */
static void load_idt(void)
{
	u64 *idt = (u64 *)G_SCRATCH;
	u64 v;

	for (v = 0; v < 32; v++) {
		u64 h = (u64)trap_stubs + 16 * v;
		u64 dpl = v == 3 ? 3 : 0;

		idt[2 * v] = (h & 0xffff) | ((u64)MV_GUEST_CS << 16) |
			     ((0x8eUL | dpl << 5) << 40) |
			     ((h >> 16) & 0xffff) << 48;
		idt[2 * v + 1] = h >> 32;
	}
	GUEST_ASSERT_EQ(hcall(MV_HC_INIT, G_SHARED, 0, 0, 0, 0), 0);
	GUEST_ASSERT_EQ(hcall(MV_HC_LOAD_IDT, G_SCRATCH, 32, 0, 0, 0), 0);
}

static void expect_fault(void (*fn)(void), u64 vector, u64 err, u64 rip)
{
	GUEST_ASSERT_EQ(try_call(fn, 0, 0, 0), 1);
	GUEST_ASSERT_EQ(fault_rec[0], vector);
	GUEST_ASSERT_EQ(fault_rec[1], err);
	GUEST_ASSERT_EQ(fault_rec[2], rip);
	GUEST_ASSERT_EQ(fault_rec[3], MV_GUEST_CS);
	/* the virtual IF was off, and the pushed RFLAGS says so */
	GUEST_ASSERT_EQ(fault_rec[4] & 0x200, 0);
}

void enter_user(void), syscall_entry(void), user_syscalls(void);
void user_ud2(void), user_hlt(void), user_hcall(void), user_int3(void);
void user_read_kernel(void), user_bad(void), user_exceptions(void);
void bounce_de(void), bounce_bp(void), bounce_ud(void), bounce_gp(void);
extern u64 syscall_count, syscall_bad, user_if;
extern u64 bounce_count[4], bounce_bad;

#define SHARED		((volatile struct mv_shared *)G_SHARED)

/* Where user space sees a function of ours: in the user-mapped copy. */
#define USER(fn)	((u64)(fn) - G_LOAD + G_USER_LOAD)

static void setup_user(void)
{
	load_idt();
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_STACK, G_KSTACK_TOP, 0, 0, 0, 0), 0);
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_SYSCALL, (u64)syscall_entry, 0, 0, 0, 0), 0);
}

/*
 * User space runs with the virtual IF on, as Linux's does, unless the
 * test asks for it off (user_if_off): the frames must say which.
 */
static u64 user_if_off;

static int run_user(void (*fn)(void), u64 arg)
{
	int r;

	user_if = user_if_off ? 0 : MV_IRQ_ENABLED;
	SHARED->irq_enabled = user_if;
	r = try_call(enter_user, USER(fn), G_USER_STACK, arg);
	SHARED->irq_enabled = 0;
	if (r)	/* user space hit a check: where, and why */
		GUEST_ASSERT_EQ(fault_rec[2], USER(user_bad) + 1);
	return r;
}

static void user_syscall_loop(u64 n)
{
	setup_user();
	GUEST_ASSERT_EQ(run_user(user_syscalls, n), 0);
	GUEST_ASSERT_EQ(syscall_count, n);
	GUEST_ASSERT_EQ(syscall_bad, 0);
}

/* A gate of our IDT: @trap for a trap gate, DPL 3. */
static void set_user_gate(u64 vector, void (*fn)(void), int trap)
{
	u64 h = (u64)fn;
	u64 lo = (h & 0xffff) | ((u64)MV_GUEST_CS << 16) |
		 ((trap ? 0xefUL : 0xeeUL) << 40) | ((h >> 16) & 0xffff) << 48;

	GUEST_ASSERT_EQ(hcall(MV_HC_SET_IDT_ENTRY, vector, lo, h >> 32, 0, 0), 0);
}

/* @n rounds of #DE, #BP, #UD and #GP from user space, bounced back. */
static void user_exception_loop(u64 n)
{
	int i;

	setup_user();
	set_user_gate(0, bounce_de, 0);
	set_user_gate(3, bounce_bp, 1);
	set_user_gate(6, bounce_ud, 0);
	set_user_gate(13, bounce_gp, 0);
	GUEST_ASSERT_EQ(run_user(user_exceptions, n), 0);
	GUEST_ASSERT_EQ(bounce_bad, 0);
	for (i = 0; i < 4; i++)
		GUEST_ASSERT_EQ(bounce_count[i], n);
}

/*
 * The fast path's ways back to the slow one (GM_FAST_FALLBACK): @n times
 * one user syscall with the kernel stack absent from the shadow tables
 * (after a flush) or there read-only (after a flush and a read of it).
 */
static void fast_fallback(u64 how, u64 n)
{
	u64 i;

	setup_user();
	for (i = 0; i < n; i++) {
		hcall(MV_HC_FLUSH_TLB, MV_FLUSH_ALL, 0, 0, 0, 0);
		if (how == FB_READONLY)
			(void)*(volatile u64 *)(G_KSTACK_TOP - 8);
		GUEST_ASSERT_EQ(run_user(user_syscalls, 1), 0);
	}
	GUEST_ASSERT_EQ(syscall_count, n);
	GUEST_ASSERT_EQ(syscall_bad, 0);
}

/*
 * GM_FAST_BAD: a user syscall (or ud2, @what 1) with the kernel stack at
 * @stack, or (@what 2) a syscall with no syscall entry: the guest dies.
 */
static void fast_bad(u64 stack, u64 what)
{
	setup_user();
	set_user_gate(6, bounce_ud, 0);
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_STACK, stack, 0, 0, 0, 0), 0);
	if (what == 2)
		GUEST_ASSERT_EQ(hcall(MV_HC_SET_SYSCALL, 0, 0, 0, 0, 0), 0);
	run_user(what == 1 ? user_ud2 : user_syscalls, 1);
}

static void user_fault(void (*fn)(void), u64 vector, u64 err, u64 rip)
{
	GUEST_ASSERT_EQ(try_call(enter_user, USER(fn), G_USER_STACK, 0), 1);
	GUEST_ASSERT_EQ(fault_rec[0], vector);
	if (vector != 13 || err != 0x1f * 8 + 2 || fault_rec[1] != 0x1f * 16 + 2)
		GUEST_ASSERT_EQ(fault_rec[1], err);	/* TCG: see traps() */
	GUEST_ASSERT_EQ(fault_rec[2], rip);
	GUEST_ASSERT_EQ(fault_rec[3], MV_USER_CS);
}

static void user_faults(void)
{
	volatile struct mv_shared *sh = (void *)G_SHARED;

	setup_user();
	user_fault(user_ud2, 6, 0, USER(user_ud2));
	user_fault(user_hlt, 13, 0, USER(user_hlt));
	/* hypercalls are for the guest kernel only */
	user_fault(user_hcall, 13, 0x1f * 8 + 2, USER(user_hcall));
	user_fault(user_int3, 3, 0, USER(user_int3) + 1);
	/* user read of a kernel page: present, user */
	user_fault(user_read_kernel, 14, 5, USER(user_read_kernel));
	GUEST_ASSERT_EQ(sh->cr2, 0x100000);
}

void irq_stub_20(void), irq_stub_40(void);
extern char noirq_iret[];

#define COUNTER(i)	(((volatile u64 *)G_COUNTERS)[i])

static void set_irq_gate(u64 vector, void (*fn)(void))
{
	u64 h = (u64)fn;
	u64 lo = (h & 0xffff) | ((u64)MV_GUEST_CS << 16) | (0x8eUL << 40) |
		 ((h >> 16) & 0xffff) << 48;

	GUEST_ASSERT_EQ(hcall(MV_HC_SET_IDT_ENTRY, vector, lo, h >> 32, 0, 0), 0);
}

/* Handlers for the clock's vector and for 0x40, and the safe return. */
static void setup_irqs(void)
{
	load_idt();
	set_irq_gate(MV_TIMER_VECTOR, irq_stub_20);
	set_irq_gate(0x40, irq_stub_40);
	SHARED->noirq_iret = (u64)noirq_iret;
	GUEST_ASSERT_EQ(SHARED->irq_enabled, 0);
	GUEST_ASSERT_EQ(SHARED->tsc_khz != 0, 1);
}

/* What a paravirtual "sti" does. */
static void irq_enable(void)
{
	SHARED->irq_enabled = MV_IRQ_ENABLED;
	if (SHARED->irq_pending)
		hcall(MV_HC_SEND_INTERRUPTS, 0, 0, 0, 0, 0);
}

/* A periodic clock, and then idle: halting (@spin 0) or spinning. */
static void timer_run(u64 period, u64 spin)
{
	setup_irqs();
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_CLOCKEVENT, period, period, 0, 0, 0), 0);
	irq_enable();
	hcall(UCALL_READY, 0, 0, 0, 0, 0);
	for (;;) {
		if (spin)
			asm volatile("pause");
		else
			hcall(MV_HC_HALT, 0, 0, 0, 0, 0);
	}
}

/*
 * GM_USER_TICKS: user space makes @n syscalls, on the fast path, while a
 * periodic clock of @period ns runs: its ticks still arrive, in user
 * space or at the kernel's return to it, counted in C_IRQS.
 */
static void user_ticks(u64 n, u64 period)
{
	setup_user();
	set_irq_gate(MV_TIMER_VECTOR, irq_stub_20);
	SHARED->noirq_iret = (u64)noirq_iret;
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_CLOCKEVENT, period, period, 0, 0, 0), 0);
	GUEST_ASSERT_EQ(run_user(user_syscalls, n), 0);
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_CLOCKEVENT, 0, 0, 0, 0, 0), 0);
	GUEST_ASSERT_EQ(syscall_count, n);
	GUEST_ASSERT_EQ(syscall_bad, 0);
}

/*
 * Interrupts off: the clock's vector stays pending and the guest is told;
 * once the test says go, the clock stops and IF comes back on, and the
 * one pending tick arrives during MV_HC_SEND_INTERRUPTS, not later.
 */
static void timer_if_off(void)
{
	setup_irqs();
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_CLOCKEVENT, 1000000, 1000000, 0, 0, 0), 0);
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_CLOCKEVENT, 1000, 50, 0, 0, 0),
			-22UL);	/* a period under MV_TIMER_MIN_PERIOD */
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_CLOCKEVENT, 1000000, 1000000, 0, 0, 0), 0);
	hcall(UCALL_READY, 0, 0, 0, 0, 0);
	while (!COUNTER(C_GO))
		asm volatile("pause");
	GUEST_ASSERT_EQ(COUNTER(C_IRQS), 0);
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_CLOCKEVENT, 0, 0, 0, 0, 0), 0);
	GUEST_ASSERT_EQ(SHARED->irq_pending, 1);
	GUEST_ASSERT_EQ(SHARED->pending[0], 1UL << MV_TIMER_VECTOR);
	SHARED->irq_enabled = MV_IRQ_ENABLED;
	hcall(MV_HC_SEND_INTERRUPTS, 0, 0, 0, 0, 0);
	GUEST_ASSERT_EQ(COUNTER(C_IRQS), 1);
	GUEST_ASSERT_EQ(COUNTER(C_LAST_VECTOR), MV_TIMER_VECTOR);
	GUEST_ASSERT_EQ(SHARED->irq_enabled & MV_IRQ_ENABLED, MV_IRQ_ENABLED);
	GUEST_ASSERT_EQ(SHARED->irq_pending, 0);
}

/* The idle loop of a guest: halt until an interrupt has come. */
static void halt_loop(void)
{
	setup_irqs();
	hcall(UCALL_READY, 0, 0, 0, 0, 0);
	while (!COUNTER(C_IRQS)) {
		SHARED->irq_enabled = 0;
		if (!COUNTER(C_IRQS))
			hcall(MV_HC_HALT, 0, 0, 0, 0, 0);
	}
	GUEST_ASSERT_EQ(COUNTER(C_LAST_VECTOR), 0x40);
}

/*
 * Device space, every form of mov a driver's readX/writeX may compile to.
 * The test checks each write as it arrives (address, size, value) and
 * answers every read with MMIO_READ_VALUE; we check the registers here.
 * Access k is at G_MMIO + 8 * k, so a wrong address shows.
 */
#define M(k)	(G_MMIO + 8 * (k))

static void mmio_writes(void)
{
	u64 m = G_MMIO;

	asm volatile("movb %%al, 0(%1)" :: "a"(0x11UL), "r"(m) : "memory");
	asm volatile("movw %%ax, 8(%1)" :: "a"(0x2222UL), "r"(m) : "memory");
	asm volatile("movl %%eax, 16(%1)" :: "a"(0x33333333UL), "r"(m) : "memory");
	asm volatile("movq %%rax, 24(%1)" :: "a"(0x4444444444444444UL), "r"(m) : "memory");
	asm volatile("movb $0x55, 32(%0)" :: "r"(m) : "memory");
	asm volatile("movw $0x6666, 40(%0)" :: "r"(m) : "memory");
	asm volatile("movl $0x77777777, 48(%0)" :: "r"(m) : "memory");
	asm volatile("movq $-2, 56(%0)" :: "r"(m) : "memory");
	asm volatile("movq %1, %%r9; movq %%r9, 64(%0)"
		     :: "r"(m), "r"(0x9999999999999999UL) : "memory", "r9");
	asm volatile("movb %%ah, 72(%1)" :: "a"(0xab00UL), "r"(m) : "memory");
	asm volatile("movb %%sil, 80(%0)" :: "r"(m), "S"(0x5eUL) : "memory");
	/* base + index * 4 + disp8: 88 + 8 = 96 = M(12) */
	asm volatile("movl %%ecx, 8(%0,%1,4)" :: "d"(m), "b"(22UL),
		     "c"(0xc0ffee00UL) : "memory");
}

static void mmio_reads(void)
{
	u64 m = G_MMIO, v;

	v = ~0UL;
	asm volatile("movb 104(%1), %b0" : "+c"(v) : "r"(m) : "memory");
	GUEST_ASSERT_EQ(v, 0xffffffffffffff00UL | (MMIO_READ_VALUE & 0xff));
	v = ~0UL;
	asm volatile("movw 112(%1), %w0" : "+c"(v) : "r"(m) : "memory");
	GUEST_ASSERT_EQ(v, 0xffffffffffff0000UL | (MMIO_READ_VALUE & 0xffff));
	v = ~0UL;
	asm volatile("movl 120(%1), %k0" : "+c"(v) : "r"(m) : "memory");
	GUEST_ASSERT_EQ(v, MMIO_READ_VALUE & 0xffffffff);
	v = 0;
	asm volatile("movq 128(%1), %0" : "+c"(v) : "r"(m) : "memory");
	GUEST_ASSERT_EQ(v, MMIO_READ_VALUE);
	v = ~0UL;
	asm volatile("movzbl 136(%1), %k0" : "+c"(v) : "r"(m) : "memory");
	GUEST_ASSERT_EQ(v, MMIO_READ_VALUE & 0xff);
	v = ~0UL;
	asm volatile("movzwl 144(%1), %k0" : "+c"(v) : "r"(m) : "memory");
	GUEST_ASSERT_EQ(v, MMIO_READ_VALUE & 0xffff);
	v = 0;
	asm volatile("movsbq 152(%1), %0" : "+c"(v) : "r"(m) : "memory");
	GUEST_ASSERT_EQ(v, (u64)(long)(signed char)MMIO_READ_VALUE);
	v = ~0UL;
	asm volatile("movswl 160(%1), %k0" : "+c"(v) : "r"(m) : "memory");
	GUEST_ASSERT_EQ(v, (u64)(unsigned int)(int)(short)MMIO_READ_VALUE);
	v = 0x1234567812345678UL;
	asm volatile("movb 168(%1), %%bh" : "+b"(v) : "r"(m) : "memory");
	GUEST_ASSERT_EQ(v, 0x1234567812340078UL | (MMIO_READ_VALUE & 0xff) << 8);
	asm volatile("movq $-1, %%r10; movl 176(%1), %%r10d; movq %%r10, %0"
		     : "=r"(v) : "r"(m) : "memory", "r10");
	GUEST_ASSERT_EQ(v, MMIO_READ_VALUE & 0xffffffff);
	asm volatile("movq $-1, %%r11; movw 184(%1), %%r11w; movq %%r11, %0"
		     : "=r"(v) : "r"(m) : "memory", "r11");
	GUEST_ASSERT_EQ(v, 0xffffffffffff0000UL | (MMIO_READ_VALUE & 0xffff));
}

/* Kicks bound to eventfds by the test: none of them leaves the module. */
static void kicks(u64 n)
{
	u64 i;

	for (i = 0; i < n; i++) {
		*(volatile unsigned int *)G_MMIO_KICK = i;
		GUEST_ASSERT_EQ(hcall(MV_HC_NOTIFY, 8, 0, 0, 0, 0), 0);
	}
	GUEST_ASSERT_EQ(hcall(MV_HC_NOTIFY, 7, 0, 0, 0, 0), 0);
}

/*
 * Identical pages in two guests, for KSM to merge while we halt; then
 * they must still read right, and our writes must stay ours.
 */
static void ksm(u64 a, u64 b)
{
	u64 i, j;

	setup_irqs();
	for (i = 0; i < KSM_PAGES; i++)
		for (j = 0; j < 512; j++)
			((volatile u64 *)(KSM_BASE + 4096 * i))[j] = a + i;
	hcall(UCALL_READY, 0, 0, 0, 0, 0);
	while (!COUNTER(C_IRQS)) {
		SHARED->irq_enabled = 0;
		if (!COUNTER(C_IRQS))
			hcall(MV_HC_HALT, 0, 0, 0, 0, 0);
	}
	for (i = 0; i < KSM_PAGES; i++)
		for (j = 0; j < 512; j += 64)
			GUEST_ASSERT_EQ(((volatile u64 *)(KSM_BASE + 4096 * i))[j], a + i);
	for (i = 0; i < KSM_PAGES; i++)
		((volatile u64 *)(KSM_BASE + 4096 * i))[1] = b + i;
	for (i = 0; i < KSM_PAGES; i++) {
		GUEST_ASSERT_EQ(((volatile u64 *)(KSM_BASE + 4096 * i))[0], a + i);
		GUEST_ASSERT_EQ(((volatile u64 *)(KSM_BASE + 4096 * i))[1], b + i);
	}
}

/*
 * Does anything the guest can read hold a host kernel address?  Make the
 * switcher work first (hypercalls, a trap, interrupts), then read every
 * word of this CPU's switcher area that is mapped for us (@area: text,
 * IDT, GDT and TSS, IST stacks, registers) and of all our memory but the
 * two copies of our image, with AC set so that SMAP lets us read the user
 * part too.  Small negative numbers are error codes, not addresses.
 */
static int host_pointer(u64 v)
{
	u64 sw = SHARED->switcher_base;
	/* where Linux maps anything: its LDT remap is the lowest, then the
	 * direct map, vmalloc, vmemmap, cpu_entry_area, text, modules */
	u64 kmin = sw == 0xff00000000000000UL ? 0xff10000000000000UL :
						 0xffff880000000000UL;

	return v >= kmin && v < 0xfffffffffffff000UL &&
	       !(v - sw < SHARED->switcher_size);
}

/* r15 ... rax of the switcher's trap frame */
#define FRAME_GPRS	(MV_SW_REGS + MV_FR_START + MV_FR_R15)
#define FRAME_GPRS_END	(MV_SW_REGS + MV_FR_START + MV_FR_RAX + 8)

static void scan_range(u64 start, u64 len)
{
	u64 a;

	for (a = start; a < start + len; a += 8) {
		u64 v = *(volatile u64 *)a;

		if (host_pointer(v))
			hcall(UCALL_FAIL, __LINE__, a, v, 0, 0);
	}
}

static void scan(u64 area)
{
	u64 i;

	setup_irqs();
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_CLOCKEVENT, 100000, 100000, 0, 0, 0), 0);
	for (i = 0; i < 20; i++) {
		hcall(MV_HC_NOP, 0, 0, 0, 0, 0);
		GUEST_ASSERT_EQ(try_call(do_ud2, 0, 0, 0), 1);
		SHARED->irq_enabled = 0;
		hcall(MV_HC_HALT, 0, 0, 0, 0, 0);
	}
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_CLOCKEVENT, 0, 0, 0, 0, 0), 0);
	GUEST_ASSERT_EQ(COUNTER(C_IRQS) >= 20, 1);
	asm volatile("pushfq; orq $0x40000, (%%rsp); popfq" ::: "memory", "cc");
	/*
	 * Up to the host page, which is absent, but past the general registers
	 * of the trap frame at the top of the regs page: they are our own
	 * values as last saved (the compiler keeps both candidates for kmin
	 * in registers), so they would be reported however clean the host.
	 * Not the text either: any eight bytes of code may look like an
	 * address (the RSB fill moved "ret; int3; mov (%rsp),%rbx; inc" to
	 * an 8-byte boundary, 0xff48241c8b48ccc3), and the switcher's copy
	 * holds no pointer by construction: it has no relocations.
	 */
	scan_range(area + MV_SW_IDT, FRAME_GPRS - MV_SW_IDT);
	scan_range(area + FRAME_GPRS_END, 0x6000 - FRAME_GPRS_END);
	/* all our memory but our own code, whose bytes are no pointers */
	scan_range(0, G_LOAD);
	scan_range(G_LOAD + 0x100000, G_USER_LOAD - G_LOAD - 0x100000);
	scan_range(G_USER_LOAD + 0x100000, G_MEM_SIZE - G_USER_LOAD - 0x100000);
	asm volatile("pushfq; andq $~0x40000, (%%rsp); popfq" ::: "memory", "cc");
}

/* Work that crosses into the host in every way, until the test says stop. */
static void churn(void)
{
	u64 i;

	load_idt();
	for (i = 0; !COUNTER(C_GO); i++) {
		GUEST_ASSERT_EQ(hcall(UCALL_ECHO, i, 1, 2, 3, 4), i + 11);
		GUEST_ASSERT_EQ(hcall(MV_HC_NOP, 0, 0, 0, 0, 0), 0);
		GUEST_ASSERT_EQ(try_call(do_ud2, 0, 0, 0), 1);
		*(volatile u64 *)(0x200000 + 4096 * (i % 256)) = i;
		GUEST_ASSERT_EQ(*(volatile u64 *)(0x200000 + 4096 * (i % 256)), i);
		COUNTER(C_IRQS) = i + 1;
	}
}

/*
 * Hypercalls with random numbers and arguments.  Numbers are mostly ours
 * (0-20, where the interesting code is), arguments a mix of small values,
 * addresses in and around our memory, and any 64-bit value.
 */
static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static u64 rnd_arg(u64 *s)
{
	switch (rnd(s) % 4) {
	case 0:
		return rnd(s) % 64;
	case 1:
		return rnd(s) % (2 * G_MEM_SIZE);
	case 2:
		return -(rnd(s) % 4096);
	default:
		return rnd(s);
	}
}

static void hcfuzz(u64 seed, u64 n)
{
	u64 s = seed | 1, i, nr, a[5];
	int k;

	for (i = 0; i < n; i++) {
		nr = rnd(&s) % 8 ? rnd(&s) % 21 : rnd_arg(&s);
		/* these end the guest or stop it for good: rarely */
		if ((nr == MV_HC_SHUTDOWN || nr == MV_HC_HALT) && rnd(&s) % 16)
			continue;
		for (k = 0; k < 5; k++)
			a[k] = rnd_arg(&s);
		hcall(nr, a[0], a[1], a[2], a[3], a[4]);
	}
}

static void traps(void)
{
	volatile struct mv_shared *sh = (void *)G_SHARED;

	load_idt();
	GUEST_ASSERT_EQ(sh->switcher_size, 1UL << 39);
	expect_fault(do_ud2, 6, 0, (u64)do_ud2);
	expect_fault(do_div0, 0, 0, (u64)do_div0 + 9);
	expect_fault(do_hlt, 13, 0, (u64)do_hlt);
	/*
	 * int $n into a DPL 0 gate: #GP, error code = IDT index * 8 + 2 on
	 * real CPUs.  QEMU TCG's do_interrupt64() pushes index * 16 + 2 (it
	 * is the CPU's frame, we pass it on as is): accept both.
	 */
	GUEST_ASSERT_EQ(try_call(do_int20, 0, 0, 0), 1);
	GUEST_ASSERT_EQ(fault_rec[0], 13);
	if (fault_rec[1] != 0x20 * 16 + 2)
		GUEST_ASSERT_EQ(fault_rec[1], 0x20 * 8 + 2);
	GUEST_ASSERT_EQ(fault_rec[2], (u64)do_int20);
	/* int3 is a trap: the saved rip is after it */
	expect_fault(do_int3, 3, 0, (u64)do_int3 + 1);
	expect_fault(do_read_unmapped, 14, 0, (u64)do_read_unmapped);
	GUEST_ASSERT_EQ(sh->cr2, 0x40000000);
	/* it still works after all that */
	GUEST_ASSERT_EQ(try_call(echo_once, 0, 0, 0), 0);
}

static void echo_once(void)
{
	GUEST_ASSERT_EQ(hcall(UCALL_ECHO, 1, 2, 3, 4, 5), 16);
}

static void echo(void)
{
	u64 i;

	for (i = 0; i < 1000; i++)
		GUEST_ASSERT_EQ(hcall(UCALL_ECHO, i, 2 * i, 3 * i, 4 * i, 5 * i),
				15 * i + 1);
}

static void regs(void)
{
	static const u64 nrs[] = { MV_HC_NOP, UCALL_SYNC };
	u64 out[15], i, r;

	for (r = 0; r < 2; r++) {
		regs_roundtrip(out, nrs[r]);
		/* rax is the answer: 0 for the NOP, the test's for the ucall */
		GUEST_ASSERT_EQ(out[0], r ? 0x5a5a : 0);
		for (i = 1; i < 15; i++)
			GUEST_ASSERT_EQ(out[i], 0x0101010101010101UL * i);
	}
}

/*
 * Make VM86_CODE reachable from ring 3 (the rest of the first 2 MB stays
 * as it was: the kernel's), put "jmp ." there, and iret to it with VM set.
 * The write, after the flush, also gets the page into the shadow tables,
 * so that the first fetch from it does not fault.  It is a user page:
 * with SMAP the write needs AC.
 */
static void iret_vm86(void)
{
	u64 *pd = (u64 *)G_PD, *pt = (u64 *)VM86_PT, i;

	for (i = 0; i < 512; i++)
		pt[i] = (i << 12) | 0x3;
	pt[VM86_CODE >> 12] |= 0x4;
	pd[0] = VM86_PT | 0x7;
	hcall(MV_HC_FLUSH_TLB, MV_FLUSH_ALL, 0, 0, 0, 0);
	asm volatile("pushfq; orq $0x40000, (%%rsp); popfq; movw $0xfeeb, %0"
		     : "=m"(*(unsigned short *)VM86_CODE));
	iret_to_vm86(VM86_CODE >> 4);
}

/* AVX, and the OS (the host) saves the upper halves: CPUID and XCR0. */
static u64 have_avx(void)
{
	unsigned int a = 1, b, c = 0, d;
	u64 xcr0;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(c & (1U << 28)) || !(c & (1U << 27)))
		return 0;
	asm volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	xcr0 = a | (u64)d << 32;
	return (xcr0 & 6) == 6;
}

static void cpuid(unsigned int leaf, unsigned int *c, unsigned int *d)
{
	unsigned int a = leaf, b;

	*c = 0;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(*c), "=d"(*d));
}

static u64 rdtscp_aux(void)
{
	unsigned int lo, hi, aux;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	return aux;
}

static u64 rdpid(void)
{
	u64 v;

	asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(v));	/* rdpid %rax */
	return v;
}

/*
 * RDTSCP and RDPID read our own TSC_AUX: 0 until we set it, then @value,
 * @n times, across in-module hypercalls and, every TSC_AUX_SYNC rounds, a
 * trip out to the launcher (whose return to user space gives the host its
 * value back) and wherever the test moves us meanwhile.
 */
static void tsc_aux(u64 value, u64 n)
{
	unsigned int c, d, max;
	u64 have = 0, i;

	asm volatile("cpuid" : "=a"(max) : "a"(0x80000000) : "ebx", "ecx", "edx");
	if (max >= 0x80000001) {
		cpuid(0x80000001, &c, &d);
		if (d & (1U << 27))
			have |= TSC_AUX_RDTSCP;
	}
	cpuid(7, &c, &d);
	if (c & (1U << 22))
		have |= TSC_AUX_RDPID;

	if (have & TSC_AUX_RDTSCP)
		GUEST_ASSERT_EQ(rdtscp_aux(), 0);
	if (have & TSC_AUX_RDPID)
		GUEST_ASSERT_EQ(rdpid(), 0);
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_TSC_AUX, 1UL << 32, 0, 0, 0, 0), -22UL);
	GUEST_ASSERT_EQ(hcall(MV_HC_SET_TSC_AUX, value, 0, 0, 0, 0), 0);
	for (i = 0; i < n; i++) {
		if (have & TSC_AUX_RDTSCP)
			GUEST_ASSERT_EQ(rdtscp_aux(), value);
		if (have & TSC_AUX_RDPID)
			GUEST_ASSERT_EQ(rdpid(), value);
		if (i % TSC_AUX_SYNC == 0)
			hcall(UCALL_SYNC, i, 0, 0, 0, 0);
		else
			GUEST_ASSERT_EQ(hcall(MV_HC_NOP, 0, 0, 0, 0, 0), 0);
	}
	GUEST_DONE(have);
}

/*
 * The vector registers are the guest's own: they start in the init state
 * (nothing of the launcher's), and a pattern loaded before a hypercall is
 * there after it, @n times over, whatever ran on the CPU meanwhile (every
 * 16th round goes out to the launcher, which loads patterns of its own).
 */
static u64 fpu_pattern[64], fpu_seen[64];

static void fpu_rounds(u64 seed, u64 n)
{
	u64 avx = have_avx(), words = avx ? 4 : 2, i, r, k;
	unsigned int mxcsr;

	fpu_store(fpu_seen, avx);
	for (r = 0; r < 16; r++)
		for (k = 0; k < words; k++)
			GUEST_ASSERT_EQ(fpu_seen[4 * r + k], 0);
	asm volatile("stmxcsr %0" : "=m"(mxcsr));
	GUEST_ASSERT_EQ(mxcsr, 0x1f80);
	for (i = 0; i < n; i++) {
		for (r = 0; r < 64; r++)
			fpu_pattern[r] = seed ^ (r << 40) ^ i;
		fpu_load(fpu_pattern, avx);
		hcall(i % 16 == 15 ? UCALL_SYNC : MV_HC_NOP, i, 0, 0, 0, 0);
		fpu_store(fpu_seen, avx);
		for (r = 0; r < 16; r++)
			for (k = 0; k < words; k++)
				if (fpu_seen[4 * r + k] != fpu_pattern[4 * r + k]) {
					hcall(UCALL_FAIL, r, fpu_seen[4 * r + k],
					      fpu_pattern[4 * r + k], 0, 0);
					return;
				}
	}
}

/*
 * The shadow is a TLB with global pages on (Documentation/abi.rst): a
 * switch of address space or a user flush keeps the translations of the
 * kernel half that the guest marked global, and drops every other one; a
 * flush of one page or of all drops those too.  Each step changes a leaf
 * without a flush first, so what the read returns says which translation
 * the shadow kept: the stale one, or the one the tables hold now.
 */
#define PTE_G		0x100UL
#define TLB_LEAF	(0x1UL | 0x2UL)

static u64 tlb_read(u64 va)
{
	return *(volatile u64 *)va;
}

/*
 * PCIDs: a root loaded with bit 63 set keeps what its PCID's shadow held,
 * a root loaded without it starts empty, and a seventh PCID takes the
 * shadow of the one loaded least recently.
 */
#define NOFLUSH		(1UL << 63)

static void tlb_load(u64 pcid, u64 flags)
{
	GUEST_ASSERT_EQ(hcall(MV_HC_NEW_PGTABLE, G_PML4 | pcid | flags,
			      0, 0, 0, 0), 0);
}

static void tlb_pcids(void)
{
	u64 *upt = (u64 *)TLB_UPT, pcid;

	upt[0] = TLB_A | TLB_LEAF;
	tlb_load(1, 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_UVA), 0xa);
	upt[0] = TLB_B | TLB_LEAF;
	tlb_load(2, 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_UVA), 0xb);
	tlb_load(1, NOFLUSH);
	GUEST_ASSERT_EQ(tlb_read(TLB_UVA), 0xa);
	tlb_load(2, NOFLUSH);
	GUEST_ASSERT_EQ(tlb_read(TLB_UVA), 0xb);
	tlb_load(1, 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_UVA), 0xb);

	/* a one-page flush is the loaded PCID's; a flush of all, everyone's */
	upt[0] = TLB_A | TLB_LEAF;
	hcall(MV_HC_FLUSH_TLB, MV_FLUSH_ONE, TLB_UVA, 0, 0, 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_UVA), 0xa);
	tlb_load(2, NOFLUSH);
	GUEST_ASSERT_EQ(tlb_read(TLB_UVA), 0xb);
	hcall(MV_HC_FLUSH_TLB, MV_FLUSH_ALL, 0, 0, 0, 0);
	tlb_load(1, NOFLUSH);
	GUEST_ASSERT_EQ(tlb_read(TLB_UVA), 0xa);

	/* PCIDs 2-7 after 1: 1's shadow is the one that goes */
	upt[0] = TLB_B | TLB_LEAF;
	for (pcid = 2; pcid <= 7; pcid++)
		tlb_load(pcid, NOFLUSH);
	tlb_load(1, NOFLUSH);
	GUEST_ASSERT_EQ(tlb_read(TLB_UVA), 0xb);
	tlb_load(0, 0);
}

/*
 * A batch: several calls in one exit (MV_HC_FLUSH_ASYNC), each with its
 * own result; those that would stop the guest or leave the module are
 * refused one by one.  The flush in it must have happened when it returns.
 */
static struct mv_batch_call batch[MV_BATCH_MAX + 1];

static void batch_set(int i, u64 nr, u64 a0, u64 a1)
{
	batch[i].nr = nr;
	batch[i].args[0] = a0;
	batch[i].args[1] = a1;
	batch[i].ret = 99;
}

static void tlb_batch(void)
{
	u64 *kpt = (u64 *)TLB_KPT;

	kpt[0] = TLB_A | TLB_LEAF | PTE_G;
	hcall(MV_HC_FLUSH_TLB, MV_FLUSH_ALL, 0, 0, 0, 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_KVA), 0xa);
	kpt[0] = TLB_B | TLB_LEAF | PTE_G;
	batch_set(0, MV_HC_NOP, 0, 0);
	batch_set(1, MV_HC_FLUSH_TLB, MV_FLUSH_ONE, TLB_KVA);
	batch_set(2, MV_HC_HALT, 0, 0);
	batch_set(3, MV_HC_FLUSH_ASYNC, (u64)batch, 1);
	batch_set(4, MV_HC_FLUSH_TLB, 9, 0);
	batch_set(5, MV_HC_SET_TSC_AUX, 1UL << 32, 0);
	GUEST_ASSERT_EQ(hcall(MV_HC_FLUSH_ASYNC, (u64)batch, 6, 0, 0, 0), 6);
	GUEST_ASSERT_EQ(batch[0].ret, 0);
	GUEST_ASSERT_EQ(batch[1].ret, 0);
	GUEST_ASSERT_EQ(batch[2].ret, -(u64)22);
	GUEST_ASSERT_EQ(batch[3].ret, -(u64)22);
	GUEST_ASSERT_EQ(batch[4].ret, -(u64)22);
	GUEST_ASSERT_EQ(batch[5].ret, -(u64)22);
	GUEST_ASSERT_EQ(tlb_read(TLB_KVA), 0xb);

	GUEST_ASSERT_EQ(hcall(MV_HC_FLUSH_ASYNC, (u64)batch, MV_BATCH_MAX + 1,
			      0, 0, 0), -(u64)22);
	GUEST_ASSERT_EQ(hcall(MV_HC_FLUSH_ASYNC, G_MEM_SIZE - sizeof(batch[0]),
			      2, 0, 0, 0), -(u64)14);
	GUEST_ASSERT_EQ(hcall(MV_HC_FLUSH_ASYNC, (u64)batch, 0, 0, 0, 0), 0);
}

static void tlb(void)
{
	u64 *pml4 = (u64 *)G_PML4, *pdpt = (u64 *)G_PDPT;
	u64 *kpt = (u64 *)TLB_KPT, *upt = (u64 *)TLB_UPT;

	*(u64 *)TLB_A = 0xa;
	*(u64 *)TLB_B = 0xb;
	pml4[511] = TLB_KPDPT | TLB_LEAF;
	((u64 *)TLB_KPDPT)[0] = TLB_KPD | TLB_LEAF;
	((u64 *)TLB_KPD)[0] = TLB_KPT | TLB_LEAF;
	kpt[0] = TLB_A | TLB_LEAF | PTE_G;
	pdpt[TLB_UVA >> 30] = TLB_UPD | TLB_LEAF;
	((u64 *)TLB_UPD)[0] = TLB_UPT | TLB_LEAF;
	upt[0] = TLB_A | TLB_LEAF | PTE_G;
	hcall(MV_HC_FLUSH_TLB, MV_FLUSH_ALL, 0, 0, 0, 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_KVA), 0xa);
	GUEST_ASSERT_EQ(tlb_read(TLB_UVA), 0xa);

	/* a switch keeps a global kernel page, drops a user one, G or not */
	kpt[0] = TLB_B | TLB_LEAF | PTE_G;
	upt[0] = TLB_B | TLB_LEAF | PTE_G;
	hcall(MV_HC_NEW_PGTABLE, G_PML4, 0, 0, 0, 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_KVA), 0xa);
	GUEST_ASSERT_EQ(tlb_read(TLB_UVA), 0xb);

	/* a one-page flush drops it; a user flush keeps it */
	hcall(MV_HC_FLUSH_TLB, MV_FLUSH_ONE, TLB_KVA, 0, 0, 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_KVA), 0xb);
	kpt[0] = TLB_A | TLB_LEAF | PTE_G;
	hcall(MV_HC_FLUSH_TLB, MV_FLUSH_USER, 0, 0, 0, 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_KVA), 0xb);

	/* a flush of everything drops it */
	hcall(MV_HC_FLUSH_TLB, MV_FLUSH_ALL, 0, 0, 0, 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_KVA), 0xa);

	/* a kernel page not marked global goes at a switch, and at a user flush */
	kpt[0] = TLB_B | TLB_LEAF;
	hcall(MV_HC_FLUSH_TLB, MV_FLUSH_ONE, TLB_KVA, 0, 0, 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_KVA), 0xb);
	kpt[0] = TLB_A | TLB_LEAF;
	hcall(MV_HC_NEW_PGTABLE, G_PML4, 0, 0, 0, 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_KVA), 0xa);
	kpt[0] = TLB_B | TLB_LEAF;
	hcall(MV_HC_FLUSH_TLB, MV_FLUSH_USER, 0, 0, 0, 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_KVA), 0xb);

	/* a leaf's MV_HC_SET_PTE is that page's flush */
	kpt[0] = TLB_A | TLB_LEAF | PTE_G;
	hcall(MV_HC_SET_PTE, G_PML4, TLB_KVA, 1, kpt[0], 0);
	GUEST_ASSERT_EQ(tlb_read(TLB_KVA), 0xa);
	GUEST_ASSERT_EQ(hcall(MV_HC_FLUSH_TLB, 3, 0, 0, 0, 0), -(u64)22);
	tlb_pcids();
	tlb_batch();
}

void guest_main(u64 mode, u64 arg, u64 arg2)
{
	u64 i;

	switch (mode) {
	case GM_ECHO:
		echo();
		break;
	case GM_REGS:
		regs();
		break;
	case GM_TSC_AUX:
		tsc_aux(arg, arg2);
		break;
	case GM_TLB:
		tlb();
		break;
	case GM_NOP_LOOP:
		for (i = 0; i < arg; i++)
			GUEST_ASSERT_EQ(hcall(MV_HC_NOP, i, 0, 0, 0, 0), 0);
		break;
	case GM_UNKNOWN_HC:
		GUEST_ASSERT_EQ(hcall(0x7fffffff, 1, 2, 3, 4, 5), -(u64)MV_ENOSYS);
		GUEST_ASSERT_EQ(hcall(MV_HC_SHUTDOWN, 99, 0, 0, 0, 0), -(u64)MV_ENOSYS);
		break;
	case GM_SPIN:
		for (;;)
			asm volatile("pause");
	case GM_SHUTDOWN:
		hcall(MV_HC_SHUTDOWN, arg, (u64)bye, sizeof(bye) - 1, 0, 0);
		break;
	case GM_PRIV:
		hcall(UCALL_SYNC, (u64)(priv_insns + 16 * arg), 0, 0, 0, 0);
		((void (*)(void))(priv_insns + 16 * arg))();
		break;
	case GM_WRITE:
		*(volatile u64 *)arg = 0x1234;
		break;
	case GM_READ:
		(void)*(volatile u64 *)arg;
		break;
	case GM_INT:
		asm volatile("int $0x20");
		break;
	case GM_SYSCALL:
		asm volatile("syscall" ::: "rcx", "r11", "memory");
		break;
	case GM_UD2:
		asm volatile("ud2");
		break;
	case GM_DIV0:
		asm volatile("movl $1, %%eax; xorl %%edx, %%edx; divq %0"
			     :: "r"(0UL) : "rax", "rdx");
		break;
	case GM_INT3:
		asm volatile("int3");
		break;
	case GM_BAD_PGTABLE:
		hcall(MV_HC_NEW_PGTABLE, 1UL << 40, 0, 0, 0, 0);
		break;
	case GM_TRAPS:
		traps();
		break;
	case GM_TRAP_LOOP:
		load_idt();
		for (i = 0; i < arg; i++)
			GUEST_ASSERT_EQ(try_call(do_ud2, 0, 0, 0), 1);
		break;
	case GM_USER_SYSCALLS:
		user_if_off = arg2;
		user_syscall_loop(arg);
		break;
	case GM_USER_FAULTS:
		user_faults();
		break;
	case GM_USER_EXCEPTIONS:
		user_if_off = arg2;
		user_exception_loop(arg);
		break;
	case GM_USER_TICKS:
		user_ticks(arg, arg2);
		break;
	case GM_FAST_FALLBACK:
		fast_fallback(arg, arg2);
		break;
	case GM_FAST_BAD:
		fast_bad(arg, arg2);
		break;
	case GM_TIMER:
		timer_run(arg, arg2);
		break;
	case GM_TIMER_IF_OFF:
		timer_if_off();
		break;
	case GM_HALT:
		halt_loop();
		break;
	case GM_MMIO:
		mmio_writes();
		mmio_reads();
		break;
	case GM_MMIO_BAD:
		asm volatile("addl $1, (%0)" :: "r"(G_MMIO) : "memory");
		break;
	case GM_KICKS:
		kicks(arg);
		break;
	case GM_FAULT_LOOP:
		for (i = 0; i < arg; i++) {
			u64 p;

			hcall(MV_HC_FLUSH_TLB, MV_FLUSH_ALL, 0, 0, 0, 0);
			for (p = 0; p < arg2; p++)
				(void)*(volatile u64 *)(0x200000 + 4096 * p);
		}
		break;
	case GM_FUZZ:
		if (arg == 3)
			try_call(enter_user, FUZZ_USER_CODE, G_USER_STACK, 0);
		((void (*)(void))FUZZ_CODE)();
		break;
	case GM_HCFUZZ:
		hcfuzz(arg, arg2);
		break;
	case GM_IRET_VM86:
		iret_vm86();
		break;
	case GM_FPU:
		fpu_rounds(arg, arg2);
		break;
	case GM_SCAN:
		scan(arg);
		break;
	case GM_CHURN:
		churn();
		break;
	case GM_KSM:
		ksm(arg, arg2);
		break;
	case GM_TOUCH:
		for (i = 0; i < arg2; i++)
			*(volatile u64 *)(arg + 4096 * i) = i * 7;
		for (i = 0; i < arg2; i++)
			GUEST_ASSERT_EQ(*(volatile u64 *)(arg + 4096 * i), i * 7);
		break;
	}
	GUEST_DONE(mode);
}
