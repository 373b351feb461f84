// SPDX-License-Identifier: GPL-2.0
/*
 * Eventfds: device work without stopping the vCPU.  Read after mmio.c.
 *
 * A launcher's device threads should never have to wait for the vCPU to
 * come out to them, nor make it come out.  So, as KVM does:
 *
 *   - an irqfd (MV_IRQFD) binds an eventfd to a vector: a device thread
 *     that writes to the eventfd raises the interrupt, from its own thread,
 *     while the vCPU runs or halts;
 *   - an ioeventfd (MV_IOEVENTFD) binds an eventfd to a notify value
 *     (MV_HC_NOTIFY) or to the address of a device register
 *     (MV_IOEVENTFD_MMIO): the guest's kick signals the eventfd and the
 *     guest goes on, with no exit to the launcher.
 *
 * An irqfd waits on its eventfd's wait queue with our own wake function,
 * which runs in whatever context signalled the eventfd; mv_irq_raise() is
 * safe there.  Both lists are changed and searched under ev_lock, from
 * process context only.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mv.h"

struct irqfd {
	struct list_head list;
	struct mv_guest *g;
	struct eventfd_ctx *ctx;
	wait_queue_entry_t wait;
	poll_table pt;
	unsigned int vector;
};

struct ioeventfd {
	struct list_head list;
	struct eventfd_ctx *ctx;
	u64 value;		/* the notify value, or the register's gpa */
	bool mmio;
};

/* The eventfd was written to: raise our vector, and take the count. */
static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync,
			void *key)
{
	struct irqfd *irqfd = container_of(wait, struct irqfd, wait);
	u64 cnt;

	if (key_to_poll(key) & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->ctx, &cnt);
		mv_irq_raise(irqfd->g, irqfd->vector);
	}
	return 0;
}

