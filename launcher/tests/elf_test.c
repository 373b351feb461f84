// SPDX-License-Identifier: GPL-2.0
/*
 * elf.c and megavirt.c's ABI check on this machine: ELF test images
 * built in memory, accepted and laid out in a guest's RAM, or refused
 * with a reason for each way they can be wrong (a vmlinux among them);
 * and the message for each answer a /dev/megavirt can give to
 * MV_GET_ABI_VERSION, which no test host can show (its module is ours).
 */
#include <linux/elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <asm/bootparam.h>

#include "kselftest_harness.h"
#include "../guest.h"

/* What megavirt.o and boot.o call back, but no test here reaches. */
void guest__end(struct guest *g, enum guest_end end, const char *fmt, ...)
{
	g->end = end;
	(void)fmt;
}

int guest__fail(struct guest *g, const char *what)
{
	g->end = GUEST_FAILED;
	return -1;
}

bool guest__ended(struct guest *g)
{
	return g->end != GUEST_RUNNING;
}

void guest__mmio(struct guest *g, u64 addr, u8 *data, u32 len, bool write)
{
}

void output__write(struct output *o, const void *buf, size_t len)
{
}

#define LOAD	0x1000000ULL
#define ENTRY	(LOAD + 0x10)

struct image {
	struct elf64_hdr eh;
	struct elf64_phdr ph[2];
	u8 code[64];
};

/* A good test image: one segment of 64 bytes at 16 MiB, 8 KiB with .bss. */
static void make(struct image *im)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_type = ET_EXEC;
	im->eh.e_machine = EM_X86_64;
	im->eh.e_entry = ENTRY;
	im->eh.e_phoff = offsetof(struct image, ph);
	im->eh.e_phentsize = sizeof(struct elf64_phdr);
	im->eh.e_phnum = 1;
	im->ph[0].p_type = PT_LOAD;
	im->ph[0].p_offset = offsetof(struct image, code);
	im->ph[0].p_vaddr = LOAD;
	im->ph[0].p_paddr = LOAD;
	im->ph[0].p_filesz = sizeof(im->code);
	im->ph[0].p_memsz = 8192;
	memset(im->code, 0xcc, sizeof(im->code));
}

static const char *refusal(struct image *im)
{
	static char why[200];
	struct boot_image img = { 0 };

	if (!boot__parse((u8 *)im, sizeof(*im), &img, why, sizeof(why)))
		return "";
	fprintf(stderr, "# refused: %s\n", why);
	return why;
}

#define REFUSED(im, text) ASSERT_NE(NULL, strstr(refusal(im), text))

TEST(test_image_is_laid_out)
{
	struct mv_config cfg = { .mem = 32 * MIB };
	struct boot_image img = { .initrd_fd = -1 };
	struct guest g = { .cfg = &cfg, .img = &img };
	const struct boot_params *bp;
	struct image im;
	char why[200];
	u8 *p;

	make(&im);
	ASSERT_EQ(0, boot__parse((u8 *)&im, sizeof(im), &img, why,
				 sizeof(why)));
	EXPECT_TRUE(img.elf);
	EXPECT_EQ(ENTRY, img.entry);
	EXPECT_EQ(17 * MIB, img.mem_min);
	strcpy(g.cmdline, "mvt.test=poweroff");
	g.cmdline_len = strlen(g.cmdline);
	ASSERT_EQ(0, mem__init(&g.mem, cfg.mem, false));
	p = mem__ptr(&g.mem, LOAD, 8192);
	memset(p, 0x77, 8192);
	ASSERT_EQ(0, boot__setup(&g));
	EXPECT_EQ(ENTRY, g.boot.rip);
	EXPECT_EQ(0xcc, p[0]);
	EXPECT_EQ(0xcc, p[63]);
	EXPECT_EQ(0, p[64]);			/* .bss cleared */
	EXPECT_EQ(0, p[8191]);
	bp = mem__ptr(&g.mem, g.boot.rsi, sizeof(*bp));
	ASSERT_NE(NULL, bp);
	EXPECT_STREQ("mvt.test=poweroff",
		     (char *)mem__ptr(&g.mem, bp->hdr.cmd_line_ptr, 32));
	EXPECT_EQ(3, bp->e820_entries);
	mem__exit(&g.mem);
}

TEST(vmlinux_is_refused)
{
	struct image im;

	make(&im);
	im.ph[0].p_vaddr = 0xffffffff81000000ULL;
	REFUSED(&im, "ELF vmlinux, not a bzImage");
}

TEST(bad_images_are_refused)
{
	struct image im;

	make(&im);
	im.eh.e_machine = EM_AARCH64;
	REFUSED(&im, "another architecture");
	make(&im);
	im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	REFUSED(&im, "not 64-bit");
	make(&im);
	im.eh.e_type = ET_DYN;
	REFUSED(&im, "not an executable");
	make(&im);
	im.eh.e_phnum = 200;
	REFUSED(&im, "program headers");
	make(&im);
	im.ph[0].p_filesz = 4096;
	REFUSED(&im, "outside the file");
	make(&im);
	im.ph[0].p_paddr = 0x8000;
	im.ph[0].p_vaddr = 0x8000;
	im.eh.e_entry = 0x8010;
	REFUSED(&im, "outside what mvlaunch can give");
	make(&im);
	im.eh.e_entry = LOAD + 4096;		/* in .bss, not in the file */
	REFUSED(&im, "entry point");
	make(&im);
	im.ph[0].p_type = PT_NOTE;
	REFUSED(&im, "nothing to load");
	make(&im);
	im.eh.e_phnum = 2;
	im.ph[1].p_type = PT_TLS;
	REFUSED(&im, "user-space program");
}

TEST(abi_version_messages)
{
	char why[300];

	EXPECT_EQ(0, megavirt__check_abi("/dev/megavirt", 1, 0, why,
					 sizeof(why)));
	EXPECT_EQ(MV_EXIT_HOST, megavirt__check_abi("/dev/megavirt", 2, 0,
						    why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "ABI version 2, this mvlaunch speaks version 1"));
	EXPECT_EQ(MV_EXIT_HOST, megavirt__check_abi("/dev/null", -1, ENOTTY,
						    why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "/dev/null does not answer"));
	EXPECT_NE(NULL, strstr(why, "not a megavirt device"));
	EXPECT_EQ(MV_EXIT_HOST, megavirt__check_abi("/dev/megavirt", -1, EIO,
						    why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "Input/output error"));
}

TEST_HARNESS_MAIN
