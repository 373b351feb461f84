/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The switcher: the only code that runs with a guest's page tables loaded.
 * Read after switcher.h and run.c, before switcher.c.
 *
 * Everything between .Lblob and mv_sw_blob_end is never run where the
 * module loader put it.  switcher.c copies it to the start of every CPU's
 * switcher area (see switcher.h), where it is mapped at the same address in
 * the host's view and in the running guest's.  Two consequences rule this
 * file.  The code may only refer to itself and to its own CPU's area, with
 * RIP-relative addresses that the assembler resolves inside this section
 * (SW() below): a relative call or jump into host text would land
 * somewhere else in the copy, and with the guest's CR3 loaded host text is
 * not there at all.  And it may trust nothing the guest can write: the
 * register page and the IST stacks are the guest's to scribble on while it
 * runs, so nothing is read back from them that the CPU or the host did not
 * put there after the guest stopped.
 *
 * The way in: run.c calls mv_switch_to_guest(), which calls the copy's
 * mv_sw_enter with interrupts off.  It saves what it needs of the host in
 * the host page, loads the guest's GDT, IDT and TSS, and only then the
 * guest's CR3: from there on it sees what the guest sees, pops the guest's
 * registers off the register page and irets to ring 1 (or 3).
 *
 * The way out: every one of the 256 vectors, and SYSCALL, lands on a stub
 * that pushes a vector number and joins mv_sw_traps' common exit.  Since
 * TSS.RSP0 points at the end of the register page, the CPU has already
 * pushed the guest's RIP, CS, RFLAGS, RSP and SS there; we push the general
 * registers below them, read CR2 and the FS/GS bases, and fetch the host's
 * CR3 from MSR_KERNEL_GS_BASE, the one place ring 1 cannot see.  With the
 * host's page tables back, the host page tells us the rest: GDT, TSS, IDT,
 * segments, and the stack whose top holds the return address into
 * mv_switch_to_guest().  What happened is then for run.c to decide.
 *
 * The way around: a SYSCALL or exception from guest user space that only
 * the guest kernel needs to see never goes home.  mv_sw_reflect pushes it
 * on the guest kernel's stack as traps.c would and irets to the guest
 * kernel's handler, still in the guest's address space; anything it does
 * not like sends it on to the common exit.
 */
#include <linux/linkage.h>
#include <asm/irq_vectors.h>
#include <asm/segment.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>
#include <asm/ibt.h>

#include "switcher.h"

/* An address in this CPU's switcher area, whichever CPU's copy runs. */
#define SW(off)		(.Lblob + (off))(%rip)
#define HOST(off)	SW(MV_SW_HOST + (off))
#define FRAME(off)	SW(MV_SW_REGS + MV_FR_START + (off))

