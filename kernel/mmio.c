// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: a guest touching its device space.  Read after mmu.c, which sends
 * us here when the guest's own tables map an address in [mmio_base,
 * mmio_base + mmio_size) and the guest touches it.
 *
 * Device space is never in the shadow tables, so every access faults, and
 * the fault tells us only the address and whether it was a write.  The
 * launcher also needs the size and, for a write, the value, and for a read
 * somebody has to put the answer in the right register.  So we decode the
 * instruction ourselves: not all of x86, only the forms a guest kernel's
 * readb/readw/readl/readq and writeb/.../writeq compile to, which are plain
 * moves (mov to and from a register, mov of an immediate, movzx and movsx
 * loads), with any addressing mode, operand-size and REX prefixes.  The
 * host's own instruction decoder is not exported to modules, and a small
 * table of what we accept is easier to trust anyway.  Anything else kills
 * the guest with the bytes it tried, which is what a driver author wants
 * to see.
 */
#include <linux/string.h>

#include "mv.h"

#define MAX_INSN	15

/* The frame's registers in the order of their ModRM numbers. */
static u64 *reg_of(struct mv_frame *f, unsigned int n)
{
	u64 *regs[16] = {
		&f->rax, &f->rcx, &f->rdx, &f->rbx, &f->rsp, &f->rbp, &f->rsi,
		&f->rdi, &f->r8, &f->r9, &f->r10, &f->r11, &f->r12, &f->r13,
		&f->r14, &f->r15,
	};

	return regs[n & 15];
}

/* Fetch up to MAX_INSN bytes at @rip; fewer if the next page is absent. */
static int fetch(struct mv_guest *g, u64 rip, u8 *buf)
{
	size_t first = min_t(size_t, MAX_INSN, PAGE_SIZE - (rip & ~PAGE_MASK));

	if (mv_mmu_read_gva(g, rip, buf, first))
		return 0;
	if (first < MAX_INSN &&
	    !mv_mmu_read_gva(g, rip + first, buf + first, MAX_INSN - first))
		return MAX_INSN;
	return first;
}

/* Bytes the ModRM (and SIB and displacement) at @p take, 0 if mod is 3. */
static int modrm_len(const u8 *p, int avail)
{
	u8 modrm = p[0], mod = modrm >> 6, rm = modrm & 7;
	int len = 1;

	if (mod == 3)
		return 0;
	if (rm == 4) {
		if (avail < 2)
			return -1;
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4;	/* SIB with no base: disp32 */
		len++;
	} else if (mod == 0 && rm == 5) {
		len += 4;		/* RIP-relative */
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len;
}

/*
 * Decode the instruction at the guest's RIP into g->mmio.  Returns false
 * for anything that is not one of our moves to or from memory.
 */
static bool decode(struct mv_guest *g, const u8 *b, int n, bool write)
{
	struct mv_mmio_insn *in = &g->mmio;
	bool opsize = false;
	u8 rex = 0, op;
	int i = 0, m;

	memset(in, 0, sizeof(*in));
	for (; i < n; i++) {
		if (b[i] == 0x66)
			opsize = true;
		else if (b[i] == 0x67 || b[i] == 0x2e || b[i] == 0x36 ||
			 b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x64 ||
			 b[i] == 0x65)
			continue;	/* the fault gave us the address already */
		else
			break;
	}
	if (i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i >= n)
		return false;
	op = b[i++];
	in->opsize = (rex & 8) ? 8 : opsize ? 2 : 4;
	switch (op) {
	case 0x88: case 0x8a: case 0xc6:
		in->size = 1;
		break;
	case 0x89: case 0x8b: case 0xc7:
		in->size = in->opsize;
		break;
	case 0x0f:
		if (i >= n)
			return false;
		op = b[i++];
		if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
			return false;
		in->size = (op & 1) ? 2 : 1;
		in->extend = (op & 8) ? MV_MMIO_SIGN : MV_MMIO_ZERO;
		op = 0x8b;	/* a load, from here on */
		break;
	default:
		return false;
	}
	if (i >= n)
		return false;
	in->reg = ((rex & 4) << 1) | ((b[i] >> 3) & 7);
	/* AH, CH, DH, BH: byte registers 4-7 without a REX prefix */
	in->high8 = in->size == 1 && !rex && in->reg >= 4 && !in->extend;
	if (in->high8)
		in->reg -= 4;
	m = modrm_len(b + i, n - i);
	if (m <= 0)
		return false;
	if ((op == 0xc6 || op == 0xc7) && ((b[i] >> 3) & 7))
		return false;		/* /0 is mov; the rest of the group is not */
	i += m;
	in->write = op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7;
	if (op == 0xc6 || op == 0xc7) {
		int isz = in->size == 1 ? 1 : in->size == 2 ? 2 : 4;

		if (i + isz > n)
			return false;
		memcpy(&in->imm, b + i, isz);
		if (isz == 4)
			in->imm = (u64)(s64)(s32)in->imm;
		in->has_imm = true;
		i += isz;
	}
	if (i > n || in->write != write)
		return false;
	in->len = i;
	return true;
}

static u64 mask_of(unsigned int size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/*
 * The guest touched device space at @gpa: decode, and hand the access to
 * the launcher as MV_EXIT_MMIO.  A write is complete as it leaves; a read
 * is completed by mv_mmio_complete() with the launcher's answer.
 */
void mv_mmio_fault(struct mv_guest *g, u64 gpa, bool write)
{
	struct mv_frame *f = g->frame;
	struct mv_mmio_insn *in = &g->mmio;
	u8 b[MAX_INSN];
	int n = fetch(g, f->rip, b);

	if (g->dead)
		return;
	if (!decode(g, b, n, write)) {
		mv_kill(g, "MMIO %s at gpa %#llx by an instruction not decoded at %#llx: %*ph",
			write ? "write" : "read", gpa, f->rip, min(n, 8), b);
		return;
	}
	memset(&g->exit, 0, sizeof(g->exit));
	g->exit.exit_reason = MV_EXIT_MMIO;
	g->exit.mmio.addr = gpa;
	g->exit.mmio.size = in->size;
	g->exit.mmio.is_write = in->write;
	if (in->write) {
		u64 v = in->has_imm ? in->imm : *reg_of(f, in->reg);

		if (in->high8)
			v >>= 8;
		g->exit.mmio.data = v & mask_of(in->size);
		f->rip += in->len;
		if (mv_ioeventfd_mmio(g, gpa))
			return;		/* an eventfd took it: no exit */
	}
	g->awaiting = MV_EXIT_MMIO;
}

/* The launcher's answer to a read: into the register, as the CPU would. */
void mv_mmio_complete(struct mv_guest *g, u64 data)
{
	struct mv_mmio_insn *in = &g->mmio;
	struct mv_frame *f = g->frame;
	u64 *r = reg_of(f, in->reg);
	u64 v = data & mask_of(in->size);

	if (in->write)
		return;
	if (in->extend == MV_MMIO_SIGN)
		v = in->size == 1 ? (u64)(s64)(s8)v : (u64)(s64)(s16)v;
	if (in->high8)
		*r = (*r & ~0xff00ULL) | ((v & 0xff) << 8);
	else if (!in->extend && in->size < 4)
		*r = (*r & ~mask_of(in->size)) | v;
	else if (in->opsize == 2)
		*r = (*r & ~0xffffULL) | (v & 0xffff);
	else
		*r = v & mask_of(in->opsize);	/* 32-bit results zero-extend */
	f->rip += in->len;
}
