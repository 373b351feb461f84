// SPDX-License-Identifier: GPL-2.0
/*
 * Decompress the kernel once, map it into every guest.  Read after
 * boot.c, which calls this when --decompress is "launcher" (the default).
 *
 * A bzImage carries the real kernel, vmlinux, compressed (its payload,
 * described by payload_offset and payload_length in the setup header).
 * Booted normally, every guest spends its first seconds decompressing it
 * into its own RAM: N guests, N decompressions, N private copies of the
 * same 60-odd MB.  Instead the launcher decompresses the payload once,
 * before the first guest starts, into a sealed memfd, and each guest
 * gets the vmlinux segments mapped copy-on-write at their physical
 * addresses, as lguest mapped its vmlinux.  Pages a guest never writes -
 * most of its text and read-only data - stay one copy for the node.
 *
 * The guest is then entered at vmlinux's own entry (startup_64 in
 * arch/x86/kernel/head_64.S), which the kernel documents as reachable
 * "directly from a 64bit bootloader" with the same state as the
 * bzImage's 64-bit entry: long mode, identity mapping, %rsi = zero page.
 * Nothing is relocated: segments go where they were linked, so the
 * kernel runs without KASLR, as it would under a loader that does none.
 *
 * Payloads compressed with xz (Debian's, and CONFIG_KERNEL_XZ) are
 * handled with liblzma; any other format is left to the guest to
 * decompress itself, as is everything with --decompress guest.
 *
 * Where the decompressed kernel lives: in the node's kernel cache
 * (kcache.c), a file every fleet of the node maps, so that two fleets
 * booting the same kernel share its pages too and only the first one
 * decompresses; or, without a usable cache, in a sealed memfd of our own.
 *
 * Future work: gzip, zstd and lz4 payloads could join xz the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/elf.h>

#include "guest.h"

#define CHUNK		MIB
#define VMLINUX_MAX	(512 * MIB)

static int write_all(int fd, const u8 *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

static int unxz(const u8 *in, size_t len, int fd)
{
	lzma_stream s = LZMA_STREAM_INIT;
	u8 *out = malloc(CHUNK);
	lzma_ret r;
	size_t total = 0;
	int ret = -1;

	if (!out || lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
		goto out;
	s.next_in = in;
	s.avail_in = len;
	do {
		s.next_out = out;
		s.avail_out = CHUNK;
		r = lzma_code(&s, LZMA_FINISH);
		total += CHUNK - s.avail_out;
		if (total > VMLINUX_MAX ||
		    write_all(fd, out, CHUNK - s.avail_out))
			goto out;
	} while (r == LZMA_OK);
	ret = r == LZMA_STREAM_END ? 0 : -1;
out:
	lzma_end(&s);
	free(out);
	return ret;
}

/*
 * Check vmlinux's ELF header and program headers and note its loadable
 * segments.  Everything is checked against the file and against what we
 * can give a guest, since it comes from a file we were handed.
 */
static int parse_elf(struct boot_image *img, const u8 *f, size_t size)
{
	const struct elf64_hdr *eh = (const void *)f;
	const struct elf64_phdr *ph;
	unsigned int i, n = 0;
	bool entry_ok = false;
	u64 end = 0;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64 || eh->e_phentsize != sizeof(*ph) ||
	    eh->e_phoff > size || eh->e_phnum > (size - eh->e_phoff) / sizeof(*ph))
		return -1;
	ph = (const void *)(f + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++, ph++) {
		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		if (n == VMLINUX_SEGS || ph->p_filesz > ph->p_memsz ||
		    ph->p_offset > size || ph->p_filesz > size - ph->p_offset ||
		    (ph->p_offset & 4095) != (ph->p_paddr & 4095) ||
		    ph->p_paddr < MIB || ph->p_memsz > MV_MEM_MAX ||
		    ph->p_paddr > MV_MEM_MAX - ph->p_memsz)
			return -1;
		img->seg[n].paddr = ph->p_paddr;
		img->seg[n].offset = ph->p_offset;
		img->seg[n].filesz = ph->p_filesz;
		img->seg[n].memsz = ph->p_memsz;
		if (eh->e_entry >= ph->p_paddr &&
		    eh->e_entry - ph->p_paddr < ph->p_filesz)
			entry_ok = true;
		if (ph->p_paddr + ph->p_memsz > end)
			end = ph->p_paddr + ph->p_memsz;
		n++;
	}
	if (!n || !entry_ok)
		return -1;
	img->nr_segs = n;
	img->entry = eh->e_entry;
	if (align_up(end, MIB) > img->mem_min)
		img->mem_min = align_up(end, MIB);
	return 0;
}

