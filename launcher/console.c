// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console (device 3): hvc0 in the guest.  Read after
 * virtio_mmio.c.  Always present, always the first virtio slot, so
 * hvc0 is the same device in every guest.
 *
 * Queue 1 (transmit) carries the guest's output to output.c.  Queue 0
 * (receive) carries terminal input, when the console is hvc0: input
 * waits in a small buffer until the driver posts receive buffers.  No
 * multiport, no size: the features a serial line needs and nothing more.
 */
#include <string.h>

#include "virtio.h"

#define RXQ		0
#define TXQ		1
#define PENDING_MAX	4096

struct vconsole {
	struct virtio_dev dev;
	u8 config[12];			/* cols, rows, ports, emerg_wr: unused */
	u8 pending[PENDING_MAX];
	size_t pending_len;
	struct vq_req req;
};

static struct vconsole vconsole;

/* One chain of the guest's output, to output.c. */
static int transmit(struct virtio_dev *d, unsigned int q, struct vq_req *req)
{
	unsigned int i;

	(void)q;
	for (i = 0; i < req->nr_out; i++)
		output__write(&d->g->out, req->out[i].iov_base,
			      req->out[i].iov_len);
	return 0;
}

/* Move buffered input into whatever receive buffers the driver posted. */
static void receive(struct vconsole *c)
{
	struct virtio_dev *d = &c->dev;
	struct vq_req *req = &c->req;
	size_t n;

	while (c->pending_len && virtio__live(d, RXQ) &&
	       vq__pop(&d->vq[RXQ], req) > 0) {
		n = iov__copy_to(req->in, req->nr_in, 0, c->pending,
				 c->pending_len);
		memmove(c->pending, c->pending + n, c->pending_len - n);
		c->pending_len -= n;
		vq__push(&d->vq[RXQ], req->head, n);
		virtio__signal(d, RXQ);
	}
	virtio__live(d, RXQ);
}

static void console_notify(struct virtio_dev *d, unsigned int q)
{
	struct vconsole *c = d->priv;

	if (q == TXQ)
		virtio__serve(d, q, &c->req, transmit);
	else
		receive(c);
}

static void console_reset(struct virtio_dev *d)
{
	struct vconsole *c = d->priv;

	c->pending_len = 0;
}

static const struct virtio_dev_ops console_ops = {
	.name = "console",
	.device_id = 3,
	.nr_queues = 2,
	.notify = console_notify,
	.reset = console_reset,
};

/* Terminal input, from the main loop, when the console is hvc0. */
void virtio_console__input(struct guest *g, const u8 *buf, size_t len)
{
	struct vconsole *c = g->console;
	size_t room;

	if (!c)
		return;
	pthread_mutex_lock(&c->dev.lock);
	room = PENDING_MAX - c->pending_len;
	if (len > room)
		len = room;		/* typing faster than the guest reads */
	memcpy(c->pending + c->pending_len, buf, len);
	c->pending_len += len;
	receive(c);
	pthread_mutex_unlock(&c->dev.lock);
}

static int virtio_console__init(struct guest *g)
{
	struct vconsole *c = &vconsole;

	memset(c, 0, sizeof(*c));
	g->console = c;
	return virtio_mmio__init(g, &c->dev, &console_ops, c->config,
				 sizeof(c->config), c);
}

dev_init(virtio_console__init, DEV_ORDER_CONSOLE);
