/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a test guest and its host-side test agree on: the guest's memory
 * layout, the "ucall" numbers it reports through, and which behaviour a
 * run selects.
 */
#ifndef CORE_GUEST_H
#define CORE_GUEST_H

#ifndef __ASSEMBLER__
#include "megavirt.h"
#else
#define MV_USER_DS	0x2b
#define MV_USER_CS	0x33
#define MV_GUEST_CS	0x81
#define MV_GUEST_DS	0x89
#endif

/* Guest-physical (and, identity-mapped, virtual) layout. */
#define G_MEM_SIZE	(6UL << 20)
#define G_PML4		0x1000UL
#define G_PDPT		0x2000UL
#define G_PD		0x3000UL
#define G_SHARED	0x4000UL
#define G_SCRATCH	0x5000UL
#define G_COUNTERS	0x6000UL	/* u64s the test reads: see below */
#define G_LOAD		0x100000UL
#define G_STACK_TOP	0x300000UL
#define G_KSTACK_TOP	0x280000UL	/* for events from user space */
#define G_USER_LOAD	0x400000UL	/* a copy of the image, user-mapped */
#define G_USER_STACK	0x580000UL
#define G_MMIO		0xc0000000UL	/* device space, mapped by a 1 GB page */
#define G_MMIO_KICK	(G_MMIO + 0x800)	/* the ioeventfd test's register */

#ifndef __ASSEMBLER__
/* Ucalls: hypercalls that leave the module for the test (MV_EXIT_HYPERCALL). */
#define UCALL_DONE	(MV_HC_LAUNCHER_BASE + 0)	/* (value) */
#define UCALL_ECHO	(MV_HC_LAUNCHER_BASE + 1)	/* (a0..a4): ret = sum */
#define UCALL_FAIL	(MV_HC_LAUNCHER_BASE + 2)	/* (line, got, want) */
#define UCALL_SYNC	(MV_HC_LAUNCHER_BASE + 3)	/* (value) */
#define UCALL_READY	(MV_HC_LAUNCHER_BASE + 4)	/* set up, now measure */

/* G_COUNTERS[]: what the guest counts, and the test's word to it. */
#define C_IRQS		0	/* interrupts the guest's handler saw */
#define C_GO		1	/* the test sets it: go on */
#define C_LAST_VECTOR	2	/* the vector the handler saw last */

/* GM_KSM's pages: every word of page i holds value + i. */
#define KSM_BASE	0x200000UL
#define KSM_PAGES	200

/* The fuzz tests' random code: one kernel page and one user page. */
#define FUZZ_CODE	0x250000UL
#define FUZZ_USER_CODE	0x450000UL

/*
 * GM_IRET_VM86: a page table for the first 2 MB that lets ring 3 reach
 * one page, and there the code "jmp ." for virtual-8086 mode (cs:ip =
 * VM86_CODE >> 4 : 0).
 */
#define VM86_PT		0x8000UL
#define VM86_CODE	0x9000UL

/*
 * GM_TLB's own tables: PML4 slot 511 (the kernel half) and PDPT slot 1 of
 * the user half each lead to one page table, whose entry 0 maps TLB_A or
 * TLB_B; their first words are 0xa and 0xb.
 */
#define TLB_KPDPT	0xa000UL
#define TLB_KPD		0xb000UL
#define TLB_KPT		0xc000UL
#define TLB_UPD		0xd000UL
#define TLB_UPT		0xe000UL
#define TLB_A		0xf000UL
#define TLB_B		0x10000UL
#define TLB_KVA		0xffffff8000000000UL
#define TLB_UVA		0x40000000UL

/* What the MMIO test's launcher side answers to every read. */
#define MMIO_READ_VALUE	0x88776655443382f1ULL

