/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test guest's first instructions, and the one test that has to be
 * assembler: whether every register survives a hypercall.
 */
#include "guest.h"

	.section .text.entry, "ax"
	.globl	_start
_start:
	/* The test put the mode in %rdi and the arguments in %rsi, %rdx. */
	call	guest_main
1:	ud2
	jmp	1b

/*
 * regs_roundtrip(out, nr): fill every general register with a pattern,
 * make hypercall @nr, and store what the registers hold afterwards in
 * out[0..15] (rax, rbx, rcx, rdx, rsi, rdi, rbp, r8 ... r15).
 */
	.text
	.globl	regs_roundtrip
regs_roundtrip:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi
	movq	%rsi, %rax
	movabsq	$0x0101010101010101, %rbx
	movabsq	$0x0202020202020202, %rcx
	movabsq	$0x0303030303030303, %rdx
	movabsq	$0x0404040404040404, %rsi
	movabsq	$0x0505050505050505, %rdi
	movabsq	$0x0606060606060606, %rbp
	movabsq	$0x0707070707070707, %r8
	movabsq	$0x0808080808080808, %r9
	movabsq	$0x0909090909090909, %r10
	movabsq	$0x0a0a0a0a0a0a0a0a, %r11
	movabsq	$0x0b0b0b0b0b0b0b0b, %r12
	movabsq	$0x0c0c0c0c0c0c0c0c, %r13
	movabsq	$0x0d0d0d0d0d0d0d0d, %r14
	movabsq	$0x0e0e0e0e0e0e0e0e, %r15
	int	$0x1f
	pushq	%rax
	movq	8(%rsp), %rax
	popq	0(%rax)
	movq	%rbx, 8(%rax)
	movq	%rcx, 16(%rax)
	movq	%rdx, 24(%rax)
	movq	%rsi, 32(%rax)
	movq	%rdi, 40(%rax)
	movq	%rbp, 48(%rax)
	movq	%r8, 56(%rax)
	movq	%r9, 64(%rax)
	movq	%r10, 72(%rax)
	movq	%r11, 80(%rax)
	movq	%r12, 88(%rax)
	movq	%r13, 96(%rax)
	movq	%r14, 104(%rax)
	movq	%r15, 112(%rax)
	popq	%rdi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

/*
 * iret_to_vm86(cs): a 32-bit iret (no REX.W) whose EFLAGS has VM and IF
 * set, to cs:0, with cs in every segment register.  Long mode has no
 * virtual-8086 mode: a CPU takes the frame as a 32-bit one for long mode
 * and faults on the selector.  QEMU's TCG enters virtual-8086 mode.
 */
	.globl	iret_to_vm86
iret_to_vm86:
	subq	$40, %rsp
	movl	$0, 0(%rsp)		/* eip */
	movl	%edi, 4(%rsp)		/* cs */
	movl	$0x20202, 8(%rsp)	/* eflags: VM, IF */
	movl	$0xffe, 12(%rsp)	/* esp */
	movl	%edi, 16(%rsp)		/* ss, es, ds, fs, gs */
	movl	%edi, 20(%rsp)
	movl	%edi, 24(%rsp)
	movl	%edi, 28(%rsp)
	movl	%edi, 32(%rsp)
	iretl

/*
 * fpu_load(buf, avx) and fpu_store(buf, avx): the vector registers from
 * and to buf, 32 bytes per register: ymm0-15 with avx, else xmm0-15 (the
 * first 16 bytes of each).
 */
	.globl	fpu_load, fpu_store
fpu_load:
	testq	%rsi, %rsi
	jz	2f
	.irp	r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vmovdqu	32 * \r(%rdi), %ymm\r
	.endr
	ret
2:	.irp	r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movdqu	32 * \r(%rdi), %xmm\r
	.endr
	ret
fpu_store:
	testq	%rsi, %rsi
	jz	2f
	.irp	r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vmovdqu	%ymm\r, 32 * \r(%rdi)
	.endr
	ret
2:	.irp	r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movdqu	%xmm\r, 32 * \r(%rdi)
	.endr
	ret

/* Each privileged instruction at its own label, for the test to find. */
	.globl	priv_insns
	.balign	16
