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
	cli
	leaq	stack_top(%rip), %rsp
	movq	%rsi, %rdi
	call	tguest_main
2:	hlt
	jmp	2b

	.section .bss
	.balign	16
	.skip	16384
stack_top:

	.section .note.GNU-stack, "", @progbits
