// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk (device 2), read-only: one image shared by every guest of
 * the node (--disk).  Read after virtio_mmio.c.
 *
 * Every guest process opens the image O_RDONLY and reads it with
 * preadv() straight into the guest's buffers, so the node holds the
 * image once, in its page cache, however many guests mount it.  The
 * device says VIRTIO_BLK_F_RO; a write that comes anyway fails with
 * IOERR and the image is never opened for writing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/virtio_blk.h>

#include "virtio.h"

#define SECTOR		512ULL

struct vblk {
	struct virtio_dev dev;
	int fd;
	u64 sectors;
	u8 config[24];		/* capacity, size_max, seg_max, ... */
	char id[VIRTIO_BLK_ID_BYTES];
	struct vq_req req;
	struct iovec data[VQ_MAX_SEGS];
};

struct blk_hdr {
	u32 type;
	u32 ioprio;
	u64 sector;
};

static struct vblk vblk;

/* A read: the in-buffers but the last byte (the status) get the data. */
static u8 blk_read(struct vblk *b, const struct blk_hdr *h, u32 *written)
{
	struct vq_req *req = &b->req;
	size_t len = req->in_len - 1, left = len;
	unsigned int i, n = 0;
	ssize_t got;

	if (len % SECTOR || h->sector > b->sectors ||
	    len / SECTOR > b->sectors - h->sector)
		return VIRTIO_BLK_S_IOERR;
	for (i = 0; i < req->nr_in && left; i++) {
		b->data[n] = req->in[i];
		if (b->data[n].iov_len > left)
			b->data[n].iov_len = left;
		left -= b->data[n++].iov_len;
	}
	do {
		got = preadv(b->fd, b->data, n, h->sector * SECTOR);
	} while (got < 0 && errno == EINTR);
	if (got != (ssize_t)len)
		return VIRTIO_BLK_S_IOERR;
	*written = len;
	return VIRTIO_BLK_S_OK;
}

static u8 blk_request(struct vblk *b, u32 *written)
{
	struct vq_req *req = &b->req;
	struct blk_hdr h;

	*written = 0;
	if (iov__copy_from(req->out, req->nr_out, 0, &h, sizeof(h)) <
	    sizeof(h))
		return VIRTIO_BLK_S_IOERR;
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
		return blk_read(b, &h, written);
	case VIRTIO_BLK_T_GET_ID:
		*written = iov__copy_to(req->in, req->nr_in, 0, b->id,
					req->in_len - 1 < sizeof(b->id) ?
					req->in_len - 1 : sizeof(b->id));
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_FLUSH:
		return VIRTIO_BLK_S_OK;	/* nothing is ever written */
	case VIRTIO_BLK_T_OUT:
		return VIRTIO_BLK_S_IOERR;
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* One request: its status byte goes in the last writable byte. */
static int blk_chain(struct virtio_dev *d, unsigned int q, struct vq_req *req)
{
	u32 written;
	u8 status;

	(void)q;
	if (req->in_len == 0) {
		virtio__fail(d, "request without a status byte");
		return -1;
	}
	status = blk_request(d->priv, &written);
	iov__copy_to(req->in, req->nr_in, req->in_len - 1, &status, 1);
	return written + 1;
}

static void blk_notify(struct virtio_dev *d, unsigned int q)
{
	struct vblk *b = d->priv;

	virtio__serve(d, q, &b->req, blk_chain);
}

static const struct virtio_dev_ops blk_ops = {
	.name = "blk",
	.device_id = 2,
	.features = BIT_ULL(VIRTIO_BLK_F_RO) | BIT_ULL(VIRTIO_BLK_F_SEG_MAX),
	.nr_queues = 1,
	.notify = blk_notify,
};

static int virtio_blk__init(struct guest *g)
{
	struct vblk *b = &vblk;
	const char *base;
	struct stat st;
	u32 seg_max = VQ_MAX_SEGS - 2;

	if (!g->cfg->disk)
		return 0;
	memset(b, 0, sizeof(*b));
	b->fd = open(g->cfg->disk, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0 || fstat(b->fd, &st)) {
		mv_err("%s: %s", g->cfg->disk, strerror(errno));
		return -1;
	}
	b->sectors = st.st_size / SECTOR;
	memcpy(b->config, &b->sectors, 8);
	memcpy(b->config + 12, &seg_max, 4);
	base = strrchr(g->cfg->disk, '/');
	snprintf(b->id, sizeof(b->id), "%s", base ? base + 1 : g->cfg->disk);
	return virtio_mmio__init(g, &b->dev, &blk_ops, b->config,
				 sizeof(b->config), b);
}

dev_init(virtio_blk__init, DEV_ORDER_BLK);
