// SPDX-License-Identifier: GPL-2.0
/*
 * The launcher's test guest: a few pages of freestanding C that mvlaunch
 * boots like a kernel (mkbzimage wraps it in a bzImage header) and that
 * then drives mvlaunch's devices the way a driver would, or the way a
 * broken or hostile one would.  It reads "mvt.test=NAME" from its
 * command line and reports on the serial port, line by line, for the
 * shell tests to check; interrupts stay off and it polls.
 *
 * Unlike a real kernel it boots in milliseconds, even on this machine's
 * KVM, which runs no real kernel: so the run path - exits, port I/O,
 * MMIO, ioeventfd, irqfd, the virtqueue, the ways a guest ends - is
 * tested everywhere, and the stock kernel's boot in the test host.
 */
#include <linux/types.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "megavirt.h"

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define SERIAL		0x3f8
#define VIRTIO_BASE	0xd0000000UL
#define VIRTIO_SLOTS	9
#define QSIZE		8
#define SPIN_LIMIT	100000000UL

/*
 * Under the megavirt engine the guest runs in ring 1 (its %cs has RPL 1):
 * no port I/O, no cli or hlt.  It then talks to the launcher through
 * hypercalls instead - the console, power off, panic, reboot, halt - and
 * drives the same virtio-mmio devices the same way.
 */
static int ring1;

static inline u64 hcall(u64 nr, u64 a0, u64 a1, u64 a2)
{
	u64 ret;

	asm volatile("int $0x1f" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2)
		     : "memory");
	return ret;
}

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 r32(u64 addr)
{
	return *(volatile u32 *)addr;
}

static inline void w32(u64 addr, u32 v)
{
	*(volatile u32 *)addr = v;
}

static void putc_serial(char c)
{
	if (ring1) {
		hcall(MV_HC_CONSOLE_WRITE, (u64)&c, 1, 0);
		return;
	}
	while (!(inb(SERIAL + 5) & 0x20))
		;
	outb(SERIAL, c);
}

static void puts(const char *s)
{
	u64 n = 0;

	if (ring1) {
		while (s[n])
			n++;
		hcall(MV_HC_CONSOLE_WRITE, (u64)s, n, 0);
		return;
	}
	while (*s)
		putc_serial(*s++);
}

static void puthex(u64 v)
{
	int i;

	puts("0x");
	for (i = 60; i >= 0; i -= 4)
		putc_serial("0123456789abcdef"[(v >> i) & 15]);
}

