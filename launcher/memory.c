// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM: one anonymous mapping, guest-physical 0 at its start, as
 * lguest had it.  Read after guest.c; boot.c fills it, the engine hands it
 * to the hypervisor, and every device reaches it only through mem__ptr().
 *
 * A fleet is one tenant, so RAM is offered to KSM by default: identical
 * guests then share the pages that stay identical (kernel text, page
 * cache of the same initramfs).  The side channel KSM opens between
 * tenants does not exist between guests of one experiment.
 */
#include <errno.h>
#include <sys/mman.h>

#include "guest.h"

int mem__init(struct guest_mem *m, u64 size, bool ksm)
{
	void *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	m->hva = p;
	m->size = size;
	/* An old kernel without KSM says EINVAL; the guest runs anyway. */
	if (ksm)
		madvise(p, size, MADV_MERGEABLE);
	return 0;
}

void mem__exit(struct guest_mem *m)
{
	if (m->hva)
		munmap(m->hva, m->size);
	m->hva = NULL;
	m->size = 0;
}

/*
 * The only door from a guest-physical range to our memory: NULL unless
 * all of [gpa, gpa + len) is guest RAM.  Written so that no sum can wrap.
 */
void *mem__ptr(const struct guest_mem *m, u64 gpa, u64 len)
{
	if (gpa > m->size || len > m->size - gpa)
		return NULL;
	return m->hva + gpa;
}

/*
 * Put @len bytes of a file from @off at @gpa copy-on-write, as lguest did
 * with the initrd and vmlinux: every guest of the node reads the same
 * page-cache pages until it writes one.  @gpa and @off must be page
 * aligned and the range inside RAM.
 */
int mem__map_file(struct guest_mem *m, u64 gpa, int fd, u64 off, u64 len)
{
	u64 size = align_up(len, 4096);
	void *want = mem__ptr(m, gpa, size);
	void *p;

	if (!want || (gpa & 4095) || (off & 4095))
		return -EINVAL;
	p = mmap(want, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_FIXED, fd, off);
	if (p == MAP_FAILED)
		return -errno;
	return 0;
}
