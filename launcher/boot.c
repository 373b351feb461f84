// SPDX-License-Identifier: GPL-2.0
/*
 * Booting Linux the way a boot loader does (Documentation/x86/boot.rst),
 * then entering it at its 64-bit entry.  Read after guest.c; acpi.c adds
 * the firmware tables, and the engine turns g->boot into vCPU registers.
 *
 * Why the 64-bit entry: a bzImage with XLF_KERNEL_64 has startup_64 at
 * 0x200 into its protected-mode part.  Entering there needs only what
 * any x86-64 vCPU can be given directly - long mode, identity-mapped page
 * tables, a flat GDT - and no real-mode or 32-bit stage, so the same
 * state suits both engines.  The decompressor builds its own page tables
 * as soon as it runs; ours only have to cover what it touches first.
 *
 * Guest-physical layout below 1 MiB (all RAM in the e820 map except the
 * BIOS area, where the ACPI tables live):
 *
 *   0x00500  GDT                    0x09000  page tables (7 pages)
 *   0x07000  boot_params            0x20000  command line
 *   0x08ff0  initial stack          0xe0000  ACPI tables (reserved)
 *
 * The kernel goes at its preferred address (16 MiB for Debian's), the
 * initramfs at the top of RAM, mapped from its file copy-on-write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asm/bootparam.h>

#include "guest.h"

#define BOOT_GDT		0x500
#define BOOT_PARAMS		0x7000
#define BOOT_STACK		0x8ff0
#define BOOT_PML4		0x9000
#define BOOT_PDPT		0xa000
#define BOOT_PD			0xb000		/* 4 pages: 4 GiB of 2 MiB */
#define BOOT_PDPT_HIGH		0xf000		/* the top 2 GiB */
#define BOOT_CMDLINE		0x20000
#define BOOT_EBDA		0x9fc00
#define BOOT_ACPI		0xe0000
#define BOOT_HIGH		0x100000

#define HDR_OFFSET		0x1f1
#define HDR_MAGIC		0x53726448	/* "HdrS" */
#define HDR_MIN_VERSION		0x020c		/* 2.12: xloadflags */
#define E820_RAM		1
#define E820_RESERVED		2
#define ENTRY_64		0x200

static int __printf(3, 4) why(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Name what a file is when it is not a bzImage, for a useful error. */
static int not_bzimage(const u8 *buf, size_t len, char *w, size_t wl)
{
	if (len >= 64 && !memcmp(buf + 56, "ARM\x64", 4))
		return why(w, wl, "an arm64 kernel Image, not an x86 kernel");
	if (len >= 64 && !memcmp(buf + 56, "RSC\x05", 4))
		return why(w, wl, "a RISC-V kernel Image, not an x86 kernel");
	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b)
		return why(w, wl, "gzip data, not a bzImage");
	return why(w, wl, "not a bzImage (no x86 boot header)");
}

/*
 * Check a bzImage held in @buf and note what booting it needs.  Every
 * refusal names the problem, since this runs before anything starts.
 */
int boot__parse(const u8 *buf, size_t len, struct boot_image *img,
		char *w, size_t wl)
{
	struct setup_header h;
	u32 sects, pm;

	/* ELF comes first (a test image, elf.c), then other kernels' magic. */
	if (elf__is_elf(buf, len))
		return elf__parse(buf, len, img, w, wl);
	if (len >= 64 && (!memcmp(buf + 56, "ARM\x64", 4) ||
			  !memcmp(buf + 56, "RSC\x05", 4)))
		return not_bzimage(buf, len, w, wl);
	if (len < HDR_OFFSET + sizeof(h))
		return why(w, wl,
			   "too short for a bzImage (%zu bytes): not a kernel, or truncated",
			   len);
	memcpy(&h, buf + HDR_OFFSET, sizeof(h));
	if (h.boot_flag != 0xaa55 || h.header != HDR_MAGIC)
		return not_bzimage(buf, len, w, wl);
	if (h.version < HDR_MIN_VERSION)
		return why(w, wl,
			   "boot protocol %u.%02u is too old; 2.12 or later is needed",
			   h.version >> 8, h.version & 0xff);
	if (!(h.loadflags & LOADED_HIGH))
		return why(w, wl,
			   "a zImage (loads below 1 MiB); only bzImage is supported");
	if (!(h.xloadflags & XLF_KERNEL_64))
		return why(w, wl,
			   "a 32-bit x86 kernel (no 64-bit entry point); mvlaunch runs x86-64 guests");

	sects = h.setup_sects ? h.setup_sects : 4;
	pm = h.syssize * 16;
	if ((u64)(sects + 1) * 512 + pm > len)
		return why(w, wl,
			   "truncated: the header promises %llu bytes, the file has %zu",
			   (unsigned long long)(sects + 1) * 512 + pm, len);
	if (h.payload_offset > pm || h.payload_length > pm - h.payload_offset)
		return why(w, wl,
			   "truncated or corrupt: the compressed payload lies outside the image");
	if (!h.init_size || h.init_size < pm)
		return why(w, wl, "corrupt header: init_size %#x", h.init_size);
	if (h.kernel_alignment && (h.pref_address & (h.kernel_alignment - 1)))
		return why(w, wl,
			   "corrupt header: load address %#llx not aligned",
			   (unsigned long long)h.pref_address);
	if (h.pref_address < BOOT_HIGH ||
	    h.pref_address + h.init_size > MV_MEM_MAX)
		return why(w, wl,
			   "load address %#llx is outside what mvlaunch can give",
			   (unsigned long long)h.pref_address);

	img->file = buf;
	img->file_size = len;
	img->version = h.version;
	img->setup_size = (sects + 1) * 512;
	img->pm_size = pm;
	img->load_addr = h.pref_address;
	img->init_size = h.init_size;
	img->cmdline_max = h.cmdline_size;
	img->initrd_max = h.initrd_addr_max;
	img->mem_min = align_up(h.pref_address + h.init_size, MIB);
	img->payload_offset = h.payload_offset;
	img->payload_length = h.payload_length;
	img->vmlinux_fd = -1;
	return 0;
}