/* Vectors for which the CPU pushes an error code itself. */
#define HAS_ERRCODE(v)	((v) == 8 || ((v) >= 10 && (v) <= 14) || \
			 (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.balign 64
.Lblob:
SYM_INNER_LABEL(mv_sw_blob_start, SYM_L_GLOBAL)

/*
 * mv_sw_enter(entry, guest_cr3): %rsi holds the CR3 of the guest's shadow
 * root; interrupts are off and stay off until the iret.
 */
SYM_CODE_START_NOALIGN(mv_sw_enter)
	UNWIND_HINT_FUNC
	ENDBR
	movq	%rsp, HOST(MV_HO_RSP)
	movw	%ds, HOST(MV_HO_DS)
	movw	%es, HOST(MV_HO_ES)
	movw	%fs, HOST(MV_HO_FS)
	movw	%gs, HOST(MV_HO_GS)
	rdfsbase %rax
	movq	%rax, HOST(MV_HO_FSBASE)
	rdgsbase %rax
	movq	%rax, HOST(MV_HO_GSBASE)
	movq	$0, HOST(MV_HO_FAULT_VECTOR)

	/*
	 * IDT before TSS: in between, an NMI finds our IDT and the host's
	 * TSS, and our NMI stub only flags it (see .Lnmi), using a few words
	 * of the host's own NMI stack.  The other order would run the host's
	 * NMI handler on our small stack.
	 */
	lgdt	SW(MV_SW_TABLES + MV_TB_GDTR)
	lidt	SW(MV_SW_TABLES + MV_TB_IDTR)
	movl	$MV_SEL_TSS, %eax
	ltr	%ax

	/* Null data segments: the guest loads its own if it wants them. */
	xorl	%eax, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs

	leaq	FRAME(0), %rsp
	UNWIND_HINT_EMPTY
	movq	%rsi, %cr3

	/* The guest's view from here: this register page is the vCPU's. */
	movq	MV_FR_FSBASE(%rsp), %rax
	wrfsbase %rax
	movq	MV_FR_GSBASE(%rsp), %rax
	wrgsbase %rax
	addq	$MV_FR_R15, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */

	/*
	 * Where the host clears CPU buffers on its own way to user space
	 * (MDS and its kin: X86_FEATURE_CLEAR_CPU_BUF), so do we, after the
	 * last load of anything but the guest's own registers.  The flags
	 * this clobbers come back from the frame.
	 */
	testb	$MV_TBF_VERW, SW(MV_SW_TABLES + MV_TB_FLAGS)
	jz	1f
	verw	SW(MV_SW_TABLES + MV_TB_VERW_SEL)
1:	iretq
SYM_CODE_END(mv_sw_enter)

/*
 * SYSCALL from the guest, 64-bit (LSTAR) and compat (CSTAR).  The CPU left
 * the guest's RSP in place and its RIP and RFLAGS in RCX and R11; SFMASK
 * has cleared IF, TF, DF and AC.  Build the frame the CPU would have built
 * for an exception from user mode, parking the guest's RSP straight in
 * it (the register page is this vCPU's alone), and see whether the fast
 * path can deliver it.  SYSCALL does not say which ring it came from: a
 * guest kernel that executes it is treated as its own user space, which
 * harms no one but itself.
 */
.macro SYSCALL_STUB name cs vector
SYM_CODE_START_NOALIGN(\name)
	UNWIND_HINT_EMPTY
	ENDBR
	movq	%rsp, FRAME(MV_FR_RSP)
	leaq	FRAME(MV_FR_RSP), %rsp
	movq	$MV_SW_USER_DS, FRAME(MV_FR_SS)
	pushq	%r11
	pushq	$\cs
	pushq	%rcx
	UNWIND_HINT_IRET_REGS
	pushq	$0
	pushq	$\vector
	jmp	mv_sw_reflect
SYM_CODE_END(\name)
.endm

	.balign 16
	SYSCALL_STUB mv_sw_syscall64, MV_SW_USER_CS, MV_TRAP_SYSCALL
	.balign 16
	SYSCALL_STUB mv_sw_syscall32, MV_SW_USER32_CS, MV_TRAP_SYSCALL32

/*
 * The IDT stubs, 16 bytes each so that switcher.c can point gate v at
 * mv_sw_idt_stubs + 16 * v.  NMI, #DF and #MC arrive on IST stacks and take
 * their own paths first.
 */
	.balign 16
SYM_CODE_START_NOALIGN(mv_sw_idt_stubs)
	vector = 0
	.rept 256
	.if HAS_ERRCODE(vector)
	UNWIND_HINT_IRET_REGS offset=8
	.else
	UNWIND_HINT_IRET_REGS
	.endif
0:	ENDBR
	.if vector == 2
	jmp	.Lnmi
	.elseif vector == 8
	jmp	.Ldouble_fault
	.elseif vector == 18
	jmp	.Lmachine_check
	.else
	.if !HAS_ERRCODE(vector)
	pushq	$0
	.endif
	pushq	$vector
	jmp	mv_sw_exit
	.endif
	.fill	0b + 16 - ., 1, 0xcc
	vector = vector + 1
	.endr

/*
 * An NMI inside the switcher itself (the interrupted CS is ring 0) cannot
 * be handed to the host yet: set bit 63 of MSR_KERNEL_GS_BASE, where the
 * host's CR3 waits, and go back.  run.c sees the bit after the switch and
 * sends the host the NMI again.  An NMI from the guest exits like any
 * other vector.
 */
.Lnmi:
	testb	$3, 8(%rsp)
	jnz	1f
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	movl	$MSR_KERNEL_GS_BASE, %ecx
	rdmsr
	orl	$(1 << (MV_NMI_SEEN_BIT - 32)), %edx
	wrmsr
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq
1:	pushq	$0
	pushq	$2
	jmp	.List_to_frame

.Ldouble_fault:
	UNWIND_HINT_IRET_REGS offset=8
	pushq	$8
	testb	$3, 24(%rsp)
	jz	.Lswitcher_fault
	jmp	.List_to_frame

.Lmachine_check:
	UNWIND_HINT_IRET_REGS
	pushq	$0
	pushq	$18
	testb	$3, 24(%rsp)
	jz	.Lswitcher_fault

/*
 * A vector that arrived on an IST stack from the guest: move its frame to
 * the register page, where the common exit expects it.
 */
.List_to_frame:
	UNWIND_HINT_IRET_REGS offset=16
	pushq	%rax
	movq	8(%rsp), %rax
	movq	%rax, FRAME(MV_FR_VECTOR)
	movq	16(%rsp), %rax
	movq	%rax, FRAME(MV_FR_ERRCODE)
	movq	24(%rsp), %rax
	movq	%rax, FRAME(MV_FR_RIP)
	movq	32(%rsp), %rax
	movq	%rax, FRAME(MV_FR_CS)
	movq	40(%rsp), %rax
	movq	%rax, FRAME(MV_FR_RFLAGS)
	movq	48(%rsp), %rax
	movq	%rax, FRAME(MV_FR_RSP)
	movq	56(%rsp), %rax
	movq	%rax, FRAME(MV_FR_SS)
	popq	%rax
	leaq	FRAME(MV_FR_VECTOR), %rsp
	UNWIND_HINT_IRET_REGS offset=16
	jmp	mv_sw_exit
SYM_CODE_END(mv_sw_idt_stubs)

/*
 * Reflecting in guest context: the fast path.
 *
 * A SYSCALL from guest user space, or an exception there that is the guest
 * kernel's own business (#UD, #GP, #DE, #BP ...), needs no decision of the
 * host's.  The slow way, traps.c's deliver(), pushes SS, RSP, RFLAGS (with
 * the guest's virtual IF in it), CS, RIP and for some vectors the error
 * code on the guest kernel stack, turns the virtual IF off for an
 * interrupt gate and resumes the guest at its handler in ring 1.  Here we
 * do exactly that without leaving the guest's address space: no CR3 switch,
 * no host state, a few dozen instructions, and the guest kernel cannot
 * tell which way its event came.
 *
 * The guest's FS and GS bases need nothing: the guest kernel runs on user
 * space's GS (it cannot execute SWAPGS in ring 1 and does not use GS), so
 * the "SWAPGS on the guest's behalf" of the fast path is to leave both
 * bases alone, as the slow path in effect does by saving and restoring them.
 *
 * What we use and why it can be trusted: the frame on the register page
 * (the CPU, or our SYSCALL stub, just wrote it), and the vCPU's kernel
 * stack, syscall entry and gates, which run.c writes into this CPU's
 * tables page before every entry, a page the guest can read but not
 * write.  What we touch of the guest's: its kernel stack, through its own
 * page tables (the shadow), and its shared page, which run.c maps at
 * MV_SW_SHARED for the vCPU that runs here.  Both are guest memory, so
 * writing them from ring 0 gives the guest nothing it could not do from
 * ring 1, and the shared page's IF bit is only data to us.  Interrupts
 * that wait are none of our business: the host delivers them at the
 * next exit that finds the virtual IF on, and a guest on the fast path
 * spends its time in user space, where it is on (see irq.c).
 *
 * Anything unusual takes the slow exit with the frame untouched: no table
 * entry for the vector, a frame that is not plain user mode, and any
 * fault on the guest's memory between .Lguest_access and
 * .Lguest_access_end (the kernel stack or shared page absent or read-only
 * in the shadow, the shared page's mapping taken away by the MMU
 * notifier).  .Lswitcher_fault recognises those by their RIP.  Up to
 * .Lguest_access_end nothing is changed that the slow path would not
 * write again the same, so it can redo the whole delivery from the frame.
 * No VERW before the iretq: nothing of the host's was loaded since the
 * guest's last instruction.
 *
 * On the stack: vector, error code and the frame, from ring 3.
 */
#define RF(off)		(32 + (off))(%rsp)	/* the frame, below 4 saves */
#define RF_VECTOR	RF(0)
#define RF_ERRCODE	RF(8)
#define RF_RIP		RF(16)
#define RF_CS		RF(24)
#define RF_RFLAGS	RF(32)
#define RF_RSP		RF(40)
#define RF_SS		RF(48)
#define TB(off)		SW(MV_SW_TABLES + (off))
#define SHARED(off)	SW(MV_SW_SHARED + (off))
/* RFLAGS bits a delivery clears (deliver()), or no guest may have (run.c) */
#define RF_CLEARED	(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | \
			 X86_EFLAGS_IOPL | X86_EFLAGS_VM | X86_EFLAGS_VIF | \
			 X86_EFLAGS_VIP)

