/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test guest's entry points.  mvlaunch enters a bzImage at its 64-bit
 * entry, 0x200 into the protected-mode part, in long mode with %rsi
 * pointing at boot_params; the 32-bit entry is never used here and only
 * halts.  Interrupts stay off for the guest's whole life: it polls.
 */
	.section .head, "ax"
	.code32
	.globl start32
start32:
1:	hlt
	jmp	1b

	.org	0x200
	.code64
	.globl start64
start64:
	/* Under megavirt we run in ring 1, where cli faults: test the RPL. */
	movw	%cs, %ax
	testb	$3, %al
	jnz	1f
	cli
1:	leaq	stack_top(%rip), %rsp
	movq	%rsi, %rdi
	call	tguest_main
2:	hlt
	jmp	2b

/*
 * Ring 1 only: interrupt handlers for the megavirt engine.  They change
 * no register: each records its vector and counts, then returns.  The
 * virtual IF stays off after one (an interrupt gate cleared it) until
 * the next MV_HC_HALT turns it on.
 */
	.text
	.globl	irq_stubs
	.balign	16
irq_stubs:
	.irp	v, 0x30,0x31,0x32,0x33,0x34,0x35,0x36,0x37,0x38,0x39,0x3a,0x3b,0x3c,0x3d,0x3e,0x3f
	.balign	16
	movl	$\v, irq_last(%rip)
	jmp	irq_common
	.endr
irq_common:
	lock incq irq_count(%rip)
	iretq

	.section .bss
	.balign	16
	.skip	16384
stack_top:

	.section .note.GNU-stack, "", @progbits
