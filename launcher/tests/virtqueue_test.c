// SPDX-License-Identifier: GPL-2.0
/*
 * virtqueue.c against a driver that lies.  The "guest memory" is a plain
 * buffer; each test writes a ring into it the way a driver would, good or
 * bad, and checks what vq__pop() makes of it.  The last test throws
 * random rings at it and checks that no buffer it hands out ever lies
 * outside guest memory.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include "kselftest_harness.h"
#include "../virtio.h"

#define MEM_SIZE	MIB
#define DESC		0x1000
#define AVAIL		0x2000
#define USED		0x3000
#define TABLE		0x4000
#define DATA		0x10000

FIXTURE(vq) {
	struct guest_mem mem;
	struct virtqueue vq;
	struct vq_req req;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
};

FIXTURE_SETUP(vq)
{
	self->mem.size = MEM_SIZE;
	self->mem.hva = aligned_alloc(4096, MEM_SIZE);
	ASSERT_NE(NULL, self->mem.hva);
	memset(self->mem.hva, 0, MEM_SIZE);
	self->desc = (void *)(self->mem.hva + DESC);
	self->avail = (void *)(self->mem.hva + AVAIL);
	self->used = (void *)(self->mem.hva + USED);
	vq__reset(&self->vq);
	self->vq.size = 8;
	self->vq.desc_gpa = DESC;
	self->vq.avail_gpa = AVAIL;
	self->vq.used_gpa = USED;
	ASSERT_EQ(0, vq__start(&self->vq, &self->mem, true, true));
}

FIXTURE_TEARDOWN(vq)
{
	free(self->mem.hva);
}

static void set_desc(struct vring_desc *d, u64 addr, u32 len, u16 flags,
		     u16 next)
{
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* Make chain @head available, as the driver's next entry. */
static void publish(struct vring_avail *avail, u16 size, u16 head)
{
	avail->ring[avail->idx % size] = head;
	avail->idx++;
}

TEST_F(vq, empty_ring_pops_nothing)
{
	ASSERT_EQ(0, vq__pop(&self->vq, &self->req));
	ASSERT_FALSE(self->vq.broken);
}

