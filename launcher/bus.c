// SPDX-License-Identifier: GPL-2.0
/*
 * Buses: which device answers at which address.  Read after guest.c.
 * A guest has one MMIO bus (virtio-mmio slots) and one port-I/O bus
 * (serial, power); the engine hands every exit to guest__mmio() or
 * guest__pio(), which land here.  A handful of devices, so a short
 * array searched in order is all the structure needed.
 */
#include <errno.h>

#include "guest.h"

int bus__register(struct bus *b, struct bus_dev *d)
{
	unsigned int i;

	if (b->nr == BUS_MAX_DEVS)
		return -ENOSPC;
	for (i = 0; i < b->nr; i++) {
		struct bus_dev *o = b->dev[i];

		if (d->base < o->base + o->len && o->base < d->base + d->len)
			return -EBUSY;
	}
	b->dev[b->nr++] = d;
	return 0;
}

/* True if a device took the access; the caller handles the unclaimed. */
bool bus__access(struct bus *b, u64 addr, u8 *data, u32 len, bool write)
{
	unsigned int i;

	for (i = 0; i < b->nr; i++) {
		struct bus_dev *d = b->dev[i];

		if (addr >= d->base && addr - d->base < d->len &&
		    len <= d->len - (addr - d->base)) {
			d->access(d, addr - d->base, data, len, write);
			return true;
		}
	}
	return false;
}

static struct dev_init *dev_inits;

/* Called from constructors, before main(): keep the list sorted. */
void dev_init__register(struct dev_init *d)
{
	struct dev_init **p = &dev_inits;

	while (*p && (*p)->order <= d->order)
		p = &(*p)->next;
	d->next = *p;
	*p = d;
}

int dev_init__all(struct guest *g)
{
	struct dev_init *d;
	int ret;

	for (d = dev_inits; d; d = d->next) {
		ret = d->init(g);
		if (ret)
			return ret;
	}
	return 0;
}
