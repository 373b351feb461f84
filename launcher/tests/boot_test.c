// SPDX-License-Identifier: GPL-2.0
/*
 * boot.c and acpi.c on this machine: the bzImage header checks, on the
 * test host's own stock kernel (MV_TEST_KERNEL) and on copies of it
 * broken in each way boot__parse() must refuse; then the whole layout
 * boot__setup() writes into a guest's RAM - zero page, e820, command
 * line, initramfs, page tables, ACPI tables with their checksums.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <asm/bootparam.h>

#include "kselftest_harness.h"
#include "../virtio.h"

static char end_reason[200];

void guest__end(struct guest *g, enum guest_end end, const char *fmt, ...)
{
	va_list ap;

	g->end = end;
	va_start(ap, fmt);
	vsnprintf(end_reason, sizeof(end_reason), fmt, ap);
	va_end(ap);
}

static u8 *load(size_t *len)
{
	const char *path = getenv("MV_TEST_KERNEL");
	struct stat st;
	u8 *buf;
	int fd;

	if (!path || !*path)
		return NULL;
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return NULL;
	buf = malloc(st.st_size);
	if (buf && read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = st.st_size;
	return buf;
}

FIXTURE(bz) {
	u8 *buf;
	size_t len;
	struct boot_image img;
	char why[200];
};

FIXTURE_SETUP(bz)
{
	self->buf = load(&self->len);
	if (!self->buf)
		SKIP(return, "MV_TEST_KERNEL not set or unreadable");
}

FIXTURE_TEARDOWN(bz)
{
	free(self->buf);
}

/* Why the kernel in @self is refused, or "" if it is accepted. */
static const char *refusal(FIXTURE_DATA(bz) * self)
{
	if (!boot__parse(self->buf, self->len, &self->img, self->why,
			 sizeof(self->why)))
		return "";
	fprintf(stderr, "# refused: %s\n", self->why);
	return self->why;
}

#define REFUSED(self, text) ASSERT_NE(NULL, strstr(refusal(self), text))

TEST_F(bz, stock_kernel_is_accepted)
{
	ASSERT_EQ(0, boot__parse(self->buf, self->len, &self->img,
				 self->why, sizeof(self->why)));
	EXPECT_LE(0x020c, self->img.version);
	EXPECT_EQ(0, self->img.load_addr % (2 * MIB));
	EXPECT_LE(MIB, self->img.load_addr);
	EXPECT_LT(self->img.pm_size, self->img.init_size);
	EXPECT_EQ(self->len, self->img.setup_size + self->img.pm_size +
		  (self->len - self->img.setup_size - self->img.pm_size));
	EXPECT_EQ(align_up(self->img.load_addr + self->img.init_size, MIB),
		  self->img.mem_min);
	TH_LOG("protocol %x, loads at %#llx, init_size %#x, needs %llu MiB",
	       self->img.version, (unsigned long long)self->img.load_addr,
	       self->img.init_size,
	       (unsigned long long)(self->img.mem_min / MIB));
}

TEST_F(bz, truncated)
{
	self->len -= 4096;
	REFUSED(self, "truncated");
	self->len = 0x240;
	REFUSED(self, "too short for a bzImage");
	self->len = 100;
	REFUSED(self, "too short for a bzImage");
}

TEST_F(bz, no_boot_header)
{
	memcpy(self->buf + 0x202, "Hdrs", 4);
	REFUSED(self, "not a bzImage");
}

TEST_F(bz, thirty_two_bit_only)
{
	self->buf[0x236] &= ~XLF_KERNEL_64;
	REFUSED(self, "32-bit");
}

TEST_F(bz, old_protocol)
{
	self->buf[0x206] = 0x09;
	REFUSED(self, "too old");
}

TEST_F(bz, zimage)
{
	self->buf[0x211] &= ~LOADED_HIGH;
	REFUSED(self, "zImage");
}

TEST_F(bz, elf_files)
{
	memset(self->buf, 0, 64);
	memcpy(self->buf, "\177ELF", 4);
	self->buf[18] = 62;
	REFUSED(self, "ELF file that is not 64-bit");	/* elf_test: more */
	self->buf[18] = 183;
	REFUSED(self, "another architecture");
}

