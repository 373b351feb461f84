// SPDX-License-Identifier: GPL-2.0
/*
 * The test guest: a few hundred bytes of freestanding C that run in ring 1
 * under megavirt and report to the host-side test through "ucalls"
 * (hypercalls the module hands to the launcher).  Which behaviour runs is
 * the test's choice, in %rdi at entry.
 */
#include "guest.h"

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
extern char priv_insns[];

static const char bye[] = "test guest says goodbye";

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
	case GM_TOUCH:
		for (i = 0; i < arg2; i++)
			*(volatile u64 *)(arg + 4096 * i) = i * 7;
		for (i = 0; i < arg2; i++)
			GUEST_ASSERT_EQ(*(volatile u64 *)(arg + 4096 * i), i * 7);
		break;
	}
	GUEST_DONE(mode);
}
