// SPDX-License-Identifier: GPL-2.0
/*
 * Runs inside a megavirt guest, not in the test host: fpu.sh puts it on
 * a squashfs disk.  N processes each load their own values into the
 * sixteen vector registers, then yield and spin, so that the others and
 * the timer take the CPU from them many times, and finally read the
 * registers back.  A value that changed means the guest kernel lost a
 * task's FPU state in a context switch.
 *
 * User space sees the CPU's own CPUID, so it uses AVX wherever the CPU
 * has it, whatever the kernel believes: the test uses the 256-bit ymm
 * registers when CPUID and XCR0 allow them (as glibc decides), else the
 * 128-bit xmm ones, and says which.  Exit status 0 when every process
 * kept its values, 1 otherwise, 2 on bad usage.
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NREGS	16

/* Sixteen registers of 32 bytes each, in and out. */
struct regs {
	uint8_t b[NREGS][32];
};

static int have_avx(void)
{
	unsigned int a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (!(c & bit_OSXSAVE) || !(c & bit_AVX))
		return 0;
	asm volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	return (lo & 6) == 6;	/* SSE and AVX state enabled */
}

/*
 * Load, then @rounds times: sched_yield() through the syscall instruction
 * (no C call that could touch the registers) and a spin long enough for
 * the timer to preempt now and then; then store.
 */
#define LOAD(insn, r, n)	insn " " #n "*32(%[in]), %%" r #n "\n\t"
#define STORE(insn, r, n)	insn " %%" r #n ", " #n "*32(%[out])\n\t"
#define ALL(m, insn, r)							\
	m(insn, r, 0) m(insn, r, 1) m(insn, r, 2) m(insn, r, 3)		\
	m(insn, r, 4) m(insn, r, 5) m(insn, r, 6) m(insn, r, 7)		\
	m(insn, r, 8) m(insn, r, 9) m(insn, r, 10) m(insn, r, 11)	\
	m(insn, r, 12) m(insn, r, 13) m(insn, r, 14) m(insn, r, 15)
#define SPIN								\
	"1:\n\t"							\
	"movl $24, %%eax\n\t"	/* __NR_sched_yield */			\
	"syscall\n\t"							\
	"movl $200000, %%ecx\n\t"					\
	"2: decl %%ecx\n\t"						\
	"jnz 2b\n\t"							\
	"decl %[n]\n\t"							\
	"jnz 1b\n\t"
#define CLOBBERS							\
	"rax", "rcx", "r11", "memory", "cc",				\
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",	\
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",	\
	"xmm15"

static void hold_avx(const struct regs *in, struct regs *out, int rounds)
{
	asm volatile(ALL(LOAD, "vmovdqu", "ymm") SPIN
		     ALL(STORE, "vmovdqu", "ymm")
		     : [n] "+r" (rounds)
		     : [in] "r" (in), [out] "r" (out)
		     : CLOBBERS);
}

static void hold_sse(const struct regs *in, struct regs *out, int rounds)
{
	asm volatile(ALL(LOAD, "movdqu", "xmm") SPIN
		     ALL(STORE, "movdqu", "xmm")
		     : [n] "+r" (rounds)
		     : [in] "r" (in), [out] "r" (out)
		     : CLOBBERS);
}

/* One process: its own values, @rounds of being switched out, compared. */
static int one(int id, int avx, int rounds)
{
	struct regs in, out;
	size_t len = avx ? 32 : 16;
	int r, i;

	memset(&out, 0, sizeof(out));
	for (r = 0; r < NREGS; r++)
		for (i = 0; i < 32; i++)
			in.b[r][i] = (uint8_t)(id * 131 + r * 17 + i * 7 + 1);
	if (avx)
		hold_avx(&in, &out, rounds);
	else
		hold_sse(&in, &out, rounds);
	for (r = 0; r < NREGS; r++) {
		if (memcmp(in.b[r], out.b[r], len)) {
			printf("fpu: process %d lost %s%d\n", id,
			       avx ? "ymm" : "xmm", r);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int procs, rounds, avx = have_avx(), bad = 0, i, status;

	procs = argc == 3 ? atoi(argv[1]) : 0;
	rounds = argc == 3 ? atoi(argv[2]) : 0;
	if (procs < 1 || procs > 64 || rounds < 1) {
		fprintf(stderr, "usage: %s PROCESSES ROUNDS\n", argv[0]);
		return 2;
	}
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			_exit(one(i, avx, rounds));
	}
	for (i = 0; i < procs; i++) {
		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			bad++;
	}
	printf("fpu: %s, %d processes x %d switches: %s\n",
	       avx ? "avx (ymm0-15)" : "sse (xmm0-15)", procs, rounds,
	       bad ? "state lost" : "all kept");
	return bad ? 1 : 0;
}