TEST_F(bz, arm64_image)
{
	memset(self->buf, 0, 0x300);
	memcpy(self->buf + 56, "ARM\x64", 4);
	REFUSED(self, "arm64");
}

TEST_F(bz, payload_outside_image)
{
	u32 huge = 0x7fffffff;

	memcpy(self->buf + 0x24c, &huge, 4);
	REFUSED(self, "payload");
}

static u8 sum(const u8 *p, u32 len)
{
	u8 s = 0;

	while (len--)
		s += *p++;
	return s;
}

static const u8 *table(struct guest *g, u64 gpa, const char *sig)
{
	const u8 *t = mem__ptr(&g->mem, gpa, 36);
	u32 len;

	if (!t || memcmp(t, sig, 4))
		return NULL;
	memcpy(&len, t + 4, 4);
	if (!mem__ptr(&g->mem, gpa, len) || sum(t, len))
		return NULL;
	return t;
}

static u64 get64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

/*
 * The whole layout on a 128 MiB guest with two fake virtio devices and
 * a small initramfs file.
 */
TEST_F(bz, setup_writes_a_bootable_layout)
{
	struct mv_config cfg = { .mem = 128 * MIB,
				 .announce = ANNOUNCE_ACPI };
	struct virtio_dev vd[2] = {
		{ .base = 0xd0000000, .irq = 5 },
		{ .base = 0xd0001000, .irq = 6 },
	};
	struct guest g = { .cfg = &cfg };
	const struct boot_params *bp;
	const u8 *rsdp, *xsdt, *fadt, *madt, *dsdt;
	const u64 *pml4;
	u32 flags, dsdt_len;
	int fd;

	ASSERT_EQ(0, boot__parse(self->buf, self->len, &self->img,
				 self->why, sizeof(self->why)));
	/* An initramfs that is only a file descriptor: no path on any disk. */
	fd = memfd_create("mvl-boot-test-initrd", 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(5000, write(fd, memset(malloc(5000), 0x5a, 5000), 5000));
	self->img.initrd_fd = fd;
	self->img.initrd_size = 5000;
	g.img = &self->img;
	g.vdev[0] = &vd[0];
	g.vdev[1] = &vd[1];
	g.nr_vdevs = 2;
	strcpy(g.cmdline, "console=ttyS0 mv.index=7");
	g.cmdline_len = strlen(g.cmdline);
	ASSERT_EQ(0, mem__init(&g.mem, cfg.mem, false));
	ASSERT_EQ(0, boot__setup(&g));

	bp = mem__ptr(&g.mem, g.boot.rsi, sizeof(*bp));
	ASSERT_NE(NULL, bp);
	EXPECT_EQ(0xaa55, bp->hdr.boot_flag);
	EXPECT_EQ(0xff, bp->hdr.type_of_loader);
	EXPECT_EQ(self->img.load_addr + 0x200, g.boot.rip);
	EXPECT_EQ(0, memcmp(mem__ptr(&g.mem, self->img.load_addr, 4096),
			    self->buf + self->img.setup_size, 4096));
	EXPECT_STREQ("console=ttyS0 mv.index=7",
		     (char *)mem__ptr(&g.mem, bp->hdr.cmd_line_ptr, 64));

	/* e820: low RAM, the BIOS hole, the rest; nothing past --mem. */
	ASSERT_EQ(3, bp->e820_entries);
	EXPECT_EQ(1, bp->e820_table[0].type);
	EXPECT_EQ(2, bp->e820_table[1].type);
	EXPECT_EQ(0x100000, bp->e820_table[2].addr);
	EXPECT_EQ(cfg.mem, bp->e820_table[2].addr + bp->e820_table[2].size);

	/* The initramfs: page aligned, inside RAM, above the kernel. */
	EXPECT_EQ(0, bp->hdr.ramdisk_image % 4096);
	EXPECT_EQ(5000, bp->hdr.ramdisk_size);
	EXPECT_LE(self->img.load_addr + self->img.init_size,
		  bp->hdr.ramdisk_image);
	EXPECT_GE(cfg.mem, bp->hdr.ramdisk_image + 5000ULL);
	EXPECT_EQ(0x5a, *(u8 *)mem__ptr(&g.mem, bp->hdr.ramdisk_image + 4999, 1));

	/* Identity map: entry 0 of every level, 2 MiB pages. */
	pml4 = mem__ptr(&g.mem, g.boot.cr3, 4096);
	EXPECT_EQ(1, pml4[0] & 1);
	EXPECT_EQ(0x83, *(u64 *)mem__ptr(&g.mem, 0xb000, 8));

	/* ACPI: every table found from the RSDP, every checksum right. */
	rsdp = mem__ptr(&g.mem, bp->acpi_rsdp_addr, 36);
	ASSERT_NE(NULL, rsdp);
	ASSERT_EQ(0, memcmp(rsdp, "RSD PTR ", 8));
	EXPECT_EQ(0, sum(rsdp, 20));
	EXPECT_EQ(0, sum(rsdp, 36));
	xsdt = table(&g, get64(rsdp + 24), "XSDT");
	ASSERT_NE(NULL, xsdt);
	fadt = table(&g, get64(xsdt + 36), "FACP");
	madt = table(&g, get64(xsdt + 44), "APIC");
	ASSERT_NE(NULL, fadt);
	ASSERT_NE(NULL, madt);
	memcpy(&flags, fadt + 112, 4);
	EXPECT_TRUE(flags & BIT(20));		/* hardware-reduced */
	dsdt = table(&g, get64(fadt + 140), "DSDT");
	ASSERT_NE(NULL, dsdt);
	memcpy(&dsdt_len, dsdt + 4, 4);
	EXPECT_NE(NULL, memmem(dsdt, dsdt_len, "LNRO0005", 8));
	EXPECT_NE(NULL, memmem(dsdt, dsdt_len, "VR01", 4));
	EXPECT_NE(NULL, memmem(dsdt, dsdt_len, "_S5_", 4));
	EXPECT_NE(NULL, memmem(dsdt, dsdt_len, "PNP0501", 7));
	EXPECT_NE(NULL, memmem(dsdt, dsdt_len, "\x00\x10\x00\xd0", 4));
	close(fd);
}

/* The launcher decompresses the payload once; guests map vmlinux. */
TEST_F(bz, vmlinux_is_decompressed_and_mapped)
{
	struct mv_config cfg = { .mem = 128 * MIB };
	struct guest g = { .cfg = &cfg };
	const struct boot_params *bp;
	const u8 *text;
	unsigned int i;

	ASSERT_EQ(0, boot__parse(self->buf, self->len, &self->img,
				 self->why, sizeof(self->why)));
	self->img.initrd_fd = -1;
	ASSERT_EQ(0, vmlinux__prepare(&self->img, NULL));
	ASSERT_FALSE(self->img.vmlinux_cached);
	ASSERT_LE(0, self->img.vmlinux_fd);
	ASSERT_LT(0, self->img.nr_segs);
	TH_LOG("vmlinux: %llu bytes, %u segments, entry %#llx",
	       (unsigned long long)self->img.vmlinux_size, self->img.nr_segs,
	       (unsigned long long)self->img.entry);
	for (i = 0; i < self->img.nr_segs; i++)
		EXPECT_GE(cfg.mem, self->img.seg[i].paddr +
			  self->img.seg[i].memsz);
	/* The sealed memfd cannot be written, not even by us. */
	EXPECT_EQ(-1, write(self->img.vmlinux_fd, "x", 1));

	g.img = &self->img;
	g.cmdline_len = 0;
	ASSERT_EQ(0, mem__init(&g.mem, cfg.mem, false));
	ASSERT_EQ(0, boot__setup(&g));
	EXPECT_EQ(self->img.entry, g.boot.rip);
	bp = mem__ptr(&g.mem, g.boot.rsi, sizeof(*bp));
	EXPECT_EQ(0xaa55, bp->hdr.boot_flag);
	/* startup_64 of a 6.1 kernel begins with "lea ...(%rip), %rsp". */
	text = mem__ptr(&g.mem, g.boot.rip, 16);
	ASSERT_NE(NULL, text);
	EXPECT_EQ(0x48, text[0]);
	EXPECT_EQ(0x8d, text[1]);
}

TEST_F(bz, corrupt_payload_is_refused)
{
	ASSERT_EQ(0, boot__parse(self->buf, self->len, &self->img,
				 self->why, sizeof(self->why)));
	memset((u8 *)self->img.file + self->img.setup_size +
	       self->img.payload_offset + 4096, 0x55, 4096);
	ASSERT_EQ(-1, vmlinux__prepare(&self->img, NULL));
}

/* A fresh copy of the fixture's image, parsed, for one more prepare. */
static struct boot_image parsed(FIXTURE_DATA(bz) * self)
{
	struct boot_image img;

	memset(&img, 0, sizeof(img));
	boot__parse(self->buf, self->len, &img, self->why, sizeof(self->why));
	img.initrd_fd = -1;
	return img;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static ino_t inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/*
 * The kernel cache: the first prepare decompresses into a read-only file
 * of the cache, the next one (another fleet) maps that same file; a file
 * that was damaged is made again; a directory others can write is not
 * trusted, and a private memfd is used instead.
 */
TEST_F(bz, kernel_cache_is_made_once_then_shared)
{
	const char *tmp = getenv("TMPDIR");
	struct boot_image a, b, c, d;
	char dir[256], path[4096];
	struct stat st;
	double t0, t1;
	int fd;

	snprintf(dir, sizeof(dir), "%s/kcache_test.XXXXXX", tmp ? tmp : "/tmp");
	ASSERT_NE(NULL, mkdtemp(dir));
	a = parsed(self);
	t0 = now();
	ASSERT_EQ(0, vmlinux__prepare(&a, dir));
	t1 = now();
	EXPECT_FALSE(a.vmlinux_cached);
	ASSERT_EQ(0, kcache__name(dir, a.file + a.setup_size +
				  a.payload_offset, a.payload_length, path,
				  sizeof(path)));
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0444, st.st_mode & 0777);
	EXPECT_EQ(st.st_ino, inode(a.vmlinux_fd));
	EXPECT_EQ(st.st_size, a.vmlinux_size);

	b = parsed(self);
	ASSERT_EQ(0, vmlinux__prepare(&b, dir));
	TH_LOG("decompressed into the cache in %.3f s, found there in %.3f s",
	       t1 - t0, now() - t1);
	EXPECT_TRUE(b.vmlinux_cached);
	EXPECT_EQ(st.st_ino, inode(b.vmlinux_fd));
	EXPECT_EQ(a.entry, b.entry);
	EXPECT_EQ(a.nr_segs, b.nr_segs);

	/* Damaged behind our back: found bad, removed, made again. */
	chmod(path, 0644);
	fd = open(path, O_WRONLY | O_TRUNC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(4, write(fd, "junk", 4));
	close(fd);
	chmod(path, 0444);
	c = parsed(self);
	ASSERT_EQ(0, vmlinux__prepare(&c, dir));
	EXPECT_FALSE(c.vmlinux_cached);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(st.st_size, c.vmlinux_size);
	EXPECT_EQ(a.entry, c.entry);

	/* A directory anyone can write to is not trusted. */
	chmod(dir, 0777);
	d = parsed(self);
	ASSERT_EQ(0, vmlinux__prepare(&d, dir));
	EXPECT_FALSE(d.vmlinux_cached);
	ASSERT_EQ(0, fstat(d.vmlinux_fd, &st));
	EXPECT_EQ(0, st.st_nlink);	/* a memfd, not the cache's file */
	EXPECT_EQ(-1, write(d.vmlinux_fd, "x", 1));

	close(a.vmlinux_fd);
	close(b.vmlinux_fd);
	close(c.vmlinux_fd);
	close(d.vmlinux_fd);
	unlink(path);
	EXPECT_EQ(0, rmdir(dir));
}

TEST_F(bz, setup_refuses_a_too_long_command_line)
{
	struct mv_config cfg = { .mem = 128 * MIB };
	struct guest g = { .cfg = &cfg };

	ASSERT_EQ(0, boot__parse(self->buf, self->len, &self->img,
				 self->why, sizeof(self->why)));
	self->img.initrd_fd = -1;
	g.img = &self->img;
	g.cmdline_len = self->img.cmdline_max + 1;
	ASSERT_EQ(0, mem__init(&g.mem, cfg.mem, false));
	ASSERT_EQ(-1, boot__setup(&g));
	ASSERT_EQ(GUEST_FAILED, g.end);
}

TEST_HARNESS_MAIN
