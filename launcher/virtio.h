/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device model: virtqueues (virtqueue.c), the virtio-mmio transport
 * (virtio_mmio.c) and the devices behind it, one file each.  The same
 * model serves every engine; an engine only has to deliver MMIO exits,
 * queue notifications (eventfds) and interrupts (eventfds).
 */
#ifndef MVLAUNCH_VIRTIO_H
#define MVLAUNCH_VIRTIO_H

#include <sys/uio.h>

#include "guest.h"

/*
 * virtqueue.c: the split ring, trusting nothing the guest wrote.  Every
 * descriptor is copied out of guest memory once and checked there: its
 * index, its buffer (entirely inside guest RAM), its place in the chain
 * (readable before writable, no loops, no nested indirect tables).  A ring
 * that breaks a rule is marked broken and the device stops using it.
 */
#define VQ_MAX_SIZE	256
#define VQ_MAX_SEGS	256

struct vring_desc;
struct vring_avail;
struct vring_used;

struct virtqueue {
	u16 size;
	bool ready;
	u64 desc_gpa;
	u64 avail_gpa;
	u64 used_gpa;

	const struct guest_mem *mem;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	bool event_idx;
	bool indirect;
	bool broken;
	char why[96];

	u16 last_avail;
	u16 used_idx;
	u16 signalled;
	bool signalled_valid;
};

struct vq_req {
	u16 head;
	unsigned int nr_out;
	unsigned int nr_in;
	size_t out_len;
	size_t in_len;
	struct iovec out[VQ_MAX_SEGS];
	struct iovec in[VQ_MAX_SEGS];
};

int vq__start(struct virtqueue *vq, const struct guest_mem *mem,
	      bool event_idx, bool indirect);
void vq__reset(struct virtqueue *vq);
int vq__pop(struct virtqueue *vq, struct vq_req *req);
void vq__push(struct virtqueue *vq, u16 head, u32 written);
bool vq__enable_notify(struct virtqueue *vq);
bool vq__need_interrupt(struct virtqueue *vq);
size_t iov__copy_from(const struct iovec *iov, unsigned int n, size_t off,
		      void *buf, size_t len);
size_t iov__copy_to(const struct iovec *iov, unsigned int n, size_t off,
		    const void *buf, size_t len);

/* virtio_mmio.c: the transport; one 4 KiB slot and one IRQ per device. */
#define VIRTIO_MAX_QUEUES	3

struct virtio_dev;

/* One per queue: the main loop's handle on its notification eventfd. */
struct virtio_kick {
	struct io_handler h;
	struct virtio_dev *d;
	unsigned int q;
};

struct virtio_dev_ops {
	const char *name;
	u32 device_id;
	u64 features;			/* device bits beyond the ring's */
	unsigned int nr_queues;
	void (*notify)(struct virtio_dev *d, unsigned int q);
	void (*ready)(struct virtio_dev *d);
	void (*reset)(struct virtio_dev *d);
};

struct virtio_dev {
	const struct virtio_dev_ops *ops;
	struct guest *g;
	pthread_mutex_t lock;
	struct bus_dev bus;
	u64 base;
	u32 irq;
	int irq_fd;

	u32 status;
	u32 dev_features_sel;
	u32 drv_features_sel;
	u64 drv_features;
	u32 queue_sel;
	u32 isr;
	u32 config_gen;
	struct virtqueue vq[VIRTIO_MAX_QUEUES];
	int kick_fd[VIRTIO_MAX_QUEUES];
	struct virtio_kick kick[VIRTIO_MAX_QUEUES];

	u8 *config;
	u32 config_len;
	void *priv;
};

int virtio_mmio__init(struct guest *g, struct virtio_dev *d,
		      const struct virtio_dev_ops *ops, void *config,
		      u32 config_len, void *priv);
void virtio_mmio__exit(struct virtio_dev *d);
void virtio__signal(struct virtio_dev *d, unsigned int q);
typedef int (*vq_handler)(struct virtio_dev *d, unsigned int q,
			  struct vq_req *req);
void virtio__serve(struct virtio_dev *d, unsigned int q, struct vq_req *req,
		   vq_handler handle);
void virtio__fail(struct virtio_dev *d, const char *what);
bool virtio__live(struct virtio_dev *d, unsigned int q);

/* One file per device, each registered with dev_init(). */
void virtio_console__input(struct guest *g, const u8 *buf, size_t len);
void virtio_net__mac(unsigned int node, unsigned int index, u8 mac[6]);
u64 virtio_balloon__returned(void);

#endif /* MVLAUNCH_VIRTIO_H */