static void putdec(u64 v)
{
	char buf[24];
	int i = 0;

	do {
		buf[i++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (i)
		putc_serial(buf[--i]);
}

static int starts(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

static int streq_word(const char *s, const char *w)
{
	while (*w)
		if (*s++ != *w++)
			return 0;
	return *s == ' ' || *s == '\0';
}

/* The compiler may call it for a large initialiser; there is no libc. */
void *memset(void *p, int c, unsigned long n);

void *memset(void *p, int c, unsigned long n)
{
	u8 *b = p;

	while (n--)
		*b++ = c;
	return p;
}

static void __attribute__((noreturn)) halt(void)
{
	for (;;) {
		if (ring1)
			hcall(MV_HC_HALT, 0, 0, 0);
		else
			asm volatile("hlt");
	}
}

static void __attribute__((noreturn)) poweroff(void)
{
	if (ring1)
		hcall(MV_HC_SHUTDOWN, MV_SHUTDOWN_POWEROFF, 0, 0);
	else
		outb(0x600, (5 << 2) | 0x20);	/* SLP_TYP=S5, SLP_EN */
	puts("poweroff did not stop me\n");
	halt();
}

static u32 str_len(const char *s);

static void __attribute__((noreturn)) panic(const char *why)
{
	puts("Kernel panic - not syncing: ");
	puts(why);
	puts("\n");
	if (ring1)
		hcall(MV_HC_SHUTDOWN, MV_SHUTDOWN_CRASH, (u64)why,
		      str_len(why));
	else
		outb(0x64, 0xfe);		/* what reboot=k does */
	halt();
}

static void __attribute__((noreturn)) reboot(void)
{
	if (ring1)
		hcall(MV_HC_SHUTDOWN, MV_SHUTDOWN_REBOOT, 0, 0);
	else
		outb(0x64, 0xfe);
	halt();
}

/*
 * Ring 1: the shared page (virtual IF) and an IDT whose vectors
 * 0x30-0x3f - mvlaunch's device interrupts, 0x30 + IRQ - go to
 * tguest_entry.S's stubs, so that a device interrupt is seen, not fatal.
 */
extern const u8 irq_stubs[];
volatile u32 irq_last;
volatile u64 irq_count;
static u8 shared_page[4096] __attribute__((aligned(4096)));
static u64 idt[256][2] __attribute__((aligned(16)));

static void ring1_setup(void)
{
	u64 h;
	int v;

	hcall(MV_HC_INIT, (u64)shared_page, 0, 0);
	for (v = 0x30; v < 0x40; v++) {
		h = (u64)irq_stubs + (v - 0x30) * 16;
		idt[v][0] = (h & 0xffff) | ((u64)MV_GUEST_CS << 16) |
			    (0x8eULL << 40) | ((h >> 16) & 0xffff) << 48;
		idt[v][1] = h >> 32;
	}
	hcall(MV_HC_LOAD_IDT, (u64)idt, 256, 0);
}

/* ---- a minimal polled virtio-mmio driver ---- */

struct vdev {
	u64 base;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	u16 used_seen;
	int pv_kick;
};

static struct vring_desc desc_area[2][QSIZE] __attribute__((aligned(4096)));
static u8 avail_area[2][4096] __attribute__((aligned(4096)));
static u8 used_area[2][4096] __attribute__((aligned(4096)));
static struct vring_desc indirect_table[4] __attribute__((aligned(16)));
static u8 buffer[4096] __attribute__((aligned(4096)));

static u64 find(u32 id)
{
	u64 base;
	int i;

	for (i = 0; i < VIRTIO_SLOTS; i++) {
		base = VIRTIO_BASE + i * 0x1000UL;
		if (r32(base + VIRTIO_MMIO_MAGIC_VALUE) == 0x74726976 &&
		    r32(base + VIRTIO_MMIO_VERSION) == 2 &&
		    r32(base + VIRTIO_MMIO_DEVICE_ID) == id)
			return base;
	}
	return 0;
}

/* Reset, negotiate VERSION_1 plus @ring_features, set up queue @q. */
static int vdev_init(struct vdev *v, u32 id, u32 ring_features, u32 q,
		     int slot)
{
	u32 st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	v->base = find(id);
	if (!v->base)
		return -1;
	w32(v->base + VIRTIO_MMIO_STATUS, 0);
	w32(v->base + VIRTIO_MMIO_STATUS, st);
	w32(v->base + VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	if (!(r32(v->base + VIRTIO_MMIO_DEVICE_FEATURES) & 1))
		return -2;
	w32(v->base + VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	w32(v->base + VIRTIO_MMIO_DRIVER_FEATURES, ring_features);
	w32(v->base + VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	w32(v->base + VIRTIO_MMIO_DRIVER_FEATURES, 1);
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	w32(v->base + VIRTIO_MMIO_STATUS, st);
	if (!(r32(v->base + VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK))
		return -3;

	v->desc = desc_area[slot];
	v->avail = (void *)avail_area[slot];
	v->used = (void *)used_area[slot];
	memset(v->desc, 0, sizeof(desc_area[slot]));
	memset(v->avail, 0, 4096);
	memset(v->used, 0, 4096);
	v->used_seen = 0;
	v->pv_kick = 0;
	w32(v->base + VIRTIO_MMIO_QUEUE_SEL, q);
	if (r32(v->base + VIRTIO_MMIO_QUEUE_NUM_MAX) < QSIZE)
		return -4;
	w32(v->base + VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	w32(v->base + VIRTIO_MMIO_QUEUE_DESC_LOW, (u64)v->desc);
	w32(v->base + VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	w32(v->base + VIRTIO_MMIO_QUEUE_AVAIL_LOW, (u64)v->avail);
	w32(v->base + VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	w32(v->base + VIRTIO_MMIO_QUEUE_USED_LOW, (u64)v->used);
	w32(v->base + VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	w32(v->base + VIRTIO_MMIO_QUEUE_READY, 1);
	st |= VIRTIO_CONFIG_S_DRIVER_OK;
	w32(v->base + VIRTIO_MMIO_STATUS, st);
	return 0;
}

/* Offer chain @head on queue @q, kick, wait until the device used it. */
static int vdev_kick_wait(struct vdev *v, u32 q, u16 head)
{
	unsigned long spins = 0;

	v->avail->ring[v->avail->idx % QSIZE] = head;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v->avail->idx++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* Ring 1, the rng: the paravirtual kick, MV_HC_NOTIFY(register). */
	if (ring1 && v->pv_kick)
		hcall(MV_HC_NOTIFY, v->base + VIRTIO_MMIO_QUEUE_NOTIFY, 0, 0);
	else
		w32(v->base + VIRTIO_MMIO_QUEUE_NOTIFY, q);
	while (*(volatile u16 *)&v->used->idx == v->used_seen) {
		if (r32(v->base + VIRTIO_MMIO_STATUS) &
		    VIRTIO_CONFIG_S_NEEDS_RESET)
			return -1;
		if (++spins > SPIN_LIMIT)
			return -2;
		asm volatile("pause");
	}
	v->used_seen++;
	return 0;
}

static void set_desc(struct vring_desc *d, const void *addr, u32 len,
		     u16 flags, u16 next)
{
	d->addr = (u64)addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

static u32 str_len(const char *s)
{
	u32 n = 0;

	while (s[n])
		n++;
	return n;
}

/* ---- the tests ---- */

#define EVENT_IDX	(1U << VIRTIO_RING_F_EVENT_IDX)
#define INDIRECT	(1U << VIRTIO_RING_F_INDIRECT_DESC)

/* The console, queue 1, with a direct and an indirect chain. */
static void test_virtio_console(void)
{
	static const char a[] = "virtio console: hello ", b[] = "world\n";
	static const char marker[] = "megavirt-guest: ready\n";
	struct vdev con;
	int r = vdev_init(&con, 3, EVENT_IDX | INDIRECT, 1, 0);

	if (r) {
		puts("console init failed ");
		putdec(-r);
		puts("\n");
		return;
	}
	/* used_event 0: the first use must raise an interrupt. */
	con.avail->ring[QSIZE] = 0;
	set_desc(&con.desc[0], a, str_len(a), 0, 0);
	if (vdev_kick_wait(&con, 1, 0))
		puts("console: direct chain not used\n");
	set_desc(&indirect_table[0], b, 3, VRING_DESC_F_NEXT, 1);
	set_desc(&indirect_table[1], b + 3, str_len(b) - 3, 0, 0);
	set_desc(&con.desc[1], indirect_table, 32, VRING_DESC_F_INDIRECT, 0);
	if (vdev_kick_wait(&con, 1, 1))
		puts("console: indirect chain not used\n");
	puts("console isr ");
	putdec(r32(con.base + VIRTIO_MMIO_INTERRUPT_STATUS) & 1);
	puts("\n");
	if (ring1) {
		/* The irqfd raised 0x30 + IRQ; a halt lets it in. */
		while (!irq_count)
			hcall(MV_HC_HALT, 0, 0, 0);
		puts("console interrupt vector ");
		puthex(irq_last);
		puts("\n");
	}
	w32(con.base + VIRTIO_MMIO_INTERRUPT_ACK, 1);
	set_desc(&con.desc[2], marker, str_len(marker), 0, 0);
	vdev_kick_wait(&con, 1, 2);
}

static void test_virtio_rng(void)
{
	struct vdev rng;
	u32 i, nonzero = 0;

	if (vdev_init(&rng, 4, 0, 0, 1)) {
		puts("no rng\n");
		return;
	}
	rng.pv_kick = 1;
	memset(buffer, 0, 64);
	set_desc(&rng.desc[0], buffer, 64, VRING_DESC_F_WRITE, 0);
	if (vdev_kick_wait(&rng, 0, 0)) {
		puts("rng: not used\n");
		return;
	}
	for (i = 0; i < 64; i++)
		nonzero += buffer[i] != 0;
	puts("rng bytes ");
	putdec(rng.used->ring[0].len);
	puts(nonzero > 32 ? " random\n" : " zeros\n");
}

/*
 * A hostile driver: a buffer past the end of RAM.  The device must stop
 * (NEEDS_RESET) without hurting the launcher, and work after a reset.
 */
static void test_bad_ring(void)
{
	static const char ok[] = "console after reset: ok\n";
	struct vdev con;

	if (vdev_init(&con, 3, 0, 1, 0))
		return;
	set_desc(&con.desc[0], (void *)0x7fff0000000UL, 64, 0, 0);
	if (vdev_kick_wait(&con, 1, 0) == -1)
		puts("needs reset: yes\n");
	else
		puts("needs reset: no\n");
	/* A loop through the descriptors, after a reset. */
	if (vdev_init(&con, 3, 0, 1, 0))
		return;
	set_desc(&con.desc[0], ok, 4, VRING_DESC_F_NEXT, 1);
	set_desc(&con.desc[1], ok, 4, VRING_DESC_F_NEXT, 0);
	if (vdev_kick_wait(&con, 1, 0) == -1)
		puts("loop refused: yes\n");
	if (vdev_init(&con, 3, 0, 1, 0))
		return;
	set_desc(&con.desc[0], ok, str_len(ok), 0, 0);
	vdev_kick_wait(&con, 1, 0);
}

/*
 * Free page reporting: fill 2 MiB of our RAM, report it on the balloon's
 * reporting queue, and find it zeroed: the host took the pages back.
 */
static void test_balloon(void)
{
	volatile u8 *block = (volatile u8 *)0x1800000UL;
	struct vdev b;
	u64 i, nonzero = 0;

	if (vdev_init(&b, 5, 1U << 5, 2, 1)) {
		puts("no balloon\n");
		return;
	}
	for (i = 0; i < (2UL << 20); i += 4096)
		block[i] = 0xaa;
	set_desc(&b.desc[0], (void *)block, 2 << 20, VRING_DESC_F_WRITE, 0);
	if (vdev_kick_wait(&b, 2, 0)) {
		puts("balloon: report not used\n");
		return;
	}
	for (i = 0; i < (2UL << 20); i += 4096)
		nonzero += block[i] != 0;
	puts("balloon: reported block reads zero: ");
	puts(nonzero ? "no\n" : "yes\n");
}

struct blk_req {
	u32 type;
	u32 ioprio;
	u64 sector;
};

/* Read sector 0 of the shared image; a write must fail with IOERR. */
static void test_blk(void)
{
	static struct blk_req req;
	static u8 status;
	struct vdev blk;
	int i;

	if (vdev_init(&blk, 2, 0, 0, 1)) {
		puts("no blk\n");
		return;
	}
	puts("blk features ro ");
	w32(blk.base + VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	putdec((r32(blk.base + VIRTIO_MMIO_DEVICE_FEATURES) >> 5) & 1);
	puts(" sectors ");
	putdec(r32(blk.base + VIRTIO_MMIO_CONFIG));
	puts("\n");

	req.type = 0;
	req.sector = 0;
	status = 0xff;
	set_desc(&blk.desc[0], &req, sizeof(req), VRING_DESC_F_NEXT, 1);
	set_desc(&blk.desc[1], buffer, 512,
		 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(&blk.desc[2], &status, 1, VRING_DESC_F_WRITE, 0);
	vdev_kick_wait(&blk, 0, 0);
	puts("blk read status ");
	putdec(status);
	puts(" data ");
	for (i = 0; i < 16 && buffer[i] >= ' ' && buffer[i] < 127; i++)
		putc_serial(buffer[i]);
	puts("\n");

	req.type = 1;
	status = 0xff;
	set_desc(&blk.desc[0], &req, sizeof(req), VRING_DESC_F_NEXT, 1);
	set_desc(&blk.desc[1], buffer, 512, VRING_DESC_F_NEXT, 2);
	vdev_kick_wait(&blk, 0, 0);
	puts("blk write status ");
	putdec(status);
	puts("\n");

	req.type = 0;
	req.sector = 1ULL << 40;
	set_desc(&blk.desc[1], buffer, 512,
		 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	vdev_kick_wait(&blk, 0, 0);
	puts("blk read past end status ");
	putdec(status);
	puts("\n");
}

static u8 checksum(const u8 *p, u32 len)
{
	u8 s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* Walk the ACPI tables from boot_params.acpi_rsdp_addr, as Linux does. */
static void test_acpi(const u8 *bp)
{
	const u8 *rsdp = (const u8 *)*(const u64 *)(bp + 0x70);
	const u8 *xsdt, *fadt, *dsdt;
	u32 len, i, devices = 0, bad = 0;

	if (!rsdp || !starts((const char *)rsdp, "RSD PTR ")) {
		puts("acpi: no rsdp\n");
		return;
	}
	bad += checksum(rsdp, 20) != 0 || checksum(rsdp, 36) != 0;
	xsdt = (const u8 *)*(const u64 *)(rsdp + 24);
	bad += checksum(xsdt, *(const u32 *)(xsdt + 4)) != 0;
	fadt = (const u8 *)*(const u64 *)(xsdt + 36);
	bad += checksum(fadt, *(const u32 *)(fadt + 4)) != 0;
	dsdt = (const u8 *)*(const u64 *)(fadt + 140);
	len = *(const u32 *)(dsdt + 4);
	bad += checksum(dsdt, len) != 0;
	for (i = 0; i + 8 <= len; i++)
		devices += starts((const char *)dsdt + i, "LNRO0005");
	puts("acpi checksums bad ");
	putdec(bad);
	puts(" virtio devices ");
	putdec(devices);
	puts(" hw-reduced ");
	putdec((*(const u32 *)(fadt + 112) >> 20) & 1);
	puts("\n");
}

/*
 * Ring 1: the same from virtio-console's receive queue, where mvlaunch
 * sends the terminal's input when the guest cannot reach the UART.
 */
static void test_echo_virtio(void)
{
	static char line[64];
	struct vdev con;
	u32 n;

	if (vdev_init(&con, 3, 0, 0, 0)) {
		puts("console init failed\n");
		return;
	}
	puts("megavirt-guest: ready\n");
	set_desc(&con.desc[0], line, sizeof(line) - 1, VRING_DESC_F_WRITE, 0);
	if (vdev_kick_wait(&con, 0, 0)) {
		puts("echo: nothing came\n");
		return;
	}
	n = con.used->ring[0].len;
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	line[n] = 0;
	puts("echo: ");
	puts(line);
	puts("\n");
}

/* Read a line from the UART's receiver, by polling LSR.DR, and echo it. */
static void test_echo(void)
{
	char line[64];
	unsigned int n = 0;
	unsigned long spins = 0;

	puts("megavirt-guest: ready\n");
	while (n < sizeof(line) - 1 && spins < SPIN_LIMIT) {
		if (!(inb(SERIAL + 5) & 1)) {
			spins++;
			asm volatile("pause");
			continue;
		}
		line[n] = inb(SERIAL);
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = 0;
	puts("echo: ");
	puts(line);
	puts("\n");
}

/* What a kernel checks to find KVM: the hypervisor bit and leaf 0x40000000. */
static void test_cpuid(void)
{
	u32 a, b, c, d;
	char sig[13];

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	puts("cpuid hypervisor ");
	putdec(c >> 31);
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(0x40000000), "c"(0));
	*(u32 *)sig = b;
	*(u32 *)(sig + 4) = c;
	*(u32 *)(sig + 8) = d;
	sig[12] = 0;
	puts(" signature ");
	puts(sig);
	puts("\n");
}

static void __attribute__((noreturn)) triple_fault(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idt = { 0, 0 };

	asm volatile("lidt %0; int3" : : "m"(idt));
	halt();
}

void tguest_main(const u8 *bp)
{
	const char *cmdline = (const char *)(u64)*(const u32 *)(bp + 0x228);
	const char *test = "";
	const char *p;
	u16 cs;

	asm volatile("movw %%cs, %0" : "=r"(cs));
	ring1 = (cs & 3) == 1;
	if (ring1)
		ring1_setup();
	for (p = cmdline; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && starts(p, "mvt.test="))
			test = p + 9;

	puts("tguest: cmdline ");
	puts(cmdline);
	puts("\n");

	if (streq_word(test, "poweroff")) {
		puts("megavirt-guest: ready\n");
		poweroff();
	} else if (streq_word(test, "panic")) {
		puts("megavirt-guest: ready\n");
		panic("tguest was told to panic");
	} else if (streq_word(test, "reboot")) {
		reboot();
	} else if (streq_word(test, "triple")) {
		triple_fault();
	} else if (streq_word(test, "virtio")) {
		test_virtio_console();
		test_virtio_rng();
		test_balloon();
		poweroff();
	} else if (streq_word(test, "badring")) {
		test_bad_ring();
		poweroff();
	} else if (streq_word(test, "blk")) {
		test_blk();
		poweroff();
	} else if (streq_word(test, "acpi")) {
		test_acpi(bp);
		test_cpuid();
		poweroff();
	} else if (streq_word(test, "echo")) {
		if (ring1)
			test_echo_virtio();
		else
			test_echo();
		poweroff();
	} else if (streq_word(test, "hang")) {
		puts("megavirt-guest: ready\n");
		halt();
	} else if (streq_word(test, "spin")) {
		puts("megavirt-guest: ready\n");
		for (;;)
			asm volatile("pause");
	}
	puts("tguest: unknown test\n");
	puthex((u64)bp);
	poweroff();
}