priv_insns:
	.macro PRIV insn:vararg
	.balign 16
	\insn
	ret
	.endm
	PRIV	cli
	PRIV	sti
	PRIV	hlt
	PRIV	movq %rax, %cr3
	PRIV	wrmsr
	PRIV	rdmsr
	PRIV	inb $0x80, %al
	PRIV	outb %al, $0x80
	PRIV	lgdt (%rsp)
	PRIV	lidt (%rsp)
	PRIV	swapgs
	PRIV	sysretq
	PRIV	invlpg (%rsp)
	PRIV	movq %rax, %dr7
	PRIV	clts
	PRIV	ltr %ax
	PRIV	stac
/*
 * try_call(fn, a, b, c): call fn(a, b, c); return 0 if it came back (or
 * user space made the exit syscall), 1 if it faulted.  The
 * fault is recorded in fault_rec (vector, error code, rip, cs, rsp) by
 * the handlers below, which resume execution here instead of at the
 * faulting instruction.
 */
	.globl	try_call
try_call:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, try_rsp(%rip)
	movq	%rdi, %rax
	movq	%rsi, %rdi
	movq	%rdx, %rsi
	movq	%rcx, %rdx
	call	*%rax
	xorl	%eax, %eax
.Ltry_out:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret
.Ltry_resume:
	movl	$1, %eax
	jmp	.Ltry_out

/* Exception handlers for vectors 0-31: 16 bytes each, from trap_stubs. */
#define HAS_ERRCODE(v)	((v) == 8 || ((v) >= 10 && (v) <= 14) || \
			 (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)
	.globl	trap_stubs
	.balign	16
trap_stubs:
	vector = 0
	.rept	32
	.balign	16
	.if !HAS_ERRCODE(vector)
	pushq	$0
	.endif
	pushq	$vector
	jmp	trap_common
	vector = vector + 1
	.endr

/* On the stack: vector, error code, rip, cs, rflags, rsp, ss. */
trap_common:
	pushq	%rax
	movq	8(%rsp), %rax
	movq	%rax, fault_rec(%rip)
	movq	16(%rsp), %rax
	movq	%rax, fault_rec+8(%rip)
	movq	24(%rsp), %rax
	movq	%rax, fault_rec+16(%rip)
	movq	32(%rsp), %rax
	movq	%rax, fault_rec+24(%rip)
	movq	40(%rsp), %rax
	movq	%rax, fault_rec+32(%rip)
	/* resume in try_call, on its stack, in the kernel */
	leaq	.Ltry_resume(%rip), %rax
	movq	%rax, 24(%rsp)
	movq	$MV_GUEST_CS, 32(%rsp)
	movq	try_rsp(%rip), %rax
	movq	%rax, 48(%rsp)
	movq	$MV_GUEST_DS, 56(%rsp)
	popq	%rax
	addq	$16, %rsp
	iretq

	.data
	.balign	8
try_rsp:
	.quad	0
	.globl	fault_rec
fault_rec:
	.quad	0, 0, 0, 0, 0

/* The faulting instructions, each at a global label for the checks. */
	.text
	.macro FAULTER name insn:vararg
	.globl	\name
\name:
	\insn
	ret
	.endm
	FAULTER	do_ud2, ud2
	FAULTER	do_hlt, hlt
	FAULTER	do_int20, int $0x20
	FAULTER	do_int3, int3
	FAULTER	do_read_unmapped, movq 0x40000000, %rax
	.globl	do_div0
do_div0:
	movl	$1, %eax
	xorl	%edx, %edx
	xorl	%ecx, %ecx
	divq	%rcx
	ret

/*
 * enter_user(entry, rsp, arg): iret to ring 3 at entry with arg in %rdi.
 * Comes back only through the exit syscall or a fault, into try_call.
 */
	.text
	.globl	enter_user
enter_user:
	pushq	$MV_USER_DS
	pushq	%rsi
	pushq	$0x202
	pushq	$MV_USER_CS
	pushq	%rdi
	movq	%rdx, %rdi
	iretq