/* What the guest does, chosen by the test in %rdi. */
enum guest_mode {
	GM_ECHO,		/* launcher hypercalls, arguments checked */
	GM_REGS,		/* registers survive a hypercall */
	GM_NOP_LOOP,		/* %rsi in-module hypercalls */
	GM_UNKNOWN_HC,		/* an unknown number answers -MV_ENOSYS */
	GM_SPIN,		/* loop forever with interrupts on */
	GM_SHUTDOWN,		/* MV_HC_SHUTDOWN kind %rsi */
	GM_PRIV,		/* privileged instruction number %rsi */
	GM_WRITE,		/* write to address %rsi */
	GM_READ,		/* read from address %rsi */
	GM_INT,			/* int $0x20 */
	GM_SYSCALL,		/* syscall */
	GM_UD2,			/* ud2 */
	GM_DIV0,		/* divide by zero */
	GM_INT3,		/* int3 */
	GM_BAD_PGTABLE,		/* MV_HC_NEW_PGTABLE beyond memory */
	GM_TOUCH,		/* write %rdx pages from %rsi, then done */
	GM_TRAPS,		/* exceptions reach the guest's own handlers */
	GM_TRAP_LOOP,		/* %rsi #UDs through the guest's handler */
	GM_USER_SYSCALLS,	/* user space makes %rsi checked syscalls,
				 * virtual IF off there if %rdx */
	GM_USER_FAULTS,		/* user space faults, the guest kernel sees */
	GM_TIMER,		/* clock every %rsi ns; halt, or spin if %rdx */
	GM_TIMER_IF_OFF,	/* 1 kHz clock, IF off until C_GO, then check */
	GM_HALT,		/* halt until an interrupt comes */
	GM_MMIO,		/* every mov form to and from device space */
	GM_MMIO_BAD,		/* an instruction the decoder does not take */
	GM_KICKS,		/* %rsi MMIO kicks and notifies, then done */
	GM_FAULT_LOOP,		/* %rsi times: flush, read %rdx fresh pages */
	GM_KSM,			/* fill pages with %rsi, halt, check, write %rdx */
	GM_SCAN,		/* look for host pointers in all it can read */
	GM_CHURN,		/* ucalls, traps, touches until C_GO */
	GM_FUZZ,		/* jump into random bytes, at ring %rsi */
	GM_HCFUZZ,		/* %rdx random hypercalls from seed %rsi */
	GM_IRET_VM86,		/* a 32-bit iret with EFLAGS.VM set */
	GM_FPU,			/* %rdx rounds of SSE/AVX patterns from %rsi */
	GM_TSC_AUX,		/* TSC_AUX %rsi, checked %rdx times: see below */
	GM_TLB,			/* what address-space switches and flushes keep */
	GM_USER_EXCEPTIONS,	/* %rsi rounds of 4 user exceptions, checked,
				 * virtual IF off in user space if %rdx */
	GM_FAST_FALLBACK,	/* FB_* %rsi, %rdx times: see fast_test.c */
	GM_FAST_BAD,		/* kernel stack %rsi, syscall/ud2/no entry %rdx */
	GM_USER_TICKS,		/* %rsi user syscalls under a %rdx ns clock */
};

/* GM_FAST_FALLBACK: the guest kernel's stack, at the user's syscall, is */
#define FB_UNMAPPED	1	/* absent from the shadow tables */
#define FB_READONLY	2	/* there, read-only */

/*
 * GM_TSC_AUX ends with UCALL_DONE(which of RDTSCP and RDPID it could
 * check) and makes a UCALL_SYNC every TSC_AUX_SYNC rounds.
 */
#define TSC_AUX_RDTSCP	1
#define TSC_AUX_RDPID	2
#define TSC_AUX_SYNC	64

/* The privileged instructions GM_PRIV tries, in order. */
#define PRIV_NAMES { "cli", "sti", "hlt", "mov %cr3", "wrmsr", "rdmsr", \
	"in", "out", "lgdt", "lidt", "swapgs", "sysret", "invlpg",	 \
	"mov %dr7", "clts", "ltr", "stac" }
#define PRIV_COUNT	17
#endif

#endif
