// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net (device 1) on a tap.  Read after virtio_mmio.c.
 *
 * The tap is either made by the operator beforehand (--tap NAME, so we
 * need no privilege for it) or created here and attached to a bridge
 * (--bridge BR, which needs CAP_NET_ADMIN until the capabilities are
 * dropped).  A tap we create is not persistent: it vanishes with our
 * process, so a fleet leaves no interfaces behind.
 *
 * No offloads are offered, so every frame is plain Ethernet behind a
 * 12-byte virtio_net_hdr_v1 that is all zeros.  The tap is told to use
 * the same header (IFF_VNET_HDR, TUNSETVNETHDRSZ 12).  On transmit we
 * replace the guest's header with zeros rather than let the host
 * interpret offload requests the guest never negotiated.  On receive a
 * frame is read into a bounce buffer first, so it can wait there when
 * the guest has posted no buffer, while we stop polling the tap.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>

#include "virtio.h"

#define RXQ		0
#define TXQ		1
#define HDR_LEN		12	/* virtio_net_hdr_v1 */
#define FRAME_MAX	(65536 + HDR_LEN)

struct vnet {
	struct virtio_dev dev;
	struct io_handler tap;
	bool polling;
	u8 config[8];			/* mac, status */
	size_t pkt_len;
	struct vq_req req;
	struct iovec iov[VQ_MAX_SEGS + 1];
	u8 pkt[FRAME_MAX];
};

static struct vnet vnet;

/* 02 (local, unicast), the node in two bytes, the index in three. */
void virtio_net__mac(unsigned int node, unsigned int index, u8 mac[6])
{
	mac[0] = 0x02;
	mac[1] = node >> 8;
	mac[2] = node;
	mac[3] = index >> 16;
	mac[4] = index >> 8;
	mac[5] = index;
}

static void poll_tap(struct vnet *n, bool on)
{
	if (n->polling == on)
		return;
	n->polling = on;
	ioloop__mod(&n->dev.g->loop, &n->tap, on ? EPOLLIN : 0);
}

/*
 * Frames from the tap into the guest's receive buffers, until the tap is
 * empty or the guest has no buffer left.  Frames arriving while the
 * driver is not running are dropped, so the tap never clogs.
 */
static void receive(struct vnet *n)
{
	struct virtio_dev *d = &n->dev;
	struct vq_req *req = &n->req;
	bool pushed = false;
	u16 one = 1;
	ssize_t got;
	size_t put;

	for (;;) {
		if (!n->pkt_len) {
			got = read(n->tap.fd, n->pkt, sizeof(n->pkt));
			if (got <= HDR_LEN)
				break;
			n->pkt_len = got;
		}
		if (!virtio__live(d, RXQ)) {
			n->pkt_len = 0;
			continue;
		}
		if (vq__pop(&d->vq[RXQ], req) <= 0) {
			if (vq__enable_notify(&d->vq[RXQ]))
				continue;
			poll_tap(n, false);
			goto out;
		}
		memcpy(n->pkt + 10, &one, 2);	/* num_buffers */
		put = iov__copy_to(req->in, req->nr_in, 0, n->pkt, n->pkt_len);
		vq__push(&d->vq[RXQ], req->head, put);
		n->pkt_len = 0;
		pushed = true;
	}
	poll_tap(n, true);
out:
	if (pushed)
		virtio__signal(d, RXQ);
}

/*
 * One frame from the guest: its virtio-net header replaced by a zeroed
 * one (no offloads were offered), out through the tap.
 */
static int transmit(struct virtio_dev *d, unsigned int q, struct vq_req *req)
{
	static const u8 zero_hdr[HDR_LEN];
	struct vnet *n = d->priv;
	size_t skip = HDR_LEN;
	unsigned int i, k;

	(void)q;
	n->iov[0].iov_base = (void *)zero_hdr;
	n->iov[0].iov_len = HDR_LEN;
	for (i = 0, k = 1; i < req->nr_out; i++) {
		struct iovec v = req->out[i];

		if (v.iov_len <= skip) {
			skip -= v.iov_len;
			continue;
		}
		v.iov_base = (u8 *)v.iov_base + skip;
		v.iov_len -= skip;
		skip = 0;
		n->iov[k++] = v;
	}
	/* A full tap queue drops the frame, as a wire would. */
	if (req->out_len > HDR_LEN &&
	    writev(n->tap.fd, n->iov, k) < 0 && errno != EAGAIN &&
	    errno != ENOBUFS && errno != EIO)
		mv_err("guest %u: tap write: %s", d->g->index,
		       strerror(errno));
	return 0;
}

static void net_notify(struct virtio_dev *d, unsigned int q)
{
	struct vnet *n = d->priv;

	if (q == TXQ)
		virtio__serve(d, q, &n->req, transmit);
	else
		receive(n);
}

static void tap_ready(void *arg, u32 events)
{
	struct vnet *n = arg;

	(void)events;
	pthread_mutex_lock(&n->dev.lock);
	receive(n);
	pthread_mutex_unlock(&n->dev.lock);
}

static const struct virtio_dev_ops net_ops = {
	.name = "net",
	.device_id = 1,
	.features = BIT_ULL(VIRTIO_NET_F_MAC),
	.nr_queues = 2,
	.notify = net_notify,
};

static int ifreq_name(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	if (strlen(name) >= sizeof(ifr->ifr_name))
		return -1;
	memcpy(ifr->ifr_name, name, strlen(name));
	return 0;
}

/* Bring @tap up and, if asked, into @bridge.  Needs CAP_NET_ADMIN. */
static int tap_plug(const char *tap, const char *bridge)
{
	struct ifreq ifr;
	int s, ret = -1;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	ifreq_name(&ifr, tap);
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		goto out;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) && bridge)
		goto out;
	if (bridge) {
		ifreq_name(&ifr, bridge);
		ifr.ifr_ifindex = if_nametoindex(tap);
		if (ioctl(s, SIOCBRADDIF, &ifr))
			goto out;
	}
	ret = 0;
out:
	close(s);
	return ret;
}

static int tap_open(const char *name, const char *bridge)
{
	struct ifreq ifr;
	int fd, hdr = HDR_LEN;

	if (ifreq_name(&ifr, name))
		return -1;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ioctl(fd, TUNSETIFF, &ifr) ||
	    ioctl(fd, TUNSETVNETHDRSZ, &hdr) ||
	    ioctl(fd, TUNSETOFFLOAD, 0) ||
	    tap_plug(name, bridge)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int virtio_net__init(struct guest *g)
{
	const struct mv_config *cfg = g->cfg;
	struct vnet *n = &vnet;
	char name[IFNAMSIZ];

	if (!cfg->tap && !cfg->bridge)
		return 0;
	memset(n, 0, sizeof(*n));
	if (preflight__tap_name(cfg, g->index, name, sizeof(name)))
		return -1;
	/* Attach only to a tap that exists, unless we are to make it. */
	if (!cfg->bridge && !if_nametoindex(name)) {
		mv_err("tap %s does not exist", name);
		return -1;
	}
	n->tap.fd = tap_open(name, cfg->bridge);
	if (n->tap.fd < 0) {
		mv_err("tap %s: %s", name, strerror(errno));
		return -1;
	}
	n->tap.cb = tap_ready;
	n->tap.arg = n;
	virtio_net__mac(cfg->node, g->index, n->config);
	if (ioloop__add(&g->loop, &n->tap, 0))
		return -1;
	return virtio_mmio__init(g, &n->dev, &net_ops, n->config,
				 sizeof(n->config), n);
}

dev_init(virtio_net__init, DEV_ORDER_NET);