/*
 * The guest kernel's syscall entry: on its stack the frame
 * rip, cs, rflags, rsp, ss.  Syscall 1 returns %rdi + 1 and counts; 60
 * leaves user space for good.  Syscall 1 also checks the frame, whichever
 * way it was delivered (the switcher's fast path or the module's
 * deliver()): user CS and SS, the user stack pointer, RIP in %rcx as the
 * CPU left it, the user's virtual IF (user_if) in the pushed RFLAGS and
 * the virtual IF off now, just below G_KSTACK_TOP; what is wrong is
 * counted in syscall_bad.  It returns as Linux does, the virtual IF from
 * the frame.  %rcx and %r11 are the kernel's to clobber.
 */
	.globl	syscall_entry
syscall_entry:
	cmpl	$60, %eax
	je	1f
	incq	syscall_count(%rip)
	cmpq	%rcx, 0(%rsp)
	jne	2f
	cmpq	$MV_USER_CS, 8(%rsp)
	jne	2f
	cmpq	$G_USER_STACK, 24(%rsp)
	jne	2f
	cmpq	$MV_USER_DS, 32(%rsp)
	jne	2f
	movq	16(%rsp), %r11
	andl	$0x200, %r11d
	cmpq	user_if(%rip), %r11
	jne	2f
	cmpq	$0, G_SHARED
	jne	2f
	leaq	40(%rsp), %r11
	cmpq	$G_KSTACK_TOP, %r11
	je	3f
2:	incq	syscall_bad(%rip)
3:	leaq	1(%rdi), %rax
	pushq	16(%rsp)
	popq	G_SHARED
	iretq
1:	movq	try_rsp(%rip), %rsp
	xorl	%eax, %eax
	jmp	.Ltry_out

	.data
	.globl	syscall_count, syscall_bad, user_if
syscall_count:
	.quad	0
syscall_bad:
	.quad	0
user_if:
	.quad	0

/*
 * The guest kernel's side of user_exceptions: handlers that check the
 * frame the way syscall_entry does (and the error code, 0 for the #GP of
 * hlt; an interrupt gate turns the virtual IF off, a trap gate leaves it),
 * count in bounce_count[slot], step over the instruction and go back to
 * user space the way Linux does.  What is wrong goes to bounce_bad.
 */
	.text
	.macro BOUNCE name, slot, len, errcode, trap
	.globl	\name
\name:
	.if \errcode
	cmpq	$0, (%rsp)
	je	6f
	incq	bounce_bad(%rip)
6:	addq	$8, %rsp
	.endif
	pushq	%rax
	/* rax, rip, cs, rflags, rsp, ss */
	cmpq	$MV_USER_CS, 16(%rsp)
	jne	8f
	cmpq	$MV_USER_DS, 40(%rsp)
	jne	8f
	cmpq	$G_USER_STACK, 32(%rsp)
	jne	8f
	movq	24(%rsp), %rax
	andl	$0x200, %eax
	cmpq	user_if(%rip), %rax
	jne	8f
	movq	G_SHARED, %rax
	.if \trap
	andl	$0x200, %eax
	cmpq	user_if(%rip), %rax
	.else
	testq	%rax, %rax
	.endif
	jne	8f
	leaq	48(%rsp), %rax
	cmpq	$G_KSTACK_TOP, %rax
	jne	8f
	incq	bounce_count + 8 * \slot(%rip)
	jmp	7f
8:	incq	bounce_bad(%rip)
7:	addq	$\len, 8(%rsp)
	pushq	24(%rsp)
	popq	G_SHARED
	popq	%rax
	iretq
	.endm

	BOUNCE	bounce_de, 0, 3, 0, 0
	BOUNCE	bounce_bp, 1, 0, 0, 1
	BOUNCE	bounce_ud, 2, 2, 0, 0
	BOUNCE	bounce_gp, 3, 1, 1, 0

	.data
	.globl	bounce_count, bounce_bad
bounce_count:
	.quad	0, 0, 0, 0
bounce_bad:
	.quad	0

/*
 * User space.  Run from a copy at G_USER_LOAD, so position-independent.
 * user_syscalls(n): n syscalls, checking every register that must survive.
 */
	.text
	.globl	user_syscalls
user_syscalls:
	movq	%rdi, %r12
	xorl	%r13d, %r13d
