// SPDX-License-Identifier: GPL-2.0
/*
 * ELF test images: what the megavirt engine boots until the Linux guest
 * port exists.  Read after boot.c, which calls us when the kernel file
 * starts with an ELF header.
 *
 * A test image is a freestanding x86-64 program linked to run where it is
 * loaded: an ELF64 executable whose loadable segments have p_vaddr equal
 * to p_paddr, at or above 1 MiB and inside --mem.  The launcher copies
 * the segments to those guest-physical addresses, zeroes what lies past
 * each segment's file part (.bss), and enters e_entry with the same
 * identity map, boot_params (command line, e820) and %rsi that a bzImage
 * gets.  A Linux vmlinux is an ELF file too, but its segments are linked
 * at 0xffffffff8... and loaded low: it is told apart by that and sent
 * back with "give the bzImage".  A user-space program is an ELF
 * executable too; it is told apart by what no freestanding image has: an
 * interpreter, a dynamic section or thread-local storage.
 */
#include <linux/elf.h>
#include <stdio.h>
#include <string.h>

#include "guest.h"

#define ELF_LOAD_MIN		MIB	/* boot.c's tables live below */

bool elf__is_elf(const u8 *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, ELFMAG, SELFMAG);
}

static int __printf(3, 4) why(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int check_header(const struct elf64_hdr *eh, size_t len, char *w, size_t wl)
{
	if (len < sizeof(*eh))
		return why(w, wl, "truncated: too short for an ELF header");
	if (eh->e_machine != EM_X86_64)
		return why(w, wl,
			   "an ELF file for another architecture (e_machine %u), not an x86 kernel",
			   eh->e_machine);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return why(w, wl, "an ELF file that is not 64-bit little-endian");
	if (eh->e_type != ET_EXEC)
		return why(w, wl,
			   "an ELF file that is not an executable (e_type %u)",
			   eh->e_type);
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || !eh->e_phnum ||
	    eh->e_phoff > len ||
	    (u64)eh->e_phnum * sizeof(struct elf64_phdr) > len - eh->e_phoff)
		return why(w, wl, "truncated or corrupt ELF program headers");
	return 0;
}

/* One PT_LOAD segment: where it goes, checked against the file and RAM. */
static int add_seg(struct boot_image *img, const struct elf64_phdr *ph, size_t len,
		   char *w, size_t wl)
{
	struct vmlinux_seg *s;

	if (ph->p_vaddr != ph->p_paddr)
		return why(w, wl,
			   "an x86-64 ELF vmlinux, not a bzImage (give arch/x86/boot/bzImage; ELF test images load at p_vaddr = p_paddr)");
	if (ph->p_filesz > ph->p_memsz || ph->p_offset > len ||
	    ph->p_filesz > len - ph->p_offset)
		return why(w, wl,
			   "truncated: a segment lies outside the file");
	if (ph->p_paddr < ELF_LOAD_MIN || ph->p_memsz > MV_MEM_MAX ||
	    ph->p_paddr > MV_MEM_MAX - ph->p_memsz)
		return why(w, wl,
			   "a segment at %#llx is outside what mvlaunch can give (1 MiB to %llu MiB)",
			   (unsigned long long)ph->p_paddr,
			   (unsigned long long)(MV_MEM_MAX / MIB));
	if (img->nr_segs == VMLINUX_SEGS)
		return why(w, wl, "more than %u loadable segments",
			   VMLINUX_SEGS);
	s = &img->seg[img->nr_segs++];
	s->paddr = ph->p_paddr;
	s->offset = ph->p_offset;
	s->filesz = ph->p_filesz;
	s->memsz = ph->p_memsz;
	return 0;
}

int elf__parse(const u8 *buf, size_t len, struct boot_image *img,
	       char *w, size_t wl)
{
	struct elf64_hdr eh;
	struct elf64_phdr ph;
	u64 lo = ~0ULL, hi = 0;
	bool entry_ok = false;
	unsigned int i;

	memset(&eh, 0, sizeof(eh));
	memcpy(&eh, buf, len < sizeof(eh) ? len : sizeof(eh));
	if (check_header(&eh, len, w, wl))
		return -1;
	img->nr_segs = 0;
	for (i = 0; i < eh.e_phnum; i++) {
		memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC ||
		    ph.p_type == PT_TLS)
			return why(w, wl,
				   "an x86-64 ELF user-space program (it has %s), not a kernel or a test image",
				   ph.p_type == PT_TLS ? "thread-local storage" :
				   "a dynamic section");
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (add_seg(img, &ph, len, w, wl))
			return -1;
		if (ph.p_paddr < lo)
			lo = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > hi)
			hi = ph.p_paddr + ph.p_memsz;
		if (eh.e_entry >= ph.p_paddr &&
		    eh.e_entry < ph.p_paddr + ph.p_filesz)
			entry_ok = true;
	}
	if (!img->nr_segs)
		return why(w, wl, "an ELF file with nothing to load");
	if (!entry_ok)
		return why(w, wl,
			   "the ELF entry point %#llx is in no loaded segment",
			   (unsigned long long)eh.e_entry);
	img->file = buf;
	img->file_size = len;
	img->elf = true;
	img->entry = eh.e_entry;
	img->load_addr = lo;
	img->init_size = hi - lo;
	img->mem_min = align_up(hi, MIB);
	img->cmdline_max = 2047;
	img->initrd_max = MV_MEM_MAX - 1;
	img->vmlinux_fd = -1;
	return 0;
}

/* Copy every segment to its address and clear its tail. */
int elf__load(struct guest *g)
{
	const struct boot_image *img = g->img;
	const struct vmlinux_seg *s;
	unsigned int i;
	u8 *dst;

	for (i = 0; i < img->nr_segs; i++) {
		s = &img->seg[i];
		dst = mem__ptr(&g->mem, s->paddr, s->memsz);
		if (!dst)
			return -1;
		memcpy(dst, img->file + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	g->boot.rip = img->entry;
	return 0;
}