static void irqfd_queue(struct file *file, wait_queue_head_t *wqh,
			poll_table *pt)
{
	struct irqfd *irqfd = container_of(pt, struct irqfd, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

static void irqfd_free(struct irqfd *irqfd)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(irqfd->ctx, &irqfd->wait, &cnt);
	eventfd_ctx_put(irqfd->ctx);
	kfree(irqfd);
}

static long irqfd_assign(struct mv_guest *g, const struct mv_eventfd *e)
{
	struct irqfd *irqfd;
	struct fd f;
	__poll_t events;
	long err;

	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	f = fdget(e->fd);
	err = -EBADF;
	if (!f.file)
		goto free;
	irqfd->ctx = eventfd_ctx_fileget(f.file);
	if (IS_ERR(irqfd->ctx)) {
		err = PTR_ERR(irqfd->ctx);
		goto put_file;
	}
	irqfd->g = g;
	irqfd->vector = e->value;
	init_waitqueue_func_entry(&irqfd->wait, irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, irqfd_queue);
	mutex_lock(&g->ev_lock);
	list_add(&irqfd->list, &g->irqfds);
	mutex_unlock(&g->ev_lock);
	/*
	 * It may have been written to already.  The count can only be taken
	 * under the eventfd's own lock, in the wake function; leaving it
	 * costs nothing, since every later write wakes us again.
	 */
	events = vfs_poll(f.file, &irqfd->pt);
	fdput(f);
	if (events & EPOLLIN)
		mv_irq_raise(g, irqfd->vector);
	return 0;

put_file:
	fdput(f);
free:
	kfree(irqfd);
	return err;
}

static long irqfd_deassign(struct mv_guest *g, const struct mv_eventfd *e)
{
	struct eventfd_ctx *ctx = eventfd_ctx_fdget(e->fd);
	struct irqfd *irqfd, *tmp;
	long err = -ENOENT;

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	mutex_lock(&g->ev_lock);
	list_for_each_entry_safe(irqfd, tmp, &g->irqfds, list) {
		if (irqfd->ctx != ctx || irqfd->vector != e->value)
			continue;
		list_del(&irqfd->list);
		irqfd_free(irqfd);
		err = 0;
	}
	mutex_unlock(&g->ev_lock);
	eventfd_ctx_put(ctx);
	return err;
}

/* MV_IRQFD: bind (or, with MV_EVENTFD_DEASSIGN, unbind) an eventfd. */
long mv_irqfd(struct mv_guest *g, const struct mv_eventfd *e)
{
	if (e->flags & ~MV_EVENTFD_DEASSIGN || e->reserved[0] || e->reserved[1])
		return -EINVAL;
	if (e->value < MV_FIRST_IRQ || e->value >= MV_NR_VECTORS)
		return -EINVAL;
	if (e->flags & MV_EVENTFD_DEASSIGN)
		return irqfd_deassign(g, e);
	return irqfd_assign(g, e);
}

/* MV_IOEVENTFD: bind (or unbind) an eventfd to a notify value or address. */
long mv_ioeventfd(struct mv_guest *g, const struct mv_eventfd *e)
{
	bool mmio = e->flags & MV_IOEVENTFD_MMIO;
	struct ioeventfd *io, *tmp;
	struct eventfd_ctx *ctx;
	long err = 0;

	if (e->flags & ~(MV_EVENTFD_DEASSIGN | MV_IOEVENTFD_MMIO) ||
	    e->reserved[0] || e->reserved[1])
		return -EINVAL;
	if (mmio && (e->value < g->mmio_base ||
		     e->value - g->mmio_base >= g->mmio_size))
		return -EINVAL;
	ctx = eventfd_ctx_fdget(e->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	mutex_lock(&g->ev_lock);
	list_for_each_entry_safe(io, tmp, &g->ioeventfds, list) {
		if (io->mmio != mmio || io->value != e->value)
			continue;
		if (e->flags & MV_EVENTFD_DEASSIGN && io->ctx == ctx) {
			list_del(&io->list);
			eventfd_ctx_put(io->ctx);
			kfree(io);
			goto out;
		}
		err = -EEXIST;
		goto out;
	}
	if (e->flags & MV_EVENTFD_DEASSIGN) {
		err = -ENOENT;
		goto out;
	}
	io = kzalloc(sizeof(*io), GFP_KERNEL_ACCOUNT);
	if (!io) {
		err = -ENOMEM;
		goto out;
	}
	io->ctx = ctx;
	io->value = e->value;
	io->mmio = mmio;
	list_add(&io->list, &g->ioeventfds);
	ctx = NULL;	/* the list keeps the reference */
out:
	mutex_unlock(&g->ev_lock);
	if (ctx)
		eventfd_ctx_put(ctx);
	return err;
}

/* Signal the eventfd bound to (@mmio, @value); false if there is none. */
static bool signal(struct mv_guest *g, bool mmio, u64 value)
{
	struct ioeventfd *io;
	bool found = false;

	mutex_lock(&g->ev_lock);
	list_for_each_entry(io, &g->ioeventfds, list) {
		if (io->mmio == mmio && io->value == value) {
			eventfd_signal(io->ctx, 1);
			found = true;
			break;
		}
	}
	mutex_unlock(&g->ev_lock);
	return found;
}

/* A guest write of any size to a bound register is a kick, whatever value. */
bool mv_ioeventfd_mmio(struct mv_guest *g, u64 gpa)
{
	return signal(g, true, gpa);
}

/* MV_HC_NOTIFY: an eventfd if one is bound, else MV_EXIT_NOTIFY. */
void mv_notify(struct mv_guest *g, u64 value)
{
	if (signal(g, false, value))
		return;
	memset(&g->exit, 0, sizeof(g->exit));
	g->exit.exit_reason = MV_EXIT_NOTIFY;
	g->exit.notify.value = value;
	g->awaiting = MV_EXIT_NOTIFY;
}

void mv_eventfd_init(struct mv_guest *g)
{
	mutex_init(&g->ev_lock);
	INIT_LIST_HEAD(&g->irqfds);
	INIT_LIST_HEAD(&g->ioeventfds);
}

/* Before the guest goes: no device thread may raise anything after this. */
void mv_eventfd_destroy(struct mv_guest *g)
{
	struct irqfd *irqfd, *t1;
	struct ioeventfd *io, *t2;

	list_for_each_entry_safe(irqfd, t1, &g->irqfds, list)
		irqfd_free(irqfd);
	list_for_each_entry_safe(io, t2, &g->ioeventfds, list) {
		eventfd_ctx_put(io->ctx);
		kfree(io);
	}
}
