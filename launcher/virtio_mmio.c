// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-mmio transport, version 2 (virtio 1.x "modern" only).  Read
 * after guest.c and before virtqueue.c and the devices.
 *
 * Each device owns a 4 KiB slot from 0xd0000000 and one ISA IRQ; the
 * guest learns both from the DSDT (acpi.c) or from virtio_mmio.device=
 * on its command line.  Register reads and writes arrive as MMIO exits on
 * the vCPU thread, except QueueNotify: for that the engine is given one
 * eventfd per queue (ioeventfd; one per device on megavirt, which cannot
 * match the value written), so a notification costs the guest no trip
 * to us and wakes the main loop, which runs the device.  Interrupts go
 * back the same way, through an eventfd the engine turns into an edge on
 * the device's IRQ (irqfd; on megavirt, vector 0x30 + IRQ).  The device
 * lock serialises the two threads.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "virtio.h"

#define VIRTIO_MAGIC		0x74726976	/* "virt" */
#define VIRTIO_VENDOR		0x4d564c41	/* "MVLA" */

/* The ISA IRQs nobody else uses on our machine: 3 and 4 are serial. */
static const u8 virtio_irqs[GUEST_MAX_VDEVS] = {
	5, 6, 7, 9, 10, 11, 12, 14, 15
};

static u64 offered(struct virtio_dev *d)
{
	return d->ops->features | BIT_ULL(VIRTIO_F_VERSION_1) |
	       BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) |
	       BIT_ULL(VIRTIO_RING_F_EVENT_IDX);
}

static bool negotiated(struct virtio_dev *d, unsigned int bit)
{
	return d->drv_features & BIT_ULL(bit);
}

