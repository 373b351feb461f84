/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The switcher's map: where everything sits inside one CPU's switcher
 * area.  Shared by switcher.S, which reaches its data RIP-relative, and
 * switcher.c, which fills it.  Read after mv.h, before switcher.S.
 *
 * Every possible CPU owns MV_SW_STRIDE bytes of the hypervisor hole (host
 * PGD slot 256), at the same address in the host's view (the launcher's mm)
 * and in the view of whichever guest runs on that CPU:
 *
 *   +0x0000  text    this CPU's own copy of the switcher code      RX  RX
 *   +0x2000  idt     the IDT used while a guest runs               RO  RO
 *   +0x3000  tables  GDT, TSS, the lgdt/lidt operands, cpu number  RW  RO
 *   +0x4000  stacks  IST stacks (#DF, NMI, #MC) and one scratch     RW  RW
 *   +0x5000  regs    the running vCPU's register page              --  RW
 *   +0x6000  host    what the switcher needs to get home           RW  --
 *   +0x7000  shared  the running vCPU's shared page (its memory)   --  RW
 *                                                              host guest
 *
 * Each CPU runs its own copy of the code, so the code finds its data by
 * RIP-relative addressing alone: no GS base, no stack pointer arithmetic,
 * nothing the guest could have left behind.  The host page is absent from
 * the guest's view, which is why the host's stack pointer, GS base and
 * return address can live there; the one value the switcher needs before
 * it can see that page, the host's CR3, waits in MSR_KERNEL_GS_BASE, which
 * ring 1 can neither read nor write.
 */
#ifndef _MV_SWITCHER_H
#define _MV_SWITCHER_H

#define MV_SW_TEXT		0x0000
#define MV_SW_TEXT_PAGES	2
#define MV_SW_IDT		0x2000
#define MV_SW_TABLES		0x3000
#define MV_SW_STACKS		0x4000
#define MV_SW_REGS		0x5000
#define MV_SW_HOST		0x6000
#define MV_SW_SHARED		0x7000
#define MV_SW_STRIDE		0x8000
#define MV_SW_PAGES		(MV_SW_STRIDE / 4096)

/* Inside the tables page. */
#define MV_TB_GDT		0x000	/* MV_GDT_ENTRIES descriptors */
#define MV_TB_TSS		0x100	/* struct x86_hw_tss, 104 bytes */
#define MV_TB_GDTR		0x1c6	/* limit at +0x1c6, base at +0x1c8 */
#define MV_TB_IDTR		0x1d6	/* limit at +0x1d6, base at +0x1d8 */
#define MV_TB_CPU		0x1e0	/* this area's CPU number */
#define MV_TB_FLAGS		0x1e4	/* MV_TBF_* below, set at insmod */
#define MV_TB_VERW_SEL		0x1e8	/* a data selector for VERW */

/*
 * The fast path's table (switcher.S, "Reflecting in guest context"),
 * rewritten by run.c from the vCPU's own state before every entry: the
 * guest can read it but never write it, so the switcher may trust it.
 */
#define MV_TB_FAST		0x200	/* MV_FAST_* below */
#define MV_TB_KSTACK		0x208	/* the guest's kernel stack, aligned */
#define MV_TB_SYSCALL		0x210	/* its syscall entry */
#define MV_TB_GATES		0x400	/* 32 x { handler, MV_GATE_* } */
#define MV_TB_GATE_SIZE		16

#define MV_FAST_ON		0x1	/* shared page mapped, kernel stack sane */
#define MV_FAST_SYSCALL		0x2	/* a syscall entry to deliver to */
#define MV_GATE_DIRECT		0x1	/* the switcher may deliver this vector */
#define MV_GATE_TRAP		0x2	/* trap gate: the virtual IF stays */
#define MV_GATE_ERRCODE		0x4	/* the frame carries the error code */

/* What the host's mitigations ask of the switcher (MV_TB_FLAGS). */
#define MV_TBF_VERW		0x1	/* clear CPU buffers before the iret */

/* The switcher's GDT: entries 1-6 as the host's, TSS at 8, guest at 16. */
#define MV_GDT_ENTRIES		18
#define MV_SEL_CS		0x10	/* same as the host's __KERNEL_CS */
#define MV_SEL_DS		0x18
#define MV_GDT_TSS		8
#define MV_SEL_TSS		(MV_GDT_TSS * 8)
#define MV_GDT_GUEST_CS		16
#define MV_GDT_GUEST_DS		17
/* The selectors of uapi/megavirt.h, for the assembler. */
#define MV_SW_USER32_CS		0x23
#define MV_SW_USER_DS		0x2b
#define MV_SW_USER_CS		0x33
#define MV_SW_GUEST_CS		(MV_GDT_GUEST_CS * 8 + 1)
#define MV_SW_GUEST_DS		(MV_GDT_GUEST_DS * 8 + 1)

/* The field of struct mv_shared the fast path reads and writes. */
#define MV_SH_IRQ_ENABLED	0x0

/*
 * Inside the stacks page: IST stacks grow down from these tops.  IST
 * numbers match the host's (#DF 1, NMI 2, #MC 4) so that in the few
 * instructions where our IDT meets the host's TSS the same stacks are used
 * for the same purpose.
 */
#define MV_ST_DF_TOP		0x400
#define MV_ST_NMI_TOP		0x800
#define MV_ST_MC_TOP		0xc00
#define MV_IST_DF		1
#define MV_IST_NMI		2
#define MV_IST_MC		4
/*
 * Vectors from 32 up take IST 3, which points where TSS.RSP0 does (see
 * fill_tables()).  The host's IST 3 is its #DB stack, a valid one for the
 * few instructions where our IDT meets the host's TSS, in which no
 * interrupt can come anyway.
 */
#define MV_IST_IRQ		3

/*
 * Inside the host page.  The C side fills the descriptor operands before
 * every entry; the switcher saves the rest.
 */
#define MV_HO_RSP		0x00	/* host stack, return address on top */
#define MV_HO_FSBASE		0x08
#define MV_HO_GSBASE		0x10
#define MV_HO_TSS_DESC		0x18	/* kernel VA of the host TSS descriptor */
#define MV_HO_FAULT_VECTOR	0x20	/* nonzero: the switcher itself faulted */
#define MV_HO_FAULT_RIP		0x28
#define MV_HO_DS		0x30	/* four 16-bit selectors */
#define MV_HO_ES		0x32
#define MV_HO_FS		0x34
#define MV_HO_GS		0x36
#define MV_HO_GDTR		0x46	/* the host's GDT as it was loaded */
#define MV_HO_GDTR_RW		0x56	/* the host's writable GDT, for ltr */
#define MV_HO_IDTR		0x66

/*
 * The trap frame at the very end of the regs page.  TSS.RSP0 points just
 * past it, so a trap from ring 1 or 3 makes the CPU push its five words
 * into the top of it; the switcher pushes the rest below.  switcher.c
 * checks this layout against struct mv_frame at build time.
 */
#define MV_FR_FSBASE		0x00
#define MV_FR_GSBASE		0x08
#define MV_FR_CR2		0x10
#define MV_FR_R15		0x18	/* then r14 ... rax, as pushed */
#define MV_FR_RAX		0x88
#define MV_FR_VECTOR		0x90
#define MV_FR_ERRCODE		0x98
#define MV_FR_RIP		0xa0
#define MV_FR_CS		0xa8
#define MV_FR_RFLAGS		0xb0
#define MV_FR_RSP		0xb8
#define MV_FR_SS		0xc0
#define MV_FR_SIZE		0xc8
#define MV_FR_START		(4096 - MV_FR_SIZE)

/* Vectors the switcher invents; hardware ones are 0-255. */
#define MV_TRAP_SYSCALL		0x100	/* SYSCALL from 64-bit code */
#define MV_TRAP_SYSCALL32	0x101	/* SYSCALL from compatibility mode */
#define MV_TRAP_SWITCHER	0x102	/* the switcher itself faulted */
#define MV_TRAP_SOFT_INT	0x103	/* an "int n" posing as an interrupt */

/*
 * Or'ed into the frame's vector when the fast path gave up half-way (a
 * fault on the guest's kernel stack or shared page) and took the slow
 * exit instead: run.c counts it and takes it off.
 */
#define MV_TRAP_FELL_BACK	0x10000

/* Bit 63 of MSR_KERNEL_GS_BASE: an NMI arrived inside the switcher. */
#define MV_NMI_SEEN_BIT		63

#endif /* _MV_SWITCHER_H */
