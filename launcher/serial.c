// SPDX-License-Identifier: GPL-2.0
/*
 * The serial port, ttyS0: a 16550A at 0x3f8 on IRQ 4.  Read after
 * power.c.
 *
 * Why a UART next to a virtio console: a stock kernel has virtio_console
 * as a module, so hvc0 exists only once the initramfs loads it.  Until
 * then, and whenever the kernel dies early, the only way out for its
 * messages is a port it drives by polling.  With console=ttyS0 (our
 * default) every kernel message, and the "Kernel panic" line we report,
 * comes through here.
 *
 * Only what Linux's 8250 driver looks at is modelled: the scratch and
 * loopback probes, the THRE interrupt it tests for at startup, a receive
 * FIFO for the terminal's input.  Bytes leave at once, so the
 * transmitter is always empty.
 *
 * Future work: each byte costs two exits (the status poll, the byte).
 * KVM's coalesced PIO could take the data writes without an exit, but
 * then the THRE interrupt of the tty path would wait for our next exit;
 * it needs the main loop to drain the coalesced ring as well.  Until
 * then guests run "quiet" (guest.c).
 */
#include <string.h>

#include "guest.h"

#define SERIAL_BASE	0x3f8
#define SERIAL_IRQ	4
#define RX_FIFO		1024

#define IER_RDI		0x01
#define IER_THRI	0x02
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO	0xc0
#define FCR_ENABLE	0x01
#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_IDLE	0xb0		/* DCD, DSR, CTS */

struct serial {
	pthread_mutex_t lock;
	struct bus_dev bus;
	struct guest *g;
	u8 ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thri_pending;
	bool irq_level;
	u8 rx[RX_FIFO];
	unsigned int rx_head, rx_count;
};

static struct serial serial;

static u8 iir(struct serial *s)
{
	u8 fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	if ((s->ier & IER_RDI) && s->rx_count)
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thri_pending)
		return fifo | IIR_THRI;
	return fifo | IIR_NONE;
}

/* Drive IRQ 4 like the real line: edges only when the level changes. */
static void update_irq(struct serial *s)
{
	bool level = !(iir(s) & IIR_NONE);

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	s->g->engine->irq_line(s->g, SERIAL_IRQ, level);
}

static void rx_put(struct serial *s, u8 c)
{
	if (s->rx_count == RX_FIFO)
		return;
	s->rx[(s->rx_head + s->rx_count++) % RX_FIFO] = c;
}

/*
 * In loopback mode the modem outputs come back as inputs: OUT2->DCD,
 * OUT1->RI, RTS->CTS, DTR->DSR.  The 8250 probe checks exactly this.
 */
static u8 msr(struct serial *s)
{
	if (!(s->mcr & MCR_LOOP))
		return MSR_IDLE;
	return (s->mcr & 0x08) << 4 | (s->mcr & 0x04) << 4 |
	       (s->mcr & 0x02) << 3 | (s->mcr & 0x01) << 5;
}

static u8 serial_read(struct serial *s, u64 off)
{
	u8 v;

	switch (off) {
	case 0:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		if (!s->rx_count)
			return 0;
		v = s->rx[s->rx_head];
		s->rx_head = (s->rx_head + 1) % RX_FIFO;
		s->rx_count--;
		return v;
	case 1:
		return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
	case 2:
		v = iir(s);
		if ((v & 0x0f) == IIR_THRI)
			s->thri_pending = false;
		return v;
	case 3:
		return s->lcr;
	case 4:
		return s->mcr;
	case 5:
		return LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0);
	case 6:
		return msr(s);
	default:
		return s->scr;
	}
}

static void serial_write(struct serial *s, u64 off, u8 v)
{
	switch (off) {
	case 0:
		if (s->lcr & LCR_DLAB) {
			s->dll = v;
		} else if (s->mcr & MCR_LOOP) {
			rx_put(s, v);
		} else {
			output__write(&s->g->out, &v, 1);
			s->thri_pending = true;
		}
		break;
	case 1:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			break;
		}
		/* Enabling THRI with an empty transmitter interrupts at once. */
		if ((v & IER_THRI) && !(s->ier & IER_THRI))
			s->thri_pending = true;
		s->ier = v & 0x0f;
		break;
	case 2:
		s->fcr = v;
		if (v & 0x02) {
			s->rx_head = 0;
			s->rx_count = 0;
		}
		break;
	case 3:
		s->lcr = v;
		break;
	case 4:
		s->mcr = v & 0x1f;
		break;
	case 7:
		s->scr = v;
		break;
	}
}

static void serial_access(struct bus_dev *d, u64 off, u8 *data, u32 len,
			  bool write)
{
	struct serial *s = d->priv;
	u32 i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < len && off + i < 8; i++) {
		if (write)
			serial_write(s, off + i, data[i]);
		else
			data[i] = serial_read(s, off + i);
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

/* Terminal input, from the main loop, when the console is the UART. */
void serial__input(struct guest *g, const u8 *buf, size_t len)
{
	struct serial *s = g->serial;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	while (len--)
		rx_put(s, *buf++);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static int serial__init(struct guest *g)
{
	struct serial *s = &serial;

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->g = g;
	s->bus.base = SERIAL_BASE;
	s->bus.len = 8;
	s->bus.access = serial_access;
	s->bus.priv = s;
	g->serial = s;
	return bus__register(&g->pio, &s->bus);
}

dev_init(serial__init, DEV_ORDER_PLATFORM);