SYM_CODE_START_LOCAL_NOALIGN(mv_sw_reflect)
	UNWIND_HINT_IRET_REGS offset=16
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	testb	$MV_FAST_ON, TB(MV_TB_FAST)
	jz	.Lreflect_slow

	/* The handler in %rsi, the MV_GATE_* flags in %rdx. */
	movq	RF_VECTOR, %rax
	cmpq	$MV_TRAP_SYSCALL, %rax
	jb	1f
	testb	$MV_FAST_SYSCALL, TB(MV_TB_FAST)
	jz	.Lreflect_slow
	movq	TB(MV_TB_SYSCALL), %rsi
	movl	$MV_GATE_DIRECT, %edx
	jmp	2f
1:	shll	$4, %eax
	leaq	TB(MV_TB_GATES), %rcx
	movq	(%rcx, %rax), %rsi
	movq	8(%rcx, %rax), %rdx
	testb	$MV_GATE_DIRECT, %dl
	jz	.Lreflect_slow

	/* Plain user mode, 64-bit or compatibility, and nothing else. */
2:	cmpq	$MV_SW_USER_DS, RF_SS
	jne	.Lreflect_slow
	cmpq	$MV_SW_USER_CS, RF_CS
	je	.Lguest_access
	cmpq	$MV_SW_USER32_CS, RF_CS
	jne	.Lreflect_slow