/* A private copy: a memfd, sealed once written. */
static int private_copy(const u8 *payload, size_t len)
{
	int fd = memfd_create("mvlaunch-vmlinux",
			      MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -1;
	if (unxz(payload, len, fd)) {
		close(fd);
		return -2;
	}
	/* From now on nobody, not even we, can change what guests map. */
	fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
	      F_SEAL_SEAL);
	return fd;
}

/* Parse the decompressed vmlinux behind @fd into @img. */
static int parse_fd(struct boot_image *img, int fd)
{
	struct stat st;
	void *map;
	int ret;

	if (fstat(fd, &st) || !st.st_size)
		return -1;
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	ret = parse_elf(img, map, st.st_size);
	munmap(map, st.st_size);
	if (!ret) {
		img->vmlinux_fd = fd;
		img->vmlinux_size = st.st_size;
	}
	return ret;
}

/*
 * Decompress @img's payload, or find it decompressed in the kernel cache
 * @cache (NULL: none), and parse it.  Returns 0 when the guests can be
 * given the vmlinux directly, 1 when the payload's format is one we leave
 * to the guest, -1 when the payload is corrupt.
 */
int vmlinux__prepare(struct boot_image *img, const char *cache)
{
	const u8 *payload = img->file + img->setup_size + img->payload_offset;
	size_t len = img->payload_length;
	unsigned int tries;
	int fd;

	static const u8 xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	bool xz = len >= 8 && !memcmp(payload, xz_magic, sizeof(xz_magic));

	if (!xz)
		return 1;

	/* A cached file that does not parse is made again, once. */
	for (tries = 0; tries < 2; tries++) {
		fd = kcache__open(cache, payload, len, unxz,
				  &img->vmlinux_cached);
		if (fd < 0)
			break;
		if (!parse_fd(img, fd))
			goto done;
		close(fd);
		kcache__forget(cache, payload, len);
	}
	img->vmlinux_cached = false;
	fd = private_copy(payload, len);
	if (fd == -1)
		return 1;
	if (fd < 0 || parse_fd(img, fd)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
done:
	/* The compressed bytes are needed no more in this process. */
	madvise((void *)img->file, img->file_size, MADV_DONTNEED);
	return 0;
}

/*
 * Map each segment at its physical address, copy-on-write.  The part of
 * the last page past the segment's file bytes holds whatever follows in
 * the file, so it is zeroed (this one page becomes the guest's own).
 */
int vmlinux__load(struct guest *g)
{
	const struct boot_image *img = g->img;
	unsigned int i;
	u64 gpa, off, len, tail;
	int ret;

	for (i = 0; i < img->nr_segs; i++) {
		gpa = img->seg[i].paddr & ~4095ULL;
		off = img->seg[i].offset & ~4095ULL;
		len = img->seg[i].filesz + (img->seg[i].paddr & 4095);
		if (!mem__ptr(&g->mem, img->seg[i].paddr, img->seg[i].memsz) ||
		    !mem__ptr(&g->mem, gpa, align_up(len, 4096)))
			return -ERANGE;
		ret = mem__map_file(&g->mem, gpa, img->vmlinux_fd, off, len);
		if (ret)
			return ret;
		tail = align_up(gpa + len, 4096) - (gpa + len);
		if (tail)
			memset(mem__ptr(&g->mem, gpa + len, tail), 0, tail);
	}
	g->boot.rip = img->entry;
	return 0;
}
