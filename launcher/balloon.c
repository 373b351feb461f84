// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-balloon (device 5), for free page reporting.  Read after
 * virtio_mmio.c.
 *
 * Left alone, a guest's resident memory only grows: every page it ever
 * touched stays ours, even once it is free again inside the guest.  With
 * VIRTIO_BALLOON_F_REPORTING the guest's page allocator tells us about
 * large free blocks (2 MiB by default) on the reporting queue, and we
 * give them back to the host with MADV_DONTNEED; the guest finds them
 * again, zeroed, the next time it touches them.  Where guest RAM is a
 * copy-on-write file mapping (vmlinux, the initramfs) the guest finds the
 * file's bytes instead, which is as good for a page it declared free.
 *
 * We never ask the guest to inflate (num_pages stays 0), but a driver
 * may still hand over pages on the inflate queue, and those go the same
 * way; deflate needs nothing from us.
 */
#include <string.h>
#include <sys/mman.h>

#include <linux/virtio_balloon.h>

#include "virtio.h"

#define INFLATEQ	0
#define DEFLATEQ	1
#define REPORTQ		2

struct vballoon {
	struct virtio_dev dev;
	u8 config[16];			/* num_pages, actual, ... all 0 */
	struct vq_req req;
	u64 returned;			/* bytes given back to the host */
};

static struct vballoon vballoon;

/* Give back the whole pages inside [p, p + len). */
static u64 give_back(u8 *p, size_t len)
{
	u64 lo = align_up((unsigned long)p, 4096);
	u64 hi = ((unsigned long)p + len) & ~4095ULL;

	if (hi <= lo || madvise((void *)(unsigned long)lo, hi - lo,
				MADV_DONTNEED))
		return 0;
	return hi - lo;
}

/* Reported blocks arrive as device-writable buffers, one per block. */
static void report(struct vballoon *b, const struct vq_req *req)
{
	unsigned int i;

	for (i = 0; i < req->nr_in; i++)
		b->returned += give_back(req->in[i].iov_base,
					 req->in[i].iov_len);
}

/* Inflated pages arrive as 32-bit page frame numbers, 4 KiB pages. */
static void inflate(struct vballoon *b, const struct vq_req *req)
{
	size_t off;
	u32 pfn;
	void *p;

	for (off = 0; off + 4 <= req->out_len; off += 4) {
		iov__copy_from(req->out, req->nr_out, off, &pfn, 4);
		p = mem__ptr(&b->dev.g->mem, (u64)pfn << 12, 4096);
		if (p)
			b->returned += give_back(p, 4096);
	}
}

/* Deflated pages need nothing from us: the guest just uses them. */
static int balloon_chain(struct virtio_dev *d, unsigned int q,
			 struct vq_req *req)
{
	if (q == REPORTQ)
		report(d->priv, req);
	else if (q == INFLATEQ)
		inflate(d->priv, req);
	return 0;
}

/* For --stats: how much memory the guest gave back. */
u64 virtio_balloon__returned(void)
{
	return vballoon.returned;
}

static void balloon_notify(struct virtio_dev *d, unsigned int q)
{
	struct vballoon *b = d->priv;

	virtio__serve(d, q, &b->req, balloon_chain);
}

static const struct virtio_dev_ops balloon_ops = {
	.name = "balloon",
	.device_id = 5,
	.features = BIT_ULL(VIRTIO_BALLOON_F_REPORTING),
	.nr_queues = 3,
	.notify = balloon_notify,
};

static int virtio_balloon__init(struct guest *g)
{
	if (!g->cfg->balloon)
		return 0;
	memset(&vballoon, 0, sizeof(vballoon));
	return virtio_mmio__init(g, &vballoon.dev, &balloon_ops,
				 vballoon.config, sizeof(vballoon.config),
				 &vballoon);
}

dev_init(virtio_balloon__init, DEV_ORDER_BALLOON);