.Lguest_access:
	/* the RFLAGS to push: the real ones with the virtual IF */
	movq	SHARED(MV_SH_IRQ_ENABLED), %rax
	andl	$X86_EFLAGS_IF, %eax
	movq	RF_RFLAGS, %rcx
	andq	$~X86_EFLAGS_IF, %rcx
	orq	%rax, %rcx
	movq	TB(MV_TB_KSTACK), %rax
	movq	%rcx, -24(%rax)
	movq	RF_SS, %rcx
	movq	%rcx, -8(%rax)
	movq	RF_RSP, %rcx
	movq	%rcx, -16(%rax)
	movq	RF_CS, %rcx
	movq	%rcx, -32(%rax)
	movq	RF_RIP, %rcx
	movq	%rcx, -40(%rax)
	subq	$40, %rax
	testb	$MV_GATE_ERRCODE, %dl
	jz	3f
	movq	RF_ERRCODE, %rcx
	movq	%rcx, -8(%rax)
	subq	$8, %rax
3:	testb	$MV_GATE_TRAP, %dl
	jnz	.Lguest_access_end
	movq	$0, SHARED(MV_SH_IRQ_ENABLED)
.Lguest_access_end:

	/* Delivered: the frame becomes the one that enters the handler. */
	movq	%rsi, RF_RIP
	movq	$MV_SW_GUEST_CS, RF_CS
	movq	RF_RFLAGS, %rcx
	andq	$~RF_CLEARED, %rcx
	orq	$(X86_EFLAGS_FIXED | X86_EFLAGS_IF), %rcx
	movq	%rcx, RF_RFLAGS
	movq	%rax, RF_RSP
	movq	$MV_SW_GUEST_DS, RF_SS
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$16, %rsp
	UNWIND_HINT_IRET_REGS
	iretq

