// SPDX-License-Identifier: GPL-2.0
/*
 * Wrap a flat 64-bit image in just enough bzImage for mvlaunch: one setup
 * sector holding the boot header (Documentation/x86/boot.rst), then the
 * image as the protected-mode part, loaded at 16 MiB and entered at
 * 0x200.  A build tool for the test guest; it runs on the build machine.
 *
 * usage: mkbzimage FLAT OUTPUT INIT_SIZE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETUP_SECTS	1
#define SETUP_SIZE	((SETUP_SECTS + 1) * 512)
#define LOAD_ADDR	0x1000000ULL

static void put(unsigned char *p, unsigned int off, unsigned long long v,
		int bytes)
{
	while (bytes--) {
		p[off++] = v & 0xff;
		v >>= 8;
	}
}

int main(int argc, char **argv)
{
	unsigned char setup[SETUP_SIZE] = { 0 };
	unsigned char *img;
	long len, pm;
	FILE *in, *out;

	if (argc != 4) {
		fprintf(stderr, "usage: mkbzimage FLAT OUTPUT INIT_SIZE\n");
		return 2;
	}
	in = fopen(argv[1], "rb");
	if (!in || fseek(in, 0, SEEK_END) || (len = ftell(in)) <= 0)
		return perror(argv[1]), 1;
	pm = (len + 15) & ~15L;
	img = calloc(1, pm);
	rewind(in);
	if (!img || fread(img, 1, len, in) != (size_t)len)
		return perror(argv[1]), 1;
	fclose(in);

	put(setup, 0x1f1, SETUP_SECTS, 1);
	put(setup, 0x1f4, pm / 16, 4);		/* syssize */
	put(setup, 0x1fe, 0xaa55, 2);		/* boot_flag */
	memcpy(setup + 0x202, "HdrS", 4);
	put(setup, 0x206, 0x020f, 2);		/* protocol 2.15 */
	put(setup, 0x211, 0x01, 1);		/* LOADED_HIGH */
	put(setup, 0x214, 0x100000, 4);		/* code32_start */
	put(setup, 0x22c, 0x7fffffff, 4);	/* initrd_addr_max */
	put(setup, 0x230, 0x200000, 4);		/* kernel_alignment */
	put(setup, 0x236, 0x01, 2);		/* XLF_KERNEL_64 */
	put(setup, 0x238, 2047, 4);		/* cmdline_size */
	put(setup, 0x258, LOAD_ADDR, 8);	/* pref_address */
	put(setup, 0x260, strtoul(argv[3], NULL, 0), 4);	/* init_size */
	setup[0x200] = 0xeb;			/* jmp over the header, */
	setup[0x201] = 0x26c - 0x202;		/* which ends at 0x26c */

	out = fopen(argv[2], "wb");
	if (!out || fwrite(setup, 1, sizeof(setup), out) != sizeof(setup) ||
	    fwrite(img, 1, pm, out) != (size_t)pm || fclose(out))
		return perror(argv[2]), 1;
	return 0;
}
