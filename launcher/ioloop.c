// SPDX-License-Identifier: GPL-2.0
/*
 * The main thread's loop.  Read after guest.c, which starts the vCPU
 * thread and then sits here.
 *
 * Everything asynchronous a guest process does comes through one epoll
 * set: queue notifications (one eventfd per virtqueue, signalled by the
 * hypervisor when the guest writes QueueNotify), terminal input, tap
 * packets, the signals that stop us, and the eventfd guest__end() writes.
 * Two threads per guest in all: this one and the vCPU.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "guest.h"

int ioloop__init(struct ioloop *l)
{
	l->stop = false;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

int ioloop__add(struct ioloop *l, struct io_handler *h, u32 events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, h->fd, &ev) ? -errno : 0;
}

int ioloop__mod(struct ioloop *l, struct io_handler *h, u32 events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, h->fd, &ev) ? -errno : 0;
}

void ioloop__del(struct ioloop *l, struct io_handler *h)
{
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, h->fd, NULL);
}

int ioloop__run(struct ioloop *l)
{
	struct epoll_event ev[16];
	int n, i;

	while (!l->stop) {
		n = epoll_wait(l->epfd, ev, ARRAY_SIZE(ev), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n && !l->stop; i++) {
			struct io_handler *h = ev[i].data.ptr;

			h->cb(h->arg, ev[i].events);
		}
	}
	return 0;
}

void ioloop__exit(struct ioloop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}