.Lreflect_slow:
	UNWIND_HINT_IRET_REGS offset=48
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	jmp	.Lfrom_guest
SYM_CODE_END(mv_sw_reflect)

/*
 * The common exit.  On the stack: vector, error code, and the CPU's frame.
 *
 * An exception with ring 0 in its frame is the switcher's own (see
 * .Lswitcher_fault).  An external interrupt never is, whatever the frame
 * says: interrupts are only on while the guest runs, so it was taken from
 * the guest, on the register page, and the host must get it, or it loses
 * the interrupt with its EOI, and the CPU its timer, for good.  The frame
 * can say ring 0 under QEMU's TCG, which lets a 32-bit iret at ring 1 or 3
 * "return to virtual-8086 mode" in long mode (a real CPU ignores VM there)
 * with a code selector whose RPL is whatever the guest pushed.
 */
SYM_CODE_START_NOALIGN(mv_sw_exit)
	UNWIND_HINT_IRET_REGS offset=16
	cmpq	$FIRST_EXTERNAL_VECTOR, (%rsp)
	jae	.Lfrom_guest
	testb	$3, 24(%rsp)
	jz	.Lswitcher_fault
	/* an exception from ring 3 may be the guest kernel's business alone */
	testb	$2, 24(%rsp)
	jnz	mv_sw_reflect
.Lfrom_guest:
	UNWIND_HINT_IRET_REGS offset=16
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$MV_FR_R15, %rsp
	UNWIND_HINT_EMPTY

	/* The guest may have left AC or DF set; the host wants neither. */
	pushq	$2
	popfq
	movq	%cr2, %rax
	movq	%rax, MV_FR_CR2(%rsp)
	rdfsbase %rax
	movq	%rax, MV_FR_FSBASE(%rsp)
	rdgsbase %rax
	movq	%rax, MV_FR_GSBASE(%rsp)

.Lhost_cr3:
	movl	$MSR_KERNEL_GS_BASE, %ecx
	rdmsr
	shlq	$32, %rdx
	orq	%rdx, %rax
	btrq	$MV_NMI_SEEN_BIT, %rax
	movq	%rax, %cr3

	/*
	 * The host's view again.  TSS before IDT, for the same reason as on
	 * the way in.  ltr wants the TSS descriptor not busy and the GDT
	 * writable, so it is done on the host's writable GDT.
	 */
.Lrestore_host:
	UNWIND_HINT_EMPTY
	lgdt	HOST(MV_HO_GDTR_RW)
	movq	HOST(MV_HO_TSS_DESC), %rax
	andb	$~0x02, 5(%rax)
	movl	$(GDT_ENTRY_TSS * 8), %eax
	ltr	%ax
	lgdt	HOST(MV_HO_GDTR)
	lidt	HOST(MV_HO_IDTR)
	movw	HOST(MV_HO_DS), %ds
	movw	HOST(MV_HO_ES), %es
	movw	HOST(MV_HO_FS), %fs
	movq	HOST(MV_HO_FSBASE), %rax
	wrfsbase %rax
	movw	HOST(MV_HO_GS), %gs
	movq	HOST(MV_HO_GSBASE), %rax
	wrgsbase %rax
	movq	HOST(MV_HO_RSP), %rsp
	UNWIND_HINT_FUNC

	/*
	 * The guest ran in supervisor mode as far as the return stack
	 * buffer knows, and its calls may still be there: overwrite them
	 * before the host's first ret, as the host does after a VM exit.
	 * The fill's calls and jumps stay inside this copy.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT
	ANNOTATE_UNRET_SAFE
	ret
	int3

/*
 * A fault in ring 0, that is in the switcher: an iret the guest's state
 * made fail, or a bug of ours.  The guest's registers are lost and the
 * guest will die; record what and where in the host page and go home by
 * the same road.
 */
