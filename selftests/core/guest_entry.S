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
	.section .note.GNU-stack, "", @progbits