TEST_F(vq, chain_of_readable_then_writable)
{
	set_desc(&self->desc[0], DATA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(&self->desc[1], DATA + 16, 512,
		 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(&self->desc[2], DATA + 528, 1, VRING_DESC_F_WRITE, 0);
	publish(self->avail, 8, 0);

	ASSERT_EQ(1, vq__pop(&self->vq, &self->req));
	EXPECT_EQ(0, self->req.head);
	EXPECT_EQ(1, self->req.nr_out);
	EXPECT_EQ(2, self->req.nr_in);
	EXPECT_EQ(16, self->req.out_len);
	EXPECT_EQ(513, self->req.in_len);
	EXPECT_EQ(self->mem.hva + DATA, self->req.out[0].iov_base);
	EXPECT_EQ(self->mem.hva + DATA + 528, self->req.in[1].iov_base);
	ASSERT_EQ(0, vq__pop(&self->vq, &self->req));
}

TEST_F(vq, buffer_past_the_end_of_memory)
{
	set_desc(&self->desc[0], MEM_SIZE - 8, 16, 0, 0);
	publish(self->avail, 8, 0);
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
	ASSERT_TRUE(self->vq.broken);
	/* Broken stays broken, even once the guest fixes the descriptor. */
	set_desc(&self->desc[0], DATA, 16, 0, 0);
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
}

TEST_F(vq, buffer_whose_end_wraps_around)
{
	set_desc(&self->desc[0], ~0ULL - 4, 16, 0, 0);
	publish(self->avail, 8, 0);
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
	ASSERT_TRUE(self->vq.broken);
}

TEST_F(vq, huge_length)
{
	set_desc(&self->desc[0], DATA, 0xffffffff, 0, 0);
	publish(self->avail, 8, 0);
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
}

TEST_F(vq, head_index_past_ring)
{
	publish(self->avail, 8, 8);
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
}

TEST_F(vq, next_index_past_ring)
{
	set_desc(&self->desc[0], DATA, 16, VRING_DESC_F_NEXT, 8);
	publish(self->avail, 8, 0);
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
}

TEST_F(vq, chain_that_loops)
{
	set_desc(&self->desc[0], DATA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(&self->desc[1], DATA, 16, VRING_DESC_F_NEXT, 0);
	publish(self->avail, 8, 0);
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
	ASSERT_NE(NULL, strstr(self->vq.why, "loop"));
}

TEST_F(vq, readable_after_writable)
{
	set_desc(&self->desc[0], DATA, 16,
		 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(&self->desc[1], DATA, 16, 0, 0);
	publish(self->avail, 8, 0);
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
}

TEST_F(vq, more_available_than_the_ring_holds)
{
	self->avail->idx = 9;
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
}

TEST_F(vq, indirect_table)
{
	struct vring_desc *t = (void *)(self->mem.hva + TABLE);

	set_desc(&t[0], DATA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(&t[1], DATA + 16, 100, VRING_DESC_F_NEXT, 2);
	set_desc(&t[2], DATA + 116, 1, VRING_DESC_F_WRITE, 0);
	set_desc(&self->desc[3], TABLE, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	publish(self->avail, 8, 3);

	ASSERT_EQ(1, vq__pop(&self->vq, &self->req));
	EXPECT_EQ(3, self->req.head);
	EXPECT_EQ(2, self->req.nr_out);
	EXPECT_EQ(1, self->req.nr_in);
	EXPECT_EQ(116, self->req.out_len);
}

/* Linux with SLOB kmallocs the table 8-byte aligned; the spec allows it. */
TEST_F(vq, indirect_table_8_byte_aligned)
{
	struct vring_desc *t = (void *)(self->mem.hva + TABLE + 8);

	set_desc(&t[0], DATA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(&t[1], DATA + 16, 1, VRING_DESC_F_WRITE, 0);
	set_desc(&self->desc[0], TABLE + 8, 2 * 16, VRING_DESC_F_INDIRECT, 0);
	publish(self->avail, 8, 0);

	ASSERT_EQ(1, vq__pop(&self->vq, &self->req));
	EXPECT_EQ(1, self->req.nr_out);
	EXPECT_EQ(1, self->req.nr_in);
	EXPECT_EQ(16, self->req.out_len);
}

TEST_F(vq, indirect_not_negotiated)
{
	set_desc(&self->desc[0], TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	publish(self->avail, 8, 0);
	self->vq.indirect = false;
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
}

TEST_F(vq, indirect_inside_indirect)
{
	struct vring_desc *t = (void *)(self->mem.hva + TABLE);

	set_desc(&t[0], TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(&self->desc[0], TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	publish(self->avail, 8, 0);
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
	ASSERT_NE(NULL, strstr(self->vq.why, "inside"));
}

TEST_F(vq, indirect_with_next)
{
	set_desc(&self->desc[0], TABLE, 16,
		 VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	publish(self->avail, 8, 0);
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
}

TEST_F(vq, indirect_bad_sizes)
{
	static const u32 lens[] = { 0, 24, (VQ_MAX_SEGS + 1) * 16 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		ASSERT_EQ(0, vq__start(&self->vq, &self->mem, true, true));
		set_desc(&self->desc[0], TABLE, lens[i],
			 VRING_DESC_F_INDIRECT, 0);
		self->avail->idx = 0;
		publish(self->avail, 8, 0);
		EXPECT_EQ(-1, vq__pop(&self->vq, &self->req));
	}
}

TEST_F(vq, indirect_table_outside_memory)
{
	set_desc(&self->desc[0], MEM_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
	publish(self->avail, 8, 0);
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
}

TEST_F(vq, indirect_table_that_loops)
{
	struct vring_desc *t = (void *)(self->mem.hva + TABLE);

	set_desc(&t[0], DATA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(&t[1], DATA, 16, VRING_DESC_F_NEXT, 0);
	set_desc(&self->desc[0], TABLE, 32, VRING_DESC_F_INDIRECT, 0);
	publish(self->avail, 8, 0);
	ASSERT_EQ(-1, vq__pop(&self->vq, &self->req));
}

TEST_F(vq, start_refuses_bad_rings)
{
	self->vq.size = 6;
	EXPECT_EQ(-1, vq__start(&self->vq, &self->mem, true, true));
	self->vq.size = 0;
	EXPECT_EQ(-1, vq__start(&self->vq, &self->mem, true, true));
	self->vq.size = 512;
	EXPECT_EQ(-1, vq__start(&self->vq, &self->mem, true, true));
	self->vq.size = 8;
	self->vq.used_gpa = MEM_SIZE - 8;
	EXPECT_EQ(-1, vq__start(&self->vq, &self->mem, true, true));
	self->vq.used_gpa = USED + 2;
	EXPECT_EQ(-1, vq__start(&self->vq, &self->mem, true, true));
	self->vq.used_gpa = USED;
	EXPECT_EQ(0, vq__start(&self->vq, &self->mem, true, true));
}

TEST_F(vq, push_publishes_used_entry)
{
	set_desc(&self->desc[5], DATA, 64, VRING_DESC_F_WRITE, 0);
	publish(self->avail, 8, 5);
	ASSERT_EQ(1, vq__pop(&self->vq, &self->req));
	vq__push(&self->vq, self->req.head, 42);
	EXPECT_EQ(1, self->used->idx);
	EXPECT_EQ(5, self->used->ring[0].id);
	EXPECT_EQ(42, self->used->ring[0].len);
}

TEST_F(vq, indexes_wrap_at_65536)
{
	unsigned int i;

	self->vq.last_avail = 65534;
	self->avail->idx = 65534;
	set_desc(&self->desc[0], DATA, 8, 0, 0);
	for (i = 0; i < 4; i++)
		publish(self->avail, 8, 0);
	EXPECT_EQ(2, self->avail->idx);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(1, vq__pop(&self->vq, &self->req));
	ASSERT_EQ(0, vq__pop(&self->vq, &self->req));
}

/* used_event = N asks for an interrupt once used->idx moves past N. */
TEST_F(vq, event_index_interrupts)
{
	u16 *used_event = &self->avail->ring[8];

	set_desc(&self->desc[0], DATA, 8, VRING_DESC_F_WRITE, 0);
	*used_event = 0;
	vq__push(&self->vq, 0, 8);		/* used 1 */
	EXPECT_TRUE(vq__need_interrupt(&self->vq));
	vq__push(&self->vq, 0, 8);		/* used 2, event 0 passed */
	EXPECT_FALSE(vq__need_interrupt(&self->vq));
	*used_event = 2;
	vq__push(&self->vq, 0, 8);		/* used 3 passes 2 */
	EXPECT_TRUE(vq__need_interrupt(&self->vq));
	*used_event = 5;
	vq__push(&self->vq, 0, 8);		/* used 4 */
	EXPECT_FALSE(vq__need_interrupt(&self->vq));
	vq__push(&self->vq, 0, 8);		/* used 5 */
	vq__push(&self->vq, 0, 8);		/* used 6 passes 5 */
	EXPECT_TRUE(vq__need_interrupt(&self->vq));
}

TEST_F(vq, no_interrupt_flag_without_event_index)
{
	self->vq.event_idx = false;
	vq__push(&self->vq, 0, 8);
	EXPECT_TRUE(vq__need_interrupt(&self->vq));
	self->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	EXPECT_FALSE(vq__need_interrupt(&self->vq));
}

TEST_F(vq, enable_notify_sees_late_buffers)
{
	u16 *avail_event = (u16 *)&self->used->ring[8];

	set_desc(&self->desc[0], DATA, 8, 0, 0);
	publish(self->avail, 8, 0);
	ASSERT_EQ(1, vq__pop(&self->vq, &self->req));
	EXPECT_FALSE(vq__enable_notify(&self->vq));
	EXPECT_EQ(1, *avail_event);
	publish(self->avail, 8, 0);
	EXPECT_TRUE(vq__enable_notify(&self->vq));
}

/*
 * Random rings, a hundred thousand of them: whatever vq__pop() accepts
 * must lie inside guest memory, and it must never loop or crash.
 */
TEST_F(vq, random_rings_stay_inside_memory)
{
	u8 *lo = self->mem.hva, *hi = self->mem.hva + MEM_SIZE;
	unsigned int round, i, accepted = 0;

	srandom(4);
	for (round = 0; round < 100000; round++) {
		ASSERT_EQ(0, vq__start(&self->vq, &self->mem, true, true));
		self->avail->idx = 0;
		for (i = 0; i < 8; i++) {
			u64 addr = random() % 3 ? random() % (MEM_SIZE + 64) :
				   (u64)random() << 33 | random();
			u16 flags = random() & 7;

			if ((flags & VRING_DESC_F_INDIRECT) && random() % 2)
				addr = TABLE + (random() % 4) * 16;
			set_desc(&self->desc[i], addr, random() % 4 ?
				 random() % 512 : random(), flags,
				 random() % 10);
		}
		for (i = 0; i < 64; i++)
			memcpy((u8 *)self->mem.hva + TABLE + i * 4,
			       &(u32){ random() }, 4);
		publish(self->avail, 8, random() % 9);
		if (vq__pop(&self->vq, &self->req) != 1)
			continue;
		accepted++;
		for (i = 0; i < self->req.nr_out; i++) {
			u8 *b = self->req.out[i].iov_base;

			ASSERT_TRUE(b >= lo && b + self->req.out[i].iov_len <= hi);
		}
		for (i = 0; i < self->req.nr_in; i++) {
			u8 *b = self->req.in[i].iov_base;

			ASSERT_TRUE(b >= lo && b + self->req.in[i].iov_len <= hi);
		}
	}
	/* The generator must also make valid chains, or this tests nothing. */
	ASSERT_LT(1000, accepted);
}

TEST_HARNESS_MAIN