.Lswitcher_fault:
	UNWIND_HINT_IRET_REGS offset=16
	/*
	 * A #PF or #GP on the fast path's accesses to guest memory is no
	 * fault of ours: back to the frame as the guest left it, marked for
	 * run.c, and the slow exit delivers the event instead.
	 */
	cmpq	$X86_TRAP_PF, (%rsp)
	je	1f
	cmpq	$X86_TRAP_GP, (%rsp)
	jne	.Lswitcher_dead
1:	leaq	.Lguest_access(%rip), %rax	/* saved there, see above */
	cmpq	%rax, 16(%rsp)
	jb	.Lswitcher_dead
	leaq	.Lguest_access_end(%rip), %rax
	cmpq	%rax, 16(%rsp)
	jae	.Lswitcher_dead
	leaq	FRAME(MV_FR_VECTOR - 32), %rsp
	UNWIND_HINT_IRET_REGS offset=48
	orq	$MV_TRAP_FELL_BACK, RF_VECTOR
	jmp	.Lreflect_slow

.Lswitcher_dead:
	UNWIND_HINT_IRET_REGS offset=16
	movq	(%rsp), %rbx
	incq	%rbx
	movq	16(%rsp), %rbp
	pushq	$2
	popfq
	movl	$MSR_KERNEL_GS_BASE, %ecx
	rdmsr
	shlq	$32, %rdx
	orq	%rdx, %rax
	btrq	$MV_NMI_SEEN_BIT, %rax
	movq	%rax, %cr3
	movq	%rbx, HOST(MV_HO_FAULT_VECTOR)
	movq	%rbp, HOST(MV_HO_FAULT_RIP)
	jmp	.Lrestore_host
SYM_CODE_END(mv_sw_exit)

SYM_INNER_LABEL(mv_sw_blob_end, SYM_L_GLOBAL)
	int3

/*
 * From here on, ordinary module text, run in the host's context only.
 *
 * mv_switch_to_guest(entry, guest_cr3): the C-callable way in.  The
 * callee-saved registers live on the host stack while the guest runs;
 * mv_sw_enter saves the stack pointer with our return address on top.
 */
SYM_FUNC_START(mv_switch_to_guest)
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	CALL_NOSPEC rdi
	/*
	 * Back from the guest as from user space: what the host does on
	 * every entry from there against return-address speculation
	 * (retbleed, SRSO: untraining, or an IBPB), and the IBPB it makes
	 * after a VM exit where SRSO asks for one.  They clobber only
	 * registers the C caller does not expect kept.
	 */
	UNTRAIN_RET
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	RET
SYM_FUNC_END(mv_switch_to_guest)

/*
 * mv_call_host_handler(handler): a host interrupt arrived while the guest
 * ran and the switcher took it.  Give it to the host's own IDT handler as
 * if it had interrupted us here, with interrupts off: build the frame the
 * CPU would have built and call the handler, whose iret comes back to us.
 */
SYM_FUNC_START(mv_call_host_handler)
	pushq	%rbp
	movq	%rsp, %rbp
	andq	$-16, %rsp
	pushq	$__KERNEL_DS
	pushq	%rbp
	pushfq
	pushq	$__KERNEL_CS
	CALL_NOSPEC rdi
	leave
	RET
SYM_FUNC_END(mv_call_host_handler)
