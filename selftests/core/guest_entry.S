/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test guest's first instructions, and the one test that has to be
 * assembler: whether every register survives a hypercall.
 */
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
 * try_call(fn): call fn(); return 0 if it came back, 1 if it faulted.  The
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
	call	*%rdi
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
	/* resume in try_call, on its stack */
	leaq	.Ltry_resume(%rip), %rax
	movq	%rax, 24(%rsp)
	movq	try_rsp(%rip), %rax
	movq	%rax, 48(%rsp)
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

	.section .note.GNU-stack, "", @progbits