static void raise_irq(struct virtio_dev *d, u32 why)
{
	u64 one = 1;

	d->isr |= why;
	if (write(d->irq_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		mv_err("virtio-%s: cannot signal its interrupt: %s",
		       d->ops->name, strerror(errno));
}

/* After pushing to queue @q: interrupt the guest if it wants one. */
void virtio__signal(struct virtio_dev *d, unsigned int q)
{
	if (vq__need_interrupt(&d->vq[q]))
		raise_irq(d, VIRTIO_MMIO_INT_VRING);
}

/*
 * The usual notify: serve queue @q until the driver has nothing more.
 * Each chain goes through @handle, which returns the bytes it wrote into
 * the chain (or -1 to stop: it failed the device), and back to the
 * driver.  Then ask for the next notification and look once more (a
 * chain added meanwhile would wait for a kick that never comes), and
 * interrupt the guest if it wants one.
 */
void virtio__serve(struct virtio_dev *d, unsigned int q, struct vq_req *req,
		   vq_handler handle)
{
	struct virtqueue *vq = &d->vq[q];
	int written;

	do {
		while (vq__pop(vq, req) > 0) {
			written = handle(d, q, req);
			if (written < 0)
				return;
			vq__push(vq, req->head, written);
		}
	} while (vq__enable_notify(vq));
	virtio__live(d, q);
	virtio__signal(d, q);
}

/*
 * The guest broke the rules on this device.  Say so once, ask the driver
 * for a reset (NEEDS_RESET and a configuration interrupt) and stop using
 * the device until it does.  The guest goes on running.
 */
void virtio__fail(struct virtio_dev *d, const char *what)
{
	if (d->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	mv_err("guest %u: virtio-%s: %s; device stopped until reset",
	       d->g->index, d->ops->name, what);
	d->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	d->config_gen++;
	raise_irq(d, VIRTIO_MMIO_INT_CONFIG);
}

/* May queue @q be used?  Also turns a broken ring into a failed device. */
bool virtio__live(struct virtio_dev *d, unsigned int q)
{
	struct virtqueue *vq = &d->vq[q];

	if (vq->broken)
		virtio__fail(d, vq->why);
	return (d->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(d->status & VIRTIO_CONFIG_S_NEEDS_RESET) &&
	       vq->ready && !vq->broken;
}

static void reset(struct virtio_dev *d)
{
	unsigned int q;

	if (d->ops->reset)
		d->ops->reset(d);
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vq__reset(&d->vq[q]);
	d->status = 0;
	d->drv_features = 0;
	d->dev_features_sel = 0;
	d->drv_features_sel = 0;
	d->queue_sel = 0;
	d->isr = 0;
}

static struct virtqueue *cur_vq(struct virtio_dev *d)
{
	if (d->queue_sel >= d->ops->nr_queues)
		return NULL;
	return &d->vq[d->queue_sel];
}

static void set_status(struct virtio_dev *d, u32 v)
{
	u32 was = d->status;

	if (v == 0) {
		reset(d);
		return;
	}
	/* FEATURES_OK sticks only for a subset of ours that includes 1.x. */
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(was & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((d->drv_features & ~offered(d)) ||
	     !negotiated(d, VIRTIO_F_VERSION_1)))
		v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	d->status = v | (was & VIRTIO_CONFIG_S_NEEDS_RESET);
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(was & VIRTIO_CONFIG_S_DRIVER_OK) && d->ops->ready)
		d->ops->ready(d);
}

static void queue_ready(struct virtio_dev *d, struct virtqueue *vq, u32 v)
{
	if (!v) {
		vq->ready = false;
		return;
	}
	if (vq->ready)
		return;
	if (vq__start(vq, &d->g->mem,
		      negotiated(d, VIRTIO_RING_F_EVENT_IDX),
		      negotiated(d, VIRTIO_RING_F_INDIRECT_DESC)))
		virtio__fail(d, vq->why);
}

static void set_addr(struct virtqueue *vq, u64 *field, u32 v, bool high)
{
	if (vq->ready)
		return;			/* the spec forbids it; ignore */
	if (high)
		*field = (*field & 0xffffffffULL) | (u64)v << 32;
	else
		*field = (*field & ~0xffffffffULL) | v;
}

static u32 reg_read(struct virtio_dev *d, u64 off)
{
	struct virtqueue *vq = cur_vq(d);
	u64 f = offered(d);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return d->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return d->dev_features_sel == 0 ? (u32)f :
		       d->dev_features_sel == 1 ? (u32)(f >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? VQ_MAX_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return d->isr;
	case VIRTIO_MMIO_STATUS:
		return d->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return 0xffffffff;		/* no shared memory regions */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return d->config_gen;
	default:
		return 0;
	}
}

static void reg_write(struct virtio_dev *d, u64 off, u32 v)
{
	struct virtqueue *vq = cur_vq(d);

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->dev_features_sel = v;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->drv_features_sel = v;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (d->status & VIRTIO_CONFIG_S_FEATURES_OK)
			return;
		if (d->drv_features_sel == 0)
			d->drv_features = (d->drv_features >> 32 << 32) | v;
		else if (d->drv_features_sel == 1)
			d->drv_features = (u32)d->drv_features | (u64)v << 32;
		return;
	case VIRTIO_MMIO_QUEUE_SEL:
		d->queue_sel = v;
		return;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		d->isr &= ~v;
		return;
	case VIRTIO_MMIO_STATUS:
		set_status(d, v);
		return;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Only when no ioeventfd took it, e.g. an odd value. */
		if (v < d->ops->nr_queues && virtio__live(d, v))
			d->ops->notify(d, v);
		return;
	}
	if (!vq)
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		if (!vq->ready)
			vq->size = v > 0xffff ? 0 : v;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		queue_ready(d, vq, v);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_addr(vq, &vq->desc_gpa, v, off & 4);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_addr(vq, &vq->avail_gpa, v, off & 4);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_addr(vq, &vq->used_gpa, v, off & 4);
		break;
	}
}

/*
 * Registers take aligned 32-bit accesses only (virtio 1.2, 4.2.2.2);
 * anything else reads as zero and writes nowhere.  The configuration
 * space takes any size inside it.
 */
static void mmio_access(struct bus_dev *bus, u64 off, u8 *data, u32 len,
			bool write)
{
	struct virtio_dev *d = bus->priv;
	u32 v;

	pthread_mutex_lock(&d->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		off -= VIRTIO_MMIO_CONFIG;
		if (off < d->config_len && len <= d->config_len - off) {
			if (!write)
				memcpy(data, d->config + off, len);
		} else if (!write) {
			memset(data, 0, len);
		}
	} else if (len != 4 || (off & 3)) {
		if (!write)
			memset(data, 0, len);
	} else if (write) {
		memcpy(&v, data, 4);
		reg_write(d, off, v);
	} else {
		v = reg_read(d, off);
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&d->lock);
}

/*
 * The guest wrote QueueNotify: the engine signalled this eventfd.  With
 * an engine that cannot match the value written (kick_any_value), the
 * one eventfd stands for every queue of the device, and each live queue
 * is looked at: a notify with nothing new on a queue is harmless.
 */
static void kick(void *arg, u32 events)
{
	struct virtio_kick *k = arg;
	struct virtio_dev *d = k->d;
	bool all = d->g->engine->kick_any_value;
	unsigned int q;
	u64 count;

	(void)events;
	if (read(k->h.fd, &count, sizeof(count)) < 0)
		return;
	pthread_mutex_lock(&d->lock);
	for (q = all ? 0 : k->q; q < (all ? d->ops->nr_queues : k->q + 1); q++)
		if (virtio__live(d, q))
			d->ops->notify(d, q);
	pthread_mutex_unlock(&d->lock);
}

int virtio_mmio__init(struct guest *g, struct virtio_dev *d,
		      const struct virtio_dev_ops *ops, void *config,
		      u32 config_len, void *priv)
{
	unsigned int slot = g->nr_vdevs, q;
	int ret;

	if (slot == GUEST_MAX_VDEVS) {
		mv_err("too many virtio devices (at most %u)", GUEST_MAX_VDEVS);
		return -1;
	}
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->ops = ops;
	d->g = g;
	d->config = config;
	d->config_len = config_len;
	d->priv = priv;
	d->base = VIRTIO_MMIO_BASE + slot * VIRTIO_MMIO_STRIDE;
	d->irq = virtio_irqs[slot];
	d->bus.base = d->base;
	d->bus.len = VIRTIO_MMIO_SIZE;
	d->bus.access = mmio_access;
	d->bus.priv = d;
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++)
		d->kick_fd[q] = -1;

	d->irq_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->irq_fd < 0 || g->engine->irqfd(g, d->irq, d->irq_fd))
		goto fail;
	for (q = 0; q < (g->engine->kick_any_value ? 1 : ops->nr_queues); q++) {
		d->kick_fd[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (d->kick_fd[q] < 0 ||
		    g->engine->ioeventfd(g, d->base + VIRTIO_MMIO_QUEUE_NOTIFY,
					 4, q, d->kick_fd[q]))
			goto fail;
		d->kick[q].h.fd = d->kick_fd[q];
		d->kick[q].h.cb = kick;
		d->kick[q].h.arg = &d->kick[q];
		d->kick[q].d = d;
		d->kick[q].q = q;
		if (ioloop__add(&g->loop, &d->kick[q].h, EPOLLIN))
			goto fail;
	}
	ret = bus__register(&g->mmio, &d->bus);
	if (ret)
		goto fail;
	g->vdev[g->nr_vdevs++] = d;
	if (g->cfg->announce & ANNOUNCE_CMDLINE)
		guest__cmdline_add(g, "virtio_mmio.device=4K@%#llx:%u",
				   (unsigned long long)d->base, d->irq);
	return 0;
fail:
	mv_err("virtio-%s: cannot set up its eventfds: %s", ops->name,
	       strerror(errno));
	virtio_mmio__exit(d);
	return -1;
}

void virtio_mmio__exit(struct virtio_dev *d)
{
	unsigned int q;

	for (q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		if (d->kick_fd[q] >= 0)
			close(d->kick_fd[q]);
		d->kick_fd[q] = -1;
	}
	if (d->irq_fd >= 0)
		close(d->irq_fd);
	d->irq_fd = -1;
}
