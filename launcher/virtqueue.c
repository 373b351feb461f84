// SPDX-License-Identifier: GPL-2.0
/*
 * The split virtqueue, device side.  Read after virtio_mmio.c, which calls
 * vq__start() when the driver sets QueueReady.
 *
 * The guest owns the ring memory and may change it while we read it, from
 * another vCPU or simply out of malice.  So nothing is read twice: each
 * index and each descriptor is loaded once into a local copy, checked, and
 * only the copy is used.  A ring that breaks a rule (an index past the
 * ring, a buffer outside guest RAM, a loop, a nested indirect table, a
 * readable buffer after a writable one) is marked broken: the device tells
 * the driver it needs a reset and never touches that ring again.  The
 * guest can hurt itself this way, never the launcher.
 */
#include <stdio.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include "virtio.h"

/*
 * The fields the other side writes are read with one relaxed atomic load
 * each, so the compiler neither tears nor repeats them; ordering between
 * the index and the entries it publishes comes from explicit fences.
 */
static u16 load16(const void *p)
{
	return __atomic_load_n((const u16 *)p, __ATOMIC_RELAXED);
}

static void store16(void *p, u16 v)
{
	__atomic_store_n((u16 *)p, v, __ATOMIC_RELAXED);
}

static void __printf(2, 3) vq_break(struct virtqueue *vq, const char *fmt, ...)
{
	va_list ap;

	if (vq->broken)
		return;
	vq->broken = true;
	va_start(ap, fmt);
	vsnprintf(vq->why, sizeof(vq->why), fmt, ap);
	va_end(ap);
}

/* Sizes of the three areas, for a ring of @n entries with event index. */
static u64 desc_bytes(u16 n)
{
	return 16ULL * n;
}

static u64 avail_bytes(u16 n)
{
	return 4 + 2ULL * n + 2;
}

static u64 used_bytes(u16 n)
{
	return 4 + 8ULL * n + 2;
}

/*
 * The driver said the queue is ready: check its size and the three areas
 * once, so every later access can index them without another check.
 */
int vq__start(struct virtqueue *vq, const struct guest_mem *mem,
	      bool event_idx, bool indirect)
{
	u16 n = vq->size;

	vq->mem = mem;
	vq->event_idx = event_idx;
	vq->indirect = indirect;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_valid = false;
	vq->broken = false;
	vq->why[0] = '\0';

	if (n == 0 || n > VQ_MAX_SIZE || (n & (n - 1))) {
		vq_break(vq, "queue size %u is not a power of two up to %u",
			 n, VQ_MAX_SIZE);
		return -1;
	}
	if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3)) {
		vq_break(vq, "misaligned ring");
		return -1;
	}
	vq->desc = mem__ptr(mem, vq->desc_gpa, desc_bytes(n));
	vq->avail = mem__ptr(mem, vq->avail_gpa, avail_bytes(n));
	vq->used = mem__ptr(mem, vq->used_gpa, used_bytes(n));
	if (!vq->desc || !vq->avail || !vq->used) {
		vq_break(vq, "ring outside guest memory");
		return -1;
	}
	store16(&vq->used->flags, 0);
	store16(&vq->used->idx, 0);
	vq->ready = true;
	return 0;
}

void vq__reset(struct virtqueue *vq)
{
	memset(vq, 0, sizeof(*vq));
}

/* Copy descriptor @i of a table of @n entries; false if @i is not in it. */
static bool read_desc(const struct vring_desc *table, u16 n, u32 i,
		      struct vring_desc *d)
{
	if (i >= n)
		return false;
	memcpy(d, &table[i], sizeof(*d));
	return true;
}

static int add_seg(struct virtqueue *vq, struct vq_req *req,
		   const struct vring_desc *d)
{
	void *p = mem__ptr(vq->mem, d->addr, d->len);
	struct iovec *iov;

	if (!p) {
		vq_break(vq, "buffer %#llx+%u outside guest memory",
			 (unsigned long long)d->addr, d->len);
		return -1;
	}
	if (req->nr_out + req->nr_in >= VQ_MAX_SEGS) {
		vq_break(vq, "chain longer than %u buffers", VQ_MAX_SEGS);
		return -1;
	}
	if (d->flags & VRING_DESC_F_WRITE) {
		iov = &req->in[req->nr_in++];
		req->in_len += d->len;
	} else {
		if (req->nr_in) {
			vq_break(vq, "readable buffer after a writable one");
			return -1;
		}
		iov = &req->out[req->nr_out++];
		req->out_len += d->len;
	}
	iov->iov_base = p;
	iov->iov_len = d->len;
	return 0;
}

/*
 * Switch the walk to an indirect table.  The spec forbids NEXT together
 * with INDIRECT and an indirect descriptor inside an indirect table; we
 * hold the driver to both, which also bounds the walk.  It asks no
 * alignment of the table (only of the ring's own), and a guest kernel
 * with SLOB kmallocs it 8-byte aligned: read_desc() copies, so any
 * address will do.
 */