/*
 * Map the kernel read-only (every guest of the node reads the same page
 * cache) and check it, then measure the initramfs.  The error is printed
 * here; the caller only maps the result to an exit status.
 */
int boot__open(const char *kernel, const char *initrd, struct boot_image *img)
{
	char w[160];
	struct stat st;
	void *p;
	int fd;

	memset(img, 0, sizeof(*img));
	img->initrd_fd = -1;
	img->vmlinux_fd = -1;
	fd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		mv_err("%s: %s", kernel, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		mv_err("%s: %s", kernel, S_ISREG(st.st_mode) ?
		       "empty file, not a kernel" : "not a regular file");
		goto fail;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		mv_err("%s: %s", kernel, strerror(errno));
		goto fail;
	}
	close(fd);
	fd = -1;
	if (boot__parse(p, st.st_size, img, w, sizeof(w))) {
		mv_err("%s: %s", kernel, w);
		munmap(p, st.st_size);
		goto fail;
	}
	if (!initrd)
		return 0;

	fd = open(initrd, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		mv_err("%s: %s", initrd, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		mv_err("%s: %s", initrd, S_ISREG(st.st_mode) ?
		       "empty file, not an initramfs" : "not a regular file");
		goto fail;
	}
	img->initrd_fd = fd;
	img->initrd_size = st.st_size;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * Identity-map the first 4 GiB with 2 MiB pages, plus a flat GDT.  The
 * first GiB is also mapped at -2 GiB, where an x86-64 kernel is linked
 * (__START_KERNEL_map): a megavirt guest starts at its paravirtual entry,
 * a virtual address, on these tables; a normal entry never looks there.
 */
static void setup_paging(struct guest *g)
{
	u64 *pml4 = mem__ptr(&g->mem, BOOT_PML4, 4096);
	u64 *pdpt = mem__ptr(&g->mem, BOOT_PDPT, 4096);
	u64 *pdpt_high = mem__ptr(&g->mem, BOOT_PDPT_HIGH, 4096);
	u64 *pd = mem__ptr(&g->mem, BOOT_PD, 4 * 4096);
	u64 *gdt = mem__ptr(&g->mem, BOOT_GDT, 4 * 8);
	unsigned int i;

	pml4[0] = BOOT_PDPT | 0x3;			/* present, writable */
	for (i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD + i * 4096) | 0x3;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((u64)i << 21) | 0x83;		/* and 2 MiB */
	pml4[511] = BOOT_PDPT_HIGH | 0x3;
	pdpt_high[510] = BOOT_PD | 0x3;

	/*
	 * The boot protocol names the selectors: __BOOT_CS = 0x10 (here a
	 * 64-bit code segment) and __BOOT_DS = 0x18, both flat.
	 */
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffULL;
	gdt[3] = 0x00cf93000000ffffULL;

	g->boot.cr3 = BOOT_PML4;
	g->boot.gdt_base = BOOT_GDT;
	g->boot.gdt_limit = 4 * 8 - 1;
}

static void add_e820(struct boot_params *bp, u64 addr, u64 size, u32 type)
{
	struct boot_e820_entry *e = &bp->e820_table[bp->e820_entries++];

	e->addr = addr;
	e->size = size;
	e->type = type;
}

static int load_initrd(struct guest *g, struct boot_params *bp)
{
	const struct boot_image *img = g->img;
	u64 top = g->mem.size, addr;
	int ret;

	if (img->initrd_fd < 0)
		return 0;
	if (top > (u64)img->initrd_max + 1)
		top = (u64)img->initrd_max + 1;
	addr = (top - img->initrd_size) & ~4095ULL;
	if (img->initrd_size > top ||
	    addr < img->load_addr + img->init_size) {
		guest__end(g, GUEST_FAILED, "initramfs does not fit");
		return -1;
	}
	ret = mem__map_file(&g->mem, addr, img->initrd_fd, 0, img->initrd_size);
	if (ret) {
		guest__end(g, GUEST_FAILED, "cannot map the initramfs: %s",
			   strerror(-ret));
		return -1;
	}
	bp->hdr.ramdisk_image = (u32)addr;
	bp->hdr.ramdisk_size = (u32)img->initrd_size;
	bp->ext_ramdisk_image = addr >> 32;
	bp->ext_ramdisk_size = img->initrd_size >> 32;
	return 0;
}

/*
 * The kernel itself: its vmlinux, decompressed by the launcher and mapped
 * (vmlinux.c), or the bzImage's protected-mode part, which decompresses
 * itself, entered at its 64-bit entry.
 */
static int load_kernel(struct guest *g)
{
	const struct boot_image *img = g->img;
	int ret;

	if (img->elf) {
		if (!elf__load(g))
			return 0;
		guest__end(g, GUEST_FAILED,
			   "the test image does not fit in --mem");
		return -1;
	}
	if (img->vmlinux_fd >= 0) {
		ret = vmlinux__load(g);
		if (ret)
			guest__end(g, GUEST_FAILED, "cannot map vmlinux: %s",
				   strerror(-ret));
		return ret ? -1 : 0;
	}
	memcpy(mem__ptr(&g->mem, img->load_addr, img->pm_size),
	       img->file + img->setup_size, img->pm_size);
	g->boot.rip = img->load_addr + ENTRY_64;
	/*
	 * Our mapping of the bzImage is needed no more: drop its pages from
	 * this process (they stay in the page cache for the next guest), or
	 * they count as 8 MB of the launcher's own memory.
	 */
	madvise((void *)img->file, img->file_size, MADV_DONTNEED);
	return 0;
}

/*
 * Lay out everything the kernel reads at its entry: its protected-mode
 * code, the zero page with the setup header copied from the file, the
 * e820 map, the command line, the initramfs and the ACPI tables.  The
 * devices are registered by now, so the command line and the tables can
 * name them.
 */
int boot__setup(struct guest *g)
{
	const struct boot_image *img = g->img;
	struct boot_params *bp = mem__ptr(&g->mem, BOOT_PARAMS, sizeof(*bp));
	size_t hdr_end = img->elf ? 0 : 0x202 + img->file[0x201];
	char *cmdline;
	u64 rsdp;

	if (g->cmdline_len > img->cmdline_max) {
		guest__end(g, GUEST_FAILED,
			   "command line is %zu bytes, the kernel takes %u",
			   g->cmdline_len, img->cmdline_max);
		return -1;
	}
	if (load_kernel(g))
		return -1;

	memset(bp, 0, sizeof(*bp));
	if (hdr_end > 0x290)
		hdr_end = 0x290;
	if (hdr_end > HDR_OFFSET)
		memcpy((u8 *)bp + HDR_OFFSET, img->file + HDR_OFFSET,
		       hdr_end - HDR_OFFSET);
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.code32_start = (u32)img->load_addr;

	cmdline = mem__ptr(&g->mem, BOOT_CMDLINE, g->cmdline_len + 1);
	memcpy(cmdline, g->cmdline, g->cmdline_len + 1);
	bp->hdr.cmd_line_ptr = BOOT_CMDLINE;

	add_e820(bp, 0, BOOT_EBDA, E820_RAM);
	add_e820(bp, BOOT_EBDA, BOOT_HIGH - BOOT_EBDA, E820_RESERVED);
	add_e820(bp, BOOT_HIGH, g->mem.size - BOOT_HIGH, E820_RAM);

	if (load_initrd(g, bp))
		return -1;
	rsdp = acpi__build(g, BOOT_ACPI, BOOT_HIGH - BOOT_ACPI);
	if (!rsdp) {
		guest__end(g, GUEST_FAILED, "ACPI tables do not fit");
		return -1;
	}
	bp->acpi_rsdp_addr = rsdp;

	setup_paging(g);
	g->boot.rsi = BOOT_PARAMS;
	g->boot.rsp = BOOT_STACK;
	return 0;
}
