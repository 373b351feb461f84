// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-rng (device 4): entropy for the guest from the host's
 * getrandom().  Read after virtio_mmio.c.  A guest of a fleet boots
 * with nothing unpredictable of its own, and a kernel that waits for
 * entropy can stall its boot for seconds; this feeds it from the start.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "virtio.h"

#define RNG_CHUNK	4096		/* bytes per request, at most */

struct vrng {
	struct virtio_dev dev;
	struct vq_req req;
};

static struct vrng vrng;

/* A chain of writable buffers: fill it with what getrandom() gives. */
static int fill(struct virtio_dev *d, unsigned int q, struct vq_req *req)
{
	u8 buf[RNG_CHUNK];
	size_t want = req->in_len < RNG_CHUNK ? req->in_len : RNG_CHUNK;
	ssize_t n;

	(void)d;
	(void)q;
	do {
		n = getrandom(buf, want, GRND_NONBLOCK);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	return iov__copy_to(req->in, req->nr_in, 0, buf, n);
}

static void rng_notify(struct virtio_dev *d, unsigned int q)
{
	struct vrng *r = d->priv;

	virtio__serve(d, q, &r->req, fill);
}

static const struct virtio_dev_ops rng_ops = {
	.name = "rng",
	.device_id = 4,
	.nr_queues = 1,
	.notify = rng_notify,
};

static int virtio_rng__init(struct guest *g)
{
	if (!g->cfg->rng)
		return 0;
	memset(&vrng, 0, sizeof(vrng));
	return virtio_mmio__init(g, &vrng.dev, &rng_ops, NULL, 0, &vrng);
}

dev_init(virtio_rng__init, DEV_ORDER_RNG);