1:	movq	%r13, %rdi
	movq	%r13, %rsi
	notq	%rsi
	leaq	2(%r13), %rdx
	leaq	8(%r13), %r8
	leaq	9(%r13), %r9
	leaq	10(%r13), %r10
	leaq	11(%r13), %rbx
	leaq	12(%r13), %rbp
	leaq	14(%r13), %r14
	leaq	15(%r13), %r15
	movl	$1, %eax
	syscall
	leaq	1(%r13), %rcx
	cmpq	%rcx, %rax
	jne	user_bad
	cmpq	%r13, %rdi
	jne	user_bad
	movq	%r13, %rcx
	notq	%rcx
	cmpq	%rcx, %rsi
	jne	user_bad
	leaq	2(%r13), %rcx
	cmpq	%rcx, %rdx
	jne	user_bad
	leaq	8(%r13), %rcx
	cmpq	%rcx, %r8
	jne	user_bad
	leaq	9(%r13), %rcx
	cmpq	%rcx, %r9
	jne	user_bad
	leaq	10(%r13), %rcx
	cmpq	%rcx, %r10
	jne	user_bad
	leaq	11(%r13), %rcx
	cmpq	%rcx, %rbx
	jne	user_bad
	leaq	12(%r13), %rcx
	cmpq	%rcx, %rbp
	jne	user_bad
	leaq	14(%r13), %rcx
	cmpq	%rcx, %r14
	jne	user_bad
	leaq	15(%r13), %rcx
	cmpq	%rcx, %r15
	jne	user_bad
	incq	%r13
	cmpq	%r12, %r13
	jb	1b
	movl	$60, %eax
	syscall
	.globl	user_bad
user_bad:
	ud2

/*
 * user_exceptions(n): n rounds of ud2, int3, a divide by zero and hlt,
 * each bounced back to the next instruction by the handlers above, every
 * register checked after each round; then the exit syscall.
 */
	.globl	user_exceptions
user_exceptions:
	movq	%rdi, %r12
	xorl	%r13d, %r13d
1:	leaq	1(%r13), %rbx
	leaq	2(%r13), %rbp
	leaq	3(%r13), %rsi
	leaq	4(%r13), %rdi
	leaq	5(%r13), %r8
	leaq	6(%r13), %r9
	leaq	7(%r13), %r10
	leaq	8(%r13), %r11
	leaq	9(%r13), %r14
	leaq	10(%r13), %r15
	ud2
	int3
	movl	$1, %eax
	xorl	%edx, %edx
	xorl	%ecx, %ecx
	divq	%rcx			/* 3 bytes: 48 f7 f1 */
	hlt
	cmpq	$1, %rax
	jne	user_bad
	testq	%rdx, %rdx
	jne	user_bad
	testq	%rcx, %rcx
	jne	user_bad
	.irp	r, rbx, rbp, rsi, rdi, r8, r9, r10, r11, r14, r15
	incq	%rcx
	leaq	(%r13, %rcx), %rax
	cmpq	%rax, %\r
	jne	user_bad
	.endr
	incq	%r13
	cmpq	%r12, %r13
	jb	1b
	movl	$60, %eax
	syscall

	.macro USER name insn:vararg
	.globl	\name
\name:
	\insn
	ud2
	.endm
	USER	user_ud2, ud2
	USER	user_hlt, hlt
	USER	user_hcall, int $0x1f
	USER	user_int3, int3
	USER	user_read_kernel, movq 0x100000, %rax
	USER	user_exit, movl $60, %eax; syscall

/*
 * The interrupt handler: count, note the vector (the test gives each vector
 * its own handler entry, see irq_stubs), and return the race-free way: the
 * saved RFLAGS goes into the shared page's irq_enabled with one popq, and
 * the very next instruction is the iretq named in noirq_iret.  The incq
 * clobbers flags, but the iretq restores them.
 */
	.text
	.globl	irq_stub_20, irq_stub_40
irq_stub_20:
	movq	$0x20, G_COUNTERS + 8 * 2
	jmp	irq_common
irq_stub_40:
	movq	$0x40, G_COUNTERS + 8 * 2
irq_common:
	incq	G_COUNTERS
	pushq	16(%rsp)
	popq	G_SHARED
	.globl	noirq_iret
noirq_iret:
	iretq

	.section .note.GNU-stack, "", @progbits