static const struct vring_desc *enter_indirect(struct virtqueue *vq,
					       const struct vring_desc *d,
					       bool nested, u16 *n)
{
	const struct vring_desc *table;

	if (!vq->indirect) {
		vq_break(vq, "indirect descriptor not negotiated");
		return NULL;
	}
	if (nested || (d->flags & VRING_DESC_F_NEXT)) {
		vq_break(vq, "indirect descriptor %s",
			 nested ? "inside an indirect table" : "with NEXT");
		return NULL;
	}
	if (d->len == 0 || d->len % sizeof(*d) ||
	    d->len / sizeof(*d) > VQ_MAX_SEGS) {
		vq_break(vq, "indirect table of %u bytes", d->len);
		return NULL;
	}
	table = mem__ptr(vq->mem, d->addr, d->len);
	if (!table) {
		vq_break(vq, "indirect table outside guest memory");
		return NULL;
	}
	*n = d->len / sizeof(*d);
	return table;
}

/* Follow the chain from @head into @req; every step is bounded by @n. */
static int walk_chain(struct virtqueue *vq, u16 head, struct vq_req *req)
{
	const struct vring_desc *table = vq->desc;
	u16 n = vq->size;
	bool nested = false;
	unsigned int steps = 0;
	struct vring_desc d;
	u32 i = head;

	for (;;) {
		if (!read_desc(table, n, i, &d)) {
			vq_break(vq, "descriptor index %u past %u", i, n);
			return -1;
		}
		if (d.flags & VRING_DESC_F_INDIRECT) {
			table = enter_indirect(vq, &d, nested, &n);
			if (!table)
				return -1;
			nested = true;
			steps = 0;
			i = 0;
			continue;
		}
		if (++steps > n) {
			vq_break(vq, "descriptor chain loops");
			return -1;
		}
		if (add_seg(vq, req, &d))
			return -1;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

/*
 * Take the next available chain.  Returns 1 with @req filled, 0 when the
 * ring is empty, -1 when the ring is broken (then it stays broken).
 */
int vq__pop(struct virtqueue *vq, struct vq_req *req)
{
	u16 avail_idx, head, pending;

	if (!vq->ready || vq->broken)
		return vq->broken ? -1 : 0;

	avail_idx = load16(&vq->avail->idx);
	if (avail_idx == vq->last_avail)
		return 0;
	pending = avail_idx - vq->last_avail;
	if (pending > vq->size) {
		vq_break(vq, "driver made %u buffers available in a ring of %u",
			 pending, vq->size);
		return -1;
	}
	/* The entry must not be read before the index that published it. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);

	head = load16(&vq->avail->ring[vq->last_avail % vq->size]);
	req->head = head;
	req->nr_out = 0;
	req->nr_in = 0;
	req->out_len = 0;
	req->in_len = 0;
	if (walk_chain(vq, head, req))
		return -1;
	vq->last_avail++;
	return 1;
}

/* Hand chain @head back with @written bytes in its writable part. */
void vq__push(struct virtqueue *vq, u16 head, u32 written)
{
	struct vring_used_elem *e;

	if (!vq->ready || vq->broken)
		return;
	e = &vq->used->ring[vq->used_idx % vq->size];
	e->id = head;
	e->len = written;
	/* The entry must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->used_idx++;
	store16(&vq->used->idx, vq->used_idx);
}

/*
 * Ask the driver to notify us about buffers past the ones we have taken,
 * then look again: a buffer added between our last look and the request
 * would otherwise wait for a kick that never comes.  True if there is
 * more to do.
 */
bool vq__enable_notify(struct virtqueue *vq)
{
	if (!vq->ready || vq->broken)
		return false;
	if (vq->event_idx)
		store16(&vq->used->ring[vq->size], vq->last_avail);
	else
		store16(&vq->used->flags, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load16(&vq->avail->idx) != vq->last_avail;
}

/*
 * After pushing, does the driver want an interrupt?  With the event index
 * it told us the used index it waits for (used_event); interrupt when our
 * pushes since the last interrupt crossed it.  Without, it can only say
 * "never" through a flag.
 */
bool vq__need_interrupt(struct virtqueue *vq)
{
	u16 event, old, new;

	if (!vq->ready)
		return false;
	if (vq->broken)
		return true;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(load16(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);

	new = vq->used_idx;
	old = vq->signalled;
	event = load16(&vq->avail->ring[vq->size]);
	if (vq->signalled_valid && new == old)
		return false;
	vq->signalled = new;
	if (!vq->signalled_valid) {
		vq->signalled_valid = true;
		return true;
	}
	/* Is event in [old, new)?  Computed modulo 2^16. */
	return (u16)(new - event - 1) < (u16)(new - old);
}

/*
 * Copy @len bytes between @buf and an iovec, from byte offset @off of
 * the iovec: into it (@to) or out of it.  Returns the bytes copied, fewer
 * when the iovec ends first.
 */
static size_t iov_copy(const struct iovec *iov, unsigned int n, size_t off,
		       u8 *buf, size_t len, bool to)
{
	size_t done = 0, chunk;
	unsigned int i;
	u8 *p;

	for (i = 0; i < n && done < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		chunk = iov[i].iov_len - off;
		if (chunk > len - done)
			chunk = len - done;
		p = (u8 *)iov[i].iov_base + off;
		if (to)
			memcpy(p, buf + done, chunk);
		else
			memcpy(buf + done, p, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

/* Gather @len bytes at byte offset @off of an iovec into @buf. */
size_t iov__copy_from(const struct iovec *iov, unsigned int n, size_t off,
		      void *buf, size_t len)
{
	return iov_copy(iov, n, off, buf, len, false);
}

/* Scatter @len bytes of @buf into an iovec from byte offset @off. */
size_t iov__copy_to(const struct iovec *iov, unsigned int n, size_t off,
		    const void *buf, size_t len)
{
	return iov_copy(iov, n, off, (u8 *)buf, len, true);
}
